// Multi-line quoted scalars read as go-yaml reads them: to the closing quote, whatever the
// indentation of the continuation lines (libyaml's yaml_parser_scan_flow_scalar checks
// only for document indicators at column 0 and the end of input).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadYamlFile } from '../../src/engine/load';

// The shape of Sock Shop's grafana-import-dashboards Job (deploy/kubernetes/manifests-monitoring):
// an annotation holding a JSON array whose closing `]'` sits at the key's own indentation.
const JOB = [
  'apiVersion: batch/v1', // 1
  'kind: Job', // 2
  'metadata:', // 3
  '  name: import', // 4
  '  annotations:', // 5
  "    init-containers: '[", // 6
  '      {', // 7
  '        "name": "wait",', // 8
  '        "args": ["a", "b"]', // 9
  '      }', // 10
  "    ]'", // 11
  '    other: "x', // 12
  '  y \\"z\\""', // 13
  'spec:', // 14
  '  parallelism: 2', // 15
  '---',
  'apiVersion: v1', // 17
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  selector: { app: web }',
  '  ports:',
  '    - port: 80', // 24
  '',
].join('\n');

void test('an under-indented quoted scalar is read to its closing quote, as go-yaml reads it', () => {
  const loaded = loadYamlFile('job.yaml', JOB);
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(loaded.objects.length, 2);
  const job = loaded.objects[0];
  assert.ok(job);
  const annotations = (job.raw['metadata'] as Record<string, Record<string, string>>)['annotations'];
  // Line folding: each line break becomes a space, leading spaces of continuation lines go.
  assert.equal(annotations?.['init-containers'], '[ { "name": "wait", "args": ["a", "b"] } ]');
  assert.equal(annotations?.['other'], 'x y "z"');
  assert.deepEqual(job.raw['spec'], { parallelism: 2 });
});

void test('positions after a repaired scalar are the file’s own lines and columns', () => {
  const loaded = loadYamlFile('job.yaml', JOB);
  const [job, service] = loaded.objects;
  assert.ok(job && service);
  const parallelism = job.ranges.get('spec.parallelism');
  assert.deepEqual(parallelism && [parallelism.line, parallelism.column], [15, 16]);
  const annotation = job.ranges.get('metadata.annotations.init-containers');
  assert.deepEqual(
    annotation && [annotation.line, annotation.column, annotation.endLine, annotation.endColumn],
    [6, 22, 11, 7],
  );
  const port = service.ranges.get('spec.ports[0].port');
  assert.deepEqual(port && [port.line, port.column], [24, 13]);
});

void test('a quote go-yaml cannot close either stays a syntax error at its line', () => {
  const open = loadYamlFile(
    'open.yaml',
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: 'never\n  closed\n",
  );
  const errors = open.diagnostics.filter((d) => d.code === 'yaml-syntax');
  assert.equal(errors.length, 1);
  assert.ok(errors[0] && errors[0].range.line >= 6, JSON.stringify(errors));
  // A document indicator at column 0 inside the quotes: go-yaml refuses it too.
  const indicator = loadYamlFile(
    'doc.yaml',
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: 'a\n---\n  b'\n",
  );
  assert.ok(indicator.diagnostics.some((d) => d.code === 'yaml-syntax'));
});

void test('well-indented quoted scalars are untouched (no repair, same value)', () => {
  const text =
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \'a\n    b\'\n  j: "c\n    d"\n';
  const loaded = loadYamlFile('ok.yaml', text);
  assert.deepEqual(loaded.diagnostics, []);
  assert.deepEqual(loaded.objects[0]?.raw['data'], { k: 'a b', j: 'c d' });
});
