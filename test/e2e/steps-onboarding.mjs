// Onboarding scenarios (issue 21): a headless Service's DNS answer, the diagram in an editor
// tab with zoom and fit, the panel following the cursor between two Services of one file, and
// the README's screenshots and animated tour. Each step closes the editors it opened (and no
// others), finds the webviews by the surface they draw (side view or editor tab), and takes
// the README images with capture.mjs (copied to media/screenshots/ with E2E_README_SHOTS=1).
import fs from 'node:fs';
import path from 'node:path';
import { clipAround, readmeShot, saveAnimation, themeSuffix } from './capture.mjs';
import {
  QUICK_INPUT,
  clickToken,
  closeQuickInput,
  editorLine,
  goToLine,
  hidePanel,
  hoverToken,
  openFile,
  runCommand,
} from './workbench.mjs';

const QUICK_ROW = '.quick-input-list .monaco-list-row';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The request-path app's frame for a surface ('view': the side panel, 'editor': the editor tab). */
async function appFrame(page, surface, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const s = await frame.evaluate(() => document.body?.dataset.surface ?? null).catch(() => null);
      if (s === surface) return frame;
    }
    if (Date.now() > end) throw new Error(`no request-path webview with surface "${surface}"`);
    await sleep(250);
  }
}

/** Shows the Kubepath side bar (the activity bar icon toggles: click only when it is hidden). */
async function showRequestPath(page) {
  const title = page.locator('.part.sidebar .composite.title', { hasText: /request path/i });
  if (!(await title.isVisible()))
    await page.locator('.activitybar .action-item a[aria-label^="Kubepath"]').click();
  await title.waitFor();
  return appFrame(page, 'view');
}

/** The Service the panel's dropdown shows ("default/nginx (LoadBalancer)"). */
function selectedService(frame) {
  return frame.evaluate(() => {
    const d = document.getElementById('kp-service');
    const value = d?.value;
    const option = [...(d?.querySelectorAll('vscode-option') ?? [])].find(
      (o) => o.getAttribute('value') === value,
    );
    return option?.textContent?.trim() ?? null;
  });
}

async function waitForService(frame, want, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let got = null;
  while (Date.now() < end) {
    got = await selectedService(frame);
    if (typeof want === 'string' ? got === want : want.test(got ?? '')) return got;
    await sleep(200);
  }
  throw new Error(`the panel shows Service "${got}", expected "${want}"`);
}

/** Waits for the element's CSS animations and transitions (a hover fading in) to finish. */
async function settled(locator) {
  await locator
    .evaluate((el) =>
      Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => undefined))),
    )
    .catch(() => {});
}

/** Tabs this step opened, closed again at its end (tabs that were open before stay). */
class OwnTabs {
  constructor(page) {
    this.page = page;
    this.names = [];
  }
  tab(name) {
    return this.page.locator('.tabs-container .tab', { hasText: name }).first();
  }
  async open(relativePath) {
    const base = path.basename(relativePath);
    const had = (await this.page.locator('.tabs-container .tab', { hasText: base }).count()) > 0;
    await openFile(this.page, relativePath);
    if (!had) this.names.push(base);
  }
  /** A tab something else opened for this step (the editor-tab diagram). */
  adopt(name) {
    this.names.push(name);
  }
  async close() {
    for (const name of this.names.reverse()) {
      const tab = this.tab(name);
      if ((await tab.count()) === 0) continue;
      // The tab's own close button (Ctrl+W would close the browser tab).
      await tab.hover();
      await tab.locator('.tab-actions .action-label').first().click();
      await tab.waitFor({ state: 'detached' });
    }
    this.names = [];
  }
}

/** A step's run that closes the tabs it opened, also when it fails (so a retry starts clean). */
function withOwnTabs(run) {
  return async (ctx) => {
    const tabs = new OwnTabs(ctx.page);
    // One editor group to start from (a failed attempt may have left the file open beside).
    await closeQuickInput(ctx.page);
    if ((await ctx.page.locator('.editor-group-container').count()) > 1)
      await runCommand(ctx.page, 'View: Join All Editor Groups');
    try {
      const detail = await run(ctx, tabs);
      await tabs.close();
      return detail;
    } finally {
      await tabs.close().catch(() => {});
    }
  };
}

/** 1-based line of the first line of a workspace file matching `re`. */
function lineOf(dirs, relativePath, re) {
  const lines = fs.readFileSync(path.join(dirs.workspace, relativePath), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`${relativePath} has no line matching ${re}`);
  return i + 1;
}

/** Trace Request from the palette: Service (exact label), then the entry point. */
async function traceFromPalette(page, service, entry) {
  await runCommand(page, 'Kubepath: Trace Request');
  await page.locator(QUICK_INPUT).waitFor({ state: 'visible' });
  // The row's text runs the label into its description ("default/catalogLoadBalancer …").
  const exact = new RegExp(`${service.replace(/[/.]/g, '\\$&')}(?!-)`);
  const row = page.locator(QUICK_ROW, { hasText: exact }).first();
  await row.waitFor();
  await row.click();
  const entryRow = page.locator(QUICK_ROW, { hasText: entry }).first();
  await entryRow.waitFor();
  await entryRow.click();
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
}

async function clearNotifications(page) {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page
    .locator('.notification-toast')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => {});
}

/** The activity bar and the side bar: where the panel's README screenshots are cropped. */
async function sidebarClip(page, extraWidth = 0) {
  const clip = await clipAround(page, [page.locator('.part.activitybar'), page.locator('.part.sidebar')]);
  return { ...clip, width: Math.min(clip.width + extraWidth, (page.viewportSize()?.width ?? 1400) - clip.x) };
}

/**
 * A README screenshot of the side panel at its width with the whole diagram: the window is made
 * taller for the shot (the panel's width, so its layout, stays), then restored.
 */
async function panelShot(page, frame, name, extraWidth = 0) {
  const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
  const overflow = () => frame.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  const extra = await overflow();
  if (extra <= 0) return readmeShot(page, name, await sidebarClip(page, extraWidth));
  await page.setViewportSize({ width: viewport.width, height: Math.min(2400, viewport.height + extra + 8) });
  try {
    const end = Date.now() + 10_000;
    while ((await overflow()) > 0 && Date.now() < end) await sleep(100);
    await frame.evaluate(() => window.scrollTo(0, 0));
    return await readmeShot(page, name, await sidebarClip(page, extraWidth));
  } finally {
    await page.setViewportSize(viewport);
  }
}

const podRows = (frame) => frame.locator('g.row-pod').allTextContents();

/** Waits until the panel draws `count` pod rows. */
async function waitForPods(frame, count, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let rows = [];
  while (Date.now() < end) {
    rows = await podRows(frame);
    if (rows.length === count) return rows;
    await sleep(250);
  }
  throw new Error(`the panel draws ${rows.length} pods, expected ${count}: ${rows.join(' | ')}`);
}

const svgSize = (frame) =>
  frame.evaluate(() => {
    const svg = document.querySelector('svg.diagram');
    return {
      width: Number(svg?.getAttribute('width') ?? -1),
      height: Number(svg?.getAttribute('height') ?? -1),
      zoom: document.body.dataset.zoom ?? null,
    };
  });

async function waitForZoom(frame, test, what, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  let size;
  while (Date.now() < end) {
    size = await svgSize(frame);
    if (test(size)) return size;
    await sleep(100);
  }
  throw new Error(`${what}: the diagram is ${JSON.stringify(size)}`);
}

export const onboardingSteps = [
  {
    id: 'onboard-headless',
    name: '(h) headless Service: the panel follows the cursor to it and draws the DNS answer, one A record per pod IP',
    run: withOwnTabs(async ({ page, dirs, shot }, tabs) => {
      await hidePanel(page);
      const file = 'headless/statefulset.yaml';
      const replicas = Number(
        /replicas:\s*(\d+)/.exec(fs.readFileSync(path.join(dirs.workspace, file), 'utf8'))?.[1],
      );
      const frame = await showRequestPath(page);
      await tabs.open(file);
      await goToLine(page, lineOf(dirs, file, /clusterIP: None/));
      const service = await waitForService(frame, /^data\/db \(/);
      const answer = frame.locator('g[data-row-id="dns:answer"]');
      await answer.waitFor({ timeout: 30_000 });
      const text = ((await answer.textContent()) ?? '').trim();
      const ips = text.match(/10\.244\.\d+\.\d+/g) ?? [];
      if (!new RegExp(`A → ${replicas} pod IPs`).test(text) || ips.length !== replicas)
        throw new Error(`the DNS box says "${text}", expected ${replicas} pod IPs`);
      // The client then connects to a pod directly: the pods drawn are the IPs DNS answered.
      const pods = await waitForPods(frame, replicas);
      const podIps = pods.map((p) => /10\.244\.\d+\.\d+/.exec(p)?.[0]);
      if ([...ips].sort().join() !== [...podIps].sort().join())
        throw new Error(`DNS answers ${ips.join(', ')} but the pods are ${pods.join(' | ')}`);
      if ((await frame.locator('g.box-node, g.box-kube-proxy').count()) > 0)
        throw new Error('a headless Service drawn with nodes or kube-proxy');
      const screenshot = await shot('oh-headless-dns');
      const readme = await panelShot(page, frame, 'panel-headless', 420);
      return `${service}: "${text}"; pods ${pods.join(', ')}; ${screenshot}; ${readme}`;
    }),
  },
  {
    id: 'onboard-cursor',
    name: '(c) two Services in one file: the panel switches Service as the cursor moves between them; 10 replicas drawn per node',
    run: withOwnTabs(async ({ page, dirs, shot }, tabs) => {
      await hidePanel(page);
      const file = 'e2e-smoke/catalog.yaml';
      const frame = await showRequestPath(page);
      await tabs.open(file);
      // The 10-replica Service from the internet (the README's aggregated diagram).
      await traceFromPalette(page, 'default/catalog', 'From the internet via the load balancer');
      await waitForService(frame, 'default/catalog (LoadBalancer)');
      const pods = await waitForPods(frame, 10);
      if (!pods.every((p) => /10\.244\.\d+\.\d+:8080/.test(p)))
        throw new Error(`pods are not IP:8080: ${pods.join(' | ')}`);
      const groups = await frame.locator('g.box-pods').count();
      await clearNotifications(page);
      await shot('oc1-catalog-10-replicas');
      const readme = await panelShot(page, frame, 'panel-10-replicas');
      // Cursor into the second Service: the panel follows it.
      await goToLine(page, lineOf(dirs, file, /name: catalog-admin/));
      await waitForService(frame, 'default/catalog-admin (ClusterIP)');
      await frame.locator('svg.diagram').waitFor();
      await shot('oc2-cursor-catalog-admin');
      // And back into the first one.
      await goToLine(page, lineOf(dirs, file, /type: LoadBalancer/));
      await waitForService(frame, 'default/catalog (LoadBalancer)');
      await waitForPods(frame, 10);
      await shot('oc3-cursor-catalog');
      return `10 pods in ${groups} node groups; cursor → catalog-admin → catalog switched the panel; ${readme}`;
    }),
  },
  {
    id: 'onboard-editor-tab',
    name: '(o) Open in Editor: the diagram opens in an editor column; zoom in, zoom out and fit change its scale, dragging pans',
    run: withOwnTabs(async ({ page, shot }, tabs) => {
      await hidePanel(page);
      const side = await showRequestPath(page);
      await tabs.open('nginx/service.yaml');
      await traceFromPalette(page, 'default/nginx', 'From the internet via the load balancer');
      await waitForPods(side, 3);
      await clearNotifications(page);
      await side.locator('vscode-button.open-in-editor').click();
      const tab = page.locator('.tabs-container .tab.active', { hasText: 'Request Path' });
      await tab.waitFor();
      tabs.adopt('Request Path');
      const editor = await appFrame(page, 'editor');
      await waitForPods(editor, 3);
      const groups = await page.locator('.editor-group-container').count();
      if (groups < 2) throw new Error('the diagram did not open in an editor column beside the file');
      if ((await editor.locator('vscode-button.open-in-editor').count()) > 0)
        throw new Error('the editor tab offers Open in Editor');
      const fitted = await waitForZoom(editor, (s) => s.zoom === 'fit' && s.width > 0, 'fit at first');
      const zoomIn = editor.locator('vscode-button[aria-label="Zoom in"]');
      const zoomOut = editor.locator('vscode-button[aria-label="Zoom out"]');
      await zoomIn.click();
      const bigger = await waitForZoom(editor, (s) => s.zoom !== 'fit' && s.width > fitted.width, 'zoom in');
      // Pan: dragging the diagram's background up scrolls the zoomed diagram down.
      const scrollTop = () => editor.evaluate(() => window.scrollY);
      const before = await scrollTop();
      const host = await editor.locator('.diagram-host').boundingBox();
      if (!host) throw new Error('no diagram host');
      const x = host.x + 4;
      const y = Math.min(host.y + 400, (page.viewportSize()?.height ?? 900) - 60);
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x, y - 150, { steps: 6 });
      await page.mouse.up();
      const panned = await scrollTop();
      if (panned <= before)
        throw new Error(`dragging the background did not pan (scrollY ${before} → ${panned})`);
      await editor.evaluate(() => window.scrollTo(0, 0));
      await zoomOut.click();
      await zoomOut.click();
      const smaller = await waitForZoom(
        editor,
        (s) => s.width < bigger.width && s.zoom !== bigger.zoom,
        'zoom out',
      );
      await shot('oo1-editor-tab-zoomed-out');
      await editor.locator('vscode-button[title="Fit the diagram to the panel"]').click();
      const refit = await waitForZoom(
        editor,
        (s) => s.zoom === 'fit' && s.width === fitted.width,
        'fit again',
      );
      await shot('oo2-editor-tab-fit');
      // The README's shot: the tab's group maximized, so the diagram lays out left to right.
      // Keyboard focus back from the webview to the workbench (F1 inside a webview may not reach it).
      await tab.click();
      await runCommand(page, 'View: Toggle Maximize Editor Group');
      let readme;
      try {
        await editor.locator('svg.diagram[data-direction="RIGHT"]').waitFor();
        await waitForZoom(editor, (s) => s.zoom === 'fit' && s.width > fitted.width, 'fit when maximized');
        // No pointer over the diagram (it would highlight one path and show a tooltip).
        await page.mouse.move(0, 0);
        await editor.locator('svg.diagram:not(.highlighting)').waitFor();
        // The group down to the end of the diagram and its notes (the webview fills the group's bottom).
        const group = await clipAround(page, [page.locator('.editor-group-container', { has: tab })]);
        const { innerHeight, contentBottom } = await editor.evaluate(() => ({
          innerHeight: window.innerHeight,
          contentBottom: Math.ceil(
            document.querySelector('main.content')?.getBoundingClientRect().bottom ?? 0,
          ),
        }));
        const webviewTop = group.y + group.height - innerHeight;
        const height = Math.min(group.height, webviewTop - group.y + contentBottom + 12);
        readme = await readmeShot(page, 'editor-tab', { ...group, height });
      } finally {
        await tab.click();
        await runCommand(page, 'View: Toggle Maximize Editor Group');
      }
      return `scale fit ${fitted.width}×${fitted.height} → zoom in ${bigger.zoom} ${bigger.width} px, drag pans scrollY ${before} → ${panned} → zoom out twice ${smaller.zoom} ${smaller.width} px → Fit ${refit.width} px; ${readme}`;
    }),
  },
  {
    id: 'onboard-readme',
    name: 'README screenshots: the nginx panel at the default sidebar width, the Service hover, the REJECT of a selector typo',
    run: withOwnTabs(async ({ page, dirs }, tabs) => {
      await hidePanel(page);
      const frame = await showRequestPath(page);
      await tabs.open('nginx/service.yaml');
      await traceFromPalette(page, 'default/nginx', 'From the internet via the load balancer');
      await waitForPods(frame, 3);
      await clearNotifications(page);
      const shots = [await panelShot(page, frame, 'panel-nginx')];
      if (themeSuffix() !== 'hc') {
        await hoverToken(page, 'name: nginx', 'nginx', 'endpoints', 45_000);
        const hover = page.locator('.monaco-hover:not(.hidden)').first();
        await settled(hover);
        shots.push(
          await readmeShot(
            page,
            'hover',
            // The hover and the token it is for (the line itself spans the editor's width).
            await clipAround(
              page,
              [hover, editorLine(page, 'name: nginx').locator('span > span', { hasText: 'nginx' }).first()],
              12,
            ),
          ),
        );
        await page.mouse.move(0, 0);
        await page.keyboard.press('Escape');
      }
      // The selector typo, unsaved: the REJECT box with its finding and quick fix.
      const onDisk = fs.readFileSync(path.join(dirs.workspace, 'nginx/service.yaml'), 'utf8');
      await clickToken(page, 'app: nginx', 'nginx');
      await page.keyboard.press('End');
      await page.keyboard.type('x');
      try {
        const verdict = frame.locator('g.box-verdict.tone-error', { hasText: 'REJECT' });
        await verdict.waitFor({ timeout: 30_000 });
        await frame.locator('g.box-verdict g.row-action', { hasText: 'Show Problem' }).waitFor();
        await verdict.scrollIntoViewIfNeeded();
        shots.push(await readmeShot(page, 'panel-reject', await sidebarClip(page, 300)));
        await editorLine(page, 'app: nginxx').click();
        await page.keyboard.press('Control+Z');
        await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
      } finally {
        // A failure above must not leave the typo in the editor (closing it would ask to save).
        if ((await page.locator('.tabs-container .tab.active.dirty').count()) > 0)
          await runCommand(page, 'File: Revert File');
      }
      await waitForPods(frame, 3);
      if (fs.readFileSync(path.join(dirs.workspace, 'nginx/service.yaml'), 'utf8') !== onDisk)
        throw new Error('nginx/service.yaml changed on disk');
      return shots.join('; ');
    }),
  },
  {
    id: 'onboard-tour',
    name: 'animated tour (hover → Trace request → notification → panel) encoded as a GIF from playwright screenshots',
    run: withOwnTabs(async ({ page }, tabs) => {
      const viewport = page.viewportSize();
      await hidePanel(page);
      // A smaller window keeps the animation small; the Explorer first, so the panel appears.
      await page.setViewportSize({ width: 1000, height: 640 });
      try {
        await runCommand(page, 'View: Show Explorer');
        await page.locator('.part.sidebar .composite.title', { hasText: /explorer/i }).waitFor();
        await tabs.open('nginx/service.yaml');
        await clearNotifications(page);
        const frames = [];
        const delays = [];
        const frame = async (ms) => {
          frames.push(await page.screenshot());
          delays.push(ms);
        };
        await page.mouse.move(0, 0);
        await frame(1500);
        await hoverToken(page, 'name: nginx', 'nginx', 'endpoints', 45_000);
        await settled(page.locator('.monaco-hover:not(.hidden)').first());
        await frame(3000);
        await page.mouse.move(0, 0);
        await page.keyboard.press('Escape');
        const lens = page
          .locator('.editor-group-container.active .codelens-decoration a', { hasText: 'Trace request' })
          .first();
        await lens.waitFor({ timeout: 45_000 });
        const box = await lens.boundingBox();
        if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
        await frame(1000);
        await lens.click();
        const entry = page.locator(QUICK_ROW, { hasText: 'From the internet via the load balancer' }).first();
        await entry.waitFor();
        await settled(page.locator(QUICK_INPUT));
        await frame(2000);
        await entry.click();
        await page
          .locator('.notification-toast', { hasText: /from internet: reached/ })
          .first()
          .waitFor({ timeout: 30_000 });
        const view = await appFrame(page, 'view');
        await waitForPods(view, 3);
        await settled(page.locator('.notification-toast').first());
        await page.mouse.move(0, 0);
        await frame(3500);
        // Hovering a pod highlights its whole path.
        const pod = view.locator('g.row-pod').nth(1);
        await pod.hover();
        await view.locator('svg.diagram.highlighting').waitFor();
        await frame(3000);
        const gif = saveAnimation(`tour-${themeSuffix()}.gif`, frames, delays);
        await clearNotifications(page);
        return `${gif.frames} frames ${gif.width} px wide, ${(gif.bytes / 1024).toFixed(0)} KB: ${gif.file}`;
      } finally {
        if (viewport) await page.setViewportSize(viewport);
      }
    }),
  },
];
