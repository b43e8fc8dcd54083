// The serialisations Helm's template functions use (pkg/engine/funcs.go): Go's encoding/json
// (toJson: sorted keys, HTML-safe escapes, Go's float format), sigs.k8s.io/yaml (toYaml: JSON
// then goyaml.v2, printed by the render layer's goyaml.v2 emitter), BurntSushi/toml (toToml),
// and the readers back (fromJson, fromYaml) with their error texts.
import { formatFloat, GoObject, GoTyped } from '../gotemplate';
import { sortedKeys } from '../gotemplate/value';
import type { Value } from '../gotemplate';
import { emitYaml } from '../kustomize/emit';
import type { Value as PlainValue, ValueMap } from '../kustomize/value';
import { fromJsonValue } from './strvals';
import { isTable, jsonKind, readYaml } from './values';

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

/** encoding/json's float64 text: 'f' between 1e-6 and 1e21, else 'e' with a trimmed exponent. */
export function goJsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new EncodeError(`json: unsupported value: ${formatFloat(f, 'g', -1)}`);
  const abs = Math.abs(f);
  const useE = abs !== 0 && (abs < 1e-6 || abs >= 1e21);
  let s = formatFloat(f, useE ? 'e' : 'f', -1);
  if (useE) s = s.replace(/e-0(\d)$/, 'e-$1');
  return s;
}

/** encoding/json's string escaping (HTML-safe, as json.Marshal does by default). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
    }
    if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\ufffd';
    } else out += ch;
  }
  return `${out}"`;
}

/** json.Marshal of a template value. Throws EncodeError where Go's Marshal fails. */
export function goJsonMarshal(v: Value, depth = 0): string {
  if (depth > 1000) throw new EncodeError('json: unsupported value: encountered a cycle');
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return goJsonFloat(v);
  if (v instanceof GoTyped) return typeof v.value === 'bigint' ? v.value.toString() : goJsonFloat(v.value);
  if (Array.isArray(v))
    return `[${(v as readonly Value[]).map((x) => goJsonMarshal(x, depth + 1)).join(',')}]`;
  if (v instanceof Map) {
    const m = v as ReadonlyMap<string, Value>;
    const parts = sortedKeys(m).map((k) => `${goJsonString(k)}:${goJsonMarshal(m.get(k), depth + 1)}`);
    return `{${parts.join(',')}}`;
  }
  throw new EncodeError(`json: unsupported type: ${typeof v === 'object' ? 'func()' : typeof v}`);
}

/** The JSON value Go's Marshal would produce, as the plain value the YAML emitter prints. */
function toPlain(v: Value, depth = 0): PlainValue {
  if (depth > 1000) throw new EncodeError('json: unsupported value: encountered a cycle');
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new EncodeError(`json: unsupported value: ${formatFloat(v, 'g', -1)}`);
    return v;
  }
  if (v instanceof GoTyped) return Number(v.value);
  if (v instanceof GoObject) return toPlain(v.json, depth + 1);
  if (Array.isArray(v)) return (v as readonly Value[]).map((x) => toPlain(x, depth + 1));
  if (v instanceof Map) {
    const out: ValueMap = Object.create(null) as ValueMap;
    for (const [k, x] of v as ReadonlyMap<string, Value>) out[k] = toPlain(x, depth + 1);
    return out;
  }
  throw new EncodeError('json: unsupported type');
}

/** sigs.k8s.io/yaml.Marshal (with a trailing newline), or throws EncodeError. */
export function yamlMarshal(v: Value): string {
  return emitYaml(toPlain(v));
}

/** Helm's toYaml: the YAML without its final newline; "" when marshalling fails. */
export function toYaml(v: Value): string {
  try {
    const s = yamlMarshal(v);
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  } catch (e) {
    if (e instanceof EncodeError) return '';
    throw e;
  }
}

/**
 * Helm's toYamlPretty: goyaml.v3's encoder with indent 2, which indents sequences under
 * their key. (v3 marshals the value directly, not through JSON; for JSON-like values the
 * text differs from toYaml only in that indentation.)
 */
export function toYamlPretty(v: Value): string {
  try {
    const s = emitYaml(toPlain(v), { indentSequences: true });
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  } catch (e) {
    if (e instanceof EncodeError) return '';
    throw e;
  }
}

/** Helm's toJson: "" when marshalling fails. */
export function toJson(v: Value): string {
  try {
    return goJsonMarshal(v);
  } catch (e) {
    if (e instanceof EncodeError) return '';
    throw e;
  }
}

/** encoding/json's syntax error text for a JSON.parse failure (the common cases). */
function jsonSyntaxError(text: string): string {
  const t = text.trim();
  if (t === '') return 'unexpected end of JSON input';
  try {
    JSON.parse(text);
    return '';
  } catch (e) {
    const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    if (m === null) return 'unexpected end of JSON input';
    const ch = text[Number(m[1])];
    if (ch === undefined) return 'unexpected end of JSON input';
    return `invalid character '${ch}' looking for beginning of value`;
  }
}

function parseJson(text: string): { value?: Value; error?: string } {
  try {
    return { value: fromJsonValue(JSON.parse(text)) };
  } catch {
    return { error: jsonSyntaxError(text) };
  }
}

/** Helm's fromJson: a map; on failure `{Error: message}`. */
export function fromJson(text: string): Map<string, Value> {
  const r = parseJson(text);
  if (r.error !== undefined) return new Map([['Error', r.error]]);
  if (r.value === null) return new Map();
  if (!isTable(r.value ?? null))
    return new Map([
      [
        'Error',
        `json: cannot unmarshal ${jsonKind(r.value ?? null)} into Go value of type map[string]interface {}`,
      ],
    ]);
  return r.value as Map<string, Value>;
}

/** Helm's fromJsonArray: a list; on failure `[message]`. */
export function fromJsonArray(text: string): Value[] {
  const r = parseJson(text);
  if (r.error !== undefined) return [r.error];
  if (r.value === null) return [];
  if (!Array.isArray(r.value))
    return [`json: cannot unmarshal ${jsonKind(r.value ?? null)} into Go value of type []interface {}`];
  return r.value as Value[];
}

/** Helm's fromYaml: a map; on failure `{Error: message}`. */
export function fromYaml(text: string): Map<string, Value> {
  const r = readYaml(text);
  if (r.error !== undefined) return new Map([['Error', `error converting YAML to JSON: ${r.error}`]]);
  if (r.value === null) return new Map();
  if (!isTable(r.value))
    return new Map([
      [
        'Error',
        `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(r.value)} into Go value of type map[string]interface {}`,
      ],
    ]);
  return r.value as Map<string, Value>;
}

/** Helm's fromYamlArray: a list; on failure `[message]`. */
export function fromYamlArray(text: string): Value[] {
  const r = readYaml(text);
  if (r.error !== undefined) return [`error converting YAML to JSON: ${r.error}`];
  if (r.value === null) return [];
  if (!Array.isArray(r.value))
    return [
      `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(r.value)} into Go value of type []interface {}`,
    ];
  return r.value as Value[];
}

// ---- TOML (BurntSushi/toml's encoder over maps) ----

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function tomlFloat(f: number): string {
  if (Number.isNaN(f)) return 'nan';
  if (!Number.isFinite(f)) return f > 0 ? 'inf' : '-inf';
  const s = formatFloat(f, 'f', -1);
  return s.includes('.') ? s : `${s}.0`;
}

function tomlScalar(v: Value): string | undefined {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return tomlFloat(v);
  if (v instanceof GoTyped) return typeof v.value === 'bigint' ? v.value.toString() : tomlFloat(v.value);
  return undefined;
}

function tomlInline(v: Value): string {
  const s = tomlScalar(v);
  if (s !== undefined) return s;
  if (Array.isArray(v)) return `[${(v as readonly Value[]).map(tomlInline).join(', ')}]`;
  if (v instanceof Map) {
    const m = v as ReadonlyMap<string, Value>;
    return `{${sortedKeys(m)
      .filter((k) => m.get(k) !== null && m.get(k) !== undefined)
      .map((k) => `${tomlKey(k)} = ${tomlInline(m.get(k))}`)
      .join(', ')}}`;
  }
  throw new EncodeError('toml: cannot encode a nil value');
}

const isTableArray = (v: Value): boolean =>
  Array.isArray(v) && v.length > 0 && (v as readonly Value[]).every((x) => x instanceof Map);

function tomlTable(m: ReadonlyMap<string, Value>, path: string[], out: string[], indent: string): void {
  const keys = sortedKeys(m).filter((k) => m.get(k) !== null && m.get(k) !== undefined);
  for (const k of keys) {
    const v = m.get(k);
    if (v instanceof Map || isTableArray(v)) continue;
    out.push(`${indent}${tomlKey(k)} = ${tomlInline(v)}\n`);
  }
  for (const k of keys) {
    const v = m.get(k);
    const sub = [...path, tomlKey(k)];
    if (v instanceof Map) {
      if (out.length > 0) out.push('\n');
      out.push(`${indent}[${sub.join('.')}]\n`);
      tomlTable(v as ReadonlyMap<string, Value>, sub, out, `${indent}  `);
    } else if (isTableArray(v)) {
      for (const item of v as readonly Value[]) {
        if (out.length > 0) out.push('\n');
        out.push(`${indent}[[${sub.join('.')}]]\n`);
        tomlTable(item as ReadonlyMap<string, Value>, sub, out, `${indent}  `);
      }
    }
  }
}

/** Helm's toToml: the TOML text, or the encoder's error text. */
export function toToml(v: Value): string {
  if (!(v instanceof Map)) return 'toml: top-level values must be Go maps or structs';
  try {
    const out: string[] = [];
    tomlTable(v as ReadonlyMap<string, Value>, [], out, '');
    return out.join('');
  } catch (e) {
    if (e instanceof EncodeError) return e.message;
    throw e;
  }
}

/** Whether a value counts as "set" for `required` (Go: non-nil, and not an empty string). */
export function isRequiredSet(v: Value): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v !== '';
  return true;
}
