// Templated and foreign YAML next to the manifests (test/fixtures/hostile/foreign).
// The rule: a Helm chart and a kustomize overlay are analysed as they render; YAML that
// looks like Kubernetes but cannot be analysed as written (Jinja-templated k8s tasks) is
// skipped with an info diagnostic saying why; YAML that is not Kubernetes at all (no apiVersion + kind:
// CloudFormation, GitHub Actions, docker-compose, Ansible, Chart.yaml, values.yaml)
// is ignored silently, so an editor never clutters unrelated files. Neither is ever
// reported as a Kubernetes error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { analyzeWorkspace } from '../../src/engine';
import { loadYamlFile } from '../../src/engine/load';
import { joinPath } from '../../src/engine/load/kustomize';
import { run } from '../../src/cli/main';

const root = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'hostile', 'foreign');

/** Manifests by name, and every file of a chart (Helm loads a chart whole: `_helpers.tpl`), as the front ends read them. */
function walk(dir: string, inChart = false): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const chart = inChart || entries.some((e) => e.name === 'Chart.yaml');
  return entries.flatMap((e) =>
    e.isDirectory()
      ? walk(join(dir, e.name), chart)
      : chart || /\.(ya?ml|json)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

const files = walk(root)
  .map((p) => ({ path: relative(root, p).split(sep).join('/'), text: readFileSync(p, 'utf8') }))
  .sort((a, b) => (a.path < b.path ? -1 : 1));

void test('foreign fixtures: every kind is present', () => {
  const paths = files.map((f) => f.path);
  for (const expected of [
    'helm/web/Chart.yaml',
    'helm/web/values.yaml',
    'helm/web/templates/deployment.yaml',
    'helm/web/templates/service.yaml',
    'kustomize/base/kustomization.yaml',
    'kustomize/overlays/prod/kustomization.yaml',
    'kustomize/overlays/prod/replicas.yaml',
    'cloudformation/stack.yaml',
    '.github/workflows/ci.yml',
    'compose/docker-compose.yml',
    'ansible/playbook.yml',
    'ansible/roles/web/tasks/main.yml',
  ]) {
    assert.ok(paths.includes(expected), expected);
  }
});

void test('foreign YAML: skipped with info or ignored, never a Kubernetes error', () => {
  const a = analyzeWorkspace({ files });
  assert.deepEqual(
    a.diagnostics.map((d) => [d.range.file, d.code, d.severity]),
    [
      ['ansible/playbook.yml', 'template-skipped', 'info'],
      // The chart renders as helm template renders it; its OCI dependency is not fetched.
      ['helm/web/Chart.yaml', 'helm-render-note', 'info'],
    ],
  );
  // The kustomize overlay is analysed as built (its base and patches never as written):
  // the overlay's namespace, NodePort and replicas apply; the chart beside it too.
  assert.deepEqual(
    a.deployTargets.analysed.map((t) => t.dir),
    ['helm/web', 'kustomize/overlays/prod'],
  );
  assert.deepEqual(
    a.services.map((s) => [
      s.service.metadata.namespace,
      s.service.metadata.name,
      s.service.type,
      s.service.ports[0]?.nodePort,
    ]),
    [
      ['default', 'release-name', 'ClusterIP', 0],
      ['prod', 'web', 'NodePort', 30080],
    ],
  );
  assert.deepEqual(
    a.workloads.map((w) => [w.kind, w.namespace, w.name, w.pods.length]),
    [
      ['Deployment', 'default', 'release-name', 2],
      ['Deployment', 'prod', 'web', 5],
    ],
  );
  assert.equal(a.services[1]?.endpointSlices.flatMap((s) => s.endpoints).length, 5);
});

void test('foreign YAML: each file alone loads without errors or warnings', () => {
  for (const f of files) {
    const { diagnostics } = loadYamlFile(f.path, f.text);
    assert.deepEqual(
      diagnostics.filter((d) => d.severity !== 'info'),
      [],
      f.path,
    );
  }
});

void test('templated YAML: Kubernetes-looking files get template-skipped at the first {{, others nothing', () => {
  const helm = loadYamlFile(
    'svc.yaml',
    '{{- if .Values.enabled }}\napiVersion: v1\nkind: Service\nmetadata: {name: x}\n{{- end }}\n',
  );
  assert.deepEqual(
    helm.diagnostics.map((d) => [d.code, d.range.line, d.range.column, d.range.endColumn]),
    [['template-skipped', 1, 1, 26]],
  );
  const actions = loadYamlFile(
    'ci.yml',
    'on: push\njobs:\n  t:\n    steps:\n      - run: echo ${{ github.sha }}\n',
  );
  assert.deepEqual(actions.diagnostics, []);
  assert.deepEqual(actions.objects, []);
});

void test('kustomize patch paths resolve like kustomize (relative to the kustomization)', () => {
  assert.equal(joinPath('overlays/prod', 'replicas.yaml'), 'overlays/prod/replicas.yaml');
  assert.equal(joinPath('overlays/prod', './patches/a.yaml'), 'overlays/prod/patches/a.yaml');
  assert.equal(joinPath('overlays/prod', '../../base/patch.yaml'), 'base/patch.yaml');
  assert.equal(joinPath('', '../x.yaml'), '../x.yaml');
  assert.equal(joinPath('/abs/dir', '../p.yaml'), '/abs/p.yaml');
});

void test('kubepath analyze on the foreign fixtures: exit 0, no errors', async () => {
  let stdout = '';
  let stderr = '';
  const code = await run(['analyze', '.'], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: root,
  });
  assert.equal(stderr, '');
  assert.equal(code, 0, stdout);
  assert.match(stdout, /0 error\(s\), 0 warning\(s\)/);
});
