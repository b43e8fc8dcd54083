// Graph model → positions with the real ELK, in node: the left-to-right layout for wide panels
// and the top-down column for narrow side panels, and the rule that picks between them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import { analyzeWorkspace } from '../../src/engine';
import { buildSnapshot } from '../../src/extension/panelSnapshot';
import { buildGraph } from '../../webview/graph';
import type { GraphModel, TextPart } from '../../webview/graph';
import type { Selection } from '../../webview/protocol';
import {
  MIN_SCALE,
  RIGHT_MIN_SCALE,
  STACK_GAP,
  downMaxWidth,
  elkGraph,
  fitScale,
  layoutForWidth,
  layoutGraph,
  partsText,
  rightWidthAtLeast,
  rowAnchor,
  titleAnchor,
  withStep,
  stageOf,
  wantsDown,
  wrapParts,
} from '../../webview/layout';
import type { Layout, Measure, PlacedBox } from '../../webview/layout';

const root = path.resolve(__dirname, '../../..');
const elk = new ELK();
// Roughly the panel's fonts (13/12/11 px sans-serif), without a canvas.
const measure: Measure = (text, font) => text.length * (font === 'title' ? 7.4 : font === 'body' ? 6.6 : 6);

function nginxGraph(
  edit: (text: string) => string = (t) => t,
  expanded: string[] = [],
  selection: Partial<Selection> = {},
): GraphModel {
  const dir = path.join(root, 'examples/nginx');
  const files = fs.readdirSync(dir).map((f) => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    return { path: `examples/nginx/${f}`, text: f === 'service.yaml' ? edit(text) : text };
  });
  const snapshot = buildSnapshot({
    folders: [{ folder: '', state: analyzeWorkspace({ files }) }],
    selection: { serviceId: '|default/nginx', portKey: null, entry: 'internet', node: null, ...selection },
    status: '',
  });
  assert.ok(snapshot.path);
  return buildGraph(snapshot.path, { expanded: new Set(expanded), problems: snapshot.problems });
}

const typo = (t: string): string => t.replace(/app: nginx/, 'app: ngnix');

const right = (b: PlacedBox): number => b.x + b.width;
const bottom = (b: PlacedBox): number => b.y + b.height;

function assertInside(layout: Layout): void {
  for (const b of layout.boxes) {
    assert.ok(b.x >= 0 && right(b) <= layout.width, `${b.box.id} inside horizontally`);
    assert.ok(b.y >= 0 && bottom(b) <= layout.height, `${b.box.id} inside vertically`);
  }
  for (const e of layout.edges) {
    for (const p of e.points) {
      assert.ok(p.x >= 0 && p.x <= layout.width && p.y >= 0 && p.y <= layout.height, `${e.edge.id} point`);
    }
    if (e.label) assert.ok(e.label.x >= 0 && e.label.x + e.label.width <= layout.width, `${e.edge.id} label`);
  }
}

function assertNoOverlap(layout: Layout): void {
  const boxes = layout.boxes;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as PlacedBox;
      const b = boxes[j] as PlacedBox;
      const apart = right(a) <= b.x || right(b) <= a.x || bottom(a) <= b.y || bottom(b) <= a.y;
      assert.ok(apart, `${a.box.id} overlaps ${b.box.id}`);
    }
  }
}

/** Where an edge ends relative to the box it points at: the row's centre line on a given side. */
function endsAt(layout: Layout, edgeId: string): { box: PlacedBox; side: 'left' | 'right'; dy: number } {
  const e = layout.edges.find((x) => x.edge.id === edgeId);
  assert.ok(e, edgeId);
  const end = e.points.at(-1);
  assert.ok(end);
  const box = layout.boxes.find((b) => b.box.id === e.edge.to.box);
  assert.ok(box);
  const side = Math.abs(end.x - box.x) < 0.5 ? 'left' : Math.abs(end.x - right(box)) < 0.5 ? 'right' : null;
  assert.ok(side, `${edgeId} ends on a side of ${box.box.id}`);
  const row = box.rows.find((r) => r.row.id === e.edge.to.row);
  const expected = box.y + (row ? rowAnchor(measure, row) : titleAnchor(measure));
  return { box, side, dy: end.y - expected };
}

void describe('request path layout', () => {
  void test('choosing the direction: left to right while it fits at ≥ 90%, else top-down', () => {
    assert.equal(RIGHT_MIN_SCALE, 0.9);
    const table: [number, number, boolean][] = [
      // [LR width, panel width, top-down?]
      [1000, 1200, false],
      [1000, 900, false],
      [1000, 899, true],
      [1000, 284, true],
      [300, 284, false],
      [1000, 0, false], // hidden panel (width unknown): no decision, the LR default
    ];
    for (const [lr, available, down] of table)
      assert.equal(wantsDown(lr, available), down, `${lr} in ${available}`);
    assert.equal(fitScale(500, 1000), 1);
    assert.equal(fitScale(1000, 950), 0.95);
    assert.equal(fitScale(1000, 300), MIN_SCALE);
    assert.equal(MIN_SCALE, 0.9, 'text never shrinks below 90% of the editor font size');
    assert.equal(fitScale(1000, 0), 1);
    assert.equal(
      downMaxWidth(284),
      280,
      'top-down is drawn at full size: as wide as the panel, in 8 px steps',
    );
    assert.equal(downMaxWidth(0), Infinity);
  });

  void test('top-down ELK input: stages stacked into one ELK node each, layered DOWN in flow order', () => {
    const g = nginxGraph();
    const { graph, carriers } = elkGraph(g, measure, 'DOWN');
    assert.equal(graph.layoutOptions?.['elk.direction'], 'DOWN');
    assert.deepEqual(
      (graph.children ?? []).map((c) => c.id),
      ['client', 'lb', 'stage:nodes', 'stage:targets'],
    );
    assert.deepEqual(
      (graph.edges ?? []).map((e) => `${e.sources.join()}>${e.targets.join()}`),
      ['client>lb', 'lb>stage:nodes', 'stage:nodes>stage:targets'],
    );
    // The client → LB edge is ELK's to route; the others only order stages.
    assert.equal(graph.edges?.[0]?.id, 'e:to-lb');
    const { geometry } = elkGraph(g, measure, 'DOWN');
    let dy = 0;
    for (const b of g.boxes.filter((x) => stageOf(x) === 'stage:nodes')) {
      assert.equal(carriers.get(b.id)?.dy, dy, `${b.id} stacked below the previous node`);
      dy += (geometry.get(b.id)?.height ?? 0) + STACK_GAP;
    }
    const widths = new Set(g.boxes.filter((b) => stageOf(b) !== b.id).map((b) => carriers.get(b.id)?.width));
    assert.equal(widths.size, 1, 'every stacked box as wide as the widest');
    assert.equal(
      JSON.stringify(elkGraph(g, measure, 'DOWN').graph),
      JSON.stringify(graph),
      'stable cache key',
    );
  });

  void test('nginx top-down: one column, pods reached from each node through a lane right of it', async () => {
    const g = nginxGraph();
    const lr = await layoutGraph(g, measure, { elk });
    const down = await layoutGraph(g, measure, { direction: 'DOWN', elk });
    assert.equal(lr.direction, 'RIGHT');
    assert.equal(down.direction, 'DOWN');
    assert.ok(down.width < lr.width / 2, `top-down ${down.width} px vs left-to-right ${lr.width} px`);
    assertInside(down);
    assertNoOverlap(down);
    // Flow order top to bottom: client, LB, node-1..3, pods on node-1..3.
    const order = [...down.boxes].sort((a, b) => a.y - b.y).map((b) => b.box.id);
    assert.deepEqual(order, [
      'client',
      'lb',
      'node:node-1',
      'node:node-2',
      'node:node-3',
      'pods:node-1',
      'pods:node-2',
      'pods:node-3',
    ]);
    const column = down.boxes.filter((b) => b.box.kind === 'node' || b.box.kind === 'pods');
    assert.equal(new Set(column.map((b) => b.x)).size, 1, 'left-aligned column');
    assert.equal(new Set(column.map((b) => b.width)).size, 1, 'equal widths');
    // Every edge of the model is drawn; one per node and pod group, unlabelled (same share).
    assert.equal(down.edges.length, g.edges.length);
    assert.equal(down.edges.filter((e) => e.edge.to.box.startsWith('pods:')).length, 9);
    // LB → node edges enter each node at its title from the left; the kube-proxy step's edges
    // reach each pod group's title from the right.
    const groups = ['pods:node-1', 'pods:node-2', 'pods:node-3'];
    for (const n of ['node-1', 'node-2', 'node-3']) {
      const end = endsAt(down, `e:to-node:${n}`);
      assert.equal(end.side, 'left');
      assert.equal(end.dy, 0);
      for (const group of groups) {
        const branch = endsAt(down, `e:node:${n}>${group}`);
        assert.equal(branch.box.box.id, group);
        assert.equal(branch.side, 'right');
        assert.equal(branch.dy, 0);
      }
    }
    // Edges into the same pod group share a lane; each group its own lane.
    const laneOf = (id: string): number | undefined => down.edges.find((e) => e.edge.id === id)?.points[1]?.x;
    for (const group of groups) {
      const lanes = new Set(['node-1', 'node-2', 'node-3'].map((n) => laneOf(`e:node:${n}>${group}`)));
      assert.equal(lanes.size, 1, `every node → ${group} → one lane`);
    }
    assert.equal(new Set(groups.map((group) => laneOf(`e:node:node-1>${group}`))).size, 3);
    // Orthogonal: every segment horizontal or vertical.
    for (const e of down.edges) {
      e.points.slice(1).forEach((p, i) => {
        const q = e.points[i];
        assert.ok(q && (p.x === q.x || p.y === q.y), `${e.edge.id} segment ${i}`);
      });
    }
  });

  void test('top-down fits a width: long texts wrap, nothing is cut, rather than widen the column', async () => {
    const g = nginxGraph(typo);
    const free = await layoutGraph(g, measure, { direction: 'DOWN', elk });
    const maxWidth = downMaxWidth(260);
    const capped = await layoutGraph(g, measure, { direction: 'DOWN', elk, maxWidth });
    assert.ok(free.width > maxWidth, `the REJECT rows make the free column wide: ${free.width}`);
    assert.ok(capped.width <= maxWidth, `${capped.width} ≤ ${maxWidth}`);
    assertInside(capped);
    assertNoOverlap(capped);
    // Every text is drawn whole: the wrapped lines hold every character, and each fits its box.
    const flat = (lines: TextPart[][]): string => lines.map(partsText).join('');
    const squash = (text: string): string => text.replace(/\s+/g, '');
    let wrapped = 0;
    for (const b of capped.boxes) {
      assert.equal(squash(flat(b.title)), squash(partsText(withStep(b.box.step, b.box.title))), b.box.id);
      assert.equal(squash(flat(b.subtitle)), squash(partsText(b.box.subtitle)), b.box.id);
      for (const r of b.rows) {
        assert.equal(squash(flat(r.label)), squash(partsText(withStep(r.row.step, r.row.label))), r.row.id);
        assert.equal(squash(flat(r.detail)), squash(partsText(r.row.detail)), r.row.id);
        for (const [lines, font] of [
          [r.label, 'body'],
          [r.detail, 'small'],
        ] as const) {
          for (const line of lines) {
            const text = partsText(line).trimEnd();
            assert.ok(measure(text, font) <= b.width - 24 + 0.5, `${r.row.id}: ${text}`);
          }
        }
        if (r.label.length > 1) wrapped++;
      }
    }
    assert.ok(wrapped >= 2, 'the explanation and the finding wrap');
    // The REJECT end: one verdict box below the nodes, every node's branch reaching it in one lane.
    const verdict = capped.boxes.find((b) => b.box.kind === 'verdict');
    assert.ok(verdict);
    assert.ok(capped.boxes.filter((b) => b.box.kind === 'node').every((b) => bottom(b) < verdict.y));
    const into = capped.edges.filter((e) => e.edge.to.box === verdict.box.id);
    assert.equal(into.length, 3);
    assert.equal(new Set(into.map((e) => e.points[1]?.x)).size, 1);
    for (const e of into) {
      assert.equal(e.edge.tone, 'error');
      assert.deepEqual(e.edge.label, []);
      assert.equal(endsAt(capped, e.edge.id).side, 'right');
    }
    // nginx fits that width too.
    const nginx = await layoutGraph(nginxGraph(), measure, { direction: 'DOWN', elk, maxWidth });
    assert.ok(nginx.width <= maxWidth, `${nginx.width} ≤ ${maxWidth}`);
  });

  void test('expanded chains, a node filter and the other entry points lay out top-down too; the LR width bound holds', async () => {
    const cases: [string, GraphModel][] = [
      ['expanded node-2', nginxGraph(undefined, ['node-2'])],
      ['node filter', nginxGraph(undefined, [], { node: 'node-3' })],
      ['nodePort entry', nginxGraph(undefined, [], { entry: 'nodePort' })],
      ['ClusterIP entry', nginxGraph(undefined, [], { entry: 'clusterIP' })],
    ];
    cases.push(['nginx', nginxGraph()], ['selector typo', nginxGraph(typo)]);
    for (const [name, g] of cases) {
      // The bound that lets a narrow panel skip the left-to-right layout is a bound.
      const lr = await layoutGraph(g, measure, { elk });
      const atLeast = rightWidthAtLeast(g, measure);
      assert.ok(atLeast <= lr.width, `${name}: bound ${atLeast} ≤ left-to-right ${lr.width}`);
      assert.ok(atLeast > lr.width * 0.6, `${name}: bound ${atLeast} not far below ${lr.width}`);
      const down = await layoutGraph(g, measure, { direction: 'DOWN', elk });
      assertInside(down);
      assertNoOverlap(down);
      assert.equal(down.edges.length, g.edges.length, name);
      for (const e of down.edges.filter((x) => x.edge.to.row)) {
        const end = endsAt(down, e.edge.id);
        assert.equal(end.side, 'right', `${name}: ${e.edge.id}`);
        assert.equal(end.dy, 0, `${name}: ${e.edge.id}`);
      }
      for (const e of down.edges.filter((x) => x.edge.to.box.startsWith('node:'))) {
        assert.equal(endsAt(down, e.edge.id).side, 'left', `${name}: ${e.edge.id}`);
      }
    }
  });

  void test('layoutForWidth: left to right in a wide panel, top-down in a narrow one, same boxes', async () => {
    const g = nginxGraph();
    const wide = await layoutForWidth(g, measure, 1400, elk);
    const narrow = await layoutForWidth(g, measure, 284, elk);
    const hidden = await layoutForWidth(g, measure, 0, elk);
    assert.equal(wide.direction, 'RIGHT');
    assert.equal(narrow.direction, 'DOWN');
    assert.equal(hidden.direction, 'RIGHT');
    assert.ok(narrow.width * fitScale(narrow.width, 284) <= 284, 'fits without scrolling');
    assert.deepEqual(narrow.boxes.map((b) => b.box.id).sort(), wide.boxes.map((b) => b.box.id).sort());
  });

  void test('layoutForWidth: a top-down column fits every panel width from 240 to 400 px without sideways scrolling', async () => {
    const g = nginxGraph();
    const misses: string[] = [];
    // The panel's fonts as measured here, and 15% wider (the real fonts vary by platform).
    const wider: Measure = (text, font) => measure(text, font) * 1.15;
    for (const m of [measure, wider])
      for (let available = 240; available <= 400; available += 2) {
        const layout = await layoutForWidth(g, m, available, elk);
        if (layout.direction !== 'DOWN') continue;
        const drawn = Math.floor(layout.width * fitScale(layout.width, available));
        if (drawn > available)
          misses.push(
            `${m === measure ? '' : 'wider fonts, '}${available} px: column ${layout.width} px drawn ${drawn} px`,
          );
        assertInside(layout);
      }
    assert.deepEqual(misses, []);
  });
});

void describe('wrapping keeps chain names whole', () => {
  const lines = (text: string, chars: number): string[] =>
    wrapParts([{ text }], chars * 6.6, measure, 'body').map((l) => partsText(l).trimEnd());

  void test('a chain name moves to the next line whole; a pod name breaks where its parts meet', () => {
    const svc = 'KUBE-SVC-ABCDEFGHIJKLMNOP';
    assert.deepEqual(lines(`jump to ${svc}`, 20 + 5), ['jump to', svc]);
    assert.deepEqual(lines(`(${svc}) via KUBE-SEP-YI2AQWERTYUIOPAS`, 28), [
      `(${svc})`,
      'via',
      'KUBE-SEP-YI2AQWERTYUIOPAS',
    ]);
    const nft = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
    assert.deepEqual(lines(`goto ${nft}`, nft.length + 2), ['goto', nft]);
    // Pod names still wrap at their hyphens (they are long and only read).
    assert.deepEqual(lines('pod web-84c9599bc6-gx82n', 19), ['pod web-84c9599bc6-', 'gx82n']);
  });

  void test('a chain name wider than a whole line is split, nothing is cut', () => {
    const long = 'KUBE-SEP-YI2AQWERTYUIOPAS';
    const out = lines(long, 12);
    assert.ok(out.length > 1);
    assert.equal(out.join(''), long);
  });
});
