// The engine's one SHA-256, for short strings: kube-proxy's chain names (proxy/iptables/chainNames.ts),
// kustomize's generated-name hash (render/kustomize/hash.ts) and Sprig's sha256sum, HMAC and scrypt.
// For chain names: kube-proxy hashes every service port and endpoint on every sync, so 10k Services mean ~40k hashes;
// this avoids per-call allocations (a reusable block buffer, ASCII fast path, no
// intermediate strings).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const W = new Int32Array(64);
const H = new Int32Array(8);
let buffer = new Uint8Array(128);
let view = new DataView(buffer.buffer);
const encoder = new TextEncoder();

/** Writes `text` (UTF-8) padded to whole 64-byte blocks into `buffer`; returns their length. */
function encode(text: string): number {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  const bytes = ascii ? null : encoder.encode(text);
  const length = bytes ? bytes.length : text.length;
  const total = Math.ceil((length + 9) / 64) * 64;
  if (buffer.length < total) {
    buffer = new Uint8Array(total);
    view = new DataView(buffer.buffer);
  }
  buffer.fill(0, length, total);
  if (bytes) buffer.set(bytes);
  else for (let i = 0; i < length; i++) buffer[i] = text.charCodeAt(i);
  buffer[length] = 0x80;
  const bits = length * 8;
  view.setUint32(total - 4, bits >>> 0);
  view.setUint32(total - 8, Math.floor(bits / 2 ** 32));
  return total;
}

/** Writes raw bytes padded to whole 64-byte blocks into `buffer`; returns their length. */
function encodeBytes(bytes: Uint8Array): number {
  const length = bytes.length;
  const total = Math.ceil((length + 9) / 64) * 64;
  if (buffer.length < total) {
    buffer = new Uint8Array(total);
    view = new DataView(buffer.buffer);
  }
  buffer.fill(0, length, total);
  buffer.set(bytes);
  buffer[length] = 0x80;
  const bits = length * 8;
  view.setUint32(total - 4, bits >>> 0);
  view.setUint32(total - 8, Math.floor(bits / 2 ** 32));
  return total;
}

/** The first three words of the digest of `buffer[0, total)` end up in h0, h1, h2. */
let h0 = 0;
let h1 = 0;
let h2 = 0;

function compress(total: number): void {
  H[0] = 0x6a09e667;
  H[1] = 0xbb67ae85;
  H[2] = 0x3c6ef372;
  H[3] = 0xa54ff53a;
  H[4] = 0x510e527f;
  H[5] = 0x9b05688c;
  H[6] = 0x1f83d9ab;
  H[7] = 0x5be0cd19;
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getInt32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15] ?? 0;
      const w2 = W[i - 2] ?? 0;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = ((W[i - 16] ?? 0) + s0 + (W[i - 7] ?? 0) + s1) | 0;
    }
    let a: number = H[0] ?? 0;
    let b: number = H[1] ?? 0;
    let c: number = H[2] ?? 0;
    let d: number = H[3] ?? 0;
    let e: number = H[4] ?? 0;
    let f: number = H[5] ?? 0;
    let g: number = H[6] ?? 0;
    let h: number = H[7] ?? 0;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + (K[i] ?? 0) + (W[i] ?? 0)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    H[0] = ((H[0] ?? 0) + a) | 0;
    H[1] = ((H[1] ?? 0) + b) | 0;
    H[2] = ((H[2] ?? 0) + c) | 0;
    H[3] = ((H[3] ?? 0) + d) | 0;
    H[4] = ((H[4] ?? 0) + e) | 0;
    H[5] = ((H[5] ?? 0) + f) | 0;
    H[6] = ((H[6] ?? 0) + g) | 0;
    H[7] = ((H[7] ?? 0) + h) | 0;
  }
  h0 = H[0] ?? 0;
  h1 = H[1] ?? 0;
  h2 = H[2] ?? 0;
}

/** RFC 4648 base32 alphabet as char codes. */
const alphabet = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', (c) => c.charCodeAt(0));

function letter(group: number): number {
  return alphabet[group & 31] ?? 0;
}

const letters: number[] = new Array<number>(16).fill(0);

/**
 * The char codes of base32.StdEncoding(sha256(text))[:16] (the first 80 bits of the
 * digest, 5 bits a letter), in an array the next call overwrites.
 */
export function sha256Base32Prefix16Codes(text: string): readonly number[] {
  compress(encode(text));
  // 80 bits = h0 (32) + h1 (32) + the top 16 of h2, read as 16 groups of 5.
  letters[0] = letter(h0 >>> 27);
  letters[1] = letter(h0 >>> 22);
  letters[2] = letter(h0 >>> 17);
  letters[3] = letter(h0 >>> 12);
  letters[4] = letter(h0 >>> 7);
  letters[5] = letter(h0 >>> 2);
  letters[6] = letter((h0 << 3) | (h1 >>> 29));
  letters[7] = letter(h1 >>> 24);
  letters[8] = letter(h1 >>> 19);
  letters[9] = letter(h1 >>> 14);
  letters[10] = letter(h1 >>> 9);
  letters[11] = letter(h1 >>> 4);
  letters[12] = letter((h1 << 1) | (h2 >>> 31));
  letters[13] = letter(h2 >>> 26);
  letters[14] = letter(h2 >>> 21);
  letters[15] = letter(h2 >>> 16);
  return letters;
}

/** base32.StdEncoding(sha256(text))[:16]. */
export function sha256Base32Prefix16(text: string): string {
  return String.fromCharCode(...sha256Base32Prefix16Codes(text));
}

/** The lowercase hex digest of sha256(text) (UTF-8). */
export function sha256Hex(text: string): string {
  compress(encode(text));
  let out = '';
  for (let i = 0; i < 8; i++) out += ((H[i] ?? 0) >>> 0).toString(16).padStart(8, '0');
  return out;
}

/** The 32-byte digest of raw bytes (Sprig's HMAC and scrypt for derivePassword). */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  compress(encodeBytes(data));
  const out = new Uint8Array(32);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) v.setInt32(i * 4, H[i] ?? 0);
  return out;
}
