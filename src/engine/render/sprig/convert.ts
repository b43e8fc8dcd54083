// The conversions every Sprig family shares: strval (fmt %v with Stringers), spf13/cast's
// ToInt64/ToFloat64 as Sprig v3 calls them, `empty` (Sprig's isTrue), reflect.DeepEqual and
// reflect kinds over the template value model, and Go's int64 wrap-around.
import type { GoFunc, GoType, Value } from '../gotemplate';
import { FuncError, GoObject, GoTyped, TypedMap, formatV, goFunc, typeName } from '../gotemplate';

/** A Go `int64` result (Sprig's add, sub, max… return int64). */
export function int64(n: bigint): Value {
  return new GoTyped('int64', BigInt.asIntN(64, n));
}

/** A Go `int` result (64-bit). */
export function goInt(n: bigint | number): bigint {
  return BigInt.asIntN(64, typeof n === 'bigint' ? n : BigInt(Math.trunc(n)));
}

/** A map[string]string (split, splitn). */
export function stringMap(entries: Iterable<readonly [string, Value]>): TypedMap {
  return new TypedMap(entries, 'string');
}

/** Sprig's strval: strings as they are, Stringers through String(), anything else as %v. */
export function strval(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof GoObject) return v.text;
  return formatV(v === undefined ? null : v);
}

/** Go's float64 → int64 conversion (amd64: NaN and out of range give the minimum int64). */
function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 2 ** 63 || f < -(2 ** 63)) return -(2n ** 63n);
  return BigInt(Math.trunc(f));
}

/** cast's trimDecimal: "12.50" → "12" before ParseInt. */
function trimDecimal(s: string): string {
  if (!s.includes('.')) return s;
  const m = /^([-+]?\d*)(\.\d*)?$/.exec(s);
  if (m === null) return s;
  const head = m[1]!;
  return head === '-' || head === '+' ? head + '0' : head === '' ? '0' : head;
}

/** strconv.ParseInt(s, 0, 64): sign, 0x/0o/0b/0 prefixes, underscores only after a prefix. */
export function parseGoInt(s: string): bigint | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return null;
  const body = m[2]!;
  // Underscores must separate digits or follow the base prefix (Go's underscoreOK).
  if (body.includes('_') && (/__/.test(body) || body.endsWith('_'))) return null;
  const clean = body.replace(/_/g, '');
  let n: bigint;
  if (/^0[xXoObB]/.test(clean)) n = BigInt(clean.toLowerCase());
  else if (clean.length > 1 && clean[0] === '0') n = BigInt('0o' + clean.slice(1));
  else n = BigInt(clean);
  const signed = m[1] === '-' ? -n : n;
  if (signed > 2n ** 63n - 1n || signed < -(2n ** 63n)) return null;
  return signed;
}

/** strconv.ParseFloat(s, 64) for the forms cast passes through (decimal, exponent, inf, nan, hex). */
export function parseGoFloat(s: string): number | null {
  const t = s.replace(/_/g, (u, i: number) => (i > 0 && i < s.length - 1 ? '' : u));
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(t);
  if (hex !== null && (hex[2] !== '' || hex[3] !== '')) {
    const mant = parseInt((hex[2] ?? '') + (hex[3] ?? ''), 16) / 16 ** (hex[3] ?? '').length;
    const v = mant * 2 ** Number(hex[4]);
    return hex[1] === '-' ? -v : v;
  }
  return null;
}

/** cast.ToInt64 (errors dropped, as Sprig does): numbers convert, strings parse, the rest is 0. */
export function toInt64(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return floatToInt64(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof GoTyped) {
    if (typeof v.value === 'bigint') return BigInt.asIntN(64, v.value);
    return floatToInt64(v.value);
  }
  if (typeof v === 'string') {
    if (v === '') return 0n;
    return parseGoInt(trimDecimal(v)) ?? 0n;
  }
  return 0n;
}

/** cast.ToFloat64. */
export function toFloat64(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof GoTyped) return Number(v.value);
  if (typeof v === 'string') {
    if (v === '') return 0;
    return parseGoFloat(v) ?? 0;
  }
  return 0;
}

/** Sprig's empty: nil, zero numbers, false, empty strings/slices/maps; structs never. */
export function empty(v: Value): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'boolean':
      return !v;
    case 'string':
      return v.length === 0;
    case 'bigint':
      return v === 0n;
    case 'number':
      return v === 0;
  }
  if (v instanceof GoTyped) return v.value === 0n || v.value === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return false; // a func, struct or non-nil pointer
}

/** reflect.Kind's name for a value (`invalid` for nil). */
export function kindOf(v: Value): string {
  if (v === undefined || v === null) return 'invalid';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
  }
  if (v instanceof GoTyped) return v.kind;
  if (v instanceof GoObject) return v.goKind;
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Map) return 'map';
  return 'func';
}

/** reflect.DeepEqual: same dynamic type, then equal contents. */
export function deepEqual(a: Value, b: Value): boolean {
  const nilA = a === undefined || a === null;
  const nilB = b === undefined || b === null;
  if (nilA || nilB) return nilA && nilB;
  if (typeName(a) !== typeName(b)) return false;
  if (Array.isArray(a)) {
    const x = a as readonly Value[];
    const y = b as readonly Value[];
    return x.length === y.length && x.every((e, i) => deepEqual(e, y[i]));
  }
  if (a instanceof Map) {
    const x = a as ReadonlyMap<string, Value>;
    const y = b as ReadonlyMap<string, Value>;
    if (x.size !== y.size) return false;
    for (const [k, e] of x) if (!y.has(k) || !deepEqual(e, y.get(k))) return false;
    return true;
  }
  if (a instanceof GoTyped) return a.value === (b as GoTyped).value;
  if (a instanceof GoObject) {
    const o = b as GoObject;
    return a.goKind === 'ptr' ? a === o : a.text === o.text && a.payload === o.payload;
  }
  if (typeof a === 'number') return a === b; // NaN ≠ NaN, as Go
  if (typeof a === 'object') return false; // funcs: equal only if both nil
  return a === b;
}

/**
 * The elements of a slice argument, as Sprig's `reflect.TypeOf(list).Kind()` switch sees it:
 * a nil list panics as Go's nil type does, a non-slice fails with Sprig's message.
 */
export function sliceItems(v: Value, message: (kind: string) => string): readonly Value[] {
  if (v === undefined || v === null) throw new FuncError(NIL_DEREF);
  if (Array.isArray(v)) return v as readonly Value[];
  throw new FuncError(message(kindOf(v)));
}

/** The panic text of calling a method on reflect.TypeOf(nil). */
export const NIL_DEREF = 'runtime error: invalid memory address or nil pointer dereference';

/** Builds a function entry with Go's signature. */
export function fn(
  params: readonly GoType[],
  result: GoType,
  call: (args: Value[]) => Value,
  variadic?: GoType,
): GoFunc {
  return goFunc(params, result, (a) => call(a), variadic);
}

/** A Go `int` argument as a JS number (Sprig's counts and widths are small). */
export function num(v: Value): number {
  return Number(v);
}

/** Go's strings.Repeat panics on a negative count. */
export function repeat(s: string, count: number): string {
  if (count < 0) throw new FuncError('strings: negative Repeat count');
  return s.repeat(count);
}

/** Bytes of a string as Go sees them (UTF-8). */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A byte slice back to a string (invalid UTF-8 becomes U+FFFD). */
export function fromUtf8(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** Go's s[start:end] over UTF-8 bytes, with Go's bounds panics. */
export function byteSlice(s: string, start: number, end?: number): string {
  const b = utf8(s);
  if (end === undefined) {
    if (start > b.length)
      throw new FuncError(`runtime error: slice bounds out of range [${start}:${b.length}]`);
    return fromUtf8(b.subarray(start));
  }
  if (end < 0 || end > b.length)
    throw new FuncError(`runtime error: slice bounds out of range [:${end}] with length ${b.length}`);
  if (start < 0 || start > end)
    throw new FuncError(`runtime error: slice bounds out of range [${start}:${end}]`);
  return fromUtf8(b.subarray(start, end));
}
