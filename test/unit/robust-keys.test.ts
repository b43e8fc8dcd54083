// Names that are also JavaScript's (`__proto__`, `constructor`, `toString`) are names like
// any other wherever user text keys a map (issue 18 item 6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace, selection, traceRequest } from '../../src/engine';
import { parseIptablesSave } from '../../src/engine/trace';

function workspace(selector: string, podLabels: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: constructor}
spec:
  replicas: 2
  selector: {matchLabels: ${podLabels}}
  template:
    metadata: {labels: ${podLabels}}
    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: toString, labels: {__proto__: "x"}}
spec: {selector: ${selector}, ports: [{port: 80}]}
`;
}

void test('a `__proto__` selector key is a key: it does not match pods without that label', () => {
  const without = analyzeWorkspace({
    files: [{ path: 'a.yaml', text: workspace('{__proto__: "1", app: web}', '{app: web}') }],
  });
  const svc = without.services[0];
  assert.ok(svc);
  assert.deepEqual(Object.keys(svc.service.selector ?? {}).sort(), ['__proto__', 'app']);
  assert.equal(selection(without, svc).pods.length, 0);
  const withLabel = analyzeWorkspace({
    files: [{ path: 'a.yaml', text: workspace('{__proto__: "1", app: web}', '{__proto__: "1", app: web}') }],
  });
  const svc2 = withLabel.services[0];
  assert.ok(svc2);
  assert.equal(selection(withLabel, svc2).pods.length, 2);
  // The Service's own labels reach its EndpointSlices, `__proto__` included.
  assert.equal(svc2.endpointSlices[0]?.metadata.labels['__proto__'], 'x');
  assert.ok(Object.prototype.hasOwnProperty.call(svc2.endpointSlices[0]?.metadata.labels, '__proto__'));
});

void test('iptables tables and chains called constructor, __proto__ or toString are tables and chains', () => {
  const text =
    '*constructor\n:FOO - [0:0]\n-A FOO -j ACCEPT\nCOMMIT\n*__proto__\n:BAR - [0:0]\nCOMMIT\n' +
    '*nat\n:PREROUTING ACCEPT [0:0]\n:toString - [0:0]\n-A PREROUTING -j toString\n' +
    '-A toString -p tcp -j DNAT --to-destination 10.244.1.5:80\nCOMMIT\n';
  const dump = parseIptablesSave(text);
  assert.deepEqual(dump.errors, []);
  assert.deepEqual(
    dump.tables.map((t) => t.name),
    ['constructor', '__proto__', 'nat'],
  );
  const trace = traceRequest(analyzeWorkspace({ files: [] }), '10.96.0.10:80', {
    from: { kind: 'ip', ip: '10.0.0.1' },
    iptablesSave: { file: 'dump.txt', text },
  });
  assert.equal(trace.outcome, 'reached');
  assert.equal(trace.branches[0]?.ip, '10.244.1.5');
});
