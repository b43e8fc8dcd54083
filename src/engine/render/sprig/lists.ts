// Sprig's list functions (list.go): they take any slice and return []interface{}; a non-slice
// fails with Sprig's own message, a nil list as Go's reflect.TypeOf(nil).Kind() panics. The
// must* variants return the same errors the plain ones panic with (text/template reports both
// as `error calling NAME: …`).
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, TypedSlice, compareGoStrings, typedSlice } from '../gotemplate';
import { NIL_DEREF, deepEqual, empty, fn, kindOf, num, sliceItems, strval, toInt64 } from './convert';
import { stringSlice, strslice } from './strings';

const I = 'interface {}';
const L = '[]interface {}';

function push(list: Value, v: Value): Value[] {
  return [...sliceItems(list, (k) => `Cannot push on type ${k}`), v];
}

function prepend(list: Value, v: Value): Value[] {
  return [v, ...sliceItems(list, (k) => `Cannot prepend on type ${k}`)];
}

function chunk(size: number, list: Value): Value {
  const l = sliceItems(list, (k) => `Cannot chunk type ${k}`);
  const cs = Math.floor((l.length - 1) / size) + 1;
  if (!Number.isFinite(cs)) throw new FuncError('runtime error: makeslice: len out of range');
  const out: Value[] = [];
  for (let i = 0; i < cs; i++) {
    let clen = size;
    if (i === cs - 1) {
      clen = Math.floor(l.length % size);
      if (clen === 0) clen = size;
    }
    out.push(l.slice(i * size, i * size + clen));
  }
  return typedSlice('[]interface {}', out);
}

function first(list: Value): Value {
  const l = sliceItems(list, (k) => `Cannot find first on type ${k}`);
  return l.length === 0 ? null : l[0];
}

function last(list: Value): Value {
  const l = sliceItems(list, (k) => `Cannot find last on type ${k}`);
  return l.length === 0 ? null : l[l.length - 1];
}

function rest(list: Value): Value {
  const l = sliceItems(list, (k) => `Cannot find rest on type ${k}`);
  return l.slice(1);
}

function initial(list: Value): Value {
  const l = sliceItems(list, (k) => `Cannot find initial on type ${k}`);
  return l.slice(0, Math.max(0, l.length - 1));
}

function reverse(list: Value): Value {
  return [...sliceItems(list, (k) => `Cannot find reverse on type ${k}`)].reverse();
}

function compact(list: Value): Value {
  return sliceItems(list, (k) => `Cannot compact on type ${k}`).filter((e) => !empty(e));
}

function uniq(list: Value): Value {
  const out: Value[] = [];
  for (const e of sliceItems(list, (k) => `Cannot find uniq on type ${k}`))
    if (!out.some((o) => deepEqual(e, o))) out.push(e);
  return out;
}

function without(args: Value[]): Value {
  const [list, ...omit] = args;
  return sliceItems(list, (k) => `Cannot find without on type ${k}`).filter(
    (e) => !omit.some((o) => deepEqual(e, o)),
  );
}

function has(needle: Value, haystack: Value): boolean {
  if (haystack === null || haystack === undefined) return false;
  return sliceItems(haystack, (k) => `Cannot find has on type ${k}`).some((e) => deepEqual(needle, e));
}

function slice(args: Value[]): Value {
  const [list, ...indices] = args;
  const l = sliceItems(list, (k) => `list should be type of slice or array but ${k}`);
  if (l.length === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0])) : 0;
  const end = indices.length < 2 ? l.length : Number(toInt64(indices[1]));
  if (start < 0 || end < start || end > l.length) throw new FuncError('reflect: slice index out of range');
  // reflect's Slice keeps the slice's type.
  return list instanceof TypedSlice ? typedSlice(list.elem, l.slice(start, end)) : l.slice(start, end);
}

function concat(lists: Value[]): Value {
  const out: Value[] = [];
  for (const list of lists) {
    if (list === null || list === undefined) throw new FuncError(NIL_DEREF);
    if (!Array.isArray(list)) throw new FuncError(`Cannot concat type ${kindOf(list)} as list`);
    out.push(...(list as readonly Value[]));
  }
  return out;
}

function sortAlpha(list: Value): Value {
  if (!Array.isArray(list)) return stringSlice([strval(list)]);
  return stringSlice(strslice(list).sort(compareGoStrings));
}

/** Sprig's untilStep: []int from start towards stop. */
export function untilStep(start: bigint, stop: bigint, step: bigint): bigint[] {
  const v: bigint[] = [];
  if (stop < start) {
    if (step >= 0n) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0n) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}

function seq(params: Value[]): string {
  const p = params as bigint[];
  const join = (v: bigint[]): string => v.join(' ');
  switch (p.length) {
    case 0:
      return '';
    case 1: {
      const end = p[0]!;
      const inc = end < 1n ? -1n : 1n;
      return join(untilStep(1n, end + inc, inc));
    }
    case 2: {
      const [start, end] = [p[0]!, p[1]!];
      const step = end < start ? -1n : 1n;
      return join(untilStep(start, end + step, step));
    }
    case 3: {
      const [start, step, end] = [p[0]!, p[1]!, p[2]!];
      let inc = 1n;
      if (end < start) {
        inc = -1n;
        if (step > 0n) return '';
      }
      return join(untilStep(start, end + inc, step));
    }
    default:
      return '';
  }
}

export function listFunctions(): Map<string, GoFunc> {
  const both = (names: readonly string[], f: GoFunc): [string, GoFunc][] => names.map((n) => [n, f]);
  return new Map<string, GoFunc>([
    ['list', fn([], L, (a) => a, I)],
    ['tuple', fn([], L, (a) => a, I)],
    ...both(
      ['append', 'push', 'mustAppend', 'mustPush'],
      fn([I, I], L, (a) => push(a[0], a[1])),
    ),
    ...both(
      ['prepend', 'mustPrepend'],
      fn([I, I], L, (a) => prepend(a[0], a[1])),
    ),
    ...both(
      ['first', 'mustFirst'],
      fn([I], I, (a) => first(a[0])),
    ),
    ...both(
      ['rest', 'mustRest'],
      fn([I], L, (a) => rest(a[0])),
    ),
    ...both(
      ['last', 'mustLast'],
      fn([I], I, (a) => last(a[0])),
    ),
    ...both(
      ['initial', 'mustInitial'],
      fn([I], L, (a) => initial(a[0])),
    ),
    ...both(
      ['reverse', 'mustReverse'],
      fn([I], L, (a) => reverse(a[0])),
    ),
    ...both(
      ['uniq', 'mustUniq'],
      fn([I], L, (a) => uniq(a[0])),
    ),
    ...both(['without', 'mustWithout'], fn([I], L, without, I)),
    ...both(
      ['has', 'mustHas'],
      fn([I, I], 'bool', (a) => has(a[0], a[1])),
    ),
    ...both(['slice', 'mustSlice'], fn([I], I, slice, I)),
    ...both(
      ['compact', 'mustCompact'],
      fn([I], L, (a) => compact(a[0])),
    ),
    ...both(
      ['chunk', 'mustChunk'],
      fn(['int', I], L, (a) => chunk(num(a[0]), a[1])),
    ),
    ['concat', fn([], I, concat, I)],
    ['sortAlpha', fn([I], L, (a) => sortAlpha(a[0]))],
    [
      'until',
      fn(['int'], L, (a) => {
        const count = a[0] as bigint;
        return typedSlice('int', untilStep(0n, count, count < 0n ? -1n : 1n));
      }),
    ],
    [
      'untilStep',
      fn(['int', 'int', 'int'], L, (a) => untilStep(a[0] as bigint, a[1] as bigint, a[2] as bigint)),
    ],
    ['seq', fn([], 'string', seq, 'int')],
  ]);
}
