// A TOML reader for Helm's fromToml (BurntSushi/toml decoding into map[string]interface{}):
// key/value pairs (bare, quoted and dotted keys), [tables], [[arrays of tables]], basic and
// literal strings (multi-line too), integers (int64; hex/octal/binary, underscores), floats,
// booleans, arrays, inline tables; dates and times are kept as their text. Errors read
// `toml: line N: …` as the library words its common ones.
import { GoTyped } from '../gotemplate';
import type { Value } from '../gotemplate';

export class TomlError extends Error {
  override readonly name = 'TomlError';
}

type Table = Map<string, Value>;

class Reader {
  private i = 0;
  private readonly defined = new Set<Table>();
  constructor(private readonly s: string) {}

  private line(): number {
    return this.s.slice(0, this.i).split('\n').length;
  }

  private fail(msg: string): never {
    throw new TomlError(`toml: line ${this.line()}: ${msg}`);
  }

  private spaces(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }

  /** Spaces, comments and newlines. */
  private blank(): void {
    for (;;) {
      this.spaces();
      const c = this.s[this.i];
      if (c === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else if (c === '\n' || c === '\r') this.i++;
      else return;
    }
  }

  private endOfLine(): void {
    this.spaces();
    if (this.s[this.i] === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
    if (this.s[this.i] === '\r') this.i++;
    if (this.i < this.s.length && this.s[this.i] !== '\n')
      this.fail(
        `expected a top-level item to end with a newline, comment, or EOF, but got '${this.s[this.i] ?? ''}' instead`,
      );
    this.i++;
  }

  private keyPart(): string {
    this.spaces();
    const c = this.s[this.i];
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.i));
    if (m === null) {
      if (this.i >= this.s.length) this.fail("unexpected EOF; expected key separator '='");
      this.fail(`bare keys cannot contain '${c ?? ''}'`);
    }
    this.i += m[0].length;
    return m[0];
  }

  private key(): string[] {
    const parts = [this.keyPart()];
    for (;;) {
      this.spaces();
      if (this.s[this.i] !== '.') return parts;
      this.i++;
      parts.push(this.keyPart());
    }
  }

  private basicString(): string {
    if (this.s.startsWith('"""', this.i)) {
      this.i += 3;
      if (this.s[this.i] === '\n') this.i++;
      let out = '';
      for (;;) {
        if (this.i >= this.s.length) this.fail('unexpected EOF');
        if (this.s.startsWith('"""', this.i)) {
          this.i += 3;
          while (this.s[this.i] === '"' && out.length >= 0 && !this.s.startsWith('"""', this.i)) {
            out += '"';
            this.i++;
          }
          return out;
        }
        const c = this.s[this.i++] ?? '';
        if (c === '\\') {
          if (/^[ \t]*\r?\n/.test(this.s.slice(this.i))) {
            while (/[ \t\r\n]/.test(this.s[this.i] ?? '')) this.i++;
            continue;
          }
          out += this.escape();
        } else out += c;
      }
    }
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined || c === '\n') this.fail('unexpected EOF');
      if (c === '"') return out;
      out += c === '\\' ? this.escape() : c;
    }
  }

  private escape(): string {
    const c = this.s[this.i++] ?? '';
    const simple: Record<string, string> = {
      b: '\b',
      t: '\t',
      n: '\n',
      f: '\f',
      r: '\r',
      '"': '"',
      '\\': '\\',
    };
    if (c in simple) return simple[c] ?? '';
    if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8;
      const hex = this.s.slice(this.i, this.i + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) this.fail(`invalid escape: '\\${c}${hex}'`);
      this.i += n;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    this.fail(`invalid escape in string '\\${c}'`);
  }

  private literalString(): string {
    if (this.s.startsWith("'''", this.i)) {
      this.i += 3;
      if (this.s[this.i] === '\n') this.i++;
      const end = this.s.indexOf("'''", this.i);
      if (end < 0) this.fail('unexpected EOF');
      const out = this.s.slice(this.i, end);
      this.i = end + 3;
      return out;
    }
    this.i++;
    const end = this.s.indexOf("'", this.i);
    const nl = this.s.indexOf('\n', this.i);
    if (end < 0 || (nl >= 0 && nl < end)) this.fail('unexpected EOF');
    const out = this.s.slice(this.i, end);
    this.i = end + 1;
    return out;
  }

  private value(depth: number): Value {
    if (depth > 256) this.fail('nesting too deep');
    this.spaces();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected EOF; expected value');
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === '[') {
      this.i++;
      const out: Value[] = [];
      for (;;) {
        this.blank();
        if (this.s[this.i] === ']') {
          this.i++;
          return out;
        }
        out.push(this.value(depth + 1));
        this.blank();
        if (this.s[this.i] === ',') this.i++;
        else if (this.s[this.i] !== ']')
          this.fail(`expected a comma (',') or array terminator (']'), but got '${this.s[this.i] ?? 'EOF'}'`);
      }
    }
    if (c === '{') {
      this.i++;
      const t: Table = new Map();
      this.spaces();
      if (this.s[this.i] === '}') {
        this.i++;
        return t;
      }
      for (;;) {
        const k = this.key();
        this.spaces();
        if (this.s[this.i] !== '=') this.fail("expected key separator '='");
        this.i++;
        this.assign(t, k, this.value(depth + 1));
        this.spaces();
        if (this.s[this.i] === ',') {
          this.i++;
          continue;
        }
        if (this.s[this.i] === '}') {
          this.i++;
          return t;
        }
        this.fail(
          `expected a comma or an inline table terminator '}', but got '${this.s[this.i] ?? 'EOF'}' instead`,
        );
      }
    }
    const m = /^[^\s,\]}#]+/.exec(this.s.slice(this.i));
    const word = m?.[0] ?? '';
    // A date-time may hold one space between date and time.
    const dt = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/.exec(
      this.s.slice(this.i),
    );
    if (dt !== null) {
      this.i += dt[0].length;
      return dt[0];
    }
    this.i += word.length;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (/^[+-]?(inf|nan)$/.test(word))
      return word.includes('nan') ? NaN : word.startsWith('-') ? -Infinity : Infinity;
    const clean = word.replace(/_/g, '');
    if (/^[+-]?(0|[1-9][0-9]*)$/.test(clean)) return new GoTyped('int64', BigInt(clean));
    if (/^0x[0-9a-fA-F]+$/.test(clean)) return new GoTyped('int64', BigInt(clean));
    if (/^0o[0-7]+$/.test(clean)) return new GoTyped('int64', BigInt(clean));
    if (/^0b[01]+$/.test(clean)) return new GoTyped('int64', BigInt(clean));
    if (/^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(clean)) return Number(clean);
    if (/^\d{4}-\d{2}-\d{2}$|^\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(word)) return word;
    this.fail(`invalid value: '${word}'`);
  }

  private assign(t: Table, key: readonly string[], v: Value): void {
    let cur = t;
    for (const k of key.slice(0, -1)) {
      const next = cur.get(k);
      if (next === undefined) {
        const m: Table = new Map();
        cur.set(k, m);
        cur = m;
      } else if (next instanceof Map) cur = next as Table;
      else this.fail(`key '${k}' is not a table`);
    }
    const last = key[key.length - 1] ?? '';
    if (cur.has(last)) this.fail(`Key '${key.join('.')}' has already been defined.`);
    cur.set(last, v);
  }

  private tableAt(root: Table, key: readonly string[], array: boolean): Table {
    let cur = root;
    key.forEach((k, idx) => {
      const lastPart = idx === key.length - 1;
      let next = cur.get(k);
      if (lastPart && array) {
        if (next === undefined) {
          next = [];
          cur.set(k, next);
        }
        if (!Array.isArray(next))
          this.fail(`Key '${key.join('.')}' was already created and cannot be used as an array.`);
        const m: Table = new Map();
        (next as Value[]).push(m);
        cur = m;
        return;
      }
      if (next === undefined) {
        const m: Table = new Map();
        cur.set(k, m);
        cur = m;
      } else if (Array.isArray(next)) {
        const lastItem = (next as Value[])[(next as Value[]).length - 1];
        if (!(lastItem instanceof Map)) this.fail(`Key '${k}' is not a table`);
        cur = lastItem as Table;
      } else if (next instanceof Map) {
        cur = next as Table;
      } else this.fail(`Key '${key.join('.')}' has already been defined.`);
    });
    if (!array) {
      if (this.defined.has(cur)) this.fail(`Key '${key.join('.')}' has already been defined.`);
      this.defined.add(cur);
    }
    return cur;
  }

  parse(): Table {
    const root: Table = new Map();
    let cur = root;
    for (;;) {
      this.blank();
      if (this.i >= this.s.length) return root;
      if (this.s[this.i] === '[') {
        const array = this.s[this.i + 1] === '[';
        this.i += array ? 2 : 1;
        const key = this.key();
        this.spaces();
        if (!this.s.startsWith(array ? ']]' : ']', this.i)) this.fail('unexpected end of table name');
        this.i += array ? 2 : 1;
        cur = this.tableAt(root, key, array);
        this.endOfLine();
        continue;
      }
      const key = this.key();
      this.spaces();
      if (this.i >= this.s.length) this.fail("unexpected EOF; expected key separator '='");
      if (this.s[this.i] !== '=')
        this.fail(`expected key separator '=', but got '${this.s[this.i] ?? ''}' instead`);
      this.i++;
      this.assign(cur, key, this.value(0));
      this.endOfLine();
    }
  }
}

/** toml.Unmarshal into map[string]interface{}. Throws TomlError. */
export function parseToml(text: string): Map<string, Value> {
  return new Reader(text).parse();
}
