// A resource in the build (kustomize's resource.Resource): its object, where it came from,
// the ids it had before renames (for name-reference fix-ups), the name prefixes/suffixes
// applied on the way up, and which fields a patch or transformer set (the per-field source map).
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

/** A place in the workspace: absolute path and 1-based line. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface ResId extends Gvk {
  readonly name: string;
  readonly namespace: string;
}

export interface GeneratedInfo {
  behavior: 'create' | 'merge' | 'replace';
  hash: boolean;
}

export interface Resource {
  obj: ValueMap;
  origin: SourceRef;
  prevIds: ResId[];
  prefixes: string[];
  suffixes: string[];
  /** Field path ("spec.replicas", "spec.template.spec.containers[0].image") → what set it last. */
  fields: Map<string, SourceRef>;
  /** curId's last answer and what it was computed from. */
  idCache?: {
    obj: ValueMap;
    apiVersion: Value;
    kind: Value;
    name: string;
    ns: string;
    id: ResId;
    key?: string;
  };
  generated?: GeneratedInfo;
  /** Names of the vars whose objref names this resource. */
  refVarNames?: string[];
  /** Set by namespace transformers and generators (a generated object's id uses it). */
  /** Kept for later builds and shared with them: never mutated (see reuse.ts snapshot, thaw). */
  snapshot?: true;
}

export function makeResource(obj: ValueMap, origin: SourceRef): Resource {
  return { obj, origin, prevIds: [], prefixes: [], suffixes: [], fields: new Map() };
}

/** A scalar's text ("" for absent, null, maps and lists). */
export function str(v: Value | undefined): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export function metadata(obj: ValueMap): ValueMap | undefined {
  const m = obj['metadata'];
  return isValueMap(m) ? m : undefined;
}

export function gvkOf(obj: ValueMap): Gvk {
  const apiVersion = str(obj['apiVersion']);
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: str(obj['kind']),
  };
}

export function nameOf(obj: ValueMap): string {
  return str(metadata(obj)?.['name']);
}

export function namespaceOf(obj: ValueMap): string {
  return str(metadata(obj)?.['namespace']);
}

/**
 * The resource's current id. Builds ask for ids in loops over every resource; the last one
 * is kept on the resource with what it was computed from, as it changes only when they do.
 */
export function curId(r: Resource): ResId {
  const hit = r.idCache;
  // A snapshot never changes, and snapshot() leaves its answer current: trusted as it is.
  if (r.snapshot && hit && hit.obj === r.obj) return hit.id;
  const apiVersion = r.obj['apiVersion'] ?? null;
  const kind = r.obj['kind'] ?? null;
  const name = nameOf(r.obj);
  const ns = namespaceOf(r.obj);
  if (
    hit &&
    hit.obj === r.obj &&
    hit.apiVersion === apiVersion &&
    hit.kind === kind &&
    hit.name === name &&
    hit.ns === ns
  )
    return hit.id;
  const id: ResId = { ...gvkOf(r.obj), name, namespace: ns };
  r.idCache = { obj: r.obj, apiVersion, kind, name, ns, id };
  return id;
}

export function orgId(r: Resource): ResId {
  return r.prevIds[0] ?? curId(r);
}

// Kinds the API server serves cluster-scoped (kyaml's openapi IsNamespaceScoped is false).
const CLUSTER_SCOPED: ReadonlyMap<string, string> = new Map([
  ['Namespace', ''],
  ['Node', ''],
  ['PersistentVolume', ''],
  ['ComponentStatus', ''],
  ['ClusterRole', 'rbac.authorization.k8s.io'],
  ['ClusterRoleBinding', 'rbac.authorization.k8s.io'],
  ['CustomResourceDefinition', 'apiextensions.k8s.io'],
  ['StorageClass', 'storage.k8s.io'],
  ['CSIDriver', 'storage.k8s.io'],
  ['CSINode', 'storage.k8s.io'],
  ['VolumeAttachment', 'storage.k8s.io'],
  ['PriorityClass', 'scheduling.k8s.io'],
  ['APIService', 'apiregistration.k8s.io'],
  ['MutatingWebhookConfiguration', 'admissionregistration.k8s.io'],
  ['ValidatingWebhookConfiguration', 'admissionregistration.k8s.io'],
  ['ValidatingAdmissionPolicy', 'admissionregistration.k8s.io'],
  ['ValidatingAdmissionPolicyBinding', 'admissionregistration.k8s.io'],
  ['IngressClass', 'networking.k8s.io'],
  ['RuntimeClass', 'node.k8s.io'],
  ['PodSecurityPolicy', 'policy'],
  ['CertificateSigningRequest', 'certificates.k8s.io'],
  ['FlowSchema', 'flowcontrol.apiserver.k8s.io'],
  ['PriorityLevelConfiguration', 'flowcontrol.apiserver.k8s.io'],
  ['TokenReview', 'authentication.k8s.io'],
  ['SubjectAccessReview', 'authorization.k8s.io'],
  ['SelfSubjectAccessReview', 'authorization.k8s.io'],
  ['SelfSubjectRulesReview', 'authorization.k8s.io'],
]);

export function isClusterScoped(g: Gvk): boolean {
  const group = CLUSTER_SCOPED.get(g.kind);
  return (
    group !== undefined && (group === g.group || (g.kind === 'PodSecurityPolicy' && g.group === 'extensions'))
  );
}

/** kyaml's ResId.String(): `Kind.version.group/name.namespace`, placeholders for empty parts. */
export function idString(id: ResId): string {
  const gvk = `${id.kind || '[noKind]'}.${id.version || '[noVer]'}.${id.group || '[noGrp]'}`;
  return `${gvk}/${id.name || '[noName]'}.${id.namespace || '[noNs]'}`;
}

/** ResId.Equals with the effective namespace ("" and "default" are the same for namespaced kinds). */
export function sameId(a: ResId, b: ResId): boolean {
  return (
    a.group === b.group &&
    a.version === b.version &&
    a.kind === b.kind &&
    a.name === b.name &&
    effectiveNamespace(a) === effectiveNamespace(b)
  );
}

export function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id)) return '_cluster_';
  return id.namespace === '' ? 'default' : id.namespace;
}

/** A key equal for two ids exactly when sameId holds (for indexes of resources by id). */
export function idKey(id: ResId): string {
  return `${id.group}\0${id.version}\0${id.kind}\0${id.name}\0${effectiveNamespace(id)}`;
}

/** idKey(curId(r)), kept with curId's answer (duplicate checks ask it of every resource at every level). */
export function curIdKey(r: Resource): string {
  const id = curId(r);
  const cache = r.idCache;
  if (!cache || cache.id !== id) return idKey(id);
  return (cache.key ??= idKey(id));
}

/** Resource.StorePreviousId: the id before a rename, with its effective namespace ("" → default). */
export function storePreviousId(r: Resource): void {
  const id = curId(r);
  r.prevIds.push({
    ...id,
    namespace: id.namespace === '' && !isClusterScoped(id) ? 'default' : id.namespace,
  });
}

/** Gvk.IsSelected: empty selector fields match anything. */
export function gvkSelected(g: Gvk, sel: Partial<Gvk>): boolean {
  return (
    (!sel.group || sel.group === g.group) &&
    (!sel.version || sel.version === g.version) &&
    (!sel.kind || sel.kind === g.kind)
  );
}
