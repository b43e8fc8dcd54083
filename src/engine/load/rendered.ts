// Loading what the render stage built: each built resource becomes a LoadedObject whose
// ranges point at the source, not at the rendered text. A field a patch or transformer set
// (the build's per-field source map) lands on that line of the patch or kustomization; any
// other field on the same field of the base resource as written; what neither has, on the
// nearest enclosing field that has a place, and finally on the resource's document.
import { isTestHook } from '../model/helmHooks';
import type { LoadedFile, LoadedObject, SourceRange } from '../model';
import type { BuiltResource, SourceRef } from '../render/kustomize';
import type { TargetBuild, TargetResource } from '../render/workspace';
import type { LoadLimits } from './yamlDocuments';
import {
  appendFieldPathKey,
  DEFAULT_LOAD_LIMITS,
  fieldRangePaths,
  loadYamlFile,
  objectIdentity,
} from './yamlDocuments';
import { READ_BACK_DEPTH, readBackPrinted } from './builtValue';

/** What the loader knows of a source file: its text and, when it is a manifest, what it loaded. */
export interface SourceFile {
  readonly text: string;
  readonly loaded: LoadedFile | null;
}

/**
 * Built resources loaded by an earlier build of the same target: a resource built to the same
 * text, from the same place, with the same field sources and an unchanged source file, is
 * the same objects (so later stages reuse their per-object work). The same resource instance
 * (a build that did not rebuild it hands out the one it handed out before) is found at once.
 */
export interface LoadedBuildMemo {
  /**
   * Updated in place by each load of the build (an edit changes few of hundreds); entries of
   * resources gone are dropped once they are a quarter of them. An entry that outlived its
   * resource is still right for it: a TargetResource never changes, and its origin file's
   * load is compared on use.
   */
  readonly byResource: Map<TargetResource, LoadedResource>;
  /** Counts the loads: a LoadedResource taken by this load has `used === run`. */
  run?: number;
  /** Source lines and the ranges made of them (see LineRanges). */
  lines?: LineRanges;
  /**
   * By origin (`file:line`): the resources loaded from there. Made from byResource once a
   * later build misses often (after an edit, most resources are found by identity, and the
   * few others by going through byResource).
   */
  byOrigin?: Map<string, LoadedResource[]>;
  /** How many resources a later build looked up by origin (see fromOrigin). */
  misses?: number;
}

/** Misses looked up by going through every resource before an origin index pays (per load). */
const SCANNED_MISSES = 8;

/** The resources the memo loaded from `origin`, in the order they were loaded. */
function fromOrigin(memo: LoadedBuildMemo, origin: SourceRef): readonly LoadedResource[] {
  memo.misses = (memo.misses ?? 0) + 1;
  if (!memo.byOrigin && memo.misses <= SCANNED_MISSES) {
    const out: LoadedResource[] = [];
    for (const [r, e] of memo.byResource)
      if (r.origin.line === origin.line && r.origin.file === origin.file) out.push(e);
    return out;
  }
  if (!memo.byOrigin) {
    const byOrigin = new Map<string, LoadedResource[]>();
    for (const [r, e] of memo.byResource) {
      const at = `${r.origin.file}:${r.origin.line}`;
      const list = byOrigin.get(at);
      if (list) list.push(e);
      else byOrigin.set(at, [e]);
    }
    memo.byOrigin = byOrigin;
  }
  return memo.byOrigin.get(`${origin.file}:${origin.line}`) ?? [];
}

interface LoadedResource {
  readonly yaml: string;
  readonly origin: LoadedFile | null;
  readonly fields: ReadonlyMap<string, SourceRef>;
  readonly objects: LoadedObject[];
  /** The memo's `run` of the last load that took it (each stands for one built resource per load). */
  used: number;
}

/** Whether two field source maps name the same file and line for the same fields. */
function sameFields(a: ReadonlyMap<string, SourceRef>, b: ReadonlyMap<string, SourceRef>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || w.file !== v.file || w.line !== v.line) return false;
  }
  return true;
}

/**
 * Whether the loader's limits leave a printed resource alone (then reading it back from its
 * value is what loading its text gives): its size, and nesting and document limits far
 * above what readBackPrinted answers for (set low, the text is loaded and they apply).
 */
function withinLimits(yaml: string, limits: LoadLimits): boolean {
  return (
    yaml.length <= limits.maxFileBytes &&
    limits.maxNestingDepth >= 2 * READ_BACK_DEPTH + 8 &&
    limits.maxDocuments >= 1
  );
}

export function loadBuild(
  build: TargetBuild,
  source: (path: string) => SourceFile | undefined,
  limits: LoadLimits = DEFAULT_LOAD_LIMITS,
  previous?: LoadedBuildMemo,
): { objects: LoadedObject[]; memo: LoadedBuildMemo } {
  const memo: LoadedBuildMemo = previous ?? { byResource: new Map() };
  if (!build.result.ok) return { objects: [], memo };
  const run = (memo.run = (memo.run ?? 0) + 1);
  memo.misses = 0;
  memo.byOrigin = undefined;
  const objects: LoadedObject[] = [];
  const lines = (memo.lines ??= new LineRanges()).begin(source);
  let kept = 0;
  const keep = (r: TargetResource, e: LoadedResource): void => {
    e.used = run;
    kept++;
    if (memo.byResource.get(r) !== e) memo.byResource.set(r, e);
    for (const o of e.objects) objects.push(o);
  };
  // What each source file loaded as written (a file's resources are usually consecutive).
  let lastFile: string | undefined;
  let lastOrigin: LoadedFile | null = null;
  const originOf = (file: string): LoadedFile | null => {
    if (file !== lastFile) {
      lastFile = file;
      lastOrigin = source(file)?.loaded ?? null;
    }
    return lastOrigin;
  };
  build.result.resources.forEach((r, i) => {
    // Helm test hooks run only with `helm test`: rendered, not part of what is deployed.
    if (isTestHook(r.hook)) return;
    const origin = originOf(r.origin.file);
    const same = memo.byResource.get(r);
    if (same && same.origin === origin && same.used !== run) return keep(r, same);
    // The text is compared, not hashed into a key (a key of every resource's text was a
    // measurable part of an edit's re-analysis); the field sources are compared too.
    const hit = fromOrigin(memo, r.origin).find(
      (e) => e.used !== run && e.origin === origin && e.yaml === r.yaml && sameFields(e.fields, r.fields),
    );
    if (hit) return keep(r, hit);
    // A printed resource is read back from its value when that is exact (see builtValue);
    // else its text is parsed like any manifest. Its positions are then replaced.
    const raw = r.value && !r.lineMap && withinLimits(r.yaml, limits) ? readBackPrinted(r.value) : undefined;
    const head =
      raw && typeof raw['apiVersion'] === 'string' && typeof raw['kind'] === 'string' ? raw : undefined;
    if (head) {
      const id = objectIdentity(head, head['apiVersion'] as string, head['kind'] as string);
      const o = {
        apiVersion: id.apiVersion,
        kind: id.kind,
        namespace: id.namespace,
        name: id.name,
        raw: head,
      };
      const object = mapObject(o, EVERY_NODE, ENTRY_KEYS, r, source, lines);
      return keep(r, { yaml: r.yaml, origin, fields: r.fields, objects: [object], used: 0 });
    }
    const parsed = loadYamlFile(`${build.target.file}#${i}`, r.yaml, limits);
    const mapped = parsed.objects.map((o) => {
      if (r.lineMap) return mapTemplateObject(o, r, r.lineMap, lines);
      const values = fieldRangePaths(o.ranges);
      const keys = fieldRangePaths(o.keyRanges);
      return mapObject(
        o,
        (path) => values.has(path),
        (path) => keys.has(path),
        r,
        source,
        lines,
      );
    });
    keep(r, { yaml: r.yaml, origin, fields: r.fields, objects: mapped, used: 0 });
  });
  if (memo.byResource.size > kept + 16 + (kept >> 2)) {
    const current = new Map<TargetResource, LoadedResource>();
    for (const r of build.result.resources) {
      const e = memo.byResource.get(r);
      if (e && e.used === run) current.set(r, e);
    }
    memo.byResource.clear();
    for (const [r, e] of current) memo.byResource.set(r, e);
  }
  return { objects, memo };
}

/** The LoadedObject of the base resource a built one came from, if the source file loaded it. */
function originObject(
  r: BuiltResource,
  source: (path: string) => SourceFile | undefined,
): LoadedObject | null {
  const loaded = source(r.origin.file)?.loaded;
  if (!loaded) return null;
  const sameKind = loaded.objects.filter((o) => o.kind === r.kind);
  // The document the build read starts at origin.line; a List holds several (then by name).
  const atLine = sameKind.filter((o) => o.range.line <= r.origin.line && r.origin.line <= o.range.endLine);
  const startsAt = sameKind.filter((o) => o.range.line === r.origin.line);
  const candidates = startsAt.length > 0 ? startsAt : atLine;
  if (candidates.length <= 1) return candidates[0] ?? null;
  return candidates.find((o) => o.name !== '' && r.name.includes(o.name)) ?? candidates[0] ?? null;
}

/** Which field paths of a built object have a place: a value (every node), a key (map entries). */
type HasRange = (path: string, mapEntry: boolean) => boolean;
/** The document the build printed has a value range for every node, a key range for every map entry (builtValue's test). */
const EVERY_NODE: HasRange = () => true;
const ENTRY_KEYS: HasRange = (_path, mapEntry) => mapEntry;

function mapObject(
  o: Pick<LoadedObject, 'apiVersion' | 'kind' | 'namespace' | 'name' | 'raw'>,
  hasValue: HasRange,
  hasKey: HasRange,
  r: BuiltResource,
  source: (path: string) => SourceFile | undefined,
  lines: LineRanges,
): LoadedObject {
  const origin = originObject(r, source);
  const whole = origin?.range ?? lines.at(r.origin);
  const ranges = new Map<string, SourceRange>();
  const keyRanges = new Map<string, SourceRange>();
  // Every node's path is asked of both objects: of the built one only which paths have a
  // place (its ranges are replaced), of the base one its ranges, filled in one pass instead
  // of looked up path by path.
  if (origin) {
    void origin.ranges.size;
    void origin.keyRanges.size;
  }
  // Walks the built object: `path` is the field path (formatFieldPath's spelling) and
  // `kpath` the render stage's, `set` the deepest patch or transformer entry at or above
  // it, `base` the deepest range the base resource has.
  const walk = (
    value: unknown,
    path: string,
    kpath: string,
    mapEntry: boolean,
    set: SourceRef | undefined,
    base: SourceRange,
    baseKey: SourceRange,
  ): void => {
    const ref = r.fields.get(kpath) ?? set;
    const ownBase = origin?.ranges.get(path);
    const value_ = ref ? lines.at(ref) : (ownBase ?? base);
    const key = ref ? value_ : (origin?.keyRanges.get(path) ?? ownBase ?? baseKey);
    if (hasValue(path, mapEntry)) ranges.set(path, value_);
    if (hasKey(path, mapEntry)) keyRanges.set(path, key);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        walk(value[i], `${path}[${i}]`, `${kpath}[${i}]`, false, ref, value_, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value))
        walk(v, appendFieldPathKey(path, k), kpath === '' ? k : `${kpath}.${k}`, true, ref, value_, key);
    }
  };
  walk(o.raw, '', '', false, undefined, whole, whole);
  // The loader's own shape, field for field (objects of several shapes make every loop
  // over all objects slower).
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    raw: o.raw,
    file: origin?.file ?? r.origin.file,
    docIndex: origin?.docIndex ?? 0,
    range: whole,
    ranges,
    keyRanges,
  };
}

/**
 * A Helm manifest's object: every range is the template line that wrote that line of the
 * rendered text (a value from `{{ .Values.x }}` lands on the template line holding the
 * action); objects without a namespace get the release namespace, as `helm install` does.
 */
function mapTemplateObject(
  o: LoadedObject,
  r: TargetResource,
  lineMap: readonly (SourceRef | undefined)[],
  lines: LineRanges,
): LoadedObject {
  const fallback = lines.at(r.origin);
  const at = (range: SourceRange): SourceRange => {
    const ref = lineMap[range.line - 1];
    return ref ? lines.at(ref) : fallback;
  };
  // The whole object: the template lines its rendered lines came from, in the file of its
  // first line (lines an `include` wrote are in the partial's file and are left out).
  const spanOf = (range: SourceRange): SourceRange => {
    const first = lineMap[range.line - 1];
    if (!first) return fallback;
    let last = first.line;
    for (let l = range.line; l <= range.endLine; l++) {
      const ref = lineMap[l - 1];
      if (ref && ref.file === first.file && ref.line > last) last = ref.line;
    }
    const start = lines.at(first);
    const end = lines.at({ file: first.file, line: last });
    return { ...start, endLine: end.endLine, endColumn: end.endColumn };
  };
  const ranges = new Map<string, SourceRange>();
  const keyRanges = new Map<string, SourceRange>();
  for (const [k, v] of o.ranges) ranges.set(k, at(v));
  for (const [k, v] of o.keyRanges) keyRanges.set(k, at(v));
  const ns = r.releaseNamespace;
  let raw = o.raw;
  let namespace = o.namespace;
  const md = raw['metadata'];
  const written = md !== null && typeof md === 'object' && 'namespace' in md && md.namespace;
  // Cluster-scoped kinds load with namespace '' and keep it.
  if (ns !== undefined && ns !== 'default' && o.namespace === 'default' && !written) {
    raw = { ...raw, metadata: { ...(md !== null && typeof md === 'object' ? md : {}), namespace: ns } };
    namespace = ns;
  }
  return {
    ...o,
    raw,
    namespace,
    file: fallback.file,
    docIndex: 0,
    range: spanOf(o.range),
    ranges,
    keyRanges,
  };
}

/** The range of a whole source line (from its first non-blank character), cached per file. */
const MAX_RANGES_PER_FILE = 4096;

class LineRanges {
  /**
   * Per file: its text's lines and the ranges made of them, by SourceRef. Kept across loads
   * (a memo's): the overlay's kustomization is split once, not on every edit. A file's text
   * is compared on its first use in a load (see `load`).
   */
  private readonly files = new Map<
    string,
    { text: string; lines: string[]; made: Map<SourceRef, SourceRange>; load: number }
  >();
  private source: (path: string) => SourceFile | undefined = () => undefined;
  private load = 0;

  /** A new load: texts are read through `source` again. */
  begin(source: (path: string) => SourceFile | undefined): this {
    this.source = source;
    this.load++;
    return this;
  }

  at(ref: SourceRef): SourceRange {
    let file = this.files.get(ref.file);
    if (!file || file.load !== this.load) {
      const text = this.source(ref.file)?.text ?? '';
      if (!file || file.text !== text) {
        file = { text, lines: text.split(/\r?\n/), made: new Map(), load: this.load };
        this.files.set(ref.file, file);
      } else file.load = this.load;
    }
    let range = file.made.get(ref);
    if (!range) {
      // The places of resources rebuilt since accumulate: let go now and then.
      if (file.made.size >= MAX_RANGES_PER_FILE) file.made.clear();
      const text = file.lines[ref.line - 1] ?? '';
      const column = text.length - text.trimStart().length + 1;
      range = { file: ref.file, line: ref.line, column, endLine: ref.line, endColumn: text.length + 1 };
      file.made.set(ref, range);
    }
    return range;
  }
}
