// Values lines in the Helm source map: a rendered value read from values knows the values
// file line (or --set flag) that set it, in Helm's precedence. Checked on the charts and the
// argument table of Helm's own `helm template` goldens (TestTemplateCmd), and on small charts
// for the template constructs real charts use (include, toYaml, default, range, with, tpl,
// variables, subcharts, globals).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { WorkspaceFile } from '../../src/engine';
import { analyzeWorkspace, renderedText, templateValueAt, valueRefText } from '../../src/engine';
import type { HelmManifest, HelmRenderOptions, HelmValueOrigin } from '../../src/engine/render/helm';
import { renderChart, renderChartFiles } from '../../src/engine/render/helm';
import { memoryFs } from '../../src/engine/render/kustomize';
import { templateValuesHover } from '../../src/extension/hoverText';
import { helmFixtureDir } from './gotemplateFixtures';

const testdata = join(helmFixtureDir, 'helm-testdata');

interface Case {
  readonly golden: string;
  readonly chart: string | null;
  readonly args: readonly string[];
  readonly wantError?: boolean;
}

function files_(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (statSync(join(dir, r)).isDirectory()) out.push(...files_(dir, r));
    else out.push(r);
  }
  return out;
}

/** The origins of the values printed on the manifest line equal to `text`. */
function valuesAt(m: HelmManifest | undefined, text: string): readonly HelmValueOrigin[] {
  assert.ok(m, 'manifest rendered');
  const i = m.content.split('\n').indexOf(text);
  assert.ok(i >= 0, `line ${JSON.stringify(text)} in ${m.source}`);
  return (m.sourceSpans[i] ?? []).flatMap((s) => s.origin.values ?? []);
}

/** 1-based line of the first line of `text` that matches `re`. */
function lineOf(text: string, re: RegExp): number {
  const i = text.split('\n').findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matching ${re}`);
  return i + 1;
}

void describe('helm values source map: the goldens of helm template', () => {
  const index = JSON.parse(readFileSync(join(testdata, 'index.json'), 'utf8')) as { cases: Case[] };
  const chartDir = join(testdata, 'testcharts', 'subchart');
  const texts: Record<string, string> = {};
  for (const f of files_(chartDir)) texts[`/subchart/${f}`] = readFileSync(join(chartDir, f), 'utf8');
  const chartValues = texts['/subchart/values.yaml']!;

  /** The golden's arguments as render options (the flags these cases use). */
  const optionsOf = (args: readonly string[]): HelmRenderOptions => {
    const set: string[] = [];
    const valuesFiles: { name: string; text: string }[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--set') set.push(args[++i]!);
      if (a === '--values' || a === '-f') {
        const name = args[++i]!;
        valuesFiles.push({ name, text: readFileSync(join(testdata, name), 'utf8') });
      }
    }
    return { set, valuesFiles };
  };
  const withValues = index.cases.filter(
    (c) =>
      c.chart === 'testcharts/subchart' &&
      !c.wantError &&
      c.args.some((a) => a === '--set' || a === '--values' || a === '-f'),
  );

  void it('covers the goldens that pass values', () => {
    assert.ok(withValues.length >= 4, `${withValues.length} cases`);
  });

  for (const c of withValues) {
    void it(`${c.golden}: each printed value names the flag or values line that set it`, () => {
      const options = optionsOf(c.args);
      const r = renderChart(memoryFs(texts), '/subchart', options);
      assert.equal(r.error, undefined);
      const svc = r.manifests.find((m) => m.source === 'subchart/templates/service.yaml');
      const name = svc?.content.split('\n').find((l) => /^ {4}name: /.test(l));
      assert.ok(name);
      const [origin] = valuesAt(svc, name);
      const setName = options.set?.find((s) => s.startsWith('service.name='));
      const fileName = [...(options.valuesFiles ?? [])]
        .reverse()
        .find((f) => /^service:\n(?: .*\n)*? {2}name:/m.test(f.text));
      if (setName !== undefined) {
        assert.deepEqual(origin, { path: 'service.name', source: 'set', flag: `--set ${setName}` });
      } else if (fileName !== undefined) {
        assert.equal(origin?.source, 'file');
        assert.equal(origin?.file, fileName.name);
        assert.equal(origin?.line, lineOf(fileName.text, /^ {2}name:/));
      } else {
        assert.equal(origin?.source, 'chart');
        assert.equal(origin?.file, '/subchart/values.yaml');
        assert.equal(origin?.line, lineOf(chartValues, /^ {2}name:/));
        assert.equal(origin?.column, 3);
      }
      // The ConfigMap (enabled by a flag or a file) prints configmap.value from its setter.
      const cm = r.manifests.find((m) => m.source === 'subchart/templates/subdir/configmap.yaml');
      if (cm === undefined) return;
      const valueLine = cm.content.split('\n').find((l) => l.startsWith('  value: '))!;
      const [v] = valuesAt(cm, valueLine);
      const setValue = options.set?.find((s) => s.startsWith('configmap.value='));
      const fileValue = options.valuesFiles?.find((f) => /^configmap:/m.test(f.text));
      if (setValue !== undefined) assert.equal(v?.flag, `--set ${setValue}`);
      else if (fileValue !== undefined) {
        assert.equal(v?.file, fileValue.name);
        assert.equal(v?.line, lineOf(fileValue.text, /^ {2}value:/));
      } else assert.equal(v?.line, lineOf(chartValues, /^ {2}value:/));
    });
  }

  void it("a subchart's value comes from its own values.yaml unless the parent sets it", () => {
    const r = renderChart(memoryFs(texts), '/subchart', { set: ['subcharta.service.type=NodePort'] });
    const sub = r.manifests.find((m) => m.source === 'subchart/charts/subcharta/templates/service.yaml');
    const [byParent] = valuesAt(sub, '  type: NodePort');
    assert.deepEqual(byParent, {
      path: 'subcharta.service.type',
      source: 'set',
      flag: '--set subcharta.service.type=NodePort',
    });
    const own = texts['/subchart/charts/subchartA/values.yaml']!;
    const [mine] = valuesAt(sub, '    name: apache');
    assert.equal(mine?.file, '/subchart/charts/subchartA/values.yaml');
    assert.equal(mine?.path, 'service.name');
    assert.equal(mine?.line, lineOf(own, /^ {2}name: apache/));
  });
});

void describe('helm values source map: template constructs', () => {
  const chart = (templates: Record<string, string>, values: string, extra: Record<string, string> = {}) => ({
    'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'values.yaml': values,
    ...Object.fromEntries(Object.entries(templates).map(([k, v]) => [`templates/${k}`, v])),
    ...extra,
  });
  const values = [
    'nameOverride: web',
    'service:',
    '  port: 8080',
    '  empty: ""',
    'resources:',
    '  limits:',
    '    cpu: 100m',
    'hosts:',
    '  - a.example.com',
    '  - b.example.com',
    'ports:',
    '  - name: http',
    '    port: 80',
    'annotation: "{{ .Values.nameOverride }}-x"',
    'global:',
    '  region: eu',
    '',
  ].join('\n');
  const line = (re: RegExp): number => lineOf(values, re);
  const render = (tpl: string, extra: Record<string, string> = {}, options: HelmRenderOptions = {}) => {
    const r = renderChartFiles(chart({ 'cm.yaml': tpl }, values, extra), options);
    assert.equal(r.error, undefined, r.error?.message);
    return r.manifests[0];
  };
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n';

  void it('a field read: the key line of the values file', () => {
    const m = render(`${head}  port: {{ .Values.service.port | quote }}\n`);
    const [o] = valuesAt(m, '  port: "8080"');
    assert.deepEqual(o, {
      path: 'service.port',
      source: 'chart',
      file: '/chart/values.yaml',
      line: line(/^ {2}port: 8080/),
      column: 3,
    });
  });

  void it('default: the value when set, nothing when the default is used', () => {
    const m = render(
      `${head}  a: {{ .Values.service.port | default 1 }}\n  b: {{ .Values.service.empty | default "d" }}\n  c: {{ .Values.missing | default "d" }}\n`,
    );
    assert.equal(valuesAt(m, '  a: 8080')[0]?.line, line(/^ {2}port:/));
    assert.deepEqual(valuesAt(m, '  b: d'), []);
    assert.deepEqual(valuesAt(m, '  c: d'), []);
  });

  void it('toYaml of a map: the key line of that map, on every line it wrote', () => {
    const m = render(`${head}  r: |\n    {{- toYaml .Values.resources | nindent 4 }}\n`);
    for (const l of ['    limits:', '      cpu: 100m'])
      assert.equal(valuesAt(m, l)[0]?.line, line(/^resources:/));
  });

  void it('range and with: the list item and the field of dot', () => {
    const m = render(
      `${head}{{- range .Values.hosts }}\n  {{ . }}: "1"\n{{- end }}\n{{- with .Values.service }}\n  withport: "{{ .port }}"\n{{- end }}\n{{- range $i, $p := .Values.ports }}\n  {{ $p.name }}: "{{ $p.port }}"\n{{- end }}\n`,
    );
    assert.equal(valuesAt(m, '  a.example.com: "1"')[0]?.line, line(/a\.example\.com/));
    assert.equal(valuesAt(m, '  b.example.com: "1"')[0]?.path, 'hosts[1]');
    assert.equal(valuesAt(m, '  withport: "8080"')[0]?.line, line(/^ {2}port: 8080/));
    const http = valuesAt(m, '  http: "80"');
    assert.deepEqual(
      http.map((o) => o.path),
      ['ports[0].name', 'ports[0].port'],
    );
  });

  void it('variables and include carry what they read', () => {
    const helpers = '{{- define "app.name" -}}{{ .Values.nameOverride | trunc 63 }}{{- end }}';
    const m = render(
      `${head}{{- $p := .Values.service.port }}\n  v: "{{ $p }}"\n  n: {{ include "app.name" . }}\n`,
      {
        'templates/_helpers.tpl': helpers,
      },
    );
    assert.equal(valuesAt(m, '  v: "8080"')[0]?.path, 'service.port');
    assert.equal(valuesAt(m, '  n: web')[0]?.line, line(/^nameOverride:/));
  });

  void it('tpl: the values the template text read, and the text itself', () => {
    const m = render(`${head}  t: {{ tpl .Values.annotation . }}\n`);
    assert.deepEqual(
      valuesAt(m, '  t: web-x').map((o) => o.path),
      ['annotation', 'nameOverride'],
    );
  });

  void it('a values file and --set win over values.yaml, in Helm order', () => {
    const prod = 'service:\n  port: 9090\n';
    const tpl = `${head}  port: "{{ .Values.service.port }}"\n`;
    const m = render(tpl, {}, { valuesFiles: [{ name: 'values-prod.yaml', text: prod }] });
    assert.deepEqual(valuesAt(m, '  port: "9090"'), [
      { path: 'service.port', source: 'file', file: 'values-prod.yaml', line: 2, column: 3 },
    ]);
    const s = render(
      tpl,
      {},
      { valuesFiles: [{ name: 'values-prod.yaml', text: prod }], set: ['service.port=7070'] },
    );
    assert.equal(valuesAt(s, '  port: "7070"')[0]?.flag, '--set service.port=7070');
  });

  void it("subcharts: the parent's values and globals before the subchart's own", () => {
    const sub = {
      'charts/db/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 0.1.0\n',
      'charts/db/values.yaml': 'port: 5432\nuser: admin\nglobal:\n  region: us\n  tier: low\n',
      'charts/db/templates/cm.yaml': `${head}  port: "{{ .Values.port }}"\n  user: {{ .Values.user }}\n  region: {{ .Values.global.region }}\n  tier: {{ .Values.global.tier }}\n`,
    };
    const r = renderChartFiles({ ...chart({}, `${values}db:\n  port: 6543\n`), ...sub });
    assert.equal(r.error, undefined);
    const m = r.manifests.find((x) => x.source === 'app/charts/db/templates/cm.yaml');
    assert.deepEqual(valuesAt(m, '  port: "6543"')[0], {
      path: 'db.port',
      source: 'chart',
      file: '/chart/values.yaml',
      line: values.split('\n').length + 1,
      column: 3,
    });
    assert.equal(valuesAt(m, '  user: admin')[0]?.file, '/chart/charts/db/values.yaml');
    const region = valuesAt(m, '  region: eu')[0];
    assert.equal(region?.file, '/chart/values.yaml');
    assert.equal(region?.path, 'global.region');
    assert.equal(valuesAt(m, '  tier: low')[0]?.file, '/chart/charts/db/values.yaml');
  });
});

void describe('helm values source map: findings and the template hover', () => {
  const CHART: Record<string, string> = {
    'shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
    'shop/values.yaml': '# shop\nreplicas: 2\nservice:\n  targetPort: 8080\ncontainerPort: 8080\n',
    'shop/values-prod.yaml': 'service:\n  targetPort: 9999\n',
    'shop/templates/_helpers.tpl': '{{- define "shop.labels" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n',
    'shop/templates/deployment.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}-shop',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '  selector:',
      '    matchLabels:',
      '      {{- include "shop.labels" . | nindent 6 }}',
      '  template:',
      '    metadata:',
      '      labels:',
      '        {{- include "shop.labels" . | nindent 8 }}',
      '    spec:',
      '      containers:',
      '        - name: shop',
      '          image: nginx',
      '          ports:',
      '            - containerPort: {{ .Values.containerPort }}',
      '',
    ].join('\n'),
    'shop/templates/service.yaml': [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: {{ .Release.Name }}-shop',
      'spec:',
      '  selector:',
      '    {{- include "shop.labels" . | nindent 4 }}',
      '  ports:',
      '    - port: 80',
      '      targetPort: {{ .Values.service.targetPort }}',
      '',
    ].join('\n'),
  };
  const files = (): WorkspaceFile[] => Object.entries(CHART).map(([path, text]) => ({ path, text }));
  const targetPortLine =
    CHART['shop/templates/service.yaml']!.split('\n').indexOf(
      '      targetPort: {{ .Values.service.targetPort }}',
    ) + 1;

  void it('a finding on a template line names the values line that set the value', () => {
    const a = analyzeWorkspace({ files: files(), helm: { valuesFiles: ['shop/values-prod.yaml'] } });
    const d = a.diagnostics.find((x) => x.code === 'service-target-port-not-found');
    assert.ok(d, JSON.stringify(a.diagnostics.map((x) => x.code)));
    assert.equal(d.range.file, 'shop/templates/service.yaml');
    assert.equal(d.range.line, targetPortLine);
    const prodLine = lineOf(CHART['shop/values-prod.yaml']!, /targetPort/);
    assert.deepEqual(
      d.related?.filter((r) => r.message.startsWith('value from')),
      [
        {
          range: {
            file: 'shop/values-prod.yaml',
            line: prodLine,
            column: 3,
            endLine: prodLine,
            endColumn: 13,
          },
          message: `value from shop/values-prod.yaml:${prodLine} (service.targetPort)`,
        },
      ],
    );
    // The same finding from --set names the flag, at the finding's place.
    const s = analyzeWorkspace({ files: files(), helm: { set: ['service.targetPort=7777'] } });
    const f = s.diagnostics.find((x) => x.code === 'service-target-port-not-found');
    assert.deepEqual(
      f?.related
        ?.filter((r) => r.message.startsWith('value from'))
        .map((r) => [r.message, r.range.file, r.range.line]),
      [['value from --set service.targetPort=7777', 'shop/templates/service.yaml', targetPortLine]],
    );
    // A value that matches has no finding at all.
    assert.ok(
      !analyzeWorkspace({ files: files() }).diagnostics.some(
        (x) => x.code === 'service-target-port-not-found',
      ),
    );
  });

  void it('templateValueAt: what an action printed and where its value was set', () => {
    const a = analyzeWorkspace({ files: files() });
    const col = '      targetPort: {{ .Values.service.targetPort }}'.indexOf('.Values') + 5;
    const [v, ...rest] = templateValueAt(a, 'shop/templates/service.yaml', targetPortLine, col);
    assert.equal(rest.length, 0);
    assert.equal(v?.rendered, '8080');
    assert.deepEqual(v?.resource, { kind: 'Service', namespace: '', name: 'release-name-shop' });
    assert.equal(v?.analysed, true);
    const valuesLine = lineOf(CHART['shop/values.yaml']!, /targetPort/);
    assert.deepEqual(v?.values, [
      { path: 'service.targetPort', file: 'shop/values.yaml', line: valuesLine, column: 3 },
    ]);
    assert.equal(valueRefText(v.values[0]!), `shop/values.yaml:${valuesLine} (service.targetPort)`);
    // The hover names the rendered value and its values line.
    assert.equal(
      templateValuesHover([v]),
      `**Helm** · what this action renders\n\n- \`8080\` in Service \`release-name-shop\`\n  - \`service.targetPort\` from \`shop/values.yaml:${valuesLine}\``,
    );
    assert.equal(templateValuesHover([]), '');
    // Text outside any action that printed values answers nothing.
    assert.deepEqual(templateValueAt(a, 'shop/templates/service.yaml', targetPortLine, 3), []);
    assert.deepEqual(templateValueAt(a, 'shop/templates/service.yaml', 4, 12), []);
  });
});

void describe('helm: the rendered manifest of one template', () => {
  void it('renderedText with --show-only prints that template alone, as helm template does', () => {
    const dir = join(testdata, 'testcharts', 'subchart');
    const files = new Map<string, string>();
    for (const f of files_(dir)) files.set(`subchart/${f}`, readFileSync(join(dir, f), 'utf8'));
    const target = { kind: 'helm' as const, dir: 'subchart', file: 'subchart/Chart.yaml' };
    const golden = readFileSync(join(testdata, 'output', 'template-show-only-one.txt'), 'utf8');
    const one = renderedText(files, target, {}, undefined, { showOnly: ['templates/service.yaml'] });
    assert.equal(one.error, undefined);
    assert.equal(one.text, golden);
    const whole = renderedText(files, target);
    assert.ok(whole.text.length > one.text.length);
    const none = renderedText(files, target, {}, undefined, { showOnly: ['templates/nope.yaml'] });
    assert.equal(none.error, 'Error: could not find template templates/nope.yaml in chart');
  });
});
