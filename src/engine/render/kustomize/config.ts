// The transformer configuration of a build (api/internal/plugins/builtinconfig): which fields
// each built-in transformer touches. It starts as the built-in field specs; `configurations:`
// files add to it, and a kustomization's configuration includes its bases' (the accumulator
// merges them upward), so the top-level name-reference and var passes see every addition.
import type { FieldSpec, NameReference } from './fieldSpecs';
import {
  COMMON_ANNOTATION_SPECS,
  COMMON_LABEL_SPECS,
  IMAGE_SPECS,
  NAME_REFERENCES,
  NAMESPACE_SPECS,
  REPLICA_SPECS,
  TEMPLATE_LABEL_SPECS,
  VAR_REFERENCE_SPECS,
} from './fieldSpecs';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

export interface TransformerConfig {
  commonLabels: FieldSpec[];
  templateLabels: FieldSpec[];
  labels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  namePrefix: FieldSpec[];
  nameSuffix: FieldSpec[];
  namespace: FieldSpec[];
  images: FieldSpec[];
  replicas: FieldSpec[];
  varReference: FieldSpec[];
  nameReference: NameReference[];
}

type SpecKey = Exclude<keyof TransformerConfig, 'nameReference'>;
const SPEC_KEYS: readonly SpecKey[] = [
  'commonLabels',
  'templateLabels',
  'labels',
  'commonAnnotations',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'images',
  'replicas',
  'varReference',
];

/** The one built-in spec of namePrefix and nameSuffix (shared, so that merges find it by identity). */
const NAME_SPECS: readonly FieldSpec[] = [{ path: 'metadata/name' }];

export function defaultConfig(): TransformerConfig {
  return {
    commonLabels: [...COMMON_LABEL_SPECS],
    templateLabels: [...TEMPLATE_LABEL_SPECS],
    labels: [],
    commonAnnotations: [...COMMON_ANNOTATION_SPECS],
    namePrefix: [...NAME_SPECS],
    nameSuffix: [...NAME_SPECS],
    namespace: [...NAMESPACE_SPECS],
    images: [...IMAGE_SPECS],
    replicas: [...REPLICA_SPECS],
    varReference: [...VAR_REFERENCE_SPECS],
    nameReference: NAME_REFERENCES.map((r) => ({ target: r.target, specs: [...r.specs] })),
  };
}

export function emptyConfig(): TransformerConfig {
  return {
    commonLabels: [],
    templateLabels: [],
    labels: [],
    commonAnnotations: [],
    namePrefix: [],
    nameSuffix: [],
    namespace: [],
    images: [],
    replicas: [],
    varReference: [],
    nameReference: [],
  };
}

/** Equal for two specs with the same path, kind, group and version (the same spec to a merge). */
const specKey = (a: FieldSpec): string => `${a.path}\0${a.kind ?? ''}\0${a.group ?? ''}\0${a.version ?? ''}`;

function mergeSpecs(into: FieldSpec[], from: readonly FieldSpec[]): void {
  if (from.length === 0) return;
  // Mostly `from` is the built-in specs `into` starts with, in the same order: nothing to add.
  if (from.length <= into.length && from.every((s, i) => s === into[i])) return;
  // Every base merges its configuration into its parent's, mostly the built-in specs both
  // hold: those are found by identity; the rest by key (built once, when first needed).
  const held = new Set(into);
  let keys: Set<string> | undefined;
  for (const s of from) {
    if (held.has(s)) continue;
    keys ??= new Set(into.map(specKey));
    const key = specKey(s);
    if (keys.has(key)) continue;
    keys.add(key);
    held.add(s);
    into.push(s);
  }
}

/** Merges `from` into `into` (FsSlice.MergeAll; name references merge by target kind). */
export function mergeConfig(into: TransformerConfig, from: TransformerConfig): void {
  if (into === from) return;
  for (const k of SPEC_KEYS) mergeSpecs(into[k], from[k]);
  const refs = from.nameReference;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i] as NameReference;
    // Mostly both hold the built-in references in the same order: the one at the same
    // position, found by its (shared) target, before the search by target kind.
    const at = into.nameReference[i];
    const same =
      at !== undefined && at.target === ref.target
        ? at
        : into.nameReference.find(
            (r) =>
              (r.target.kind ?? '') === (ref.target.kind ?? '') &&
              (r.target.group ?? '') === (ref.target.group ?? '') &&
              (r.target.version ?? '') === (ref.target.version ?? ''),
          );
    if (same) mergeSpecs(same.specs as FieldSpec[], ref.specs);
    else into.nameReference.push({ target: ref.target, specs: [...ref.specs] });
  }
}

const BUILT_IN: Readonly<Record<SpecKey, readonly FieldSpec[]>> = {
  commonLabels: COMMON_LABEL_SPECS,
  templateLabels: TEMPLATE_LABEL_SPECS,
  labels: [],
  commonAnnotations: COMMON_ANNOTATION_SPECS,
  namePrefix: NAME_SPECS,
  nameSuffix: NAME_SPECS,
  namespace: NAMESPACE_SPECS,
  images: IMAGE_SPECS,
  replicas: REPLICA_SPECS,
  varReference: VAR_REFERENCE_SPECS,
};

const sameSpecs = (a: readonly FieldSpec[], b: readonly FieldSpec[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);

/** Whether the name references are the built-in ones (the same spec objects, in order). */
function builtInReferences(refs: readonly NameReference[]): boolean {
  return (
    refs.length === NAME_REFERENCES.length &&
    refs.every((r, i) => {
      const b = NAME_REFERENCES[i] as NameReference;
      return r.target === b.target && sameSpecs(r.specs, b.specs);
    })
  );
}

/**
 * A key equal for two configurations that transform alike (for kept builds): short for the
 * built-in configuration (identity checks, no text), else the configuration as JSON.
 */
export function configKey(cfg: TransformerConfig): string {
  if (SPEC_KEYS.every((k) => sameSpecs(cfg[k], BUILT_IN[k])) && builtInReferences(cfg.nameReference))
    return 'built-in';
  return JSON.stringify(cfg);
}

/** As configKey, for the name references alone. */
export function nameReferenceKey(refs: readonly NameReference[]): string {
  return builtInReferences(refs) ? 'built-in' : JSON.stringify(refs);
}

export function readFieldSpecs(v: Value | undefined): FieldSpec[] {
  if (!Array.isArray(v)) return [];
  const s = (x: Value | undefined): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);
  return v.filter(isValueMap).map((f) => ({
    path: typeof f['path'] === 'string' ? f['path'] : '',
    kind: s(f['kind']),
    group: s(f['group']),
    version: s(f['version']),
    create: f['create'] === true,
  }));
}

/** A `configurations:` file's content as a config to merge (only what it names). */
export function readConfig(v: ValueMap): TransformerConfig {
  const out: TransformerConfig = {
    commonLabels: readFieldSpecs(v['commonLabels']),
    templateLabels: readFieldSpecs(v['templateLabels']),
    labels: readFieldSpecs(v['labels']),
    commonAnnotations: readFieldSpecs(v['commonAnnotations']),
    namePrefix: readFieldSpecs(v['namePrefix']),
    nameSuffix: readFieldSpecs(v['nameSuffix']),
    namespace: readFieldSpecs(v['namespace']),
    images: readFieldSpecs(v['images']),
    replicas: readFieldSpecs(v['replicas']),
    varReference: readFieldSpecs(v['varReference']),
    nameReference: [],
  };
  const refs = v['nameReference'];
  if (Array.isArray(refs)) {
    for (const r of refs.filter(isValueMap)) {
      const s = (x: Value | undefined): string | undefined =>
        typeof x === 'string' && x !== '' ? x : undefined;
      out.nameReference.push({
        target: { kind: s(r['kind']), group: s(r['group']), version: s(r['version']) },
        specs: readFieldSpecs(r['fieldSpecs']),
      });
    }
  }
  return out;
}
