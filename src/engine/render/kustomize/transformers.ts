// The built-in transformers a kustomization configures (api/internal/builtins), applied in
// kusttarget's order by build.ts: namespace, namePrefix/nameSuffix, labels and commonLabels,
// commonAnnotations, replicas, images. Each records the kustomization line that set a field.
import type { FieldSpec } from './fieldSpecs';
import {
  COMMON_ANNOTATION_SPECS,
  COMMON_LABEL_SPECS,
  IMAGE_SPECS,
  NAMESPACE_SPECS,
  REPLICA_SPECS,
  TEMPLATE_LABEL_SPECS,
  specApplies,
  walkFieldSpec,
} from './fieldSpecs';
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
import type { ValueMap } from './value';
import { isValueMap } from './value';

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
  fields: FieldSpec[];
}

export function labelSpecs(l: LabelEntry): FieldSpec[] {
  if (l.includeSelectors) return [...l.fields, ...COMMON_LABEL_SPECS];
  return [
    ...l.fields,
    ...(l.includeTemplates ? TEMPLATE_LABEL_SPECS : []),
    { path: 'metadata/labels', create: true },
  ];
}

export { COMMON_ANNOTATION_SPECS, COMMON_LABEL_SPECS };

export function setNamespace(resources: readonly Resource[], ns: string, source: SourceRef): void {
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
    for (const spec of NAMESPACE_SPECS) {
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

export function addPrefixSuffix(
  resources: readonly Resource[],
  prefix: string,
  suffix: string,
  source: SourceRef,
): void {
  for (const r of resources) {
    if (PREFIX_SKIP.some((s) => gvkSelected(orgId(r), s))) continue;
    const md = metadata(r.obj);
    if (!md) continue;
    storePreviousId(r);
    if (prefix !== '') r.prefixes.unshift(prefix);
    if (suffix !== '') r.suffixes.push(suffix);
    md['name'] = `${prefix}${str(md['name'])}${suffix}`;
    r.fields.set('metadata.name', source);
  }
}

export interface ReplicaEntry {
  name: string;
  count: number;
}

export function setReplicas(
  resources: readonly Resource[],
  entries: readonly ReplicaEntry[],
  source: SourceRef,
): void {
  for (const e of entries) {
    for (const r of resources) {
      const id = orgId(r);
      if (id.name !== e.name && curId(r).name !== e.name) continue;
      applySpecs(r, REPLICA_SPECS, (parent, key, path) => {
        parent[key] = e.count;
        r.fields.set(path, source);
      });
    }
  }
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** Splits `name[:tag][@digest]` as kustomize's image.Split does (a port in the registry is no tag). */
function splitImage(image: string): { name: string; tag: string; digest: string } {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

export function setImages(
  resources: readonly Resource[],
  images: readonly ImageEntry[],
  source: SourceRef,
): void {
  for (const r of resources) {
    applySpecs(r, IMAGE_SPECS, (parent, key, path) => {
      const cur = parent[key];
      if (typeof cur !== 'string') return;
      const parts = splitImage(cur);
      const img = images.find((i) => i.name === parts.name || i.name === cur);
      if (!img) return;
      const name = img.newName ?? parts.name;
      let tagPart = parts.tag === '' ? '' : `:${parts.tag}`;
      let digestPart = parts.digest === '' ? '' : `@${parts.digest}`;
      if (img.newTag !== undefined) {
        tagPart = `:${img.newTag}`;
        if (img.digest === undefined) digestPart = '';
      }
      if (img.digest !== undefined) {
        digestPart = `@${img.digest}`;
        tagPart = img.newTag !== undefined ? tagPart : '';
      }
      parent[key] = `${name}${tagPart}${digestPart}`;
      r.fields.set(path, source);
    });
  }
}
