// text/template's builtin functions (funcs.go): and/or/not, the comparisons with Go's kind
// rules, len/index/slice/call, print/printf/println, html/js/urlquery. and/or short-circuit
// in the executor; here they are the fallbacks for `call`-free use.
import { FuncError } from './errors';
import { sprint, sprintf, sprintln } from './fmt';
import type { GoFunc, Value } from './value';
import {
  GoTyped,
  basicKind,
  floatOf,
  goFunc,
  intOf,
  isGoFunc,
  isTrue,
  mapElemZero,
  typeName,
  utf8Length,
} from './value';

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function eqValues(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return intOf(a) === intOf(b);
    // Go's eq: values of different kinds compare unequal when either is invalid (a nil
    // interface, such as a missing map key or a YAML null, after indirectInterface).
    if (a !== undefined && a !== null && b !== undefined && b !== null) throw new FuncError(errBadComparison);
    return false;
  }
  switch (k1) {
    case 'bool':
    case 'string':
      return a === b;
    case 'int':
    case 'uint':
      return intOf(a) === intOf(b);
    case 'float':
      return floatOf(a) === floatOf(b);
    default: {
      // Not a basic kind: nil-ness compares; comparable non-nil values compare by identity.
      const nilA = a === undefined || a === null;
      const nilB = b === undefined || b === null;
      if (nilA || nilB) return nilA === nilB;
      if (
        Array.isArray(a) ||
        Array.isArray(b) ||
        a instanceof Map ||
        b instanceof Map ||
        isGoFunc(a) ||
        isGoFunc(b)
      ) {
        throw new FuncError(`non-comparable type ${typeName(b)}: ${typeName(b)}`);
      }
      return a === b;
    }
  }
}

function eq(args: Value[]): Value {
  const [a, ...rest] = args;
  if (rest.length === 0) throw new FuncError(errNoComparison);
  for (const b of rest) if (eqValues(a, b)) return true;
  return false;
}

function lt(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new FuncError(errBadComparisonType);
  const k2 = basicKind(b);
  if (k2 === 'invalid') throw new FuncError(errBadComparisonType);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return intOf(a) < intOf(b);
    throw new FuncError(errBadComparison);
  }
  switch (k1) {
    case 'bool':
      throw new FuncError(errBadComparisonType);
    case 'float':
      return floatOf(a) < floatOf(b);
    case 'int':
    case 'uint':
      return intOf(a) < intOf(b);
    default:
      return compareBytes(a as string, b as string);
  }
}

/** Go compares strings by bytes; code point order is the same order. */
function compareBytes(a: string, b: string): boolean {
  const ca = [...a].map((c) => c.codePointAt(0)!);
  const cb = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! < cb[i]!;
  return ca.length < cb.length;
}

function le(a: Value, b: Value): boolean {
  return lt(a, b) || eqValues(a, b);
}

/** Go's indexArg: an integer index within [0, cap]. */
function indexArg(index: Value, cap: number): number {
  const k = basicKind(index);
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  if (k !== 'int' && k !== 'uint')
    throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  const x = intOf(index);
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function utf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function index(args: Value[]): Value {
  let item: Value = args[0];
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const ix of args.slice(1)) {
    if (item === null || item === undefined) throw new FuncError('index of nil pointer');
    if (Array.isArray(item) || typeof item === 'string') {
      const len: number = typeof item === 'string' ? utf8Length(item) : (item as readonly Value[]).length;
      const x = indexArg(ix, len);
      if (x === len) throw new FuncError(`index out of range: ${x}`);
      item =
        typeof item === 'string'
          ? new GoTyped('uint8', BigInt(utf8Bytes(item)[x]!))
          : (item as readonly Value[])[x];
    } else if (item instanceof Map) {
      if (ix === undefined || ix === null) throw new FuncError('value is nil; should be of type string');
      if (typeof ix !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      const m = item as ReadonlyMap<string, Value>;
      item = m.has(ix) ? m.get(ix) : mapElemZero(m);
    } else throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(args: Value[]): Value {
  const item = args[0];
  const idxs = args.slice(1);
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (idxs.length > 3) throw new FuncError(`too many slice indexes: ${idxs.length}`);
  let len = 0;
  if (typeof item === 'string') {
    if (idxs.length === 3) throw new FuncError('cannot 3-index slice a string');
    len = utf8Length(item);
  } else if (Array.isArray(item)) len = (item as readonly Value[]).length;
  else throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const idx = [0, len, len];
  idxs.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (idxs.length === 3 && idx[1]! > idx[2]!)
    throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') return new TextDecoder().decode(utf8Bytes(item).slice(idx[0], idx[1]));
  return (item as readonly Value[]).slice(idx[0], idx[1]);
}

function length(args: Value[]): Value {
  const item = args[0];
  if (item === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return BigInt(utf8Length(item));
  if (Array.isArray(item)) return BigInt((item as readonly Value[]).length);
  if (item instanceof Map) return BigInt((item as ReadonlyMap<string, Value>).size);
  throw new FuncError(`len of type ${typeName(item)}`);
}

/** text/template's evalArgs: one string as is, otherwise Sprint with missing values as `<no value>`. */
function evalArgs(args: Value[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) =>
    c === '"'
      ? '&#34;'
      : c === "'"
        ? '&#39;'
        : c === '&'
          ? '&amp;'
          : c === '<'
            ? '&lt;'
            : c === '>'
              ? '&gt;'
              : '\uFFFD',
  );
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function callFn(args: Value[], ctx: Parameters<GoFunc['call']>[1]): Value {
  const [fn, ...rest] = args;
  if (fn === undefined || fn === null) throw new FuncError('call of nil');
  if (!isGoFunc(fn)) throw new FuncError(`non-function of type ${typeName(fn)}`);
  const fixed = fn.params.length;
  if (fn.variadic !== undefined ? rest.length < fixed : rest.length !== fixed) {
    throw new FuncError(
      fn.variadic !== undefined
        ? `wrong number of args: got ${rest.length} want at least ${fixed}`
        : `wrong number of args: got ${rest.length} want ${fixed}`,
    );
  }
  rest.forEach((a, i) => {
    const t = i < fixed ? fn.params[i]! : fn.variadic!;
    if (t === 'interface {}' || t === 'reflect.Value') return;
    if ((a === undefined || a === null) && (t === '[]interface {}' || t === 'map[string]interface {}'))
      return;
    if (typeName(a) !== t) throw new FuncError(`arg ${i}: value has type ${typeName(a)}; should be ${t}`);
  });
  return fn.call(rest, ctx);
}

/** The builtin function map. `and`/`or` are evaluated lazily by the executor (Go 1.18+). */
export const BUILTINS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  [
    'and',
    goFunc(
      ['reflect.Value'],
      'reflect.Value',
      (a) => a.find((v) => !isTrue(v)) ?? a[a.length - 1],
      'reflect.Value',
    ),
  ],
  [
    'or',
    goFunc(
      ['reflect.Value'],
      'reflect.Value',
      (a) => a.find((v) => isTrue(v)) ?? a[a.length - 1],
      'reflect.Value',
    ),
  ],
  ['not', goFunc(['reflect.Value'], 'bool', (a) => !isTrue(a[0]))],
  ['call', goFunc(['reflect.Value'], 'reflect.Value', callFn, 'reflect.Value')],
  ['html', goFunc([], 'string', (a) => htmlEscape(evalArgs(a)), 'interface {}')],
  ['js', goFunc([], 'string', (a) => jsEscape(evalArgs(a)), 'interface {}')],
  ['urlquery', goFunc([], 'string', (a) => queryEscape(evalArgs(a)), 'interface {}')],
  ['index', goFunc(['reflect.Value'], 'reflect.Value', index, 'reflect.Value')],
  ['slice', goFunc(['reflect.Value'], 'reflect.Value', slice, 'reflect.Value')],
  ['len', goFunc(['reflect.Value'], 'int', length)],
  ['print', goFunc([], 'string', (a) => sprint(a), 'interface {}')],
  ['printf', goFunc(['string'], 'string', (a) => sprintf(a[0] as string, a.slice(1)), 'interface {}')],
  ['println', goFunc([], 'string', (a) => sprintln(a), 'interface {}')],
  ['eq', goFunc(['reflect.Value'], 'bool', eq, 'reflect.Value')],
  ['ne', goFunc(['reflect.Value', 'reflect.Value'], 'bool', (a) => !eqValues(a[0], a[1]))],
  ['lt', goFunc(['reflect.Value', 'reflect.Value'], 'bool', (a) => lt(a[0], a[1]))],
  ['le', goFunc(['reflect.Value', 'reflect.Value'], 'bool', (a) => le(a[0], a[1]))],
  ['gt', goFunc(['reflect.Value', 'reflect.Value'], 'bool', (a) => !le(a[0], a[1]))],
  ['ge', goFunc(['reflect.Value', 'reflect.Value'], 'bool', (a) => !lt(a[0], a[1]))],
]);
