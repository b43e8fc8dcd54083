// kubectl reads a file whose first non-space character is `{` as a stream of JSON
// values (apimachinery util/yaml YAMLOrJSONDecoder over Go's json.Decoder): this
// scanner finds each value's extent, or the first syntax error with Go's wording
// (encoding/json scanner.go: "invalid character '/' looking for beginning of object
// key string") and its offset (bytes read, the bad one included).

export interface JsonStreamScan {
  /** [start, end) of each complete top-level value, in order. */
  values: [number, number][];
  /** The first error: where (a character index) and Go's text; null when the stream is valid. */
  error: { index: number; message: string; syntax: boolean } | null;
}

class JsonError extends Error {
  constructor(
    readonly index: number,
    readonly text: string,
    readonly syntax: boolean,
  ) {
    super(text);
  }
}

/** Go's quoteChar: the offending byte as Go prints it. */
function quoteChar(text: string, index: number): string {
  const c = text.charAt(index);
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const code = c.charCodeAt(0);
  if (code === 9) return "'\\t'";
  if (code === 10) return "'\\n'";
  if (code === 13) return "'\\r'";
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  if (code < 0x80) return `'${c}'`;
  // Go reads a byte: the first byte of the UTF-8 sequence, printed as that code point.
  const first = new TextEncoder().encode(String.fromCodePoint(text.codePointAt(index) ?? code))[0] ?? 0;
  return `'${String.fromCharCode(first)}'`;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function scanJsonStream(text: string): JsonStreamScan {
  const values: [number, number][] = [];
  let i = 0;
  const fail = (at: number, context: string): never => {
    if (at >= text.length) throw new JsonError(text.length, 'unexpected EOF', false);
    throw new JsonError(at, `invalid character ${quoteChar(text, at)} ${context}`, true);
  };
  const skipSpace = (): void => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  };
  const literal = (word: string): void => {
    for (let k = 1; k < word.length; k++) {
      if (text.charAt(i + k) !== word.charAt(k))
        fail(i + k, `in literal ${word} (expecting '${word.charAt(k)}')`);
    }
    i += word.length;
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail(i, '');
      const code = text.charCodeAt(i);
      if (code === 34) {
        i++;
        return;
      }
      if (code < 0x20) fail(i, 'in string literal');
      if (code === 92) {
        const next = text.charAt(i + 1);
        if (next === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!/[0-9a-fA-F]/.test(text.charAt(i + k))) fail(i + k, 'in \\u hexadecimal character escape');
          }
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(next) || next === '') fail(i + 1, 'in string escape code');
        i += 2;
        continue;
      }
      i++;
    }
  };
  const number = (): void => {
    if (text.charCodeAt(i) === 45) {
      i++;
      if (!isDigit(text.charCodeAt(i))) fail(i, 'in numeric literal');
    }
    if (text.charCodeAt(i) === 48) i++;
    else while (isDigit(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(text.charCodeAt(i))) fail(i, 'after decimal point in numeric literal');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(text.charCodeAt(i))) fail(i, 'in exponent of numeric literal');
      while (isDigit(text.charCodeAt(i))) i++;
    }
  };
  // Iterative over nesting (a deep file must not overflow the stack): a stack of '{' / '['.
  const value = (): void => {
    const stack: number[] = [];
    for (;;) {
      skipSpace();
      const c = text.charCodeAt(i);
      if (c === 123) {
        i++;
        skipSpace();
        if (text.charCodeAt(i) === 125) {
          i++;
        } else {
          if (text.charCodeAt(i) !== 34) fail(i, 'looking for beginning of object key string');
          string();
          skipSpace();
          if (text.charCodeAt(i) !== 58) fail(i, 'after object key');
          i++;
          stack.push(123);
          continue;
        }
      } else if (c === 91) {
        i++;
        skipSpace();
        if (text.charCodeAt(i) === 93) i++;
        else {
          stack.push(91);
          continue;
        }
      } else if (c === 34) string();
      else if (c === 45 || isDigit(c)) number();
      else if (c === 116) literal('true');
      else if (c === 102) literal('false');
      else if (c === 110) literal('null');
      else fail(i, 'looking for beginning of value');
      // A value ended: close or continue the enclosing containers.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return;
        skipSpace();
        const next = text.charCodeAt(i);
        if (top === 123) {
          if (next === 44) {
            i++;
            skipSpace();
            if (text.charCodeAt(i) !== 34) fail(i, 'looking for beginning of object key string');
            string();
            skipSpace();
            if (text.charCodeAt(i) !== 58) fail(i, 'after object key');
            i++;
            break;
          }
          if (next !== 125) fail(i, 'after object key:value pair');
        } else {
          if (next === 44) {
            i++;
            break;
          }
          if (next !== 93) fail(i, 'after array element');
        }
        i++;
        stack.pop();
      }
    }
  };
  try {
    for (;;) {
      skipSpace();
      if (i >= text.length) return { values, error: null };
      const start = i;
      value();
      values.push([start, i]);
    }
  } catch (err) {
    if (!(err instanceof JsonError)) throw err;
    return { values, error: { index: err.index, message: err.text, syntax: err.syntax } };
  }
}

/** Go's SyntaxError.Offset: UTF-8 bytes read up to and including the one at `index`. */
export function goByteOffset(text: string, index: number): number {
  return new TextEncoder().encode(text.slice(0, index)).length + 1;
}
