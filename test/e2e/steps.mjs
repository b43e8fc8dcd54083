// The kubepath scenarios, in order. Each step waits on explicit DOM (or log file) states,
// throws on failure, throws Skip when what it tests has not landed, and returns a detail.
import fs from 'node:fs';
import path from 'node:path';
import { Skip, readLogs } from './harness.mjs';
import {
  QUICK_INPUT,
  closeQuickInput,
  openFile,
  paletteRows,
  runCommand,
  webviewFrame,
} from './workbench.mjs';

/** The kubepath output channel's log file(s) (a LogOutputChannel is written by the extension host). */
const KUBEPATH_LOG = /[\\/]kubepath\.log$|[\\/]\d+-kubepath\.log$/;
const EXTHOST_LOG = /(remote)?exthost\.log$/;

/** Polls a log until `re` matches (log files are flushed asynchronously). */
async function waitForLog(dirs, fileRe, re, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = readLogs(dirs, fileRe);
    const m = re.exec(text);
    if (m) return { match: m, text };
    if (Date.now() > end) throw new Error(`log never matched ${re}; log tail: ${text.slice(-400)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function workspaceHas(dirs, relativePath) {
  return fs.existsSync(path.join(dirs.workspace, relativePath));
}

export const steps = [
  {
    id: 'activation',
    name: 'kubepath activates on YAML and its output channel logs',
    async run({ page, dirs }) {
      await openFile(page, 'e2e-smoke/not-kubernetes.yaml');
      await page.locator('#status\\.editor\\.mode', { hasText: 'YAML' }).waitFor();
      const { text } = await waitForLog(dirs, KUBEPATH_LOG, /kubepath activated/);
      const hasProfile = workspaceHas(dirs, 'kubepath.cluster.yaml');
      if (!hasProfile && /workspace analysis started/.test(text)) {
        throw new Error('ordinary YAML woke the workspace analysis');
      }
      return 'activated; ordinary YAML did not start analysis';
    },
  },
  {
    id: 'wake',
    name: 'opening Kubernetes YAML starts the workspace analysis',
    async run({ page, dirs, shot }) {
      await openFile(page, 'e2e-smoke/web.yaml');
      const { text } = await waitForLog(
        dirs,
        KUBEPATH_LOG,
        /workspace analysis started|engine not available/,
      );
      if (/engine not available/.test(text)) throw new Skip('engine entry point not wired yet');
      const { match } = await waitForLog(
        dirs,
        KUBEPATH_LOG,
        /analysed (\d+) files in (\d+) ms: (\d+) services/,
      );
      await shot('01-smoke-yaml');
      return `analysed ${match[1]} files in ${match[2]} ms, ${match[3]} services`;
    },
  },
  {
    id: 'palette',
    name: 'the command palette lists the Kubepath commands',
    async run({ page }) {
      const rows = await paletteRows(page, 'Kubepath:');
      const want = [
        'Kubepath: Trace Request',
        'Kubepath: Show iptables Rules for Node',
        'Kubepath: Select Cluster Profile',
        'Kubepath: Refresh',
      ];
      const missing = want.filter((w) => !rows.some((r) => r.includes(w)));
      if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}; rows: ${rows.join(' / ')}`);
      return `${want.length} commands`;
    },
  },
  {
    id: 'side-panel',
    name: 'the Kubepath view container shows the Request Path webview',
    async run({ page, shot }) {
      await closeQuickInput(page);
      await page.locator('.activitybar .action-item a[aria-label^="Kubepath"]').click();
      // A container with one view shows the view's name in the sidebar title, not a pane header.
      await page.locator('.part.sidebar .composite.title', { hasText: /request path/i }).waitFor();
      const frame = webviewFrame(page);
      await frame.locator('body').waitFor();
      const text = (await frame.locator('body').innerText()).replace(/\s+/g, ' ').trim();
      await shot('05-side-panel');
      return `webview says "${text.slice(0, 80)}"`;
    },
  },
  {
    id: 'exthost-log',
    name: 'the extension host log has no uncaught error from kubepath',
    always: true,
    noRetry: true,
    async run({ dirs }) {
      const { text: exthost } = await waitForLog(dirs, EXTHOST_LOG, /./);
      const bad = exthost
        .split('\n')
        .filter((l) => /\[error\]/i.test(l) && /kubepath|uncaught|unhandled/i.test(l));
      const own = readLogs(dirs, KUBEPATH_LOG)
        .split('\n')
        .filter((l) => /\[error\]/.test(l));
      if (bad.length + own.length > 0) throw new Error([...bad, ...own].slice(0, 3).join(' | '));
      return `${exthost.split('\n').length} exthost log lines, no kubepath errors`;
    },
  },
];

// Re-exported for steps added by later features.
export { QUICK_INPUT, runCommand };
