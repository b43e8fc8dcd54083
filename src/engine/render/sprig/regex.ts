// Sprig's regex functions (regex.go) with Go's regexp semantics: RE2 syntax and matching by
// re2js, and Go's own loops on top: FindAll's empty-match rule, ReplaceAll's advance rule,
// Expand's `$1` / `${name}` template (a name runs as far as letters, digits and `_` go, so
// `$1x` is the group named "1x"), Split, QuoteMeta. The plain functions panic on a bad
// pattern as MustCompile does; the must* ones return regexp.Compile's error.
import { RE2JS } from 're2js';
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, typedSlice } from '../gotemplate';
import { fn, num } from './convert';
import { isDigit, isLetter } from './unicode';

const S = 'string';

/** A compiled pattern with its group names by index (Go's SubexpNames). */
interface Compiled {
  readonly re: RE2JS;
  readonly names: readonly string[];
  readonly groups: number;
}

/**
 * Go accepts a capture name used twice (`(?P<x>a)|(?P<x>b)`), RE2/re2js do not: later uses
 * are renamed for re2js and mapped back. Escapes and character classes are skipped.
 */
function renameDuplicateGroups(expr: string): { pattern: string; renamed: Map<string, string> } {
  const seen = new Set<string>();
  const renamed = new Map<string, string>();
  let out = '';
  let inClass = false;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '\\') {
      out += expr.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (expr[i + 1] === '^') out += expr[++i];
      if (expr[i + 1] === ']') out += expr[++i];
      continue;
    }
    const m = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(expr.slice(i));
    if (m !== null) {
      let name = m[1]!;
      if (seen.has(name)) {
        const alias = `${name}__dup${renamed.size}`;
        renamed.set(alias, name);
        name = alias;
      }
      seen.add(name);
      out += m[0].replace(m[1]!, name);
      i += m[0].length - 1;
      continue;
    }
    out += c;
  }
  return { pattern: out, renamed };
}

/** regexp.Compile: the error text is regexp/syntax's (`error parsing regexp: …`). */
function compileRegexp(expr: string): Compiled {
  let re: RE2JS;
  let renamed = new Map<string, string>();
  try {
    re = RE2JS.compile(expr);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!message.includes('duplicate capture group name')) throw new FuncError(message);
    const fixed = renameDuplicateGroups(expr);
    renamed = fixed.renamed;
    try {
      re = RE2JS.compile(fixed.pattern);
    } catch {
      throw new FuncError(message);
    }
  }
  const groups = re.groupCount();
  const names: string[] = new Array<string>(groups + 1).fill('');
  for (const [name, idx] of Object.entries(re.namedGroups())) names[idx] = renamed.get(name) ?? name;
  return { re, names, groups };
}

/** Go's regexp quote helper for MustCompile's panic. */
function quoteExpr(s: string): string {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '`' || c === 0x7f || c === 0xfeff || (c < 0x20 && c !== 0x09)) return JSON.stringify(s);
  }
  return '`' + s + '`';
}

/** The match at or after `pos` as Go's []int of group bounds (-1 for unset groups), or null. */
function execAt(c: Compiled, s: string, pos: number): number[] | null {
  const m = c.re.matcher(s);
  if (!m.find(pos)) return null;
  const out: number[] = [];
  for (let g = 0; g <= c.groups; g++) {
    const st = m.start(g);
    out.push(st, st < 0 ? -1 : m.end(g));
  }
  return out;
}

/** Width of the rune at `pos` in UTF-16 units (Go steps one rune after an empty match). */
function runeWidth(s: string, pos: number): number {
  if (pos >= s.length) return 0;
  const c = s.charCodeAt(pos);
  return c >= 0xd800 && c <= 0xdbff && pos + 1 < s.length ? 2 : 1;
}

/** regexp's allMatches: at most n matches (n < 0: all), no empty match right after a match. */
function allMatches(c: Compiled, s: string, n: number): number[][] {
  const out: number[][] = [];
  const limit = n < 0 ? s.length + 1 : n;
  let prevEnd = -1;
  for (let pos = 0; out.length < limit && pos <= s.length;) {
    const m = execAt(c, s, pos);
    if (m === null) break;
    let accept = true;
    if (m[1] === pos) {
      if (m[0] === prevEnd) accept = false;
      const w = runeWidth(s, pos);
      pos = w > 0 ? pos + w : s.length + 1;
    } else pos = m[1]!;
    prevEnd = m[1]!;
    if (accept) out.push(m);
  }
  return out;
}

/** Regexp.ReplaceAllString's loop; `repl` appends the replacement for one match. */
function replaceAll(c: Compiled, src: string, repl: (m: number[]) => string): string {
  let last = 0;
  let search = 0;
  let out = '';
  while (search <= src.length) {
    const a = execAt(c, src, search);
    if (a === null) break;
    out += src.slice(last, a[0]);
    // No replacement for an empty match right after the previous match.
    if (a[1]! > last || a[0] === 0) out += repl(a);
    last = a[1]!;
    const w = runeWidth(src, search);
    if (search + w > a[1]!) search += w;
    else if (search + 1 > a[1]!) search++;
    else search = a[1]!;
  }
  return out + src.slice(last);
}

/** regexp's extract: a `$` reference's name (or number) and the rest of the template. */
function extract(str: string): { name: string; num: number; rest: string } | null {
  if (str === '') return null;
  let brace = false;
  let s = str;
  if (s[0] === '{') {
    brace = true;
    s = s.slice(1);
  }
  let i = 0;
  const runes = [...s];
  let units = 0;
  for (; i < runes.length; i++) {
    const r = runes[i]!;
    if (!isLetter(r) && !isDigit(r) && r !== '_') break;
    units += r.length;
  }
  if (units === 0) return null;
  const name = s.slice(0, units);
  let end = units;
  if (brace) {
    if (end >= s.length || s[end] !== '}') return null;
    end++;
  }
  let n = 0;
  for (const ch of name) {
    if (ch < '0' || ch > '9' || n >= 1e8) {
      n = -1;
      break;
    }
    n = n * 10 + (ch.charCodeAt(0) - 48);
  }
  if (name[0] === '0' && name.length > 1) n = -1;
  return { name, num: n, rest: s.slice(end) };
}

/** Regexp.Expand over a match. */
export function expand(c: Compiled, template: string, src: string, m: readonly number[]): string {
  let out = '';
  let t = template;
  for (;;) {
    const at = t.indexOf('$');
    if (at < 0) break;
    out += t.slice(0, at);
    t = t.slice(at + 1);
    if (t.startsWith('$')) {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const ref = extract(t);
    if (ref === null) {
      out += '$'; // malformed: the $ is text
      continue;
    }
    t = ref.rest;
    if (ref.num >= 0) {
      if (2 * ref.num + 1 < m.length && m[2 * ref.num]! >= 0)
        out += src.slice(m[2 * ref.num], m[2 * ref.num + 1]);
    } else {
      // The first group of that name that took part in the match (names may repeat).
      const i = c.names.findIndex((n, k) => n === ref.name && m[2 * k]! >= 0);
      if (i > 0) out += src.slice(m[2 * i], m[2 * i + 1]);
    }
  }
  return out + t;
}

function split(c: Compiled, s: string, n: number): string[] {
  if (n === 0) return [];
  if (c.re.pattern().length > 0 && s.length === 0) return [''];
  const matches = allMatches(c, s, n);
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of matches) {
    if (n > 0 && out.length === n - 1) break;
    end = m[0]!;
    if (m[1] !== 0) out.push(s.slice(beg, end));
    beg = m[1]!;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

type Op = (c: Compiled, a: Value[]) => Value;

const ops: Readonly<
  Record<
    string,
    { params: readonly ('string' | 'int')[]; result: 'string' | 'bool' | '[]interface {}'; run: Op }
  >
> = {
  regexFindAll: {
    params: [S, S, 'int'],
    result: '[]interface {}',
    run: (c, a) =>
      typedSlice(
        'string',
        allMatches(c, a[1] as string, num(a[2])).map((m) => (a[1] as string).slice(m[0], m[1])),
      ),
  },
  regexFind: {
    params: [S, S],
    result: S,
    run: (c, a) => {
      const m = execAt(c, a[1] as string, 0);
      return m === null ? '' : (a[1] as string).slice(m[0], m[1]);
    },
  },
  regexReplaceAll: {
    params: [S, S, S],
    result: S,
    run: (c, a) => replaceAll(c, a[1] as string, (m) => expand(c, a[2] as string, a[1] as string, m)),
  },
  regexReplaceAllLiteral: {
    params: [S, S, S],
    result: S,
    run: (c, a) => replaceAll(c, a[1] as string, () => a[2] as string),
  },
  regexSplit: {
    params: [S, S, 'int'],
    result: '[]interface {}',
    run: (c, a) => split(c, a[1] as string, num(a[2])),
  },
};

export function regexFunctions(): Map<string, GoFunc> {
  // Patterns compiled once per function map (a chart's templates repeat the same few).
  const compiled = new Map<string, Compiled>();
  const compile = (expr: string): Compiled => {
    let c = compiled.get(expr);
    if (c === undefined) {
      c = compileRegexp(expr);
      if (compiled.size >= 512) compiled.clear();
      compiled.set(expr, c);
    }
    return c;
  };
  const mustCompile = (expr: string): Compiled => {
    try {
      return compile(expr);
    } catch (e) {
      throw new FuncError(`regexp: Compile(${quoteExpr(expr)}): ${(e as Error).message}`);
    }
  };
  const out = new Map<string, GoFunc>();
  for (const [name, op] of Object.entries(ops)) {
    out.set(
      name,
      fn(op.params, op.result, (a) => op.run(mustCompile(a[0] as string), a)),
    );
    const must = 'must' + name[0]!.toUpperCase() + name.slice(1);
    out.set(
      must,
      fn(op.params, op.result, (a) => op.run(compile(a[0] as string), a)),
    );
  }
  out.set(
    'regexMatch',
    fn([S, S], 'bool', (a) => {
      try {
        return compile(a[0] as string).re.test(a[1] as string);
      } catch {
        return false;
      }
    }),
  );
  out.set(
    'mustRegexMatch',
    fn([S, S], 'bool', (a) => compile(a[0] as string).re.test(a[1] as string)),
  );
  out.set(
    'regexQuoteMeta',
    fn([S], S, (a) => quoteMeta(a[0] as string)),
  );
  return out;
}
