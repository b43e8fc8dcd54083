// Layout → SVG. Every piece of user text (names, labels, rule comments) goes in as a text
// node or an attribute value through the DOM API, never as markup, and is passed through
// `displayText` first so bidi controls cannot reorder what the user reads.
import type { GraphBox, GraphRow, RowAction, TextPart } from './graph';
import type { Layout, Measure, PlacedBox, PlacedEdge, PlacedRow } from './layout';
import type { Font } from './layout';
import { GEOMETRY, baseline, lineHeight, partsText } from './layout';
import type { SourceLocation } from './protocol';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface DiagramHandlers {
  reveal(source: SourceLocation): void;
  toggle(boxId: string): void;
  act(action: RowAction): void;
}

export interface Tooltip {
  show(lines: string[], anchor: Element): void;
  hide(): void;
}

// Bidi embeddings/overrides/isolates and marks, plus C0/C1 controls: shown as visible escapes.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Makes text safe to *read*: invisible direction/control characters become `\u{…}`. */
export function displayText(text: string): string {
  return text.replace(
    INVISIBLE,
    (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Cuts the runs so their total width fits, ending with `…`. */
export function fitParts(parts: TextPart[], maxWidth: number, measure: Measure, font: Font): TextPart[] {
  const clean = parts.map((p) => ({ ...p, text: displayText(p.text) }));
  if (measure(partsText(clean), font) <= maxWidth) return clean;
  const out: TextPart[] = [];
  for (const part of clean) {
    const before = partsText(out);
    if (measure(before + part.text, font) <= maxWidth - measure('…', font)) {
      out.push(part);
      continue;
    }
    let lo = 0;
    let hi = part.text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(before + part.text.slice(0, mid) + '…', font) <= maxWidth) lo = mid;
      else hi = mid - 1;
    }
    out.push({ ...part, text: `${part.text.slice(0, lo)}…` });
    break;
  }
  return out;
}

function textLine(parts: TextPart[], x: number, y: number, cls: string): SVGTextElement {
  const text = el('text', { x, y, class: cls });
  for (const part of parts) {
    const span = el('tspan');
    if (part.predicted) span.setAttribute('class', 'predicted');
    if (part.step) span.setAttribute('class', 'step');
    span.textContent = displayText(part.text);
    text.append(span);
  }
  return text;
}

/** Wrapped lines, one <text> each, the first line's top at `top`. */
function textLines(
  lines: TextPart[][],
  x: number,
  top: number,
  cls: string,
  measure: Measure,
  font: Font,
): SVGTextElement[] {
  const height = lineHeight(measure, font);
  const offset = baseline(measure, font);
  return lines.map((line, i) => textLine(line, x, top + i * height + offset, cls));
}

function describe(parts: TextPart[]): string {
  return parts.map((p) => (p.predicted ? `${p.text} (predicted)` : p.text)).join('');
}

function interactive(
  g: SVGGElement,
  label: string,
  tooltip: string[],
  tip: Tooltip,
  activate: (() => void) | null,
): void {
  g.setAttribute('aria-label', displayText(label));
  const lines = tooltip.map(displayText);
  g.addEventListener('pointerenter', () => tip.show(lines, g));
  g.addEventListener('pointerleave', () => tip.hide());
  g.addEventListener('focus', () => tip.show(lines, g));
  g.addEventListener('blur', () => tip.hide());
  if (!activate) {
    // Still reachable by keyboard so its tooltip can be read.
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'img');
    return;
  }
  g.setAttribute('tabindex', '0');
  g.setAttribute('role', 'button');
  g.classList.add('clickable');
  g.addEventListener('click', (event) => {
    event.stopPropagation();
    activate();
  });
  g.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      event.stopPropagation();
      activate();
    }
  });
}

function drawRow(
  placed: PlacedRow,
  box: PlacedBox,
  handlers: DiagramHandlers,
  tip: Tooltip,
  measure: Measure,
): SVGGElement {
  const row: GraphRow = placed.row;
  const { pad } = GEOMETRY;
  const g = el('g', { class: `row row-${row.kind} tone-${row.tone}`, 'data-row-id': row.id });
  if (row.paths) g.setAttribute('data-paths', row.paths.join(' '));
  g.append(el('rect', { x: pad / 2, y: placed.y, width: box.width - pad, height: placed.height, rx: 3 }));
  const top = placed.y + GEOMETRY.rowPad;
  g.append(...textLines(placed.label, pad * 1.5, top, 'row-label', measure, 'body'));
  g.append(
    ...textLines(
      placed.detail,
      pad * 1.5,
      top + placed.label.length * lineHeight(measure, 'body'),
      'row-detail',
      measure,
      'small',
    ),
  );
  const action = row.action;
  const activate = action
    ? () => handlers.act(action)
    : row.toggles
      ? () => handlers.toggle(box.box.id)
      : row.source
        ? () => handlers.reveal(row.source as SourceLocation)
        : null;
  const verb = row.action
    ? ''
    : row.toggles
      ? row.expanded
        ? ', press to collapse'
        : ', press to expand'
      : row.source
        ? ', press to go to source'
        : '';
  interactive(g, `${describe(row.label)} ${describe(row.detail)}${verb}`, row.tooltip, tip, activate);
  return g;
}

function drawBox(placed: PlacedBox, handlers: DiagramHandlers, tip: Tooltip, measure: Measure): SVGGElement {
  const box: GraphBox = placed.box;
  const { pad } = GEOMETRY;
  const g = el('g', {
    class: `box box-${box.kind} tone-${box.tone}`,
    'data-box-id': box.id,
    transform: `translate(${placed.x},${placed.y})`,
    'data-paths': box.paths.join(' '),
  });
  const frame = el('g', { class: 'box-frame' });
  frame.append(
    el('rect', { class: 'box-bg', x: 0, y: 0, width: placed.width, height: placed.height, rx: 4 }),
  );
  frame.append(...textLines(placed.title, pad, pad, 'box-title', measure, 'title'));
  frame.append(
    ...textLines(
      placed.subtitle,
      pad,
      pad + placed.title.length * lineHeight(measure, 'title'),
      'box-subtitle',
      measure,
      'small',
    ),
  );
  const source = box.source;
  interactive(
    frame,
    `${describe(box.title)} ${describe(box.subtitle)}${source ? ', press to go to source' : ''}`,
    box.tooltip,
    tip,
    source ? () => handlers.reveal(source) : null,
  );
  g.append(frame);
  for (const row of placed.rows) g.append(drawRow(row, placed, handlers, tip, measure));
  return g;
}

function drawEdge(placed: PlacedEdge, tip: Tooltip, measure: Measure): SVGGElement {
  const edge = placed.edge;
  const g = el('g', {
    class: `edge tone-${edge.tone}`,
    'data-edge-id': edge.id,
    'data-paths': edge.paths.join(' '),
  });
  const d = placed.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
  g.append(el('path', { d, 'marker-end': `url(#arrow-${edge.tone})` }));
  if (placed.label && edge.label.length > 0) {
    const l = placed.label;
    const label = el('g', { class: 'edge-label' });
    label.append(el('rect', { x: l.x, y: l.y, width: l.width, height: l.height, rx: 2 }));
    label.append(
      textLine(
        fitParts(edge.label, l.width, measure, 'small'),
        l.x + GEOMETRY.labelPad,
        l.y + baseline(measure, 'small'),
        'edge-text',
      ),
    );
    interactive(label, describe(edge.label), edge.tooltip, tip, null);
    g.append(label);
  }
  return g;
}

export function renderDiagram(
  layout: Layout,
  handlers: DiagramHandlers,
  tip: Tooltip,
  measure: Measure,
): SVGSVGElement {
  const svg = el('svg', {
    class: 'diagram',
    width: Math.ceil(layout.width),
    height: Math.ceil(layout.height),
    viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
    role: 'group',
    'aria-label': 'Request path diagram',
    'data-direction': layout.direction,
  });
  const defs = el('defs');
  for (const tone of ['normal', 'error', 'warning']) {
    const marker = el('marker', {
      id: `arrow-${tone}`,
      class: `arrow tone-${tone}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(marker);
  }
  svg.append(defs);
  const edges = el('g', { class: 'edges' });
  // Error paths last so they are drawn over shared segments.
  const ordered = [...layout.edges].sort(
    (a, b) => Number(a.edge.tone === 'error') - Number(b.edge.tone === 'error'),
  );
  for (const e of ordered) edges.append(drawEdge(e, tip, measure));
  const boxes = el('g', { class: 'boxes' });
  for (const b of layout.boxes) boxes.append(drawBox(b, handlers, tip, measure));
  // Labels above boxes so a label ELK placed near a box stays readable.
  svg.append(boxes, edges);
  highlightPaths(svg);
  return svg;
}

/**
 * Hovering a pod, a pod group, a node or a verdict highlights every box and edge on its path
 * (the keys in data-paths; `*` is on every path) and dims the rest.
 */
function highlightPaths(svg: SVGSVGElement): void {
  const clear = (): void => {
    svg.classList.remove('highlighting');
    for (const e of Array.from(svg.querySelectorAll('.on-path'))) e.classList.remove('on-path');
  };
  const keysOf = (target: Element): string[] => {
    const row = target.closest('g.row[data-paths]');
    const box = target.closest('g.box[data-paths]');
    const own = row ?? box;
    if (!own) return [];
    const keys = (own.getAttribute('data-paths') ?? '').split(' ').filter((k) => k !== '' && k !== '*');
    // Its own key comes first (a node lists the targets it reaches after it).
    return keys.slice(0, 1);
  };
  svg.addEventListener('pointerover', (event) => {
    const keys = keysOf(event.target as Element);
    clear();
    if (keys.length === 0) return;
    svg.classList.add('highlighting');
    for (const e of Array.from(svg.querySelectorAll('[data-paths]'))) {
      if (e.classList.contains('row')) continue;
      const paths = (e.getAttribute('data-paths') ?? '').split(' ');
      if (paths.includes('*') || keys.some((k) => paths.includes(k))) e.classList.add('on-path');
    }
  });
  svg.addEventListener('pointerleave', clear);
}
