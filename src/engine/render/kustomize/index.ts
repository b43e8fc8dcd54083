// Public entry of the kustomize render stage: `buildKustomization(fs, dir, options)` is
// `kustomize build dir` over a virtual filesystem, returning the built YAML (byte for byte
// what resmap.AsYaml prints), each resource with its origin and per-field source map, or an
// error as data. Pure: no Node built-ins, no exceptions escape.
import type { BuildError, BuildOptions } from './build';
import { Builder } from './build';
import { emitYaml } from './emit';
import type { KustomizeFs } from './fs';
import type { Resource, SourceRef } from './resource';
import { curId, gvkOf, idString, nameOf, namespaceOf } from './resource';
import type { ValueMap } from './value';
import { deepEqual } from './value';

export type { BuildError, BuildOptions } from './build';
export { KUSTOMIZATION_FILES } from './build';
export type { KustomizeFs } from './fs';
export { cleanPath, memoryFs } from './fs';
export type { SourceRef } from './resource';
export { contentHash, encodeForHash, encodeHash } from './hash';
export { ParseCache } from './value';
export { BuildReuse } from './reuse';

export interface BuiltResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** This resource's YAML document as AsYaml prints it (no `---`). */
  readonly yaml: string;
  /** The value printed as `yaml` (shared with the build's reuse: never mutated). */
  readonly value?: ValueMap;
  /** The source document it came from (file, 1-based line), or the generator entry. */
  readonly origin: SourceRef;
  /** Fields a patch or transformer set: dotted path (`spec.template.spec.containers[0].image`) → where. */
  readonly fields: ReadonlyMap<string, SourceRef>;
}

export type KustomizeBuildResult =
  | {
      readonly ok: true;
      readonly yaml: string;
      readonly resources: readonly BuiltResource[];
      /** Info for the user that did not stop the build: remote bases not fetched, helm charts not rendered. */
      readonly notes: readonly BuildError[];
    }
  | { readonly ok: false; readonly error: BuildError };

export function buildKustomization(
  fs: KustomizeFs,
  dir: string,
  options: BuildOptions = {},
): KustomizeBuildResult {
  const builder = new Builder(fs, options);
  const out = builder.run(dir);
  if (!Array.isArray(out)) return { ok: false, error: out };
  // With options.reuse, an output that is the same snapshot the last build of `dir` output is
  // the same BuiltResource; one equal to a resource it printed is not printed again.
  const reuse = options.reuse;
  const before = reuse?.printed.get(dir);
  const builtBefore = reuse?.built.get(dir);
  const printed = new Map<string, { obj: ValueMap; yaml: string }>();
  const built = new Map<Resource, { readonly res: BuiltResource; readonly key: string }>();
  const resources: BuiltResource[] = out.map((r) => {
    const same = r.snapshot === true ? builtBefore?.get(r) : undefined;
    if (same) {
      printed.set(same.key, { obj: r.obj, yaml: same.res.yaml });
      built.set(r, same);
      return same.res;
    }
    const key = `${idString(curId(r))}\0${r.origin.file}:${r.origin.line}`;
    const g = gvkOf(r.obj);
    const last = before?.get(key);
    const yaml = last && deepEqual(last.obj, r.obj) ? last.yaml : emitYaml(r.obj);
    printed.set(key, { obj: r.obj, yaml });
    const res: BuiltResource = {
      apiVersion: typeof r.obj['apiVersion'] === 'string' ? r.obj['apiVersion'] : '',
      kind: g.kind,
      name: nameOf(r.obj),
      namespace: namespaceOf(r.obj),
      yaml,
      value: r.obj,
      origin: r.origin,
      fields: r.fields,
    };
    if (r.snapshot === true) built.set(r, { res, key });
    return res;
  });
  reuse?.printed.set(dir, printed);
  reuse?.built.set(dir, built);
  let yaml: string | undefined;
  return {
    ok: true,
    // Joined when asked for (the CLI prints it; an editor's re-analysis never reads it).
    get yaml(): string {
      return (yaml ??= resources.map((r) => r.yaml).join('---\n'));
    },
    resources,
    notes: builder.notes,
  };
}
