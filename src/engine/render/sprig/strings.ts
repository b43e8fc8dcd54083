// Sprig's string functions (strings.go and the strings entries of functions.go), with Go's
// byte-oriented slicing where Sprig slices bytes (trunc, substr, abbrev) and goutils' byte
// loops (nospace, initials, wrap) reproduced on UTF-8 bytes.
import type { GoFunc, TypedMap, TypedSlice, Value } from '../gotemplate';
import { FuncError, formatV, sprintf, typedSlice } from '../gotemplate';
import { swapCase, title, toKebabCase, toPascalCase, toSnakeCase, uncapitalize } from './casing';
import { byteSlice, fn, fromUtf8, goInt, num, repeat, stringMap, strval, utf8 } from './convert';
import { isSpace, lowerString, trimCutset, trimSpace, upperString } from './unicode';

/** strslice: a list's non-nil elements as strings; a single value as a one-element list. */
export function strslice(v: Value): string[] {
  if (Array.isArray(v))
    return (v as readonly Value[]).filter((e) => e !== null && e !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

/** A Go []string result. */
export const stringSlice = (items: Iterable<string>): TypedSlice => typedSlice('string', items);

/** goutils.AbbreviateFull over bytes. */
function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  const len = utf8(str).length;
  if (str === '') return '';
  if (maxWidth < 4) return '';
  if (len <= maxWidth) return str;
  if (offset > len) offset = len;
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  const marker = '...';
  if (offset <= 4) return byteSlice(str, 0, maxWidth - 3) + marker;
  if (maxWidth < 7) return '';
  if (offset + maxWidth - 3 < len) return marker + abbreviateFull(byteSlice(str, offset), 0, maxWidth - 3);
  return marker + byteSlice(str, len - (maxWidth - 3));
}

/** goutils.WrapCustom over bytes. */
export function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLongWords: boolean): string {
  if (str === '') return '';
  if (newLine === '') newLine = '\n';
  if (wrapLength < 1) wrapLength = 1;
  const b = utf8(str);
  const len = b.length;
  const sp = 0x20;
  const lastSpace = (from: number, to: number): number => {
    for (let i = Math.min(to, len) - 1; i >= from; i--) if (b[i] === sp) return i - from;
    return -1;
  };
  const part = (from: number, to: number): string => fromUtf8(b.subarray(from, to));
  let offset = 0;
  let out = '';
  while (len - offset > wrapLength) {
    if (b[offset] === sp) {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    if (end > len)
      throw new FuncError(`runtime error: slice bounds out of range [:${end}] with length ${len}`);
    const at = lastSpace(offset, end) + offset;
    if (at >= offset) {
      out += part(offset, at) + newLine;
      offset = at + 1;
    } else if (wrapLongWords) {
      out += part(offset, wrapLength + offset) + newLine;
      offset += wrapLength;
    } else {
      const e = wrapLength + offset;
      let index = -1;
      for (let i = e; i < len; i++)
        if (b[i] === sp) {
          index = i - e;
          break;
        }
      if (index === -1) {
        out += part(offset, len);
        offset = len;
      } else {
        out += part(offset, index + e) + newLine;
        offset = index + e + 1;
      }
    }
  }
  return out + part(offset, len);
}

/** Bytes read as Latin-1 runes, as goutils' `rune(str[i])` loops write them. */
function latin1(bytes: Iterable<number>): string {
  let s = '';
  for (const c of bytes) s += String.fromCharCode(c);
  return s;
}

function deleteWhiteSpace(str: string): string {
  const b = utf8(str);
  const kept = [...b].filter((c) => !isSpace(String.fromCharCode(c)));
  return kept.length === b.length ? str : latin1(kept);
}

function initials(str: string): string {
  let out: number[] = [];
  let gap = true;
  for (const c of utf8(str)) {
    if (isSpace(String.fromCharCode(c))) gap = true;
    else if (gap) {
      out = [...out, c];
      gap = false;
    }
  }
  return latin1(out);
}

function trunc(c: number, s: string): string {
  const len = utf8(s).length;
  if (c < 0 && len + c > 0) return byteSlice(s, len + c);
  if (c >= 0 && len > c) return byteSlice(s, 0, c);
  return s;
}

function substring(start: number, end: number, s: string): string {
  if (start < 0) return byteSlice(s, 0, end);
  if (end < 0 || end > utf8(s).length) return byteSlice(s, start);
  return byteSlice(s, start, end);
}

/** strings.Split / SplitN (n < 0: all; n == 0: none). */
export function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = [...s];
    if (n < 0 || n >= runes.length) return runes;
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function indexedMap(parts: readonly string[]): TypedMap {
  return stringMap(parts.map((p, i) => [`_${i}`, p] as const));
}

/** strconv.Atoi with the error dropped. */
function atoi(s: string): bigint {
  const m = /^[+-]?\d+$/.exec(s);
  if (m === null) return 0n;
  const n = BigInt(s);
  return n > 2n ** 63n - 1n || n < -(2n ** 63n) ? 0n : n;
}

function quote(args: Value[]): string {
  return args
    .filter((a) => a !== null && a !== undefined)
    .map((a) => sprintf('%q', [strval(a)]))
    .join(' ');
}

function squote(args: Value[]): string {
  return args
    .filter((a) => a !== null && a !== undefined)
    .map((a) => `'${formatV(a)}'`)
    .join(' ');
}

function cat(args: Value[]): string {
  return args
    .filter((a) => a !== null && a !== undefined)
    .map((a) => formatV(a))
    .join(' ');
}

function indent(spaces: number, v: string): string {
  const pad = repeat(' ', spaces);
  return pad + v.split('\n').join('\n' + pad);
}

/** strings.Replace(s, old, new, -1): an empty old inserts new around every rune. */
function replaceAll(s: string, old: string, repl: string): string {
  if (old === '') return repl + [...s].join(repl) + (s === '' ? '' : repl);
  return s.split(old).join(repl);
}

const S = 'string';

export function stringFunctions(): Map<string, GoFunc> {
  const two = (f: (a: string, b: string) => Value): GoFunc =>
    fn([S, S], S, (a) => f(a[0] as string, a[1] as string));
  return new Map<string, GoFunc>([
    [
      'abbrev',
      fn(['int', S], S, (a) => (num(a[0]) < 4 ? a[1] : abbreviateFull(a[1] as string, 0, num(a[0])))),
    ],
    [
      'abbrevboth',
      fn(['int', 'int', S], S, (a) => {
        const left = num(a[0]);
        const right = num(a[1]);
        const s = a[2] as string;
        if (right < 4 || (left > 0 && right < 7)) return s;
        return abbreviateFull(s, left, right);
      }),
    ],
    ['trunc', fn(['int', S], S, (a) => trunc(num(a[0]), a[1] as string))],
    ['trim', fn([S], S, (a) => trimSpace(a[0] as string))],
    ['upper', fn([S], S, (a) => upperString(a[0] as string))],
    ['lower', fn([S], S, (a) => lowerString(a[0] as string))],
    ['title', fn([S], S, (a) => title(a[0] as string))],
    ['untitle', fn([S], S, (a) => uncapitalize(a[0] as string))],
    ['substr', fn(['int', 'int', S], S, (a) => substring(num(a[0]), num(a[1]), a[2] as string))],
    ['repeat', fn(['int', S], S, (a) => repeat(a[1] as string, num(a[0])))],
    ['trimall', two((c, s) => trimCutset(s, c))],
    ['trimAll', two((c, s) => trimCutset(s, c))],
    ['trimSuffix', two((x, s) => (x !== '' && s.endsWith(x) ? s.slice(0, s.length - x.length) : s))],
    ['trimPrefix', two((x, s) => (x !== '' && s.startsWith(x) ? s.slice(x.length) : s))],
    ['nospace', fn([S], S, (a) => deleteWhiteSpace(a[0] as string))],
    ['initials', fn([S], S, (a) => initials(a[0] as string))],
    ['swapcase', fn([S], S, (a) => swapCase(a[0] as string))],
    ['snakecase', fn([S], S, (a) => toSnakeCase(a[0] as string))],
    ['camelcase', fn([S], S, (a) => toPascalCase(a[0] as string))],
    ['kebabcase', fn([S], S, (a) => toKebabCase(a[0] as string))],
    ['wrap', fn(['int', S], S, (a) => wrapCustom(a[1] as string, num(a[0]), '', false))],
    ['wrapWith', fn(['int', S, S], S, (a) => wrapCustom(a[2] as string, num(a[0]), a[1] as string, true))],
    ['contains', fn([S, S], 'bool', (a) => (a[1] as string).includes(a[0] as string))],
    ['hasPrefix', fn([S, S], 'bool', (a) => (a[1] as string).startsWith(a[0] as string))],
    ['hasSuffix', fn([S, S], 'bool', (a) => (a[1] as string).endsWith(a[0] as string))],
    ['quote', fn([], S, quote, 'interface {}')],
    ['squote', fn([], S, squote, 'interface {}')],
    ['cat', fn([], S, cat, 'interface {}')],
    ['indent', fn(['int', S], S, (a) => indent(num(a[0]), a[1] as string))],
    ['nindent', fn(['int', S], S, (a) => '\n' + indent(num(a[0]), a[1] as string))],
    ['replace', fn([S, S, S], S, (a) => replaceAll(a[2] as string, a[0] as string, a[1] as string))],
    ['plural', fn([S, S, 'int'], S, (a) => ((a[2] as bigint) === 1n ? a[0] : a[1]))],
    ['toString', fn(['interface {}'], S, (a) => strval(a[0]))],
    ['atoi', fn([S], 'int', (a) => goInt(atoi(a[0] as string)))],
    [
      'split',
      fn([S, S], 'map[string]interface {}', (a) => indexedMap(goSplit(a[1] as string, a[0] as string))),
    ],
    ['splitList', fn([S, S], '[]interface {}', (a) => stringSlice(goSplit(a[1] as string, a[0] as string)))],
    [
      'splitn',
      fn([S, 'int', S], 'map[string]interface {}', (a) =>
        indexedMap(goSplit(a[2] as string, a[0] as string, num(a[1]))),
      ),
    ],
    ['toStrings', fn(['interface {}'], '[]interface {}', (a) => stringSlice(strslice(a[0])))],
    ['join', fn([S, 'interface {}'], S, (a) => strslice(a[1]).join(a[0] as string))],
  ]);
}
