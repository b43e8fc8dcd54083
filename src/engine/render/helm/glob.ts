// gobwas/glob with '/' as the separator, as .Files.Glob compiles its pattern: `*` and `?`
// stay within a path segment, `**` crosses them, `[a-z]` / `[!a-z]` classes, `{a,b}`
// alternatives, `\` escapes.
function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** The pattern as an anchored RegExp, or undefined when gobwas/glob would refuse it. */
export function globRegExp(pattern: string): RegExp | undefined {
  let i = 0;
  const parse = (inAlt: boolean): string | undefined => {
    let re = '';
    while (i < pattern.length) {
      const c = pattern[i] ?? '';
      if (inAlt && (c === ',' || c === '}')) return re;
      i++;
      if (c === '*') {
        if (pattern[i] === '*') {
          i++;
          re += '.*';
        } else re += '[^/]*';
      } else if (c === '?') re += '[^/]';
      else if (c === '\\') {
        if (i >= pattern.length) return undefined;
        re += escapeRe(pattern[i++] ?? '');
      } else if (c === '[') {
        let cls = '';
        let neg = false;
        if (pattern[i] === '!') {
          neg = true;
          i++;
        }
        while (i < pattern.length && pattern[i] !== ']') {
          const ch = pattern[i++] ?? '';
          if (ch === '-' && cls !== '' && pattern[i] !== ']') cls += '-';
          else cls += escapeRe(ch);
        }
        if (i >= pattern.length || cls === '') return undefined;
        i++;
        re += neg ? `[^${cls}]` : `[${cls}]`;
      } else if (c === '{') {
        const alts: string[] = [];
        for (;;) {
          const a = parse(true);
          if (a === undefined) return undefined;
          alts.push(a);
          const d = pattern[i++];
          if (d === '}') break;
          if (d !== ',') return undefined;
        }
        re += `(?:${alts.join('|')})`;
      } else re += escapeRe(c);
    }
    return inAlt ? undefined : re;
  };
  const body = parse(false);
  if (body === undefined) return undefined;
  try {
    return new RegExp(`^${body}$`, 'su');
  } catch {
    return undefined;
  }
}
