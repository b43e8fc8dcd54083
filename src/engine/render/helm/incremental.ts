// A values edit re-executes only the templates that read what changed. During a render the
// coalesced values are `TrackedValues` (a Map that records, per template execution, which keys
// of which table were read, or that a table was read whole: iterated, sized, copied,
// printed); everything else a template sees (.Chart, .Files, .Release, .Capabilities, the
// template texts) is compared as a whole (`renderInputs`). The next render of the same chart
// with the same inputs reuses a template's output (the same RenderedFile object, so the
// manifests built from it are the same objects too) when every read it made gives the same
// answer in the new values: same keys, equal scalars, lists equal deep, a table still a table,
// and the same values-file origin (line and column), since the output's source map names it.
// A render that changes its values (sprig's set/unset/merge into .Values) or holds one table
// at two paths is not kept, so the next render is a full one.
import type { Value } from '../gotemplate';
import { TypedMap, GoStruct } from '../gotemplate';
import type { ChartFile } from './archive';
import type { Chart } from './chart';
import type { RenderedFile } from './engine';
import type { HelmManifest } from './index';
import type { Provenance } from './provenance';

type Segment = string | number;

/** Read whole: every key and value of the table (and its size). */
export const ALL = Symbol('all');

/** What one template execution read: per table, the keys it asked for, or ALL. */
export type Reads = Map<TrackedValues, Set<string> | typeof ALL>;

/** Where reads of the values go while a template executes. */
export class ReadTracker {
  /** The reads of the template executing now (null between executions). */
  current: Reads | null = null;
  /** Set when a template changed a values table: such a render is not reused. */
  mutated = false;

  read(table: TrackedValues, key: string): void {
    const c = this.current;
    if (c === null) return;
    const keys = c.get(table);
    if (keys === undefined) c.set(table, new Set([key]));
    else if (keys !== ALL) keys.add(key);
  }

  readAll(table: TrackedValues): void {
    this.current?.set(table, ALL);
  }
}

/** A values table that reports reads to its tracker (see ReadTracker). */
export class TrackedValues extends Map<string, Value> {
  private sealed = false;
  constructor(
    readonly tracker: ReadTracker,
    /** Its path from the root of the values. */
    readonly path: readonly Segment[],
    entries: readonly (readonly [string, Value])[],
  ) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    this.sealed = true;
  }
  override get(key: string): Value | undefined {
    this.tracker.read(this, key);
    return super.get(key);
  }
  override has(key: string): boolean {
    this.tracker.read(this, key);
    return super.has(key);
  }
  override get size(): number {
    this.tracker.readAll(this);
    return super.size;
  }
  override keys(): MapIterator<string> {
    this.tracker.readAll(this);
    return super.keys();
  }
  override values(): MapIterator<Value> {
    this.tracker.readAll(this);
    return super.values();
  }
  override entries(): MapIterator<[string, Value]> {
    this.tracker.readAll(this);
    return super.entries();
  }
  override [Symbol.iterator](): MapIterator<[string, Value]> {
    this.tracker.readAll(this);
    return super.entries();
  }
  override forEach(fn: (value: Value, key: string, map: Map<string, Value>) => void, self?: unknown): void {
    this.tracker.readAll(this);
    super.forEach(fn, self);
  }
  override set(key: string, value: Value): this {
    if (this.sealed) this.tracker.mutated = true;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.tracker.mutated = true;
    return super.delete(key);
  }
  override clear(): void {
    this.tracker.mutated = true;
    super.clear();
  }
  /** The value at `key`, not recorded as a read. */
  peek(key: string): Value | undefined {
    return super.get(key);
  }
  peekHas(key: string): boolean {
    return super.has(key);
  }
  peekKeys(): string[] {
    return [...super.keys()];
  }
}

const isPlainTable = (v: Value): v is ReadonlyMap<string, Value> =>
  v instanceof Map && !(v instanceof GoStruct) && !(v instanceof TypedMap) && !(v instanceof TrackedValues);

/**
 * The values as TrackedValues (tables copied, lists copied, scalars shared), or undefined when
 * they hold a table or list at two places or a value of another kind than YAML gives.
 */
export function trackValues(
  values: ReadonlyMap<string, Value>,
  tracker: ReadTracker,
): TrackedValues | undefined {
  const seen = new Set<object>();
  let ok = true;
  const convert = (v: Value, path: Segment[]): Value => {
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) ok = false;
    seen.add(v);
    if (Array.isArray(v)) return (v as readonly Value[]).map((x, i) => convert(x, [...path, i]));
    if (isPlainTable(v)) return table(v, path);
    ok = false;
    return v;
  };
  const table = (m: ReadonlyMap<string, Value>, path: Segment[]): TrackedValues =>
    new TrackedValues(
      tracker,
      path,
      [...m].map(([k, x]) => [k, convert(x, [...path, k])] as const),
    );
  seen.add(values);
  const root = table(values, []);
  return ok ? root : undefined;
}

// ---- what else a template sees ----

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

const filesEqual = (a: readonly ChartFile[], b: readonly ChartFile[]): boolean =>
  a.length === b.length && a.every((f, i) => f.name === b[i]?.name && bytesEqual(f.data, b[i].data));

const metadataJson = (c: Chart): string =>
  JSON.stringify(c.metadata, (_, v: unknown) =>
    v instanceof Map ? { map: [...(v as Map<unknown, unknown>)] } : typeof v === 'bigint' ? `${v}n` : v,
  );

/** Everything but the values that a chart's templates see: the charts (after dependencies are processed) and the release. */
export interface RenderInputs {
  readonly chart: Chart;
  /** Release, capabilities, engine options (JSON). */
  readonly context: string;
}

function sameChart(a: Chart, b: Chart): boolean {
  return (
    a.origin === b.origin &&
    metadataJson(a) === metadataJson(b) &&
    filesEqual(a.templates, b.templates) &&
    filesEqual(a.files, b.files) &&
    a.dependencies.length === b.dependencies.length &&
    a.dependencies.every((d, i) => sameChart(d, b.dependencies[i] as Chart))
  );
}

export function sameInputs(a: RenderInputs, b: RenderInputs): boolean {
  return a.context === b.context && sameChart(a.chart, b.chart);
}

// ---- reuse ----

/** One template's execution: its output, what it read and the notes it gave. */
export interface TemplateRun {
  readonly file: RenderedFile;
  readonly reads: Reads;
  readonly notes: readonly string[];
}

/** A render kept for the next one. */
export interface RenderRecord {
  readonly inputs: RenderInputs;
  readonly values: TrackedValues;
  readonly originOf: Provenance;
  /** By template name (non-partials only). */
  readonly runs: ReadonlyMap<string, TemplateRun>;
  /** What finding each subchart's .Values read (its table in the parent's). */
  readonly scope: Reads;
  /** The manifests assembled from each rendered file, by offset in it. */
  readonly manifests: ReadonlyMap<RenderedFile, ReadonlyMap<number, HelmManifest>>;
}

interface Origin {
  readonly path?: unknown;
  readonly source?: unknown;
  readonly file?: unknown;
  readonly line?: unknown;
  readonly column?: unknown;
  readonly flag?: unknown;
}

function sameOrigin(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const x = a as Origin;
  const y = b as Origin;
  return (
    x.path === y.path &&
    x.source === y.source &&
    x.file === y.file &&
    x.line === y.line &&
    x.column === y.column &&
    x.flag === y.flag
  );
}

/** Decides, per template of the previous render, whether its output is the same with the new values. */
export class ValuesReuse {
  private readonly located = new Map<TrackedValues, TrackedValues | null>();
  private readonly answers = new Map<TrackedValues, Map<string | typeof ALL, boolean>>();

  /** Every path has the same origin as before (the values files' keys did not move): origins need no check. */
  private readonly sameOrigins: boolean;

  constructor(
    private readonly previous: RenderRecord,
    private readonly values: TrackedValues,
    private readonly originOf: Provenance,
  ) {
    this.sameOrigins = originOf.sameAs(previous.originOf);
  }

  private origin(a: object, b: object, key: string | number): boolean {
    return this.sameOrigins || sameOrigin(this.previous.originOf(a, key), this.originOf(b, key));
  }

  /** The table at `old`'s path in the new values, if there is one. */
  locate(old: TrackedValues): TrackedValues | null {
    let hit = this.located.get(old);
    if (hit !== undefined) return hit;
    let v: Value = this.values;
    for (const s of old.path) {
      if (typeof s === 'number') v = Array.isArray(v) ? (v as readonly Value[])[s] : undefined;
      else v = v instanceof TrackedValues ? v.peek(s) : undefined;
    }
    hit = v instanceof TrackedValues ? v : null;
    this.located.set(old, hit);
    return hit;
  }

  /** False when a subchart's .Values is not what it was (a table then, none now, or the reverse). */
  private scopeSame = true;

  /** This render's lookups of the subcharts' .Values: the previous render's must answer alike, values only (nothing is printed from them). */
  scope(reads: Reads): void {
    const before = this.previous.scope;
    const keys = (r: Reads): string =>
      [...r]
        .map(([t, k]) => `${t.path.join('\u0000')}\u0001${k === ALL ? '*' : [...k].join('\u0000')}`)
        .join('\u0002');
    if (keys(before) !== keys(reads)) {
      this.scopeSame = false;
      return;
    }
    for (const [old, ks] of before) {
      const now = this.locate(old);
      if (now === null || ks === ALL) {
        this.scopeSame = false;
        return;
      }
      for (const k of ks)
        if (old.peekHas(k) !== now.peekHas(k) || !this.sameValue(old.peek(k), now.peek(k), true)) {
          this.scopeSame = false;
          return;
        }
    }
  }

  /** The previous run of `name`, with its reads moved to the new values, when they all read the same. */
  reusable(name: string): TemplateRun | undefined {
    if (!this.scopeSame) return undefined;
    const run = this.previous.runs.get(name);
    if (run === undefined) return undefined;
    const moved: Reads = new Map();
    for (const [old, keys] of run.reads) {
      const now = this.locate(old);
      if (now === null) return undefined;
      if (keys === ALL) {
        if (!this.answer(old, now, ALL)) return undefined;
      } else for (const k of keys) if (!this.answer(old, now, k)) return undefined;
      moved.set(now, keys === ALL ? ALL : keys);
    }
    return { file: run.file, reads: moved, notes: run.notes };
  }

  private answer(old: TrackedValues, now: TrackedValues, key: string | typeof ALL): boolean {
    let m = this.answers.get(old);
    if (m === undefined) this.answers.set(old, (m = new Map<string | typeof ALL, boolean>()));
    let a = m.get(key);
    if (a === undefined) {
      a = key === ALL ? this.sameTable(old, now) : this.sameEntry(old, now, key);
      m.set(key, a);
    }
    return a;
  }

  private sameTable(old: TrackedValues, now: TrackedValues): boolean {
    const a = old.peekKeys();
    const b = now.peekKeys();
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const k = a[i] as string;
      if (k !== b[i] || !this.answer(old, now, k)) return false;
    }
    return true;
  }

  private sameEntry(old: TrackedValues, now: TrackedValues, key: string): boolean {
    if (old.peekHas(key) !== now.peekHas(key)) return false;
    if (!this.origin(old, now, key)) return false;
    return this.sameValue(old.peek(key), now.peek(key), true);
  }

  /** Scalars equal, lists equal deep (with their items' origins); a table is the same as a table (its reads are its own) unless `shallow` is false. */
  private sameValue(a: Value | undefined, b: Value | undefined, shallow: boolean): boolean {
    if (a instanceof TrackedValues || b instanceof TrackedValues) {
      if (!(a instanceof TrackedValues && b instanceof TrackedValues)) return false;
      if (shallow) return true;
      const ka = a.peekKeys();
      const kb = b.peekKeys();
      if (ka.length !== kb.length) return false;
      return ka.every(
        (k, i) => k === kb[i] && this.origin(a, b, k) && this.sameValue(a.peek(k), b.peek(k), false),
      );
    }
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!(Array.isArray(a) && Array.isArray(b))) return false;
      const x = a as readonly Value[];
      const y = b as readonly Value[];
      if (x.length !== y.length) return false;
      return x.every((v, i) => this.origin(x, y, i) && this.sameValue(v, y[i], false));
    }
    if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
    return a === b;
  }
}
