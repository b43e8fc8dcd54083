// Quick, seeded property run over hostile workspaces (the long run is `npm run fuzz`,
// test/fuzz/run.ts), plus the findings of past runs as fixed regression cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzCaseArb } from '../fuzz/arbitraries';
import type { FuzzCase } from '../fuzz/arbitraries';
import { checkCase, checkDiagnosticRange } from '../fuzz/pipeline';
import { analyzeWorkspace } from '../../src/engine';
import { loadYamlFile } from '../../src/engine/load';

const QUICK_RUNS = Number(process.env['KUBEPATH_FUZZ_RUNS'] ?? 200);

void test(`fuzz (quick, ${QUICK_RUNS} seeded cases): never throws, ranges inside files, deterministic`, () => {
  fc.assert(
    fc.property(fuzzCaseArb, (c) => {
      checkCase(c);
    }),
    { seed: 424242, numRuns: QUICK_RUNS },
  );
});

function one(text: string, path = 'k8s/f0.yaml'): FuzzCase {
  return { files: [{ path, text }], profile: null, targets: [], originPick: 0 };
}

/** Inputs the fuzzer found; each broke a property before its fix. */
const findings: { name: string; c: FuzzCase }[] = [
  {
    // yaml puts the "end of input" error one character past the text.
    name: 'unterminated flow map at end of file: range stayed inside the line',
    c: one('{'),
  },
  {
    // yaml's LineCounter skipped the newlines inside a broken flow collection's scalars,
    // so the error landed on line 2 with column 247 of a 5-character line.
    name: 'error after a multi-line scalar inside a broken flow collection',
    c: one(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"a":"b"}}\n ---\n{"apiVersion":"apps/v1","kind":"Deployment","metadata":{},"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{}},"spec":{"containers":[{"name":"app","image":"nginx:1.27"}],"nodeName":"node-1"}},"replicas":0}}',
    ),
  },
  {
    // yaml's toJS built a cyclic object; the pod-template hash recursed until the stack overflowed.
    name: 'an alias inside its own anchor (a value that contains itself)',
    c: one(
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec: &a1\n      containers:\n        - name: *a1\n          image: nginx\n',
    ),
  },
];

for (const f of findings) {
  void test(`fuzz finding: ${f.name}`, () => {
    checkCase(f.c);
  });
}

void test('diagnostic ranges: the checker itself rejects ranges outside the file', () => {
  const texts = new Map([['a.yaml', 'ab\ncd']]);
  const d = (line: number, column: number, endLine: number, endColumn: number) => ({
    range: { file: 'a.yaml', line, column, endLine, endColumn },
    severity: 'error' as const,
    code: 'yaml-syntax',
    message: 'm',
  });
  assert.equal(checkDiagnosticRange(d(1, 1, 2, 3), texts), null);
  assert.equal(checkDiagnosticRange(d(2, 3, 2, 3), texts), null, 'just after the last character');
  assert.match(checkDiagnosticRange(d(3, 1, 3, 1), texts) ?? '', /line outside/);
  assert.match(checkDiagnosticRange(d(1, 4, 1, 4), texts) ?? '', /column outside/);
  assert.match(checkDiagnosticRange(d(2, 2, 2, 1), texts) ?? '', /ends before/);
  assert.match(checkDiagnosticRange(d(2, 1, 1, 1), texts) ?? '', /endLine/);
});

void test('ranges are counted on the text, also with CRLF, a BOM and multi-line scalars', () => {
  const text = '\ufeffa: "x\r\n  y"\r\nb: [1,\r\n  2\r\nc: {\r\n';
  const { diagnostics } = loadYamlFile('crlf.yaml', text);
  assert.ok(diagnostics.length > 0);
  const texts = new Map([['crlf.yaml', text]]);
  for (const d of diagnostics) assert.equal(checkDiagnosticRange(d, texts), null);
  const a = analyzeWorkspace({ files: [{ path: 'crlf.yaml', text }] });
  for (const d of a.diagnostics) assert.equal(checkDiagnosticRange(d, texts), null);
});

void test('fuzz finding: a collection used as a key printed a process warning (yaml logLevel)', () => {
  // `? [a]` / `{a: 1}: x` made yaml call process.emitWarning from toJS.
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    checkCase(
      one(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ? [a, b]\n  : c\n  {ip: nope}: d\n',
      ),
    );
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

void test('fuzz finding: a deep list or map used as a key took seconds in toJS; now a yaml-syntax error at the key', () => {
  const deepKey = (d: number): string => `${'{a: '.repeat(d)}x${'}'.repeat(d)}`;
  const texts = [
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ? ${deepKey(250)}\n  : v\n`,
    // In a flow map an entry without `:` is a key with a null value.
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {\n  ${deepKey(250)}\n}\n`,
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\na: &k [1]\n*k : v\n',
  ];
  for (const text of texts) {
    const start = performance.now();
    const { objects, diagnostics } = loadYamlFile('k.yaml', text);
    assert.ok(performance.now() - start < 1000, 'well under a second');
    assert.equal(objects.length, 0);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.severity, d.range.line]),
      [['yaml-syntax', 'error', 5]],
    );
    assert.match(diagnostics[0]!.message, /a mapping key must be a scalar/);
    checkCase(one(text));
  }
  // Scalar keys, `?` in values and IPv6 brackets are untouched.
  const fine = loadYamlFile(
    'ok.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  url: "http://x?y=1"\n  ip: "[::1]:80"\n  ? plain\n  : v\n',
  );
  assert.deepEqual(fine.diagnostics, []);
  assert.equal(fine.objects.length, 1);
});

void test('an alias inside its own anchor is one yaml-syntax error at the alias, the other documents still load', () => {
  const text =
    'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: cfg\n  labels:\n    self: *m\n---\napiVersion: v1\nkind: Service\nmetadata: &s\n  name: ok\nspec:\n  selector: {app: ok}\n  ports: [{port: 80}]\n  extra: *s\n';
  const loaded = loadYamlFile('a.yaml', text);
  assert.deepEqual(
    loaded.diagnostics.map((d) => [d.code, d.range.line, d.range.column, d.message]),
    [
      [
        'yaml-syntax',
        6,
        11,
        'YAML error: anchor &m contains an alias to itself (*m); Kubernetes rejects a value that contains itself',
      ],
    ],
  );
  assert.deepEqual(
    loaded.objects.map((o) => o.kind),
    ['Service'],
    'an alias after its anchor (not inside it) is fine',
  );
});
