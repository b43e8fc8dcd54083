// Helm's values (pkg/chartutil values.go, coalesce.go): YAML read as sigs.k8s.io/yaml reads it
// (goyaml.v2's YAML 1.1 scalars, then JSON: every number a float64, keys strings), tables by
// dotted path, and the coalescing of a chart's defaults, its subcharts' and the globals with
// what the user gave (null deletes a key; `merge` keeps nulls, as install's dependency pass).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Scalar } from 'yaml';
import type { Document, Tags } from 'yaml';
import { formatV, GoStruct, typeName } from '../gotemplate';
import type { Value } from '../gotemplate';
import type { MutableValues } from './strvals';

export type { MutableValues } from './strvals';

export const GLOBAL_KEY = 'global';

/** A note Helm logs while coalescing (printf in coalesce.go); kept as info, never fatal. */
export type Warn = (message: string) => void;

const MAX_ALIAS_COUNT = 100;
const MAX_DEPTH = 256;

// goyaml.v2 reads base-60 numbers and timestamps as strings when decoding into interface{}.
const v2Tags = (tags: Tags): Tags =>
  tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp';
  });

/** A parsed YAML document and its line counter (for positions of keys). */
export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export interface YamlReadResult {
  readonly value: Value;
  /** The document read, when there was one (values' source map reuses it). */
  readonly parsed?: ParsedYaml;
  /** goyaml.v2's style message (`yaml: line 3: …`), if the text is not valid YAML. */
  readonly error?: string;
}

/** The wording of goyaml.v2/libyaml for the errors users meet most, from the `yaml` package's codes. */
function v2Message(code: string, message: string): string {
  switch (code) {
    case 'IMPLICIT_KEY':
    case 'MISSING_CHAR':
    case 'MULTILINE_IMPLICIT_KEY':
      return "could not find expected ':'";
    case 'BAD_INDENT':
      return 'did not find expected key';
    case 'TAB_AS_INDENT':
      return 'found character that cannot start any token';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'mapping values are not allowed in this context';
    case 'DUPLICATE_KEY':
      return message;
    default:
      return message.replace(/ at line \d+, column \d+.*$/s, '');
  }
}

/**
 * Reads the first YAML document of `text` as sigs.k8s.io/yaml.Unmarshal into interface{} does.
 * An empty document is null.
 */
export function readYaml(text: string): YamlReadResult {
  const lc = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, {
      schema: 'yaml-1.1',
      customTags: v2Tags,
      merge: true,
      uniqueKeys: false,
      lineCounter: lc,
      prettyErrors: false,
    });
  } catch (e) {
    return { value: null, error: `yaml: ${e instanceof Error ? e.message : String(e)}` };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const doc = list[0];
  if (doc === undefined) return { value: null };
  const err = doc.errors[0];
  if (err !== undefined) {
    let line = lc.linePos(err.pos[0]).line;
    if (['IMPLICIT_KEY', 'MISSING_CHAR', 'MULTILINE_IMPLICIT_KEY'].includes(err.code))
      line = staleKeyLine(text, err.pos[0]);
    return { value: null, error: `yaml: line ${line}: ${v2Message(err.code, err.message)}` };
  }
  if (tooDeep(doc.contents, 0)) return { value: null, error: `yaml: exceeded max depth of ${MAX_DEPTH}` };
  let js: unknown;
  try {
    js = doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return { value: null, error: `yaml: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { value: fromYamlJs(js), parsed: { doc, lineCounter: lc } };
}

/**
 * The line libyaml names for a simple key without ':' — where its scanner noticed: the next
 * token after the key's line (comments skipped), or the end of the stream, which libyaml
 * moves to a new line when the text does not end with one.
 */
function staleKeyLine(text: string, keyPos: number): number {
  let i = text.indexOf('\n', keyPos);
  if (i >= 0) {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
      if (c === '#') {
        const nl = text.indexOf('\n', i);
        if (nl < 0) break;
        i = nl;
        continue;
      }
      return text.slice(0, i).split('\n').length;
    }
  }
  let line = text.split('\n').length - 1;
  if (!text.endsWith('\n')) line++;
  return line + 1;
}

function tooDeep(node: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  if (isMap(node)) return node.items.some((p) => tooDeep(p.value, depth + 1));
  if (isSeq(node)) return node.items.some((i) => tooDeep(i, depth + 1));
  return isScalar(node) || isAlias(node) ? false : false;
}

/** A key as sigs.k8s.io/yaml turns a non-string key into a JSON object key. */
function keyString(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'number') return goFloatG(k);
  if (typeof k === 'boolean' || typeof k === 'bigint') return String(k);
  return JSON.stringify(k) ?? '';
}

function goFloatG(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

function fromYamlJs(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Array.from(v, (b) => String.fromCharCode(b)).join('');
  if (Array.isArray(v)) return v.map(fromYamlJs);
  if (v instanceof Map) {
    const m: MutableValues = new Map();
    for (const [k, x] of v) m.set(keyString(k), fromYamlJs(x));
    return m;
  }
  if (v instanceof Set) {
    const m: MutableValues = new Map();
    for (const k of v) m.set(keyString(k), null);
    return m;
  }
  if (typeof v === 'object') {
    const m: MutableValues = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromYamlJs(x));
    return m;
  }
  return null;
}

/** chartutil.ReadValues: a map (an empty or null document is an empty map). */
export function readValues(text: string): { values: MutableValues; error?: string; parsed?: ParsedYaml } {
  const r = readYaml(text);
  if (r.error !== undefined) return { values: new Map(), error: `error converting YAML to JSON: ${r.error}` };
  if (r.value === null) return { values: new Map() };
  if (!isTable(r.value)) {
    return {
      values: new Map(),
      error: `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(r.value)} into Go value of type map[string]interface {}`,
    };
  }
  return r.parsed === undefined
    ? { values: r.value as MutableValues }
    : { values: r.value as MutableValues, parsed: r.parsed };
}

export function jsonKind(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'object';
  return 'null';
}

/** A plain values table (map[string]interface{}); Helm's struct objects are not tables. */
export function isTable(v: Value): v is ReadonlyMap<string, Value> {
  return v instanceof Map && !(v instanceof GoStruct);
}

/** copystructure.Copy of values: maps and slices copied, scalars shared. */
export function deepCopy(v: Value): Value {
  if (Array.isArray(v)) return (v as readonly Value[]).map(deepCopy);
  if (isTable(v)) {
    const m: MutableValues = new Map();
    for (const [k, x] of v) m.set(k, deepCopy(x));
    return m;
  }
  return v;
}

export function copyValues(v: ReadonlyMap<string, Value> | undefined): MutableValues {
  return v === undefined ? new Map<string, Value>() : (deepCopy(v) as MutableValues);
}

function concatPrefix(a: string, b: string): string {
  return a === '' ? b : `${a}.${b}`;
}

/** What coalescing needs from a chart. */
export interface CoalesceChart {
  readonly name: string;
  readonly values: ReadonlyMap<string, Value>;
  readonly dependencies: readonly CoalesceChart[];
}

/** chartutil.CoalesceValues (merge=false) and MergeValues (merge=true). Throws on a type mismatch. */
export function coalesceValues(
  chart: CoalesceChart,
  vals: ReadonlyMap<string, Value> | undefined,
  merge: boolean,
  warn: Warn = () => undefined,
): MutableValues {
  return coalesce(warn, chart, copyValues(vals), '', merge);
}

function coalesce(
  warn: Warn,
  ch: CoalesceChart,
  dest: MutableValues,
  prefix: string,
  merge: boolean,
): MutableValues {
  coalesceChartValues(warn, ch, dest, prefix, merge);
  return coalesceDeps(warn, ch, dest, prefix, merge);
}

function coalesceDeps(
  warn: Warn,
  chart: CoalesceChart,
  dest: MutableValues,
  prefix: string,
  merge: boolean,
): MutableValues {
  for (const sub of chart.dependencies) {
    const c = dest.get(sub.name);
    if (!dest.has(sub.name)) dest.set(sub.name, new Map());
    else if (!isTable(c ?? null)) throw new Error(`type mismatch on ${sub.name}: %!t(${goPrintType(c)})`);
    const dv = dest.get(sub.name) as MutableValues;
    const subPrefix = concatPrefix(prefix, chart.name);
    coalesceGlobals(warn, dv, dest, subPrefix);
    dest.set(sub.name, coalesce(warn, sub, dv, subPrefix, merge));
  }
  return dest;
}

function goPrintType(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return `string=${v}`;
  if (typeof v === 'number') return `float64=${goFloatG(v)}`;
  return `${typeName(v)}=${formatV(v)}`;
}

function coalesceGlobals(warn: Warn, dest: MutableValues, src: MutableValues, prefix: string): void {
  let dg: MutableValues;
  let sg: MutableValues;
  const destglob = dest.get(GLOBAL_KEY);
  if (!dest.has(GLOBAL_KEY)) dg = new Map();
  else if (isTable(destglob ?? null)) dg = destglob as MutableValues;
  else {
    warn(`warning: skipping globals because destination ${GLOBAL_KEY} is not a table.`);
    return;
  }
  const srcglob = src.get(GLOBAL_KEY);
  if (!src.has(GLOBAL_KEY)) sg = new Map();
  else if (isTable(srcglob ?? null)) sg = srcglob as MutableValues;
  else {
    warn(`warning: skipping globals because source ${GLOBAL_KEY} is not a table.`);
    return;
  }
  for (const [key, val] of sg) {
    if (isTable(val)) {
      const vv: MutableValues = new Map(val);
      const destv = dg.get(key);
      if (!dg.has(key)) dg.set(key, vv);
      else if (!isTable(destv ?? null))
        warn(`Conflict: cannot merge map onto non-map for "${key}". Skipping.`);
      else {
        coalesceTablesFullKey(warn, vv, destv as MutableValues, concatPrefix(prefix, key), true);
        dg.set(key, vv);
      }
    } else if (dg.has(key) && isTable(dg.get(key) ?? null)) {
      warn(`key ${key} is table. Skipping`);
    } else {
      dg.set(key, val);
    }
  }
  dest.set(GLOBAL_KEY, dg);
}

function coalesceChartValues(
  warn: Warn,
  c: CoalesceChart,
  v: MutableValues,
  prefix: string,
  merge: boolean,
): void {
  const subPrefix = concatPrefix(prefix, c.name);
  const vc = copyValues(c.values);
  for (const [key, val] of vc) {
    if (v.has(key)) {
      const value = v.get(key) ?? null;
      if (value === null && !merge) {
        v.delete(key);
      } else if (isTable(value)) {
        if (!isTable(val)) {
          if (val !== null) warn(`warning: skipped value for ${subPrefix}.${key}: Not a table.`);
        } else {
          const childMerge = c.dependencies.some((d) => d.name === key) || merge;
          coalesceTablesFullKey(
            warn,
            value as MutableValues,
            val as MutableValues,
            concatPrefix(subPrefix, key),
            childMerge,
          );
        }
      }
    } else {
      v.set(key, val);
    }
  }
}

/** chartutil.CoalesceTables: `dst` wins; a null in `dst` deletes the key. */
export function coalesceTables(
  dst: MutableValues,
  src: MutableValues,
  warn: Warn = () => undefined,
): MutableValues {
  return coalesceTablesFullKey(warn, dst, src, '', false);
}

/** chartutil.MergeTables: as CoalesceTables but nulls are kept. */
export function mergeTables(
  dst: MutableValues,
  src: MutableValues,
  warn: Warn = () => undefined,
): MutableValues {
  return coalesceTablesFullKey(warn, dst, src, '', true);
}

function coalesceTablesFullKey(
  warn: Warn,
  dst: MutableValues,
  src: MutableValues,
  prefix: string,
  merge: boolean,
): MutableValues {
  const srcOriginalNonNil = new Set<string>();
  for (const [key, val] of src) if (val !== null && val !== undefined) srcOriginalNonNil.add(key);
  for (const [key, val] of dst) if (val === null || val === undefined) src.set(key, null);
  for (const [key, val] of src) {
    const fullkey = concatPrefix(prefix, key);
    const ok = dst.has(key);
    const dv = dst.get(key) ?? null;
    if (ok && !merge && dv === null && srcOriginalNonNil.has(key)) {
      dst.delete(key);
    } else if (!ok) {
      dst.set(key, val);
    } else if (isTable(val)) {
      if (isTable(dv)) coalesceTablesFullKey(warn, dv as MutableValues, val as MutableValues, fullkey, merge);
      else warn(`warning: cannot overwrite table with non table for ${fullkey} (${summary(val)})`);
    } else if (isTable(dv) && val !== null) {
      warn(`warning: destination for ${fullkey} is a table. Ignoring non-table value (${summary(val)})`);
    }
  }
  return dst;
}

function summary(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloatG(v);
  return formatV(v);
}

export class NoTableError extends Error {
  constructor(readonly key: string) {
    super(`no table named "${key}"`);
  }
}

/** Values.Table: the table at a dotted path. Throws NoTableError. */
export function table(v: ReadonlyMap<string, Value>, name: string): ReadonlyMap<string, Value> {
  let t = v;
  for (const n of name.split('.')) {
    if (!t.has(n)) throw new NoTableError(n);
    const next = t.get(n) ?? null;
    if (!isTable(next)) throw new NoTableError(n);
    t = next;
  }
  return t;
}

/** Values.PathValue: a non-table value at a dotted path, or undefined (ErrNoValue). */
export function pathValue(v: ReadonlyMap<string, Value>, path: string): { found: boolean; value: Value } {
  const parts = path.split('.');
  const key = parts.pop() ?? '';
  let t: ReadonlyMap<string, Value> = v;
  if (parts.length > 0) {
    try {
      t = table(v, parts.join('.'));
    } catch {
      return { found: false, value: undefined };
    }
  }
  if (t.has(key) && !isTable(t.get(key) ?? null)) return { found: true, value: t.get(key) };
  return { found: false, value: undefined };
}

/** Helm's cli/values mergeMaps: values files layered, maps merged key by key. */
export function mergeMaps(a: ReadonlyMap<string, Value>, b: ReadonlyMap<string, Value>): MutableValues {
  const out: MutableValues = new Map(a);
  for (const [k, v] of b) {
    if (isTable(v)) {
      const bv = out.get(k);
      if (out.has(k) && isTable(bv ?? null)) {
        out.set(k, mergeMaps(bv as ReadonlyMap<string, Value>, v));
        continue;
      }
    }
    out.set(k, v);
  }
  return out;
}

/** What readValues gives. */
export type ValuesRead = ReturnType<typeof readValues>;

// A key and a plain scalar on one line: `  replicas: 3`. The scalar starts with no YAML
// indicator and holds none (no `:`, `#`, quotes, flow brackets, anchors, aliases, tags).
const SCALAR_LINE = /^( *)([A-Za-z_][A-Za-z0-9_-]*): +(-?[A-Za-z0-9_.][A-Za-z0-9_./+-]*) *$/;
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// Anchors and aliases (and so merge keys of aliased maps): a value may then appear at two paths.
const ANCHOR = /(?:^|[\s,[\]{}])[&*][^\s]/;

/** The value of one plain scalar as values read it. */
function scalarValue(s: string): { value: Value } | undefined {
  const r = readValues(`k: ${s}\n`);
  if (r.error !== undefined || !r.values.has('k')) return undefined;
  const v = r.values.get('k');
  return v instanceof Map || Array.isArray(v) ? undefined : { value: v ?? null };
}

/**
 * readValues(`text`) from an earlier read of `before`, when the two differ only in the plain
 * scalar of one `key: scalar` line (a one-line values edit): the earlier tables with that one
 * value replaced (tables on its path copied, the rest shared). The document kept for key
 * positions is the earlier one: every key is at the same line and column in both texts.
 * Undefined when the edit is any other (the caller reads `text` in full).
 */
export function patchValues(before: string, read: ValuesRead, text: string): ValuesRead | undefined {
  if (read.error !== undefined || read.parsed === undefined) return undefined;
  const n = Math.min(before.length, text.length);
  let p = 0;
  while (p < n && before.charCodeAt(p) === text.charCodeAt(p)) p++;
  let s = 0;
  while (s < n - p && before.charCodeAt(before.length - 1 - s) === text.charCodeAt(text.length - 1 - s)) s++;
  const start = before.lastIndexOf('\n', p - 1) + 1;
  const oldEnd = before.indexOf('\n', p);
  const newEnd = text.indexOf('\n', p);
  const oldLineEnd = oldEnd < 0 ? before.length : oldEnd;
  const newLineEnd = newEnd < 0 ? text.length : newEnd;
  // The change must lie within that one line in both texts.
  if (before.length - s > oldLineEnd || text.length - s > newLineEnd) return undefined;
  if (before.length - oldLineEnd !== text.length - newLineEnd) return undefined;
  const a = SCALAR_LINE.exec(before.slice(start, oldLineEnd));
  const b = SCALAR_LINE.exec(text.slice(start, newLineEnd));
  if (a === null || b === null || a[1] !== b[1] || a[2] !== b[2] || ANCHOR.test(before)) return undefined;
  const keyAt = start + (a[1] as string).length;
  const scalarAt = before.indexOf(a[3] as string, keyAt + (a[2] as string).length + 1);
  // The pair in the document whose key starts there, with its path; every key on the way a plain string.
  const path: (string | number)[] = [];
  let node: unknown = read.parsed.doc.contents;
  let found: Scalar | undefined;
  for (let depth = 0; depth <= MAX_DEPTH && found === undefined; depth++) {
    if (isMap(node)) {
      // Flow maps and merge keys (`<<`) are left to a full read.
      if (node.flow === true || node.items.some((q) => isScalar(q.key) && q.key.value === '<<'))
        return undefined;
      let next: unknown;
      for (const pair of node.items) {
        const k = pair.key;
        const v = pair.value as { range?: [number, number, number] } | null;
        const kr = (k as { range?: [number, number, number] } | null)?.range;
        const inside = kr !== undefined && kr[0] === keyAt;
        const below = v?.range !== undefined && v.range[0] <= keyAt && keyAt < v.range[2];
        if (!inside && !below) continue;
        if (!isScalar(k) || typeof k.value !== 'string' || !SAFE_KEY.test(k.value)) return undefined;
        const key = k.value;
        // A duplicate key: which one wins is not this line's to say.
        if (node.items.filter((q) => isScalar(q.key) && q.key.value === key).length !== 1) return undefined;
        path.push(key);
        if (inside) {
          if (key !== a[2] || !isScalar(v) || v.type !== 'PLAIN') return undefined;
          const r = v.range;
          if (r === undefined || r[0] !== scalarAt || r[1] !== scalarAt + (a[3] as string).length)
            return undefined;
          found = v;
        } else next = v;
        break;
      }
      if (found === undefined && next === undefined) return undefined;
      node = next;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((item) => {
        const r = (item as { range?: [number, number, number] } | null)?.range;
        return r !== undefined && r[0] <= keyAt && keyAt < r[2];
      });
      if (i < 0) return undefined;
      path.push(i);
      node = node.items[i];
    } else return undefined;
  }
  if (found === undefined) return undefined;
  const was = scalarValue(a[3] as string);
  const now = scalarValue(b[3] as string);
  if (was === undefined || now === undefined) return undefined;
  // The earlier tables, copied along the path, with the new value at its end.
  const copy = (v: Value, i: number): Value | undefined => {
    const seg = path[i];
    if (seg === undefined) return Object.is(v, was.value) ? now.value : undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(v)) return undefined;
      const list = v as readonly Value[];
      const inner = copy(list[seg], i + 1);
      if (inner === undefined) return undefined;
      const out = [...list];
      out[seg] = inner;
      return out;
    }
    if (!isTable(v) || !v.has(seg)) return undefined;
    const inner = copy(v.get(seg) ?? null, i + 1);
    if (inner === undefined) return undefined;
    const out: MutableValues = new Map(v);
    out.set(seg, inner);
    return out;
  };
  const values = copy(read.values, 0);
  if (values === undefined || !isTable(values)) return undefined;
  return { values: values as MutableValues, parsed: read.parsed };
}
