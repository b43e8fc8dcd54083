// What a kustomize build keeps for the next one (bases' builds, parsed files, printed
// resources) never goes stale: after any sequence of edits — base files, patches,
// kustomization files, files deleted and restored — a build with what the earlier builds
// kept equals a fresh build, and the incremental analyzer equals analyzeWorkspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  analyzeWorkspace,
  buildKustomization,
  createWorkspaceAnalyzer,
  toAnalyzeJson,
} from '../../src/engine';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { BuildReuse, memoryFs, ParseCache } from '../../src/engine/render/kustomize';
import { editBaseLine, isBaseResourceFile, kustomizeTree } from '../../bench/kustomize';

const TREE = kustomizeTree(8, 4);
const ORIGINAL = new Map(TREE.map((f) => [f.path, f.text]));
const BASES = TREE.map((f) => f.path).filter(isBaseResourceFile);
const PATCHES = TREE.map((f) => f.path).filter((p) => p.startsWith('overlays/prod/patches/'));
const APP_KUSTOMIZATIONS = TREE.map((f) => f.path).filter((p) =>
  /^base\/[^/]+\/[^/]+\/kustomization\.yaml$/.test(p),
);
const COMPONENT_KUSTOMIZATIONS = TREE.map((f) => f.path).filter((p) =>
  /^base\/[^/]+\/kustomization\.yaml$/.test(p),
);

/** Edits of kustomization files: (text, k) → new text, on a file of the list. */
const KUSTOMIZATION_EDITS: readonly {
  files: readonly string[];
  edit: (text: string, k: number) => string;
}[] = [
  {
    files: ['overlays/prod/kustomization.yaml'],
    edit: (t, k) => t.replace(/namePrefix: \S+/, `namePrefix: p${k}-`),
  },
  {
    files: ['overlays/prod/kustomization.yaml'],
    edit: (t, k) => t.replace(/namespace: \S+/, `namespace: ns${k}`),
  },
  { files: ['overlays/prod/kustomization.yaml'], edit: (t, k) => t.replace(/count: \d+/, `count: ${k % 5}`) },
  { files: ['install/kustomization.yaml'], edit: (t, k) => t.replace(/newTag: \S+/, `newTag: v2.${k}`) },
  { files: COMPONENT_KUSTOMIZATIONS, edit: (t, k) => `${t}commonLabels:\n  tier: t${k}\n` },
  // Leaves the overlay's patch of that app without a target: the build fails.
  { files: COMPONENT_KUSTOMIZATIONS, edit: (t) => t.replace(/\n {2}- \.\/[^\n]+\n/, '\n') },
  { files: APP_KUSTOMIZATIONS, edit: (t, k) => `${t}namePrefix: a${k}-\n` },
  {
    files: APP_KUSTOMIZATIONS,
    edit: (t, k) => `${t}configMapGenerator:\n  - name: extra\n    literals:\n      - K=v${k}\n`,
  },
  // A rename by JSON patch (the overlay's steps then depend on more than each resource).
  {
    files: ['overlays/prod/kustomization.yaml'],
    edit: (t, k) =>
      `${t}patchesJson6902:\n  - target:\n      kind: Service\n      name: argocd-server-0\n    patch: |-\n      - op: replace\n        path: /metadata/name\n        value: renamed-${k}\n`,
  },
  // A patch that deletes a resource.
  {
    files: ['overlays/prod/kustomization.yaml'],
    edit: (t) =>
      `${t}patchesStrategicMerge:\n  - |-\n    apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: argocd-redis-0\n    $patch: delete\n`,
  },
  // A patch by a label the base edits change (its target set changes with them).
  {
    files: ['overlays/prod/kustomization.yaml'],
    edit: (t, k) =>
      `${t}patchesJson6902:\n  - target:\n      kind: Service\n      labelSelector: app.kubernetes.io/component=server\n    patch: |-\n      - op: add\n        path: /metadata/labels/touched\n        value: t${k}\n`,
  },
  // Vars are state beyond the base's directory: such a build is never kept.
  {
    files: APP_KUSTOMIZATIONS,
    edit: (t, k) =>
      `${t}vars:\n  - name: V${k}\n    objref:\n      apiVersion: v1\n      kind: ServiceAccount\n      name: ${/name: (\S+)-sa/.exec(t)?.[1] ?? 'x'}\n`,
  },
];

type Edit =
  | { readonly op: 'base'; readonly file: number }
  | { readonly op: 'patch'; readonly file: number; readonly replicas: boolean }
  | { readonly op: 'kustomization'; readonly which: number; readonly file: number }
  | { readonly op: 'delete'; readonly file: number }
  | { readonly op: 'restore'; readonly file: number };

const index = fc.nat({ max: 1000 });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('base' as const), file: index }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('patch' as const), file: index, replicas: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('kustomization' as const),
      which: fc.nat({ max: KUSTOMIZATION_EDITS.length - 1 }),
      file: index,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), file: index }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restore' as const), file: index }) },
);

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** Applies an edit to the files; the path set (or deleted), if any. */
function apply(files: Map<string, string>, e: Edit, k: number): { path: string; text?: string } | undefined {
  const set = (path: string, text: string): { path: string; text: string } => {
    files.set(path, text);
    return { path, text };
  };
  switch (e.op) {
    case 'base': {
      const path = pick(BASES, e.file);
      const text = files.has(path) ? editBaseLine(files.get(path) ?? '', k) : undefined;
      return text === undefined ? undefined : set(path, text);
    }
    case 'patch': {
      const path = pick(PATCHES, e.file);
      const text = files.get(path);
      if (text === undefined) return undefined;
      return set(
        path,
        e.replicas
          ? text.replace(/spec:\n( {2}replicas: \d+\n)?/, `spec:\n  replicas: ${k % 7}\n`)
          : text.replace(/value: \S+/, `value: prod${k}`),
      );
    }
    case 'kustomization': {
      const { files: which, edit: change } = KUSTOMIZATION_EDITS[e.which] ?? { files: [], edit: (t) => t };
      const path = pick(which, e.file);
      const text = files.get(path);
      return text === undefined ? undefined : set(path, change(text, k));
    }
    case 'delete': {
      const path = pick([...files.keys()], e.file);
      files.delete(path);
      return { path };
    }
    case 'restore': {
      const missing = [...ORIGINAL.keys()].filter((p) => !files.has(p));
      if (missing.length === 0) return undefined;
      const path = pick(missing, e.file);
      return set(path, ORIGINAL.get(path) ?? '');
    }
  }
}

/**
 * A build result as text, field origins included. `keep`: what earlier builds kept; a build
 * without is fresh (files parsed once are still shared through `parsed`: texts key them).
 */
function buildText(files: ReadonlyMap<string, string>, parsed: ParseCache, reuse?: BuildReuse): string {
  const fs = memoryFs(Object.fromEntries([...files].map(([p, t]) => [`/${p}`, t])));
  const r = buildKustomization(fs, '/overlays/prod', {
    reorder: 'unspecified',
    parseCache: parsed,
    ...(reuse ? { reuse } : {}),
  });
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Map ? [...(v as Map<unknown, unknown>)] : v));
}

void test('a build with what earlier builds kept equals a fresh build, after any sequence of edits', () => {
  let errors = 0;
  let builds = 0;
  const parsed = new ParseCache();
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
      const files = new Map(ORIGINAL);
      // Frozen snapshots: a build that changes one it was given fails.
      const reuse = new BuildReuse(true);
      assert.equal(buildText(files, parsed, reuse), buildText(files, parsed));
      edits.forEach((e, k) => {
        apply(files, e, k);
        const kept = buildText(files, parsed, reuse);
        assert.equal(kept, buildText(files, parsed));
        builds++;
        if (kept.startsWith('{"ok":false')) errors++;
      });
    }),
    { numRuns: 15, seed: 15 },
  );
  // The edits reach both outcomes (a property that only ever compared failures would prove little).
  assert.ok(errors > 0 && errors < builds, `${errors} of ${builds} builds failed`);
});

/** Everything in an Analysis, field ranges included, as text. */
function snapshot(analysis: Analysis): string {
  return JSON.stringify(analysis, (_key, value: unknown) =>
    value instanceof Map ? { map: [...(value as Map<unknown, unknown>)] } : value,
  );
}

void test('the incremental analyzer on an Argo CD-shaped overlay equals analyzeWorkspace after any sequence of edits', () => {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
      const files = new Map(ORIGINAL);
      const analyzer = createWorkspaceAnalyzer();
      for (const [p, t] of files) analyzer.setFile(p, t);
      analyzer.analyze();
      edits.forEach((e, k) => {
        const changed = apply(files, e, k);
        if (changed?.text !== undefined) analyzer.setFile(changed.path, changed.text);
        else if (changed) analyzer.deleteFile(changed.path);
      });
      const incremental = analyzer.analyze();
      const fresh = analyzeWorkspace({
        files: [...files].map(([path, text]): WorkspaceFile => ({ path, text })),
      });
      assert.equal(snapshot(incremental), snapshot(fresh));
      assert.deepEqual(toAnalyzeJson(incremental), toAnalyzeJson(fresh));
    }),
    { numRuns: 6, seed: 15 },
  );
});

void test('an edit of one base reuses the other bases: their built objects are the same instances', () => {
  const analyzer = createWorkspaceAnalyzer();
  for (const f of TREE) analyzer.setFile(f.path, f.text);
  const before = analyzer.analyze();
  const path = BASES.find((p) => p.endsWith('-service.yaml')) ?? '';
  analyzer.setFile(path, editBaseLine(ORIGINAL.get(path) ?? '', 1) ?? '');
  const after = analyzer.analyze();
  const same = after.objects.filter((o) => before.objects.includes(o));
  const changed = after.objects.filter((o) => !before.objects.includes(o));
  assert.deepEqual(
    changed.map((o) => o.file),
    [path],
    'only the edited Service is a new object',
  );
  assert.equal(same.length, before.objects.length - 1);
});

void test('what the loads and prints keep in place stays right over many edits, texts that come back, and sweeps', () => {
  // The loaded-build memo and the printed maps are updated in place, and entries of
  // resources gone are swept once they are a quarter of the outputs (16 at least): 60 edits
  // of a few bases pass those thresholds, and every other edit restores a text seen before
  // (a kept entry is then found again).
  const analyzer = createWorkspaceAnalyzer();
  const files = new Map(ORIGINAL);
  for (const [p, t] of files) analyzer.setFile(p, t);
  analyzer.analyze();
  const few = BASES.filter((p) => /deployment|service/.test(p)).slice(0, 3);
  for (let k = 0; k < 60; k++) {
    const path = few[k % few.length] as string;
    const text = k % 2 === 1 ? (ORIGINAL.get(path) as string) : editBaseLine(ORIGINAL.get(path) ?? '', k);
    if (text === undefined) continue;
    files.set(path, text);
    analyzer.setFile(path, text);
    const incremental = analyzer.analyze();
    if (k % 10 !== 9 && k !== 58) continue;
    const fresh = analyzeWorkspace({
      files: [...files].map(([p, t]): WorkspaceFile => ({ path: p, text: t })),
    });
    assert.equal(snapshot(incremental), snapshot(fresh), `after edit ${k}`);
    assert.deepEqual(toAnalyzeJson(incremental), toAnalyzeJson(fresh));
  }
});

void test('a line added above a patch or a kustomization field moves the field sources of unchanged built objects', () => {
  // The built YAML stays the same; only the lines the fields came from move. The loaded
  // objects kept from the last analysis must not keep the old lines.
  const analyzer = createWorkspaceAnalyzer();
  const files = new Map(ORIGINAL);
  for (const [p, t] of files) analyzer.setFile(p, t);
  const before = analyzer.analyze();
  for (const path of [PATCHES[0] ?? '', 'overlays/prod/kustomization.yaml']) {
    const text = `# a comment\n${files.get(path) ?? ''}`;
    files.set(path, text);
    analyzer.setFile(path, text);
    const incremental = analyzer.analyze();
    const fresh = analyzeWorkspace({
      files: [...files].map(([p, t]): WorkspaceFile => ({ path: p, text: t })),
    });
    assert.equal(snapshot(incremental), snapshot(fresh));
  }
  // The edits did move field sources (else this test would prove nothing).
  assert.notEqual(snapshot(analyzer.analyze()), snapshot(before));
  assert.deepEqual(
    analyzer.analyze().objects.map((o) => o.raw),
    before.objects.map((o) => o.raw),
  );
});

void test('a base edit that moves pod placement re-analyses to what a fresh analysis places', () => {
  // Requests on the first workload in placement order change what the scheduler's resource
  // scores see for every pod after it (the built-in nodes have allocatable): the incremental
  // analyzer must place them as a fresh run does, not keep their placements.
  const placement = (a: Analysis): string[] =>
    a.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}@${p.nodeName}`);
  const analyzer = createWorkspaceAnalyzer();
  const files = new Map(ORIGINAL);
  for (const [p, t] of files) analyzer.setFile(p, t);
  const before = analyzer.analyze();
  const moved: string[] = [];
  const workloads = BASES.filter((p) => /-(deployment|statefulset)\.yaml$/.test(p)).sort();
  for (const [k, path] of workloads.slice(0, 3).entries()) {
    const text = (files.get(path) ?? '').replace(
      /( {10}imagePullPolicy: Always\n)/,
      `$1          resources:\n            requests:\n              cpu: ${1500 + 100 * k}m\n              memory: ${3 + k}Gi\n`,
    );
    assert.notEqual(text, files.get(path));
    files.set(path, text);
    const last = placement(analyzer.analyze());
    analyzer.setFile(path, text);
    const incremental = analyzer.analyze();
    const fresh = analyzeWorkspace({
      files: [...files].map(([p, t]): WorkspaceFile => ({ path: p, text: t })),
    });
    assert.equal(snapshot(incremental), snapshot(fresh));
    assert.deepEqual(placement(incremental), placement(fresh));
    const now = placement(incremental);
    // Pods of other workloads than the edited one landed elsewhere.
    const name = /name: (\S+)/.exec(text)?.[1] ?? '';
    for (const p of now) if (!last.includes(p) && !p.includes(name)) moved.push(p);
  }
  assert.ok(moved.length > 0, 'the edits moved pods of other workloads (else this test proves nothing)');
  assert.notDeepEqual(placement(analyzer.analyze()), placement(before));
});

/** A build's outputs by name, each with the name of every ConfigMap and ServiceAccount it references. */
function builtNames(files: ReadonlyMap<string, string>, parsed: ParseCache, reuse?: BuildReuse): string[] {
  const fs = memoryFs(Object.fromEntries([...files].map(([p, t]) => [`/${p}`, t])));
  const r = buildKustomization(fs, '/overlays/prod', {
    reorder: 'unspecified',
    parseCache: parsed,
    ...(reuse ? { reuse } : {}),
  });
  return r.ok ? r.resources.map((x) => `${x.kind}/${x.name}`) : [`error: ${r.error.message}`];
}

void test('edits that rename, retarget a patch or change a generated hash rebuild as a fresh build does', () => {
  // One sequence on one BuildReuse (frozen snapshots), each step compared with a fresh build
  // and the incremental analyzer with analyzeWorkspace: the edits that change ids are those
  // the kept steps and fix-ups must notice (steps: ids; finish: hashes and references).
  const server = BASES.find((p) => /argocd-server-0-sa\.yaml$/.test(p)) ?? '';
  const redis = BASES.find((p) => /argocd-redis-0-deployment\.yaml$/.test(p)) ?? '';
  const patch = PATCHES.find((p) => p.endsWith('/argocd-dex-server-0.yaml')) ?? '';
  const overlay = 'overlays/prod/kustomization.yaml';
  const steps: {
    what: string;
    path: string;
    edit: (t: string) => string;
    expect: (names: string[]) => boolean;
  }[] = [
    {
      // The generated ConfigMap's content: a new hash suffix, and every envFrom naming it follows.
      what: 'a configMapGenerator literal',
      path: overlay,
      edit: (t) => t.replace('ENVIRONMENT=prod', 'ENVIRONMENT=staging'),
      expect: (names) => names.some((n) => /^ConfigMap\/prod-argocd-env-[a-z0-9]{10}$/.test(n)),
    },
    {
      // A ServiceAccount renamed in its base: the RoleBinding and the workload no longer find it.
      what: 'a base ServiceAccount renamed',
      path: server,
      edit: (t) => t.replace(/name: argocd-server-0\n/, 'name: argocd-server-0-renamed\n'),
      expect: (names) => names.includes('ServiceAccount/prod-argocd-server-0-renamed'),
    },
    {
      // The overlay's patch now targets another app's workload: the first one is patched no more.
      what: "a patch's target renamed",
      path: patch,
      edit: (t) => t.replace(/name: argocd-dex-server-0\n/, 'name: argocd-server-0\n'),
      expect: (names) => names.some((n) => n.startsWith('Deployment/prod-argocd-dex-server-0')),
    },
    {
      // A base workload renamed under a patch that names it: the build fails as kustomize's does.
      what: 'a patched base workload renamed',
      path: redis,
      edit: (t) => t.replace(/(metadata:\n {2}name: )argocd-redis-0\n/, '$1argocd-redis-zero\n'),
      expect: (names) => names.length === 1 && names[0]?.includes('failed to find unique target') === true,
    },
    {
      what: 'the workload renamed back',
      path: redis,
      edit: (t) => t.replace('name: argocd-redis-zero\n', 'name: argocd-redis-0\n'),
      expect: (names) => names.includes('Deployment/prod-argocd-redis-0'),
    },
    {
      what: 'the literal changed again',
      path: overlay,
      edit: (t) => t.replace('ENVIRONMENT=staging', 'ENVIRONMENT=qa'),
      expect: (names) => names.some((n) => n.startsWith('ConfigMap/prod-argocd-env-')),
    },
  ];
  const files = new Map(ORIGINAL);
  const parsed = new ParseCache();
  const reuse = new BuildReuse(true);
  const analyzer = createWorkspaceAnalyzer();
  for (const [p, t] of files) analyzer.setFile(p, t);
  analyzer.analyze();
  let hash = builtNames(files, parsed, reuse).find((n) => n.startsWith('ConfigMap/prod-argocd-env-'));
  for (const s of steps) {
    const text = s.edit(files.get(s.path) ?? '');
    assert.notEqual(text, files.get(s.path), s.what);
    files.set(s.path, text);
    const kept = buildText(files, parsed, reuse);
    assert.equal(kept, buildText(files, parsed), s.what);
    const names = builtNames(files, parsed, reuse);
    assert.ok(s.expect(names), `${s.what}: ${names.slice(0, 3).join(', ')}`);
    const generated = names.find((n) => n.startsWith('ConfigMap/prod-argocd-env-'));
    if (s.path === overlay) {
      // A new hash, and the workloads reference the new name (the build text holds the references).
      assert.notEqual(generated, hash, s.what);
      assert.ok(kept.includes(`name: ${generated?.slice('ConfigMap/'.length) ?? ''}\\n`), s.what);
    }
    if (generated) hash = generated;
    analyzer.setFile(s.path, text);
    const incremental = analyzer.analyze();
    const fresh = analyzeWorkspace({
      files: [...files].map(([p, t]): WorkspaceFile => ({ path: p, text: t })),
    });
    assert.equal(snapshot(incremental), snapshot(fresh), s.what);
  }
});
