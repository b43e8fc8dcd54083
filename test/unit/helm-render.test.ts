// The Helm render stage's parts on their own: the .tgz reader, strvals errors, values
// coalescing, toYaml's goyaml.v2 text, SortManifests' order and hooks, the built-in objects
// (.Chart as a Go struct, .Files), chart loading rules, and the per-line source map.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'fflate';
import type { Value } from '../../src/engine/render/gotemplate';
import { GoTyped } from '../../src/engine/render/gotemplate';
import {
  coalesceValues,
  formatHelmTemplate,
  INSTALL_ORDER,
  isCompatibleRange,
  loadArchiveFiles,
  parseIgnoreRules,
  parseSet,
  readTar,
  renderChart,
  renderChartFiles,
  sortManifests,
  splitManifests,
  toJson,
  toYaml,
} from '../../src/engine/render/helm';
import { memoryFs } from '../../src/engine/render/kustomize';
import { helmFixtureDir } from './gotemplateFixtures';

const charts = join(helmFixtureDir, 'helm-testdata', 'testcharts');

function files(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (statSync(join(dir, r)).isDirectory()) out.push(...files(dir, r));
    else out.push(r);
  }
  return out;
}

/** A ustar header block + data, as `tar` writes an entry. */
function tarEntry(name: string, data: Uint8Array, type = '0'): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number): void => h.set(new TextEncoder().encode(s), at);
  put(name.slice(0, 100), 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put(type, 156);
  put('ustar\0', 257);
  put('00', 263);
  put('        ', 148);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
  body.set(data);
  const out = new Uint8Array(512 + body.length);
  out.set(h);
  out.set(body, 512);
  return out;
}

function tgz(entries: Uint8Array[]): Uint8Array {
  const total = entries.reduce((n, e) => n + e.length, 0) + 1024;
  const tar = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    tar.set(e, at);
    at += e.length;
  }
  return gzipSync(tar);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

void describe('helm: packaged charts (.tgz)', () => {
  void it('reads the packaged common library: every file of the archive, the leading directory dropped', () => {
    const data = readFileSync(
      join(charts, 'chart-with-template-lib-archive-dep', 'charts', 'common-0.0.5.tgz'),
    );
    const got = loadArchiveFiles(new Uint8Array(data)).map((f) => f.name);
    // The same chart unpacked beside it (chart-with-template-lib-dep/charts/common) has these files too.
    const dir = join(charts, 'chart-with-template-lib-dep', 'charts', 'common');
    for (const f of files(dir)) assert.ok(got.includes(f), `${f} missing from the archive listing`);
    assert.ok(got.every((n) => !n.startsWith('common/')));
    const chartYaml = loadArchiveFiles(new Uint8Array(data)).find((f) => f.name === 'Chart.yaml');
    assert.equal(new TextDecoder().decode(chartYaml?.data), readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
  });

  void it('applies PAX paths and refuses what Helm refuses', () => {
    const long = `c/templates/${'x'.repeat(120)}.yaml`;
    // A PAX record is `LEN path=VALUE\n`, LEN counting itself.
    const body = ` path=${long}\n`;
    const len = body.length + String(body.length + 3).length;
    const pax = text(`${len}${body}`);
    const entries = readTar(
      (() => {
        const raw = [tarEntry('PaxHeader', pax, 'x'), tarEntry('short', text('hi'))];
        const t = new Uint8Array(raw[0]!.length + raw[1]!.length + 1024);
        t.set(raw[0]!);
        t.set(raw[1]!, raw[0]!.length);
        return t;
      })(),
    );
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.name, long);
    assert.throws(
      () => loadArchiveFiles(tgz([tarEntry('c/../../etc/passwd', text('x'))])),
      /references parent directory/,
    );
    assert.throws(
      () => loadArchiveFiles(tgz([tarEntry('Chart.yaml/values.yaml', text('x'))])),
      /chart yaml not in base directory/,
    );
    assert.throws(() => loadArchiveFiles(tgz([])), /no files in chart archive/);
    // Bounded: a large member fails against the limits instead of being inflated whole.
    const big = tgz([tarEntry('c/big', new Uint8Array(200_000))]);
    assert.throws(
      () => loadArchiveFiles(big, { maxChartSize: 100_000, maxFileSize: 50_000 }),
      /larger than the maximum file size/,
    );
  });
});

void describe('helm: strvals', () => {
  void it('types --set scalars as typedVal does and words errors as parser.go', () => {
    const m = parseSet('a=1,b=true,c=null,d=007,e={x,y},f[1]=z');
    assert.ok(m.get('a') instanceof GoTyped && (m.get('a') as GoTyped).kind === 'int64');
    assert.equal(m.get('b'), true);
    assert.equal(m.get('c'), null);
    assert.equal(m.get('d'), '007');
    assert.deepEqual(m.get('e'), ['x', 'y']);
    assert.deepEqual(m.get('f'), [null, 'z']);
    assert.throws(() => parseSet('name1'), /^StrvalsError: key "name1" has no value$/);
    assert.throws(
      () => parseSet('a=1,a.b=2'),
      /unable to parse key: interface conversion: interface \{\} is int64, not map\[string\]interface \{\}/,
    );
  });
});

void describe('helm: values coalescing (chartutil.CoalesceValues)', () => {
  const chart = {
    name: 'parent',
    values: new Map<string, Value>([
      ['keep', 'default'],
      ['drop', 'default'],
      ['global', new Map<string, Value>([['region', 'eu']])],
      ['child', new Map<string, Value>([['fromParent', 1]])],
    ]),
    dependencies: [
      {
        name: 'child',
        values: new Map<string, Value>([
          ['own', 'x'],
          ['fromParent', 0],
          [
            'global',
            new Map<string, Value>([
              ['region', 'us'],
              ['tier', 'web'],
            ]),
          ],
        ]),
        dependencies: [],
      },
    ],
  };
  void it('user values win, a user null deletes the key, globals flow down with the parent winning', () => {
    const out = coalesceValues(
      chart,
      new Map<string, Value>([
        ['drop', null],
        ['extra', true],
      ]),
      false,
    );
    assert.equal(out.get('keep'), 'default');
    assert.equal(out.has('drop'), false);
    assert.equal(out.get('extra'), true);
    const child = out.get('child') as ReadonlyMap<string, Value>;
    assert.equal(child.get('own'), 'x');
    assert.equal(child.get('fromParent'), 1);
    const g = child.get('global') as ReadonlyMap<string, Value>;
    assert.equal(g.get('region'), 'eu');
    assert.equal(g.get('tier'), 'web');
  });
  void it('merge (the dependency pass) keeps nulls', () => {
    const out = coalesceValues(chart, new Map<string, Value>([['drop', null]]), true);
    assert.equal(out.has('drop'), true);
    assert.equal(out.get('drop'), null);
  });
});

void describe('helm: toYaml and toJson as Go prints them', () => {
  void it('sorts keys, quotes what goyaml.v2 would read as another type, floats as strconv g', () => {
    const v = new Map<string, Value>([
      ['b', 'yes'],
      ['a', ['1.0', '', 'plain']],
      ['c', 'line1\nline2'],
      ['n', 1000000],
      ['f', 1234567.5],
      ['i', new GoTyped('int64', 42n)],
    ]);
    assert.equal(
      toYaml(v),
      // goyaml.v2 resolves `n` (like y, yes, on) as a bool, so even that key is quoted.
      'a:\n- "1.0"\n- ""\n- plain\nb: "yes"\nc: |-\n  line1\n  line2\nf: 1.2345675e+06\ni: 42\n"n": 1000000',
    );
    assert.equal(
      toJson(
        new Map<string, Value>([
          ['h', '<a&b>'],
          ['x', 1e21],
        ]),
      ),
      '{"h":"\\u003ca\\u0026b\\u003e","x":1e+21}',
    );
  });
});

void describe('helm: SortManifests (releaseutil)', () => {
  void it('orders files by path, documents in file order, then kinds by InstallOrder (unknown last, by name); hooks apart', () => {
    const doc = (kind: string, name: string, hook?: string): string =>
      `kind: ${kind}\nmetadata:\n  name: ${name}\n${hook ? `  annotations:\n    helm.sh/hook: ${hook}\n` : ''}`;
    const files = new Map([
      [
        'c/templates/b.yaml',
        `${doc('Zed', 'z')}---\n${doc('Deployment', 'd1')}---\n${doc('Job', 'j', 'pre-install')}`,
      ],
      [
        'c/templates/a.yaml',
        `${doc('Service', 's')}\n---\n${doc('Alpha', 'a')}---\n${doc('Deployment', 'd0')}`,
      ],
      ['c/templates/_partial.yaml', doc('Service', 'never')],
      ['c/templates/w.yaml', doc('Pod', 'weird', 'no-such-event')],
    ]);
    const r = sortManifests(files);
    const kinds = r.manifests.map((m) => `${m.head.kind}/${m.head.name}`);
    assert.deepEqual(kinds, ['Service/s', 'Deployment/d0', 'Deployment/d1', 'Alpha/a', 'Zed/z']);
    assert.ok(INSTALL_ORDER.indexOf('Service') < INSTALL_ORDER.indexOf('Deployment'));
    assert.deepEqual(
      r.hooks.map((h) => h.head.name),
      ['j'],
    );
    assert.match(r.skipped[0] ?? '', /skipping unknown hook: "no-such-event"/);
  });
  void it('splits on --- lines as SplitManifests, keeping offsets', () => {
    const text = '\n\nkind: A\n---\nkind: B\n--- \n\n---\nkind: C\n';
    const docs = splitManifests(text);
    // The separator regexp eats the blank lines after `--- `, so the next `---` has no newline
    // before it and stays in the document, as in Go.
    assert.deepEqual(
      docs.map((d) => d.content),
      ['kind: A', 'kind: B', '---\nkind: C'],
    );
    for (const d of docs) assert.equal(text.slice(d.offset, d.offset + d.content.length), d.content);
  });
});

const mem = (files: Record<string, string>): ReturnType<typeof memoryFs> =>
  memoryFs(Object.fromEntries(Object.entries(files).map(([p, t]) => [`/c/${p}`, t])));

void describe('helm: built-in objects and chart rules', () => {
  void it('.Chart is a Go struct (missing field is an error), .Files reads non-template files', () => {
    const fs = mem({
      'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.2.3\nappVersion: "9"\n',
      '.helmignore': 'secret.txt\n',
      'conf/a.conf': 'A=1\n',
      'conf/b.conf': 'B=2\n',
      'secret.txt': 'hidden',
      'templates/cm.yaml':
        'kind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Chart.AppVersion }}\ndata:\n{{ (.Files.Glob "conf/*").AsConfig | indent 2 }}\n  lines: {{ .Files.Lines "conf/a.conf" | len }}\n  secret: "{{ .Files.Get "secret.txt" }}"\n  root: {{ .Chart.IsRoot }}\n',
    });
    const r = renderChart(fs, '/c');
    assert.equal(r.error, undefined);
    assert.equal(
      r.manifests[0]?.content,
      'kind: ConfigMap\nmetadata:\n  name: c-9\ndata:\n  a.conf: |\n    A=1\n  b.conf: |\n    B=2\n  lines: 1\n  secret: ""\n  root: true',
    );
    const bad = renderChart(
      mem({
        'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n',
        'templates/x.yaml': 'a: {{ .Chart.Nope }}\n',
      }),
      '/c',
    );
    assert.equal(
      bad.error?.message,
      // Go's parser places a field chain at its last field (parse.go operand): byte 12.
      `template: c/templates/x.yaml:1:12: executing "c/templates/x.yaml" at <.Chart.Nope>: can't evaluate field Nope in type struct { chart.Metadata; IsRoot bool }`,
    );
  });

  void it('v1 requirements.yaml, conditions, aliases; missing dependencies and library charts as helm words them', () => {
    const sub = 'apiVersion: v2\nname: sub\nversion: 0.1.0\n';
    const fs = mem({
      'Chart.yaml': 'apiVersion: v1\nname: c\nversion: 1.0.0\n',
      'requirements.yaml':
        'dependencies:\n- name: sub\n  version: ~0.1.0\n  alias: first\n- name: sub\n  version: ">=0.1"\n  alias: second\n  condition: second.enabled\n',
      'values.yaml': 'second:\n  enabled: false\nfirst:\n  who: one\n',
      'charts/sub/Chart.yaml': sub,
      'charts/sub/templates/cm.yaml':
        'kind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Values.who }}\n',
    });
    const r = renderChart(fs, '/c');
    assert.equal(r.error, undefined);
    assert.deepEqual(
      r.manifests.map((m) => [m.source, m.name]),
      [['c/charts/first/templates/cm.yaml', 'first-one']],
    );
    const missing = renderChart(
      mem({
        'Chart.yaml':
          'apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 1.x\n',
      }),
      '/c',
    );
    assert.match(
      missing.error?.message ?? '',
      /found in Chart\.yaml, but missing in charts\/ directory: redis$/,
    );
    const lib = renderChart(
      mem({ 'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\ntype: library\n' }),
      '/c',
    );
    assert.equal(lib.error?.message, 'library charts are not installable');
    assert.equal(formatHelmTemplate(lib).error, 'Error: library charts are not installable\n');
  });

  void it('renders a chart given as a file map (text and bytes), the same as from a directory', () => {
    const chart = {
      'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\nkeywords: [a, b]\n',
      'templates/x.yaml':
        "kind: ConfigMap\ndata:\n  k: '{{ typeOf .Chart.Keywords }} {{ .Chart.Keywords }}'\n",
    };
    const fromMap = renderChartFiles({
      ...chart,
      'templates/y.yaml': new TextEncoder().encode('kind: Secret\n'),
    });
    const fromDir = renderChart(mem({ ...chart, 'templates/y.yaml': 'kind: Secret\n' }), '/c');
    assert.equal(fromMap.error, undefined);
    assert.deepEqual(formatHelmTemplate(fromMap), formatHelmTemplate(fromDir));
    assert.match(fromMap.manifests[1]?.content ?? '', /k: '\[\]string \[a b\]'/);
  });

  void it('values.schema.json is checked with the chart named', () => {
    const r = renderChart(
      mem({
        'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n',
        'values.yaml': 'replicas: one\n',
        'values.schema.json':
          '{"type":"object","required":["image"],"properties":{"replicas":{"type":"integer"}}}',
      }),
      '/c',
    );
    assert.equal(
      r.error?.message,
      "values don't meet the specifications of the schema(s) in the following chart(s):\nc:\n- at '': missing property 'image'\n- at '/replicas': got string, want integer\n",
    );
  });

  void it('semver constraints and .helmignore as Helm reads them', () => {
    assert.ok(isCompatibleRange('^1.2.0', '1.9.9'));
    assert.ok(!isCompatibleRange('^1.2.0', '2.0.0'));
    assert.ok(isCompatibleRange('~0.1.0', '0.1.7'));
    assert.ok(!isCompatibleRange('>=1.20.0', '1.20.0-rc.1'));
    assert.ok(isCompatibleRange('>= 1.19 < 1.30 || 2.x', '2.4.0'));
    const rules = parseIgnoreRules('*.tmp\n/docs/\n');
    assert.ok(rules.ignore('a/b.tmp', false));
    assert.ok(rules.ignore('docs', true));
    assert.ok(!rules.ignore('docs', false));
    assert.ok(rules.ignore('templates/.hidden', false));
    // A `-` outside a class is a plain character (kube-prometheus-stack's `kube-prometheus-*.tgz`).
    const dashed = parseIgnoreRules('kube-prometheus-*.tgz\n[a-c]-x\n');
    assert.ok(dashed.ignore('kube-prometheus-1.0.tgz', false));
    assert.ok(!dashed.ignore('kube-prometheus.tgz', false));
    assert.ok(dashed.ignore('b-x', false));
    assert.ok(!dashed.ignore('d-x', false));
  });
});

void describe('helm: source map', () => {
  void it('maps each manifest line to the template line and file that wrote it', () => {
    const dir = join(charts, 'subchart');
    const texts: Record<string, string> = {};
    for (const f of files(dir)) texts[`/subchart/${f}`] = readFileSync(join(dir, f), 'utf8');
    const r = renderChart(memoryFs(texts), '/subchart');
    const svc = r.manifests.find((m) => m.source === 'subchart/templates/service.yaml');
    assert.ok(svc);
    const template = texts['/subchart/templates/service.yaml']!.split('\n');
    const out = svc.content.split('\n');
    // `  type: ClusterIP` comes from `  type: {{ .Values.service.type }}`.
    const at = out.indexOf('  type: ClusterIP');
    const pos = svc.sourceMap[at];
    assert.equal(pos?.file, '/subchart/templates/service.yaml');
    assert.equal(pos?.template, 'subchart/templates/service.yaml');
    assert.equal(template[(pos?.line ?? 0) - 1], '  type: {{ .Values.service.type }}');
    assert.equal(pos?.column, 3);
    // The value on that line is its own piece, from the action `{{ .Values.service.type }}`.
    const spans = svc.sourceSpans[at] ?? [];
    const value = spans.find((p) => p.column === out[at]!.indexOf('ClusterIP') + 1);
    assert.equal(value?.origin.kind, 'action');
    assert.equal(value?.origin.line, pos?.line);
    // An action is placed at its pipeline's first token, as Go's parser places ActionNodes.
    const tline = template[(pos?.line ?? 0) - 1]!;
    assert.ok(tline.slice((value?.origin.column ?? 1) - 1).startsWith('.Values.service.type }}'));
    // Every line maps to a template line whose literal text, where it is text, is the output's.
    svc.sourceMap.forEach((p, i) => {
      assert.ok(p, `line ${i + 1} has no origin`);
      if (p.kind === 'text') assert.ok(template[p.line - 1]!.includes(out[i]!.trim().split(' ')[0]!));
    });
    // A subchart's manifest maps into the subchart's own file.
    const sub = r.manifests.find((m) => m.source === 'subchart/charts/subcharta/templates/service.yaml');
    assert.equal(sub?.sourceMap[0]?.file, '/subchart/charts/subchartA/templates/service.yaml');
  });
});
