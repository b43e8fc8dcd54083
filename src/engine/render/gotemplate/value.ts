// The value model of the Go text/template port: which JavaScript value stands for which Go
// value, Go's type names (for error messages), truthiness and the zero values Helm exposes.
//
// Go distinctions that templates (and Helm charts) observe are kept:
//   undefined          an invalid reflect.Value ("no value": a missing map key)
//   null               a nil interface{} (a YAML null, `nil`, a missing key under missingkey=zero)
//   bigint             Go `int` (template literals, len, range indexes)
//   number             Go `float64` (every number Helm reads from values files)
//   GoTyped            any other numeric kind (int64, uint, uint16, ...), as Sprig returns int64
//   string, boolean    string, bool
//   readonly Value[]   []interface{}
//   ReadonlyMap        map[string]interface{} (iterated in sorted key order, as Go's fmtsort)
//   GoFunc             a function value (for `call`)
//   GoObject           a struct or pointer of a named Go type a function returns (time.Time,
//                      *semver.Version): printed as its String(), methods callable as fields

/** A Go value as the executor sees it. */
export type Value =
  | undefined
  | null
  | boolean
  | string
  | bigint
  | number
  | GoTyped
  | readonly Value[]
  | ReadonlyMap<string, Value>
  | GoFunc
  | GoObject;

/**
 * A map whose element type is not interface{} (Go data such as map[string]int): a missing
 * key indexes to the element's zero value. Helm's values are plain Maps (map[string]interface{}).
 */
export class TypedMap extends Map<string, Value> {
  constructor(
    entries: Iterable<readonly [string, Value]>,
    readonly elem: GoType,
  ) {
    super(entries);
  }
}

/**
 * A Go struct with fields, or a named map type with methods (Helm's .Chart, .Capabilities,
 * .Files), where GoObject (below) is an opaque named value: its
 * fields are the map's entries, so functions that take a map still see them. The executor
 * gives it Go's struct semantics: a method is called with the arguments that follow it, and
 * a missing field is an error (`can't evaluate field X in type T`) when `isStruct`.
 */
export class GoStruct extends Map<string, Value> {
  constructor(
    /** The type name Go prints (`chart.Metadata`, `chartutil.Capabilities`). */
    readonly goType: string,
    fields: Iterable<readonly [string, Value]>,
    readonly methods: ReadonlyMap<string, GoFunc> = new Map(),
    /** Whether fields are a struct's (missing is an error) rather than a map's. */
    readonly isStruct = true,
    /** fmt's String() method, if the type has one. */
    readonly stringer?: () => string,
  ) {
    super(fields);
  }
}

/**
 * A slice whose element type is not interface{} ([]string, []int: what Sprig's splitList,
 * keys, until return). It reads as any slice; only its Go type name differs, and arrays
 * derived from it (slice, map, filter) are plain []interface{} again.
 */
export class TypedSlice extends Array<Value> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  elem: GoType = 'interface {}';
}

/** Builds a typed slice. */
export function typedSlice(elem: GoType, items: Iterable<Value>): TypedSlice {
  const s = new TypedSlice();
  for (const v of items) s.push(v);
  s.elem = elem;
  return s;
}

/** Numeric kinds other than int and float64. */
export type NumericKind =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'uintptr'
  | 'float32';

/** A number of a Go kind that is neither int nor float64 (Sprig's int64 results, uint data). */
export class GoTyped {
  constructor(
    readonly kind: NumericKind,
    readonly value: bigint | number,
  ) {}
}

/**
 * A value of a named Go struct or pointer type (time.Time, *semver.Version). `text` is what
 * fmt prints (its String method), `methods` what a template calls as `.Name` (Go's methods
 * with their signatures), `json` what encoding/json marshals it as, `payload` the data the
 * functions that take it read back.
 */
export class GoObject<P = unknown> {
  constructor(
    /** Go's %T, e.g. `time.Time`, `*semver.Version`. */
    readonly type: GoNamedType,
    readonly goKind: 'struct' | 'ptr',
    readonly text: string,
    readonly methods: ReadonlyMap<string, GoFunc>,
    readonly payload: P,
    readonly json: Value = text,
  ) {}
}

/** A package-qualified Go type name (`time.Time`, `*semver.Version`). */
export type GoNamedType = `${string}.${string}`;

/**
 * A Go parameter or result type, spelled as Go prints it in error messages. 'reflect.Value'
 * marks a builtin that receives its argument untouched (Go's and/or/not/eq take reflect.Value).
 */
export type GoType =
  | 'interface {}'
  | 'reflect.Value'
  | 'string'
  | 'bool'
  | 'int'
  | 'float64'
  | NumericKind
  | '[]interface {}'
  | 'map[string]interface {}'
  | GoNamedType;

/** What a template function may do besides returning a value (include and tpl need these). */
export interface FuncContext {
  /** Executes a named template of the same set with the running budgets and depth. */
  executeTemplate(name: string, data: Value): string;
  /**
   * Adds where the values a function printed came from to the action being written (tpl
   * reports what its own execution read). Does nothing when origins are not tracked.
   */
  addValueOrigins?(origins: readonly ValueOrigin[]): void;
}

/**
 * Where a value read from a map or slice came from (a values file line, a --set flag): an
 * opaque token the embedder gives (ExecEnv.originOf) and gets back with each write.
 */
export type ValueOrigin = object;

/** The origin of `container[key]`, if the embedder tracks it. */
export type OriginOf = (container: object, key: string | number) => ValueOrigin | undefined;

/** A function value: its Go signature (for argument checking) and its implementation. */
export interface GoFunc {
  readonly kind: 'func';
  readonly params: readonly GoType[];
  /** The element type of a trailing `...T` parameter, if variadic. */
  readonly variadic?: GoType;
  /** Go's result type (for messages only). */
  readonly result: GoType;
  /** Throws a `FuncError` (or any Error) to fail the call as Go's second error result does. */
  readonly call: (args: Value[], ctx: FuncContext) => Value;
}

/** Builds a function value. */
export function goFunc(
  params: readonly GoType[],
  result: GoType,
  call: (args: Value[], ctx: FuncContext) => Value,
  variadic?: GoType,
): GoFunc {
  return variadic === undefined
    ? { kind: 'func', params, result, call }
    : { kind: 'func', params, result, call, variadic };
}

export function isGoFunc(v: Value): v is GoFunc {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as GoFunc).kind === 'func';
}

export function isMap(v: Value): v is ReadonlyMap<string, Value> {
  return v instanceof Map;
}

export function isSlice(v: Value): v is readonly Value[] {
  return Array.isArray(v);
}

/** Go's %v-style type name of a value (`<nil>` for an invalid or nil value, as %T prints). */
export function typeName(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
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
  if (v instanceof GoObject) return v.type;
  if (v instanceof TypedSlice) return `[]${v.elem}`;
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof GoStruct) return v.goType;
  if (v instanceof TypedMap) return `map[string]${v.elem}`;
  if (v instanceof Map) return 'map[string]interface {}';
  return funcTypeName(v as GoFunc);
}

function funcTypeName(f: GoFunc): string {
  const params: string[] = [...f.params];
  if (f.variadic !== undefined) params.push(`...${f.variadic}`);
  return `func(${params.join(', ')}) ${f.result}`;
}

/** Go's basic kinds, as the comparison functions classify them. */
export type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

export function basicKind(v: Value): BasicKind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
  }
  if (v instanceof GoTyped) {
    if (v.kind === 'float32') return 'float';
    return v.kind.startsWith('u') ? 'uint' : 'int';
  }
  return 'invalid';
}

/** The numeric payload of an int/uint kind value as a bigint. */
export function intOf(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof GoTyped && typeof v.value === 'bigint') return v.value;
  throw new Error('internal: not an integer value');
}

/** The numeric payload of a float kind value. */
export function floatOf(v: Value): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoTyped && typeof v.value === 'number') return v.value;
  throw new Error('internal: not a float value');
}

/**
 * Go's isTrue: [truth, ok]. An invalid value and a nil are false; ok is false only for
 * values that have no truth (none in this model besides complex numbers, which are absent).
 */
export function isTrue(v: Value): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
  }
  if (v instanceof GoTyped) return v.value !== 0 && v.value !== 0n;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoStruct && v.isStruct) return true;
  if (v instanceof Map) return v.size > 0;
  return true; // a non-nil func, struct or pointer
}

/** The zero value of a map's element type (nil for map[string]interface{}). */
export function mapElemZero(m: ReadonlyMap<string, Value>): Value {
  return m instanceof TypedMap ? zeroOf(m.elem) : null;
}

/** The zero value of a Go type (missingkey=zero, index of a missing key). */
export function zeroOf(t: GoType): Value {
  switch (t) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
      return 0n;
    case 'float64':
      return 0;
    case 'float32':
      return new GoTyped('float32', 0);
    case 'interface {}':
    case 'reflect.Value':
    case '[]interface {}':
    case 'map[string]interface {}':
      return null;
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'uintptr':
      return new GoTyped(t, 0n);
    default:
      return null; // a named struct or pointer type: no zero value modelled
  }
}

/** Keys of a map in Go's fmtsort order (strings: byte-wise, which for UTF-16 below U+D800 is code-unit order). */
export function sortedKeys(m: ReadonlyMap<string, Value>): string[] {
  return [...m.keys()].sort(compareGoStrings);
}

/** Compares strings as Go does (by UTF-8 bytes, which equals code point order). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Length in UTF-8 bytes (Go's len of a string). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
