// GraphModel → positions, with elkjs (layered). Box geometry (title, rows, where each row's
// edges attach) is ours; ELK places the boxes, routes the edges through fixed row ports and
// places the edge labels. ELK is ~1.6 MB of compiled Java: it is evaluated on first use only
// (`loadElk`), and only the selected service is laid out.
//
// Two directions. RIGHT (wide panels): client → LB → nodes → pods in columns. DOWN (narrow
// side panels): the same boxes in one column, top to bottom; the boxes of one stage (all
// node boxes; all pod groups and verdicts) are stacked into one ELK node, so every edge joins
// adjacent layers and the column stays as wide as its widest box plus the edge lanes beside it.
import type { ELK, ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk-api';
import type { GraphBox, GraphEdge, GraphModel, GraphRow, TextPart } from './graph';

export type Font = 'title' | 'body' | 'small';

/**
 * Width of a text run in px for the given font (canvas measureText in the browser). It may
 * carry the fonts' sizes (the editor's font size: main.ts reads --vscode-editor-font-size);
 * without them, 13 px.
 */
export type Measure = ((text: string, font: Font) => number) & {
  readonly sizes?: Readonly<Record<Font, number>>;
};

/** The panel's text sizes for an editor font size: never below 11 px. */
export function fontSizes(editorFontSize: number): Record<Font, number> {
  const body = Math.max(11, Math.round(Number.isFinite(editorFontSize) ? editorFontSize : 13));
  return { title: body, body, small: Math.max(11, body - 1) };
}

const DEFAULT_SIZES = fontSizes(13);

/** The height of one wrapped line of `font`. */
export function lineHeight(measure: Measure, font: Font): number {
  return Math.round((measure.sizes ?? DEFAULT_SIZES)[font] * 1.38);
}

/** Where a line's baseline sits below its top. */
export function baseline(measure: Measure, font: Font): number {
  return Math.round((measure.sizes ?? DEFAULT_SIZES)[font] * 1.0);
}

export const GEOMETRY = {
  pad: 8,
  rowGap: 4,
  /** Inside a row's frame, above and below its text. */
  rowPad: 3,
  minWidth: 96,
  labelPad: 3,
} as const;

/** The widest text a box holds before it wraps (left to right; top-down wraps at the column). */
export function maxTextWidth(measure: Measure): number {
  return Math.round((measure.sizes ?? DEFAULT_SIZES).body * 18);
}

export interface PlacedRow {
  row: GraphRow;
  y: number;
  height: number;
  label: TextPart[][];
  detail: TextPart[][];
}

export interface PlacedBox {
  box: GraphBox;
  x: number;
  y: number;
  width: number;
  height: number;
  title: TextPart[][];
  subtitle: TextPart[][];
  rows: PlacedRow[];
}

export interface PlacedEdge {
  edge: GraphEdge;
  points: { x: number; y: number }[];
  label: { x: number; y: number; width: number; height: number } | null;
}

export interface Layout {
  direction: Direction;
  width: number;
  height: number;
  boxes: PlacedBox[];
  edges: PlacedEdge[];
}

export function partsText(parts: TextPart[]): string {
  return parts.map((p) => p.text).join('');
}

/** The journey number drawn before a box title (or a row label): `4 `. */
export function stepPrefix(step: number | undefined): string {
  return step === undefined ? '' : `${step} `;
}

/** The journey number as its own run (drawn as a number badge). */
export function withStep(step: number | undefined, parts: TextPart[]): TextPart[] {
  return step === undefined ? parts : [{ text: stepPrefix(step), step: true }, ...parts];
}

/**
 * A kube-proxy chain name (iptables `KUBE-SVC-…`, `KUBE-SEP-…`; nftables `service-HASH-…`,
 * `endpoint-HASH-…`, `external-HASH-…`, `firewall-HASH-…`), perhaps after an opening bracket:
 * one identifier, copied and searched for whole, so it never wraps at its hyphens.
 */
const CHAIN_NAME =
  /^[([]?(?:KUBE-[A-Z0-9]+(?:-[A-Z0-9]+)*|(?:service|endpoint|external|firewall)-[A-Z0-9]{8}-\S+)/;

/** The pieces a line may break after: words, and inside a long name its parts, chain names whole. */
function breakPieces(text: string): string[] {
  return text
    .split(/(?<=\s)(?=\S)/)
    .flatMap((word) => (CHAIN_NAME.test(word) ? [word] : word.split(/(?<=[-/.:,=])/)));
}

/**
 * Wraps runs into lines of at most `maxWidth` px: at spaces, and inside long names after
 * `-`, `/`, `.`, `:`, `,` or `=` (pod names break where their parts meet; chain names do not);
 * a piece wider than a line alone is split where it must. Nothing is cut: every character is drawn.
 */
export function wrapParts(parts: TextPart[], maxWidth: number, measure: Measure, font: Font): TextPart[][] {
  const lines: TextPart[][] = [];
  let line: TextPart[] = [];
  let lineText = '';
  const push = (piece: TextPart): void => {
    const last = line.at(-1);
    if (last && last.predicted === piece.predicted && last.step === piece.step) {
      line[line.length - 1] = { ...last, text: last.text + piece.text };
    } else line.push(piece);
    lineText += piece.text;
  };
  // A line broken at a space keeps it at its end: drawn, it is invisible (SVG trims it); read
  // (textContent, screen readers), the words stay apart.
  const breakLine = (): void => {
    lines.push(line.filter((p) => p.text !== ''));
    line = [];
    lineText = '';
  };
  for (const part of parts) {
    for (const raw of breakPieces(part.text)) {
      let text = raw;
      if (text === '') continue;
      if (lineText === '') text = text.replace(/^\s+/, '');
      if (text === '') continue;
      if (lineText !== '' && measure(lineText + text.replace(/\s+$/, ''), font) > maxWidth) {
        breakLine();
        text = text.replace(/^\s+/, '');
      }
      // A piece wider than a whole line: as many characters as fit, then the rest on.
      while (measure(lineText + text.replace(/\s+$/, ''), font) > maxWidth && text.length > 1) {
        let lo = 1;
        let hi = text.length - 1;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (measure(lineText + text.slice(0, mid), font) <= maxWidth) lo = mid;
          else hi = mid - 1;
        }
        if (lineText !== '' && measure(lineText + text.slice(0, lo), font) > maxWidth) {
          breakLine();
          continue;
        }
        push({ ...part, text: text.slice(0, lo) });
        breakLine();
        text = text.slice(lo);
      }
      push({ ...part, text });
    }
  }
  if (line.length > 0) breakLine();
  return lines.length > 0 ? lines : [];
}

interface BoxGeometry {
  width: number;
  height: number;
  title: TextPart[][];
  subtitle: TextPart[][];
  rows: PlacedRow[];
}

/** The width a box wants: its longest text on one line, up to `maxText`. */
function naturalWidth(box: GraphBox, measure: Measure, maxText: number): number {
  const g = GEOMETRY;
  const clamp = (w: number): number => Math.min(maxText, Math.ceil(w));
  let width = Math.max(
    clamp(measure(partsText(withStep(box.step, box.title)), 'title')),
    clamp(measure(partsText(box.subtitle), 'small')),
  );
  for (const row of box.rows) {
    // Rows are drawn inset (a framed line) so their text starts one pad further in.
    width = Math.max(
      width,
      clamp(measure(partsText(withStep(row.step, row.label)), 'body')) + g.pad,
      clamp(measure(partsText(row.detail), 'small')) + g.pad,
    );
  }
  return Math.max(g.minWidth, width + 2 * g.pad);
}

/**
 * A box's size and wrapped lines. Without `width` it is as wide as its longest text (up to
 * `maxTextWidth`); with it, exactly that wide, its texts wrapped to fit.
 */
export function boxGeometry(box: GraphBox, measure: Measure, width?: number): BoxGeometry {
  const g = GEOMETRY;
  const w = Math.floor(width ?? naturalWidth(box, measure, maxTextWidth(measure)));
  const inner = Math.max(24, w - 2 * g.pad);
  const rowInner = Math.max(24, w - 3 * g.pad);
  const title = wrapParts(withStep(box.step, box.title), inner, measure, 'title');
  const subtitle = wrapParts(box.subtitle, inner, measure, 'small');
  let y =
    g.pad + title.length * lineHeight(measure, 'title') + subtitle.length * lineHeight(measure, 'small');
  const rows: PlacedRow[] = [];
  for (const row of box.rows) {
    const label = wrapParts(withStep(row.step, row.label), rowInner, measure, 'body');
    const detail = wrapParts(row.detail, rowInner, measure, 'small');
    const height =
      2 * g.rowPad +
      label.length * lineHeight(measure, 'body') +
      detail.length * lineHeight(measure, 'small');
    rows.push({ row, y: y + g.rowGap, height, label, detail });
    y += height + g.rowGap;
  }
  return { width: w, height: y + g.pad, title, subtitle, rows };
}

/** Where an edge attaches to a row: the middle of its first line. */
export function rowAnchor(measure: Measure, row: PlacedRow): number {
  return row.y + GEOMETRY.rowPad + lineHeight(measure, 'body') / 2;
}

/** Where an edge attaches to a box without a row: the middle of its title's first line. */
export function titleAnchor(measure: Measure): number {
  return GEOMETRY.pad + lineHeight(measure, 'title') / 2;
}

function portId(row: string, side: 'in' | 'out'): string {
  return `${row}>${side}`;
}

export type Direction = 'RIGHT' | 'DOWN';

/** Vertical gap between the boxes stacked into one stage of the DOWN layout. */
export const STACK_GAP = 12;
/** DOWN: horizontal distance between the edge lanes beside the column. */
export const LANE_GAP = 7;
/** DOWN: from a label beside the column to the first lane. */
const LANE_MARGIN = 10;

/**
 * The stage a box is stacked into in the DOWN layout: all node boxes form one stage, all pod
 * groups and verdicts the next; client, DNS and load balancer stand alone.
 */
export function stageOf(box: GraphBox): string {
  if (box.kind === 'node') return 'stage:nodes';
  if (box.kind === 'pods' || box.kind === 'verdict') return 'stage:targets';
  return box.id;
}

/** Where a box sits inside the ELK node that carries it (itself, or its stage). */
interface Carrier {
  node: string;
  dy: number;
  width: number;
}

function edgeLabels(e: GraphEdge, measure: Measure): ElkExtendedEdge['labels'] {
  if (e.label.length === 0) return [];
  return [
    {
      text: partsText(e.label),
      width: labelWidth(e, measure),
      height: labelHeight(measure),
      ...(e.labelAt === 'tail' ? { layoutOptions: { 'elk.edgeLabels.placement': 'TAIL' } } : {}),
    },
  ];
}

function labelWidth(e: GraphEdge, measure: Measure): number {
  return Math.ceil(measure(partsText(e.label), 'small')) + 2 * GEOMETRY.labelPad;
}

export function labelHeight(measure: Measure): number {
  return lineHeight(measure, 'small');
}

const COMMON_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // The graphs are small and already in a sensible order: fewer crossing-minimisation
  // sweeps keep a warm layout well under the 300 ms budget on a slow machine.
  'elk.layered.thoroughness': '2',
  'elk.spacing.edgeLabel': '2',
  'elk.edgeLabels.inline': 'false',
  'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
};

/**
 * The ELK input graph; exported for tests and for keying the layout cache.
 *
 * RIGHT: one ELK node per box, edges attached to fixed row ports (in on the west side, out on
 * the east side), ELK routes every edge.
 *
 * DOWN: the boxes of a stage are stacked into one ELK node (`carriers` says where each box
 * sits in it). ELK orders and places the stages top to bottom and routes the edges between
 * stand-alone boxes (client → DNS → LB); `layoutGraph` routes the edges into and out of the
 * stacked boxes itself, in lanes beside the column. (ELK's layered algorithm routes edges of
 * ports on the east/west side of a DOWN layout through dummy nodes placed beside the column:
 * measured on nginx, that made the column 700–880 px wide instead of about 330.)
 */
export function elkGraph(
  model: GraphModel,
  measure: Measure,
  direction: Direction = 'RIGHT',
  maxWidth = Infinity,
): { graph: ElkNode; geometry: Map<string, BoxGeometry>; carriers: Map<string, Carrier> } {
  const geometry = new Map<string, BoxGeometry>();
  for (const box of model.boxes) geometry.set(box.id, boxGeometry(box, measure));
  const carriers = new Map<string, Carrier>();
  if (direction === 'RIGHT') {
    for (const box of model.boxes) {
      carriers.set(box.id, { node: box.id, dy: 0, width: geometry.get(box.id)?.width ?? 0 });
    }
    return { graph: elkGraphRight(model, measure, geometry), geometry, carriers };
  }
  const stages = new Map<string, GraphBox[]>();
  for (const box of model.boxes) {
    const members = stages.get(stageOf(box)) ?? [];
    members.push(box);
    stages.set(stageOf(box), members);
  }
  // Every stacked box as wide as the widest: one tidy column, one lane edge on the right.
  // Boxes narrower than their text (to fit `maxWidth`) wrap it: nothing is cut.
  const natural = Math.max(
    0,
    ...model.boxes.filter((b) => stageOf(b) !== b.id).map((b) => geometry.get(b.id)?.width ?? 0),
  );
  const { left, right } = columnMargins(model, measure);
  const columnWidth = Math.max(GEOMETRY.minWidth, Math.min(natural, maxWidth - left - right - 16));
  const children: ElkNode[] = [];
  for (const [stage, members] of stages) {
    const alone = members.length === 1 && members[0]?.id === stage;
    // A stand-alone box may reach over the lanes (they start below it), not past them.
    const width = alone
      ? Math.min(geometry.get(stage)?.width ?? 0, Math.max(GEOMETRY.minWidth, maxWidth - 16 - left))
      : columnWidth;
    let dy = 0;
    for (const box of members) {
      const geo = geometry.get(box.id);
      if (geo && geo.width !== width) geometry.set(box.id, boxGeometry(box, measure, width));
      carriers.set(box.id, { node: stage, dy, width });
      dy += (geometry.get(box.id)?.height ?? 0) + STACK_GAP;
    }
    children.push({ id: stage, width, height: dy - STACK_GAP });
  }
  // ELK routes the edges between stand-alone boxes; every other pair of stages an edge joins
  // gets one unlabelled edge, so ELK layers the stages in flow order.
  const edges: ElkExtendedEdge[] = [];
  const joined = new Set<string>();
  for (const e of model.edges) {
    const from = carriers.get(e.from.box)?.node;
    const to = carriers.get(e.to.box)?.node;
    if (from === undefined || to === undefined) continue;
    if (from === e.from.box && to === e.to.box && !e.from.row && !e.to.row) {
      edges.push({ id: e.id, sources: [from], targets: [to], labels: edgeLabels(e, measure) });
      joined.add(`${from}>${to}`);
    } else if (from !== to && !joined.has(`${from}>${to}`)) {
      joined.add(`${from}>${to}`);
      edges.push({ id: `order:${from}>${to}`, sources: [from], targets: [to] });
    }
  }
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      ...COMMON_OPTIONS,
      'elk.direction': 'DOWN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '30',
      'elk.layered.spacing.edgeNodeBetweenLayers': '12',
      'elk.spacing.nodeNode': '18',
    },
    children,
    edges,
  };
  return { graph, geometry, carriers };
}

function elkGraphRight(model: GraphModel, measure: Measure, geometry: Map<string, BoxGeometry>): ElkNode {
  const usedPorts = new Set<string>();
  for (const e of model.edges) {
    if (e.from.row) usedPorts.add(portId(e.from.row, 'out'));
    if (e.to.row) usedPorts.add(portId(e.to.row, 'in'));
  }
  const children: ElkNode[] = model.boxes.map((box) => {
    const geo = geometry.get(box.id) ?? { width: 0, height: 0, rows: [] };
    const ports: ElkPort[] = [];
    for (const r of geo.rows) {
      const centre = rowAnchor(measure, r);
      for (const side of ['in', 'out'] as const) {
        const id = portId(r.row.id, side);
        if (!usedPorts.has(id)) continue;
        ports.push({
          id,
          x: side === 'in' ? 0 : geo.width,
          y: centre,
          width: 0,
          height: 0,
          layoutOptions: { 'elk.port.side': side === 'in' ? 'WEST' : 'EAST' },
        });
      }
    }
    return {
      id: box.id,
      width: geo.width,
      height: geo.height,
      ports,
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
    };
  });
  const edges: ElkExtendedEdge[] = model.edges.map((e) => ({
    id: e.id,
    sources: [e.from.row ? portId(e.from.row, 'out') : e.from.box],
    targets: [e.to.row ? portId(e.to.row, 'in') : e.to.box],
    labels: edgeLabels(e, measure),
  }));
  return {
    id: 'root',
    layoutOptions: {
      ...COMMON_OPTIONS,
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.spacing.nodeNode': '18',
      'elk.spacing.edgeEdge': '8',
    },
    children,
    edges,
  };
}

/**
 * The diagram shrinks to the panel width down to this scale (text stays at 90% of the
 * editor's font size at least), then scrolls.
 */
export const MIN_SCALE = 0.9;
/** A left-to-right diagram that would have to shrink below this scale is laid out top-down. */
export const RIGHT_MIN_SCALE = 0.9;

/**
 * The widest top-down layout for a panel `available` px wide, in 8 px steps (a resize reuses
 * layouts): drawn at full size, its texts wrapped to fit.
 */
export function downMaxWidth(available: number): number {
  return available > 0 ? Math.floor(available / 8) * 8 : Infinity;
}

/** The scale a diagram `width` px wide is drawn at in `available` px (0 = unknown: full size). */
export function fitScale(width: number, available: number): number {
  return width > 0 && available > 0 ? Math.min(1, Math.max(MIN_SCALE, available / width)) : 1;
}

/**
 * Whether a panel `available` px wide needs the top-down layout, given the width of the
 * left-to-right one: when that would have to shrink below RIGHT_MIN_SCALE.
 */
export function wantsDown(rightWidth: number, available: number): boolean {
  return available > 0 && rightWidth * RIGHT_MIN_SCALE > available;
}

/**
 * A lower bound of the left-to-right layout's width, without running ELK: the stages
 * (client, DNS, LB, nodes, pods and verdicts) lie in separate layers side by side, each at
 * least as wide as its widest box, with the spacing between layers and the padding.
 */
export function rightWidthAtLeast(model: GraphModel, measure: Measure): number {
  const widest = new Map<string, number>();
  for (const box of model.boxes) {
    const stage = stageOf(box);
    widest.set(stage, Math.max(widest.get(stage) ?? 0, boxGeometry(box, measure).width));
  }
  let width = 16;
  for (const w of widest.values()) width += w;
  return width + Math.max(0, widest.size - 1) * 36;
}

/**
 * Lays out `model` for a panel `available` px wide: left to right while that fits (see
 * `wantsDown`), else top-down (its texts cut to fit at DOWN_MIN_SCALE) — unless top-down
 * would be no narrower. When the lower bound alone says left to right cannot fit, that layout
 * is not computed at all. Layouts are cached, so a resize back and forth lays out little anew.
 */
export async function layoutForWidth(
  model: GraphModel,
  measure: Measure,
  available: number,
  elk?: ELK,
): Promise<Layout> {
  const engine = elk ? { elk } : {};
  const down = (): Promise<Layout> =>
    layoutGraph(model, measure, { direction: 'DOWN', maxWidth: downMaxWidth(available), ...engine });
  const atLeast = rightWidthAtLeast(model, measure);
  if (wantsDown(atLeast, available)) {
    const column = await down();
    if (column.width < atLeast) return column;
  }
  const right = await layoutGraph(model, measure, engine);
  if (!wantsDown(right.width, available)) return right;
  const column = await down();
  return column.width < right.width ? column : right;
}

let elkPromise: Promise<ELK> | undefined;

/** The ELK instance, created on first use (esbuild inlines the module; this defers evaluating it). */
export function loadElk(): Promise<ELK> {
  elkPromise ??= import('elkjs/lib/elk.bundled.js').then((m) => {
    // esbuild's CJS interop: `default` is the module.exports of elk.bundled.js, the constructor.
    const Ctor = m.default;
    return new Ctor();
  });
  return elkPromise;
}

const cache = new Map<string, ElkNode>();
const CACHE_SIZE = 24;

/**
 * Lays out `model` in `direction`; the ELK result is cached by its input, so going back to a
 * service (or back to a panel width) is instant.
 */
export async function layoutGraph(
  model: GraphModel,
  measure: Measure,
  options: { direction?: Direction; elk?: ELK; maxWidth?: number } = {},
): Promise<Layout> {
  const direction = options.direction ?? 'RIGHT';
  const { graph, geometry, carriers } = elkGraph(model, measure, direction, options.maxWidth);
  const key = JSON.stringify(graph);
  let result = cache.get(key);
  if (result) {
    cache.delete(key);
  } else {
    const engine = options.elk ?? (await loadElk());
    result = await engine.layout(graph);
  }
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
  const nodeById = new Map((result.children ?? []).map((n) => [n.id, n]));
  const boxes: PlacedBox[] = model.boxes.flatMap((box) => {
    const geo = geometry.get(box.id);
    const carrier = carriers.get(box.id);
    const node = carrier && nodeById.get(carrier.node);
    if (!geo || !carrier || !node) return [];
    return [
      {
        box,
        x: node.x ?? 0,
        y: (node.y ?? 0) + carrier.dy,
        width: carrier.width,
        height: geo.height,
        title: geo.title,
        subtitle: geo.subtitle,
        rows: geo.rows,
      },
    ];
  });
  const edgeById = new Map(model.edges.map((e) => [e.id, e]));
  const edges: PlacedEdge[] = (result.edges ?? []).flatMap((e) => {
    const edge = edgeById.get(e.id);
    if (!edge) return [];
    const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const l = e.labels?.[0];
    const label =
      l && l.x !== undefined && l.y !== undefined
        ? { x: l.x, y: l.y, width: l.width ?? 0, height: l.height ?? labelHeight(measure) }
        : null;
    return [{ edge, points, label }];
  });
  if (direction === 'RIGHT') {
    return { direction, width: result.width ?? 0, height: result.height ?? 0, boxes, edges };
  }
  const aligned = alignColumn(boxes, edges, measure);
  aligned.edges.push(...routeColumnEdges(model, aligned.boxes, measure));
  return fitToContent({ direction, width: 0, height: result.height ?? 0, ...aligned });
}

/**
 * DOWN: every box starts at the column's left edge (ELK centres the stand-alone ones, which
 * would let a wide client box stick out past the lanes), and the edges between stand-alone
 * boxes drop straight down near their left edge, the label beside them.
 */
function alignColumn(
  boxes: PlacedBox[],
  edges: PlacedEdge[],
  measure: Measure,
): { boxes: PlacedBox[]; edges: PlacedEdge[] } {
  const stacked = boxes.filter((b) => stageOf(b.box) !== b.box.id);
  const left = Math.min(...(stacked.length > 0 ? stacked : boxes).map((b) => b.x));
  const moved = boxes.map((b) => ({ ...b, x: left }));
  const byId = new Map(moved.map((b) => [b.box.id, b]));
  const routed = edges.flatMap((e): PlacedEdge[] => {
    const from = byId.get(e.edge.from.box);
    const to = byId.get(e.edge.to.box);
    if (!from || !to) return [];
    const x = left + Math.min(24, from.width / 2, to.width / 2);
    const y0 = from.y + from.height;
    const y1 = to.y;
    const height = labelHeight(measure);
    const label =
      e.edge.label.length > 0
        ? { x: x + 6, y: (y0 + y1) / 2 - height / 2, width: e.label?.width ?? 0, height }
        : null;
    return [
      {
        edge: e.edge,
        points: [
          { x, y: y0 },
          { x, y: y1 },
        ],
        label,
      },
    ];
  });
  return { boxes: moved, edges: routed };
}

interface ColumnEdge {
  edge: GraphEdge;
  /** Left of the column (from a stand-alone box above) or right of it (from a row or stacked box). */
  side: 'left' | 'right';
}

/** DOWN: which side of the column each edge into or out of a stacked box runs on. */
function columnEdges(model: GraphModel): ColumnEdge[] {
  const kind = new Map(model.boxes.map((b) => [b.id, b]));
  const stacked = (id: string): boolean => {
    const box = kind.get(id);
    return box !== undefined && stageOf(box) !== box.id;
  };
  return model.edges.flatMap((edge): ColumnEdge[] => {
    if (!edge.from.row && !edge.to.row && !stacked(edge.from.box) && !stacked(edge.to.box)) return [];
    return [{ edge, side: edge.from.row || stacked(edge.from.box) ? 'right' : 'left' }];
  });
}

/** DOWN: the room the edges beside the column take (labels, gaps, lanes), left and right. */
function columnMargins(
  model: GraphModel,
  measure: Measure,
): { left: number; right: number; headRoom: number; tailRoom: number } {
  const edges = columnEdges(model);
  const room = (side: 'left' | 'right'): number =>
    Math.max(
      0,
      ...edges
        .filter((e) => e.side === side && e.edge.label.length > 0)
        .map((e) => labelWidth(e.edge, measure)),
    );
  const count = (side: 'left' | 'right', key: (e: GraphEdge) => string): number =>
    new Set(edges.filter((e) => e.side === side).map((e) => key(e.edge))).size;
  // Edges into the column from the left carry no label: the box they enter says the address
  // in its subtitle (the label would only narrow the column).
  const headRoom = 0;
  const tailRoom = room('right');
  const sources = count('left', (e) => e.from.box);
  const targets = count('right', (e) => `${e.to.box}|${e.to.row ?? ''}`);
  return {
    headRoom,
    tailRoom,
    left: sources > 0 ? headRoom + LANE_MARGIN + (sources - 1) * LANE_GAP : 0,
    right: targets > 0 ? tailRoom + LANE_MARGIN + (targets - 1) * LANE_GAP : 0,
  };
}

/**
 * DOWN: routes the edges ELK did not (those into or out of stacked boxes), orthogonally:
 * - from a stand-alone box above (LB → each node): out of its bottom, down a trunk left of the
 *   column, into the target's title from the left; the label sits just before the arrow;
 * - from a row (a node's branch → a pod, or → REJECT): out of the row to the right, down a
 *   lane right of the column, into the target row (or title) from the right; the label (the
 *   probability) sits just after the row. Edges into the same target share a lane; targets
 *   higher up get lanes nearer the column, so lanes do not cross where they end.
 */
export function routeColumnEdges(model: GraphModel, boxes: PlacedBox[], measure: Measure): PlacedEdge[] {
  const byId = new Map(boxes.map((b) => [b.box.id, b]));
  const rowCentre = (box: PlacedBox, rowId: string | undefined): number => {
    const row = rowId ? box.rows.find((r) => r.row.id === rowId) : undefined;
    return box.y + (row ? rowAnchor(measure, row) : titleAnchor(measure));
  };
  const placed = columnEdges(model).flatMap(({ edge, side }) => {
    const from = byId.get(edge.from.box);
    const to = byId.get(edge.to.box);
    return from && to ? [{ edge, side, from, to }] : [];
  });
  const stacked = boxes.filter((b) => stageOf(b.box) !== b.box.id);
  if (stacked.length === 0) return [];
  const columnLeft = Math.min(...stacked.map((b) => b.x));
  const columnRight = Math.max(...stacked.map((b) => b.x + b.width));
  const { headRoom, tailRoom } = columnMargins(model, measure);
  const labelAt = (edge: GraphEdge, x: number, y: number): PlacedEdge['label'] =>
    edge.label.length > 0
      ? { x, y: y - labelHeight(measure) - 1, width: labelWidth(edge, measure), height: labelHeight(measure) }
      : null;
  const out: PlacedEdge[] = [];

  // Left: one trunk per source box; labels between the trunk and the boxes, by the arrow.
  const left = placed.filter((e) => e.side === 'left');
  const sources = [...new Set(left.map((e) => e.from.box.id))];
  for (const { edge, from, to } of left) {
    const trunk = columnLeft - headRoom - LANE_MARGIN - sources.indexOf(from.box.id) * LANE_GAP;
    const startX = from.x + Math.min(16, from.width / 2);
    const turnY = from.y + from.height + 10;
    const endY = rowCentre(to, edge.to.row);
    out.push({
      edge,
      points: [
        { x: startX, y: from.y + from.height },
        { x: startX, y: turnY },
        { x: trunk, y: turnY },
        { x: trunk, y: endY },
        { x: to.x, y: endY },
      ],
      label: null,
    });
  }

  // Right: one lane per target, nearer the column the higher the target.
  const right = placed.filter((e) => e.side === 'right');
  const targetKey = (e: GraphEdge): string => `${e.to.box}|${e.to.row ?? ''}`;
  const targetY = new Map(right.map((e) => [targetKey(e.edge), rowCentre(e.to, e.edge.to.row)] as const));
  const targets = [...targetY.keys()].sort((a, b) => (targetY.get(a) ?? 0) - (targetY.get(b) ?? 0));
  for (const { edge, from, to } of right) {
    const lane = columnRight + tailRoom + LANE_MARGIN + targets.indexOf(targetKey(edge)) * LANE_GAP;
    const startY = rowCentre(from, edge.from.row);
    const endY = targetY.get(targetKey(edge)) ?? 0;
    out.push({
      edge,
      points: [
        { x: from.x + from.width, y: startY },
        { x: lane, y: startY },
        { x: lane, y: endY },
        { x: to.x + to.width, y: endY },
      ],
      label: labelAt(edge, from.x + from.width + 3, startY),
    });
  }
  return out;
}

/** Moves everything so the leftmost/topmost drawing starts at the padding; sets the size. */
function fitToContent(layout: Layout): Layout {
  const pad = 8;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const b of layout.boxes) xs.push(b.x, b.x + b.width);
  for (const b of layout.boxes) ys.push(b.y, b.y + b.height);
  for (const e of layout.edges) {
    for (const p of e.points) {
      xs.push(p.x);
      ys.push(p.y);
    }
    if (e.label) {
      xs.push(e.label.x, e.label.x + e.label.width);
      ys.push(e.label.y, e.label.y + e.label.height);
    }
  }
  if (xs.length === 0) return { ...layout, width: 2 * pad, height: 2 * pad };
  const dx = pad - Math.min(...xs);
  const dy = pad - Math.min(...ys);
  return {
    ...layout,
    width: Math.ceil(Math.max(...xs) + dx + pad),
    height: Math.ceil(Math.max(...ys) + dy + pad),
    boxes: layout.boxes.map((b) => ({ ...b, x: b.x + dx, y: b.y + dy })),
    edges: layout.edges.map((e) => ({
      ...e,
      points: e.points.map((p) => ({ x: p.x + dx, y: p.y + dy })),
      label: e.label ? { ...e.label, x: e.label.x + dx, y: e.label.y + dy } : null,
    })),
  };
}
