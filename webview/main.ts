// The side-panel app: controls + the request-path diagram. Talks to the host only through
// webview/protocol.ts: posts `ready` (with the selection it restored via getState), gets
// full snapshots back, posts `select` / `revealSource`.
import { buildDnsGraph, buildGraph } from './graph';
import type { GraphModel, RowAction } from './graph';
import type { Direction, Font, Layout, Measure } from './layout';
import { fitScale, fontSizes, layoutForWidth, loadElk } from './layout';
import type { DnsPath, HostToWebview, Selection, Snapshot, SourceLocation, WebviewToHost } from './protocol';
import { isEntryKind } from './protocol';
import { renderL7Slot } from './l7';
import { displayText, renderDiagram } from './render';
import type { Tooltip } from './render';
import { createButton, createDropdown, registerToolkit } from './toolkit';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What survives hide/show (instead of retainContextWhenHidden). */
interface ViewState {
  selection: Selection | null;
  expanded: string[];
}

function readState(raw: unknown): ViewState {
  const state: ViewState = { selection: null, expanded: [] };
  if (typeof raw !== 'object' || raw === null) return state;
  const r = raw as Record<string, unknown>;
  if (Array.isArray(r.expanded))
    state.expanded = r.expanded.filter((x): x is string => typeof x === 'string');
  const s = r.selection as Record<string, unknown> | null | undefined;
  if (typeof s === 'object' && s !== null) {
    state.selection = {
      serviceId: typeof s.serviceId === 'string' ? s.serviceId : null,
      portKey: typeof s.portKey === 'string' ? s.portKey : null,
      entry: isEntryKind(s.entry) ? s.entry : 'internet',
      node: typeof s.node === 'string' ? s.node : null,
    };
  }
  return state;
}

const WEIGHTS = { title: 600, body: 400, small: 400 } as const;

/** The editor's font size (VS Code sets --vscode-editor-font-size on <html>), else the UI's. */
function editorFontSize(): number {
  const style = getComputedStyle(document.documentElement);
  for (const name of ['--vscode-editor-font-size', '--vscode-font-size']) {
    const size = parseFloat(style.getPropertyValue(name));
    if (Number.isFinite(size) && size > 0) return size;
  }
  return 13;
}

const MIN_ZOOM = 0.4;
const MAX_ZOOM = 3;

/** How long the panel width must stay put before the diagram is laid out again. */
const RESIZE_DEBOUNCE_MS = 150;

/**
 * Text widths with the panel's own fonts: the UI font family at the editor's font size (the
 * same sizes the stylesheet derives from those variables).
 */
function createMeasure(): Measure {
  const context = document.createElement('canvas').getContext('2d');
  const family =
    getComputedStyle(document.documentElement).getPropertyValue('--vscode-font-family').trim() ||
    getComputedStyle(document.body).fontFamily ||
    'sans-serif';
  const sizes = fontSizes(editorFontSize());
  document.documentElement.style.setProperty('--kp-title-size', `${sizes.title}px`);
  document.documentElement.style.setProperty('--kp-body-size', `${sizes.body}px`);
  document.documentElement.style.setProperty('--kp-small-size', `${sizes.small}px`);
  const cache = new Map<string, number>();
  const measure = (text: string, font: Font): number => {
    const key = `${font}\u0000${text}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let width = text.length * sizes[font] * 0.6;
    if (context) {
      context.font = `${WEIGHTS[font]} ${sizes[font]}px ${family}`;
      width = context.measureText(text).width;
    }
    cache.set(key, width);
    return width;
  };
  return Object.assign(measure, { sizes });
}

function createTooltip(host: HTMLElement): Tooltip {
  const box = document.createElement('div');
  box.className = 'tooltip';
  box.setAttribute('role', 'tooltip');
  box.hidden = true;
  host.append(box);
  return {
    show(lines, anchor) {
      box.replaceChildren(
        ...lines.map((line) => {
          const div = document.createElement('div');
          div.textContent = line;
          return div;
        }),
      );
      box.hidden = false;
      const r = anchor.getBoundingClientRect();
      const maxLeft = Math.max(4, window.innerWidth - box.offsetWidth - 4);
      box.style.left = `${Math.min(Math.max(4, r.left), maxLeft) + window.scrollX}px`;
      const below = r.bottom + 6;
      const top = below + box.offsetHeight > window.innerHeight ? r.top - box.offsetHeight - 6 : below;
      box.style.top = `${Math.max(4, top) + window.scrollY}px`;
    },
    hide() {
      box.hidden = true;
    },
  };
}

function start(): void {
  const vscode = acquireVsCodeApi();
  registerToolkit();
  const saved = readState(vscode.getState());
  const expanded = new Set(saved.expanded);
  let selection: Selection | null = saved.selection;
  let snapshot: Snapshot | null = null;
  let renderToken = 0;
  let lastGraphKey = '';
  let lastDirection: Direction | null = null;
  /** The size of the layout on screen (before scaling). */
  let lastLayoutSize = { width: 0, height: 0 };
  /** The panel width the diagram on screen was laid out for. */
  let laidOutFor = -1;
  let renderCount = 0;
  /** 'fit': as wide as the panel allows (never below MIN_SCALE); a number: the user's zoom. */
  let zoom: number | 'fit' = 'fit';

  const root = document.getElementById('app') ?? document.body;
  root.replaceChildren();
  const controls = document.createElement('div');
  controls.className = 'controls';
  controls.setAttribute('role', 'toolbar');
  controls.setAttribute('aria-label', 'Request path selection');
  const main = document.createElement('main');
  main.className = 'content';
  const diagramHost = document.createElement('div');
  diagramHost.className = 'diagram-host';
  const empty = document.createElement('div');
  empty.className = 'empty';
  const footer = document.createElement('div');
  footer.className = 'footer';
  // Above the journey's first stops: where an L7 section (Gateway/Ingress routing) goes.
  const l7Host = document.createElement('div');
  l7Host.className = 'l7-slot';
  main.append(l7Host, empty, diagramHost, footer);
  root.append(controls, main);
  const tooltip = createTooltip(document.body);
  const measure = createMeasure();

  const persist = (): void => vscode.setState({ selection, expanded: [...expanded] });
  const post = (message: WebviewToHost): void => vscode.postMessage(message);
  const select = (patch: Partial<Selection>): void => {
    const base: Selection = selection ?? { serviceId: null, portKey: null, entry: 'internet', node: null };
    selection = { ...base, ...patch };
    persist();
    post({ type: 'select', selection });
  };

  const serviceDropdown = createDropdown('kp-service', 'Service', (value) =>
    select({ serviceId: value === '' ? null : value, portKey: null }),
  );
  const portDropdown = createDropdown('kp-port', 'Port', (value) => select({ portKey: value }));
  const entryDropdown = createDropdown('kp-entry', 'Entry point', (value) => {
    if (isEntryKind(value)) select({ entry: value });
  });
  const nodeDropdown = createDropdown('kp-node', 'Node', (value) =>
    select({ node: value === '' ? null : value }),
  );
  const expandButton = createButton('Expand chains', () => {
    const nodes = snapshot?.path?.nodes.map((n) => n.node) ?? [];
    const allOpen = nodes.length > 0 && nodes.every((n) => expanded.has(n));
    for (const n of nodes) {
      if (allOpen) expanded.delete(n);
      else expanded.add(n);
    }
    persist();
    redraw();
  });
  expandButton.classList.add('expand-all');
  // The view buttons: zoom in and out, fit to the panel; in the side view also "Open in Editor".
  const surface = root.dataset.surface === 'editor' ? 'editor' : 'view';
  document.body.dataset.surface = surface;
  const viewButtons = document.createElement('div');
  viewButtons.className = 'view-buttons';
  viewButtons.setAttribute('role', 'group');
  viewButtons.setAttribute('aria-label', 'Zoom');
  const zoomBy = (factor: number): void => {
    const current = zoom === 'fit' ? currentScale() : zoom;
    zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.round(current * factor * 100) / 100));
    fit();
  };
  const zoomOut = createButton('−', () => zoomBy(1 / 1.25));
  zoomOut.setAttribute('aria-label', 'Zoom out');
  zoomOut.title = 'Zoom out';
  const zoomIn = createButton('+', () => zoomBy(1.25));
  zoomIn.setAttribute('aria-label', 'Zoom in');
  zoomIn.title = 'Zoom in';
  const fitButton = createButton('Fit', () => {
    zoom = 'fit';
    fit();
  });
  fitButton.title = 'Fit the diagram to the panel';
  viewButtons.append(zoomOut, zoomIn, fitButton);
  if (surface === 'view') {
    const open = createButton('Open in Editor', () => post({ type: 'openInEditor' }));
    open.classList.add('open-in-editor');
    open.title = 'Open the request path in an editor tab';
    viewButtons.append(open);
  }
  controls.append(
    serviceDropdown.element,
    portDropdown.element,
    entryDropdown.element,
    nodeDropdown.element,
    expandButton,
    viewButtons,
  );

  const handlers = {
    reveal(source: SourceLocation) {
      post({ type: 'revealSource', source });
    },
    act(action: RowAction) {
      post({
        type: action.kind,
        source: action.source,
        ...(action.kind === 'applyFix' ? { title: action.title } : {}),
      } as WebviewToHost);
    },
    toggle(boxId: string) {
      const node = boxId.replace(/^node:/, '');
      if (expanded.has(node)) expanded.delete(node);
      else expanded.add(node);
      persist();
      redraw(boxId);
    },
  };

  function updateControls(s: Snapshot): void {
    const multiRoot = new Set(s.services.map((x) => x.folder)).size > 1;
    serviceDropdown.update(
      [
        { value: '', label: s.services.length === 0 ? '(no Services)' : '(choose a Service)' },
        ...s.services.map((x) => ({
          value: x.id,
          label: `${multiRoot ? `${x.folder}: ` : ''}${x.namespace}/${x.name} (${x.type})`,
        })),
      ],
      s.selection.serviceId ?? '',
    );
    const service = s.services.find((x) => x.id === s.selection.serviceId);
    portDropdown.update(
      (service?.ports ?? []).map((p) => ({
        value: p.key,
        label: `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol} → ${p.targetPort}${p.nodePort ? ` (nodePort ${p.nodePort})` : ''}`,
      })),
      s.selection.portKey ?? '',
    );
    // Only the entries this Service has; a headless or ExternalName Service is only looked up.
    entryDropdown.update(
      s.entries.length > 0 || !service
        ? s.entries.map((e) => ({ value: e.entry, label: e.label, disabled: !e.available }))
        : [{ value: 'dns', label: 'DNS lookup from a pod' }],
      s.entries.length > 0 ? s.selection.entry : 'dns',
    );
    nodeDropdown.update(
      [
        { value: '', label: 'All nodes' },
        ...s.nodes.map((n) => ({ value: n.name, label: `${n.name} (${n.ip})` })),
      ],
      s.selection.node ?? '',
    );
    serviceDropdown.setDisabled(s.services.length === 0);
    portDropdown.setDisabled(!service);
    entryDropdown.setDisabled(!service || s.entries.length <= 1);
    nodeDropdown.setDisabled(!s.path);
    expandButton.toggleAttribute('disabled', !s.path || s.path.nodes.length === 0);
  }

  function showEmpty(title: string, hint: string): void {
    const h = document.createElement('h2');
    h.textContent = title;
    const p = document.createElement('p');
    p.textContent = hint;
    empty.replaceChildren(h, p);
    empty.hidden = false;
    diagramHost.replaceChildren();
    lastGraphKey = '';
    lastDirection = null;
  }

  function updateFooter(s: Snapshot, graph: GraphModel | null): void {
    const items: string[] = [...(s.path?.notes ?? s.dnsPath?.notes ?? [])];
    if (graph?.hasPredicted)
      items.unshift('Italic, dotted values are predicted: the real cluster picks its own at run time.');
    const lines = items.map((text) => {
      const p = document.createElement('p');
      p.textContent = displayText(text);
      return p;
    });
    const status = document.createElement('p');
    status.className = 'status';
    status.textContent = displayText(s.status);
    footer.replaceChildren(...lines, status);
  }

  /**
   * Side panels are narrow: the diagram shrinks to the panel width down to MIN_SCALE (text
   * stays legible), then scrolls sideways. (Before that, a narrow panel gets the top-down
   * layout: see layoutForWidth.)
   */
  function currentScale(): number {
    const svg = diagramHost.querySelector<SVGSVGElement>('svg.diagram');
    const [, , w = 0] = (svg?.getAttribute('viewBox') ?? '').split(' ').map(Number);
    return svg && w > 0 ? Number(svg.getAttribute('width')) / w : 1;
  }

  function fit(): void {
    const svg = diagramHost.querySelector<SVGSVGElement>('svg.diagram');
    if (!svg) return;
    const [, , w = 0, h = 0] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number);
    const scale = zoom === 'fit' ? fitScale(w, diagramHost.clientWidth) : zoom;
    document.body.dataset.zoom = zoom === 'fit' ? 'fit' : String(zoom);
    // Floor: a scaled width rounded up could overflow the panel by a pixel.
    svg.setAttribute('width', String(Math.floor(w * scale)));
    svg.setAttribute('height', String(Math.ceil(h * scale)));
  }

  // Pan: drag the diagram's background (the scrollbars and the wheel scroll it too).
  let drag: { x: number; y: number; left: number; top: number } | null = null;
  diagramHost.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || (event.target as Element).closest('[tabindex]')) return;
    drag = { x: event.clientX, y: event.clientY, left: diagramHost.scrollLeft, top: window.scrollY };
    diagramHost.setPointerCapture(event.pointerId);
    diagramHost.classList.add('panning');
  });
  diagramHost.addEventListener('pointermove', (event) => {
    if (!drag) return;
    diagramHost.scrollLeft = drag.left - (event.clientX - drag.x);
    window.scrollTo({ top: drag.top - (event.clientY - drag.y) });
  });
  const endDrag = (): void => {
    drag = null;
    diagramHost.classList.remove('panning');
  };
  diagramHost.addEventListener('pointerup', endDrag);
  diagramHost.addEventListener('pointercancel', endDrag);

  // Resizing the panel rescales at once and, once the user stops dragging, lays out again for
  // the new width (left to right or top-down; both are cached, so this is quick).
  let observedWidth = -1;
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  new ResizeObserver(() => {
    const width = diagramHost.clientWidth;
    if (width === observedWidth) return; // height changes come from our own drawing
    observedWidth = width;
    fit();
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => redraw(), RESIZE_DEBOUNCE_MS);
  }).observe(diagramHost);

  /** Render timings on <body data-*> for the browser test and for anyone profiling the panel. */
  function markRendered(started: number, phases: Record<string, number> = {}): void {
    renderCount++;
    const ms = performance.now() - started;
    document.body.dataset.renderCount = String(renderCount);
    document.body.dataset.renderMs = ms.toFixed(1);
    document.body.dataset.renderPhases = JSON.stringify(phases);
    if (lastDirection) document.body.dataset.layoutDirection = lastDirection;
    else delete document.body.dataset.layoutDirection;
  }

  /** Draws the current snapshot; layout is skipped when neither the graph nor the panel width changed. */
  function redraw(focusBox?: string): void {
    const s = snapshot;
    if (!s) return;
    const started = performance.now();
    const token = ++renderToken;
    updateControls(s);
    const controlsDone = performance.now();
    renderL7Slot(l7Host, s, (source) => handlers.reveal(source));
    if (!s.path && !s.dnsPath) {
      showEmpty(s.empty?.title ?? 'Nothing to show', s.empty?.hint ?? '');
      updateFooter(s, null);
      markRendered(started);
      return;
    }
    const graph = s.path
      ? buildGraph(s.path, { expanded, problems: s.problems })
      : buildDnsGraph(s.dnsPath as DnsPath, { problems: s.problems });
    updateFooter(s, graph);
    const key = JSON.stringify(graph);
    const available = diagramHost.clientWidth;
    if (key === lastGraphKey && available === laidOutFor && diagramHost.firstChild) {
      markRendered(started);
      return;
    }
    diagramHost.setAttribute('aria-busy', 'true');
    const graphDone = performance.now();
    layoutForWidth(graph, measure, available)
      .then((layout: Layout) => {
        if (token !== renderToken) return;
        laidOutFor = available;
        const layoutDone = performance.now();
        if (
          key === lastGraphKey &&
          layout.direction === lastDirection &&
          layout.width === lastLayoutSize.width &&
          layout.height === lastLayoutSize.height &&
          diagramHost.firstChild
        ) {
          // Same picture at another width: keep the SVG (and the focus in it), rescale only. A
          // top-down column laid out for another width wraps its texts differently: drawn anew.
          diagramHost.removeAttribute('aria-busy');
          fit();
          markRendered(started);
          return;
        }
        empty.hidden = true;
        empty.replaceChildren();
        tooltip.hide();
        const svg = renderDiagram(layout, handlers, tooltip, measure);
        diagramHost.replaceChildren(svg);
        fit();
        diagramHost.removeAttribute('aria-busy');
        lastGraphKey = key;
        lastDirection = layout.direction;
        lastLayoutSize = { width: layout.width, height: layout.height };
        if (focusBox) {
          const row = svg.querySelector<SVGGElement>(
            `g[data-box-id="${CSS.escape(focusBox)}"] .row-kubeproxy`,
          );
          row?.focus();
        }
        markRendered(started, {
          controls: controlsDone - started,
          graph: graphDone - controlsDone,
          layout: layoutDone - graphDone,
          draw: performance.now() - layoutDone,
        });
      })
      .catch((error: unknown) => {
        if (token !== renderToken) return;
        showEmpty(
          'The diagram could not be laid out',
          error instanceof Error ? error.message : String(error),
        );
        markRendered(started);
      });
  }

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = event.data as HostToWebview | null;
    if (typeof message !== 'object' || message === null || message.type !== 'snapshot') return;
    snapshot = message.snapshot;
    selection = snapshot.selection;
    persist();
    redraw();
  });

  showEmpty('Loading…', 'kubepath is analysing the workspace.');
  post({ type: 'ready', selection });
  // Evaluate and warm ELK while the user reads the controls, so the first real layout is quick.
  const warm = (): void => {
    loadElk()
      .then((elk) =>
        elk.layout({
          id: 'warm',
          children: [
            { id: 'a', width: 10, height: 10 },
            { id: 'b', width: 10, height: 10 },
          ],
          edges: [{ id: 'e', sources: ['a'], targets: ['b'] }],
        }),
      )
      .catch(() => undefined);
  };
  if ('requestIdleCallback' in window) window.requestIdleCallback(warm, { timeout: 500 });
  else setTimeout(warm, 50);
}

start();
