// Snapshot → diagram model, without a browser: boxes, rows, edges and their labels.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeWorkspace } from '../../src/engine';
import { buildSnapshot } from '../../src/extension/panelSnapshot';
import { abbreviateChain, buildGraph, chainSummary, formatProbability } from '../../webview/graph';
import type { GraphModel } from '../../webview/graph';
import { elkGraph, partsText } from '../../webview/layout';
import { displayText } from '../../webview/render';
import type { RequestPath } from '../../webview/protocol';

const root = path.resolve(__dirname, '../../..');

function nginxPath(edit: (text: string) => string = (t) => t, node: string | null = null): RequestPath {
  const dir = path.join(root, 'examples/nginx');
  const files = fs.readdirSync(dir).map((f) => ({
    path: `examples/nginx/${f}`,
    text:
      f === 'service.yaml'
        ? edit(fs.readFileSync(path.join(dir, f), 'utf8'))
        : fs.readFileSync(path.join(dir, f), 'utf8'),
  }));
  const state = analyzeWorkspace({ files });
  const snapshot = buildSnapshot({
    folders: [{ folder: '', state }],
    selection: { serviceId: '|default/nginx', portKey: null, entry: 'internet', node },
    status: '',
  });
  assert.ok(snapshot.path);
  return snapshot.path;
}

const none = new Set<string>();
const labelTexts = (g: GraphModel): string[] => g.edges.map((e) => partsText(e.label));

void describe('request path graph model', () => {
  void test('probabilities print like kubectl users expect', () => {
    const table: [number, string][] = [
      [1, '100%'],
      [1 / 2, '50%'],
      [1 / 3, '33.3%'],
      [2 / 3, '66.7%'],
      [1 / 8, '12.5%'],
      [1 / 7, '14.3%'],
      [0.0001, '0%'],
    ];
    for (const [p, text] of table) assert.equal(formatProbability(p), text, String(p));
  });

  void test('chain names: summary by kind, hashes abbreviated', () => {
    assert.equal(abbreviateChain('KUBE-SVC-2CMXP7HKUVJN7L6M'), 'KUBE-SVC-2CMX…');
    assert.equal(abbreviateChain('KUBE-NODEPORTS'), 'KUBE-NODEPORTS');
    const hop = (name: string) => ({ kind: 'chain' as const, name, detail: '', source: null });
    assert.equal(
      chainSummary([
        hop('KUBE-SERVICES'),
        hop('KUBE-NODEPORTS'),
        hop('KUBE-EXT-2CMXP7HKUVJN7L6M'),
        hop('KUBE-SVC-2CMXP7HKUVJN7L6M'),
      ]),
      'SERVICES → NODEPORTS → EXT → SVC',
    );
  });

  void test('nginx: client → LB → 3 nodes (collapsed kube-proxy) → 3 pods grouped by node, 9 edges at 33.3%', () => {
    const g = buildGraph(nginxPath(), { expanded: none });
    const kinds = g.boxes.map((b) => b.kind);
    assert.deepEqual(kinds, ['client', 'loadbalancer', 'node', 'node', 'node', 'pods', 'pods', 'pods']);
    assert.deepEqual(
      g.boxes.filter((b) => b.kind === 'pods').map((b) => partsText(b.title)),
      ['pods on node-1', 'pods on node-2', 'pods on node-3'],
    );
    const pods = g.boxes.flatMap((b) => b.rows.filter((r) => r.kind === 'pod'));
    assert.equal(pods.length, 3);
    for (const pod of pods) {
      assert.match(partsText(pod.detail), /^10\.244\.\d+\.\d+:80$/);
      assert.ok(pod.detail[0]?.predicted, 'pod IP marked predicted');
      assert.equal(pod.source?.file, 'examples/nginx/deployment.yaml');
    }
    for (const node of g.boxes.filter((b) => b.kind === 'node')) {
      assert.equal(node.rows[0]?.kind, 'kubeproxy');
      assert.equal(node.rows[0]?.toggles, true);
      assert.equal(partsText(node.rows[0]?.detail ?? []), 'SERVICES → NODEPORTS → EXT → SVC');
      assert.equal(node.rows.length, 4, 'kube-proxy + one row per branch');
    }
    const labels = labelTexts(g);
    assert.equal(labels.filter((l) => l === '33.3%').length, 9);
    const toNodes = g.edges.filter((e) => e.from.box === 'lb');
    assert.equal(toNodes.length, 3);
    for (const e of toNodes) {
      assert.match(partsText(e.label), /^:\d{5}$/);
      assert.equal(e.label[1]?.predicted, true, 'nodePort marked predicted');
    }
    // Every pod edge leaves from its own branch row and lands on a pod row.
    for (const e of g.edges.filter((x) => partsText(x.label) === '33.3%')) {
      assert.match(e.from.row ?? '', /:branch:\d$/);
      assert.match(e.to.row ?? '', /^pod:default\/nginx-/);
      assert.equal(e.labelAt, 'tail');
    }
    assert.equal(g.hasPredicted, true);
  });

  void test('expanding a node shows its KUBE-* chain steps with full names', () => {
    const p = nginxPath();
    const g = buildGraph(p, { expanded: new Set(['node-2']) });
    const node2 = g.boxes.find((b) => b.id === 'node:node-2');
    const node1 = g.boxes.find((b) => b.id === 'node:node-1');
    assert.ok(node1 && node2);
    assert.equal(node2.rows[0]?.expanded, true);
    const labels = node2.rows.map((r) => partsText(r.label));
    assert.deepEqual(labels.slice(1, 5), [
      'KUBE-SERVICES',
      'KUBE-NODEPORTS',
      'KUBE-EXT-2CMX…',
      'KUBE-SVC-2CMX…',
    ]);
    assert.equal(labels.filter((l) => l.startsWith('KUBE-SEP-')).length, 3);
    assert.ok(
      node2.rows.some((r) =>
        r.tooltip.some((t) => /^-A KUBE-SVC-\w+ .*--probability 0\.33333333349 /.test(t)),
      ),
    );
    assert.equal(node1.rows.length, 4, 'other nodes stay collapsed');
  });

  void test('selector typo: one REJECT box with the reason, red edges from every node', () => {
    const g = buildGraph(
      nginxPath((t) => t.replace(/app: nginx/, 'app: ngnix')),
      { expanded: none },
    );
    const verdicts = g.boxes.filter((b) => b.kind === 'verdict');
    assert.equal(verdicts.length, 1);
    assert.equal(partsText(verdicts[0]?.title ?? []), 'REJECT');
    assert.equal(partsText(verdicts[0]?.subtitle ?? []), 'default/nginx has no endpoints: rejected');
    const into = g.edges.filter((e) => e.to.box === verdicts[0]?.id);
    assert.equal(into.length, 3);
    for (const e of into) {
      assert.equal(e.tone, 'error');
      assert.equal(partsText(e.label), '100% rejected');
    }
    assert.equal(g.boxes.filter((b) => b.kind === 'pods').length, 0);
  });

  void test('node filter shows one node; its pods still grouped by where they run', () => {
    const g = buildGraph(nginxPath(undefined, 'node-3'), { expanded: none });
    assert.deepEqual(
      g.boxes.filter((b) => b.kind === 'node').map((b) => b.id),
      ['node:node-3'],
    );
    assert.equal(g.boxes.filter((b) => b.kind === 'pods').length, 3);
    assert.equal(labelTexts(g).filter((l) => l === '33.3%').length, 3);
  });

  void test('ELK input: fixed row ports only where edges attach, tail labels for probabilities', () => {
    const g = buildGraph(nginxPath(), { expanded: none });
    const measure = (text: string) => text.length * 7;
    const { graph } = elkGraph(g, measure);
    assert.equal(graph.layoutOptions?.['elk.algorithm'], 'layered');
    assert.equal(graph.layoutOptions?.['elk.direction'], 'RIGHT');
    const ports = new Set((graph.children ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.id)));
    for (const e of graph.edges ?? []) {
      for (const end of [...e.sources, ...e.targets]) {
        assert.ok(ports.has(end) || (graph.children ?? []).some((c) => c.id === end), end);
      }
    }
    const tail = (graph.edges ?? []).filter(
      (e) => e.labels?.[0]?.layoutOptions?.['elk.edgeLabels.placement'] === 'TAIL',
    );
    assert.equal(tail.length, 9);
    // Deterministic input: the layout cache key is stable.
    assert.equal(JSON.stringify(elkGraph(g, measure).graph), JSON.stringify(graph));
  });

  void test('displayText shows bidi and control characters as escapes', () => {
    assert.equal(displayText('node\u202Egnp.exe'), 'node\\u{202E}gnp.exe');
    assert.equal(displayText('a\u2066b\u200Fc\u0007'), 'a\\u{2066}b\\u{200F}c\\u{0007}');
    assert.equal(displayText('<script>'), '<script>', 'markup is left alone: it only ever becomes text');
  });
});
