// .helmignore rules (pkg/ignore/rules.go): one filepath.Match pattern a line, `!` negates,
// a trailing `/` matches directories only, a leading `/` or an inner `/` matches the whole
// path, otherwise the base name; `**` is refused; the default rule hides `templates/.?*`.
export class IgnoreRuleError extends Error {
  override readonly name = 'IgnoreRuleError';
}

/** Go's path.Match pattern as a RegExp (`*` and `?` never match `/`), or undefined if malformed. */
export function goMatchRegExp(pattern: string): RegExp | undefined {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= pattern.length) return undefined;
      re += escapeOutsideClass(pattern[i] ?? '');
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      for (; j < pattern.length && (pattern[j] !== ']' || first); j++) {
        first = false;
        let ch = pattern[j] ?? '';
        if (ch === '\\') {
          j++;
          ch = pattern[j] ?? '';
          if (ch === '') return undefined;
        }
        if (ch === '-' && cls !== '' && cls !== '^' && pattern[j + 1] !== ']') {
          cls += '-';
          continue;
        }
        cls += escapeRe(ch);
      }
      if (j >= pattern.length) return undefined;
      if (cls === '' || cls === '^') return undefined;
      re += cls.startsWith('^') ? `[^${cls.slice(1)}]` : `[${cls}]`;
      i = j;
    } else re += escapeOutsideClass(c);
  }
  try {
    return new RegExp(`${re}$`, 'su');
  } catch {
    return undefined;
  }
}

/** A character class member: `-` is escaped too (the `u` flag allows `\\-` only inside a class). */
function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** A literal outside a class: only RegExp syntax characters are escaped (`kube-prometheus-*.tgz`). */
function escapeOutsideClass(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

interface Pattern {
  readonly negate: boolean;
  readonly mustDir: boolean;
  readonly match: (path: string) => boolean;
}

export interface IgnoreRules {
  /** Rules.Ignore(path, fi) for a path relative to the chart root. */
  ignore(path: string, isDir: boolean): boolean;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function parseRule(line: string, out: Pattern[]): void {
  let rule = line.trim();
  if (rule === '' || rule.startsWith('#')) return;
  if (rule.includes('**')) throw new IgnoreRuleError('double-star (**) syntax is not supported');
  if (goMatchRegExp(rule) === undefined) throw new IgnoreRuleError('syntax error in pattern');
  let negate = false;
  let mustDir = false;
  if (rule.startsWith('!')) {
    negate = true;
    rule = rule.slice(1);
  }
  if (rule.endsWith('/')) {
    mustDir = true;
    rule = rule.slice(0, -1);
  }
  let match: (p: string) => boolean;
  if (rule.startsWith('/')) {
    const re = goMatchRegExp(rule.slice(1));
    match = (p) => re?.test(p) ?? false;
  } else if (rule.includes('/')) {
    const re = goMatchRegExp(rule);
    match = (p) => re?.test(p) ?? false;
  } else {
    const re = goMatchRegExp(rule);
    match = (p) => re?.test(basename(p)) ?? false;
  }
  out.push({ negate, mustDir, match });
}

/** ignore.Parse of a .helmignore text plus AddDefaults. Throws IgnoreRuleError. */
export function parseIgnoreRules(text: string): IgnoreRules {
  const patterns: Pattern[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  for (const line of lines) parseRule(line, patterns);
  parseRule('templates/.?*', patterns);
  return {
    ignore(path: string, isDir: boolean): boolean {
      if (path === '' || path === '.' || path === './') return false;
      for (const p of patterns) {
        if (p.negate) {
          // Helm's own (odd) reading of a negated rule: anything it does not match is ignored.
          if (p.mustDir && !isDir) return true;
          if (!p.match(path)) return true;
          continue;
        }
        if (p.mustDir && !isDir) continue;
        if (p.match(path)) return true;
      }
      return false;
    },
  };
}
