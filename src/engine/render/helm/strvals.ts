// Helm's pkg/strvals: the `--set a.b[0]=x,c={1,2}` syntax parsed into values, rune by rune
// as parser.go does (backslash escapes, lists `{a,b}`, indexes `a[0]`, nested names, `null`),
// with its typing (--set: true/false/null/int64; --set-string: strings; --set-json: JSON
// values; --set-file: a reader supplies the value) and its error wording.
import { GoTyped } from '../gotemplate';
import type { Value } from '../gotemplate';

/** Helm's values as they are built: string-keyed maps and slices, mutable while merging. */
export type MutableValues = Map<string, Value>;

export class StrvalsError extends Error {
  override readonly name = 'StrvalsError';
}

/** strvals.MaxIndex and MaxNestedNameLevel. */
const MAX_INDEX = 65536;
const MAX_NESTED_NAME_LEVEL = 30;

const EOF = Symbol('EOF');
const NOT_A_LIST = Symbol('not a list');

/** A rune reader over the input (Go's bytes.Buffer ReadRune/UnreadRune). */
class Scanner {
  private readonly runes: string[];
  private at = 0;
  constructor(text: string) {
    this.runes = Array.from(text);
  }
  read(): string | typeof EOF {
    return this.at < this.runes.length ? (this.runes[this.at++] ?? '') : EOF;
  }
  unread(): void {
    this.at--;
  }
  rest(): string {
    return this.runes.slice(this.at).join('');
  }
  skipRunes(n: number): void {
    this.at += n;
  }
}

type Reader = (runes: string) => Value;

/** runesUntil: reads to one of `stop` (returned as `last`), honouring `\` escapes. */
function runesUntil(sc: Scanner, stop: string): { k: string; last: string | typeof EOF } {
  let v = '';
  for (;;) {
    const r = sc.read();
    if (r === EOF) return { k: v, last: EOF };
    if (stop.includes(r)) return { k: v, last: r };
    if (r === '\\') {
      const next = sc.read();
      if (next === EOF) return { k: v, last: EOF };
      v += next;
    } else v += r;
  }
}

/** typedVal: --set's typing of a scalar. */
export function typedVal(val: string, asString: boolean): Value {
  if (asString) return val;
  const lower = val.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (val === '0') return new GoTyped('int64', 0n);
  if (val.length > 0 && val[0] !== '0' && /^[-+]?[0-9]+$/.test(val)) {
    const n = BigInt(val);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return new GoTyped('int64', n);
  }
  return val;
}

function goTypeOf(v: Value): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  if (v instanceof GoTyped) return v.kind;
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  return 'func';
}

/** The panic text of a failed Go type assertion `x.(T)`. */
function conversionPanic(v: Value, want: string): StrvalsError {
  return new StrvalsError(
    v === null || v === undefined
      ? `interface conversion: interface {} is nil, not ${want}`
      : `interface conversion: interface {} is ${goTypeOf(v)}, not ${want}`,
  );
}

function set(data: MutableValues, key: string, val: Value): void {
  if (key.length === 0) return;
  data.set(key, val);
}

function setIndex(list: Value[], index: number, val: Value): Value[] {
  if (index < 0) throw new StrvalsError(`negative ${index} index not allowed`);
  if (index > MAX_INDEX)
    throw new StrvalsError(`index of ${index} is greater than maximum supported index of ${MAX_INDEX}`);
  while (list.length <= index) list.push(null);
  list[index] = val;
  return list;
}

/** The end of the first JSON value in `s` (what json.Decoder.Decode consumes), or an error. */
function jsonValueEnd(s: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < s.length && ' \t\r\n'.includes(s[i] ?? '')) i++;
  };
  const fail = (): never => {
    if (i >= s.length) throw new StrvalsError('unexpected EOF');
    throw new StrvalsError(`invalid character '${s[i] ?? ''}' looking for beginning of value`);
  };
  const value = (depth: number): void => {
    if (depth > 10000) throw new StrvalsError('exceeded max depth');
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (s[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (s[i] !== '"') fail();
          value(depth + 1);
          ws();
          if (s[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === close) {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      if (i >= s.length) fail();
      i++;
      return;
    }
    const m = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(s.slice(i));
    if (m === null || m[0] === '') fail();
    i += m![0].length;
  };
  value(0);
  return i;
}

/** A JSON text → Helm values (objects → maps, numbers → float64). */
export function fromJsonValue(v: unknown): Value {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(fromJsonValue);
  if (typeof v === 'object') {
    const m: MutableValues = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromJsonValue(x));
    return m;
  }
  return null;
}

class Parser {
  constructor(
    private readonly sc: Scanner,
    private readonly data: MutableValues,
    private readonly reader: Reader | null,
  ) {}

  parse(): void {
    for (;;) {
      const r = this.keyRecovering(this.data, 0);
      if (r === EOF) return;
    }
  }

  /** key() with its deferred recover: a failed type assertion reads "unable to parse key: …". */
  private keyRecovering(data: MutableValues, level: number): typeof EOF | undefined {
    try {
      return this.key(data, level);
    } catch (e) {
      if (e instanceof StrvalsError && e.message.startsWith('interface conversion:'))
        throw new StrvalsError(`unable to parse key: ${e.message}`);
      throw e;
    }
  }

  private emptyVal(): boolean {
    for (;;) {
      const r = this.sc.read();
      if (r === EOF || r === ',') return true;
      if (!/\s/u.test(r)) {
        this.sc.unread();
        return false;
      }
    }
  }

  private jsonVal(): Value {
    const rest = this.sc.rest();
    const end = jsonValueEnd(rest);
    const value = fromJsonValue(JSON.parse(rest.slice(0, end)));
    this.sc.skipRunes(Array.from(rest.slice(0, end)).length);
    return value;
  }

  /** Returns EOF at the end of input (Go's io.EOF), undefined to continue. */
  private key(data: MutableValues, nestedNameLevel: number): typeof EOF | undefined {
    const { k, last } = runesUntil(this.sc, '=[,.');
    if (last === EOF) {
      if (k.length === 0) return EOF;
      throw new StrvalsError(`key "${k}" has no value`);
    }
    switch (last) {
      case '[': {
        const i = this.keyIndex();
        let list: Value[] = [];
        if (data.has(k)) {
          const existing = data.get(k);
          if (!Array.isArray(existing)) throw conversionPanic(existing, '[]interface {}');
          list = existing as Value[];
        }
        const [updated, eof] = this.listItem(list, i, nestedNameLevel);
        set(data, k, updated);
        return eof ? EOF : undefined;
      }
      case '=': {
        if (this.reader === null) {
          if (this.emptyVal()) {
            set(data, k, null);
            return undefined;
          }
          set(data, k, this.jsonVal());
          this.emptyVal();
          return undefined;
        }
        const vl = this.valList();
        if (vl === EOF) {
          set(data, k, '');
          return EOF;
        }
        if (vl === NOT_A_LIST) {
          const rs = this.val();
          set(data, k, this.reader(rs));
          return undefined;
        }
        set(data, k, vl);
        return undefined;
      }
      case ',':
        set(data, k, '');
        throw new StrvalsError(`key "${k}" has no value (cannot end with ,)`);
      default: {
        // '.'
        nestedNameLevel++;
        if (nestedNameLevel > MAX_NESTED_NAME_LEVEL) {
          throw new StrvalsError(
            `value name nested level is greater than maximum supported nested level of ${MAX_NESTED_NAME_LEVEL}`,
          );
        }
        let inner: MutableValues = new Map();
        if (data.has(k)) {
          const existing = data.get(k);
          if (!(existing instanceof Map)) throw conversionPanic(existing, 'map[string]interface {}');
          inner = existing as MutableValues;
        }
        let e: typeof EOF | undefined;
        let err: Error | undefined;
        try {
          e = this.key(inner, nestedNameLevel);
        } catch (x) {
          err = x instanceof Error ? x : new StrvalsError(String(x));
        }
        if (err === undefined && e === undefined && inner.size === 0)
          throw new StrvalsError(`key map "${k}" has no value`);
        if (inner.size !== 0) set(data, k, inner);
        if (err !== undefined) throw err;
        return e;
      }
    }
  }

  private keyIndex(): number {
    const { k, last } = runesUntil(this.sc, ']');
    if (last === EOF) throw new StrvalsError('error parsing index: EOF');
    if (!/^[-+]?[0-9]+$/.test(k))
      throw new StrvalsError(`error parsing index: strconv.Atoi: parsing "${k}": invalid syntax`);
    return Number(k);
  }

  /** Returns the list and whether the input ended (Go's io.EOF) before a value was set. */
  private listItem(list: Value[], i: number, nestedNameLevel: number): [Value[], boolean] {
    if (i < 0) throw new StrvalsError(`negative ${i} index not allowed`);
    const { k, last } = runesUntil(this.sc, '[.=');
    if (k.length > 0) throw new StrvalsError(`unexpected data at end of array index: "${k}"`);
    if (last === EOF) return [list, true];
    switch (last) {
      case '=': {
        if (this.reader === null) {
          if (this.emptyVal()) return [setIndex(list, i, null), false];
          const v = this.jsonVal();
          list = setIndex(list, i, v);
          this.emptyVal();
          return [list, false];
        }
        const vl = this.valList();
        if (vl === EOF) return [setIndex(list, i, ''), false];
        if (vl === NOT_A_LIST) return [setIndex(list, i, this.reader(this.val())), false];
        return [setIndex(list, i, vl), false];
      }
      case '[': {
        const nextI = this.keyIndex();
        let crt: Value[] = [];
        if (list.length > i) {
          const existed = list[i];
          if (existed !== null && existed !== undefined) {
            if (!Array.isArray(existed)) throw conversionPanic(existed, '[]interface {}');
            crt = existed as Value[];
          }
        }
        const [inner, eof] = this.listItem(crt, nextI, nestedNameLevel);
        if (eof) return [list, true];
        return [setIndex(list, i, inner), false];
      }
      default: {
        // '.'
        let inner: MutableValues = new Map();
        if (list.length > i) {
          const existing = list[i];
          if (existing instanceof Map) inner = existing as MutableValues;
          else list[i] = inner;
        }
        if (this.key(inner, nestedNameLevel) === EOF) return [list, true];
        return [setIndex(list, i, inner), false];
      }
    }
  }

  private val(): string {
    return runesUntil(this.sc, ',').k;
  }

  private valList(): Value[] | typeof EOF | typeof NOT_A_LIST {
    const r = this.sc.read();
    if (r === EOF) return EOF;
    if (r !== '{') {
      this.sc.unread();
      return NOT_A_LIST;
    }
    const list: Value[] = [];
    const read = this.reader ?? ((s: string) => s);
    for (;;) {
      const { k, last } = runesUntil(this.sc, ',}');
      if (last === EOF) throw new StrvalsError("list must terminate with '}'");
      if (last === '}') {
        const next = this.sc.read();
        if (next !== EOF && next !== ',') this.sc.unread();
        list.push(read(k));
        return list;
      }
      list.push(read(k));
    }
  }
}

/** strvals.ParseInto (`--set`), ParseIntoString (`--set-string`) into `dest`. */
export function parseSetInto(s: string, dest: MutableValues, asString = false): void {
  new Parser(new Scanner(s), dest, (rs) => typedVal(rs, asString)).parse();
}

/** strvals.ParseJSON (`--set-json`) into `dest`. */
export function parseJsonInto(s: string, dest: MutableValues): void {
  new Parser(new Scanner(s), dest, null).parse();
}

/** strvals.ParseIntoFile (`--set-file`): `read` turns the value (a path) into the file's text. */
export function parseFileInto(s: string, dest: MutableValues, read: (path: string) => Value): void {
  new Parser(new Scanner(s), dest, read).parse();
}

/** strvals.Parse: a fresh map. */
export function parseSet(s: string, asString = false): MutableValues {
  const m: MutableValues = new Map();
  parseSetInto(s, m, asString);
  return m;
}
