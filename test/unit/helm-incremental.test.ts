// What a chart render keeps for the next one (template parse trees, values files as read,
// manifest heads: HelmRenderCache) never goes stale and is never changed by a render: after
// any sequence of edits — values files, templates, helpers, subchart values, edits that break
// the YAML or the template, files restored — a render with what the earlier renders kept
// equals a fresh render, and the incremental analyzer equals analyzeWorkspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeWorkspace, createWorkspaceAnalyzer, toAnalyzeJson } from '../../src/engine';
import { formatHelmTemplate, HelmRenderCache, renderChart } from '../../src/engine/render/helm';
import { memoryFs } from '../../src/engine/render/kustomize';
import { helmChart } from '../../bench/helm';

const CHART = helmChart(3, 2, 2);
const ORIGINAL = new Map(CHART.map((f) => [f.path, f.text]));
const paths = (re: RegExp): string[] => CHART.map((f) => f.path).filter((p) => re.test(p));
const VALUES = paths(/values\.yaml$/);
const TEMPLATES = paths(/templates\/.*\.yaml$/);
const HELPERS = paths(/_helpers\.tpl$/);

/** (text, k) → new text; each applies to the files of its list. */
const EDITS: readonly { files: readonly string[]; edit: (text: string, k: number) => string }[] = [
  { files: VALUES, edit: (t, k) => t.replace(/replicas: \d+/, `replicas: ${(k % 5) + 1}`) },
  { files: VALUES, edit: (t, k) => t.replace(/region: \S+/, `region: r${k}`) },
  // A values file that is not YAML: the render fails.
  { files: VALUES, edit: (t) => `${t}\n  bad: [unclosed\n` },
  {
    files: TEMPLATES,
    edit: (t, k) => t.replace('metadata:\n', `metadata:\n  annotations:\n    k: "v${k}"\n`),
  },
  // A manifest that is not YAML: sorting its head fails with the file named.
  { files: TEMPLATES, edit: (t) => t.replace('metadata:\n', 'metadata:\n  : :\n bad\n') },
  // A template that does not parse.
  { files: TEMPLATES, edit: (t) => `${t}\n{{ if }}\n` },
  { files: HELPERS, edit: (t, k) => t.replace(/trunc 63/g, `trunc ${20 + (k % 40)}`) },
];

type Edit =
  { readonly which: number; readonly file: number; readonly k: number } | { readonly restore: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      which: fc.nat({ max: EDITS.length - 1 }),
      file: fc.nat({ max: 1000 }),
      k: fc.nat({ max: 1000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ restore: fc.nat({ max: 1000 }) }) },
);

function apply(files: Map<string, string>, e: Edit): string {
  if ('restore' in e) {
    const all = [...ORIGINAL.keys()];
    const path = all[e.restore % all.length] as string;
    files.set(path, ORIGINAL.get(path) as string);
    return path;
  }
  const spec = EDITS[e.which] as (typeof EDITS)[number];
  const path = spec.files[e.file % spec.files.length] as string;
  files.set(path, spec.edit(files.get(path) as string, e.k));
  return path;
}

function rendered(files: ReadonlyMap<string, string>, cache?: HelmRenderCache): string {
  const fs = memoryFs(Object.fromEntries([...files].map(([p, t]) => [`/ws/${p}`, t])));
  const r = renderChart(fs, '/ws/platform', cache ? { cache } : {});
  const out = formatHelmTemplate(r);
  return JSON.stringify({ stdout: out.stdout, error: r.error ?? null, notes: r.notes ?? null });
}

void test('a render with what earlier renders kept equals a fresh render, after any edits', () => {
  let failed = 0;
  let renders = 0;
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
      const files = new Map(ORIGINAL);
      const cache = new HelmRenderCache();
      assert.equal(rendered(files, cache), rendered(files));
      for (const e of edits) {
        apply(files, e);
        const kept = rendered(files, cache);
        cache.sweep();
        const fresh = rendered(files);
        assert.equal(kept, fresh);
        renders += 1;
        if (JSON.parse(fresh).error !== null) failed += 1;
      }
    }),
    { numRuns: 25, seed: 16 },
  );
  // The edits must exercise both outcomes, or the property says little.
  assert.ok(failed > 0 && failed < renders, `${failed} of ${renders} renders failed`);
});

void test('the incremental analyzer after chart edits equals analyzeWorkspace', () => {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 5 }), (edits) => {
      const files = new Map(ORIGINAL);
      const analyzer = createWorkspaceAnalyzer();
      for (const [p, t] of files) analyzer.setFile(p, t);
      analyzer.analyze();
      for (const e of edits) {
        const path = apply(files, e);
        analyzer.setFile(path, files.get(path) as string);
        const incremental = analyzer.analyze();
        const fresh = analyzeWorkspace({ files: [...files].map(([path, text]) => ({ path, text })) });
        assert.deepEqual(toAnalyzeJson(incremental), toAnalyzeJson(fresh));
      }
    }),
    { numRuns: 5, seed: 16 },
  );
});
