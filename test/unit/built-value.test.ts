// readBackPrinted: what the loader reads from a resource the kustomize build printed, worked
// out from the value. Over generated resources (strings that YAML 1.1 and 1.2 read as other
// types, quotes, comments, long lines, non-ASCII, odd numbers and keys), each answer must be
// what parsing the printed text gives; an unanswered value is parsed by the caller.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeWorkspace } from '../../src/engine';
import { readBackPrinted } from '../../src/engine/load/builtValue';
import { appendFieldPathKey, fieldRangePaths, loadYamlFile } from '../../src/engine/load/yamlDocuments';
import { emitYaml } from '../../src/engine/render/kustomize/emit';
import type { Value, ValueMap } from '../../src/engine/render/kustomize/value';

const tricky = [
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'n',
  '~',
  'null',
  'Null',
  'true',
  'False',
  '',
  ' ',
  '  lead',
  'trail ',
  '1',
  '01',
  '0o17',
  '0x1F',
  '0b101',
  '1_000',
  '+1',
  '-1',
  '1e3',
  '1.5e+06',
  '.5',
  '5.',
  '.inf',
  '-.Inf',
  '.nan',
  '1:20',
  '190:20:30',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '-',
  '- a',
  '-a',
  'a: b',
  'a:b',
  '#c',
  'a #b',
  'a# b',
  "'q'",
  '"dq"',
  "it's",
  'say "hi"',
  'back\\slash',
  '{a}',
  '[a]',
  '{}',
  '[]',
  '&anchor',
  '*alias',
  '!tag',
  '%dir',
  '@at',
  '`tick',
  '|',
  '>',
  '? q',
  ',',
  'a, b',
  '<<',
  '=',
  'x'.repeat(90),
  `${'word '.repeat(20)}end`,
  'ünïcödé',
  'tab\there',
  'line\nbreak',
  'cr\r',
  '{{ .x }}',
  'app.kubernetes.io/name',
  'quay.io/argoproj/argocd:v2.14.1',
  '--flag=value',
  '/usr/local/bin',
  '8080',
];

const str = fc.oneof(
  fc.constantFrom(...tricky),
  fc.string({ maxLength: 12 }),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
);
const num = fc.oneof(
  fc.integer(),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(0, -0, 1.5, 1e21, 1e-7, 2 ** 53, 2 ** 60, -(2 ** 63), Number.NaN, Infinity),
);
const scalar: fc.Arbitrary<Value> = fc.oneof(str, num, fc.boolean(), fc.constant(null));
const { tree } = fc.letrec<{ tree: Value }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(str, tie('tree'), { maxKeys: 4 }),
  ),
}));
const resource = fc
  .record({
    kind: fc.constantFrom('Deployment', 'Service', 'ClusterRole', 'ConfigMap'),
    name: str,
    namespace: fc.option(str),
    spec: fc.dictionary(str, tree, { maxKeys: 5 }),
  })
  .map(({ kind, name, namespace, spec }): ValueMap => ({
    apiVersion: 'v1',
    kind,
    metadata: namespace === null ? { name } : { name, namespace },
    spec,
  }));

/** Every node's field path, and every map entry's (as the loader's ranges and keyRanges hold them). */
function paths(raw: unknown): { values: string[]; keys: string[] } {
  const values: string[] = [];
  const keys: string[] = [];
  const walk = (v: unknown, path: string): void => {
    values.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        const p = appendFieldPathKey(path, k);
        keys.push(p);
        walk(x, p);
      }
  };
  walk(raw, '');
  return { values, keys };
}

void describe('a printed resource read back from its value', () => {
  void it('answers what the loader parses from the printed text, or nothing', () => {
    let answered = 0;
    let runs = 0;
    fc.assert(
      fc.property(resource, (value) => {
        runs++;
        const direct = readBackPrinted(value);
        if (direct === undefined) return;
        answered++;
        const text = emitYaml(value);
        const loaded = loadYamlFile('built.yaml', text);
        assert.equal(loaded.objects.length, 1, text);
        const [o] = loaded.objects;
        assert.ok(o);
        assert.equal(JSON.stringify(direct), JSON.stringify(o.raw), text);
        assert.deepEqual(Object.keys(direct), Object.keys(o.raw));
        const own = paths(direct);
        // As sets: integer-like keys come first in a JS object, the document order differs.
        assert.deepEqual(own.values.sort(), [...fieldRangePaths(o.ranges)].sort(), text);
        assert.deepEqual(own.keys.sort(), [...fieldRangePaths(o.keyRanges)].sort(), text);
      }),
      { numRuns: 3000, seed: 15 },
    );
    // Not vacuous: most generated resources are answered.
    assert.ok(answered > runs / 3, `${answered} of ${runs} answered`);
  });

  void it('answers a typical workload, and leaves a multi-line string, non-ASCII and a List to the parse', () => {
    const deployment: ValueMap = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'prod-web', labels: { app: 'web', env: 'prod', 'app.kubernetes.io/part-of': 'yes' } },
      spec: {
        replicas: 3,
        template: {
          spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] },
        },
      },
    };
    const direct = readBackPrinted(deployment);
    assert.ok(direct);
    assert.equal(
      JSON.stringify(direct),
      JSON.stringify(loadYamlFile('d.yaml', emitYaml(deployment)).objects[0]?.raw),
    );
    assert.equal(readBackPrinted({ ...deployment, data: { script: 'a\nb' } }), undefined);
    assert.equal(readBackPrinted({ ...deployment, data: { text: 'ünïcödé' } }), undefined);
    assert.equal(readBackPrinted({ apiVersion: 'v1', kind: 'List', items: [] }), undefined);
  });

  void it('leaves a built resource to the parse where the loader limits apply (a low nesting limit)', () => {
    const files = [
      { path: 'k/kustomization.yaml', text: 'resources:\n  - deploy.yaml\nnamePrefix: p-\n' },
      {
        path: 'k/deploy.yaml',
        text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n',
      },
    ];
    const kinds = (maxNestingDepth?: number): string[] =>
      analyzeWorkspace({ files, ...(maxNestingDepth ? { limits: { maxNestingDepth } } : {}) }).objects.map(
        (o) => `${o.kind}/${o.name}`,
      );
    assert.deepEqual(kinds(), ['Deployment/p-web']);
    // Nested deeper than 3: the loader skips the printed text, and so does its reading back.
    assert.deepEqual(kinds(3), []);
  });
});
