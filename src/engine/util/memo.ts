// The engine's one memo primitive. Everything it caches is derived from an immutable
// object (an analysis snapshot, a parsed dump, one of its rules), so an entry never goes
// stale and goes away with the object. Every cache of the engine goes through here; no
// module keeps a cache of its own.

const entries = new WeakMap<object, Map<string, unknown>>();

/**
 * `compute()` once per `owner` and `key`; later calls return the same value. `key` names
 * the question (and its arguments): `iptables:node-1:iptables-save`.
 */
export function memo<T>(owner: object, key: string, compute: () => T): T {
  let forOwner = entries.get(owner);
  if (!forOwner) {
    forOwner = new Map();
    entries.set(owner, forOwner);
  }
  if (forOwner.has(key)) return forOwner.get(key) as T;
  const value = compute();
  forOwner.set(key, value);
  return value;
}

/**
 * `compute` memoised on its one argument: for the hot per-object caches (a rule's text, a
 * match's parsed address, an analysis's lookup index) that are read in inner loops, where
 * one lookup instead of two matters.
 */
export function memoized<K extends object, V>(compute: (owner: K) => V): (owner: K) => V {
  const values = new WeakMap<K, V>();
  return (owner) => {
    let value = values.get(owner);
    if (value === undefined && !values.has(owner)) {
      value = compute(owner);
      values.set(owner, value);
    }
    return value as V;
  };
}
