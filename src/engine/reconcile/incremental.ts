// Small building blocks of incremental reconciliation: comparing a list with its previous
// version by identity, and flat lists kept as per-owner segments. They work on arrays of
// references only, so a run touches the objects that changed, not every object.

/** The length of the shared prefix and (after it) of the shared suffix of two lists, by identity. */
export function commonEnds<T>(prev: readonly T[], next: readonly T[]): [number, number] {
  const max = Math.min(prev.length, next.length);
  let prefix = 0;
  while (prefix < max && prev[prefix] === next[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && prev[prev.length - 1 - suffix] === next[next.length - 1 - suffix]) suffix++;
  return [prefix, suffix];
}

/** `prev` with its middle (between the first `prefix` and the last `suffix` items) replaced. */
export function splice<T>(prev: readonly T[], prefix: number, suffix: number, middle: readonly T[]): T[] {
  return prev.slice(0, prefix).concat(middle, prev.slice(prev.length - suffix));
}

export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A flat list made of per-owner segments: owner i contributes zero or more items, in
 * owner order. Updating one owner's segment costs a copy of the list of references, not a
 * walk over every owner. `list()` hands the list out; later updates copy it first.
 */
export class Segments<T> {
  private items: T[] = [];
  private counts: number[] = [];
  private shared = false;

  /** Replaces owners [start, start + deleteCount) by owners whose segments are `segments`. */
  splice(start: number, deleteCount: number, segments: readonly (readonly T[])[]): void {
    const from = this.offset(start);
    let removed = 0;
    for (let i = start; i < start + deleteCount; i++) removed += this.counts[i] ?? 0;
    const added: T[] = [];
    for (const segment of segments) for (const item of segment) added.push(item);
    this.items = this.items.slice(0, from).concat(added, this.items.slice(from + removed));
    this.shared = false;
    this.counts = this.counts.slice(0, start).concat(
      segments.map((s) => s.length),
      this.counts.slice(start + deleteCount),
    );
  }

  /** Replaces every owner. */
  reset(segments: readonly (readonly T[])[]): void {
    const items: T[] = [];
    for (const segment of segments) for (const item of segment) items.push(item);
    this.items = items;
    this.counts = segments.map((s) => s.length);
    this.shared = false;
  }

  /** Replaces owner i's segment. */
  set(i: number, segment: readonly T[]): void {
    const from = this.offset(i);
    const count = this.counts[i] ?? 0;
    if (count !== segment.length) {
      this.splice(i, 1, [segment]);
      return;
    }
    if (this.shared) {
      this.items = this.items.slice();
      this.shared = false;
    }
    for (let k = 0; k < count; k++) this.items[from + k] = segment[k] as T;
  }

  /** Everything, in owner order. Do not modify: it may be the list of a later run too. */
  list(): T[] {
    this.shared = true;
    return this.items;
  }

  private offset(i: number): number {
    let offset = 0;
    const counts = this.counts;
    for (let k = 0; k < i; k++) offset += counts[k] as number;
    return offset;
  }
}

/** A WeakMap that remembers nothing: a one-shot run has no later run to reuse its work. */
class Forgetful<K extends object, V> extends WeakMap<K, V> {
  override get(): V | undefined {
    return undefined;
  }

  override set(): this {
    return this;
  }

  override has(): boolean {
    return false;
  }
}

export function cacheFor<K extends object, V>(keep: boolean): WeakMap<K, V> {
  return keep ? new WeakMap<K, V>() : new Forgetful<K, V>();
}
