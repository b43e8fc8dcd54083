// Name-reference fix-ups (api/internal/accumulator/namereferencetransformer.go and
// api/filters/nameref, run once after the whole build): a field that names another resource
// (a ConfigMap volume, a Service backend, a roleRef, RBAC subjects...) follows that resource's
// renames (prefix, suffix, namespace, hash). Candidates: resources the referrer could see (same
// namespace, cluster-scoped, or a RoleBinding subject's namespace) that once had the referenced
// name and kind; ties break on the prefixes/suffixes both went through.
import type { FieldSpec, NameReference } from './fieldSpecs';
import { specApplies, walkFieldSpec } from './fieldSpecs';
import type { Gvk, ResId, Resource } from './resource';
import {
  curId,
  effectiveNamespace,
  gvkSelected,
  idString,
  isClusterScoped,
  nameOf,
  namespaceOf,
  orgId,
  str,
} from './resource';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

class ReferenceError extends Error {}

/** utils.SameEndingSubSlice: the shorter list ends the longer one; an empty list only matches an empty one. */
function sameEnding(a: readonly string[], b: readonly string[]): boolean {
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  if (s.length === 0) return l.length === 0;
  for (let i = 1; i <= s.length; i++) if (s[s.length - i] !== l[l.length - i]) return false;
  return true;
}

function psEquals(r: Resource, o: Resource, allowEmpty: boolean): boolean {
  if (allowEmpty) {
    const pe = r.prefixes.length === 0 || o.prefixes.length === 0;
    const se = r.suffixes.length === 0 || o.suffixes.length === 0;
    return (pe || sameEnding(r.prefixes, o.prefixes)) && (se || sameEnding(r.suffixes, o.suffixes));
  }
  return sameEnding(r.prefixes, o.prefixes) && sameEnding(r.suffixes, o.suffixes);
}

/** Namespaces of ServiceAccount subjects of a RoleBinding (they may live elsewhere). */
function roleBindingNamespaces(r: Resource): Set<string> {
  const out = new Set<string>();
  if (r.obj['kind'] !== 'RoleBinding') return out;
  const subjects = r.obj['subjects'];
  if (!Array.isArray(subjects)) return out;
  for (const s of subjects) {
    if (!isValueMap(s) || !('namespace' in s) || !('kind' in s) || s['kind'] !== 'ServiceAccount') continue;
    const ns = s['namespace'];
    if (typeof ns !== 'string') {
      throw new ReferenceError(
        `Invalid Input: namespace is blank for resource ${JSON.stringify(idString(curId(r)))}\n`,
      );
    }
    out.add(ns);
  }
  return out;
}

/**
 * resWrangler.SubsetThatCouldBeReferencedByResource, as a test of one resource; a
 * RoleBinding's invalid subjects fail at once.
 */
function visibleFrom(referrer: Resource): { sees: (t: Resource) => boolean } {
  const refId = curId(referrer);
  if (isClusterScoped(refId)) return { sees: () => true };
  const rbNs = roleBindingNamespaces(referrer);
  const ns = effectiveNamespace(refId);
  return {
    sees: (t) => {
      const id = curId(t);
      return isClusterScoped(id) || effectiveNamespace(id) === ns || rbNs.has(namespaceOf(t.obj));
    },
  };
}

function selectReferral(
  oldName: string,
  candidates: readonly Resource[],
  referrer: Resource,
  target: Partial<Gvk>,
  roleRef: Partial<Gvk> | undefined,
  identical: (rs: Resource[]) => boolean,
): Resource | undefined {
  let c = candidates.filter((r) => r.prevIds.some((id) => id.name === oldName));
  c = c.filter((r) => r.prevIds.some((id) => gvkSelected(id, target)));
  if (roleRef) c = c.filter((r) => r.prevIds.some((id) => gvkSelected(id, roleRef)));
  const refId = curId(referrer);
  if (!isClusterScoped(refId)) {
    c = c.filter((r) => {
      const id = curId(r);
      return (
        isClusterScoped(id) ||
        id.kind === 'ServiceAccount' ||
        effectiveNamespace(id) === effectiveNamespace(refId)
      );
    });
  }
  if (c.length === 1) return c[0];
  c = c.filter((r) => psEquals(r, referrer, true));
  if (c.length > 1) c = c.filter((r) => psEquals(r, referrer, false));
  if (c.length === 1) return c[0];
  if (c.length === 0) return undefined;
  if (identical(c)) return c[0];
  throw new ReferenceError(
    `found multiple possible referrals: ${c.map((r) => idString(curId(r))).join(', ')}`,
  );
}

const namesSame = (rs: Resource[]): boolean => rs.every((r) => nameOf(r.obj) === nameOf(rs[0]?.obj ?? {}));
const namesAndNamespacesSame = (rs: Resource[]): boolean =>
  rs.every(
    (r) => nameOf(r.obj) === nameOf(rs[0]?.obj ?? {}) && namespaceOf(r.obj) === namespaceOf(rs[0]?.obj ?? {}),
  );

function roleRefGvk(referrer: Resource, spec: FieldSpec): Partial<Gvk> | undefined {
  if (!spec.path.endsWith('roleRef/name')) return undefined;
  const rr = referrer.obj['roleRef'];
  if (!isValueMap(rr) || !('apiGroup' in rr) || !('kind' in rr)) return undefined;
  return { group: str(rr['apiGroup']), kind: str(rr['kind']) };
}

/**
 * The candidates of a build's name references: its resources by every name they had, and
 * the namespaced ones by the effective namespace of their original id. A function of each
 * resource's identity alone (ids, previous ids; fix-ups change references, never the names
 * or ids of what they point to): an index of resources with the same identities, position
 * for position, serves as well (see Builder.finish, which keeps one).
 */
export interface CandidateIndex {
  readonly byPreviousName: ReadonlyMap<string, readonly Resource[]>;
  readonly byOriginalNamespace: ReadonlyMap<string, readonly Resource[]>;
}

export function candidateIndex(resources: readonly Resource[]): CandidateIndex {
  const byPreviousName = new Map<string, Resource[]>();
  for (const r of resources) {
    const ids = r.prevIds;
    for (let i = 0; i < ids.length; i++) {
      const name = (ids[i] as ResId).name;
      // Each name once per resource (a resource renamed back and forth lists it again).
      let seen = false;
      for (let j = 0; j < i && !seen; j++) seen = (ids[j] as ResId).name === name;
      if (seen) continue;
      const list = byPreviousName.get(name);
      if (list) list.push(r);
      else byPreviousName.set(name, [r]);
    }
  }
  const byOriginalNamespace = new Map<string, Resource[]>();
  for (const r of resources) {
    if (isClusterScoped(curId(r))) continue;
    const ns = effectiveNamespace(orgId(r));
    const list = byOriginalNamespace.get(ns);
    if (list) list.push(r);
    else byOriginalNamespace.set(ns, [r]);
  }
  return { byPreviousName, byOriginalNamespace };
}

/**
 * Fixes every name reference; returns kustomize's error message if one is ambiguous.
 * `referrers`: only the references in these, in build order (the candidates are still all
 * resources, as `index`, by default built from them).
 */
export function fixNameReferences(
  resources: readonly Resource[],
  refs: readonly NameReference[],
  referrers?: readonly Resource[],
  index: CandidateIndex = candidateIndex(resources),
): string | undefined {
  const { byPreviousName, byOriginalNamespace } = index;
  const fixing = referrers ?? resources;
  try {
    for (const ref of refs) {
      for (const referrer of fixing) {
        const g = curId(referrer);
        const specs = ref.specs.filter((s) => specApplies(s, g));
        if (specs.length === 0) continue;
        const visible = visibleFrom(referrer);
        const named = (name: string): Resource[] => (byPreviousName.get(name) ?? []).filter(visible.sees);
        // The visible resources in the node's namespace (by original id if any is, else by current).
        const mapCandidates = (m: ValueMap, name: string): Resource[] => {
          if (!('namespace' in m)) return named(name);
          const ns = str(m['namespace']);
          const original = (byOriginalNamespace.get(ns) ?? []).some(visible.sees);
          return named(name).filter(
            (r) => !isClusterScoped(curId(r)) && effectiveNamespace(original ? orgId(r) : curId(r)) === ns,
          );
        };
        for (const spec of specs) {
          const roleRef = roleRefGvk(referrer, spec);
          const scalar = (v: string): string => {
            const found = selectReferral(v, named(v), referrer, ref.target, roleRef, namesSame);
            return found ? nameOf(found.obj) : v;
          };
          const mapping = (m: ValueMap): void => {
            if (!('name' in m)) throw new ReferenceError("path config error; no 'name' field in node");
            const name = str(m['name']);
            const found = selectReferral(
              name,
              mapCandidates(m, name),
              referrer,
              ref.target,
              roleRef,
              namesAndNamespacesSame,
            );
            if (!found) return;
            m['name'] = nameOf(found.obj);
            if (namespaceOf(found.obj) !== '') m['namespace'] = namespaceOf(found.obj);
          };
          const err = walkFieldSpec(referrer.obj, spec, (parent, key) => {
            const v: Value | undefined = parent[key];
            if (typeof v === 'string') parent[key] = scalar(v);
            else if (isValueMap(v)) mapping(v);
            else if (Array.isArray(v)) {
              v.forEach((x, i) => {
                if (typeof x === 'string') v[i] = scalar(x);
                else if (isValueMap(x)) mapping(x);
              });
            }
          });
          if (err) throw new ReferenceError(err.message);
        }
      }
    }
  } catch (e) {
    if (e instanceof ReferenceError) return e.message;
    throw e;
  }
  return undefined;
}
