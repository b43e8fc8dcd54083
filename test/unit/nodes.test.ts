// Nodes as kubelets register them (issue 14 item 1): the labels every node carries, the
// topology labels a profile's zone and region give, and the node fields not modelled yet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace } from '../../src/engine';

const KUBELET = {
  'kubernetes.io/os': 'linux',
  'kubernetes.io/arch': 'amd64',
  'beta.kubernetes.io/os': 'linux',
  'beta.kubernetes.io/arch': 'amd64',
};

const front = (nodeSelector: string) => ({
  path: 'front.yaml',
  text: `apiVersion: apps/v1
kind: Deployment
metadata: { name: front-end }
spec:
  replicas: 3
  selector: { matchLabels: { name: front-end } }
  template:
    metadata: { labels: { name: front-end } }
    spec:
      nodeSelector: ${nodeSelector}
      containers: [{ name: front-end, ports: [{ containerPort: 8079 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: front-end }
spec:
  type: NodePort
  selector: { name: front-end }
  ports: [{ port: 80, targetPort: 8079, nodePort: 30001 }]
`,
});

void test('the built-in nodes carry the kubelet labels, legacy beta.* included', () => {
  const a = analyzeWorkspace({ files: [] });
  for (const node of a.profile.nodes) {
    assert.deepEqual(node.labels, { 'kubernetes.io/hostname': node.name, ...KUBELET });
  }
});

void test("a nodeSelector on a kubelet label (Sock Shop's beta.kubernetes.io/os: linux) schedules every pod", () => {
  for (const selector of ['{ beta.kubernetes.io/os: linux }', '{ kubernetes.io/arch: amd64 }']) {
    const a = analyzeWorkspace({ files: [front(selector)] });
    assert.equal(a.pods.filter((p) => p.nodeName !== '').length, 3, selector);
    assert.equal(a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length, 3, selector);
    assert.deepEqual(
      a.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code}: ${d.message}`),
      [],
      selector,
    );
  }
});

void test('profile nodes: kubelet labels unless overridden, zone and region as topology labels', () => {
  const profile = {
    path: 'kubepath.cluster.yaml',
    text: `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
nodes:
  - { name: a, ip: 10.0.0.1, zone: us-east-1a, region: us-east-1 }
  - { name: b, ip: 10.0.0.2, labels: { kubernetes.io/arch: arm64 } }
  - { name: c, ip: 10.0.0.3, zone: "not a value!" }
`,
  };
  const a = analyzeWorkspace({ files: [front('{ topology.kubernetes.io/zone: us-east-1a }')], profile });
  const [na, nb] = a.profile.nodes;
  assert.deepEqual(na?.labels, {
    'kubernetes.io/hostname': 'a',
    ...KUBELET,
    'topology.kubernetes.io/zone': 'us-east-1a',
    'failure-domain.beta.kubernetes.io/zone': 'us-east-1a',
    'topology.kubernetes.io/region': 'us-east-1',
    'failure-domain.beta.kubernetes.io/region': 'us-east-1',
  });
  assert.equal(nb?.labels['kubernetes.io/arch'], 'arm64');
  assert.equal(nb?.labels['beta.kubernetes.io/arch'], 'amd64');
  assert.deepEqual(
    [...new Set(a.pods.map((p) => p.nodeName))],
    ['a'],
    'a zone selector lands on the node of that zone',
  );
  const bad = a.diagnostics.find((d) => d.code === 'profile-invalid');
  assert.match(bad?.message ?? '', /^zone must be a label value/);
  assert.equal(bad?.range.line, 6);
});

const deploy = (name: string, replicas: number, spec: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n${spec}      containers:\n        - name: c\n          image: nginx\n`;

void test("taints, allocatable and unschedulable are the scheduler's: pods avoid tainted and cordoned nodes, requests fill allocatable", () => {
  const profile = {
    path: 'kubepath.cluster.yaml',
    text: `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
nodes:
  - name: a
    ip: 10.0.0.1
    taints: [{ key: dedicated, value: db, effect: NoSchedule }]
  - name: b
    ip: 10.0.0.2
    unschedulable: true
  - name: c
    ip: 10.0.0.3
    allocatable: { cpu: '1', memory: 1Gi }
`,
  };
  const web = deploy('web', 3, '').replace(
    'image: nginx\n',
    'image: nginx\n          resources: {requests: {cpu: 400m}}\n',
  );
  const a = analyzeWorkspace({ files: [{ path: 'web.yaml', text: web }], profile });
  assert.deepEqual(
    a.diagnostics.filter((d) => d.code === 'profile-not-modelled'),
    [],
  );
  assert.deepEqual(
    a.pods.map((p) => p.nodeName),
    ['c', 'c', ''],
    'two 400m pods fit c; a is tainted, b cordoned',
  );
  const pending = a.diagnostics.filter((d) => d.code === 'pod-unschedulable');
  assert.equal(pending.length, 1);
  assert.match(
    pending[0]?.message ?? '',
    /^Deployment web: 1 of 3 pods stay Pending; the scheduler's event for web-\S+: 0\/3 nodes are available: 1 Insufficient cpu, 1 node\(s\) had untolerated taint \{dedicated: db\}, 1 node\(s\) were unschedulable\. preemption: 0\/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling\.$/,
  );
  const tolerating = deploy(
    'db',
    1,
    '      tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]\n',
  );
  const b = analyzeWorkspace({ files: [{ path: 'db.yaml', text: tolerating }], profile });
  assert.equal(b.pods[0]?.nodeName !== 'b', true, 'a toleration of the taint does not cover the cordon');
});

void test('required pod anti-affinity on the hostname with more replicas than nodes: the extra replica stays Pending', () => {
  const spec =
    '      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector: {matchLabels: {app: db}}\n              topologyKey: kubernetes.io/hostname\n';
  const a = analyzeWorkspace({ files: [{ path: 'db.yaml', text: deploy('db', 4, spec) }] });
  const nodes = a.pods.map((p) => p.nodeName);
  assert.deepEqual([...nodes].filter((n) => n !== '').sort(), ['node-1', 'node-2', 'node-3']);
  assert.equal(a.pods.filter((p) => p.phase === 'Pending').length, 1);
  const warning = a.diagnostics.find((d) => d.code === 'pod-unschedulable');
  assert.match(
    warning?.message ?? '',
    /: 0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\. preemption: 0\/3 nodes are available: 3 No preemption victims found for incoming pod\.$/,
  );
});
