// Where the real allocators draw a random start, kubepath starts from a hash of
// the object's identity, so a prediction only moves when that object changes.

/**
 * FNV-1a, 64 bits, over the UTF-8 bytes of the key (lone surrogates as U+FFFD, as
 * TextEncoder writes them). Computed in four 16-bit limbs: a BigInt per byte made the
 * allocators the slowest part of an incremental re-analysis.
 */
export function stableHash(key: string): bigint {
  const bytes = utf8(key);
  // 0xcbf29ce484222325, low limb first; the prime 0x100000001b3 is 2^40 + 435.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i] as number;
    const t0 = h0 * 435;
    const t1 = h1 * 435 + (t0 >>> 16);
    let t2 = h2 * 435 + (t1 >>> 16);
    let t3 = h3 * 435 + (t2 >>> 16);
    // + (hash << 40): hash bits 0..7 land in limb 2's high byte, bits 8..23 in limb 3.
    t2 = (t2 & 0xffff) + ((h0 & 0xff) << 8);
    t3 = (t3 & 0xffff) + (h0 >>> 8) + ((h1 & 0xff) << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return (BigInt(h3 * 0x10000 + h2) << 32n) | BigInt(h1 * 0x10000 + h0);
}

/** The key's UTF-8 bytes; ASCII keys (all Kubernetes names) are their char codes. */
function utf8(key: string): ArrayLike<number> {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(key)) return asciiCodes(key);
  return new TextEncoder().encode(key);
}

function asciiCodes(key: string): number[] {
  const out = new Array<number>(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}
