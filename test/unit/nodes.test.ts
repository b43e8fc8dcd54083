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

void test('taints, allocatable and unschedulable say they are not modelled instead of being ignored silently', () => {
  const profile = {
    path: 'kubepath.cluster.yaml',
    text: `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
nodes:
  - name: a
    ip: 10.0.0.1
    taints: [{ key: dedicated, value: db, effect: NoSchedule }]
    unschedulable: true
`,
  };
  const a = analyzeWorkspace({ files: [], profile });
  const notes = a.diagnostics.filter((d) => d.code === 'profile-not-modelled');
  assert.deepEqual(
    notes.map((d) => [d.severity, d.range.line, d.message.split(':')[0]]),
    [
      ['info', 6, 'nodes[0].taints is not modelled yet'],
      ['info', 7, 'nodes[0].unschedulable is not modelled yet'],
    ],
  );
});
