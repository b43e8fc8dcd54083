// A workspace build keeps each nested kustomization's build and uses it again while no path
// it asked about changed since (the workspace tells which paths changed: a text, a file
// that appears or goes, the directories above it). Each case here changes what a kept
// build depends on in one way — a file added to a directory it listed, a file deleted, a
// kustomization file appearing beside another, a text changed and changed back, a path it
// only asked exists of — and the build with what earlier builds kept must equal a fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeployTarget, TargetBuild, WorkspaceLayout } from '../../src/engine/render/workspace';
import { buildTarget, workspaceLayout } from '../../src/engine/render/workspace';
import type { KeptBuild } from '../../src/engine/render/kustomize/reuse';
import { BuildReuse, ParseCache } from '../../src/engine/render/kustomize';
import { FileVersions } from '../../src/engine/render/kustomize/fs';

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;
const SVC = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n    - port: 80\n';

function workspace(): Map<string, string> {
  return new Map([
    ['overlay/kustomization.yaml', 'namePrefix: p-\nresources:\n  - ../mid\n  - ../other\n'],
    // Between the overlay and base: its kept build holds base's (what base asked, by reference).
    ['mid/kustomization.yaml', 'commonLabels:\n  tier: mid\nresources:\n  - ../base\n'],
    // A generator of a directory's files: the build lists the directory.
    [
      'base/kustomization.yaml',
      'resources:\n  - deploy.yaml\nconfigMapGenerator:\n  - name: conf\n    files:\n      - conf\n',
    ],
    ['base/deploy.yaml', DEPLOY],
    ['base/conf/a.txt', 'A'],
    ['other/Kustomization', 'resources:\n  - svc.yaml\n'],
    ['other/svc.yaml', SVC],
    ['solo/kustomization.yaml', 'resources:\n  - svc.yaml\n'],
    ['solo/svc.yaml', SVC],
  ]);
}

const OVERLAY: DeployTarget = { kind: 'kustomize', dir: 'overlay', file: 'overlay/kustomization.yaml' };
const SOLO: DeployTarget = { kind: 'kustomize', dir: 'solo', file: 'solo/kustomization.yaml' };

/** A build's result and reads as text (field sources included). */
function text(b: TargetBuild): string {
  return JSON.stringify({ result: b.result, reads: [...b.reads].sort() }, (_k, v: unknown) =>
    v instanceof Map ? [...(v as Map<unknown, unknown>)] : v,
  );
}

const layouts = new WeakMap<BuildReuse, { readonly keys: string; readonly layout: WorkspaceLayout }>();

/** Builds `target` with what the earlier builds kept, and checks it against a fresh build. */
function check(
  files: Map<string, string>,
  reuse: BuildReuse,
  parsed: ParseCache,
  what: string,
  target = OVERLAY,
): TargetBuild {
  // As the render stage: the layout is kept while the paths are the same.
  const keys = [...files.keys()].join('\n');
  let layout = layouts.get(reuse);
  if (layout?.keys !== keys) layouts.set(reuse, (layout = { keys, layout: workspaceLayout(files.keys()) }));
  const kept = buildTarget(new Map(files), target, undefined, parsed, 'rootOnly', {}, reuse, layout.layout);
  const fresh = buildTarget(new Map(files), target);
  assert.equal(text(kept), text(fresh), what);
  return kept;
}

/** The kept build of a directory (workspace path) as a resource of another. */
function keptBuild(reuse: BuildReuse, dir: string): KeptBuild | undefined {
  for (const [key, kept] of reuse.builds) if (key.startsWith(`/w0/${dir}\0`)) return kept;
  return undefined;
}

const configMap = (b: TargetBuild): string => {
  assert.ok(b.result.ok, JSON.stringify(b.result));
  return b.result.resources.find((r) => r.kind === 'ConfigMap')?.yaml ?? '';
};

void test('kept builds: used again while nothing they asked about changed', () => {
  const files = workspace();
  const reuse = new BuildReuse(true);
  const parsed = new ParseCache();
  check(files, reuse, parsed, 'first build');
  const base = keptBuild(reuse, 'base');
  const mid = keptBuild(reuse, 'mid');
  const other = keptBuild(reuse, 'other');
  assert.ok(base && mid && other);
  files.set('other/svc.yaml', SVC.replace('port: 80', 'port: 81'));
  check(files, reuse, parsed, 'an edit in other');
  assert.equal(keptBuild(reuse, 'base'), base, 'base asked nothing about other: kept');
  assert.equal(keptBuild(reuse, 'mid'), mid, 'nor mid');
  assert.notEqual(keptBuild(reuse, 'other'), other, 'other is built again');
  // The same texts (new strings, same characters) change nothing.
  check(new Map([...files].map(([p, t]) => [p, `${t} `.slice(0, -1)])), reuse, parsed, 'same texts');
  assert.equal(keptBuild(reuse, 'base'), base);
  // An edit in base: mid's kept build asked nothing about it itself, its part (base's) did.
  files.set('base/deploy.yaml', DEPLOY.replace('nginx:1.27', 'nginx:1.29'));
  const edited = check(files, reuse, parsed, 'an edit two levels down');
  assert.notEqual(keptBuild(reuse, 'mid'), mid, 'mid is built again');
  assert.ok(edited.result.ok);
  assert.ok(edited.result.resources.some((r) => r.yaml.includes('nginx:1.29')));
});

void test('kept builds: a file added under a directory a kept build listed, and deleted', () => {
  const files = workspace();
  const reuse = new BuildReuse(true);
  const parsed = new ParseCache();
  const first = configMap(check(files, reuse, parsed, 'first build'));
  files.set('base/conf/b.txt', 'B');
  const added = configMap(check(files, reuse, parsed, 'b.txt added'));
  assert.match(added, /b\.txt: B/);
  assert.notEqual(added, first);
  files.delete('base/conf/a.txt');
  const deleted = configMap(check(files, reuse, parsed, 'a.txt deleted'));
  assert.doesNotMatch(deleted, /a\.txt/);
  files.set('base/conf/a.txt', 'A');
  files.delete('base/conf/b.txt');
  assert.equal(configMap(check(files, reuse, parsed, 'back as it was')), first);
});

void test('kept builds: a kustomization.yaml appearing beside a Kustomization file', () => {
  const files = workspace();
  const reuse = new BuildReuse(true);
  const parsed = new ParseCache();
  check(files, reuse, parsed, 'first build');
  files.set('other/kustomization.yaml', 'resources:\n  - svc.yaml\n');
  const both = check(files, reuse, parsed, 'two kustomization files');
  assert.ok(!both.result.ok);
  assert.match(both.result.error.message, /Found multiple kustomization files/);
  files.delete('other/kustomization.yaml');
  assert.ok(check(files, reuse, parsed, 'one again').result.ok);
});

void test('kept builds: a path only asked whether it exists (a kustomization file name not there)', () => {
  const files = workspace();
  const reuse = new BuildReuse(true);
  const parsed = new ParseCache();
  check(files, reuse, parsed, 'first build');
  // base/Kustomization was asked about with exists only (and answered no).
  files.set('base/Kustomization', 'resources: []\n');
  const both = check(files, reuse, parsed, 'base/Kustomization appeared');
  assert.ok(!both.result.ok);
  assert.match(both.result.error.message, /Found multiple kustomization files/);
});

void test('kept builds: a text changed and changed back, also while another target was built', () => {
  const files = workspace();
  const reuse = new BuildReuse(true);
  const parsed = new ParseCache();
  const first = check(files, reuse, parsed, 'first build');
  const edited = DEPLOY.replace('nginx:1.27', 'nginx:1.28');
  files.set('base/deploy.yaml', edited);
  const changed = check(files, reuse, parsed, 'deploy.yaml changed');
  assert.notEqual(text(changed), text(first));
  files.set('base/deploy.yaml', DEPLOY);
  assert.equal(text(check(files, reuse, parsed, 'changed back')), text(first));
  // Changed while only another target builds (the overlay's kept builds are not asked then),
  // then the overlay again: its kept base is from before the change.
  files.set('base/deploy.yaml', edited);
  check(files, reuse, parsed, 'solo', SOLO);
  assert.equal(text(check(files, reuse, parsed, 'after solo')), text(changed));
  files.set('base/deploy.yaml', DEPLOY);
  check(files, reuse, parsed, 'solo again', SOLO);
  files.set('base/conf/a.txt', 'A2');
  check(files, reuse, parsed, 'solo and a.txt', SOLO);
  files.set('base/conf/a.txt', 'A');
  assert.equal(text(check(files, reuse, parsed, 'changed and back, unseen')), text(first));
});

void test('kept builds: a directory a kept build listed appears only later, and a root that moves', () => {
  const files = workspace();
  files.delete('base/conf/a.txt');
  const reuse = new BuildReuse(true);
  const parsed = new ParseCache();
  const missing = check(files, reuse, parsed, 'no conf directory');
  assert.ok(!missing.result.ok);
  files.set('base/conf/a.txt', 'A');
  assert.ok(check(files, reuse, parsed, 'conf appeared').result.ok);
  // Paths given with `..` move the root the workspace's files are under: all is seen anew.
  files.set('../outside.yaml', SVC);
  check(files, reuse, parsed, 'another root');
  files.delete('../outside.yaml');
  check(files, reuse, parsed, 'the first root again');
});

void test('file versions: the paths changed since a stamp; a stamp too old cannot tell', () => {
  const v = new FileVersions();
  v.set('/w/a/x.yaml', 'x');
  const s = v.stamp;
  assert.deepEqual(v.since(s), []);
  v.set('/w/a/x.yaml', 'x');
  assert.deepEqual(v.since(s), [], 'the same text is no change');
  v.set('/w/a/x.yaml', 'y');
  assert.deepEqual(v.since(s), ['/w/a/x.yaml']);
  const t = v.stamp;
  v.set('/w/a/b/z.yaml', 'z');
  assert.deepEqual(
    v.since(t),
    ['/w/a/b/z.yaml', '/w/a/b', '/w/a', '/w', '/'],
    'a new file: its directories too',
  );
  v.set('/w/a/b/z.yaml', undefined);
  assert.deepEqual(v.since(v.stamp - 5), ['/w/a/b/z.yaml', '/w/a/b', '/w/a', '/w', '/']);
  for (let i = 0; i < 30000; i++) v.set('/w/a/x.yaml', String(i));
  assert.equal(v.since(s), undefined);
  assert.equal(v.since(v.stamp + 1), undefined);
  assert.deepEqual(v.since(v.stamp - 1), ['/w/a/x.yaml']);
});
