// Go literal syntax the parser needs: strconv.Unquote / UnquoteChar for string and character
// constants, ParseInt / ParseUint with base 0 and ParseFloat (decimal and hex, with `_`).

/** strconv.Unquote for "…", `…` and '…'; returns null on invalid syntax. */
export function unquote(q: string): string | null {
  if (q.length < 2) return null;
  const quote = q[0];
  if (quote !== q[q.length - 1]) return null;
  const body = q.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) return null;
    return body.replaceAll('\r', '');
  }
  if (quote !== '"' && quote !== "'") return null;
  let out = '';
  let i = 0;
  let count = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === quote || c === '\n') return null;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      out += String.fromCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      count++;
      continue;
    }
    const r = unescape(body, i + 1, quote);
    if (r === null) return null;
    out += r.text;
    i = r.next;
    count++;
  }
  if (quote === "'" && count !== 1) return null;
  return out;
}

function unescape(s: string, at: number, quote: string): { text: string; next: number } | null {
  const c = s[at];
  const simple: Record<string, string> = {
    a: '\x07',
    b: '\b',
    f: '\f',
    n: '\n',
    r: '\r',
    t: '\t',
    v: '\v',
    '\\': '\\',
  };
  if (c === undefined) return null;
  if (c in simple) return { text: simple[c]!, next: at + 1 };
  if (c === quote) return { text: c, next: at + 1 };
  const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const digits = s.slice(at + 1, at + 1 + hexLen);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) return null;
    const v = parseInt(digits, 16);
    if (c !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))) return null;
    return { text: String.fromCodePoint(v), next: at + 1 + hexLen };
  }
  if (c >= '0' && c <= '7') {
    const digits = s.slice(at, at + 3);
    if (!/^[0-7]{3}$/.test(digits)) return null;
    const v = parseInt(digits, 8);
    if (v > 255) return null;
    return { text: String.fromCodePoint(v), next: at + 3 };
  }
  return null;
}

/** Go's underscoreOK: `_` only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt(s, 0, 64) / ParseUint: the value, or null if invalid or out of range. */
export function parseGoInteger(text: string, unsigned: boolean): bigint | null {
  let s = text;
  let neg = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    if (unsigned) return null;
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') return null;
  let base = 10;
  let digits = s;
  if (s.length > 1 && s[0] === '0') {
    const p = s[1]!.toLowerCase();
    if (p === 'x') [base, digits] = [16, s.slice(2)];
    else if (p === 'b') [base, digits] = [2, s.slice(2)];
    else if (p === 'o') [base, digits] = [8, s.slice(2)];
    else [base, digits] = [8, s.slice(1)];
  }
  if (s.includes('_') && !underscoreOK(s)) return null;
  digits = digits.replaceAll('_', '');
  if (digits === '') return null;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[
    base as 2 | 8 | 10 | 16
  ];
  if (!valid.test(digits)) return null;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  let v = BigInt(prefix + digits);
  if (neg) v = -v;
  if (unsigned) return v <= 0xffffffffffffffffn ? v : null;
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
}

/** strconv.ParseFloat(s, 64) for the syntax the lexer admits; null if invalid. */
export function parseGoFloat(text: string): number | null {
  let s = text;
  if (s.includes('_')) {
    if (!underscoreOK(s)) return null;
    s = s.replaceAll('_', '');
  }
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  if (hex) {
    const intPart = hex[1] ?? '';
    const frac = hex[2] ?? '';
    if (intPart === '' && frac === '') return null;
    const mant = BigInt('0x' + (intPart + frac || '0'));
    const exp = Number(hex[3]) - 4 * frac.length;
    return sign * Number(mant) * 2 ** exp;
  }
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) {
    if (/^(inf|infinity)$/i.test(s)) return sign * Infinity;
    if (/^nan$/i.test(s)) return NaN;
    return null;
  }
  return sign * Number(s);
}
