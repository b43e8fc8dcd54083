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
