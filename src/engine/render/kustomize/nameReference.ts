// Name-reference fix-ups (api/filters/nameref, run once after the whole build): a field that
// names another resource (a ConfigMap volume, a Service backend, a roleRef...) follows that
// resource's renames (prefix, suffix, hash). Candidates are the resources that once had the
// referenced name, of the referenced kind, in the referrer's namespace; ties break on prefixes/suffixes.
import { NAME_REFERENCES, specApplies, walkFieldSpec } from './fieldSpecs';
import type { Resource } from './resource';
import {
  curId,
  effectiveNamespace,
  gvkOf,
  gvkSelected,
  idString,
  isClusterScoped,
  nameOf,
  namespaceOf,
} from './resource';
import type { Value } from './value';
import { isValueMap } from './value';

function sameEnding(a: readonly string[], b: readonly string[]): boolean {
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
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

function select(
  oldName: string,
  referrer: Resource,
  target: Parameters<typeof gvkSelected>[1],
  all: readonly Resource[],
  refNamespace?: string,
): Resource | string | undefined {
  const refId = curId(referrer);
  let c = all.filter((r) => r.prevIds.some((id) => id.name === oldName));
  c = c.filter((r) => r.prevIds.some((id) => gvkSelected(id, target)));
  if (!isClusterScoped(refId) || refNamespace !== undefined) {
    const ns = refNamespace ?? effectiveNamespace(refId);
    c = c.filter((r) => {
      const id = curId(r);
      return isClusterScoped(id) || gvkOf(r.obj).kind === 'ServiceAccount' || effectiveNamespace(id) === ns;
    });
  }
  if (c.length === 1) return c[0];
  c = c.filter((r) => psEquals(r, referrer, true));
  if (c.length > 1) c = c.filter((r) => psEquals(r, referrer, false));
  if (c.length === 1) return c[0];
  if (c.length === 0) return undefined;
  const first = c[0];
  if (first && c.every((r) => nameOf(r.obj) === nameOf(first.obj))) return first;
  return `found multiple possible referrals: ${c.map((r) => idString(curId(r))).join(', ')}`;
}

export function fixNameReferences(resources: readonly Resource[]): string | undefined {
  for (const ref of NAME_REFERENCES) {
    for (const referrer of resources) {
      const g = gvkOf(referrer.obj);
      for (const spec of ref.specs) {
        if (!specApplies(spec, g)) continue;
        let error: string | undefined;
        const fix = (v: Value, ns?: string): Value => {
          if (typeof v !== 'string') return v;
          const found = select(v, referrer, ref.target, resources, ns);
          if (typeof found === 'string') {
            error = found;
            return v;
          }
          return found ? nameOf(found.obj) : v;
        };
        walkFieldSpec(referrer.obj, spec, (parent, key) => {
          const v = parent[key] ?? null;
          if (typeof v === 'string') parent[key] = fix(v);
          else if (Array.isArray(v)) {
            // rules/resourceNames (strings) or subjects (maps with kind/name/namespace).
            parent[key] = v.map((x) => {
              if (typeof x === 'string') return fix(x);
              if (isValueMap(x) && typeof x['name'] === 'string') {
                if (x['kind'] !== undefined && ref.target.kind && x['kind'] !== ref.target.kind) return x;
                const ns = typeof x['namespace'] === 'string' ? x['namespace'] : undefined;
                const found = select(x['name'], referrer, ref.target, resources, ns);
                if (found && typeof found !== 'string') {
                  x['name'] = nameOf(found.obj);
                  if (ns !== undefined && namespaceOf(found.obj) !== '')
                    x['namespace'] = namespaceOf(found.obj);
                }
              }
              return x;
            });
          } else if (isValueMap(v) && typeof v['name'] === 'string') {
            // webhooks clientConfig.service: name and namespace move together.
            const ns = typeof v['namespace'] === 'string' ? v['namespace'] : undefined;
            const found = select(v['name'], referrer, ref.target, resources, ns);
            if (found && typeof found !== 'string') {
              v['name'] = nameOf(found.obj);
              if (ns !== undefined) v['namespace'] = namespaceOf(found.obj);
            }
          }
        });
        if (error) return error;
      }
    }
  }
  return undefined;
}
