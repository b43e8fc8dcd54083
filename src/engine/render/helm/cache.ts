// What a chart render keeps for the next render of the same workspace (the render stage owns
// one, beside kustomize's ParseCache): a values edit re-renders the chart, but most template
// texts, values files and rendered manifests are the same as last time. Every entry is a pure
// function of its key (a template's name and text, a values file's text, a manifest's text),
// so it is never stale; what no render asked for since the last `sweep()` is dropped, so old
// texts do not pile up. Entries are shared, never changed: a caller that changes what it gets
// (values are coalesced in place) copies it.
//
// Besides, per chart directory, the last render's record (incremental.ts): which values each
// template read and what it printed, so that the next render with the same chart re-executes
// only the templates whose reads answer differently. It is replaced by each render and
// dropped, as the rest, when no render of that chart ran since the last sweep.
import type { Tree } from '../gotemplate';
import type { RenderRecord } from './incremental';

/** A manifest head as `readHead` answers it, or its error message. */
export type CachedHead<H> = { readonly head: H } | { readonly error: string };

type Kind = 'tree' | 'head' | 'values';

export class HelmRenderCache {
  private kept = new Map<string, unknown>();
  private used = new Map<string, unknown>();
  private renders = new Map<string, RenderRecord>();
  private keptFiles = new Map<string, unknown>();
  private usedFiles = new Map<string, unknown>();
  private rendered = new Map<string, RenderRecord | null>();

  private entry<T>(kind: Kind, key: string, compute: () => T): T {
    const k = `${kind}\u0000${key}`;
    let hit = (this.used.get(k) ?? this.kept.get(k)) as T | undefined;
    if (hit === undefined) hit = compute();
    this.used.set(k, hit);
    return hit;
  }

  /** The parse trees of template `name` with text `text`. */
  parsed(name: string, text: string, parse: () => ReadonlyMap<string, Tree>): ReadonlyMap<string, Tree> {
    return this.entry('tree', `${name}\u0000${text}`, parse);
  }

  /** The head of one rendered manifest. */
  head<H>(content: string, read: () => CachedHead<H>): CachedHead<H> {
    return this.entry('head', content, read);
  }

  /** A values file as read (the caller copies the values before changing them). */
  values<V>(text: string, read: () => V): V {
    return this.entry('values', text, read);
  }

  /**
   * The values file at `path` as read: as `values`, and when its text is new, `patch` may
   * derive what reading it gives from the last text read at that path (a one-line edit).
   */
  valuesAt<V>(
    path: string,
    text: string,
    read: () => V,
    patch: (before: string, was: V) => V | undefined,
  ): V {
    const last = (this.usedFiles.get(path) ?? this.keptFiles.get(path)) as
      { text: string; read: V } | undefined;
    const v = this.entry('values', text, () => {
      const patched = last === undefined ? undefined : patch(last.text, last.read);
      return patched ?? read();
    });
    this.usedFiles.set(path, { text, read: v });
    return v;
  }

  /** The last render of the chart at `dir` that can be reused (see incremental.ts). */
  lastRender(dir: string): RenderRecord | undefined {
    const now = this.rendered.get(dir);
    return now === undefined ? this.renders.get(dir) : (now ?? undefined);
  }

  /** What the render of `dir` just done leaves for the next one (null: nothing reusable). */
  keepRender(dir: string, record: RenderRecord | null): void {
    this.rendered.set(dir, record);
  }

  private readonly byObject = new WeakMap<object, unknown>();

  /** What a caller derived from `key` (a manifest of a render), kept while `key` lives. */
  derived(key: object): unknown {
    return this.byObject.get(key);
  }

  derive(key: object, value: unknown): void {
    this.byObject.set(key, value);
  }

  /** Keeps only what was asked for since the last sweep. */
  sweep(): void {
    this.kept = this.used;
    this.used = new Map();
    this.keptFiles = this.usedFiles;
    this.usedFiles = new Map();
    const renders = new Map<string, RenderRecord>();
    for (const [dir, r] of this.rendered) if (r !== null) renders.set(dir, r);
    this.renders = renders;
    this.rendered = new Map();
  }
}
