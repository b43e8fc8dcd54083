// `kubepath render <dir>`: kustomize build over the real filesystem (DESIGN.md, CLI).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildKustomization, formatHelmTemplate, renderChart } from '../../src/engine';
import { memoryFs } from '../../src/engine/render/kustomize';
import { run } from '../../src/cli/main';

const FILES: Record<string, string> = {
  'base/kustomization.yaml': 'resources:\n- deployment.yaml\n- service.yaml\n',
  'base/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}\n',
  'base/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n',
  'overlay/kustomization.yaml':
    'namePrefix: prod-\nnamespace: shop\nlabels:\n- pairs: {env: prod}\n  includeSelectors: true\nresources:\n- ../base\nreplicas:\n- name: web\n  count: 5\n',
  'bad/kustomization.yaml': 'resources:\n- missing.yaml\n',
  'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'chart/values.yaml': 'replicas: 1\nport: 8080\n',
  'chart/templates/service.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-web\n  namespace: {{ .Release.Namespace }}\nspec:\n  ports:\n  - port: {{ .Values.port }}\n',
  'chart/templates/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: {{ .Values.replicas }}\n',
  'chart/prod.yaml': 'replicas: 3\n',
  'badchart/Chart.yaml': 'apiVersion: v2\nname: bad\nversion: 0.1.0\n',
  'badchart/templates/x.yaml': 'a: {{ required "image.tag is required" .Values.image }}\n',
};

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-render-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}

void test('render prints kustomize build of the overlay, in kustomize build’s legacy order', async () => {
  const dir = workspace();
  try {
    const out = await cli(['render', 'overlay'], dir);
    assert.equal(out.stderr, '');
    assert.equal(out.code, 0);
    // The same build over an in-memory copy of the files: the CLI adds only the real filesystem.
    const mem = memoryFs(Object.fromEntries(Object.entries(FILES).map(([p, t]) => [`/${p}`, t])));
    const expected = buildKustomization(mem, '/overlay', { reorder: 'unspecified' });
    assert.ok(expected.ok);
    assert.equal(out.stdout, expected.yaml);
    // Legacy order puts the Service before the Deployment; prefix, namespace, labels, replicas applied.
    assert.ok(out.stdout.indexOf('kind: Service') < out.stdout.indexOf('kind: Deployment'));
    assert.match(out.stdout, /^ {2}name: prod-web\n {2}namespace: shop$/m);
    assert.match(out.stdout, /^ {2}replicas: 5$/m);
    assert.match(out.stdout, /^ {4}env: prod$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('render of a chart prints what helm template prints, values files and --set applied', async () => {
  const dir = workspace();
  try {
    const out = await cli(
      [
        'render',
        'chart',
        '--values',
        'chart/prod.yaml',
        '--set',
        'port=9090',
        '--release',
        'shop',
        '--namespace',
        'prod',
      ],
      dir,
    );
    assert.equal(out.stderr, '');
    assert.equal(out.code, 0);
    // The same render over an in-memory copy: the CLI adds only the real filesystem and flags.
    const mem = memoryFs(Object.fromEntries(Object.entries(FILES).map(([p, t]) => [`/${p}`, t])));
    const expected = formatHelmTemplate(
      renderChart(mem, '/chart', {
        valuesFiles: [{ name: 'chart/prod.yaml', text: FILES['chart/prod.yaml']! }],
        set: ['port=9090'],
        releaseName: 'shop',
        namespace: 'prod',
      }),
    );
    assert.equal(out.stdout, expected.stdout);
    // InstallOrder: the Service before the Deployment; values file and --set applied.
    assert.ok(out.stdout.startsWith('---\n# Source: web/templates/service.yaml\n'));
    assert.ok(out.stdout.indexOf('kind: Service') < out.stdout.indexOf('kind: Deployment'));
    assert.match(out.stdout, /^ {2}- port: 9090$/m);
    assert.match(out.stdout, /^ {2}replicas: 3$/m);
    assert.match(out.stdout, /^ {2}name: shop-web\n {2}namespace: prod$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("render: a build error is one line naming the file, exit 1; a chart error is Helm's, exit 1", async () => {
  const dir = workspace();
  try {
    const bad = await cli(['render', 'bad'], dir);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^kubepath render: bad\/kustomization\.yaml: .*missing\.yaml.*\n$/);
    const chart = await cli(['render', 'badchart'], dir);
    assert.equal(chart.code, 1);
    assert.equal(chart.stdout, '');
    assert.equal(
      chart.stderr,
      'Error: execution error at (bad/templates/x.yaml:1:6): image.tag is required\n\nUse --debug flag to render out invalid YAML\n',
    );
    const kustomizeFlag = await cli(['render', 'chart', '--load-restrictor', 'none'], dir);
    assert.equal(kustomizeFlag.code, 2);
    const helmFlag = await cli(['render', 'overlay', '--values', 'v.yaml'], dir);
    assert.equal(helmFlag.code, 2);
    assert.match(helmFlag.stderr, /--values applies to Helm charts; overlay is a kustomization/);
    assert.equal((await cli(['render', 'base/service.yaml'], dir)).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
