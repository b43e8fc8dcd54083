import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadYamlFile } from '../../src/engine/load';
import { defaultClusterProfile } from '../../src/engine/load/profile';
import type { Diagnostic } from '../../src/engine/model';
import { planWorkloads } from '../../src/engine/reconcile/workloads';
import { schedule } from '../../src/engine/reconcile/scheduler';
import { assignPodIPs } from '../../src/engine/reconcile/podIPAM';
import { findPort, reconcileEndpointSlices } from '../../src/engine/reconcile/endpointSlices';
import { provisionLoadBalancers } from '../../src/engine/reconcile/cloudLoadBalancer';
import { dnsRecords } from '../../src/engine/reconcile/dns';
import { ipInCIDR } from '../../src/engine/net/ip';
import { makePod, makeService, port } from './helpers';

const deployment = (name: string, replicas: number, extra = ''): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n${extra}      containers:\n      - name: c\n        ports:\n        - containerPort: 80\n`;

function pods(text: string, diagnostics: Diagnostic[] = []) {
  const profile = defaultClusterProfile();
  const planned = planWorkloads(loadYamlFile('w.yaml', text).objects, profile.nodes, diagnostics);
  const placements = schedule(planned, profile.nodes, diagnostics);
  const ips = assignPodIPs(placements, profile.nodes);
  return placements.map((p) => ({
    name: p.pod.name,
    labels: p.pod.labels,
    node: p.nodeName,
    ip: ips.get(p) ?? '',
  }));
}

void test('Deployment pods: <deployment>-<pod-template-hash>-<5 chars>, hash label, spread over nodes, IPs in node pod CIDRs', () => {
  const result = pods(deployment('nginx', 3));
  assert.equal(result.length, 3);
  const hash = result[0]?.labels['pod-template-hash'] ?? '';
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
  for (const p of result) {
    assert.match(p.name, new RegExp(`^nginx-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    const node = defaultClusterProfile().nodes.find((n) => n.name === p.node);
    assert.ok(node && ipInCIDR(p.ip, node.podCIDR), `${p.ip} in ${node?.podCIDR}`);
  }
  assert.deepEqual([...new Set(result.map((p) => p.node))].sort(), ['node-1', 'node-2', 'node-3']);
  assert.equal(new Set(result.map((p) => p.ip)).size, 3);
});

void test('predictions are stable: adding an unrelated workload moves nothing', () => {
  const alone = pods(deployment('nginx', 3));
  const withOther = pods(deployment('nginx', 3) + '---\n' + deployment('other', 5));
  assert.deepEqual(
    withOther.filter((p) => p.name.startsWith('nginx-')),
    alone,
  );
});

void test('a template change changes the pod-template-hash (a rollout makes new pods)', () => {
  const a = pods(deployment('nginx', 1));
  const b = pods(deployment('nginx', 1, '      terminationGracePeriodSeconds: 5\n'));
  assert.notEqual(a[0]?.labels['pod-template-hash'], b[0]?.labels['pod-template-hash']);
});

void test('StatefulSet pods get ordinal names and the run-time labels', () => {
  const text =
    'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 2\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: c}]}\n';
  const result = pods(text);
  assert.deepEqual(
    result.map((p) => [
      p.name,
      p.labels['statefulset.kubernetes.io/pod-name'],
      p.labels['apps.kubernetes.io/pod-index'],
    ]),
    [
      ['db-0', 'db-0', '0'],
      ['db-1', 'db-1', '1'],
    ],
  );
  assert.match(result[0]?.labels['controller-revision-hash'] ?? '', /^db-/);
});

void test('DaemonSet: one pod per node that matches nodeSelector', () => {
  const text =
    'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      nodeSelector: {kubernetes.io/hostname: node-2}\n      containers: [{name: c}]\n';
  assert.deepEqual(
    pods(text).map((p) => p.node),
    ['node-2'],
  );
});

void test('a Deployment without spec.selector is reported and still yields its pods', () => {
  const diagnostics: Diagnostic[] = [];
  const text = deployment('web', 2).replace('  selector:\n    matchLabels: {app: web}\n', '');
  assert.equal(pods(text, diagnostics).length, 2);
  // As ValidateDeploymentSpec answers: Required, and a nil selector (labels.Nothing()) matches
  // no template labels.
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.severity]),
    [
      ['workload-invalid', 'error'],
      ['workload-invalid', 'error'],
    ],
  );
  assert.match(diagnostics[0]?.message ?? '', /spec\.selector: Required value/);
  assert.match(
    diagnostics[1]?.message ?? '',
    /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/,
  );
});

void test('huge replica counts are capped with an info diagnostic', () => {
  const diagnostics: Diagnostic[] = [];
  assert.equal(pods(deployment('big', 100000000), diagnostics).length, 1000);
  assert.equal(diagnostics[0]?.code, 'workload-replicas-capped');
});

void test('findPort: numbers pass through, names resolve per pod and protocol (podutil.FindPort)', () => {
  const pod = makePod('p', {}, [
    { name: 'http', containerPort: 8080 },
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
  ]);
  const cases: [number | string, 'TCP' | 'UDP', number | null][] = [
    [80, 'TCP', 80],
    ['http', 'TCP', 8080],
    ['http', 'UDP', null],
    ['dns', 'UDP', 53],
    ['dns', 'TCP', null],
    ['nope', 'TCP', null],
  ];
  for (const [targetPort, protocol, expected] of cases) {
    assert.equal(findPort(pod, port({ targetPort, protocol })), expected, `${targetPort}/${protocol}`);
  }
});

void test('EndpointSlice controller: same namespace only, named ports per pod version, slices grouped by ports', () => {
  const svc = makeService({
    name: 'api',
    selector: { app: 'api' },
    ports: [port({ name: 'http', port: 80, targetPort: 'http' })],
  });
  const all = [
    makePod('v1-a', { app: 'api' }, [{ name: 'http', containerPort: 8080 }], { podIP: '10.244.1.2' }),
    makePod('v2-a', { app: 'api' }, [{ name: 'http', containerPort: 9090 }], {
      podIP: '10.244.2.2',
      nodeName: 'node-2',
    }),
    makePod('other-ns', { app: 'api' }, [{ name: 'http', containerPort: 8080 }], {
      podIP: '10.244.3.2',
      metadata: { namespace: 'elsewhere', name: 'other-ns', labels: { app: 'api' }, annotations: {} },
    }),
    makePod('no-ip', { app: 'api' }, [{ name: 'http', containerPort: 8080 }], {
      podIP: '',
      phase: 'Pending',
      ready: false,
    }),
  ];
  const slices = reconcileEndpointSlices(svc, all, defaultClusterProfile().nodes);
  assert.deepEqual(
    slices.map((s) => [
      s.ports.map((p) => p.port),
      s.endpoints.map((e) => [e.addresses[0], e.nodeName, e.conditions.ready]),
    ]),
    [
      [[8080], [['10.244.1.2', 'node-1', true]]],
      [[9090], [['10.244.2.2', 'node-2', true]]],
    ],
  );
  assert.equal(slices[0]?.metadata.labels['kubernetes.io/service-name'], 'api');
  assert.equal(slices[0]?.managedBy, 'endpointslice-controller.k8s.io');
});

void test('EndpointSlice controller: at most 100 endpoints per slice; publishNotReadyAddresses marks unready pods ready', () => {
  const many = Array.from({ length: 250 }, (_, i) =>
    makePod(`p${String(i).padStart(3, '0')}`, { app: 'svc' }, [{ containerPort: 80 }], {
      podIP: `10.244.1.${i}`,
      ready: i % 2 === 0,
    }),
  );
  const slices = reconcileEndpointSlices(makeService(), many, []);
  assert.deepEqual(
    slices.map((s) => s.endpoints.length),
    [100, 100, 50],
  );
  assert.equal(slices.flatMap((s) => s.endpoints).filter((e) => e.conditions.ready).length, 125);
  const published = reconcileEndpointSlices(makeService({ publishNotReadyAddresses: true }), many, []);
  assert.equal(published.flatMap((s) => s.endpoints).filter((e) => e.conditions.ready).length, 250);
});

void test('cloud load balancer: pool addresses are distinct and stable; none = pending; aws = hostname; excluded nodes left out', () => {
  const profile = defaultClusterProfile();
  profile.nodes[2]!.labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  const a = makeService({ name: 'a', type: 'LoadBalancer' });
  const b = makeService({ name: 'b', type: 'LoadBalancer' });
  const r = provisionLoadBalancers([a, b, makeService({ name: 'c' })], profile);
  const ipA = r.get(a)?.ingress[0]?.ip ?? '';
  const ipB = r.get(b)?.ingress[0]?.ip ?? '';
  assert.ok(ipInCIDR(ipA, '203.0.113.0/24') && ipInCIDR(ipB, '203.0.113.0/24'));
  assert.notEqual(ipA, ipB);
  assert.deepEqual(r.get(a)?.nodes, ['node-1', 'node-2']);
  assert.equal(r.size, 2);
  assert.equal(provisionLoadBalancers([a], profile).get(a)?.ingress[0]?.ip, ipA);
  profile.cloud.provider = 'none';
  assert.equal(
    provisionLoadBalancers([a], profile).get(a)?.pendingReason,
    'load balancer pending: no cloud controller',
  );
  profile.cloud.provider = 'aws';
  assert.match(
    provisionLoadBalancers([a], profile).get(a)?.ingress[0]?.hostname ?? '',
    /^a[0-9a-f]{32}-\d{10}\.us-east-1\.elb\.amazonaws\.com$/,
  );
});

void test('DNS: A for ClusterIP, pod IPs for headless, CNAME for ExternalName, SRV for named ports', () => {
  const svc = makeService({ name: 'web', ports: [port({ name: 'http' })] });
  assert.deepEqual(
    dnsRecords(svc, [], 'cluster.local').map((r) => [r.type, r.name, r.values]),
    [
      ['A', 'web.default.svc.cluster.local', ['10.96.0.50']],
      ['SRV', '_http._tcp.web.default.svc.cluster.local', ['0 100 80 web.default.svc.cluster.local']],
    ],
  );
  const ext = makeService({
    name: 'db',
    type: 'ExternalName',
    clusterIP: '',
    externalName: 'db.example.com',
    ports: [],
  });
  assert.deepEqual(
    dnsRecords(ext, [], 'cluster.local').map((r) => [r.type, r.values]),
    [['CNAME', ['db.example.com']]],
  );
  const headless = makeService({ name: 'db', clusterIP: 'None', ports: [] });
  const slices = reconcileEndpointSlices(
    headless,
    [makePod('db-0', { app: 'db' }, [], { podIP: '10.244.1.7' })],
    [],
  );
  assert.deepEqual(dnsRecords(headless, slices, 'cluster.local')[0]?.values, ['10.244.1.7']);
});
