// The built-in transformers a kustomization configures (api/internal/builtins), applied in
// kusttarget's order by build.ts: namespace, namePrefix/nameSuffix, labels and commonLabels,
// commonAnnotations, replicas, images. Each records the kustomization line that set a field.
import type { FieldSpec } from './fieldSpecs';
import type { TransformerConfig } from './config';
import { VOLUME_CLAIM_TEMPLATE_LABELS, specApplies, walkFieldSpec } from './fieldSpecs';
import type { Resource, SourceRef } from './resource';
import {
  curId,
  gvkOf,
  gvkSelected,
  isClusterScoped,
  metadata,
  orgId,
  storePreviousId,
  str,
} from './resource';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';
import { memoized } from '../../util/memo';

function applySpecs(
  r: Resource,
  specs: readonly FieldSpec[],
  visit: (parent: ValueMap, key: string, path: string) => void,
): string | undefined {
  const g = gvkOf(r.obj);
  for (const spec of specs) {
    if (!specApplies(spec, g)) continue;
    const err = walkFieldSpec(r.obj, spec, visit);
    if (err) return err.message;
  }
  return undefined;
}

/** Sets each pair in the map at every spec'd path (labels, annotations, selectors). */
export function addMapEntries(
  resources: readonly Resource[],
  pairs: Readonly<Record<string, string>>,
  specs: readonly FieldSpec[],
  source: SourceRef,
): string | undefined {
  const keys = Object.keys(pairs);
  if (keys.length === 0) return undefined;
  for (const r of resources) {
    const err = applySpecs(r, specs, (parent, key, path) => {
      let m = parent[key];
      if (!isValueMap(m)) {
        m = {};
        parent[key] = m;
      }
      for (const k of keys) {
        m[k] = pairs[k] ?? '';
        r.fields.set(`${path}.${k}`, source);
      }
    });
    if (err) return err;
  }
  return undefined;
}

export interface LabelEntry {
  pairs: Record<string, string>;
  includeSelectors: boolean;
  includeTemplates: boolean;
  includeVolumeClaimTemplates: boolean;
  fields: FieldSpec[];
}

/** The field specs of one `labels` entry (kusttarget's LabelTransformer configurator). */
export function labelSpecs(l: LabelEntry, cfg: TransformerConfig): FieldSpec[] {
  if (l.includeSelectors) return [...l.fields, ...cfg.labels, ...cfg.commonLabels];
  return [
    ...l.fields,
    ...cfg.labels,
    ...(l.includeTemplates ? cfg.templateLabels : []),
    ...(l.includeVolumeClaimTemplates ? VOLUME_CLAIM_TEMPLATE_LABELS : []),
    { path: 'metadata/labels', create: true },
  ];
}

export function setNamespace(
  resources: readonly Resource[],
  ns: string,
  source: SourceRef,
  specs: readonly FieldSpec[],
): void {
  for (const r of resources) {
    const g = gvkOf(r.obj);
    storePreviousId(r);
    if (!isClusterScoped(g)) {
      let md = metadata(r.obj);
      if (!md) {
        md = {};
        r.obj['metadata'] = md;
      }
      md['namespace'] = ns;
      r.fields.set('metadata.namespace', source);
    }
    if (g.kind === 'RoleBinding' || g.kind === 'ClusterRoleBinding') {
      const subjects = r.obj['subjects'];
      if (Array.isArray(subjects)) {
        subjects.forEach((s, i) => {
          if (isValueMap(s) && s['name'] === 'default') {
            s['namespace'] = ns;
            r.fields.set(`subjects[${i}].namespace`, source);
          }
        });
      }
    }
    const apiVersion = str(r.obj['apiVersion']);
    for (const spec of specs) {
      if (spec.path === 'metadata/name' && apiVersion !== 'v1') continue;
      if (!specApplies(spec, g)) continue;
      walkFieldSpec(r.obj, spec, (parent, key, path) => {
        parent[key] = ns;
        r.fields.set(path, source);
      });
    }
  }
}

const PREFIX_SKIP = [
  { kind: 'CustomResourceDefinition' },
  { group: 'apiregistration.k8s.io', kind: 'APIService' },
  { kind: 'Namespace' },
];

const NAME_ONLY: readonly FieldSpec[] = [{ path: 'metadata/name' }];

/**
 * PrefixTransformer/SuffixTransformer: every spec'd field gets the prefix and suffix; a rename
 * of metadata/name is remembered (previous id, and the prefix/suffix for name references).
 */
export function addPrefixSuffix(
  resources: readonly Resource[],
  prefix: string,
  suffix: string,
  source: SourceRef,
  specs: readonly FieldSpec[] = NAME_ONLY,
): void {
  for (const r of resources) {
    const id = orgId(r);
    if (PREFIX_SKIP.some((s) => gvkSelected(id, s))) continue;
    for (const spec of specs) {
      if (!gvkSelected(id, spec)) continue;
      if (spec.path === 'metadata/name') {
        if (prefix !== '') r.prefixes.push(prefix);
        if (suffix !== '') r.suffixes.push(suffix);
        storePreviousId(r);
      }
      walkFieldSpec(r.obj, spec, (parent, key, path) => {
        const v = parent[key];
        if (typeof v !== 'string') return;
        parent[key] = `${prefix}${v}${suffix}`;
        r.fields.set(path, source);
      });
    }
  }
}

export interface ReplicaEntry {
  name: string;
  count: number;
}

const NONE: readonly Resource[] = [];

export function setReplicas(
  resources: readonly Resource[],
  entries: readonly ReplicaEntry[],
  source: SourceRef,
  specs: readonly FieldSpec[],
): void {
  // Each entry sets the resources named so, in order; names do not change on the way unless
  // a (custom) spec points into metadata, when every resource is tested for every entry.
  const named = specs.some((s) => s.path.startsWith('metadata')) ? undefined : byName(resources);
  for (const e of entries) {
    for (const r of named ? (named.get(e.name) ?? NONE) : resources) {
      const id = orgId(r);
      if (id.name !== e.name && curId(r).name !== e.name) continue;
      applySpecs(r, specs, (parent, key, path) => {
        parent[key] = e.count;
        r.fields.set(path, source);
      });
    }
  }
}

/** Resources by their original and current names, each list in resource order. */
function byName(resources: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of resources) {
    const names = new Set([orgId(r).name, curId(r).name]);
    for (const n of names) {
      const list = out.get(n);
      if (list) list.push(r);
      else out.set(n, [r]);
    }
  }
  return out;
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

/** image.Split: the tag colon is searched after the first `/` (a registry port is no tag). */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  let slash = image.indexOf('/');
  const search = slash > 0 ? image.slice(slash) : image;
  if (slash <= 0) slash = 0;
  let id = search.indexOf('@');
  let ic = search.indexOf(':');
  if (ic < 0 && id < 0) return { name: image, tag: '', digest: '' };
  if (id >= 0 && (id < ic || ic < 0)) {
    id += slash;
    return { name: image.slice(0, id), tag: '', digest: image.slice(id + 1) };
  }
  if (id >= 0 && ic >= 0) {
    id += slash;
    ic += slash;
    return { name: image.slice(0, ic), tag: image.slice(ic + 1, id), digest: image.slice(id + 1) };
  }
  ic += slash;
  return { name: image.slice(0, ic), tag: image.slice(ic + 1), digest: '' };
}

/**
 * image.IsImageMatched: the entry's name is a regex (unescaped, as upstream) with optional
 * tag and digest. Compiled once per entry name (a build tests every image field against
 * every entry); an invalid pattern matches nothing.
 */
function imageMatcher(name: string): (value: string) => boolean {
  try {
    const re = new RegExp(
      `^${name}(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$`,
    );
    return (value) => re.test(value);
  } catch {
    return () => false;
  }
}

/**
 * The first entry from `from` on whose name could match `value`, or -1: a superset of the
 * entries imageMatcher accepts. A name without regex syntax but `.` (any character) matches
 * exactly the values that start with it, character for character but at its dots, followed
 * by the end, a `:tag` or an `@digest`; such names are kept by length, and only lengths where
 * the value ends or has `:` or `@` are looked at. Other names are always tested.
 */
function imageCandidates(images: readonly ImageEntry[]): (value: string, from: number) => number {
  const byLength = new Map<number, number[]>();
  const always: number[] = [];
  images.forEach((img, i) => {
    if (/[\\^$|?*+()[\]{}]/.test(img.name)) always.push(i);
    else {
      const list = byLength.get(img.name.length);
      if (list) list.push(i);
      else byLength.set(img.name.length, [i]);
    }
  });
  const fits = (name: string, value: string): boolean => {
    for (let c = 0; c < name.length; c++)
      if (name.charCodeAt(c) !== value.charCodeAt(c) && name.charAt(c) !== '.') return false;
    return true;
  };
  return (value, from) => {
    let best = -1;
    const consider = (i: number): void => {
      if (i >= from && (best < 0 || i < best)) best = i;
    };
    for (const i of always) {
      if (i >= from) {
        consider(i);
        break;
      }
    }
    for (let end = 0; end <= value.length; end++) {
      if (end < value.length && value[end] !== ':' && value[end] !== '@') continue;
      for (const i of byLength.get(end) ?? []) {
        if (i < from || (best >= 0 && i >= best)) continue;
        if (fits((images[i] as ImageEntry).name, value)) {
          consider(i);
          break;
        }
      }
    }
    return best;
  };
}

const imageIndex = memoized((images: readonly ImageEntry[]) => ({
  candidates: imageCandidates(images),
  matchers: [] as ((value: string) => boolean)[],
}));

function updatedImage(
  value: string,
  img: ImageEntry,
  matches: (value: string) => boolean,
): string | undefined {
  if (!matches(value)) return undefined;
  let { name, tag, digest } = splitImage(value);
  if (img.newName) name = img.newName;
  if (img.newTag && img.digest) {
    tag = img.newTag;
    digest = img.digest;
  } else if (img.newTag) {
    tag = img.newTag;
    digest = '';
  } else if (img.digest) {
    tag = '';
    digest = img.digest;
  } else if (img.tagSuffix) {
    tag += img.tagSuffix;
    digest = '';
  }
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/**
 * The legacy image filter: `image` of every element of any `containers`/`initContainers`
 * list. `path`: the segments down to `v` ("spec", ".template", "[0]"), joined only for a visit.
 */
function walkContainers(
  v: Value,
  path: string[],
  visit: (parent: ValueMap, key: string, path: string) => void,
): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i] ?? null;
      if (typeof x !== 'object' || x === null) continue;
      path.push(`[${i}]`);
      walkContainers(x, path, visit);
      path.pop();
    }
    return;
  }
  if (!isValueMap(v)) return;
  for (const k of Object.keys(v)) {
    const child = v[k] ?? null;
    if (typeof child !== 'object' || child === null) continue;
    path.push(path.length === 0 ? k : `.${k}`);
    walkContainers(child, path, visit);
    if ((k === 'containers' || k === 'initContainers') && Array.isArray(child)) {
      child.forEach((c, i) => {
        if (isValueMap(c) && 'image' in c) visit(c, 'image', `${path.join('')}[${i}].image`);
      });
    }
    path.pop();
  }
}

export function setImages(
  resources: readonly Resource[],
  images: readonly ImageEntry[],
  source: SourceRef,
  specs: readonly FieldSpec[],
): void {
  // Each image field gets the entries in order (as one pass over the resources per entry
  // would give it), walking each resource once instead of once per entry, and testing only
  // the entries whose name could match the field's value (see imageCandidates).
  // Compiled when first tested (a rebuild of a few resources tests few of the entries);
  // kept with the entries, as is their index (the same entries on every rebuild of an
  // unchanged kustomization, see build.ts imageEntries).
  const { candidates, matchers } = imageIndex(images);
  const matcher = (i: number): ((value: string) => boolean) =>
    (matchers[i] ??= imageMatcher((images[i] as ImageEntry).name));
  const update = (r: Resource) => (parent: ValueMap, key: string, path: string) => {
    for (let i = 0; ; i++) {
      const cur = parent[key];
      if (typeof cur !== 'string') return;
      i = candidates(cur, i);
      if (i < 0) return;
      const next = updatedImage(cur, images[i] as ImageEntry, matcher(i));
      if (next === undefined) continue;
      parent[key] = next;
      r.fields.set(path, source);
    }
  };
  for (const r of resources)
    if (r.obj['kind'] !== 'CustomResourceDefinition') walkContainers(r.obj, [], update(r));
  for (const r of resources) applySpecs(r, specs, update(r));
}
