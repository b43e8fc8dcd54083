// Resource attacks, scaled down: the behaviour (a clear diagnostic or a capped,
// documented result), not the timings — test/fuzz/resources.ts measures those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeWorkspace } from '../../src/engine';
import { DEFAULT_LOAD_LIMITS, loadYamlFile } from '../../src/engine/load';
import { loadClusterProfile, MAX_PROFILE_BYTES, MAX_PROFILE_NODES } from '../../src/engine/load/profile';
import { findExcessiveNesting } from '../../src/engine/load/nesting';
import {
  billionLaughs,
  bigFile,
  deepBlock,
  deepFlow,
  explicitClusterIPs,
  hugeReplicas,
  manyDocuments,
} from '../fuzz/attacks';

function codes(text: string, limits = {}): [string, string, number][] {
  const a = analyzeWorkspace({ files: [{ path: 'x.yaml', text }], limits });
  return a.diagnostics.map((d) => [d.code, d.severity, d.range.line]);
}

void test('limits: documented defaults', () => {
  assert.deepEqual(DEFAULT_LOAD_LIMITS, {
    maxFileBytes: 20 * 1024 * 1024,
    maxAliasCount: 100,
    maxDocuments: 20000,
    maxNestingDepth: 256,
  });
});

void test('billion laughs: refused with yaml-syntax naming the limit, nothing expanded', () => {
  const { objects, diagnostics } = loadYamlFile('bomb.yaml', billionLaughs());
  assert.equal(objects.length, 0);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]!.code, 'yaml-syntax');
  assert.match(diagnostics[0]!.message, /resource exhaustion.*maxAliasCount/);
  // A few honest aliases are fine.
  const ok = loadYamlFile(
    'ok.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: &v "1"\n  b: *v\n  c: *v\n',
  );
  assert.deepEqual(ok.diagnostics, []);
  assert.equal(ok.objects[0]?.raw['data'] && (ok.objects[0].raw['data'] as Record<string, string>)['c'], '1');
});

void test('file bigger than maxFileBytes: an error on the file (the analysis is incomplete: exit 1), not parsed', () => {
  const text = bigFile(5000);
  assert.deepEqual(codes(text, { maxFileBytes: 4096 }), [['file-too-large', 'error', 1]]);
  const a = analyzeWorkspace({ files: [{ path: 'x.yaml', text }], limits: { maxFileBytes: 4096 } });
  assert.equal(a.objects.length, 0);
  assert.match(a.diagnostics[0]!.message, /^skipped: \d+ bytes is more than the 4096-byte limit/);
});

void test('more documents than maxDocuments: the first ones are analysed, the rest not parsed', () => {
  const text = manyDocuments(1000);
  const a = analyzeWorkspace({ files: [{ path: 'x.yaml', text }], limits: { maxDocuments: 10 } });
  assert.equal(a.objects.length, 10);
  assert.deepEqual(
    a.objects.slice(-1).map((o) => o.name),
    ['c9'],
  );
  assert.deepEqual(
    a.diagnostics.map((d) => [d.code, d.severity, d.message]),
    [
      [
        'file-too-large',
        'info',
        'only the first 10 of 1000 YAML documents are analysed (setting kubepath.maxDocuments)',
      ],
    ],
  );
  // Exactly at the limit: no finding.
  assert.deepEqual(codes(manyDocuments(10), { maxDocuments: 10 }), []);
});

void test('deep nesting: flow, block and one-line `- - -` nesting get yaml-too-deep, not a stack overflow', () => {
  for (const [text, line] of [
    [deepFlow(100_000), 4],
    [deepFlow(100_000, '{'), 4],
    [deepFlow(300), 4],
    [deepBlock(100_000), 6],
  ] as const) {
    assert.deepEqual(codes(text), [['yaml-too-deep', 'warning', line]], text.slice(0, 80));
  }
  // Within the limit it parses as usual; the limit can be lowered.
  assert.deepEqual(
    codes(deepFlow(100) + ']'.repeat(0)).map((c) => c[0]),
    ['yaml-syntax'],
  ); // unclosed, but parsed
  const closed = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {x: "${'['.repeat(400)}"}\n`;
  assert.deepEqual(codes(closed), [], 'brackets inside quotes do not count');
  assert.deepEqual(
    codes(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\nx: ${'['.repeat(40)}${']'.repeat(40)}\n`, {
      maxNestingDepth: 20,
    }).map((c) => c[0]),
    ['yaml-too-deep'],
  );
});

void test('nesting estimate: block scalars, comments and documents do not accumulate', () => {
  const blockScalar = `a: |\n${Array.from({ length: 500 }, () => '  [[[[{{{{').join('\n')}\nb: 1\n`;
  assert.equal(findExcessiveNesting(blockScalar, 20), null);
  const comments = Array.from({ length: 500 }, () => '# [[[[[[').join('\n');
  assert.equal(findExcessiveNesting(comments, 20), null);
  const docs = Array.from({ length: 50 }, () => 'a: [[[[[').join('\n---\n');
  assert.equal(findExcessiveNesting(docs, 20), null);
  const indented = Array.from({ length: 30 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
  assert.equal(findExcessiveNesting(indented, 31), null);
  assert.ok(findExcessiveNesting(indented, 20));
});

void test('`{{{{…` without `}}` and `{{` far from `}}`: no quadratic template scan', () => {
  const start = performance.now();
  const a = loadYamlFile('x.yaml', `a: ${'{{ '.repeat(30_000)}\n`);
  assert.ok(performance.now() - start < 5000, 'seconds, not minutes');
  assert.deepEqual(
    a.diagnostics.map((d) => d.code),
    ['yaml-too-deep'],
  );
});

void test('replicas: 100000000: capped at 1,000 pods with an info diagnostic', () => {
  const a = analyzeWorkspace({ files: [{ path: 'd.yaml', text: hugeReplicas(100_000_000) }] });
  assert.equal(a.pods.length, 1000);
  assert.deepEqual(
    a.diagnostics.map((d) => [d.code, d.severity]),
    [
      ['workload-replicas-capped', 'info'],
      ['pod-unschedulable', 'warning'],
    ],
  );
  assert.equal(a.diagnostics[0]?.message, 'kubepath models the first 1000 of 100000000 replicas');
  // The built-in nodes take a kubelet's default maxPods (110): 330 pods run, the rest are Pending.
  assert.match(
    a.diagnostics[1]?.message ?? '',
    /^Deployment huge: 670 of 1000 pods stay Pending; .*: 0\/3 nodes are available: 3 Too many pods\./,
  );
  assert.equal(a.pods.filter((p) => p.nodeName !== '').length, 330);
  // With room for every pod, each one the node pod CIDRs have addresses for is an endpoint (three /24s: 762).
  const roomy = analyzeWorkspace({
    files: [{ path: 'd.yaml', text: hugeReplicas(100_000_000) }],
    profile: {
      path: 'kubepath.cluster.yaml',
      text: `apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:\n${[1, 2, 3]
        .map((i) => `  - {name: node-${i}, ip: 172.18.0.${i + 1}, allocatable: {pods: 400}}\n`)
        .join('')}`,
    },
  });
  const withIP = roomy.pods.filter((p) => p.podIP !== '').length;
  assert.ok(withIP > 700 && withIP <= 762, String(withIP));
  assert.equal(
    roomy.endpointSlices.reduce((n, s) => n + s.endpoints.length, 0),
    withIP,
  );
});

void test('/8 service CIDR with explicit clusterIPs: each honoured, no errors', () => {
  const a = analyzeWorkspace({
    files: [{ path: 's.yaml', text: explicitClusterIPs(300) }],
    profile: {
      path: 'kubepath.cluster.yaml',
      // A pod range outside the /8: the default 10.244.0.0/16 overlaps it (a profile error).
      text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nserviceCIDR: 10.0.0.0/8\npodCIDR: 172.16.0.0/16\n',
    },
  });
  assert.equal(a.services.length, 300);
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.ok(a.services.every((s) => s.clusterIPSource === 'explicit'));
  assert.equal(new Set(a.services.map((s) => s.service.clusterIP)).size, 300);
});

void test('many keys in one mapping: duplicates found in linear time (yaml uniqueKeys compared every pair)', () => {
  const keys = Array.from({ length: 30_000 }, (_, i) => `  k${i}: v\n`).join('');
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: many}\ndata:\n${keys}`;
  const start = performance.now();
  const ok = loadYamlFile('many.yaml', text);
  assert.ok(performance.now() - start < 20_000);
  assert.deepEqual(ok.diagnostics, []);
  const dup = loadYamlFile('dup.yaml', `${text}  k17: again\n`);
  // Kubernetes (go-yaml v2, not strict) keeps the last value: a warning, the object loads.
  assert.deepEqual(
    dup.diagnostics.map((d) => [d.code, d.severity, d.range.line, d.range.column]),
    [['yaml-duplicate-key', 'warning', 30_005, 3]],
  );
  assert.equal(
    dup.objects[0]?.raw['data'] && (dup.objects[0].raw['data'] as Record<string, unknown>)['k17'],
    'again',
  );
  // "x" and x are the same key; 1 and "1" both become the JSON key "1".
  assert.equal(loadYamlFile('q.yaml', 'a: 1\n"a": 2\n').diagnostics.length, 1);
  assert.equal(loadYamlFile('n.yaml', '1: a\n"1": b\n').diagnostics.length, 1);
});

void test('profiles beyond what Kubernetes supports are refused with the limit: 5,000 nodes, 2 MiB', () => {
  const header = 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:\n';
  const nodes = (n: number): string =>
    Array.from({ length: n }, (_, i) => `  - {name: n${i}, ip: 172.16.${i >> 8}.${i & 255}}\n`).join('');
  const atLimit = loadClusterProfile('p.yaml', header + nodes(MAX_PROFILE_NODES));
  assert.deepEqual(atLimit.diagnostics, []);
  assert.equal(atLimit.profile.nodes.length, MAX_PROFILE_NODES);
  const over = loadClusterProfile('p.yaml', header + nodes(MAX_PROFILE_NODES + 1));
  assert.deepEqual(
    over.diagnostics.map((d) => [d.code, d.severity, d.range.line, d.message]),
    [
      [
        'profile-too-large',
        'error',
        4,
        '5001 nodes is more than the 5000 a Kubernetes cluster supports; the built-in nodes are used',
      ],
    ],
  );
  assert.equal(over.profile.nodes.length, 3);
  const huge = loadClusterProfile('p.yaml', header + '#'.repeat(MAX_PROFILE_BYTES));
  assert.equal(huge.diagnostics[0]?.code, 'profile-too-large');
  assert.match(huge.diagnostics[0]?.message ?? '', /more than the 2097152-byte limit for a profile/);
});
