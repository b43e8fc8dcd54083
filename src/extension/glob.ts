// A small glob matcher for the include/exclude settings, so the file watcher and open
// editors are filtered exactly like the initial `findFiles` scan (VS Code has no public
// "does this path match that glob" API outside of document filters).

const cache = new Map<string, RegExp>();

/** Converts a VS Code-style glob (`**`, `*`, `?`, `{a,b}`, `[abc]`) to an anchored RegExp over `/` paths. */
export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let re = '';
  let inGroup = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') {
      if (glob.charAt(i + 1) === '*') {
        // `**/` matches zero or more directories; a trailing `**` matches everything below.
        i++;
        if (glob.charAt(i + 1) === '/') {
          i++;
          re += '(?:[^/]*/)*';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      inGroup++;
      re += '(?:';
    } else if (c === '}' && inGroup > 0) {
      inGroup--;
      re += ')';
    } else if (c === ',' && inGroup > 0) {
      re += '|';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) {
        re += '\\[';
      } else {
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else {
      re += c.replace(/[.+^$()|\\/]/g, '\\$&');
    }
  }
  const result = new RegExp(`^${re}$`, 'i');
  cache.set(glob, result);
  return result;
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}

/** Whether a workspace-relative path is analysed under the include/exclude settings. */
export function isIncluded(path: string, include: readonly string[], exclude: readonly string[]): boolean {
  return matchesAny(path, include) && !matchesAny(path, exclude);
}

/**
 * Joins several globs into one `{a,b}` pattern for `workspace.findFiles`, or undefined when
 * that is impossible (VS Code globs do not nest braces); callers then filter with `isIncluded`.
 */
export function joinGlobs(globs: readonly string[]): string | undefined {
  if (globs.length === 0) return undefined;
  if (globs.length === 1) return globs[0];
  if (globs.some((g) => g.includes('{') || g.includes(','))) return undefined;
  return `{${globs.join(',')}}`;
}
