// Pods land where kube-scheduler puts them on nodes that report allocatable (issue 14): the
// built-in nodes and profile nodes that leave it out get a kind worker's allocatable, so
// NodeResourcesFit (LeastAllocated) and BalancedAllocation score each node by what the pods
// placed earlier in the same run request (100m CPU / 200Mi memory for a container that
// requests nothing: schedutil.DefaultMilliCPURequest, DefaultMemoryRequest).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeWorkspace } from '../../src/engine';
import { DEFAULT_NODE_ALLOCATABLE } from '../../src/engine/load/profile';

const BOUTIQUE = 'test/fixtures/online-boutique/kubernetes-manifests.yaml';

const deploy = (name: string, container = ''): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: c\n          image: nginx\n${container}`;

const perNode = (a: ReturnType<typeof analyzeWorkspace>): Map<string, string[]> => {
  const out = new Map<string, string[]>(a.profile.nodes.map((n) => [n.name, []]));
  for (const p of a.pods) out.get(p.nodeName)?.push(p.metadata.name);
  return out;
};

void test('the built-in nodes report a kind worker’s allocatable, pods: the kubelet’s default maxPods', () => {
  assert.deepEqual(DEFAULT_NODE_ALLOCATABLE, {
    cpu: '4',
    memory: '16Gi',
    'ephemeral-storage': '100Gi',
    pods: '110',
  });
  const a = analyzeWorkspace({ files: [] });
  assert.equal(a.profile.nodes.length, 3);
  for (const node of a.profile.nodes) assert.deepEqual(node.allocatable, DEFAULT_NODE_ALLOCATABLE);
});

void test('profile nodes: no allocatable takes the default; a partial one keeps what it says and fills the rest', () => {
  const a = analyzeWorkspace({
    files: [],
    profile: {
      path: 'kubepath.cluster.yaml',
      text: `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
nodes:
  - { name: a, ip: 10.0.0.1 }
  - { name: b, ip: 10.0.0.2, allocatable: { cpu: 500m, pods: 8, nvidia.com/gpu: 1 } }
  - { name: c, ip: 10.0.0.3, allocatable: oops }
`,
    },
  });
  const [na, nb, nc] = a.profile.nodes;
  assert.deepEqual(na?.allocatable, DEFAULT_NODE_ALLOCATABLE);
  assert.deepEqual(nb?.allocatable, {
    cpu: '500m',
    pods: '8',
    'nvidia.com/gpu': '1',
    memory: '16Gi',
    'ephemeral-storage': '100Gi',
  });
  assert.deepEqual(nc?.allocatable, DEFAULT_NODE_ALLOCATABLE);
  const bad = a.diagnostics.find((d) => d.code === 'profile-invalid');
  assert.match(bad?.message ?? '', /^nodes\[2\]\.allocatable must be a mapping/);
  assert.equal(bad?.range.file, 'kubepath.cluster.yaml');
  assert.equal(bad?.range.line, 6);
});

void test('twelve equal single-replica Deployments land 4/4/4 (each pod placed counts for the next)', () => {
  // Each pod adds 100m of 4 CPUs (2.5 points of LeastAllocated): the node with fewer pods
  // always scores higher, so no node takes a fifth pod before every node has four.
  for (const container of ['', '          resources: {requests: {cpu: 250m, memory: 256Mi}}\n']) {
    const files = Array.from({ length: 12 }, (_, i) => ({
      path: `svc-${String(i).padStart(2, '0')}.yaml`,
      text: deploy(`svc-${i}`, container),
    }));
    const a = analyzeWorkspace({ files });
    assert.deepEqual(
      [...perNode(a).values()].map((pods) => pods.length),
      [4, 4, 4],
      container || 'no requests',
    );
  }
});

void test('Online Boutique’s twelve Deployments spread by their requests as kube-scheduler’s scores do: 3/4/5', () => {
  const a = analyzeWorkspace({ files: [{ path: BOUTIQUE, text: readFileSync(BOUTIQUE, 'utf8') }] });
  assert.equal(a.pods.length, 12);
  assert.deepEqual(
    a.pods.filter((p) => p.nodeName === '').map((p) => p.metadata.name),
    [],
  );
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code}: ${d.message}`),
    [],
  );
  // Worked with upstream's integer arithmetic (LeastAllocated and BalancedAllocation on
  // 4-CPU / 16Gi nodes; default spreading ties, each Deployment's selector matching only its
  // own pod) over all 432 ways the random tie-breaks among equal top scores can go: every
  // one gives 3/4/5, with the 300m loadgenerator's node holding 3. Pod counts are not what
  // the scheduler balances; requests are.
  const groups = [...perNode(a).values()];
  assert.deepEqual(groups.map((g) => g.length).sort(), [3, 4, 5]);
  const withLoad = groups.find((g) => g.some((n) => n.startsWith('loadgenerator-')));
  assert.equal(withLoad?.length, 3, `loadgenerator's node: ${withLoad?.join(', ')}`);
  // Before, nodes without allocatable scored alike and a hash put 7/3/2 on them.
  assert.ok(Math.max(...groups.map((g) => g.length)) <= 5);
});

void test('a node fills up: the built-in nodes take 110 pods each, the rest stay Pending with "Too many pods"', () => {
  const text = deploy('many').replace('spec:\n  selector', 'spec:\n  replicas: 340\n  selector');
  const a = analyzeWorkspace({ files: [{ path: 'many.yaml', text }] });
  assert.deepEqual(
    [...perNode(a).values()].map((pods) => pods.length),
    [110, 110, 110],
  );
  const pending = a.diagnostics.filter((d) => d.code === 'pod-unschedulable');
  assert.equal(pending.length, 1);
  assert.match(
    pending[0]?.message ?? '',
    /^Deployment many: 10 of 340 pods stay Pending; .*0\/3 nodes are available: 3 Too many pods\./,
  );
  assert.equal(pending[0]?.range.file, 'many.yaml');
});
