// prometheus-operator's Prometheus and Alertmanager resources: the StatefulSets and governing
// Services kubepath creates from them match what the operator (v0.93.1, release-0.93:
// pkg/prometheus/server/statefulset.go, pkg/prometheus/common.go BuildStatefulSetService,
// pkg/alertmanager/statefulset.go makeStatefulSet/makeStatefulSetSpec/makeStatefulSetService,
// makeSelectorLabels in pkg/prometheus/server/operator.go and pkg/alertmanager/operator.go)
// builds: names, ports, selectors, replicas, pod labels, and the pod template fields copied
// from the CR (imagePullPolicy on every container it builds, hostAliases, imagePullSecrets).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeWorkspace, operatorObjects } from '../../src/engine';
import { loadYamlFile } from '../../src/engine/load/yamlDocuments';
import type { Diagnostic, LoadedObject } from '../../src/engine/model';
import { expandOperators } from '../../src/engine/reconcile/operators';
import { operatorHover } from '../../src/extension/hoverText';
import { targetAt } from '../../src/extension/lookup';

const PROMETHEUS = 'test/fixtures/operators/prometheus.yaml';
const ALERTMANAGER = 'test/fixtures/operators/alertmanager.yaml';
const fixture = (path: string) => ({ path, text: readFileSync(path, 'utf8') });

type Raw = Record<string, unknown>;
const rec = (v: unknown): Raw => (v !== null && typeof v === 'object' ? (v as Raw) : {});
const list = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);

function expand(path: string): { objects: readonly LoadedObject[]; diagnostics: Diagnostic[] } {
  const { path: file, text } = fixture(path);
  const diagnostics: Diagnostic[] = [];
  const objects = expandOperators(loadYamlFile(file, text).objects, diagnostics);
  return { objects, diagnostics };
}

const find = (objects: readonly LoadedObject[], kind: string, name: string): LoadedObject => {
  const o = objects.find((x) => x.kind === kind && x.name === name);
  assert.ok(o, `${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.name}`).join(', ')}`);
  return o;
};

const podSpecOf = (sset: LoadedObject): Raw => rec(rec(rec(sset.raw['spec'])['template'])['spec']);

const PROMETHEUS_SELECTOR = {
  'app.kubernetes.io/managed-by': 'prometheus-operator',
  'app.kubernetes.io/name': 'prometheus',
  'app.kubernetes.io/instance': 'main',
  'operator.prometheus.io/name': 'main',
  prometheus: 'main',
  'operator.prometheus.io/shard': '0',
};

const ALERTMANAGER_SELECTOR = {
  'app.kubernetes.io/name': 'alertmanager',
  'app.kubernetes.io/managed-by': 'prometheus-operator',
  'app.kubernetes.io/instance': 'main',
  alertmanager: 'main',
};

void test('Prometheus: StatefulSet prometheus-<name> and Service prometheus-operated as the operator builds them', () => {
  const { objects, diagnostics } = expand(PROMETHEUS);
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`),
    [
      'Prometheus/monitoring/main',
      'StatefulSet/monitoring/prometheus-main',
      'Service/monitoring/prometheus-operated',
    ],
  );
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['operator-pods'],
  );
  const sset = find(objects, 'StatefulSet', 'prometheus-main');
  const spec = rec(sset.raw['spec']);
  // WithLabels(objMeta labels), the mode label, WithSelectorLabels.
  assert.deepEqual(rec(sset.raw['metadata'])['labels'], {
    team: 'sre',
    'operator.prometheus.io/mode': 'server',
    ...PROMETHEUS_SELECTOR,
  });
  assert.equal(spec['serviceName'], 'prometheus-operated');
  assert.equal(spec['replicas'], 2);
  assert.equal(spec['podManagementPolicy'], 'Parallel');
  assert.deepEqual(rec(spec['selector'])['matchLabels'], PROMETHEUS_SELECTOR);
  const template = rec(spec['template']);
  // BuildPodMetadata (version label, podMetadata labels), then the selector labels.
  assert.deepEqual(rec(template['metadata'])['labels'], {
    'app.kubernetes.io/version': '3.5.0',
    tier: 'metrics',
    ...PROMETHEUS_SELECTOR,
  });
  assert.deepEqual(rec(template['metadata'])['annotations'], {
    'kubectl.kubernetes.io/default-container': 'prometheus',
  });
  const pod = podSpecOf(sset);
  const containers = list(pod['containers']);
  assert.deepEqual(
    containers.map((c) => [c['name'], c['image'], c['imagePullPolicy'], c['ports']]),
    [
      [
        'prometheus',
        'quay.io/prometheus/prometheus:v3.5.0',
        'IfNotPresent',
        [{ name: 'web', containerPort: 9090, protocol: 'TCP' }],
      ],
      [
        'config-reloader',
        'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1',
        'IfNotPresent',
        [{ name: 'reloader-web', containerPort: 8080, protocol: 'TCP' }],
      ],
    ],
  );
  assert.deepEqual(containers[0]?.['resources'], { requests: { cpu: '200m', memory: '400Mi' } });
  assert.deepEqual(
    list(pod['initContainers']).map((c) => [c['name'], c['imagePullPolicy']]),
    [['init-config-reloader', 'IfNotPresent']],
  );
  assert.equal(pod['serviceAccountName'], 'prometheus');
  assert.deepEqual(pod['imagePullSecrets'], [{ name: 'regcred' }]);
  assert.deepEqual(pod['hostAliases'], [{ ip: '10.1.2.3', hostnames: ['remote-write.example.internal'] }]);

  const svc = find(objects, 'Service', 'prometheus-operated');
  assert.deepEqual(rec(svc.raw['metadata'])['labels'], { 'operated-prometheus': 'true' });
  assert.deepEqual(svc.raw['spec'], {
    clusterIP: 'None',
    ports: [{ name: 'web', port: 9090, targetPort: 'web' }],
    selector: { 'app.kubernetes.io/name': 'prometheus' },
  });
});

void test('Alertmanager: StatefulSet alertmanager-<name> and Service alertmanager-operated (web, mesh TCP and UDP)', () => {
  const { objects } = expand(ALERTMANAGER);
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`),
    [
      'Alertmanager/monitoring/main',
      'StatefulSet/monitoring/alertmanager-main',
      'Service/monitoring/alertmanager-operated',
    ],
  );
  const sset = find(objects, 'StatefulSet', 'alertmanager-main');
  const spec = rec(sset.raw['spec']);
  assert.deepEqual(rec(sset.raw['metadata'])['labels'], ALERTMANAGER_SELECTOR);
  assert.equal(spec['serviceName'], 'alertmanager-operated');
  assert.equal(spec['replicas'], 3);
  assert.deepEqual(rec(spec['selector'])['matchLabels'], ALERTMANAGER_SELECTOR);
  const template = rec(spec['template']);
  assert.deepEqual(rec(template['metadata'])['labels'], {
    'app.kubernetes.io/version': '0.33.1',
    ...ALERTMANAGER_SELECTOR,
  });
  const pod = podSpecOf(sset);
  const containers = list(pod['containers']);
  assert.deepEqual(
    containers.map((c) => [c['name'], c['imagePullPolicy'], c['ports']]),
    [
      [
        'alertmanager',
        'Always',
        [
          { name: 'http-web', containerPort: 9093, protocol: 'TCP' },
          { name: 'mesh-tcp', containerPort: 9094, protocol: 'TCP' },
          { name: 'mesh-udp', containerPort: 9094, protocol: 'UDP' },
        ],
      ],
      ['config-reloader', 'Always', [{ name: 'reloader-web', containerPort: 8080, protocol: 'TCP' }]],
    ],
  );
  // makeStatefulSet: a 200Mi memory request unless one is written.
  assert.deepEqual(containers[0]?.['resources'], { requests: { memory: '200Mi' } });
  assert.deepEqual(
    list(pod['initContainers']).map((c) => [c['name'], c['imagePullPolicy']]),
    [['init-config-reloader', 'Always']],
  );
  assert.deepEqual(pod['imagePullSecrets'], [{ name: 'regcred' }]);
  assert.deepEqual(pod['hostAliases'], [{ ip: '10.1.2.4', hostnames: ['smtp.example.internal', 'smtp'] }]);

  const svc = find(objects, 'Service', 'alertmanager-operated');
  assert.deepEqual(rec(svc.raw['metadata'])['labels'], { 'operated-alertmanager': 'true' });
  assert.deepEqual(svc.raw['spec'], {
    clusterIP: 'None',
    publishNotReadyAddresses: true,
    ports: [
      { name: 'http-web', port: 9093, targetPort: 'http-web', protocol: 'TCP' },
      { name: 'tcp-mesh', port: 9094, targetPort: 'mesh-tcp', protocol: 'TCP' },
      { name: 'udp-mesh', port: 9094, targetPort: 'mesh-udp', protocol: 'UDP' },
    ],
    selector: { 'app.kubernetes.io/name': 'alertmanager' },
  });
});

void test('without imagePullPolicy, hostAliases or imagePullSecrets the pod template carries none (the API server defaults the policy)', () => {
  const text = readFileSync(ALERTMANAGER, 'utf8').replace(
    / {2}imagePullPolicy: Always\n[\s\S]*$/,
    '  imagePullSecrets: []\n',
  );
  const diagnostics: Diagnostic[] = [];
  const objects = expandOperators(loadYamlFile('am.yaml', text).objects, diagnostics);
  const pod = podSpecOf(find(objects, 'StatefulSet', 'alertmanager-main'));
  assert.equal(pod['imagePullSecrets'], undefined, 'an empty list is not set');
  assert.equal(pod['hostAliases'], undefined);
  for (const c of [...list(pod['containers']), ...list(pod['initContainers'])])
    assert.equal(c['imagePullPolicy'], undefined, String(c['name']));
});

void test('the generated pods run and are the governing Services’ endpoints; their fields point at the CR lines', () => {
  const a = analyzeWorkspace({ files: [fixture(PROMETHEUS), fixture(ALERTMANAGER)] });
  assert.deepEqual(
    a.pods.map((p) => p.metadata.name),
    [
      'alertmanager-main-0',
      'alertmanager-main-1',
      'alertmanager-main-2',
      'prometheus-main-0',
      'prometheus-main-1',
    ],
  );
  assert.ok(a.pods.every((p) => p.nodeName !== ''));
  for (const [name, count, hostname] of [
    ['alertmanager-operated', 3, 'alertmanager-main-0'],
    ['prometheus-operated', 2, 'prometheus-main-0'],
  ] as const) {
    const svc = a.services.find((s) => s.service.metadata.name === name);
    assert.ok(svc, name);
    const endpoints = a.endpointSlices.filter((s) => s.serviceName === name).flatMap((s) => s.endpoints);
    assert.equal(endpoints.length, count, name);
    assert.ok(
      endpoints.some((e) => e.hostname === hostname),
      name,
    );
  }
  const pod = a.pods.find((p) => p.metadata.name === 'prometheus-main-0');
  assert.deepEqual(pod?.metadata.labels, {
    'app.kubernetes.io/version': '3.5.0',
    tier: 'metrics',
    ...PROMETHEUS_SELECTOR,
    'controller-revision-hash': pod?.metadata.labels['controller-revision-hash'],
    'statefulset.kubernetes.io/pod-name': 'prometheus-main-0',
    'apps.kubernetes.io/pod-index': '0',
  });
  assert.equal(pod?.hostname, 'prometheus-main-0');
  assert.equal(pod?.subdomain, 'prometheus-operated');
  const sset = find(expand(PROMETHEUS).objects, 'StatefulSet', 'prometheus-main');
  assert.equal(sset.file, PROMETHEUS);
  const at = (path: string) => sset.ranges.get(path)?.line;
  assert.equal(at('spec.replicas'), 11);
  assert.equal(at('spec.template.spec.containers[0].imagePullPolicy'), 17);
  assert.equal(at('spec.template.spec.initContainers[0].imagePullPolicy'), 17);
  assert.equal(at('spec.template.spec.imagePullSecrets[0].name'), 19);
  assert.equal(at('spec.template.spec.hostAliases[0].ip'), 21);
});

void test('findings on a generated Service land on the CR’s lines, say which Service it is, and offer no quick fix', () => {
  // listenLocal: the operator still publishes the web port, which now names no container port.
  const cr = `apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata:
  name: main
  namespace: monitoring
spec:
  listenLocal: true
  portName: Web_UI
`;
  const a = analyzeWorkspace({ files: [{ path: 'am.yaml', text: cr }] });
  const onService = a.diagnostics.filter((d) => d.code.startsWith('service-'));
  assert.deepEqual(
    onService.map((d) => [d.code, d.range.file, d.range.line]),
    [
      ['service-invalid', 'am.yaml', 8],
      ['service-invalid', 'am.yaml', 8],
      ['service-named-port-not-found', 'am.yaml', 8],
    ],
  );
  for (const d of onService) {
    assert.match(
      d.message,
      /^Service alertmanager-operated \(created by prometheus-operator v0\.93\.1 for Alertmanager main\): /,
    );
    assert.equal(d.fixes, undefined, `${d.code} offers no fix: ${JSON.stringify(d.fixes)}`);
  }
  assert.match(
    onService[0]?.message ?? '',
    /: The Service "alertmanager-operated" is invalid: spec\.ports\[0\]\.name: /,
  );
  assert.match(onService[2]?.message ?? '', /targetPort "Web_UI" names no TCP container port/);
  // The same findings on a Service the user wrote keep their fixes.
  const own = `apiVersion: v1
kind: Service
metadata: {name: am, namespace: monitoring}
spec:
  selector: {app.kubernetes.io/name: alertmanager}
  ports: [{name: Web_UI, port: 9093, targetPort: Web_UI}]
`;
  const b = analyzeWorkspace({
    files: [
      { path: 'am.yaml', text: cr },
      { path: 'svc.yaml', text: own },
    ],
  });
  const mine = b.diagnostics.filter((d) => d.range.file === 'svc.yaml');
  assert.deepEqual(
    mine.map((d) => [d.code, (d.fixes ?? []).length > 0]),
    [
      ['service-invalid', true],
      ['service-invalid', false],
      ['service-named-port-not-found', true],
    ],
  );
});

void test('hover on a Prometheus or Alertmanager resource shows the StatefulSet, pods and Service the operator creates', () => {
  const a = analyzeWorkspace({ files: [fixture(PROMETHEUS), fixture(ALERTMANAGER)] });
  // `name: main` (line 6) of the Prometheus resource.
  const target = targetAt(a, PROMETHEUS, { line: 6, column: 10 });
  assert.equal(target?.kind, 'operator');
  assert.equal(
    targetAt(a, PROMETHEUS, { line: 13, column: 24 }),
    undefined,
    'serviceAccountName: nothing to say',
  );
  const created = operatorObjects(a, target.object);
  assert.ok(created);
  const pods = a.pods.filter((p) => p.metadata.name.startsWith('prometheus-main-'));
  assert.equal(
    operatorHover(target.object, created),
    [
      '**Prometheus monitoring/main**',
      '',
      'prometheus-operator v0.93.1 creates:',
      '',
      'StatefulSet `prometheus-main`: 2 replicas:',
      ...pods.map((p) => `- \`${p.metadata.name}\` \`${p.podIP}\` on ${p.nodeName}`),
      '',
      'Service `prometheus-operated` (headless): DNS `prometheus-operated.monitoring.svc.cluster.local`  ',
      'ports 9090/TCP → `web`; 2 endpoints (2 ready)',
    ].join('\n'),
  );
  const am = targetAt(a, ALERTMANAGER, { line: 4, column: 3 });
  assert.equal(am?.kind, 'operator');
  const text = operatorHover(am.object, operatorObjects(a, am.object)!);
  assert.match(
    text,
    /StatefulSet `alertmanager-main`: 3 replicas:\n(- `alertmanager-main-\d` `10\.244\.\d+\.\d+` on node-\d\n){3}/,
  );
  assert.match(
    text,
    /ports 9093\/TCP → `http-web`, 9094\/TCP → `mesh-tcp`, 9094\/UDP → `mesh-udp`; 3 endpoints \(3 ready\)$/,
  );
  // A paused resource: the operator creates nothing.
  const paused = analyzeWorkspace({
    files: [
      {
        path: 'p.yaml',
        text: readFileSync(PROMETHEUS, 'utf8').replace('spec:\n', 'spec:\n  paused: true\n'),
      },
    ],
  });
  const p = targetAt(paused, 'p.yaml', { line: 6, column: 10 });
  assert.equal(
    operatorHover(p!.object, operatorObjects(paused, p!.object)!),
    '**Prometheus monitoring/main**\n\nprometheus-operator v0.93.1 creates nothing for it: paused: the operator does not reconcile it',
  );
});
