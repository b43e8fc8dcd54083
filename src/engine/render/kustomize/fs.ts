// The virtual filesystem a kustomize build reads (the CLI and the extension supply a real one):
// absolute POSIX paths, text files, directories. Pure path helpers (no Node `path`).
export interface KustomizeFs {
  /** The file's text (UTF-8), or undefined if it is missing or a directory. */
  readFile(path: string): string | undefined;
  /** The file's bytes as a binary string (one char per byte), if the fs can give them. */
  readBinary?(path: string): string | undefined;
  /** Entry names (not paths) of a directory, sorted; [] if not a directory. */
  listDir(path: string): string[];
  exists(path: string): boolean;
  isDir(path: string): boolean;
}

/** Cleans an absolute path: resolves `.`, `..` and repeated slashes. */
export function cleanPath(path: string): string {
  // Most paths a build asks about are clean already (no `.`, `..`, empty or trailing part).
  if (path.startsWith('/') && !/\/(\.{1,2})?(\/|$)/.test(path)) return path;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

export function resolvePath(dir: string, rel: string): string {
  return cleanPath(rel.startsWith('/') ? rel : `${dir}/${rel}`);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Whether `path` is `root` or below it. */
export function isWithin(path: string, root: string): boolean {
  return root === '/' || path === root || path.startsWith(`${root}/`);
}

/** A KustomizeFs over a map of absolute paths to contents (tests, web worker). */
export function memoryFs(
  files: Readonly<Record<string, string>>,
  binaries: Readonly<Record<string, string>> = {},
): KustomizeFs {
  const all = new Map<string, string>();
  for (const [p, t] of Object.entries(files)) all.set(cleanPath(p), t);
  const bins = new Map<string, string>();
  for (const [p, t] of Object.entries(binaries)) bins.set(cleanPath(p), t);
  const dirs = new Set<string>(['/']);
  for (const p of [...all.keys(), ...bins.keys()]) {
    for (let d = dirname(p); !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  return {
    readFile: (p) => all.get(cleanPath(p)),
    readBinary: (p) =>
      bins.get(cleanPath(p)) ?? (all.has(cleanPath(p)) ? utf8(all.get(cleanPath(p)) ?? '') : undefined),
    isDir: (p) => dirs.has(cleanPath(p)),
    exists: (p) => dirs.has(cleanPath(p)) || all.has(cleanPath(p)) || bins.has(cleanPath(p)),
    listDir: (p) => {
      const d = cleanPath(p);
      const names = new Set<string>();
      for (const q of [...all.keys(), ...bins.keys(), ...dirs]) {
        if (q !== d && dirname(q) === d) names.add(basename(q));
      }
      return [...names].sort();
    },
  };
}

function utf8(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join('');
}
