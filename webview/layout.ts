// GraphModel → positions, with elkjs (layered, left → right). Box geometry (title, rows,
// where each row's edges attach) is ours; ELK places the boxes, routes the edges through
// fixed row ports and places the edge labels. ELK is ~1.6 MB of compiled Java: it is
// evaluated on first use only (`loadElk`), and only the selected service is laid out.
import type { ELK, ElkExtendedEdge, ElkNode, ElkPort } from 'elkjs/lib/elk-api';
import type { GraphBox, GraphEdge, GraphModel, GraphRow, TextPart } from './graph';

/** Width of a text run in px for the given font (canvas measureText in the browser). */
export type Measure = (text: string, font: 'title' | 'body' | 'small') => number;

export const GEOMETRY = {
  pad: 8,
  titleHeight: 18,
  subtitleHeight: 15,
  rowLabelHeight: 16,
  rowDetailHeight: 14,
  rowGap: 4,
  minWidth: 96,
  maxTextWidth: 300,
  labelHeight: 14,
} as const;

export interface PlacedRow {
  row: GraphRow;
  y: number;
  height: number;
}

export interface PlacedBox {
  box: GraphBox;
  x: number;
  y: number;
  width: number;
  height: number;
  rows: PlacedRow[];
}

export interface PlacedEdge {
  edge: GraphEdge;
  points: { x: number; y: number }[];
  label: { x: number; y: number; width: number; height: number } | null;
}

export interface Layout {
  width: number;
  height: number;
  boxes: PlacedBox[];
  edges: PlacedEdge[];
}

export function partsText(parts: TextPart[]): string {
  return parts.map((p) => p.text).join('');
}

interface BoxGeometry {
  width: number;
  height: number;
  rows: { row: GraphRow; y: number; height: number }[];
}

function clampWidth(w: number): number {
  return Math.min(GEOMETRY.maxTextWidth, Math.ceil(w));
}

export function boxGeometry(box: GraphBox, measure: Measure): BoxGeometry {
  const g = GEOMETRY;
  let width = Math.max(
    clampWidth(measure(partsText(box.title), 'title')),
    clampWidth(measure(partsText(box.subtitle), 'small')),
  );
  let y = g.pad + g.titleHeight + (box.subtitle.length > 0 ? g.subtitleHeight : 0);
  const rows: BoxGeometry['rows'] = [];
  for (const row of box.rows) {
    const height = g.rowLabelHeight + (row.detail.length > 0 ? g.rowDetailHeight : 0) + g.rowGap;
    // Rows are drawn inset (a framed line) so their text starts one pad further in.
    width = Math.max(
      width,
      clampWidth(measure(partsText(row.label), 'body')) + g.pad,
      clampWidth(measure(partsText(row.detail), 'small')) + g.pad,
    );
    rows.push({ row, y: y + g.rowGap / 2, height });
    y += height + g.rowGap;
  }
  return {
    width: Math.max(g.minWidth, width + 2 * g.pad),
    height: y + g.pad - (box.rows.length > 0 ? g.rowGap : 0),
    rows,
  };
}

function portId(row: string, side: 'in' | 'out'): string {
  return `${row}>${side}`;
}

/** The ELK input graph; exported for tests and for keying the layout cache. */
export function elkGraph(
  model: GraphModel,
  measure: Measure,
): { graph: ElkNode; geometry: Map<string, BoxGeometry> } {
  const geometry = new Map<string, BoxGeometry>();
  const usedPorts = new Set<string>();
  for (const e of model.edges) {
    if (e.from.row) usedPorts.add(portId(e.from.row, 'out'));
    if (e.to.row) usedPorts.add(portId(e.to.row, 'in'));
  }
  const children: ElkNode[] = model.boxes.map((box) => {
    const geo = boxGeometry(box, measure);
    geometry.set(box.id, geo);
    const ports: ElkPort[] = [];
    for (const r of geo.rows) {
      const centre = r.y + GEOMETRY.rowLabelHeight / 2;
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
    labels:
      e.label.length > 0
        ? [
            {
              text: partsText(e.label),
              width: Math.ceil(measure(partsText(e.label), 'small')) + 6,
              height: GEOMETRY.labelHeight,
              ...(e.labelAt === 'tail' ? { layoutOptions: { 'elk.edgeLabels.placement': 'TAIL' } } : {}),
            },
          ]
        : [],
  }));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // The graphs are small and already in a sensible order: fewer crossing-minimisation
      // sweeps keep a warm layout well under the 300 ms budget on a slow machine.
      'elk.layered.thoroughness': '2',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.spacing.nodeNode': '18',
      'elk.spacing.edgeLabel': '2',
      'elk.spacing.edgeEdge': '8',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children,
    edges,
  };
  return { graph, geometry };
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

/** Lays out `model`; the ELK result is cached by its input, so going back to a service is instant. */
export async function layoutGraph(model: GraphModel, measure: Measure, elk?: ELK): Promise<Layout> {
  const { graph, geometry } = elkGraph(model, measure);
  const key = JSON.stringify(graph);
  let result = cache.get(key);
  if (result) {
    cache.delete(key);
  } else {
    const engine = elk ?? (await loadElk());
    result = await engine.layout(graph);
  }
  cache.set(key, result);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
  const boxById = new Map(model.boxes.map((b) => [b.id, b]));
  const boxes: PlacedBox[] = (result.children ?? []).flatMap((n) => {
    const box = boxById.get(n.id);
    const geo = geometry.get(n.id);
    if (!box || !geo) return [];
    return [{ box, x: n.x ?? 0, y: n.y ?? 0, width: geo.width, height: geo.height, rows: geo.rows }];
  });
  const edgeById = new Map(model.edges.map((e) => [e.id, e]));
  const edges: PlacedEdge[] = (result.edges ?? []).flatMap((e) => {
    const edge = edgeById.get(e.id);
    if (!edge) return [];
    const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const l = e.labels?.[0];
    const label =
      l && l.x !== undefined && l.y !== undefined
        ? { x: l.x, y: l.y, width: l.width ?? 0, height: l.height ?? GEOMETRY.labelHeight }
        : null;
    return [{ edge, points, label }];
  });
  return { width: result.width ?? 0, height: result.height ?? 0, boxes, edges };
}
