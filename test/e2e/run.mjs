#!/usr/bin/env node
// kubepath in a real VS Code: builds and packages the extension, installs the .vsix into a
// fresh code-server (VS Code 1.99.3), opens a copy of examples/ and drives the UI with
// playwright-core + Debian chromium. Prints PASS/FAIL/SKIP per step and "N passed, N failed";
// exits 1 on any failure. Screenshots and logs go to test-results/e2e/.
//
//   npm run test:e2e            (after: bash scripts/e2e-setup.sh)
//   node test/e2e/run.mjs [--keep] [--only=substring[,substring…]]
//
// Environment: E2E_CACHE_DIR, CODE_SERVER_BIN, CHROMIUM_PATH, E2E_OUT_DIR (see harness.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_PATH,
  CODE_SERVER_BIN,
  OUT_DIR,
  REPO,
  Results,
  buildAndPackage,
  cliAnalyzeJson,
  elapsed,
  installVsix,
  keepLogs,
  makeSandbox,
  populateWorkspace,
  startCodeServer,
  stopCodeServer,
} from './harness.mjs';
import { steps } from './steps.mjs';

const args = process.argv.slice(2);
const KEEP = args.includes('--keep') || process.env.E2E_KEEP === '1';
const ONLY = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const results = new Results();
let child;
let browser;
let dirs;

async function main() {
  if (!fs.existsSync(CODE_SERVER_BIN)) {
    results.add('code-server installed', 'fail', `${CODE_SERVER_BIN} missing: run bash scripts/e2e-setup.sh`);
    return;
  }
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  dirs = makeSandbox();
  populateWorkspace(dirs);

  let vsix;
  try {
    const built = await buildAndPackage(dirs);
    vsix = built.vsix;
    results.add(
      'build and package the .vsix',
      'pass',
      `${(built.size / 1024).toFixed(1)} KB (README's images ${(built.media / 1024).toFixed(1)} KB of it)`,
    );
    results.add('install the .vsix into a fresh extensions dir', 'pass', installVsix(dirs, vsix));
    const started = await startCodeServer(dirs, path.join(OUT_DIR, 'code-server.log'));
    child = started.child;
    results.add('code-server answers /healthz', 'pass', started.base);

    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      env: {
        ...process.env,
        XDG_CONFIG_HOME: dirs.env.XDG_CONFIG_HOME,
        XDG_CACHE_HOME: dirs.env.XDG_CACHE_HOME,
      },
      // --no-sandbox: root in a container. The rest keeps a 2-core machine calm.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    await page.goto(`${started.base}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'e2e-smoke' })
      .waitFor({ timeout: 90_000 });
    results.add('workbench loads the examples workspace', 'pass');

    const expected = await cliAnalyzeJson(dirs, 'nginx');
    const ctx = { page, dirs, results, expected, shot: (name) => screenshot(page, name) };
    for (const step of steps) {
      const wanted = ONLY?.split(',').some((o) => step.id.includes(o) || step.name.includes(o));
      if (ONLY && !wanted && !step.always) continue;
      await runStep(ctx, step);
    }
    if (pageErrors.length > 0)
      console.log(`(workbench page errors: ${pageErrors.length}; first: ${pageErrors[0].slice(0, 200)})`);
  } catch (error) {
    results.add(
      'harness',
      'fail',
      String(error?.stack ?? error)
        .split('\n')
        .slice(0, 3)
        .join(' | '),
    );
  }
}

async function screenshot(page, name) {
  const file = path.join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return path.relative(REPO, file);
}

/** One step, retried once after a failure; screenshots of each failed attempt are kept. */
async function runStep(ctx, step) {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const detail = await step.run(ctx);
      results.add(step.name, 'pass', `${detail ?? ''}${attempt > 1 ? ' (passed on retry)' : ''}`);
      return;
    } catch (error) {
      const shot = await ctx.shot(`FAILED-${step.id}-attempt${attempt}`).catch(() => 'no screenshot');
      const lines = String(error?.message ?? error).split('\n');
      // Playwright puts the locator it was waiting for in its call log: keep it.
      const waitingFor = lines.find((l) => l.includes('waiting for'))?.trim();
      const message = `${lines[0]}${waitingFor ? ` (${waitingFor})` : ''}`;
      if (attempt === 2 || step.noRetry) {
        results.add(step.name, 'fail', `${message} (${shot})`);
        return;
      }
      console.log(`  retrying "${step.name}" after: ${message}`);
      await ctx.page.keyboard.press('Escape').catch(() => {});
    }
  }
}

try {
  await main();
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopCodeServer(child);
  if (dirs) {
    const logs = keepLogs(dirs);
    if (results.failed > 0) console.log(`logs kept in ${path.relative(REPO, logs)}, sandbox ${dirs.tmp}`);
    if (!KEEP && results.failed === 0) fs.rmSync(dirs.tmp, { recursive: true, force: true });
  }
  console.log(results.summary());
  console.log(`total ${elapsed()}`);
  process.exitCode = results.failed > 0 || results.rows.length === 0 ? 1 : 0;
}
