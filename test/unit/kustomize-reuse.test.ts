// What a build keeps for the next (BuildReuse) is shared with later builds as snapshots:
// over every krusty case, a build that keeps them, and builds after it that reuse them (the
// bases' builds, each kustomization's steps, the top's hashes and fix-ups, the output
// order), give what a build without them gives. Snapshots are frozen here, so that a build
// changing one it was given fails at once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KustomizeBuildResult } from '../../src/engine/render/kustomize';
import { BuildReuse, buildKustomization, memoryFs } from '../../src/engine/render/kustomize';
import { kustomizeTree } from '../../bench/kustomize';

interface Case {
  name: string;
  files: Record<string, string | { base64: string }>;
  kustomizationDir: string;
  options: {
    reorder: 'none' | 'legacy' | 'unspecified';
    loadRestrictions: 'rootOnly' | 'none';
    addManagedByLabel: boolean;
  };
}

const fixtureDir = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'conformance', 'kustomize');
const cases = JSON.parse(readFileSync(join(fixtureDir, 'cases.json'), 'utf8')) as Case[];

/** A build result as text, field sources included. */
function text(r: KustomizeBuildResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Map ? [...(v as Map<unknown, unknown>)] : v));
}

function build(c: Case, reuse?: BuildReuse): string {
  const files: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [p, content] of Object.entries(c.files)) {
    if (typeof content === 'string') files[`/${p}`] = content;
    else binary[`/${p}`] = Buffer.from(content.base64, 'base64').toString('latin1');
  }
  return text(
    buildKustomization(memoryFs(files, binary), c.kustomizationDir === '.' ? '/' : c.kustomizationDir, {
      reorder: c.options.reorder,
      loadRestrictions: c.options.loadRestrictions,
      addManagedByLabel: c.options.addManagedByLabel,
      kustomizeVersion: '(test)',
      ...(reuse ? { reuse } : {}),
    }),
  );
}

void describe('kustomize builds with kept results equal fresh builds (krusty cases)', () => {
  let reused = 0;
  for (const c of cases) {
    void it(c.name, () => {
      const fresh = build(c);
      const reuse = new BuildReuse(true);
      assert.equal(build(c, reuse), fresh, 'the build that keeps its results');
      const kept = reuse.steps.size + reuse.builds.size;
      assert.equal(build(c, reuse), fresh, 'a build reusing them');
      assert.equal(build(c, reuse), fresh, 'a build reusing what the last one kept');
      if (kept > 0) reused++;
    });
  }
  void it('the cases reach the reuse (a suite that never reused would prove little)', () => {
    assert.ok(reused > cases.length / 2, `${reused} of ${cases.length} cases kept something`);
  });
});

const TREE = kustomizeTree(8, 4);

function treeBuild(files: ReadonlyMap<string, string>, reuse?: BuildReuse): string {
  const fs = memoryFs(Object.fromEntries([...files].map(([p, t]) => [`/${p}`, t])));
  return text(
    buildKustomization(fs, '/overlays/prod', { reorder: 'unspecified', ...(reuse ? { reuse } : {}) }),
  );
}

void describe('kustomize steps rerun only on what changed (Argo CD-shaped tree)', () => {
  const service = 'base/server/argocd-server-0/argocd-server-0-service.yaml';
  const overlay = 'overlays/prod/kustomization.yaml';
  // Each edit, then a build with what the builds before kept, against a fresh build.
  const edits: [string, string, (t: string) => string][] = [
    ['a value in a base', service, (t) => t.replace('port: 80', 'port: 81')],
    // The name moves the Service in the output order (the kept order is for other ids).
    ['a name in a base', service, (t) => t.replace('name: argocd-server-0\n', 'name: aa-server-0\n')],
    ['a name back', service, (t) => t.replace('name: aa-server-0\n', 'name: argocd-server-0\n')],
    [
      'a rename by an overlay patch',
      overlay,
      (t) =>
        `${t}patchesJson6902:\n  - target:\n      kind: Service\n      name: argocd-server-0\n    patch: |-\n      - op: replace\n        path: /metadata/name\n        value: renamed\n`,
    ],
    ['a value under the rename', service, (t) => t.replace('port: 81', 'port: 82')],
  ];
  void it('equals a fresh build after each edit, and keeps the outputs of the resources not edited', () => {
    const files = new Map(TREE.map((f) => [f.path, f.text]));
    const reuse = new BuildReuse(true);
    assert.equal(treeBuild(files, reuse), treeBuild(files));
    for (const [what, path, change] of edits) {
      const before = reuse.steps.get('/overlays/prod\0top')?.outputs ?? [];
      const next = change(files.get(path) ?? '');
      assert.notEqual(next, files.get(path), what);
      files.set(path, next);
      assert.equal(treeBuild(files, reuse), treeBuild(files), what);
      if (what === 'a value in a base') {
        // The overlay's steps ran on the edited Service alone: every other output is kept.
        const after = reuse.steps.get('/overlays/prod\0top')?.outputs ?? [];
        assert.equal(after.length, before.length);
        assert.equal(after.filter((r, i) => r !== before[i]).length, 1);
      }
    }
  });
});

/** Builds `dir` of an in-memory tree (paths without the leading slash). */
function dirBuild(files: ReadonlyMap<string, string>, dir: string, reuse?: BuildReuse): string {
  const fs = memoryFs(Object.fromEntries([...files].map(([p, t]) => [`/${p}`, t])));
  return text(buildKustomization(fs, dir, { reorder: 'unspecified', ...(reuse ? { reuse } : {}) }));
}

const deployment = (name: string, tier: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels:\n    tier: ${tier}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ${name}:1\n`;

void describe('kustomize steps on a few resources look only at the patches that can match them', () => {
  // Patches by id (by an id the resource had before the base's prefix, with the effective
  // namespace spelled out; by its current id; several in one file) and by target selector:
  // after each edit of one base resource, the overlay's steps run on it alone and must meet
  // exactly the patches a run on all would apply to it.
  const tree = new Map<string, string>([
    ['base/kustomization.yaml', 'namePrefix: b-\nresources:\n  - web.yaml\n  - api.yaml\n  - db.yaml\n'],
    ['base/web.yaml', deployment('web', 'front')],
    ['base/api.yaml', deployment('api', 'back')],
    ['base/db.yaml', deployment('db', 'back')],
    [
      'overlay/kustomization.yaml',
      'resources:\n  - ../base\npatchesStrategicMerge:\n  - web-patch.yaml\npatches:\n  - path: two.yaml\n' +
        '  - target:\n      kind: Deployment\n      labelSelector: tier=front\n    patch: |-\n      - op: add\n        path: /spec/paused\n        value: true\n' +
        '  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: b-api\n      spec:\n        minReadySeconds: 5\n',
    ],
    [
      'overlay/web-patch.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 3\n',
    ],
    [
      'overlay/two.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 4\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n  replicas: 5\n',
    ],
  ]);
  const edits: [string, string, (t: string) => string][] = [
    ['the prefixed workload an old-id patch names', 'base/web.yaml', (t) => t.replace('web:1', 'web:2')],
    ['a workload two patches name', 'base/api.yaml', (t) => t.replace('api:1', 'api:2')],
    ['a workload of a multi-document patch file', 'base/db.yaml', (t) => t.replace('db:1', 'db:2')],
    [
      'a label the selector patch matches, changed',
      'base/web.yaml',
      (t) => t.replace('tier: front', 'tier: x'),
    ],
    ['a label the selector patch now matches', 'base/db.yaml', (t) => t.replace('tier: back', 'tier: front')],
    ['a value under the selector patch', 'base/db.yaml', (t) => t.replace('db:2', 'db:3')],
  ];
  void it('equals a fresh build after each edit, with every other output kept', () => {
    const files = new Map(tree);
    const reuse = new BuildReuse(true);
    assert.equal(dirBuild(files, '/overlay', reuse), dirBuild(files, '/overlay'));
    assert.match(dirBuild(files, '/overlay'), /paused: true/);
    for (const [what, path, change] of edits) {
      const before = reuse.steps.get('/overlay\0top')?.outputs ?? [];
      const next = change(files.get(path) ?? '');
      assert.notEqual(next, files.get(path), what);
      files.set(path, next);
      assert.equal(dirBuild(files, '/overlay', reuse), dirBuild(files, '/overlay'), what);
      // A JSON patch stores a previous id on what it patches: where the selector's match
      // changes, so does the resource's identity, and the steps run on all again.
      if (what.includes('label')) continue;
      const after = reuse.steps.get('/overlay\0top')?.outputs ?? [];
      assert.equal(after.filter((r, i) => r !== before[i]).length, 1, `${what}: one output rebuilt`);
    }
  });
});

void describe('name references of a few changed resources are fixed up among all (Argo CD-shaped tree)', () => {
  // The top's fix-ups run on the edited workload alone, with the candidates kept from the
  // last build: a reference moved to another ConfigMap, or to the generated (hashed) one,
  // must find it among resources the edit did not touch.
  const workload = 'base/server/argocd-server-0/argocd-server-0-deployment.yaml';
  const edits: [string, (t: string) => string, RegExp][] = [
    [
      'a volume moved to another ConfigMap',
      (t) => t.replace('name: argocd-tls-certs-cm', 'name: argocd-cm'),
      /- configMap:\\n {10}name: prod-argocd-cm\\n/,
    ],
    [
      'an env reference moved to the generated ConfigMap',
      (t) => t.replace('name: argocd-cmd-params-cm', 'name: argocd-env'),
      /configMapKeyRef:\\n {14}key: log.level\\n {14}name: prod-argocd-env-[a-z0-9]{10}\\n/,
    ],
  ];
  void it('equals a fresh build after each edit, with every other output kept', () => {
    const files = new Map(TREE.map((f) => [f.path, f.text]));
    const reuse = new BuildReuse(true);
    assert.equal(treeBuild(files, reuse), treeBuild(files));
    for (const [what, change, expected] of edits) {
      const before = reuse.steps.get('/overlays/prod\0finish')?.outputs ?? [];
      const next = change(files.get(workload) ?? '');
      assert.notEqual(next, files.get(workload), what);
      files.set(workload, next);
      const kept = treeBuild(files, reuse);
      assert.equal(kept, treeBuild(files), what);
      assert.match(kept, expected, what);
      const after = reuse.steps.get('/overlays/prod\0finish')?.outputs ?? [];
      assert.equal(after.filter((r, i) => r !== before[i]).length, 1, `${what}: one output fixed up`);
    }
  });
});

void describe('a duplicate id is found after builds without one', () => {
  // The ids a kustomization accumulated last time had no duplicate; a build whose ids
  // follow them needs no set, one that leaves them must still find the duplicate.
  const cm = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  void it('fails as a fresh build does, and builds again once the duplicate is gone', () => {
    const files = new Map<string, string>([
      ['app/kustomization.yaml', 'resources:\n  - a.yaml\n  - b.yaml\n  - c.yaml\n'],
      ['app/a.yaml', cm('a')],
      ['app/b.yaml', cm('b')],
      ['app/c.yaml', cm('c')],
      ['top/kustomization.yaml', 'namePrefix: p-\nresources:\n  - ../app\n'],
    ]);
    const reuse = new BuildReuse(true);
    const steps: [string, string, RegExp][] = [
      ['app/c.yaml', cm('c'), /"ok":true/],
      [
        'app/c.yaml',
        cm('a'),
        /may not add resource with an already registered id: ConfigMap.v1.\[noGrp\]\/a/,
      ],
      ['app/c.yaml', cm('c'), /"ok":true/],
      [
        'app/b.yaml',
        cm('c'),
        /may not add resource with an already registered id: ConfigMap.v1.\[noGrp\]\/c/,
      ],
      ['app/b.yaml', `${cm('b')}---\n${cm('d')}`, /"ok":true/],
    ];
    for (const [path, content, expected] of steps) {
      files.set(path, content);
      const kept = dirBuild(files, '/top', reuse);
      assert.equal(kept, dirBuild(files, '/top'), `${path}: ${content}`);
      assert.match(kept, expected, `${path}: ${content}`);
    }
  });
});
