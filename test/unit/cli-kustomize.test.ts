// `analyze`, `iptables` and `trace` on kustomizations (DESIGN.md, CLI): a kustomization
// directory is analysed as built, following its bases outside the given paths and reading
// the files its generators name whatever their names; `--target` chooses among deploy
// targets, and a name that is not one is bad usage.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/main';

const FILES: Record<string, string> = {
  'base/Kustomization':
    'resources:\n- deployment.yaml\n- service.yaml\nconfigMapGenerator:\n- name: web-config\n  files:\n  - app.properties\n',
  'base/app.properties': 'color=blue\n',
  'base/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}\n',
  'base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n',
  'overlays/prod/kustomization.yaml':
    'namePrefix: prod-\nnamespace: shop\nlabels:\n- pairs: {app: web}\n  includeSelectors: true\nresources:\n- ../../base\nreplicas:\n- name: web\n  count: 5\n',
  'overlays/dev/kustomization.yaml':
    'namespace: dev\nlabels:\n- pairs: {app: web}\n  includeSelectors: true\nresources:\n- ../../base\n',
};

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-kustomize-'));
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

interface Json {
  services: { namespace: string; name: string; endpoints: unknown[]; source: { file: string } }[];
  diagnostics: { code: string; severity: string; file: string }[];
}

void test('analyze <overlay>: built as kustomize builds it, its base followed outside the path, generator inputs read', async () => {
  const dir = workspace();
  const r = await cli(['analyze', '.', '--json'], join(dir, 'overlays', 'prod'));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  assert.deepEqual(
    json.services.map((s) => [s.namespace, s.name, s.endpoints.length]),
    [['shop', 'prod-web', 5]],
  );
  // Locations are the base as written, in the CLI's spelling of a path outside the working directory.
  assert.match(json.services[0]?.source.file ?? '', /base\/service\.yaml$/);
  assert.deepEqual(
    json.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
});

void test('analyze <repo>: the first target analysed, the other noted; --target picks it; a wrong --target is bad usage', async () => {
  const dir = workspace();
  const first = JSON.parse((await cli(['analyze', '.', '--json'], dir)).stdout) as Json;
  assert.deepEqual(
    first.services.map((s) => [s.namespace, s.name]),
    [['dev', 'web']],
  );
  assert.ok(
    first.diagnostics.some(
      (d) => d.code === 'kustomize-target-not-analysed' && d.file === 'overlays/prod/kustomization.yaml',
    ),
  );
  const prod = JSON.parse(
    (await cli(['analyze', '.', '--target', 'overlays/prod', '--json'], dir)).stdout,
  ) as Json;
  assert.deepEqual(
    prod.services.map((s) => [s.namespace, s.name]),
    [['shop', 'prod-web']],
  );
  const bad = await cli(['analyze', '.', '--target', 'overlays/qa'], dir);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--target overlays\/qa: not a deploy target; the deploy targets are overlays\/dev, overlays\/prod/,
  );
});

void test('trace and iptables on a repo with two targets say on stderr which one they analysed', async () => {
  const dir = workspace();
  const t = await cli(['trace', 'prod-web.shop:80', '.', '--target', 'overlays/prod'], dir);
  assert.equal(t.code, 0, t.stdout + t.stderr);
  assert.match(t.stdout, /outcome: reached/);
  assert.match(t.stderr, /analysing deploy target overlays\/prod; not analysed: overlays\/dev/);
  const i = await cli(['iptables', '.', '--node', 'node-1'], dir);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /dev\/web/);
  assert.match(i.stderr, /analysing deploy target overlays\/dev; not analysed: overlays\/prod/);
});

void test('analyze <overlay>: a base directory is read as a kustomization, not walked (its other kustomizations stay out)', async () => {
  const dir = workspace();
  mkdirSync(join(dir, 'base', 'unused'), { recursive: true });
  writeFileSync(join(dir, 'base', 'unused', 'kustomization.yaml'), 'resources:\n- svc.yaml\n');
  writeFileSync(
    join(dir, 'base', 'unused', 'svc.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: {name: stray}\nspec: {ports: [{port: 80}]}\n',
  );
  const r = await cli(['analyze', 'overlays/prod', '--json'], dir);
  const json = JSON.parse(r.stdout) as Json;
  assert.deepEqual(
    json.services.map((s) => [s.namespace, s.name]),
    [['shop', 'prod-web']],
  );
  assert.ok(!json.diagnostics.some((d) => d.code.startsWith('kustomize-')), JSON.stringify(json.diagnostics));
});
