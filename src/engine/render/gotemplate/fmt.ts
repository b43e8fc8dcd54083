// Go's fmt (Sprint, Sprintln, Sprintf) over the template value model: %v of maps
// (`map[a:1 b:2]`, sorted keys) and slices (`[1 2]`), `<nil>`, the verbs and flags Helm
// templates use, and fmt's in-band errors (`%!d(string=x)`, `%!d(MISSING)`, `%!(EXTRA …)`).
import { formatFloat } from './floatFormat';
import { goQuote, isPrintable } from './lex';
import type { Value } from './value';
import {
  GoObject,
  GoStruct,
  GoTyped,
  basicKind,
  floatOf,
  intOf,
  isGoFunc,
  sortedKeys,
  typeName,
} from './value';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid?: number;
  prec?: number;
}

const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, f: Flags): string {
  if (f.wid === undefined) return s;
  const width = f.wid - runeCount(s);
  if (width <= 0) return s;
  if (f.minus) return s + ' '.repeat(width);
  return (f.zero ? '0' : ' ').repeat(width) + s;
}

function isStringValue(v: Value): v is string {
  return typeof v === 'string';
}

/** fmt.Sprint. */
export function sprint(args: readonly Value[]): string {
  let out = '';
  let prevString = false;
  args.forEach((a, i) => {
    const isStr = isStringValue(a);
    if (i > 0 && !isStr && !prevString) out += ' ';
    out += formatValue(a, 'v', NO_FLAGS);
    prevString = isStr;
  });
  return out;
}

/** fmt.Sprintln. */
export function sprintln(args: readonly Value[]): string {
  return args.map((a) => formatValue(a, 'v', NO_FLAGS)).join(' ') + '\n';
}

/** The %v text of one value (what the executor prints for an action). */
export function formatV(v: Value): string {
  return formatValue(v, 'v', NO_FLAGS);
}

function badVerb(verb: string, v: Value): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v, 'v', NO_FLAGS)})`;
}

function formatValue(v: Value, verb: string, f: Flags): string {
  if (verb === 'T') return pad(typeName(v), f);
  if (v === null || v === undefined) {
    return verb === 'v' ? pad('<nil>', f) : badVerb(verb, v);
  }
  if (Array.isArray(v)) {
    const items = (v as readonly Value[]).map((e) => formatValue(e, verb, f));
    return `[${items.join(' ')}]`;
  }
  if (v instanceof GoStruct) {
    if (v.stringer !== undefined) return formatString(v.stringer(), verb, f);
    if (v.isStruct) return `{${[...v.values()].map((e) => formatValue(e, verb, f)).join(' ')}}`;
  }
  if (v instanceof Map) {
    const m = v as ReadonlyMap<string, Value>;
    const parts = sortedKeys(m).map((k) => `${formatValue(k, verb, f)}:${formatValue(m.get(k), verb, f)}`);
    return `map[${parts.join(' ')}]`;
  }
  if (isGoFunc(v)) return verb === 'v' || verb === 'p' ? pad('0xc000000000', f) : badVerb(verb, v);
  // A named type prints through its String method, as fmt does for a Stringer.
  if (v instanceof GoObject) return formatString(v.text, verb, f);
  switch (basicKind(v)) {
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(v ? 'true' : 'false', f) : badVerb(verb, v);
    case 'int':
    case 'uint':
      return formatInteger(intOf(v), verb, f, v);
    case 'float':
      return formatFloatVerb(floatOf(v), verb, f, v);
    case 'string':
      return formatString(v as string, verb, f);
    default:
      return badVerb(verb, v);
  }
}

/** strconv.CanBackquote: no backquote, no control characters other than tab. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '`' || c === 0x7f || c === 0xfeff || (c < 0x20 && c !== 0x09)) return false;
  }
  return true;
}

function formatString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(f.prec !== undefined ? [...s].slice(0, f.prec).join('') : s, f);
    case 'q':
      if (f.sharp && canBackquote(s)) return pad('`' + s + '`', f);
      return pad(goQuote(f.prec !== undefined ? [...s].slice(0, f.prec).join('') : s, f.plus), f);
    case 'x':
    case 'X': {
      const all = new TextEncoder().encode(s);
      const bytes = f.prec !== undefined ? all.slice(0, f.prec) : all;
      const digits = verb === 'x' ? '0123456789abcdef' : '0123456789ABCDEF';
      // With # the 0x prefix leads each byte when spaced (% x), else the whole run once.
      const prefix = f.sharp ? (verb === 'x' ? '0x' : '0X') : '';
      const parts: string[] = [];
      for (const b of bytes) parts.push(digits[b >> 4]! + digits[b & 15]!);
      if (parts.length === 0) return pad('', f);
      return pad(f.space ? parts.map((h) => prefix + h).join(' ') : prefix + parts.join(''), f);
    }
    default:
      return badVerb(verb, s);
  }
}

function formatInteger(n: bigint, verb: string, f: Flags, original: Value): string {
  const unsigned = original instanceof GoTyped && original.kind.startsWith('u');
  switch (verb) {
    case 'v':
    case 'd':
      return fmtInteger(n, 10, f, verb, unsigned);
    case 'b':
      return fmtInteger(n, 2, f, verb, unsigned);
    case 'o':
    case 'O':
      return fmtInteger(n, 8, f, verb, unsigned);
    case 'x':
    case 'X':
      return fmtInteger(n, 16, f, verb, unsigned);
    case 'c':
      return pad(runeText(n), f);
    case 'q':
      // Go formats the value as uint64 first: a negative or too large rune is a bad verb.
      if (n < 0n || n > 0x10ffffn) return badVerb(verb, original);
      return pad(quoteRune(n, f.plus), f);
    case 'U': {
      const u = n < 0n ? n + 2n ** 64n : n;
      let s =
        'U+' +
        u
          .toString(16)
          .toUpperCase()
          .padStart(Math.max(f.prec ?? 4, 4), '0');
      if (f.sharp && u <= 0x10ffffn && isPrintable(Number(u))) s += ` '${String.fromCodePoint(Number(u))}'`;
      return pad(s, f);
    }
    default:
      return badVerb(verb, original);
  }
}

function validRune(n: bigint): boolean {
  return n >= 0n && n <= 0x10ffffn && !(n >= 0xd800n && n < 0xe000n);
}

function runeText(n: bigint): string {
  return validRune(n) ? String.fromCodePoint(Number(n)) : '\ufffd';
}

function quoteRune(n: bigint, ascii: boolean): string {
  const r = validRune(n) ? Number(n) : 0xfffd;
  if (r === 0x27) return "'\\''";
  if (r === 0x22) return `'"'`;
  const q = goQuote(String.fromCodePoint(r), ascii);
  return `'${q.slice(1, -1)}'`;
}

function fmtInteger(n: bigint, base: number, f: Flags, verb: string, _unsigned: boolean): string {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  if (f.prec === 0 && n === 0n) return pad('', { ...f, zero: false });
  let digits = abs.toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = 0;
  if (f.prec !== undefined) prec = f.prec;
  else if (f.zero && f.wid !== undefined && !f.minus) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  if (negative) digits = '-' + digits;
  else if (f.plus) digits = '+' + digits;
  else if (f.space) digits = ' ' + digits;
  return pad(digits, { ...f, zero: false });
}

function formatFloatVerb(x: number, verb: string, f: Flags, original: Value): string {
  switch (verb) {
    case 'v':
      return fmtFloat(x, 'g', f.prec ?? -1, f);
    case 'g':
    case 'G':
      return fmtFloat(x, verb, f.prec ?? -1, f);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      return fmtFloat(x, verb, f.prec ?? 6, f);
    default:
      return badVerb(verb, original);
  }
}

function fmtFloat(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number, f: Flags): string {
  const p = verb === 'g' || verb === 'G' ? (f.prec ?? prec) : prec;
  let num = formatFloat(x, verb, p);
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.sharp && num[1] !== 'I' && num[1] !== 'N') num = sharpFloat(num, verb, p);
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, { ...f, zero: false });
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.wid !== undefined && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

/**
 * The # flag on floats: always a decimal point, and for %g the trailing zeros up to the
 * precision (6 when none is given). `num` carries its sign first.
 */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = verb === 'g' || verb === 'G' ? (prec < 0 ? 6 : prec) : 0;
  let tail = '';
  const e = num.search(/[eE]/);
  let body = num;
  if (e >= 0) {
    tail = num.slice(e);
    body = num.slice(0, e);
  }
  let sawNonzero = false;
  for (const c of body.slice(1)) {
    if (c === '.') continue;
    if (c !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!body.includes('.')) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  if (digits > 0) body += '0'.repeat(digits);
  return body + tail;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly Value[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const end = format.length;
  while (i < end) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    // argument index, width
    let badIndex = false;
    const takeIndex = (): void => {
      if (format[i] !== '[') return;
      reordered = true;
      const close = format.indexOf(']', i);
      const n = close < 0 ? NaN : Number(format.slice(i + 1, close));
      if (!Number.isInteger(n) || n < 1 || n > args.length) {
        badIndex = true;
        i = close < 0 ? end : close + 1;
        return;
      }
      argNum = n - 1;
      i = close + 1;
    };
    takeIndex();
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'bigint' || (w instanceof GoTyped && typeof w.value === 'bigint')) {
        let wv = Number(intOf(w));
        if (wv < 0) {
          f.minus = true;
          f.zero = false;
          wv = -wv;
        }
        f.wid = wv;
      } else out += '%!(BADWIDTH)';
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        f.wid = Number(m[0]);
        i += m[0].length;
        if (f.wid > 1e6) i = end; // Go's tooLarge: no verb
      }
    }
    if (format[i] === '.' && i + 1 < end) {
      i++;
      takeIndex();
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'bigint' && p >= 0n) f.prec = Number(p);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
        if (f.prec > 1e6) i = end;
      }
    }
    takeIndex();
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (badIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++];
    out += verb === 'w' ? formatValue(arg, 'v', f) : formatValue(arg, verb, f);
  }
  if (!reordered && argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatV(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
