// Workload validation beyond the Deployment conformance cases: the other kinds, v1 defaulting
// before validation, decoding, and valid manifests that must stay free of errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadYamlFile } from '../../src/engine/load';
import { reconcile } from '../../src/engine/reconcile';
import { testProfile } from './apiserverTestProfile';

function errors(text: string): string[] {
  const { objects } = loadYamlFile('w.yaml', text);
  return reconcile(objects, testProfile())
    .state.diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.message);
}

const deployment = (
  spec: string,
  podSpec = 'containers: [{name: c, image: i, ports: [{containerPort: 80}]}]',
): string =>
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {${podSpec}}
${spec}`;

void test('valid workloads of every kind get no error', () => {
  assert.deepEqual(errors(deployment('  strategy: {type: Recreate}\n  minReadySeconds: 5\n')), []);
  assert.deepEqual(
    errors(
      deployment(
        '',
        'hostNetwork: true, containers: [{name: c, image: i, ports: [{containerPort: 53, hostPort: 53, protocol: UDP}]}]',
      ),
    ),
    [],
  );
  const others = ['StatefulSet', 'DaemonSet', 'ReplicaSet'].map(
    (kind) => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchExpressions: [{key: app, operator: In, values: [db]}]}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: i, ports: [{name: sql, containerPort: 5432}]}]}
`,
  );
  for (const text of others) assert.deepEqual(errors(text), []);
  assert.deepEqual(
    errors(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n',
    ),
    [],
  );
});

void test('defaulting runs first: an unset progressDeadlineSeconds is 600, and must exceed minReadySeconds', () => {
  assert.deepEqual(errors(deployment('  minReadySeconds: 600\n')), [
    'The Deployment "web" is invalid: spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
  ]);
  // maxSurge and maxUnavailable default to 25% each, so 0 on one side alone is fine.
  assert.deepEqual(errors(deployment('  strategy: {rollingUpdate: {maxUnavailable: 0}}\n')), []);
});

void test('Recreate with a rollingUpdate block, even an empty one, is refused', () => {
  assert.deepEqual(errors(deployment('  strategy: {type: Recreate, rollingUpdate: {}}\n')), [
    'The Deployment "web" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is \'Recreate\'',
  ]);
});

void test('a StatefulSet template label is reported at spec.template.labels, its restartPolicy must be Always', () => {
  const text = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db, version: "1.0 beta"}}
    spec: {restartPolicy: OnFailure, containers: [{name: c, image: i}]}
`;
  const found = errors(text);
  assert.equal(found.length, 2, found.join('\n'));
  assert.match(
    found[0] ?? '',
    /^The StatefulSet "db" is invalid: spec\.template\.labels: Invalid value: "1\.0 beta": a valid label/,
  );
  assert.equal(
    found[1],
    'The StatefulSet "db" is invalid: spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  );
});

void test('a Pod: container ports as the API server checks them, a quoted port is a decoding error', () => {
  const text = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: a, image: i, ports: [{containerPort: "8080"}, {name: web, containerPort: 80, hostPort: 8080}]}
  - {name: b, image: i, ports: [{name: web, containerPort: 81, hostPort: 8080}]}
`;
  assert.deepEqual(errors(text), [
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    'The Pod "p" is invalid: spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
  ]);
});

void test('a selector term is validated: operator, values, keys', () => {
  const text = deployment('').replace(
    'selector: {matchLabels: {app: web}}',
    'selector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In}, {key: x, operator: Exists, values: [a]}]}',
  );
  const found = errors(text);
  assert.ok(
    found.includes(
      "The Deployment \"web\" is invalid: spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ),
    found.join('\n'),
  );
  assert.ok(
    found.includes(
      "The Deployment \"web\" is invalid: spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ),
    found.join('\n'),
  );
});

void test('a DaemonSet without a selector: no Required (ValidateDaemonSetSpec has none), the template match fails', () => {
  const text = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: i}]}
`;
  assert.deepEqual(errors(text), [
    'The DaemonSet "agent" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`',
  ]);
  const empty = text.replace('spec:\n  template', 'spec:\n  selector: {}\n  template');
  assert.deepEqual(errors(empty), [
    'The DaemonSet "agent" is invalid: spec.selector: Invalid value: &LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for daemonset',
  ]);
});

void test('a StatefulSet is accepted with a bad container port; the pods its controller creates are refused', () => {
  const text = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: i, ports: [{containerPort: 70000}]}]}
`;
  assert.deepEqual(errors(text), [
    'create Pod db-0 in StatefulSet db failed error: Pod "db-0" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
});
