// Sprig's dict functions (dict.go). Dicts are Go maps: `set`, `unset`, `merge` and
// `mergeOverwrite` change the map they are given (and every reference to it), as in Helm, and
// merge shares the source's nested values with the destination as mergo does. Go iterates
// maps in random order; `keys` and `values` here follow the sorted key order (deterministic).
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, GoTyped, TypedSlice, sortedKeys, typeName, typedSlice } from '../gotemplate';
import { fn, strval } from './convert';

const I = 'interface {}';
const M = 'map[string]interface {}';
const S = 'string';

type Dict = ReadonlyMap<string, Value>;

/** A map[string]interface{} argument (nil when the template passed nil). */
function asDict(v: Value): Dict | null {
  return v instanceof Map ? (v as Dict) : null;
}

/** The map a function may change in place (template maps are plain JS Maps). */
function mutable(d: Dict): Map<string, Value> {
  return d as Map<string, Value>;
}

function dict(v: Value[]): Value {
  const d = new Map<string, Value>();
  for (let i = 0; i < v.length; i += 2) {
    const key = strval(v[i]);
    d.set(key, i + 1 >= v.length ? '' : v[i + 1]);
  }
  return d;
}

/** mergo's isEmptyValue through an interface (nil, zero numbers, false, empty strings/slices/maps). */
function isEmptyValue(v: Value): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.length === 0;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'bigint') return v === 0n;
  if (typeof v === 'number') return v === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  if (v instanceof GoTyped) return v.value === 0n || v.value === 0;
  return false; // funcs, structs, non-nil pointers
}

/** mergo.Merge / MergeWithOverwrite of map[string]interface{} values (mergo v1.0.2 deepMerge). */
function deepMerge(dst: Map<string, Value>, src: Dict, overwrite: boolean): void {
  for (const key of sortedKeys(src)) {
    const s = src.get(key);
    const has = dst.has(key);
    const d = dst.get(key);
    if (s === null || s === undefined) {
      if (overwrite) dst.set(key, null);
      continue;
    }
    // Nested maps merge into the destination's map; a slice replaces the destination's
    // when overwriting (mergo sets it before the non-empty check below skips the key).
    if (s instanceof Map && d instanceof Map) deepMerge(mutable(d as Dict), s as Dict, overwrite);
    else if (Array.isArray(s) && (overwrite || dst.size === 0)) dst.set(key, s);
    if (has && !isEmptyValue(d)) {
      if (Array.isArray(s)) continue;
      if (s instanceof Map && d instanceof Map) continue;
    }
    if (overwrite || !has || isEmptyValue(d)) dst.set(key, s);
  }
}

function merge(args: Value[], overwrite: boolean): Value {
  const [dst0, ...srcs] = args;
  let dst = (dst0 ?? null) as Dict | null;
  for (const src of srcs) {
    if (src === null || src === undefined) continue;
    if (dst === null) dst = new Map<string, Value>();
    deepMerge(mutable(dst), src as Dict, overwrite);
  }
  return dst;
}

/** copystructure.Copy: maps and slices copied all the way down. */
export function deepCopy(v: Value): Value {
  if (v instanceof TypedSlice) return typedSlice(v.elem, v.map(deepCopy));
  if (Array.isArray(v)) return (v as readonly Value[]).map(deepCopy);
  if (v instanceof Map) {
    const m = v as Dict;
    const Ctor = m.constructor as new (entries: Iterable<[string, Value]>, ...rest: unknown[]) => Dict;
    const entries: [string, Value][] = [...m].map(([k, e]) => [k, deepCopy(e)]);
    return 'elem' in m ? new Ctor(entries, (m as { elem: unknown }).elem) : new Ctor(entries);
  }
  return v;
}

function assertDict(v: Value): Dict {
  if (v instanceof Map && typeName(v) === M) return v as Dict;
  const t = v === null || v === undefined ? 'nil' : typeName(v);
  throw new FuncError(`interface conversion: interface {} is ${t}, not map[string]interface {}`);
}

function dig(ps: Value[]): Value {
  if (ps.length < 3) throw new FuncError('dig needs at least three arguments');
  let d = assertDict(ps[ps.length - 1]);
  const def = ps[ps.length - 2];
  const ks = ps.slice(0, -2).map((k) => {
    if (typeof k !== 'string')
      throw new FuncError(
        `interface conversion: interface {} is ${k === null || k === undefined ? 'nil' : typeName(k)}, not string`,
      );
    return k;
  });
  for (let i = 0; i < ks.length; i++) {
    if (!d.has(ks[i]!)) return def;
    const step = d.get(ks[i]!);
    if (i === ks.length - 1) return step;
    d = assertDict(step);
  }
  return def;
}

function keysOf(dicts: Value[]): Value {
  const out: string[] = [];
  for (const d of dicts) if (d instanceof Map) out.push(...sortedKeys(d as Dict));
  return typedSlice('string', out);
}

export function dictFunctions(): Map<string, GoFunc> {
  return new Map<string, GoFunc>([
    ['dict', fn([], M, dict, I)],
    [
      'get',
      fn([M, S], I, (a) => {
        const d = asDict(a[0]);
        return d !== null && d.has(a[1] as string) ? d.get(a[1] as string) : '';
      }),
    ],
    [
      'set',
      fn([M, S, I], M, (a) => {
        if (!(a[0] instanceof Map)) throw new FuncError('assignment to entry in nil map');
        mutable(a[0] as Dict).set(a[1] as string, a[2]);
        return a[0];
      }),
    ],
    [
      'unset',
      fn([M, S], M, (a) => {
        if (a[0] instanceof Map) mutable(a[0] as Dict).delete(a[1] as string);
        return a[0] ?? null;
      }),
    ],
    ['hasKey', fn([M, S], 'bool', (a) => a[0] instanceof Map && a[0].has(a[1]))],
    [
      'pluck',
      fn(
        [S],
        '[]interface {}',
        (a) => {
          const key = a[0] as string;
          const out: Value[] = [];
          for (const v of a.slice(1)) {
            const d = asDict(v);
            if (d !== null && d.has(key)) out.push(d.get(key));
          }
          return out;
        },
        M,
      ),
    ],
    ['keys', fn([], '[]interface {}', keysOf, M)],
    [
      'pick',
      fn(
        [M],
        M,
        (a) => {
          const src = (a[0] ?? new Map()) as Dict;
          const out = new Map<string, Value>();
          for (const k of a.slice(1) as string[]) if (src.has(k)) out.set(k, src.get(k));
          return out;
        },
        S,
      ),
    ],
    [
      'omit',
      fn(
        [M],
        M,
        (a) => {
          const src = (a[0] ?? new Map()) as Dict;
          const drop = new Set(a.slice(1) as string[]);
          return new Map([...src].filter(([k]) => !drop.has(k)));
        },
        S,
      ),
    ],
    ['merge', fn([M], I, (a) => merge(a, false), M)],
    ['mustMerge', fn([M], I, (a) => merge(a, false), M)],
    ['mergeOverwrite', fn([M], I, (a) => merge(a, true), M)],
    ['mustMergeOverwrite', fn([M], I, (a) => merge(a, true), M)],
    [
      'values',
      fn([M], '[]interface {}', (a) => {
        const d = (a[0] ?? new Map()) as Dict;
        return sortedKeys(d).map((k) => d.get(k));
      }),
    ],
    ['deepCopy', fn([I], I, (a) => deepCopy(a[0]))],
    ['mustDeepCopy', fn([I], I, (a) => deepCopy(a[0]))],
    ['dig', fn([], I, dig, I)],
  ]);
}
