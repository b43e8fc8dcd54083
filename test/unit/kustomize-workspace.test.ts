// Kustomize overlays analysed as they deploy: a workspace's deploy targets are built by the
// render stage, what a build reads is never analysed as written, targets sharing a base are
// alternative deployments (one analysed, the others noted), findings land on the line that
// set the field (the patch, the base), and the editor's incremental analysis equals the
// one-shot one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { analyzeWorkspace, buildKustomization, builtFrom, createWorkspaceAnalyzer } from '../../src/engine';
import { memoryFs } from '../../src/engine/render/kustomize';

const BASE_DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
`;
const BASE_SVC = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
      targetPort: 8080
`;
const LABELS = `labels:
  - pairs:
      app: web
    includeSelectors: true
`;

function workspace(extra: Record<string, string> = {}): WorkspaceFile[] {
  const files: Record<string, string> = {
    'base/kustomization.yaml': 'resources:\n  - deploy.yaml\n  - svc.yaml\n',
    'base/deploy.yaml': BASE_DEPLOY,
    'base/svc.yaml': BASE_SVC,
    'overlays/dev/kustomization.yaml': `namePrefix: dev-\n${LABELS}resources:\n  - ../../base\n`,
    'overlays/prod/kustomization.yaml': `namespace: prod\n${LABELS}resources:\n  - ../../base\npatches:\n  - path: svc.yaml\n  - path: replicas.yaml\n`,
    'overlays/prod/svc.yaml':
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n      targetPort: 7070\n',
    'overlays/prod/replicas.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n',
    ...extra,
  };
  return Object.entries(files).map(([path, text]) => ({ path, text }));
}

const names = (a: Analysis): string[][] =>
  a.services.map((s) => [s.service.metadata.namespace, s.service.metadata.name]);

void test('render stage: the first deploy target is analysed as built; one sharing its base is noted, never mixed in', () => {
  const a = analyzeWorkspace({ files: workspace() });
  assert.deepEqual(
    a.deployTargets.all.map((t) => t.dir),
    ['overlays/dev', 'overlays/prod'],
  );
  assert.deepEqual(
    a.deployTargets.analysed.map((t) => t.dir),
    ['overlays/dev'],
  );
  assert.deepEqual(names(a), [['default', 'dev-web']]);
  // The selector kustomize's labels supply: no false "selector required" error, 1 endpoint.
  assert.equal(a.diagnostics.filter((d) => d.severity === 'error').length, 0, JSON.stringify(a.diagnostics));
  assert.equal(a.services[0]?.endpointSlices.flatMap((s) => s.endpoints).length, 1);
  const note = a.diagnostics.find((d) => d.code === 'kustomize-target-not-analysed');
  assert.equal(note?.range.file, 'overlays/prod/kustomization.yaml');
  assert.match(
    note?.message ?? '',
    /shares base\/kustomization\.yaml with overlays\/dev.*--target overlays\/prod/,
  );
  // Nothing from the base or the patches as written.
  assert.ok(
    a.objects.every((o) => o.name.startsWith('dev-')),
    a.objects.map((o) => o.name).join(),
  );
});

void test('render stage: --target picks the deployment; the finding on an overlay lands on the patch line, via the kustomization', () => {
  const a = analyzeWorkspace({ files: workspace(), target: 'overlays/prod' });
  assert.deepEqual(names(a), [['prod', 'web']]);
  assert.equal(a.workloads[0]?.pods.length, 3);
  const finding = a.diagnostics.find((d) => d.code === 'service-target-port-not-found');
  assert.ok(finding, JSON.stringify(a.diagnostics.map((d) => d.code)));
  assert.equal(finding.range.file, 'overlays/prod/svc.yaml');
  assert.equal(finding.range.line, 8); // `targetPort: 7070` in the patch
  assert.ok(
    finding.related?.some((r) => r.message.includes('via overlays/prod/kustomization.yaml')),
    JSON.stringify(finding.related),
  );
  // A field no patch set points at the base resource as written.
  const svc = a.services[0];
  assert.equal(svc?.source.file, 'base/svc.yaml');
  const dev = a.diagnostics.find((d) => d.code === 'kustomize-target-not-analysed');
  assert.equal(dev?.range.file, 'overlays/dev/kustomization.yaml');
});

void test('render stage: targets that share no file are analysed together; plain manifests beside them as written', () => {
  const files: WorkspaceFile[] = [
    { path: 'apps/a/kustomization.yaml', text: 'namePrefix: a-\nresources:\n  - svc.yaml\n' },
    { path: 'apps/a/svc.yaml', text: BASE_SVC },
    { path: 'apps/b/kustomization.yaml', text: 'namePrefix: b-\nresources:\n  - svc.yaml\n' },
    { path: 'apps/b/svc.yaml', text: BASE_SVC },
    { path: 'plain/svc.yaml', text: BASE_SVC.replace('name: web', 'name: plain') },
  ];
  const a = analyzeWorkspace({ files });
  assert.deepEqual(
    a.deployTargets.analysed.map((t) => t.dir),
    ['apps/a', 'apps/b'],
  );
  assert.deepEqual(names(a).sort(), [
    ['default', 'a-web'],
    ['default', 'b-web'],
    ['default', 'plain'],
  ]);
  assert.ok(!a.diagnostics.some((d) => d.code === 'object-duplicate'));
});

void test('render stage: a build error is one error on the kustomization line; the rest is analysed', () => {
  const files: WorkspaceFile[] = [
    { path: 'app/kustomization.yaml', text: 'resources:\n  - svc.yaml\n  - missing.yaml\n' },
    { path: 'app/svc.yaml', text: BASE_SVC },
    { path: 'plain/svc.yaml', text: BASE_SVC.replace('name: web', 'name: plain') },
  ];
  const a = analyzeWorkspace({ files });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0]?.code, 'kustomize-build-error');
  assert.equal(errors[0]?.range.file, 'app/kustomization.yaml');
  assert.match(errors[0]?.message ?? '', /missing\.yaml/);
  assert.deepEqual(names(a), [['default', 'plain']]);
});

void test('render stage: a base that does not exist in the workspace fails the build with its path', () => {
  const files: WorkspaceFile[] = [{ path: 'o/kustomization.yaml', text: 'resources:\n  - ../nowhere\n' }];
  const a = analyzeWorkspace({ files });
  assert.deepEqual(
    a.diagnostics.map((d) => [d.code, d.range.file]),
    [['kustomize-build-error', 'o/kustomization.yaml']],
  );
  assert.match(a.diagnostics[0]?.message ?? '', /nowhere/);
});

void test('render stage: relative paths outside the workspace root resolve against the given root', () => {
  // As the CLI run inside overlays/prod gives them: `../../base/...` or absolute.
  const files = workspace().map((f) =>
    f.path.startsWith('overlays/prod/')
      ? { ...f, path: f.path.slice('overlays/prod/'.length) }
      : f.path.startsWith('base/')
        ? { ...f, path: `/repo/${f.path}` }
        : null,
  );
  const a = analyzeWorkspace({
    files: files.filter((f): f is WorkspaceFile => f !== null),
    root: '/repo/overlays/prod',
  });
  assert.deepEqual(names(a), [['prod', 'web']]);
  assert.equal(a.services[0]?.source.file, '/repo/base/svc.yaml');
});

void test('render stage: the incremental analyzer equals the one-shot analysis through edits, and reuses unchanged builds', () => {
  const analyzer = createWorkspaceAnalyzer();
  let files = workspace({ 'plain/svc.yaml': BASE_SVC.replace('name: web', 'name: plain') });
  for (const f of files) analyzer.setFile(f.path, f.text);
  const same = (target?: string): Analysis => {
    const inc = analyzer.analyze();
    const one = analyzeWorkspace(target === undefined ? { files } : { files, target });
    assert.deepEqual(JSON.parse(JSON.stringify(inc)), JSON.parse(JSON.stringify(one)));
    return inc;
  };
  const first = same();
  const built = first.objects.find((o) => o.name === 'dev-web' && o.kind === 'Deployment');
  // An edit to a plain manifest: the build and its objects are reused as they are.
  const edit = (path: string, text: string): void => {
    files = files.map((f) => (f.path === path ? { path, text } : f));
    analyzer.setFile(path, text);
  };
  edit('plain/svc.yaml', BASE_SVC.replace('name: web', 'name: plain2'));
  const second = same();
  assert.equal(
    second.objects.find((o) => o.name === 'dev-web' && o.kind === 'Deployment'),
    built,
  );
  // An edit to the base rebuilds.
  edit('base/deploy.yaml', BASE_DEPLOY.replace('replicas: 1', 'replicas: 4'));
  assert.equal(same().workloads.find((w) => w.name === 'dev-web')?.pods.length, 4);
  // Switching the target, then adding and removing a file.
  analyzer.setTarget('overlays/prod');
  assert.deepEqual(names(same('overlays/prod')).sort(), [
    ['default', 'plain2'],
    ['prod', 'web'],
  ]);
  files = [
    ...files,
    { path: 'overlays/prod/extra.yaml', text: BASE_SVC.replace('name: web', 'name: extra') },
  ];
  analyzer.setFile('overlays/prod/extra.yaml', files[files.length - 1]?.text ?? '');
  same('overlays/prod');
  edit(
    'overlays/prod/kustomization.yaml',
    `namespace: prod\n${LABELS}resources:\n  - ../../base\n  - extra.yaml\npatches:\n  - path: svc.yaml\n  - path: replicas.yaml\n`,
  );
  assert.deepEqual(names(same('overlays/prod')).sort(), [
    ['default', 'plain2'],
    ['prod', 'extra'],
    ['prod', 'web'],
  ]);
  files = files.filter((f) => f.path !== 'overlays/prod/extra.yaml');
  analyzer.deleteFile('overlays/prod/extra.yaml');
  assert.ok(same('overlays/prod').diagnostics.some((d) => d.code === 'kustomize-build-error'));
});

void test('kustomize build as kyaml reads: a YAML 1.1 octal is an int, an empty or null annotations field is dropped', () => {
  const fs = memoryFs({
    '/k/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    '/k/cm.yaml':
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\nspec:\n  volumes:\n    - name: v\n      secret: {secretName: s, defaultMode: 0755}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {}\n  labels: {}\nspec: {ports: [{port: 0100}]}\n',
  });
  const r = buildKustomization(fs, '/k');
  assert.ok(r.ok, JSON.stringify(r));
  assert.match(r.yaml, /defaultMode: 493\n/);
  assert.match(r.yaml, /port: 64\n/);
  assert.doesNotMatch(r.yaml, /annotations/);
  // labels are not touched by reading.
  assert.match(r.yaml, /labels: \{\}\n/);
});

void test('builtFrom: a base document shows what every deploy target builds from it, analysed or not, with the fields each set', () => {
  const a = analyzeWorkspace({ files: workspace() });
  const svc = builtFrom(a, 'base/svc.yaml', 3);
  assert.deepEqual(
    svc.map((e) => [e.target.dir, e.analysed, e.resource.kind, e.resource.namespace, e.resource.name]),
    [
      ['overlays/dev', true, 'Service', '', 'dev-web'],
      ['overlays/prod', false, 'Service', 'prod', 'web'],
    ],
  );
  const prod = svc[1]?.resource.changes ?? [];
  // prod's patch set targetPort on its own line 8; namespace from its kustomization line 1.
  assert.ok(
    prod.some(
      (c) => c.field === 'spec.ports[0].targetPort' && c.file === 'overlays/prod/svc.yaml' && c.line === 8,
    ),
    JSON.stringify(prod),
  );
  assert.ok(
    prod.some((c) => c.field === 'metadata.namespace' && c.file === 'overlays/prod/kustomization.yaml'),
  );
  // No base field is listed as a change.
  assert.ok(prod.every((c) => c.file !== 'base/svc.yaml'));
  // The picker's choice flips which one is analysed.
  const chosen = analyzeWorkspace({ files: workspace(), target: 'overlays/prod' });
  assert.deepEqual(
    builtFrom(chosen, 'base/deploy.yaml', 10).map((e) => [e.target.dir, e.analysed, e.resource.name]),
    [
      ['overlays/dev', false, 'dev-web'],
      ['overlays/prod', true, 'web'],
    ],
  );
  // A file no build reads, or a line above every document, gives nothing.
  assert.deepEqual(builtFrom(a, 'overlays/prod/replicas.yaml', 3), []);
  assert.deepEqual(builtFrom(a, 'base/nope.yaml', 1), []);
});

void test('builtFrom: a failed build lists the error and nothing built', () => {
  const a = analyzeWorkspace({
    files: workspace({ 'overlays/dev/kustomization.yaml': 'resources:\n  - ../../base\n  - missing.yaml\n' }),
  });
  const dev = a.deployTargets.outcomes.find((o) => o.target.dir === 'overlays/dev');
  assert.equal(dev?.resources.length, 0);
  assert.equal(dev?.error?.file, 'overlays/dev/kustomization.yaml');
  assert.deepEqual(
    builtFrom(a, 'base/svc.yaml', 1).map((e) => e.target.dir),
    ['overlays/prod'],
  );
});

void test('render stage: a Component is no deploy target; unused, its resources and patches are skipped, not analysed as written', () => {
  // The shape of Online Boutique's kustomize/components: optional Components that the root
  // kustomization lists only in comments, each patching base objects or adding its own.
  const component = (extra: string): string =>
    `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n${extra}`;
  const unused = {
    'components/extra/kustomization.yaml': component(
      'resources:\n  - extra.yaml\npatches:\n  - path: patch.yaml\n',
    ),
    'components/extra/extra.yaml': BASE_SVC.replace('name: web', 'name: extra'),
    'components/extra/patch.yaml':
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n',
  };
  const a = analyzeWorkspace({ files: workspace(unused) });
  const targets = a.deployTargets.all.map((t) => t.dir);
  assert.ok(!targets.includes('components/extra'), JSON.stringify(targets));
  assert.ok(!a.diagnostics.some((d) => d.severity === 'error'), JSON.stringify(a.diagnostics));
  // Analysed: the first target (overlays/dev); the Component's Service is nowhere as written.
  assert.ok(!names(a).some(([, n]) => n === 'extra'), JSON.stringify(names(a)));
  const skipped = a.diagnostics.filter((d) => d.code === 'kustomize-patch-skipped').map((d) => d.range.file);
  assert.deepEqual(skipped.sort(), ['components/extra/extra.yaml', 'components/extra/patch.yaml']);
  // An overlay that uses it builds it in: its Service, and the patch applied to the base's.
  const files = workspace({
    ...unused,
    'overlays/with-extra/kustomization.yaml': `namespace: extra\n${LABELS}resources:\n  - ../../base\ncomponents:\n  - ../../components/extra\n`,
  });
  const b = analyzeWorkspace({ files, target: 'overlays/with-extra' });
  assert.deepEqual(names(b).sort(), [
    ['extra', 'extra'],
    ['extra', 'web'],
  ]);
  assert.equal(b.services.find((s) => s.service.metadata.name === 'web')?.service.type, 'NodePort');
  assert.ok(!b.diagnostics.some((d) => d.code === 'kustomize-patch-skipped'), JSON.stringify(b.diagnostics));
});

void test('render stage: files a kustomization without apiVersion/kind lists as patches or transformer configs are never analysed as written', () => {
  // emojivoto's kustomize/statefulset (kustomize v1's `patches: [file]`, refused by v5) and
  // podinfo's overlays (a LabelTransformer config under `transformers:`).
  const files: WorkspaceFile[] = [
    { path: 'base/kustomization.yml', text: 'resources:\n  - deploy.yaml\n' },
    {
      path: 'base/deploy.yaml',
      text: BASE_DEPLOY.replace(
        '  replicas: 1\n',
        '  replicas: 1\n  selector: { matchLabels: { app: web } }\n',
      ).replace('  template:\n', '  template:\n    metadata: { labels: { app: web } }\n'),
    },
    { path: 'old/kustomization.yml', text: 'bases:\n- ../base\npatches:\n- patch.yml\n' },
    {
      path: 'old/patch.yml',
      text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  serviceName: web\n',
    },
    { path: 'labels/kustomization.yaml', text: 'resources:\n  - ../base\ntransformers:\n  - labels.yaml\n' },
    {
      path: 'labels/labels.yaml',
      text: 'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: labels\nlabels:\n  env: dev\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n',
    },
  ];
  const a = analyzeWorkspace({ files, target: 'old' });
  const build = a.diagnostics.find((d) => d.code === 'kustomize-build-error');
  assert.equal(build?.range.file, 'old/kustomization.yml');
  assert.equal(build?.range.line, 4);
  assert.match(
    build?.message ?? '',
    /json: cannot unmarshal string into Go struct field Kustomization\.patches of type types\.Patch$/,
  );
  const skipped = a.diagnostics.filter((d) => d.code === 'kustomize-patch-skipped').map((d) => d.range.file);
  assert.ok(skipped.includes('old/patch.yml'), JSON.stringify(a.diagnostics));
  assert.ok(!a.diagnostics.some((d) => d.code === 'workload-invalid' || d.code === 'object-duplicate'));
  const b = analyzeWorkspace({ files, target: 'labels' });
  // Every target's build error is reported; nothing else is.
  assert.deepEqual(
    b.diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.code, d.range.file]),
    [['kustomize-build-error', 'old/kustomization.yml']],
  );
  assert.ok(!b.objects.some((o) => o.kind === 'LabelTransformer'));
});
