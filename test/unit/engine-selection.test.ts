// The engine's selection queries: which pods and workloads a Service selects, where each
// of its ports lands (the EndpointSlice controller's findPort), and the reverse question.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace, podLabelsOf, selection, servicesSelecting } from '../../src/engine';

const files = [
  {
    path: 'app.yaml',
    text: `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers:
        - name: proxy
          restartPolicy: Always
          ports: [{ name: http, containerPort: 9000 }]
      containers:
        - name: web
          ports:
            - { name: http, containerPort: 8080 }
            - { name: dns, containerPort: 53, protocol: UDP }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: idle }
spec:
  replicas: 0
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web, tier: idle } }
    spec: { containers: [{ name: c }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: report }
spec:
  schedule: '@daily'
  jobTemplate:
    spec:
      template:
        metadata: { labels: { app: web } }
        spec: { containers: [{ name: c }], restartPolicy: Never }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: other }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: c, ports: [{ name: http, containerPort: 7000 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports:
    - { name: named, port: 80, targetPort: http }
    - { name: number, port: 81, targetPort: 8080 }
    - { name: undeclared, port: 82, targetPort: 1234 }
    - { name: missing, port: 83, targetPort: nope }
    - { name: udp, port: 53, targetPort: dns, protocol: UDP }
`,
  },
];

const analysis = analyzeWorkspace({ files });
const web = analysis.services.find((s) => s.service.metadata.name === 'web')!;
const object = (kind: string, name: string, namespace = 'default') =>
  analysis.objects.find((o) => o.kind === kind && o.name === name && o.namespace === namespace)!;

void test("a Service selects its namespace's pods, and the workloads that make them or would", () => {
  const s = selection(analysis, web);
  assert.equal(s.pods.length, 2);
  assert.ok(s.pods.every((p) => p.metadata.namespace === 'default' && p.metadata.labels['app'] === 'web'));
  // replicas: 0 and the CronJob have no predicted pods: their template labels match.
  assert.deepEqual(
    s.workloads.map((o) => `${o.kind}/${o.namespace}/${o.name}`),
    ['Deployment/default/web', 'Deployment/default/idle', 'CronJob/default/report'],
  );
  assert.deepEqual(podLabelsOf(analysis, object('CronJob', 'report')), { app: 'web' });
  assert.deepEqual(
    servicesSelecting(analysis, object('Deployment', 'web', 'other')).map((x) => x.service.metadata.name),
    [],
    'a Service selects only in its own namespace',
  );
  assert.deepEqual(
    servicesSelecting(analysis, object('Deployment', 'idle')).map((x) => x.service.metadata.name),
    ['web'],
  );
});

void test('each port lands where findPort says: named ports regular containers first, numbers as written', () => {
  const ports = selection(analysis, web).ports;
  const landing = (i: number) => {
    const t = ports[i]?.[0];
    return [t?.port, t?.containerPorts.map((cp) => `${cp.name}:${cp.containerPort}/${cp.protocol}`)];
  };
  // `http` is declared by the sidecar (9000) and the app container (8080): findPort takes the app container's.
  assert.deepEqual(landing(0), [8080, ['http:8080/TCP']]);
  assert.deepEqual(landing(1), [8080, ['http:8080/TCP']]);
  assert.deepEqual(
    landing(2),
    [1234, []],
    'a number no container declares still lands (the connection may be refused)',
  );
  assert.deepEqual(landing(3), [null, []], 'an undeclared name does not resolve');
  assert.deepEqual(landing(4), [53, ['dns:53/UDP']]);
  assert.equal(ports[0]?.length, 2, 'one landing per selected pod');
});

void test('answers are memoised per analysis: the same object twice', () => {
  assert.equal(selection(analysis, web), selection(analysis, web));
  const again = analyzeWorkspace({ files });
  assert.notEqual(selection(again, again.services[0]!), selection(analysis, web));
  assert.deepEqual(
    JSON.stringify(selection(again, again.services[0]!)),
    JSON.stringify(selection(analysis, web)),
  );
});
