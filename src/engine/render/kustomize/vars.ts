// The legacy `vars` (api/internal/accumulator and api/filters/refvar): each kustomization's vars
// name a resource (objref, matched by any id it had) and a field (fieldref, default
// metadata.name); after the build and the name-reference fix-ups, `$(NAME)` in the fields of the
// built-in varReference specs is replaced by that field's value (a whole-string reference keeps
// the value's type; `$$` escapes; unknown names stay as written).
import type { FieldSpec } from './fieldSpecs';
import { specApplies, walkFieldSpec } from './fieldSpecs';
import type { Resource } from './resource';
import { curId, gvkOf, isClusterScoped, sameId } from './resource';
import type { Value, ValueMap } from './value';
import { clone, isValueMap } from './value';

export class VarError extends Error {}

export interface VarDef {
  readonly name: string;
  readonly kind: string;
  readonly apiVersion: string;
  /** The objref's inline group and version (used when apiVersion is empty). */
  readonly group: string;
  readonly version: string;
  readonly objName: string;
  readonly namespace: string;
  readonly fieldPath: string;
}

export function readVars(v: Value | undefined): VarDef[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isValueMap).map((x) => {
    const o = isValueMap(x['objref']) ? x['objref'] : {};
    const f = isValueMap(x['fieldref']) ? x['fieldref'] : {};
    const s = (y: Value | undefined): string => (typeof y === 'string' ? y : '');
    return {
      name: s(x['name']),
      kind: s(o['kind']),
      apiVersion: s(o['apiVersion']),
      group: s(o['group']),
      version: s(o['version']),
      objName: s(o['name']),
      namespace: s(o['namespace']),
      fieldPath: s(f['fieldpath']) || s(f['fieldPath']) || 'metadata.name',
    };
  });
}

function varString(v: VarDef): string {
  return `{${v.name} {${v.kind} ${v.apiVersion} ${v.objName}${v.namespace ? ` ${v.namespace}` : ''}} {${v.fieldPath}}}`;
}

/** ResAccumulator.MergeVars: attach each var to the one resource it names; names must be new. */
export function mergeVars(
  set: Map<string, VarDef>,
  incoming: readonly VarDef[],
  resources: readonly Resource[],
): void {
  for (const v of incoming) {
    // Target.GVK(): apiVersion, when given, overrides the inline group/version.
    const parts = v.apiVersion === '' ? [] : v.apiVersion.split('/');
    const gvk = {
      group: parts.length === 2 ? (parts[0] ?? '') : v.group,
      version: parts.length === 2 ? (parts[1] ?? '') : parts.length === 1 ? (parts[0] ?? '') : v.version,
      kind: v.kind,
    };
    const target = { ...gvk, name: v.objName, namespace: v.namespace };
    const withNs = v.namespace !== '' || isClusterScoped(gvk);
    const matched = resources.filter((r) =>
      [...r.prevIds, curId(r)].some((id) =>
        withNs
          ? sameId(id, target)
          : id.group === gvk.group &&
            id.version === gvk.version &&
            id.kind === gvk.kind &&
            id.name === v.objName,
      ),
    );
    if (matched.length > 1)
      throw new VarError(
        `found ${matched.length} resId matches for var ${varString(v)} (unable to disambiguate)`,
      );
    const m = matched[0];
    if (m) (m.refVarNames ??= []).push(v.name);
  }
  for (const v of incoming) {
    if (set.has(v.name)) throw new VarError(`var '${v.name}' already encountered`);
    set.set(v.name, v);
  }
}

/** resource.GetFieldValue: a dotted path with `[i]` indexes. */
function fieldValue(obj: ValueMap, path: string): Value | undefined {
  let cur: Value | undefined = obj;
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) cur = isValueMap(cur) ? cur[m[1]] : undefined;
    for (const idx of (m[2] ?? '').match(/\d+/g) ?? [])
      cur = Array.isArray(cur) ? cur[Number(idx)] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function replaceIn(input: string, values: ReadonlyMap<string, Value>): Value {
  let out = '';
  let checkpoint = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 >= input.length) continue;
    out += input.slice(checkpoint, i);
    const rest = input.slice(i + 1);
    let advance = 1;
    if (rest[0] === '$') out += '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')');
      if (close < 0) out += '$(';
      else {
        const name = rest.slice(1, close);
        const mapped = values.has(name) ? values.get(name) : `$(${name})`;
        if (input === `$(${name})`) return clone(mapped ?? null);
        out += typeof mapped === 'string' ? mapped : JSON.stringify(mapped);
        advance = close + 1;
      }
    } else out += `$${rest[0] ?? ''}`;
    i += advance;
    checkpoint = i + 1;
  }
  return out + input.slice(checkpoint);
}

/** ResolveVars: values from the resources that carry each var, then the refvar filter. */
export function resolveVars(
  set: ReadonlyMap<string, VarDef>,
  resources: readonly Resource[],
  specs: readonly FieldSpec[],
): void {
  if (set.size === 0) return;
  const values = new Map<string, Value>();
  for (const v of set.values()) {
    const holder = resources.find((r) => r.refVarNames?.includes(v.name));
    if (!holder)
      throw new VarError(`var '${varString(v)}' cannot be mapped to a field in the set of known resources`);
    const val = fieldValue(holder.obj, v.fieldPath);
    if (val === undefined)
      throw new VarError(`field specified in var '${varString(v)}' not found in corresponding resource`);
    values.set(v.name, val);
  }
  for (const r of resources) {
    const g = gvkOf(r.obj);
    for (const spec of specs) {
      if (!specApplies(spec, g)) continue;
      walkFieldSpec(r.obj, spec, (parent, key) => {
        const v = parent[key];
        if (typeof v === 'string') parent[key] = replaceIn(v, values);
        else if (Array.isArray(v)) {
          v.forEach((x, i) => {
            if (typeof x !== 'string') throw new VarError('invalid value type expect a string');
            v[i] = replaceIn(x, values);
          });
        } else if (isValueMap(v)) {
          for (const k of Object.keys(v)) {
            const x = v[k];
            if (typeof x === 'string') v[k] = replaceIn(x, values);
          }
        }
      });
    }
  }
}
