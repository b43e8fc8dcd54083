import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeWorkspace } from '../../src/engine';
import type { Diagnostic } from '../../src/engine/model';

const deploy = (name: string, ns: string, labels: string, ports: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: 2
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      containers:
      - name: c
        ports: ${ports}
`;

const service = (ns: string, selector: string, ports: string): string => `apiVersion: v1
kind: Service
metadata: {name: svc, namespace: ${ns}}
spec:
  selector: ${selector}
  ports: ${ports}
`;

function diagnose(...texts: string[]): Diagnostic[] {
  return analyzeWorkspace({ files: texts.map((text, i) => ({ path: `f${i}.yaml`, text })) }).diagnostics;
}

function apply(text: string, d: Diagnostic): string {
  const edit = d.fixes?.[0]?.edits[0];
  assert.ok(edit, 'a quick fix');
  const lines = text.split('\n');
  const line = lines[edit.range.line - 1] ?? '';
  lines[edit.range.line - 1] =
    line.slice(0, edit.range.column - 1) + edit.newText + line.slice(edit.range.endColumn - 1);
  return lines.join('\n');
}

void test('selector value typo: warning on the value, "did you mean", a fix that makes it match', () => {
  const d = deploy('web', 'shop', '{app: web}', '[{containerPort: 80}]');
  const s = service('shop', '{app: wbe}', '[{port: 80}]');
  const [finding, ...rest] = diagnose(d, s);
  assert.equal(rest.length, 0);
  assert.equal(finding?.code, 'service-selector-no-match');
  assert.equal(finding?.severity, 'warning');
  assert.equal(
    finding?.message,
    'selector app=wbe matches no pods in namespace shop; did you mean app=web (Deployment web, f0.yaml:8)?',
  );
  assert.deepEqual(finding?.range, { file: 'f1.yaml', line: 5, column: 19, endLine: 5, endColumn: 22 });
  assert.equal(finding?.related?.[0]?.range.file, 'f0.yaml');
  const fixed = apply(s, finding);
  assert.match(fixed, /selector: \{app: web\}/);
  assert.deepEqual(diagnose(d, fixed), []);
});

void test('selector key typo gets a key fix; pods in another namespace get their own code', () => {
  const d = deploy('web', 'shop', '{app: web}', '[{containerPort: 80}]');
  const [keyTypo] = diagnose(d, service('shop', '{ap: web}', '[{port: 80}]'));
  assert.equal(keyTypo?.code, 'service-selector-no-match');
  assert.equal(keyTypo?.fixes?.[0]?.edits[0]?.newText, 'app');
  const [other] = diagnose(d, service('default', '{app: web}', '[{port: 80}]'));
  assert.equal(other?.code, 'service-selector-other-namespace');
  assert.match(other?.message ?? '', /matches Deployment web in namespace shop/);
});

void test('no workload at all in the namespace: a softer warning (the pods may come from elsewhere)', () => {
  const [d] = diagnose(service('shop', '{app: web}', '[{port: 80}]'));
  assert.equal(d?.code, 'service-selector-no-match');
  assert.equal(d?.severity, 'warning');
  assert.match(d?.message ?? '', /pods may come from elsewhere/);
});

void test('numeric targetPort no container declares: warning with fixes to the declared ports', () => {
  const d = deploy('web', 'shop', '{app: web}', '[{name: http, containerPort: 8080}]');
  const s = service('shop', '{app: web}', '[{port: 80, targetPort: 8000}]');
  const [finding] = diagnose(d, s);
  assert.equal(finding?.code, 'service-target-port-not-found');
  assert.equal(finding?.severity, 'warning');
  assert.match(apply(s, finding), /targetPort: 8080/);
  assert.deepEqual(diagnose(d, apply(s, finding)), []);
});

void test('named targetPort no selected pod has: error (port has no endpoints) with a fix to the nearest name', () => {
  const d = deploy('web', 'shop', '{app: web}', '[{name: http, containerPort: 8080}]');
  const s = service('shop', '{app: web}', '[{port: 80, targetPort: htpp}]');
  const [finding] = diagnose(d, s);
  assert.equal(finding?.code, 'service-named-port-not-found');
  assert.equal(finding?.severity, 'error');
  assert.equal(finding?.fixes?.[0]?.title, 'Set targetPort to "http"');
  assert.deepEqual(diagnose(d, apply(s, finding)), []);
});

void test('the same object twice: the later definition wins, the earlier one is flagged', () => {
  const s = service('shop', '{app: web}', '[{port: 80}]');
  const d = deploy('web', 'shop', '{app: web}', '[{containerPort: 80}]');
  const found = diagnose(d, s, s).filter((x) => x.code === 'object-duplicate');
  assert.equal(found.length, 1);
  assert.equal(found[0]?.range.file, 'f1.yaml');
});

void test('a Deployment whose selector does not match its template is an API error; its pods still count', () => {
  const d = deploy('web', 'shop', '{app: web}', '[{containerPort: 80}]').replace(
    'selector: {matchLabels: {app: web}}',
    'selector: {matchLabels: {app: other}}',
  );
  const found = diagnose(d, service('shop', '{app: web}', '[{port: 80}]'));
  assert.deepEqual(
    found.map((x) => [x.code, x.severity]),
    [['workload-invalid', 'error']],
  );
  assert.match(found[0]?.message ?? '', /`selector` does not match template `labels`/);
});

void test('numeric targetPort on pods that declare no ports at all: an info on the targetPort line (issue 14 item 7)', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: api }] }
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec:
  selector: { app: api }
  ports:
    - port: 80
      targetPort: 8080
`;
  const a = analyzeWorkspace({ files: [{ path: 'api.yaml', text }] });
  assert.deepEqual(
    a.diagnostics.map((d) => [d.code, d.severity, d.range.line, d.range.column]),
    [['service-target-port-not-found', 'info', 17, 19]],
  );
  assert.match(a.diagnostics[0]?.message ?? '', /declare no container ports: traffic goes to port 8080/);
  assert.equal(a.diagnostics[0]?.related?.[0]?.range.line, 7, 'the pod template');
  // Declared ports keep the warning; endpoints are there either way.
  const declared = analyzeWorkspace({
    files: [
      {
        path: 'api.yaml',
        text: text.replace('image: api }', 'image: api, ports: [{ containerPort: 9000 }] }'),
      },
    ],
  });
  assert.deepEqual(
    declared.diagnostics.map((d) => [d.code, d.severity]),
    [['service-target-port-not-found', 'warning']],
  );
  assert.equal(a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length, 1);
});

void test('a kube-system Service selecting the cluster’s own pods gets an info, not a warning', () => {
  // kube-prometheus-stack's exporters select CoreDNS, kube-proxy and the control plane's static pods.
  for (const [selector, what] of [
    ['{k8s-app: kube-dns}', 'CoreDNS'],
    ['{k8s-app: kube-proxy}', 'kube-proxy'],
    ['{component: etcd}', 'etcd'],
    ['{component: kube-scheduler}', 'kube-scheduler'],
  ] as const) {
    const [d, ...rest] = diagnose(service('kube-system', selector, '[{port: 9153}]'));
    assert.equal(rest.length, 0);
    assert.equal(d?.code, 'service-selects-cluster-component', selector);
    assert.equal(d?.severity, 'info');
    assert.match(d?.message ?? '', new RegExp(what));
  }
  // The same selector elsewhere, or another selector in kube-system, keeps the warning.
  assert.equal(diagnose(service('shop', '{k8s-app: kube-dns}', '[{port: 53}]'))[0]?.severity, 'warning');
  assert.equal(diagnose(service('kube-system', '{app: web}', '[{port: 80}]'))[0]?.severity, 'warning');
});
