// huandu/xstrings v1.5 word casing as Sprig v3 uses it: snakecase (ToSnakeCase), kebabcase
// (ToKebabCase), camelcase (ToPascalCase), and goutils' SwapCase, Uncapitalize, Initials.
import {
  isLetter,
  isLower,
  isNumber,
  isPunct,
  isSpace,
  isTitle,
  isUpper,
  toLower,
  toTitle,
  toUpper,
} from './unicode';

const enum Word {
  Invalid,
  Number,
  UpperCase,
  Alphabet,
  Connector,
  Punct,
  Other,
}

function isConnector(r: string): boolean {
  return r === '-' || r === '_' || isSpace(r);
}

/** xstrings' isAlphabet: a letter that is not a CJK ideograph. */
function isAlphabet(r: string): boolean {
  if (!isLetter(r)) return false;
  const c = r.codePointAt(0)!;
  if (c < 0x3400) return true;
  if (c >= 0x4e00 && c <= 0x9fcc) return false;
  if (c >= 0x3400 && c <= 0x4d85) return false;
  if (c >= 0x20000 && c <= 0x2b81d) return false;
  return true;
}

/** One word from rs[pos:]: its type and the end index. */
function nextWord(rs: readonly string[], pos: number): [Word, number] {
  const n = rs.length;
  if (pos >= n) return [Word.Invalid, pos];
  const r0 = rs[pos]!;
  let end = pos + 1;
  const run = (keep: (r: string) => boolean): void => {
    while (end < n && keep(rs[end]!)) end++;
  };
  if (isConnector(r0)) {
    run(isConnector);
    return [Word.Connector, end];
  }
  if (isPunct(r0)) {
    run(isPunct);
    return [Word.Punct, end];
  }
  if (isUpper(r0)) {
    if (end >= n) return [Word.UpperCase, end];
    const r = rs[end]!;
    if (isUpper(r)) {
      end++;
      run(isUpper);
      // "HTTPStatus" splits into "HTTP" and "Status".
      if (end < n && isAlphabet(rs[end]!)) end--;
    } else if (isAlphabet(r)) {
      end++;
      run((c) => isAlphabet(c) && !isUpper(c));
    }
    return [Word.UpperCase, end];
  }
  if (isAlphabet(r0)) {
    run((c) => isAlphabet(c) && !isUpper(c));
    return [Word.Alphabet, end];
  }
  if (isNumber(r0)) {
    run(isNumber);
    return [Word.Number, end];
  }
  run((c) => !(isConnector(c) || isAlphabet(c) || isNumber(c) || isPunct(c)));
  return [Word.Other, end];
}

function camelCaseToLowerCase(str: string, connector: string): string {
  if (str === '') return '';
  const rs = [...str];
  const n = rs.length;
  let out = '';
  const lower = (wt: Word, from: number, to: number): void => {
    const word = rs.slice(from, to);
    if (wt !== Word.UpperCase && wt !== Word.Connector) {
      out += word.join('');
      return;
    }
    for (const r of word) out += isConnector(r) ? connector : isUpper(r) ? toLower(r) : r;
  };
  let start = 0;
  let [wt, end] = nextWord(rs, 0);
  while (end < n) {
    if (wt !== Word.Connector) lower(wt, start, end);
    const prev = wt;
    const lastStart = start;
    const lastEnd = end;
    start = end;
    [wt, end] = nextWord(rs, end);
    switch (prev) {
      case Word.Number:
        while (wt === Word.Alphabet || wt === Word.Number) {
          lower(wt, start, end);
          start = end;
          [wt, end] = nextWord(rs, end);
        }
        if (wt !== Word.Invalid && wt !== Word.Punct && wt !== Word.Connector) out += connector;
        break;
      case Word.Connector:
        lower(prev, lastStart, lastEnd);
        break;
      case Word.Punct:
        break;
      default: {
        if (wt !== Word.Number) {
          if (wt !== Word.Connector && wt !== Word.Punct) out += connector;
          break;
        }
        if (end >= n) break;
        const numStart = start;
        const numEnd = end;
        start = end;
        [wt, end] = nextWord(rs, end);
        // A number joins the previous word ("Bld4Floor" → "bld4_floor").
        if (wt !== Word.Alphabet) {
          lower(Word.Number, numStart, numEnd);
          if (wt !== Word.Connector && wt !== Word.Punct) out += connector;
          break;
        }
        // Lower case letters after a number start a new word ("HTTP2xx" → "http_2xx").
        out += connector;
        lower(Word.Number, numStart, numEnd);
        while (wt === Word.Alphabet || wt === Word.Number) {
          lower(wt, start, end);
          start = end;
          [wt, end] = nextWord(rs, end);
        }
        if (wt !== Word.Invalid && wt !== Word.Connector && wt !== Word.Punct) out += connector;
      }
    }
  }
  lower(wt, start, end);
  return out;
}

export const toSnakeCase = (s: string): string => camelCaseToLowerCase(s, '_');
export const toKebabCase = (s: string): string => camelCaseToLowerCase(s, '-');

/** xstrings.ToPascalCase: words joined by space, underscore or hyphen, each capitalised. */
export function toPascalCase(str: string): string {
  if (str === '') return '';
  const rs = [...str];
  let out = '';
  let i = 0;
  let r0 = '';
  // Leading connectors stay.
  while (i < rs.length) {
    r0 = rs[i++]!;
    if (!isConnector(r0)) {
      r0 = toUpper(r0);
      break;
    }
    out += r0;
  }
  // A single rune, or only connectors (Go writes the last one twice then).
  if (i >= rs.length) return out + r0;
  while (i < rs.length) {
    const r1 = r0;
    r0 = rs[i++]!;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) r0 = toUpper(r0);
    else out += r1;
  }
  return out + r0;
}

/** goutils.SwapCase: lower after whitespace becomes title case, other lower upper, upper lower. */
export function swapCase(str: string): string {
  let whitespace = true;
  let out = '';
  for (const ch of str) {
    if (isUpper(ch) || isTitle(ch)) {
      out += toLower(ch);
      whitespace = false;
    } else if (isLower(ch)) {
      out += whitespace ? toTitle(ch) : toUpper(ch);
      whitespace = false;
    } else {
      out += ch;
      whitespace = isSpace(ch);
    }
  }
  return out;
}

/** goutils.Uncapitalize: the first letter of each whitespace-separated word to lower case. */
export function uncapitalize(str: string): string {
  let next = true;
  let out = '';
  for (const ch of str) {
    if (isSpace(ch)) {
      next = true;
      out += ch;
    } else if (next) {
      out += toLower(ch);
      next = false;
    } else out += ch;
  }
  return out;
}

/** strings.Title: the first letter of each word (Go's isSeparator) to title case. */
export function title(str: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of str) {
    out += isSeparator(prev) ? toTitle(ch) : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(r: string): boolean {
  const c = r.codePointAt(0)!;
  if (c <= 0x7f) {
    if (/[0-9a-zA-Z_]/.test(r)) return false;
    return true;
  }
  if (isLetter(r) || /^\p{Nd}$/u.test(r)) return false;
  return isSpace(r);
}
