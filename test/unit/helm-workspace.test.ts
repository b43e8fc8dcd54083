// Helm charts analysed as they deploy: a chart (Chart.yaml, not inside another chart's
// charts/) is a deploy target rendered as `helm template` renders it; its templates are never
// analysed as written; findings on rendered objects land on the template line; values files,
// --set, release name and namespace apply; a render error is one diagnostic on the template
// line and the rest is analysed; the editor's incremental analysis equals the one-shot one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { utf8Binary } from '../../src/engine/render/workspace';
import { run } from '../../src/cli/main';
import { analyzeWorkspace, createWorkspaceAnalyzer, renderedText } from '../../src/engine';

const CHART: Record<string, string> = {
  'shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
  'shop/values.yaml': 'replicas: 2\nport: 8080\nimage: nginx:1.27\nselectorTypo: false\n',
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
    '          image: {{ .Values.image }}',
    '          ports:',
    '            - containerPort: {{ .Values.port }}',
    '',
  ].join('\n'),
  'shop/templates/service.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: {{ .Release.Name }}-shop',
    'spec:',
    '  selector:',
    '    app: {{ if .Values.selectorTypo }}shpo{{ else }}{{ .Chart.Name }}{{ end }}',
    '  ports:',
    '    - port: 80',
    '      targetPort: {{ .Values.port }}',
    '',
  ].join('\n'),
  'shop/templates/tests/test-connection.yaml': [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: {{ .Release.Name }}-test',
    '  annotations:',
    '    helm.sh/hook: test',
    'spec:',
    '  containers: [{name: wget, image: busybox}]',
    '',
  ].join('\n'),
  'shop/templates/NOTES.txt': 'Visit {{ .Release.Name }}\n',
  'shop/charts/cache/Chart.yaml': 'apiVersion: v2\nname: cache\nversion: 0.1.0\n',
  'shop/charts/cache/templates/svc.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-cache\nspec:\n  ports: [{port: 6379}]\n',
  'shop/values-prod.yaml': 'replicas: 4\n',
  'plain/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: plain\nspec:\n  ports: [{port: 80}]\n',
};

const files = (extra: Record<string, string> = {}): WorkspaceFile[] =>
  Object.entries({ ...CHART, ...extra }).map(([path, text]) => ({ path, text }));

const services = (a: Analysis): string[] =>
  a.services.map((s) => `${s.service.metadata.namespace}/${s.service.metadata.name}`).sort();

void test('a chart is a deploy target rendered as helm template renders it; templates are never analysed raw', () => {
  const a = analyzeWorkspace({ files: files() });
  assert.deepEqual(
    a.deployTargets.all.map((t) => [t.kind, t.dir]),
    [['helm', 'shop']],
    'the subchart is not a target of its own',
  );
  assert.deepEqual(services(a), ['default/plain', 'default/release-name-cache', 'default/release-name-shop']);
  const shop = a.workloads.find((w) => w.name === 'release-name-shop');
  assert.equal(shop?.pods.length, 2);
  // No template-skipped note, no raw-template finding, the test hook left out with a note.
  assert.deepEqual(
    a.diagnostics.filter((d) => d.severity !== 'info' || d.code === 'template-skipped').map((d) => d.code),
    [],
    JSON.stringify(a.diagnostics.map((d) => [d.code, d.range.file])),
  );
  assert.ok(a.diagnostics.some((d) => d.code === 'helm-test-hooks-not-analysed'));
  assert.ok(!a.objects.some((o) => o.kind === 'Pod'), 'the test hook pod is not analysed');
  // The objects point at the templates.
  const svc = a.objects.find((o) => o.kind === 'Service' && o.name === 'release-name-shop');
  assert.equal(svc?.file, 'shop/templates/service.yaml');
  assert.equal(svc?.ranges.get('spec.ports[0].targetPort')?.line, 10);
  const dep = a.objects.find((o) => o.kind === 'Deployment');
  assert.equal(dep?.ranges.get('spec.replicas')?.line, 6);
  assert.equal(dep?.ranges.get('spec.template.spec.containers[0].image')?.line, 17);
});

void test('a finding on a rendered object lands on the template line that wrote it', () => {
  const a = analyzeWorkspace({
    files: files({ 'shop/values.yaml': 'replicas: 2\nport: 8080\nimage: x\nselectorTypo: true\n' }),
  });
  const miss = a.diagnostics.find(
    (d) => d.code === 'service-selector-no-match' && d.range.file.startsWith('shop/'),
  );
  assert.ok(miss, JSON.stringify(a.diagnostics.map((d) => d.code)));
  assert.equal(miss.range.file, 'shop/templates/service.yaml');
  assert.equal(miss.range.line, 7);
});

void test('values files, --set, release name and namespace apply as helm template applies them', () => {
  const a = analyzeWorkspace({
    files: files(),
    helm: {
      valuesFiles: ['shop/values-prod.yaml'],
      set: ['port=9090'],
      releaseName: 'web',
      namespace: 'prod',
    },
  });
  assert.deepEqual(services(a), ['default/plain', 'prod/web-cache', 'prod/web-shop']);
  const shop = a.workloads.find((w) => w.name === 'web-shop');
  assert.equal(shop?.pods.length, 4);
  const svc = a.services.find((s) => s.service.metadata.name === 'web-shop');
  assert.equal(svc?.service.ports[0]?.targetPort, 9090);
  const missing = analyzeWorkspace({ files: files(), helm: { valuesFiles: ['shop/nope.yaml'] } });
  assert.ok(missing.diagnostics.some((d) => d.code === 'helm-render-error' && /nope\.yaml/.test(d.message)));
});

void test('a render error is one diagnostic on the template line in Helm wording; the rest is analysed', () => {
  const a = analyzeWorkspace({
    files: files({
      'shop/templates/service.yaml':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name | nosuchfunc }}\n',
    }),
  });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0]?.code, 'helm-render-error');
  assert.equal(errors[0]?.range.file, 'shop/templates/service.yaml');
  assert.equal(errors[0]?.range.line, 4);
  assert.match(errors[0]?.message ?? '', /^helm template shop: .*function "nosuchfunc" not defined/);
  assert.deepEqual(services(a), ['default/plain']);
});

void test('the incremental analyzer equals the one-shot analysis after edits to values, templates and options', () => {
  const analyzer = createWorkspaceAnalyzer();
  for (const f of files()) analyzer.setFile(f.path, f.text);
  const same = (input: Parameters<typeof analyzeWorkspace>[0]): void => {
    const one = analyzeWorkspace(input);
    const inc = analyzer.analyze();
    assert.deepEqual(services(inc), services(one));
    assert.deepEqual(
      inc.diagnostics.map((d) => [d.code, d.range.file, d.range.line]),
      one.diagnostics.map((d) => [d.code, d.range.file, d.range.line]),
    );
    assert.deepEqual(
      inc.pods.map((p) => p.metadata.name),
      one.pods.map((p) => p.metadata.name),
    );
  };
  same({ files: files() });
  analyzer.setFile('shop/values.yaml', 'replicas: 3\nport: 8080\nimage: nginx\nselectorTypo: false\n');
  same({
    files: files({ 'shop/values.yaml': 'replicas: 3\nport: 8080\nimage: nginx\nselectorTypo: false\n' }),
  });
  analyzer.setHelm({ releaseName: 'r2' });
  same({
    files: files({ 'shop/values.yaml': 'replicas: 3\nport: 8080\nimage: nginx\nselectorTypo: false\n' }),
    helm: { releaseName: 'r2' },
  });
});

void test('charts see the cluster profile’s Kubernetes version unless --kube-version says otherwise', () => {
  const gate = {
    'shop/templates/gate.yaml':
      '{{- if semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: new-enough\nspec:\n  ports: [{port: 80}]\n{{- end }}\n',
  };
  assert.ok(services(analyzeWorkspace({ files: files(gate) })).includes('default/new-enough'));
  assert.ok(
    !services(analyzeWorkspace({ files: files(gate), helm: { kubeVersion: '1.20.0' } })).includes(
      'default/new-enough',
    ),
  );
});

void test('a values file inside a chart applies to that chart only; one outside applies to every chart', () => {
  const other = {
    'api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\n',
    'api/values.yaml': 'replicas: 1\n',
    'api/templates/d.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: api, image: api}]}\n',
    'env/all.yaml': 'replicas: 6\n',
  };
  const pods = (a: Analysis, name: string): number | undefined =>
    a.workloads.find((w) => w.name === name)?.pods.length;
  const own = analyzeWorkspace({ files: files(other), helm: { valuesFiles: ['shop/values-prod.yaml'] } });
  assert.equal(pods(own, 'release-name-shop'), 4);
  assert.equal(pods(own, 'api'), 1);
  const all = analyzeWorkspace({ files: files(other), helm: { valuesFiles: ['env/all.yaml'] } });
  assert.equal(pods(all, 'release-name-shop'), 6);
  assert.equal(pods(all, 'api'), 6);
});

void test('renderedText: the editor preview prints what kubepath render prints, for a chart and a kustomization', async () => {
  const read = (dir: string, prefix: string, out: Map<string, string>): Map<string, string> => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) read(p, `${prefix}${e}/`, out);
      else out.set(`${prefix}${e}`, readFileSync(p, 'utf8'));
    }
    return out;
  };
  const cli = async (argv: string[]): Promise<string> => {
    let stdout = '';
    await run(argv, { stdout: (t) => (stdout += t), stderr: () => undefined, cwd: process.cwd() });
    return stdout;
  };
  const chart = read('examples/helm', 'helm/', new Map());
  const helm = renderedText(
    chart,
    { kind: 'helm', dir: 'helm', file: 'helm/Chart.yaml' },
    { valuesFiles: ['helm/values-prod.yaml'] },
  );
  assert.equal(helm.error, undefined);
  assert.equal(
    helm.text,
    await cli(['render', 'examples/helm', '--values', 'examples/helm/values-prod.yaml']),
  );
  assert.match(helm.text, /replicas: 5/);
  const k = read('examples/kustomize', 'k/', new Map());
  const built = renderedText(k, {
    kind: 'kustomize',
    dir: 'k/overlays/prod',
    file: 'k/overlays/prod/kustomization.yaml',
  });
  assert.equal(built.error, undefined);
  assert.equal(built.text, await cli(['render', 'examples/kustomize/overlays/prod']));
  const broken = renderedText(new Map([['x/kustomization.yaml', 'resources: [nope.yaml]\n']]), {
    kind: 'kustomize',
    dir: 'x',
    file: 'x/kustomization.yaml',
  });
  assert.match(broken.error ?? '', /^Error: x\/kustomization\.yaml: accumulating resources/);
});

void test('analyze text: endpoint rows stay aligned when pod names are longer than the column', async () => {
  let stdout = '';
  await run(['analyze', 'examples/helm'], {
    stdout: (t) => (stdout += t),
    stderr: () => undefined,
    cwd: process.cwd(),
  });
  const rows = stdout.split('\n').filter((l) => /^ {2}release-name-web-/.test(l));
  assert.equal(rows.length, 2);
  const ipColumn = rows.map((l) => l.search(/10\.244\./));
  assert.equal(new Set(ipColumn).size, 1, rows.join('\n'));
  assert.ok(rows.every((l) => /^ {2}\S+ {1,}10\.244\./.test(l)));
  assert.ok((ipColumn[0] ?? 0) > 'release-name-web-79cdfcd875-crf5q'.length + 2);
});

void test('Helm 2 test hooks (helm.sh/hook: test-success) are rendered but not analysed, like test hooks', () => {
  // podinfo's chart: its tests/ pods carry `helm.sh/hook: test-success`.
  const files = [
    { path: 'c/Chart.yaml', text: 'apiVersion: v2\nname: c\nversion: 0.1.0\n' },
    {
      path: 'c/templates/pod.yaml',
      text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  labels: { app: web }\n  annotations:\n    "helm.sh/hook": " Test-Success "\nspec:\n  containers: [{ name: t, image: busybox }]\n',
    },
  ];
  const a = analyzeWorkspace({ files });
  assert.ok(!a.objects.some((o) => o.kind === 'Pod'));
  assert.ok(a.diagnostics.some((d) => d.code === 'helm-test-hooks-not-analysed'));
});

void test('utf8Binary: one character per UTF-8 byte, ASCII and not, long and short', () => {
  const naive = (s: string) =>
    Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join('');
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ minLength: 9000, maxLength: 20000 })),
      (s) => assert.equal(utf8Binary(s), naive(s)),
    ),
  );
  assert.equal(utf8Binary('é'.repeat(10000)), naive('é'.repeat(10000)));
});
