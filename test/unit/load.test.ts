import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadYamlFile } from '../../src/engine/load';
import { keyRangeAt, rangeAt } from '../../src/engine/model';
import { loadClusterProfile } from '../../src/engine/load/profile';

void test('ranges point at values and keys by field path', () => {
  const text =
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: wbe\n  ports:\n    - port: 80\n      targetPort: http\n';
  const { objects, diagnostics } = loadYamlFile('svc.yaml', text);
  assert.equal(diagnostics.length, 0);
  const [svc] = objects;
  assert.ok(svc);
  assert.deepEqual(rangeAt(svc, ['spec', 'selector', 'app']), {
    file: 'svc.yaml',
    line: 7,
    column: 10,
    endLine: 7,
    endColumn: 13,
  });
  assert.deepEqual(keyRangeAt(svc, ['spec', 'selector', 'app']), {
    file: 'svc.yaml',
    line: 7,
    column: 5,
    endLine: 7,
    endColumn: 8,
  });
  assert.deepEqual(rangeAt(svc, ['spec', 'ports', 0, 'targetPort']), {
    file: 'svc.yaml',
    line: 10,
    column: 19,
    endLine: 10,
    endColumn: 23,
  });
  // Absent field: nearest enclosing value, whose range ends at its last character.
  assert.deepEqual(rangeAt(svc, ['spec', 'ports', 0, 'nodePort']), {
    file: 'svc.yaml',
    line: 9,
    column: 7,
    endLine: 10,
    endColumn: 23,
  });
  assert.equal(svc.namespace, 'default');
});

void test('a broken document yields yaml-syntax with its position and the other documents still load', () => {
  const text =
    'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nfoo: [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n';
  const { objects, diagnostics } = loadYamlFile('x.yaml', text);
  assert.deepEqual(
    objects.map((o) => o.name),
    ['a', 'b'],
  );
  // yaml notices the unclosed `[` where the next document starts.
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.severity, d.range.line, d.range.column]),
    [['yaml-syntax', 'error', 6, 1]],
  );
});

void test('List kinds are unpacked with ranges relative to each item', () => {
  const text =
    'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n    namespace: ns\n';
  const { objects } = loadYamlFile('l.yaml', text);
  assert.equal(objects.length, 1);
  assert.equal(objects[0]?.namespace, 'ns');
  const [item] = objects;
  assert.ok(item);
  assert.equal(rangeAt(item, ['metadata', 'name']).line, 7);
});

void test('templates are skipped with an info diagnostic; non-Kubernetes YAML is ignored', () => {
  const helm = loadYamlFile(
    't.yaml',
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n',
  );
  assert.equal(helm.objects.length, 0);
  assert.deepEqual(
    helm.diagnostics.map((d) => [d.code, d.severity, d.range.line]),
    [['template-skipped', 'info', 4]],
  );
  const compose = loadYamlFile('docker-compose.yml', 'services:\n  web:\n    image: nginx\n');
  assert.equal(compose.objects.length + compose.diagnostics.length, 0);
});

void test('alias bombs are refused with a diagnostic instead of expanding', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  lines.push('apiVersion: v1', 'kind: ConfigMap');
  const result = loadYamlFile('bomb.yaml', lines.join('\n'));
  assert.equal(result.objects.length, 0);
  assert.equal(result.diagnostics[0]?.code, 'yaml-syntax');
});

void test('cluster profile: values read, bad fields reported with file:line and defaults kept', () => {
  const text = [
    'apiVersion: kubepath.dev/v1alpha1',
    'kind: ClusterProfile',
    'serviceCIDR: 10.100.0.0/16',
    'nodePortRange: 31000-31999',
    'nodes:',
    '  - { name: a, ip: 10.0.0.1 }',
    '  - { name: b, ips: [10.0.0.2, nope] }',
    'kubeProxy:',
    '  masqueradeAll: maybe',
    'cloud:',
    '  provider: none',
  ].join('\n');
  const { profile, diagnostics } = loadClusterProfile('kubepath.cluster.yaml', text);
  assert.equal(profile.serviceCIDR, '10.100.0.0/16');
  assert.deepEqual(profile.nodePortRange, { min: 31000, max: 31999 });
  assert.deepEqual(
    profile.nodes.map((n) => [n.name, n.ips, n.podCIDR]),
    [
      ['a', ['10.0.0.1'], '10.244.1.0/24'],
      ['b', ['10.0.0.2'], '10.244.2.0/24'],
    ],
  );
  assert.equal(profile.cloud.provider, 'none');
  assert.equal(profile.kubeProxy.masqueradeAll, false);
  assert.deepEqual(
    diagnostics.map((d) => [d.range.line, d.code]).sort((a, b) => Number(a[0]) - Number(b[0])),
    [
      [7, 'profile-invalid'],
      [9, 'profile-invalid'],
    ],
  );
});
