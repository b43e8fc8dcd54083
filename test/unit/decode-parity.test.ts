// Decoding parity with Kubernetes (issue 18 items 1 and 5), each case from YAML text
// through analyzeWorkspace: sigs.k8s.io/yaml over go-yaml v2 (resolve.go, decode.go),
// kubectl's YAMLOrJSONDecoder (apimachinery util/yaml/decoder.go), the API server's
// typed decoding and ObjectMeta validation, with their exact wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace, decodeManifestBytes } from '../../src/engine';
import type { Analysis } from '../../src/engine';
import { resolveGoYamlV2, formatFloat32G } from '../../src/engine/load/goYamlScalars';
import { loadClusterProfile } from '../../src/engine/load/profile';

function analyze(text: string, path = 'k8s/app.yaml', profile?: string): Analysis {
  return analyzeWorkspace({
    files: [{ path, text }],
    ...(profile !== undefined ? { profile: { path: 'kubepath.cluster.yaml', text: profile } } : {}),
  });
}

function service(spec: string, metadata = ''): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n${metadata}spec:\n  selector: {app: web}\n${spec}`;
}

function deployment(name: string, labels: string, templateLabels = '{app: web}'): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  labels: ${labels}`,
    'spec:',
    '  replicas: 1',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    `    metadata: {labels: ${templateLabels}}`,
    '    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}',
    '',
  ].join('\n');
}

function errors(a: Analysis): string[] {
  return a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}

function portOf(a: Analysis): number | undefined {
  return a.services[0]?.service.ports[0]?.port;
}

void test('resolve.go: every YAML 1.1 boolean spelling go-yaml v2 knows, and nothing else', () => {
  for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
    assert.deepEqual(resolveGoYamlV2(s), { tag: 'bool', value: true }, s);
  for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])
    assert.deepEqual(resolveGoYamlV2(s), { tag: 'bool', value: false }, s);
  for (const s of ['yES', 'oN', 'nO', 'tRUE', 'Y2'])
    assert.deepEqual(resolveGoYamlV2(s), { tag: 'str', value: s }, s);
  for (const s of ['', '~', 'null', 'Null', 'NULL']) assert.equal(resolveGoYamlV2(s).tag, 'null');
});

void test('resolve.go: Go integer syntax after dropping every _, floats by yamlStyleFloat, the rest strings', () => {
  const cases: [string, string, unknown][] = [
    ['0120', 'int', 80],
    ['0o120', 'int', 80],
    ['0x50', 'int', 80],
    ['0X50', 'int', 80],
    ['0b1010000', 'int', 80],
    ['-0b101', 'int', -5],
    ['8_0', 'int', 80],
    ['80_', 'int', 80],
    ['+80', 'int', 80],
    ['0', 'int', 0],
    ['09', 'float', 9],
    ['1e3', 'float', 1000],
    ['80.0', 'float', 80],
    ['.5', 'float', 0.5],
    ['-.5e1', 'float', -5],
    ['1e400', 'str', '1e400'],
    ['_80', 'str', '_80'],
    ['0x', 'str', '0x'],
    ['1:30', 'str', '1:30'],
    ['2001-12-14', 'str', '2001-12-14'],
    ['2001-12-14T21:59:43.10Z', 'str', '2001-12-14T21:59:43.10Z'],
    ['0x1p-2', 'str', '0x1p-2'],
    ['<<', 'str', '<<'],
    ['.nan', 'float', Number.NaN],
    ['-.Inf', 'float', Number.NEGATIVE_INFINITY],
  ];
  for (const [text, tag, value] of cases) assert.deepEqual(resolveGoYamlV2(text), { tag, value }, text);
  // strconv.FormatFloat(f, 'g', -1, 32), which sigs.k8s.io/yaml uses for float keys.
  assert.deepEqual([1000, 1e6, 1234567, 0.0001, 0.00001, 1.5, 3.14159265358979].map(formatFloat32G), [
    '1000',
    '1e+06',
    '1.234567e+06',
    '0.0001',
    '1e-05',
    '1.5',
    '3.1415927',
  ]);
});

void test('port: 0120 is 80 (octal), and the other Go spellings of 80 too', () => {
  for (const written of ['0120', '0o120', '0x50', '0b1010000', '8_0', '+80', '80.0', '08_0.0']) {
    const a = analyze(service(`  ports:\n  - port: ${written}\n`));
    assert.equal(portOf(a), 80, written);
    assert.deepEqual(errors(a), [], written);
  }
  // Go's encoding/json writes float64 1000 as 1000: an int32 field takes it.
  assert.equal(portOf(analyze(service('  ports:\n  - port: 1e3\n'))), 1000);
});

void test('a float with a fraction for an integer field: the JSON decoder refuses it, as the API server words it', () => {
  const a = analyze(service('  ports:\n  - port: 80.5\n'));
  assert.ok(
    errors(a).includes(
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.port of type int32',
    ),
    errors(a).join('\n'),
  );
  const big = analyze(service('  ports:\n  - port: 1e21\n'));
  assert.ok(
    errors(big).some((m) =>
      m.endsWith(
        'cannot unmarshal number 1e+21 into Go struct field ServicePort.spec.ports.port of type int32',
      ),
    ),
  );
});

void test('.inf and .nan: sigs.k8s.io/yaml cannot write them as JSON; the document is not applied', () => {
  const a = analyze(service('  ports:\n  - port: .inf\n'));
  assert.equal(a.services.length, 0);
  const d = a.diagnostics.find((x) => x.code === 'yaml-syntax');
  assert.equal(d?.message, 'error converting YAML to JSON: json: unsupported value: +Inf');
  assert.deepEqual([d.range.line, d.range.column, d.range.endColumn], [8, 11, 15]);
});

void test('yes in a label value: kubectl refuses the bool where a string is required (metadata_decoder.go), on the value', () => {
  const a = analyze(service('  ports:\n  - port: 80\n', '  labels:\n    enabled: yes\n'));
  const d = a.diagnostics.find((x) => x.message.includes('metadata.labels'));
  assert.equal(
    d?.message,
    'unable to decode "k8s/app.yaml": json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string',
  );
  assert.deepEqual([d.range.line, d.range.column, d.range.endColumn], [6, 14, 17]);
  // Quoted, it is the string "yes": accepted.
  assert.deepEqual(
    errors(analyze(service('  ports:\n  - port: 80\n', '  labels:\n    enabled: "yes"\n'))),
    [],
  );
});

void test('on/off in a Deployment label (kubectl) and template label (API server): typed decoding errors with the struct and JSON path', () => {
  const a = analyze(deployment('web', '{tier: on}', '{app: web, canary: off}'));
  assert.deepEqual(
    errors(a).filter((m) => m.includes('cannot unmarshal')),
    [
      'unable to decode "k8s/app.yaml": json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string',
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.labels of type string',
    ],
  );
  // Still modelled: its pod exists, with the label as the user most likely meant it.
  assert.equal(a.pods.length, 1);
});

void test('a boolean key: on: becomes the JSON key "true" (sigs.k8s.io/yaml), a valid label key', () => {
  const a = analyze(deployment('web', '{on: x}'));
  assert.deepEqual(errors(a), []);
  const raw = a.objects[0]?.raw['metadata'] as { labels: Record<string, unknown> };
  assert.deepEqual(raw.labels, { true: 'x' });
});

void test("names: each kind's rule with the API server's field path and message", () => {
  const subdomain =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  assert.deepEqual(errors(analyze(deployment('My_App', '{app: web}'))), [
    `The Deployment "My_App" is invalid: metadata.name: Invalid value: "My_App": ${subdomain}`,
  ]);
  // Deployments take a subdomain (dots allowed); a StatefulSet a DNS-1123 label.
  assert.deepEqual(errors(analyze(deployment('web.v2', '{app: web}'))), []);
  const sts = deployment('db.v2', '{app: web}').replace('kind: Deployment', 'kind: StatefulSet');
  assert.deepEqual(errors(analyze(sts)), [
    'The StatefulSet "db.v2" is invalid: metadata.name: Invalid value: "db.v2": must not contain dots',
  ]);
  const long = 'a'.repeat(254);
  assert.ok(
    errors(analyze(deployment(long, '{app: web}'))).includes(
      `The Deployment "${long}" is invalid: metadata.name: Invalid value: "${long}": must be no more than 253 characters`,
    ),
  );
});

void test('label keys and values: IsQualifiedName / IsValidLabelValue messages, key errors on the key', () => {
  const value = 'v'.repeat(64);
  const a = analyze(deployment('web', `{"-bad": x, ok: ${value}}`));
  const messages = errors(a);
  assert.ok(
    messages.includes(
      `The Deployment "web" is invalid: metadata.labels: Invalid value: "-bad": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ),
    messages.join('\n'),
  );
  assert.ok(
    messages.includes(
      `The Deployment "web" is invalid: metadata.labels: Invalid value: "${value}": must be no more than 63 characters`,
    ),
  );
  const onKey = a.diagnostics.find((d) => d.message.includes('"-bad"'));
  assert.deepEqual([onKey?.range.line, onKey?.range.column], [5, 12]);
});

void test('<< merge keys in go-yaml v2 order: a merge overwrites the keys before it, keys after it win', () => {
  const text = [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    'x-base: &base {port: 80, targetPort: 8080, protocol: TCP}',
    'spec:',
    '  ports:',
    '  - port: 1',
    '    <<: *base',
    '    targetPort: 9090',
    '',
  ].join('\n');
  const a = analyze(text);
  const port = a.services[0]?.service.ports[0];
  assert.deepEqual([port?.port, port?.targetPort], [80, 9090]);
  // Of a list of maps, the earlier wins.
  const list = analyze(
    service('  ports:\n  - <<: [{port: 81}, {port: 82, name: b}]\n').replace('spec:', 'x: 1\nspec:'),
  );
  assert.equal(portOf(list), 81);
});

void test('a duplicate key: Kubernetes keeps the last value; a warning on the later key, not an error', () => {
  const a = analyze(service('  ports:\n  - port: 80\n    port: 8080\n'));
  assert.equal(portOf(a), 8080);
  const d = a.diagnostics.find((x) => x.code === 'yaml-duplicate-key');
  assert.equal(d?.severity, 'warning');
  assert.deepEqual([d?.range.line, d?.range.column], [9, 5]);
});

void test('unknown fields: the strict decoding error kubectl (default --validate=strict) prints', () => {
  const a = analyze(service('  ports:\n  - port: 80\n    nodeport: 30001\n'));
  assert.ok(
    errors(a).includes(
      'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].nodeport"',
    ),
  );
});

const pod = (name: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {containers: [{name: c, image: i}]}\n`;

void test('UTF-8 BOM at the start of the file and of a later document: decoded, ranges unchanged', () => {
  const a = analyze(`\ufeff${pod('a')}---\n\ufeff${pod('b')}`);
  assert.deepEqual(
    a.pods.map((p) => p.metadata.name),
    ['a', 'b'],
  );
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity !== 'info'),
    [],
  );
  // The file's own BOM is no character of its text (editors hide it); a later one is.
  const [first, b] = a.objects;
  assert.deepEqual([first?.range.line, first?.range.column], [1, 1]);
  assert.deepEqual([b?.range.line, b?.range.column], [6, 2]);
  // decodeManifestBytes drops the leading UTF-8 BOM the same way.
  const bytes = new TextEncoder().encode(`\ufeff${pod('c')}`);
  assert.equal(decodeManifestBytes(bytes), pod('c'));
});

function misreadUtf16(text: string, littleEndian: boolean): string {
  // What readFileSync(path, 'utf8') makes of a UTF-16 file with a BOM.
  let out = '\ufffd\ufffd';
  for (const c of text) out += littleEndian ? `${c}\0` : `\0${c}`;
  return out;
}

void test('UTF-16 LE and BE with BOM: decoded; like kubectl, only the first document is applied', () => {
  for (const little of [true, false]) {
    const a = analyze(misreadUtf16(`${pod('a')}---\n${pod('b')}`, little));
    assert.deepEqual(
      a.pods.map((p) => p.metadata.name),
      ['a'],
    );
    const ignored = a.diagnostics.find((d) => d.code === 'yaml-encoding');
    assert.equal(ignored?.severity, 'warning');
    assert.equal(ignored?.range.line, 6);
  }
  // Bytes decoded by decodeManifestBytes (the front ends' reader) give the same objects.
  const bytes = new Uint8Array([0xff, 0xfe, ...[...pod('c')].flatMap((c) => [c.charCodeAt(0), 0])]);
  assert.deepEqual(
    analyze(decodeManifestBytes(bytes)).pods.map((p) => p.metadata.name),
    ['c'],
  );
  // Non-ASCII text that did not survive the UTF-8 reader: one error naming the file.
  const lost = analyze(misreadUtf16(pod('ä'), true));
  assert.deepEqual(
    lost.diagnostics.map((d) => [d.code, d.severity, d.range.file, d.range.line]),
    [['yaml-encoding', 'error', 'k8s/app.yaml', 1]],
  );
});

void test('invalid UTF-8 and control characters: go-yaml reader errors on their line; the other documents load', () => {
  const bytes = new TextEncoder().encode(`${pod('a')}---\n${pod('b')}`);
  const broken = new Uint8Array([...bytes.subarray(0, 100), 0xff, ...bytes.subarray(100)]);
  const a = analyze(decodeManifestBytes(broken));
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.message, d.range.line]),
    [['error converting YAML to JSON: yaml: invalid leading UTF-8 octet', 6]],
  );
  assert.deepEqual(
    a.pods.map((p) => p.metadata.name),
    ['a'],
  );
  const nul = analyze(`${pod('a')}---\n${pod('"b\0"')}`);
  assert.deepEqual(
    nul.diagnostics.map((d) => [d.message, d.range.line, d.range.column]),
    [['error converting YAML to JSON: yaml: control characters are not allowed', 8, 20]],
  );
});

const jsonPod = (name: string): string =>
  `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "${name}"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}`;

void test('JSON: a stream of objects decodes; comments give the JSON decoder error kubectl prints, on their line', () => {
  assert.deepEqual(
    analyze(`${jsonPod('a')}\n${jsonPod('b')}\n`, 'k8s/app.json').pods.map((p) => p.metadata.name),
    ['a', 'b'],
  );
  const commented = analyze(`{\n  // the pod\n  "apiVersion": "v1", "kind": "Pod"\n}\n`, 'k8s/app.json');
  assert.deepEqual(
    commented.diagnostics.map((d) => [d.severity, d.message, d.range.line, d.range.column]),
    [
      [
        'error',
        "error parsing k8s/app.json: json: offset 5: invalid character '/' looking for beginning of object key string",
        2,
        3,
      ],
    ],
  );
  // Trailing commas are not JSON, but kubectl's YAML fallback reads them.
  assert.deepEqual(
    analyze(jsonPod('t').replace('"i"}]}', '"i"},]},'), 'k8s/app.json').pods.map((p) => p.metadata.name),
    ['t'],
  );
});

void test('a top-level JSON array is refused as kubectl refuses it; kind: List is expanded', () => {
  const a = analyze(`[${jsonPod('a')}, ${jsonPod('b')}]`, 'k8s/app.json');
  assert.equal(a.pods.length, 0);
  assert.deepEqual(errors(a), [
    'unable to decode "k8s/app.json": json: cannot unmarshal array into Go value of type unstructured.detector (a top-level list is not applied; write one object per document, or a kind: List with items)',
  ]);
  const list = analyze(
    `{"apiVersion": "v1", "kind": "List", "items": [${jsonPod('a')}, ${jsonPod('b')}]}`,
    'k8s/app.json',
  );
  assert.deepEqual(
    list.pods.map((p) => p.metadata.name),
    ['a', 'b'],
  );
});

void test('profile: overlapping serviceCIDR, podCIDR and load-balancer pool are a profile error naming the line', () => {
  const { diagnostics } = loadClusterProfile(
    'kubepath.cluster.yaml',
    [
      'apiVersion: kubepath.dev/v1alpha1',
      'kind: ClusterProfile',
      'serviceCIDR: 10.96.0.0/12',
      'podCIDR: 10.100.0.0/16',
      'cloud:',
      '  loadBalancerIPPool: 10.100.5.0/24',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.range.line, d.message]),
    [
      [
        'profile-invalid',
        4,
        'podCIDR 10.100.0.0/16 overlaps serviceCIDR 10.96.0.0/12 (line 3): the ranges must be disjoint, or ClusterIPs, pod IPs and load-balancer IPs collide',
      ],
      [
        'profile-invalid',
        6,
        'cloud.loadBalancerIPPool 10.100.5.0/24 overlaps serviceCIDR 10.96.0.0/12 (line 3): the ranges must be disjoint, or ClusterIPs, pod IPs and load-balancer IPs collide',
      ],
      [
        'profile-invalid',
        6,
        'cloud.loadBalancerIPPool 10.100.5.0/24 overlaps podCIDR 10.100.0.0/16 (line 4): the ranges must be disjoint, or ClusterIPs, pod IPs and load-balancer IPs collide',
      ],
    ],
  );
});

void test('any object with items is a list to kubectl, not only kinds named *List', () => {
  const a = analyze(
    `apiVersion: v1\nkind: PodList\nitems:\n- ${jsonPod('a')}\n---\napiVersion: example.com/v1\nkind: Bundle\nitems:\n- ${jsonPod('b')}\n`,
  );
  assert.deepEqual(
    a.pods.map((p) => p.metadata.name),
    ['a', 'b'],
  );
});

void test('a --- line with content after it: the separator error kubectl prints, on its line', () => {
  const a = analyze(`${pod('a')}--- {apiVersion: v1}\n${pod('b')}`);
  const d = a.diagnostics.find((x) => x.message.includes('separator'));
  assert.equal(
    d?.message,
    'error parsing k8s/app.yaml: invalid Yaml document separator: {apiVersion: v1} (kubectl allows only a comment after ---, and stops reading the file here)',
  );
  assert.equal(d?.range.line, 5);
  assert.deepEqual(
    analyze(`${pod('a')}--- # next\n${pod('b')}`).diagnostics.filter((x) => x.severity === 'error'),
    [],
  );
});

void test('explicit tags as go-yaml v2 takes them: !!str keeps the text, !!timestamp stays text, !!binary is decoded', () => {
  const a = analyze(
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: !!str 0120\n  b: !!timestamp 2001-12-14\n  c: !!binary aGVsbG8=\n  d: 2001-12-14\n',
  );
  assert.deepEqual(a.objects[0]?.raw['data'], { a: '0120', b: '2001-12-14', c: 'hello', d: '2001-12-14' });
  const bad = analyze('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: !!int abc\n');
  assert.deepEqual(errors(bad), ['YAML syntax error: cannot decode !!str `abc` as a !!int']);
});

void test("kubectl decodes every object's metadata first: any kind, the first error in sorted-key order", () => {
  const a = analyze(
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    z: true\n    algo2: 1\n',
  );
  assert.deepEqual(
    a.diagnostics.map((d) => [d.code, d.message, d.range.line]),
    [
      [
        'object-invalid',
        'unable to decode "k8s/app.yaml": json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
        7,
      ],
    ],
  );
});
