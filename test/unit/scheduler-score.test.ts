// kube-scheduler scoring through the whole engine: where the default score plugins move a
// pod away from the stable spread, and where they leave it (equal top scores keep the
// pod's hash spread). Each expectation is worked out with upstream's arithmetic in the
// comment beside it (weights: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
// InterPodAffinity 2, NodeResourcesFit 1, BalancedAllocation 1, ImageLocality 1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace, createWorkspaceAnalyzer } from '../../src/engine';
import { fnv32a } from '../../src/engine/util/hash';

const deploy = (name: string, replicas: number, spec = '', container = ''): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n${spec}      containers:\n        - name: c\n          image: nginx\n${container}`;

const barePod = (name: string, app: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  labels: {app: ${app}}\nspec:\n  containers:\n    - name: c\n      image: nginx\n`;

const service = (name: string, app: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${app}}\n  ports: [{port: 80}]\n`;

const profile = (nodes: string): { path: string; text: string } => ({
  path: 'kubepath.cluster.yaml',
  text: `apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:\n${nodes}`,
});

const nodesOf = (a: ReturnType<typeof analyzeWorkspace>, prefix: string): string[] =>
  a.pods.filter((p) => p.metadata.name.startsWith(prefix)).map((p) => p.nodeName);

void test('plain replicas (no requests, no affinity) keep the stable spread: every tie falls back to hash + ordinal', () => {
  const a = analyzeWorkspace({ files: [{ path: 'web.yaml', text: deploy('web', 5) }] });
  const nodes = ['node-1', 'node-2', 'node-3'];
  const start = fnv32a('Deployment/default/web');
  // Default spreading (hostname, maxSkew 3) makes the emptiest nodes tie at the top, and
  // the first tied node from (hash + ordinal) is the one the stable spread named.
  assert.deepEqual(
    nodesOf(a, 'web-'),
    [0, 1, 2, 3, 4].map((k) => nodes[(start + k) % 3]),
  );
});

void test('preferred node affinity outweighs default spreading: all three replicas go to the preferred node', () => {
  const p = profile(
    '  - { name: a, ip: 10.0.0.1 }\n  - { name: b, ip: 10.0.0.2, labels: { disk: ssd } }\n  - { name: c, ip: 10.0.0.3 }\n',
  );
  const spec =
    '      affinity:\n        nodeAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 10\n              preference: {matchExpressions: [{key: disk, operator: In, values: [ssd]}]}\n';
  const a = analyzeWorkspace({ files: [{ path: 'web.yaml', text: deploy('web', 3, spec) }], profile: p });
  // Replica 2: b has 1 matching pod, spread raw round(ln 5 + 2) = 4 vs 2: b 100·(4+2−4)/4 = 50,
  // a and c 100; totals b 2·100 + 2·50 = 300 > 2·100 = 200. Replica 3: raw 5 vs 2, b 40:
  // 200 + 80 = 280 > 200.
  assert.deepEqual(nodesOf(a, 'web-'), ['b', 'b', 'b']);
});

void test('a PreferNoSchedule taint is avoided while other nodes score higher', () => {
  const p = profile(
    '  - { name: a, ip: 10.0.0.1, taints: [{ key: spot, value: "true", effect: PreferNoSchedule }] }\n  - { name: b, ip: 10.0.0.2 }\n  - { name: c, ip: 10.0.0.3 }\n',
  );
  const a = analyzeWorkspace({ files: [{ path: 'web.yaml', text: deploy('web', 4) }], profile: p });
  // The taint costs a 3·100; spreading gives back at most 2·100 (replica 3: a 200 vs 300 + 100;
  // replica 4: a 200 vs 300 + 120), so a stays empty for four replicas.
  const nodes = nodesOf(a, 'web-');
  assert.equal(nodes.length, 4);
  assert.ok(!nodes.includes('a'), `a is tainted PreferNoSchedule: ${nodes.join(',')}`);
  assert.deepEqual(new Set(nodes), new Set(['b', 'c']));
  const tolerating = deploy(
    'tol',
    1,
    '      tolerations: [{key: spot, operator: Exists, effect: PreferNoSchedule}]\n',
  );
  const t = analyzeWorkspace({ files: [{ path: 'tol.yaml', text: tolerating }], profile: p });
  // Tolerated, the taint no longer counts: all three nodes tie and the stable spread decides.
  const start = fnv32a('Deployment/default/tol') % 3;
  assert.deepEqual(nodesOf(t, 'tol-'), [['a', 'b', 'c'][start]]);
});

void test('with allocatable, LeastAllocated sends a pod without requests away from a busy node', () => {
  const p = profile(
    ['a', 'b', 'c']
      .map(
        (n, i) =>
          `  - { name: ${n}, ip: 10.0.0.${i + 1}, allocatable: { cpu: '2', memory: 4Gi, pods: '110' } }\n`,
      )
      .join(''),
  );
  const big = deploy('big', 1, '', '          resources: {requests: {cpu: 1500m, memory: 1Gi}}\n');
  const a = analyzeWorkspace({
    files: [
      { path: 'big.yaml', text: big },
      { path: 'small.yaml', text: deploy('small', 2) },
    ],
    profile: p,
  });
  const [bigNode] = nodesOf(a, 'big-');
  // small's pods count 100m / 200Mi (non-zero defaults): on big's node cpu (2000 − 1600)·100/2000
  // = 20, memory ≈ 70, LeastAllocated 45; elsewhere 95 and 95: 95. Spreading ties for the first.
  const small = nodesOf(a, 'small-');
  assert.equal(small.length, 2);
  assert.ok(bigNode && !small.includes(bigNode), `big on ${bigNode}, small on ${small.join(',')}`);
});

void test("bare Pods behind one Service spread over the nodes (the system default constraints use the Service's selector)", () => {
  const pods = ['p1', 'p2', 'p3'].map((n) => ({ path: `${n}.yaml`, text: barePod(n, 'web') }));
  const a = analyzeWorkspace({ files: [...pods, { path: 'svc.yaml', text: service('web', 'web') }] });
  assert.deepEqual(new Set(nodesOf(a, 'p')), new Set(['node-1', 'node-2', 'node-3']));
  // Without a Service selecting them LeastAllocated still spreads them: a pod that requests
  // nothing counts as 100m CPU and 200Mi memory (schedutil's non-zero defaults), so the
  // first node taken scores lower for the next pod.
  const alone = analyzeWorkspace({ files: pods });
  assert.deepEqual(new Set(nodesOf(alone, 'p')), new Set(['node-1', 'node-2', 'node-3']));
});

void test('the incremental analyzer reschedules when a Service selecting the pods comes or goes', () => {
  const analyzer = createWorkspaceAnalyzer();
  for (const n of ['p1', 'p2', 'p3']) analyzer.setFile(`${n}.yaml`, barePod(n, 'web'));
  const before = analyzer.analyze().pods.map((p) => p.nodeName);
  analyzer.setFile('svc.yaml', service('web', 'web'));
  const withService = analyzer.analyze();
  const oneShot = analyzeWorkspace({
    files: [
      ...['p1', 'p2', 'p3'].map((n) => ({ path: `${n}.yaml`, text: barePod(n, 'web') })),
      { path: 'svc.yaml', text: service('web', 'web') },
    ],
  });
  assert.deepEqual(
    withService.pods.map((p) => p.nodeName),
    oneShot.pods.map((p) => p.nodeName),
  );
  analyzer.deleteFile('svc.yaml');
  assert.deepEqual(
    analyzer.analyze().pods.map((p) => p.nodeName),
    before,
  );
});

void test('preferred pod anti-affinity between two workloads keeps them apart where it can', () => {
  const spec =
    '      affinity:\n        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 100\n              podAffinityTerm: {labelSelector: {matchLabels: {app: cache}}, topologyKey: kubernetes.io/hostname}\n';
  const a = analyzeWorkspace({
    files: [
      { path: 'cache.yaml', text: deploy('cache', 1) },
      { path: 'web.yaml', text: deploy('web', 2, spec) },
    ],
  });
  const [cacheNode] = nodesOf(a, 'cache-');
  // web's term scores −100 on cache's node: normalized 0 there, 100 elsewhere (×2).
  const web = nodesOf(a, 'web-');
  assert.ok(cacheNode && !web.includes(cacheNode), `cache on ${cacheNode}, web on ${web.join(',')}`);
});
