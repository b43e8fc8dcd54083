// Strategic merge patch as kustomize applies it (kyaml merge2 with list prepend): maps merge
// recursively, a null deletes, `$patch: delete|replace` directives, and lists merge by the
// merge key the built-in schema gives for core kinds (containers by name, container ports by
// containerPort, env by name, volumes by name, volumeMounts by mountPath...); other lists are
// replaced by the patch's. Matched and new patch elements come first, then the target's others.
import type { SourceRef } from './resource';
import type { Value, ValueMap } from './value';
import { clone, escapePointer, isValueMap } from './value';

/** Merge keys (patchMergeKey) of list fields in the built-in schema, by the field's name and parent. */
function mergeKeyOf(parentPath: readonly string[], field: string): string | undefined {
  const parent = parentPath[parentPath.length - 1];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
      return 'name';
    case 'ports':
      // Container ports merge by containerPort, Service ports by port.
      return parentPath.includes('containers') || parentPath.includes('initContainers')
        ? 'containerPort'
        : parent === 'spec'
          ? 'port'
          : undefined;
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'conditions':
      return 'type';
    case 'ownerReferences':
      return 'uid';
    default:
      return undefined;
  }
}

/** List fields whose primitive items merge as a set (patchStrategy merge, no key). */
const PRIMITIVE_MERGE = new Set(['finalizers']);

export interface MergeContext {
  /** Whether the target has a built-in schema (core API groups); CRDs get no list merging. */
  readonly schema: boolean;
  /** Patch node lines by pointer, and the patch file, for the per-field source map. */
  readonly patchLines?: ReadonlyMap<string, number>;
  readonly patchFile?: string;
  readonly fields?: Map<string, SourceRef>;
  /** A custom openapi schema's answer for a list field (openapi.ts), overriding the built-in keys. */
  readonly listStrategy?: (
    at: readonly string[],
    field: string,
  ) => { readonly key: string } | 'replace' | undefined;
}

function directive(v: Value | undefined): string | undefined {
  return isValueMap(v) && typeof v['$patch'] === 'string' ? v['$patch'] : undefined;
}

function stripDirectives(v: Value): Value {
  if (Array.isArray(v))
    return v.filter((x) => directive(x) === undefined || directive(x) === 'merge').map(stripDirectives);
  if (isValueMap(v)) {
    const out: ValueMap = {};
    for (const k of Object.keys(v)) {
      if (k === '$patch' || k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
      const x = v[k] ?? null;
      if (x === null) continue;
      out[k] = stripDirectives(x);
    }
    return out;
  }
  return v;
}

function record(ctx: MergeContext, targetPath: string, patchPointer: string): void {
  if (!ctx.fields || !ctx.patchFile) return;
  const line = ctx.patchLines?.get(patchPointer);
  if (line !== undefined) ctx.fields.set(targetPath, { file: ctx.patchFile, line });
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Merges `patch` into `target`; undefined = the whole object is deleted (`$patch: delete`). */
export function strategicMerge(target: ValueMap, patch: ValueMap, ctx: MergeContext): ValueMap | undefined {
  const d = directive(patch);
  if (d === 'delete') return undefined;
  if (d === 'replace') return stripDirectives(patch) as ValueMap;
  return mergeMap(target, patch, ctx, [], '', '');
}

function mergeMap(
  target: ValueMap,
  patch: ValueMap,
  ctx: MergeContext,
  at: string[],
  path: string,
  pointer: string,
): ValueMap {
  const out: ValueMap = { ...target };
  for (const key of Object.keys(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    const pv = patch[key] ?? null;
    const p = join(path, key);
    const ptr = `${pointer}/${escapePointer(key)}`;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(pv)) out[field] = cur.filter((x) => !pv.includes(x));
      continue;
    }
    if (pv === null) {
      delete out[key];
      continue;
    }
    const tv = out[key];
    if (isValueMap(pv)) {
      const d = directive(pv);
      if (d === 'delete') {
        delete out[key];
        continue;
      }
      if (d === 'replace' || !isValueMap(tv)) {
        out[key] = stripDirectives(pv);
        recordAll(ctx, out[key] ?? null, p, ptr);
        continue;
      }
      out[key] = mergeMap(tv, pv, ctx, [...at, key], p, ptr);
      continue;
    }
    if (Array.isArray(pv)) {
      out[key] = mergeList(Array.isArray(tv) ? tv : undefined, pv, ctx, at, key, p, ptr);
      continue;
    }
    // A patch restating a value (its identity: kind, metadata.name; a merge key) leaves the
    // field where it came from: only what it changes is the patch's.
    if (tv !== pv) record(ctx, p, ptr);
    out[key] = pv;
  }
  return out;
}

function recordAll(ctx: MergeContext, v: Value, path: string, pointer: string): void {
  if (!ctx.fields) return;
  if (Array.isArray(v)) v.forEach((x, i) => recordAll(ctx, x, `${path}[${i}]`, `${pointer}/${i}`));
  else if (isValueMap(v))
    for (const k of Object.keys(v))
      recordAll(ctx, v[k] ?? null, join(path, k), `${pointer}/${escapePointer(k)}`);
  else record(ctx, path, pointer);
}

function mergeList(
  target: Value[] | undefined,
  patch: Value[],
  ctx: MergeContext,
  at: string[],
  field: string,
  path: string,
  pointer: string,
): Value[] {
  const custom = ctx.listStrategy?.(at, field);
  const key =
    custom !== undefined
      ? custom === 'replace'
        ? undefined
        : custom.key
      : ctx.schema
        ? mergeKeyOf(at, field)
        : undefined;
  const replaceAll = patch.some((x) => directive(x) === 'replace');
  if (replaceAll) {
    const out = stripDirectives(patch) as Value[];
    recordAll(ctx, out, path, pointer);
    return out;
  }
  if (ctx.schema && PRIMITIVE_MERGE.has(field) && patch.every((x) => !isValueMap(x))) {
    const out: Value[] = [];
    for (const x of [...patch, ...(target ?? [])]) if (!out.includes(x)) out.push(x);
    return out;
  }
  if (!key || !target || !patch.every(isValueMap)) {
    const out = stripDirectives(patch) as Value[];
    recordAll(ctx, out, path, pointer);
    return out;
  }
  const keyOf = (v: Value): string | undefined => {
    if (!isValueMap(v)) return undefined;
    const k = v[key];
    return typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' ? String(k) : undefined;
  };
  const out: Value[] = [];
  const used = new Set<number>();
  patch.forEach((pv, i) => {
    const k = keyOf(pv);
    const idx = k === undefined ? -1 : target.findIndex((t, j) => !used.has(j) && keyOf(t) === k);
    const d = directive(pv);
    if (idx >= 0) used.add(idx);
    if (d === 'delete') return;
    const p = `${path}[${out.length}]`;
    const ptr = `${pointer}/${i}`;
    if (idx >= 0) {
      const tv = target[idx];
      out.push(isValueMap(tv) ? mergeMap(tv, pv, ctx, [...at, field], p, ptr) : clone(pv));
    } else {
      const v = stripDirectives(pv);
      out.push(v);
      recordAll(ctx, v, p, ptr);
    }
  });
  target.forEach((t, j) => {
    if (!used.has(j)) out.push(t);
  });
  return out;
}
