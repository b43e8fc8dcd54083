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
  /**
   * When the filesystem can tell what changed between two moments: a kept build is then
   * valid while no path it asked about changed, without asking again (see reuse.ts).
   */
  readonly changes?: FsChanges;
  /** With `changes`: a kept build that read the files is used again (as readFiles with the same answers). */
  reread?(paths: readonly string[]): void;
}

/** What changed in a filesystem, by moments (stamps). */
export interface FsChanges {
  /** The files as they are now. */
  readonly stamp: number;
  /**
   * The clean paths whose answers (text, existence, directory listing) may differ from those
   * at `stamp`, possibly with repeats; undefined when it cannot tell (a stamp too old).
   */
  since(stamp: number): readonly string[] | undefined;
}

/**
 * A filesystem's files as last seen, and which paths changed since each stamp: a front end
 * tells it every file's text (or that a file is gone), it counts the paths that differ.
 */
export class FileVersions implements FsChanges {
  /** The text of each file as last set, by clean path. */
  private readonly texts = new Map<string, string>();
  /** log[i]: the path that changed at stamp first + i + 1. */
  private log: string[] = [];
  private first = 0;
  /** Stamps below it are too old to tell (the log was trimmed). */
  private floor = 0;
  private now = 0;
  /**
   * What the front end synced from last (its own key: the list of paths it had), and the
   * texts it set, in that list's order (a front end with the same list compares by position).
   */
  synced: { readonly from: object; readonly texts: string[] } | undefined;
  /**
   * The front end's keys of the files in a kept build's list of reads, for the list of paths
   * it synced from (`from`): a kept build used again reports its reads without a look-up each.
   */
  readKeys:
    { readonly from: object; readonly keys: WeakMap<readonly string[], readonly string[]> } | undefined;

  get stamp(): number {
    return this.now;
  }

  since(stamp: number): readonly string[] | undefined {
    if (stamp < this.floor || stamp > this.now) return undefined;
    return stamp === this.now ? [] : this.log.slice(stamp - this.first);
  }

  /** The file's text as last set. */
  text(path: string): string | undefined {
    return this.texts.get(path);
  }

  /** The paths of the files set and not deleted. */
  paths(): IterableIterator<string> {
    return this.texts.keys();
  }

  /**
   * The file's text now (undefined: no such file). A file that appears or goes changes the
   * listing, existence and directory-ness of each directory above it: those change too.
   */
  set(path: string, text: string | undefined): void {
    const before = this.texts.get(path);
    if (before === text) return;
    if (text === undefined) this.texts.delete(path);
    else this.texts.set(path, text);
    this.changed(path);
    if (before === undefined || text === undefined)
      for (let d = path; d !== '/';) this.changed((d = dirname(d)));
  }

  private changed(path: string): void {
    this.log.push(path);
    this.now++;
    // A long session: old stamps become too old rather than the log growing without end.
    if (this.log.length > 20000) {
      const drop = this.log.length - 10000;
      this.log = this.log.slice(drop);
      this.first += drop;
      this.floor = this.first;
    }
  }
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
  // Each directory's entries, sorted once: a chart or kustomization tree lists every directory.
  const children = new Map<string, Set<string>>([['/', new Set()]]);
  for (const p of [...all.keys(), ...bins.keys()]) {
    for (let q = p; q !== '/';) {
      const d = dirname(q);
      let names = children.get(d);
      const known = names !== undefined;
      if (!names) {
        names = new Set();
        children.set(d, names);
      }
      names.add(basename(q));
      if (known) break;
      q = d;
    }
  }
  const listings = new Map<string, string[]>();
  const binary = new Map<string, string>();
  return {
    readFile: (p) => all.get(cleanPath(p)),
    readBinary: (p) => {
      const path = cleanPath(p);
      const bin = bins.get(path);
      if (bin !== undefined) return bin;
      const text = all.get(path);
      if (text === undefined) return undefined;
      let bytes = binary.get(path);
      if (bytes === undefined) {
        bytes = utf8(text);
        binary.set(path, bytes);
      }
      return bytes;
    },
    isDir: (p) => children.has(cleanPath(p)),
    exists: (p) => children.has(cleanPath(p)) || all.has(cleanPath(p)) || bins.has(cleanPath(p)),
    listDir: (p) => {
      const d = cleanPath(p);
      let names = listings.get(d);
      if (names === undefined) {
        names = [...(children.get(d) ?? [])].sort();
        listings.set(d, names);
      }
      return [...names];
    },
  };
}

/** The UTF-8 bytes of `s` as a binary string (one char per byte); ASCII is its own encoding. */
function utf8(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s;
  const bytes = new TextEncoder().encode(s);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}
