// Snapshot → diagram model, without a browser: boxes, rows, edges and their labels.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeWorkspace } from '../../src/engine';
import { buildSnapshot } from '../../src/extension/panelSnapshot';
import {
  abbreviateChain,
  buildDnsGraph,
  buildGraph,
  chainSummary,
  formatProbability,
} from '../../webview/graph';
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

  void test('nginx: numbered stops, one kube-proxy step per node, pods grouped by node, one edge per node and group', () => {
    const p = nginxPath();
    const g = buildGraph(p, { expanded: none });
    const kinds = g.boxes.map((b) => b.kind);
    assert.deepEqual(kinds, ['client', 'loadbalancer', 'node', 'node', 'node', 'pods', 'pods', 'pods']);
    // The journey: 1 client, 2 load balancer, 3 node, 4 kube-proxy (the node's row), 5 pods.
    assert.deepEqual(
      g.boxes.map((b) => b.step),
      [1, 2, 3, 3, 3, 5, 5, 5],
    );
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
    for (const group of g.boxes.filter((b) => b.kind === 'pods')) {
      assert.equal(partsText(group.subtitle), '1 of 3 endpoints · 33.3% from each node');
    }
    for (const node of g.boxes.filter((b) => b.kind === 'node')) {
      assert.equal(node.rows.length, 1, 'collapsed: the kube-proxy step only');
      const proxy = node.rows[0];
      assert.equal(proxy?.kind, 'kubeproxy');
      assert.equal(proxy?.toggles, true);
      assert.equal(proxy?.step, 4);
      assert.equal(partsText(proxy?.detail ?? []), '1 of 3 endpoints, 1/3 each');
      const nodePath = p.nodes.find((n) => `node:${n.node}` === node.id);
      assert.equal(nodePath?.branches.length, 3, 'the engine still gives one branch per endpoint');
    }
    // One edge per (node, pod group): 3 × 3, from the kube-proxy row; unlabelled, since every
    // node sends each group the same share (the group's subtitle says it once).
    const toPods = g.edges.filter((e) => e.to.box.startsWith('pods:'));
    assert.equal(toPods.length, 9);
    for (const e of toPods) {
      assert.equal(e.from.row, `${e.from.box}:kube-proxy`);
      assert.equal(e.to.row, undefined);
      assert.deepEqual(e.label, []);
      assert.deepEqual(e.paths, [e.from.box, e.to.box]);
    }
    const toNodes = g.edges.filter((e) => e.from.box === 'lb');
    assert.equal(toNodes.length, 3);
    // The addresses are in the boxes, not on the edges (they would only widen the drawing).
    for (const e of toNodes) assert.deepEqual(e.label, []);
    for (const node of g.boxes.filter((b) => b.kind === 'node')) {
      assert.match(partsText(node.subtitle), /^172\.18\.0\.\d:\d{5}$/);
      assert.equal(node.subtitle[1]?.predicted, true, 'nodePort marked predicted');
    }
    assert.equal(partsText(g.boxes[1]?.subtitle ?? []), `${p.loadBalancer?.address.value ?? ''}:8080`);
    assert.equal(g.hasPredicted, true);
  });

  void test('50 replicas on 10 nodes: 10 kube-proxy steps and 10 pod groups, not 500 DNAT rows', () => {
    const profile = `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
nodes:
${Array.from({ length: 10 }, (_, i) => `  - { name: node-${i + 1}, ip: 172.18.0.${i + 2} }`).join('\n')}
`;
    const dir = path.join(root, 'examples/nginx');
    const files = fs.readdirSync(dir).map((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      return { path: `examples/nginx/${f}`, text: text.replace('replicas: 3', 'replicas: 50') };
    });
    const state = analyzeWorkspace({ files, profile: { path: 'kubepath.cluster.yaml', text: profile } });
    const snapshot = buildSnapshot({
      folders: [{ folder: '', state }],
      selection: { serviceId: '|default/nginx', portKey: null, entry: 'internet', node: null },
      status: '',
    });
    assert.ok(snapshot.path);
    assert.equal(snapshot.path.nodes.length, 10);
    const branches = snapshot.path.nodes.reduce((n, x) => n + x.branches.length, 0);
    assert.equal(branches, 500, 'the engine traces 50 endpoints on each of 10 nodes');
    const g = buildGraph(snapshot.path, { expanded: none });
    const nodes = g.boxes.filter((b) => b.kind === 'node');
    const groups = g.boxes.filter((b) => b.kind === 'pods');
    assert.equal(nodes.length, 10);
    assert.equal(groups.length, 10);
    for (const node of nodes) {
      assert.equal(node.rows.length, 1);
      assert.equal(partsText(node.rows[0]?.detail ?? []), '1 of 50 endpoints, 1/50 each');
    }
    const podRows = groups.flatMap((b) => b.rows);
    assert.equal(podRows.length, 50, 'every pod once');
    assert.equal(new Set(podRows.map((r) => r.id)).size, 50);
    // The scheduler spreads 50 pods over 10 nodes: each group says its share.
    for (const group of groups) {
      const n = group.rows.length;
      assert.ok(n >= 1);
      assert.equal(
        partsText(group.subtitle),
        `${n} of 50 endpoints · ${formatProbability(n / 50)} from each node`,
      );
    }
    // Every node spreads alike over every group: the 10 × 10 lines meet in one junction.
    const junction = g.boxes.filter((b) => b.kind === 'junction');
    assert.equal(junction.length, 1);
    assert.equal(partsText(junction[0]?.subtitle ?? []), '10 nodes → 10 pod groups, the same split on each');
    const intoJunction = g.edges.filter((e) => e.to.box === 'junction');
    const outOfJunction = g.edges.filter((e) => e.from.box === 'junction');
    assert.deepEqual(intoJunction.map((e) => e.from.box).sort(), nodes.map((n) => n.id).sort());
    assert.deepEqual(outOfJunction.map((e) => e.to.box).sort(), groups.map((b) => b.id).sort());
    assert.equal(
      g.edges.filter((e) => e.from.box.startsWith('node:') && e.to.box.startsWith('pods:')).length,
      0,
    );
    assert.equal(g.edges.length, 1 + 10 + 10 + 10);
    // Hovering a pod still lights its whole path: each node's line and its group's line.
    const group = groups[0]!;
    for (const e of intoJunction) assert.ok(e.paths.includes(group.id), e.id);
    const out = outOfJunction.find((e) => e.to.box === group.id)!;
    for (const n of nodes) assert.ok(out.paths.includes(n.id), n.id);
    const kinds = g.boxes.map((b) => b.kind);
    const at = kinds.indexOf('junction');
    assert.ok(at > kinds.lastIndexOf('node') && at < kinds.indexOf('pods'), 'between the nodes and the pods');
  });

  void test('a small mesh (3 nodes × 3 groups) keeps its lines, and so does any mesh whose shares differ', () => {
    const g = buildGraph(nginxPath(), { expanded: none });
    assert.equal(g.boxes.filter((b) => b.kind === 'junction').length, 0);
    assert.equal(
      g.edges.filter((e) => e.from.box.startsWith('node:') && e.to.box.startsWith('pods:')).length,
      9,
    );
    const p = nginxPath();
    // Ten nodes each sending everything to their own pods (externalTrafficPolicy: Local-like
    // shares) are no mesh: every line carries a different share.
    const nodes = Array.from({ length: 5 }, (_, i) =>
      p.nodes.map((n) => ({ ...n, node: `${n.node}-${i}` })),
    ).flat();
    const lopsided = {
      ...p,
      nodes: nodes.map((n, i) => ({
        ...n,
        branches: n.branches.map((b, j) => ({ ...b, probability: j === i % n.branches.length ? 0.5 : 0.25 })),
      })),
    };
    const h = buildGraph(lopsided, { expanded: none });
    assert.equal(h.boxes.filter((b) => b.kind === 'junction').length, 0);
    assert.equal(
      h.edges.filter((e) => e.from.box.startsWith('node:') && e.to.box.startsWith('pods:')).length,
      45,
    );
  });

  void test('expanding a node shows its KUBE-* chain steps with full names', () => {
    const p = nginxPath();
    const g = buildGraph(p, { expanded: new Set(['node-2']) });
    const node2 = g.boxes.find((b) => b.id === 'node:node-2');
    const node1 = g.boxes.find((b) => b.id === 'node:node-1');
    assert.ok(node1 && node2);
    assert.equal(node2.rows[0]?.expanded, true);
    const labels = node2.rows.map((r) => partsText(r.label));
    const svc = p.nodes.find((n) => n.node === 'node-2')?.hops.find((h) => /^KUBE-SVC-/.test(h.name))?.name;
    assert.match(svc ?? '', /^KUBE-SVC-[A-Z0-9]{16}$/);
    assert.deepEqual(labels.slice(1, 5), [
      'KUBE-SERVICES',
      'KUBE-NODEPORTS',
      (svc ?? '').replace('SVC', 'EXT'),
      svc,
    ]);
    // Each branch's own KUBE-SEP chain, whole: never cut to `KUBE-SEP-ABCD…`.
    const seps = labels.filter((l) => l.startsWith('KUBE-SEP-'));
    assert.equal(seps.length, 3);
    for (const l of seps) assert.match(l, /^KUBE-SEP-[A-Z0-9]{16}$/);
    assert.ok(
      node2.rows.some((r) =>
        r.tooltip.some((t) => /^-A KUBE-SVC-\w+ .*--probability 0\.33333333349 /.test(t)),
      ),
    );
    assert.equal(node1.rows.length, 1, 'other nodes stay collapsed');
  });

  void test('selector typo: one REJECT box with the reason and the finding, red edges from every node', () => {
    const p = nginxPath((t) => t.replace(/app: nginx/, 'app: ngnix'));
    const problems = [
      {
        code: 'service-selector-no-match',
        severity: 'warning' as const,
        message: 'selector app=ngnix matches no pods',
        source: { file: 'examples/nginx/service.yaml', line: 7, column: 10, endLine: 7, endColumn: 15 },
        fixes: ['Change selector to app=nginx'],
      },
    ];
    const g = buildGraph(p, { expanded: none, problems });
    const verdicts = g.boxes.filter((b) => b.kind === 'verdict');
    assert.equal(verdicts.length, 1);
    const verdict = verdicts[0];
    assert.ok(verdict);
    assert.equal(partsText(verdict.title), 'REJECT');
    assert.equal(partsText(verdict.subtitle), 'default/nginx has no endpoints: rejected');
    assert.ok(!/\s/.test(verdict.id), 'a path key has no spaces (data-paths is space-separated)');
    const actions = verdict.rows.filter((r) => r.action).map((r) => r.action);
    assert.deepEqual(actions, [
      { kind: 'applyFix', source: problems[0]?.source, title: 'Change selector to app=nginx' },
      { kind: 'showProblem', source: problems[0]?.source },
    ]);
    assert.ok(
      verdict.rows.some((r) => r.kind === 'problem' && /app=ngnix matches no pods/.test(partsText(r.label))),
    );
    const into = g.edges.filter((e) => e.to.box === verdict.id);
    assert.equal(into.length, 3);
    for (const e of into) {
      assert.equal(e.tone, 'error');
      assert.deepEqual(e.label, [], 'the node and the verdict say it; a share only when partial');
    }
    for (const node of g.boxes.filter((b) => b.kind === 'node')) {
      assert.equal(node.tone, 'error');
      assert.ok(node.paths.includes(verdict.id));
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
    const toPods = g.edges.filter((e) => e.to.box.startsWith('pods:'));
    assert.deepEqual(
      toPods.map((e) => e.from.box),
      ['node:node-3', 'node:node-3', 'node:node-3'],
    );
    for (const group of g.boxes.filter((b) => b.kind === 'pods')) {
      assert.equal(partsText(group.subtitle), '1 of 3 endpoints · 33.3% of connections');
    }
  });

  void test('ELK input: fixed row ports only where edges attach', () => {
    const g = buildGraph(nginxPath(), { expanded: none });
    const measure = (text: string) => text.length * 7;
    const { graph } = elkGraph(g, measure);
    assert.equal(graph.layoutOptions?.['elk.algorithm'], 'layered');
    assert.equal(graph.layoutOptions?.['elk.direction'], 'RIGHT');
    const ports = new Set((graph.children ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.id)));
    // Out ports: one per node's kube-proxy row; nothing attaches to a pod row.
    assert.deepEqual([...ports].sort(), [
      'node:node-1:kube-proxy>out',
      'node:node-2:kube-proxy>out',
      'node:node-3:kube-proxy>out',
    ]);
    for (const e of graph.edges ?? []) {
      for (const end of [...e.sources, ...e.targets]) {
        assert.ok(ports.has(end) || (graph.children ?? []).some((c) => c.id === end), end);
      }
    }
    // Deterministic input: the layout cache key is stable.
    assert.equal(JSON.stringify(elkGraph(g, measure).graph), JSON.stringify(graph));
  });

  void test('headless and ExternalName: client → DNS → pods grouped by node, or → the external name', () => {
    const read = (dir: string) =>
      fs.readdirSync(path.join(root, dir)).map((f) => ({
        path: `${dir}/${f}`,
        text: fs.readFileSync(path.join(root, dir, f), 'utf8'),
      }));
    const snap = (dir: string, serviceId: string) =>
      buildSnapshot({
        folders: [{ folder: '', state: analyzeWorkspace({ files: read(dir) }) }],
        selection: { serviceId, portKey: null, entry: 'clusterIP', node: null },
        status: '',
      });
    const headless = snap('examples/headless', '|data/db');
    assert.ok(headless.dnsPath);
    const g = buildDnsGraph(headless.dnsPath);
    assert.deepEqual(
      g.boxes.map((b) => [b.kind, b.step]),
      [['client', 1], ['dns', 2], ...g.boxes.slice(2).map(() => ['pods', 3])],
    );
    const answer = g.boxes[1]?.rows[0];
    assert.equal(partsText(answer?.label ?? []), 'A → 2 pod IPs');
    assert.equal(partsText(answer?.detail ?? []), headless.dnsPath.dns.values.map((v) => v.value).join(', '));
    const pods = g.boxes.flatMap((b) => b.rows.filter((r) => r.kind === 'pod'));
    assert.equal(pods.length, 2);
    for (const pod of pods) assert.match(partsText(pod.detail), /^10\.244\.\d+\.\d+:5432$/);
    assert.equal(g.edges.filter((e) => e.from.box === 'dns').length, g.boxes.length - 2);
    assert.ok(!g.boxes.some((b) => b.kind === 'node'), 'no kube-proxy stop');

    const external = snap('examples/externalname', '|billing/billing-db');
    assert.ok(external.dnsPath);
    const x = buildDnsGraph(external.dnsPath);
    assert.deepEqual(
      x.boxes.map((b) => b.kind),
      ['client', 'dns', 'external'],
    );
    assert.equal(partsText(x.boxes[1]?.rows[0]?.detail ?? []), 'billing.db.example.com');
    assert.equal(partsText(x.boxes[2]?.title ?? []), 'billing.db.example.com');
    assert.deepEqual(
      x.edges.map((e) => [e.id, partsText(e.label)]),
      [
        ['e:client-dns', ''],
        ['e:dns>external', 'CNAME'],
      ],
    );
  });

  void test('displayText shows bidi and control characters as escapes', () => {
    assert.equal(displayText('node\u202Egnp.exe'), 'node\\u{202E}gnp.exe');
    assert.equal(displayText('a\u2066b\u200Fc\u0007'), 'a\\u{2066}b\\u{200F}c\\u{0007}');
    assert.equal(displayText('<script>'), '<script>', 'markup is left alone: it only ever becomes text');
  });
});
