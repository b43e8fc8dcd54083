// Stable, dependency-free hashes for deterministic predictions.

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a, 32-bit: the hash Kubernetes uses for pod-template-hash. */
export function fnv32a(text: string): number {
  return fnv32aUpdate(FNV_OFFSET, text) >>> 0;
}

/** Continues an FNV-1a hash over `text` (so pieces can be hashed as if concatenated). */
function fnv32aUpdate(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    // Hash UTF-16 code units as UTF-8-ish bytes; only stability matters here.
    if (code > 0x7f) {
      hash = Math.imul(hash ^ (code >>> 8), 0x01000193);
      code &= 0xff;
    }
    hash = Math.imul(hash ^ code, 0x01000193);
  }
  return hash;
}

/** apimachinery's rand alphabet: no vowels or confusable characters. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `rand.SafeEncodeString`: maps each character to the safe alphabet. */
export function safeEncodeString(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** A 5-character suffix as `generateName` produces, chosen from a seed instead of at random. */
export function generatedSuffix(seed: string, length = 5): string {
  let out = '';
  let h = fnv32a(seed);
  for (let i = 0; i < length; i++) {
    h = fnv32a(`${seed}#${i}#${h}`);
    out += SAFE_ALPHABET[h % SAFE_ALPHABET.length];
  }
  return out;
}

/** JSON with sorted keys, for hashing objects independent of key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `fnv32a(canonicalJson(value))` without building the text: the pieces are hashed as they
 * would be written (the pod-template hash of every workload, so this is on the hot path).
 */
export function canonicalJsonHash(value: unknown): number {
  let hash = FNV_OFFSET;
  const feed = (text: string): void => {
    hash = fnv32aUpdate(hash, text);
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      feed('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) feed(',');
        walk(v[i]);
      }
      feed(']');
    } else if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      feed('{');
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        if (i > 0) feed(',');
        feed(JSON.stringify(k));
        feed(':');
        walk(record[k]);
      }
      feed('}');
    } else {
      feed(JSON.stringify(v) ?? 'null');
    }
  };
  walk(value);
  return hash >>> 0;
}
