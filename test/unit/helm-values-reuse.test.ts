// A values edit re-executes only the templates whose reads of the values answer differently
// (render/helm/incremental.ts). Whatever the edit — a scalar, a key added or removed, a line
// inserted (every later values line moves), a subchart's or a global value, a condition that
// drops a subchart, a template that writes into .Values — the render that reuses equals a
// fresh render in everything it returns (text, source maps with their values lines, notes),
// and a template that read nothing that changed keeps its very manifest objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HelmRenderResult } from '../../src/engine/render/helm';
import { HelmRenderCache, renderChart } from '../../src/engine/render/helm';
import { memoryFs } from '../../src/engine/render/kustomize';

const VALUES = `name: web
replicas: 2
image:
  repository: nginx
  tag: "1.25"
labels:
  team: a
  tier: front
ports:
  - name: http
    port: 80
  - name: metrics
    port: 9090
config:
  greeting: "hello {{ .Release.Name }}"
  level: info
extra: {}
flag: true
global:
  region: eu
sub:
  enabled: true
  size: 3
`;

const CHART: Record<string, string> = {
  'Chart.yaml': `apiVersion: v2
name: top
version: 1.0.0
dependencies:
  - name: sub
    version: 1.0.0
    condition: sub.enabled
`,
  'values.yaml': VALUES,
  'templates/_helpers.tpl': `{{- define "top.name" -}}{{ .Values.name | trunc 20 }}{{- end }}
{{- define "top.labels" -}}
app: {{ include "top.name" . }}
{{- range $k, $v := .Values.labels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}
`,
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "top.name" . }}
  labels:
    {{- include "top.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: main
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            {{- range .Values.ports }}
            - containerPort: {{ .port }}
              name: {{ .name }}
            {{- end }}
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ include "top.name" . }}
spec:
  ports:
    {{- range .Values.ports }}
    - port: {{ .port }}
      name: {{ .name }}
    {{- end }}
`,
  'templates/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  {{- range $k, $v := .Values.config }}
  {{ $k }}: {{ tpl $v $ | quote }}
  {{- end }}
  {{- with .Values.extra }}
  extra: {{ toJson . | quote }}
  {{- end }}
`,
  'templates/all-values.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: all-values
data:
  values: |
    {{- toYaml .Values | nindent 4 }}
`,
  'templates/static.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Release.Name }}-static
`,
  'templates/flagged.yaml': `{{- if .Values.flag }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: flagged
  annotations:
    looked-up: {{ (lookup "v1" "Secret" "default" "x") | len | quote }}
{{- end }}
`,
  'templates/mutates.yaml': `{{- if hasKey .Values "mutate" }}
{{- $_ := set .Values "replicas" 7 }}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: mutates
`,
  'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.0.0\n',
  'charts/sub/values.yaml': 'size: 1\ncolour: blue\nglobal:\n  region: local\n',
  'charts/sub/templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: sub-{{ .Values.size }}
data:
  region: {{ .Values.global.region }}
  colour: {{ .Values.colour }}
`,
};

/** A values file given with -f, and a --set flag, besides the chart's values.yaml. */
const EXTRA = 'config:\n  level: debug\nsub:\n  colour: red\n';

function render(values: string, cache?: HelmRenderCache, extra?: string): HelmRenderResult {
  const files = Object.fromEntries(
    Object.entries(CHART).map(([p, t]) => [`/c/${p}`, p === 'values.yaml' ? values : t]),
  );
  const given =
    extra === undefined
      ? {}
      : { valuesFiles: [{ name: 'extra.yaml', text: extra }], set: ['labels.fromset=1'] };
  const r = renderChart(memoryFs(files), '/c', cache ? { cache, ...given } : given);
  cache?.sweep();
  return r;
}

/** Everything a render returns, source maps and values origins included. */
const whole = (r: HelmRenderResult): string => JSON.stringify(r);

/** One-line and structural edits of values.yaml. */
const EDITS: readonly ((v: string, k: number) => string)[] = [
  (v, k) => v.replace(/^replicas: \d+/m, `replicas: ${(k % 4) + 1}`),
  (v, k) => v.replace(/tag: "[^"]*"/, `tag: "1.${k % 30}"`),
  (v, k) => v.replace(/^ {2}team: \S+/m, `  team: t${k % 3}`),
  // A key added to a table read whole (range, toYaml).
  (v, k) => v.replace('labels:\n', `labels:\n  added${k % 3}: x\n`),
  // A line inserted at the top: every later values line moves.
  (v, k) => `# comment ${k}\n${v}`,
  (v, k) => v.replace(/port: 9090/, `port: ${9000 + (k % 50)}`),
  (v, k) => v.replace(/level: \S+/, `level: l${k % 4}`),
  (v, k) => v.replace('extra: {}', k % 2 === 0 ? 'extra: {}' : `extra:\n  k: v${k}`),
  (v, k) => v.replace(/^flag: \S+/m, `flag: ${k % 2 === 0}`),
  (v, k) => v.replace(/region: \S+/, `region: r${k % 3}`),
  (v, k) => v.replace(/size: \d+/, `size: ${k % 5}`),
  // The condition drops the subchart.
  (v, k) => v.replace(/enabled: \S+/, `enabled: ${k % 3 !== 0}`),
  // A template writes into .Values when this key is there.
  (v, k) => (k % 2 === 0 ? v.replace(/\nmutate: 1\n/, '\n') : `${v}mutate: 1\n`),
  // Not YAML: the render fails, and the next one starts from what was kept before.
  (v) => `${v}bad: [unclosed\n`,
  (v) => v.replace('bad: [unclosed\n', ''),
];

void test('a render after values edits equals a fresh render, source maps and notes included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ edit: fc.nat({ max: EDITS.length - 1 }), k: fc.nat({ max: 100 }) }), {
        minLength: 1,
        maxLength: 10,
      }),
      (edits) => {
        const cache = new HelmRenderCache();
        let values = VALUES;
        assert.equal(whole(render(values, cache)), whole(render(values)));
        for (const e of edits) {
          values = (EDITS[e.edit] as (typeof EDITS)[number])(values, e.k);
          assert.equal(whole(render(values, cache)), whole(render(values)));
        }
      },
    ),
    { numRuns: 60, seed: 7 },
  );
});

const find = (r: HelmRenderResult, kind: string, name: string): object | undefined =>
  r.manifests.find((m) => m.kind === kind && m.name === name);

void test('with a values file and --set, a render after edits of either file equals a fresh render', () => {
  const edits: ((v: string, k: number) => string)[] = [
    (v, k) => v.replace(/level: \S+/, `level: x${k}`),
    (v, k) => `# ${k}\n${v}`,
    (v, k) => v.replace(/colour: \S+/, `colour: c${k % 3}`),
    (v, k) => v.replace('config:\n', `config:\n  more${k % 2}: "{{ .Values.name }}"\n`),
  ];
  fc.assert(
    fc.property(
      fc.array(fc.record({ edit: fc.nat({ max: 3 }), k: fc.nat({ max: 50 }), extra: fc.boolean() }), {
        minLength: 1,
        maxLength: 8,
      }),
      (list) => {
        const cache = new HelmRenderCache();
        let values = VALUES;
        let extra = EXTRA;
        assert.equal(whole(render(values, cache, extra)), whole(render(values, undefined, extra)));
        for (const e of list) {
          const edit = edits[e.edit] as (typeof edits)[number];
          if (e.extra) extra = edit(extra, e.k);
          else values = edit(values, e.k);
          assert.equal(whole(render(values, cache, extra)), whole(render(values, undefined, extra)));
        }
      },
    ),
    { numRuns: 30, seed: 3 },
  );
});

void test('a template that read nothing that changed keeps its manifest objects', () => {
  const cache = new HelmRenderCache();
  const first = render(VALUES, cache);
  assert.equal(first.error, undefined);
  const edited = VALUES.replace('replicas: 2', 'replicas: 3');
  const second = render(edited, cache);
  assert.equal(whole(second), whole(render(edited)));
  // Reused: they read the name, labels, ports, config, a flag, the subchart's values.
  const reused: [string, string][] = [
    ['Service', 'web'],
    ['ConfigMap', 'release-name-config'],
    ['ServiceAccount', 'release-name-static'],
    ['ConfigMap', 'sub-3'],
    ['ConfigMap', 'flagged'],
    ['ConfigMap', 'mutates'],
  ];
  for (const [kind, name] of reused) {
    assert.ok(find(first, kind, name), name);
    assert.equal(find(second, kind, name), find(first, kind, name), name);
  }
  // Rendered again: the Deployment reads replicas, and toYaml .Values reads everything.
  assert.notEqual(find(second, 'Deployment', 'web'), find(first, 'Deployment', 'web'));
  assert.notEqual(find(second, 'ConfigMap', 'all-values'), find(first, 'ConfigMap', 'all-values'));
  assert.match(
    (find(second, 'Deployment', 'web') as { content: string } | undefined)?.content ?? '',
    /replicas: 3/,
  );
  // A line inserted above moves the values lines the source maps name: what printed values
  // is rendered again, what printed none is kept.
  const moved = render(`# top\n${edited}`, cache);
  assert.equal(whole(moved), whole(render(`# top\n${edited}`)));
  assert.notEqual(
    find(moved, 'ConfigMap', 'release-name-config'),
    find(second, 'ConfigMap', 'release-name-config'),
  );
  assert.equal(
    find(moved, 'ServiceAccount', 'release-name-static'),
    find(second, 'ServiceAccount', 'release-name-static'),
  );
});

void test('a template writing into .Values makes the render a full one, equal to a fresh one', () => {
  const cache = new HelmRenderCache();
  render(VALUES, cache);
  const mutating = `${VALUES}mutate: 1\n`;
  const r = render(mutating, cache);
  assert.equal(whole(r), whole(render(mutating)));
  assert.match(r.manifests.find((m) => m.kind === 'Deployment')?.content ?? '', /replicas: 7/);
  // Nothing is kept from a render that wrote into its values: the next is full and equal too.
  const next = mutating.replace('replicas: 2', 'replicas: 4');
  assert.equal(whole(render(next, cache)), whole(render(next)));
});
