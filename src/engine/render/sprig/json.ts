// Go's encoding/json over template values: Marshal (sorted map keys, HTML escaping, Go's float
// format), MarshalIndent, an Encoder without HTML escaping, and Unmarshal into interface{}
// (numbers as float64) with Go's syntax error texts.
import type { Value } from '../gotemplate';
import { FuncError, GoObject, GoTyped, sortedKeys, typeName } from '../gotemplate';

export interface JsonOptions {
  readonly escapeHtml: boolean;
  readonly indent?: string;
}

function hex4(c: number): string {
  return '\\u' + c.toString(16).padStart(4, '0');
}

/** encoding/json's string encoder. */
export function jsonString(s: string, escapeHtml: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20) {
      out +=
        ch === '\n'
          ? '\\n'
          : ch === '\r'
            ? '\\r'
            : ch === '\t'
              ? '\\t'
              : ch === '\b'
                ? '\\b'
                : ch === '\f'
                  ? '\\f'
                  : hex4(c);
    } else if (escapeHtml && (ch === '<' || ch === '>' || ch === '&')) out += hex4(c);
    else if (c === 0x2028 || c === 0x2029) out += hex4(c);
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** encoding/json's float64 format: like ES, but exponents as e-07 → e-7 and e+21 kept short. */
export function jsonFloat(f: number, bits: 32 | 64 = 64): string {
  if (!Number.isFinite(f))
    throw new FuncError(`json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`);
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const abs = Math.abs(f);
  const v = bits === 32 ? Math.fround(f) : f;
  if (abs < 1e-6 || abs >= 1e21) {
    // strconv 'e' shortest, then Go trims a two-digit exponent's leading zero.
    const [mant, exp] = v.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '');
    return `${mant}e${sign}${digits.length < 2 ? '0' + digits : digits}`.replace(/e([+-])0(\d)$/, 'e$1$2');
  }
  return String(v);
}

function encode(v: Value, o: JsonOptions, depth: number): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return jsonString(v, o.escapeHtml);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return jsonFloat(v);
  }
  if (v instanceof GoTyped)
    return typeof v.value === 'bigint'
      ? v.value.toString()
      : jsonFloat(v.value, v.kind === 'float32' ? 32 : 64);
  if (v instanceof GoObject) return encode(v.json, o, depth);
  const nl = o.indent === undefined ? '' : '\n' + o.indent.repeat(depth + 1);
  const close = o.indent === undefined ? '' : '\n' + o.indent.repeat(depth);
  if (Array.isArray(v)) {
    const items = (v as readonly Value[]).map((e) => encode(e, o, depth + 1));
    return items.length === 0 ? '[]' : `[${nl}${items.join(',' + nl)}${close}]`;
  }
  if (v instanceof Map) {
    const m = v as ReadonlyMap<string, Value>;
    const colon = o.indent === undefined ? ':' : ': ';
    const items = sortedKeys(m).map(
      (k) => jsonString(k, o.escapeHtml) + colon + encode(m.get(k), o, depth + 1),
    );
    return items.length === 0 ? '{}' : `{${nl}${items.join(',' + nl)}${close}}`;
  }
  throw new FuncError(`json: unsupported type: ${typeName(v)}`);
}

/** json.Marshal (escapeHtml) / MarshalIndent / Encoder.Encode without the trailing newline. */
export function toJsonText(v: Value, o: JsonOptions): string {
  return encode(v, o, 0);
}

/** Go's quoteChar for syntax errors. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

class JsonSyntaxError extends FuncError {}

/** json.Unmarshal into interface{}: objects → maps, arrays → slices, numbers → float64. */
export function parseJson(text: string): Value {
  let i = 0;
  const n = text.length;
  const fail = (context: string): never => {
    if (i >= n) throw new JsonSyntaxError('unexpected end of JSON input');
    throw new JsonSyntaxError(
      `invalid character ${quoteChar(String.fromCodePoint(text.codePointAt(i)!))} ${context}`,
    );
  };
  const ws = (): void => {
    while (i < n && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string, v: Value): Value => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= n) fail('');
      if (text[i] !== word[k]) fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
    return v;
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail('');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) fail('in string literal');
      if (c === '\\') {
        i++;
        if (i >= n) fail('');
        const e = text[i]!;
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e in simple) {
          out += simple[e];
          i++;
        } else if (e === 'u') {
          i++;
          const h = text.slice(i, i + 4);
          for (let k = 0; k < 4; k++) {
            if (i + k >= n) {
              i += k;
              fail('');
            }
            if (!/[0-9a-fA-F]/.test(text[i + k]!)) {
              i += k;
              fail('in \\u hexadecimal character escape');
            }
          }
          out += String.fromCharCode(parseInt(h, 16));
          i += 4;
        } else fail('in string escape code');
        continue;
      }
      out += c;
      i++;
    }
  };
  const number = (): number => {
    const start = i;
    if (text[i] === '-') i++;
    if (i >= n) fail('');
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i]!)) while (i < n && /\d/.test(text[i]!)) i++;
    else fail('in numeric literal');
    if (text[i] === '.') {
      i++;
      if (i >= n) fail('');
      if (!/\d/.test(text[i]!)) fail('after decimal point in numeric literal');
      while (i < n && /\d/.test(text[i]!)) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (i >= n) fail('');
      if (!/\d/.test(text[i]!)) fail('in exponent of numeric literal');
      while (i < n && /\d/.test(text[i]!)) i++;
    }
    return Number(text.slice(start, i));
  };
  const value = (): Value => {
    ws();
    if (i >= n) fail('');
    const c = text[i]!;
    if (c === '{') {
      i++;
      const m = new Map<string, Value>();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('looking for beginning of object key string');
        const k = str();
        ws();
        if (text[i] !== ':') fail('after object key');
        i++;
        m.set(k, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return m;
        }
        fail('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      const a: Value[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail('after array element');
      }
    }
    if (c === '"') return str();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === '-' || /\d/.test(c)) return number();
    return fail('looking for beginning of value');
  };
  const v = value();
  ws();
  if (i < n) fail('after top-level value');
  return v;
}
