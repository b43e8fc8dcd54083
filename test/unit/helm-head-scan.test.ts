// The line scan of a rendered manifest's head (render/helm/headScan.ts) answers what the full
// read (readHead: a YAML parse, as Helm decodes every rendered document) answers, or nothing:
// on random documents built from YAML's tricky pieces, on every golden `helm template` output of
// Helm's own tests, on every fixture, and on the large bench chart, where it must also answer
// for nearly every document (else the render pays a full parse per manifest again).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatHelmTemplate, renderChart } from '../../src/engine/render/helm';
import { scanHead } from '../../src/engine/render/helm/headScan';
import { ManifestError, readHead, splitManifests } from '../../src/engine/render/helm/manifests';
import type { Head } from '../../src/engine/render/helm/manifests';
import { memoryFs } from '../../src/engine/render/kustomize';
import { helmChart } from '../../bench/helm';
import { helmFixtureDir } from './gotemplateFixtures';

type Full = { head: Head } | { error: string };

function full(doc: string): Full {
  try {
    return { head: readHead(doc) };
  } catch (e) {
    if (e instanceof ManifestError) return { error: e.message };
    throw e;
  }
}

/** Checks the scan against the full read; true when the scan answered. */
function agrees(doc: string): boolean {
  const scanned = scanHead(doc);
  if (scanned === undefined) return false;
  const read = full(doc);
  assert.ok(
    'head' in read,
    `scan answered for a document the full read rejects (${JSON.stringify(read)}):\n${doc}`,
  );
  assert.deepEqual(scanned, read.head, `scan differs from the full read on:\n${doc}`);
  return true;
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.(?:ya?ml|txt)$/.test(name)) out.push(p);
  }
  return out;
}

const keys = [
  'apiVersion',
  'kind',
  'metadata',
  'name',
  'annotations',
  'labels',
  'spec',
  'a',
  '"kind"',
  "'name'",
  '"apiVersion"',
  'on',
  'Yes',
  '1',
  'helm.sh/hook',
  '"helm.sh/hook"',
  'a b',
  '<<',
  '? x',
  '"a\\"b"',
  'x'.repeat(1001),
];
const seps = [': ', ':', ' : ', ':  ', ':\t'];
const values = [
  '',
  'v1',
  'Service',
  'apps/v1',
  'pre-install',
  'pre-install,post-install',
  'yes',
  'True',
  'ON',
  'yEs',
  'nO',
  '1',
  '-1',
  '-x',
  '-',
  '1.5',
  '.inf',
  '~',
  'null',
  'Null',
  '0x1F',
  '1:20',
  '2001-12-14',
  '"q"',
  '""',
  '"a\\nb"',
  '"a\\tb"',
  '"a\\x41"',
  '"a\\u0041"',
  '"open',
  "'it''s'",
  "'open",
  "''",
  '|',
  '|-',
  '>+',
  '|2',
  '> # folded',
  '[]',
  '{}',
  '[a]',
  '{a: 1}',
  '["get", "list"]',
  '[a, b]',
  '[\'x\' ,"y"]',
  '[a,]',
  '[a: b]',
  '[{a: 1}]',
  '[a, [b]]',
  '[ a ] #c',
  '[a]#c',
  '&a x',
  '*a',
  '!!str x',
  '!!int "5"',
  'a: b',
  'a:',
  'x #c',
  'x#c',
  '"x" #c',
  '"x"#c',
  "'x' y",
  '- a',
  '...',
  '---',
  'é',
  'a\tb',
  '#c',
  '@x',
  '`x`',
  '%x',
  'a, b',
  'a [b] {c}',
  'x ',
];

const line: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({
      indent: fc.integer({ min: 0, max: 6 }),
      item: fc.constantFrom('', '', '', '- ', '-  ', '-'),
      key: fc.constantFrom(...keys),
      sep: fc.constantFrom(...seps),
      value: fc.constantFrom(...values),
    })
    .map((l) => ' '.repeat(l.indent) + l.item + l.key + l.sep + l.value),
  fc
    .record({
      indent: fc.integer({ min: 0, max: 6 }),
      item: fc.constantFrom('- ', '-'),
      value: fc.constantFrom(...values),
    })
    .map((l) => ' '.repeat(l.indent) + l.item + l.value),
  fc.constantFrom('', ' ', '   ', '# c', '  # c', '---', '...', '\t', '  \t', 'plain text', '%YAML 1.1'),
  fc
    .record({
      indent: fc.integer({ min: 0, max: 8 }),
      text: fc.constantFrom('text', 'a: b', '# not a comment', '\ttab', 'é', '😀', '\ufeff'),
    })
    .map((l) => ' '.repeat(l.indent) + l.text),
);

/** Documents that start like manifests, so the head paths are taken often. */
const document: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      '',
      'apiVersion: v1\n',
      'apiVersion: v1\nkind: Service\n',
      'kind: ConfigMap\nmetadata:\n  name: x\n',
    ),
    fc.array(line, { minLength: 1, maxLength: 12 }),
  )
  .map(([head, lines]) => head + lines.join('\n'));

const safeKey = fc.oneof(
  {
    arbitrary: fc.constantFrom('a', 'b', 'spec', 'labels', 'ports', 'c-d', 'x.y/z', '"q k"', "'s k'"),
    weight: 4,
  },
  { arbitrary: fc.constantFrom(...keys.slice(0, 16)), weight: 1 },
);
const safeValue = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'v1',
      'Service',
      'web',
      '"q"',
      "'s'",
      '1',
      'true',
      'a b',
      '-x',
      '[]',
      '{}',
      'x # c',
    ),
    weight: 4,
  },
  { arbitrary: fc.constantFrom(...values.slice(0, 40)), weight: 1 },
);

/** Well-formed block YAML: a mapping of scalars, nested mappings, sequences and block scalars. */
function block(indent: number, depth: number): fc.Arbitrary<string[]> {
  const pad = ' '.repeat(indent);
  const child = fc.constantFrom(1, 2, 4);
  const scalarEntry = fc.tuple(safeKey, safeValue).map(([k, v]) => [`${pad}${k}: ${v}`]);
  const blockScalar = fc
    .tuple(
      safeKey,
      fc.constantFrom('|', '|-', '>'),
      child,
      fc.array(fc.constantFrom('text', 'a: b', '# x', '', '  more', 'é'), { minLength: 1, maxLength: 3 }),
    )
    .map(([k, h, c, body]) => [
      `${pad}${k}: ${h}`,
      ...body.map((b) => (b === '' ? '' : ' '.repeat(indent + c) + b)),
    ]);
  if (depth <= 0)
    return fc.array(fc.oneof(scalarEntry, blockScalar), { minLength: 1, maxLength: 3 }).map((l) => l.flat());
  const nested = fc
    .tuple(safeKey, child)
    .chain(([k, c]) => block(indent + c, depth - 1).map((b) => [`${pad}${k}:`, ...b]));
  const sequence = fc
    .tuple(
      safeKey,
      fc.constantFrom(0, 2),
      fc.array(
        fc.oneof(
          safeValue.map((v) => [v]),
          block(0, 0),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([k, c, items]) => [
      `${pad}${k}:`,
      ...items.flatMap((it) =>
        it.map((l, i) => ' '.repeat(indent + c) + (i === 0 ? '- ' : '  ') + l.trimStart()),
      ),
    ]);
  return fc
    .array(fc.oneof(scalarEntry, blockScalar, nested, sequence), { minLength: 1, maxLength: 4 })
    .map((l) => l.flat());
}

/** Well-formed documents, each maybe with one line changed into something tricky. */
const mutated: fc.Arbitrary<string> = fc
  .tuple(block(0, 3), fc.option(fc.tuple(fc.nat(), line, fc.boolean()), { freq: 2 }))
  .map(([lines, change]) => {
    if (change !== null) {
      const [at, l, replace] = change;
      lines.splice(at % (lines.length + 1), replace ? 1 : 0, l);
    }
    return lines.join('\n');
  });

const manifestLike: fc.Arbitrary<string> = fc
  .record({
    apiVersion: fc.constantFrom('v1', 'apps/v1', '"v1"', "'v1'", '1', 'yes', ''),
    kind: fc.constantFrom('Service', 'Deployment', '"Job"', 'null', '~', '2'),
    name: fc.constantFrom('web', '"web"', 'release-name-web', 'on', '', '|', '[]'),
    annotations: fc.array(
      fc.tuple(fc.constantFrom(...keys.slice(0, 18)), fc.constantFrom(...values.slice(0, 40))),
      {
        maxLength: 4,
      },
    ),
    extra: fc.array(line, { maxLength: 5 }),
    indent: fc.constantFrom(2, 4, 1),
  })
  .map((m) => {
    const s = ' '.repeat(m.indent);
    const ann = m.annotations.map(([k, v]) => `${s}${s}${k}: ${v}`).join('\n');
    return [
      `apiVersion: ${m.apiVersion}`,
      `kind: ${m.kind}`,
      'metadata:',
      `${s}name: ${m.name}`,
      ...(m.annotations.length > 0 ? [`${s}annotations:`, ann] : []),
      'spec:',
      `${s}ports:`,
      `${s}- port: 80`,
      `${s}  targetPort: http`,
      ...m.extra,
    ].join('\n');
  });

void describe('helm head scan', () => {
  void it('answers as the full read, or not at all, on random YAML', () => {
    let answered = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.oneof(document, manifestLike, mutated, mutated), (doc) => {
        runs++;
        if (agrees(doc)) answered++;
      }),
      { numRuns: 20000, seed: 20261207 },
    );
    // The generator is only useful if it reaches the answering paths often.
    assert.ok(answered > runs / 10, `the scan answered for ${answered} of ${runs} documents`);
  });

  void it('answers as the full read on the documents of every helm template golden and fixture', () => {
    const files = [
      ...yamlFiles(join(helmFixtureDir, 'helm-testdata', 'output')),
      ...yamlFiles('test/fixtures'),
    ];
    let docs = 0;
    let answered = 0;
    for (const f of files) {
      for (const d of splitManifests(readFileSync(f, 'utf8'))) {
        docs++;
        if (agrees(d.content)) answered++;
      }
    }
    assert.ok(docs > 500, `${docs} documents`);
    assert.ok(answered > docs / 2, `the scan answered for ${answered} of ${docs} documents`);
  });

  void it('answers for nearly every document of the large bench chart', () => {
    const files = helmChart();
    const fs = memoryFs(Object.fromEntries(files.map((f) => [`/ws/${f.path}`, f.text])));
    const out = formatHelmTemplate(renderChart(fs, '/ws/platform')).stdout;
    const docs = splitManifests(out);
    const answered = docs.filter((d) => agrees(d.content)).length;
    assert.ok(
      answered >= docs.length * 0.95,
      `the scan answered for ${answered} of ${docs.length} documents`,
    );
  });

  void it('leaves to the parse what only a parse can tell', () => {
    const cases: [string, string][] = [
      ['anchor', 'kind: &k Service\nname: *k'],
      ['tag', 'kind: !!str Service'],
      ['flow map', 'metadata: {name: x}'],
      ['multi-line plain', 'kind: Ser\n  vice'],
      ['tab indent', 'metadata:\n\tname: x'],
      ['number kind', 'kind: 5'],
      ['bool name', 'metadata:\n  name: yes'],
      ['duplicate kind', 'kind: A\nkind: B'],
      ['annotation block scalar', 'metadata:\n  annotations:\n    a: |\n      x'],
      ['non-ASCII value', 'metadata:\n  name: café'],
      ['nested mapping on one line', 'kind: a: b'],
      ['root sequence', '- a'],
      ['comments only', '# nothing'],
    ];
    for (const [what, doc] of cases) assert.equal(scanHead(doc), undefined, what);
  });

  void it('reads heads through block scalars, sequences and comments', () => {
    const doc = [
      '# Source: chart/templates/cm.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: "release-name-cm"',
      '  labels:',
      '    app: web # the app',
      '  annotations:',
      "    helm.sh/hook: 'pre-install,post-upgrade'",
      '    "helm.sh/hook-weight": "-5"',
      '    empty:',
      'data:',
      '  script: |',
      '    #!/bin/sh',
      '    kind: not this',
      '',
      '    echo done',
      '  list:',
      '  - a',
      '  - name: x',
      '    value: y',
      '  -',
      '    deep: 1',
      'items: []',
    ].join('\n');
    assert.deepEqual(scanHead(doc), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'release-name-cm',
      annotations: new Map([
        ['helm.sh/hook', 'pre-install,post-upgrade'],
        ['helm.sh/hook-weight', '-5'],
        ['empty', ''],
      ]),
    });
    assert.ok(agrees(doc));
  });
});
