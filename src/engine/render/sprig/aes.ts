// AES-256 in CBC mode for Sprig's encryptAES/decryptAES (FIPS-197; byte-oriented, no tables
// beyond the S-boxes, which are derived once from GF(2^8) arithmetic).
import { FuncError } from '../gotemplate';

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
{
  const rotl8 = (x: number, s: number): number => ((x << s) | (x >>> (8 - s))) & 0xff;
  let p = 1;
  let q = 1;
  do {
    p = (p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0)) & 0xff; // p × 3
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09; // q ÷ 3
    const x = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4);
    SBOX[p] = (x ^ 0x63) & 0xff;
  } while (p !== 1);
  SBOX[0] = 0x63;
  for (let i = 0; i < 256; i++) INV_SBOX[SBOX[i]!] = i;
}

const xtime = (b: number): number => ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;

function mul(a: number, b: number): number {
  let r = 0;
  for (; b > 0; b >>= 1, a = xtime(a)) if (b & 1) r ^= a;
  return r;
}

/** The 15 round keys of AES-256, 240 bytes. */
function expandKey(key: Uint8Array): Uint8Array {
  const w = new Uint8Array(240);
  w.set(key);
  let rcon = 1;
  for (let i = 8; i < 60; i++) {
    const t = w.slice((i - 1) * 4, i * 4);
    if (i % 8 === 0) {
      const first = t[0]!;
      t[0] = SBOX[t[1]!]! ^ rcon;
      t[1] = SBOX[t[2]!]!;
      t[2] = SBOX[t[3]!]!;
      t[3] = SBOX[first]!;
      rcon = xtime(rcon);
    } else if (i % 8 === 4) for (let k = 0; k < 4; k++) t[k] = SBOX[t[k]!]!;
    for (let k = 0; k < 4; k++) w[i * 4 + k] = w[(i - 8) * 4 + k]! ^ t[k]!;
  }
  return w;
}

function addRoundKey(s: Uint8Array, w: Uint8Array, round: number): void {
  for (let i = 0; i < 16; i++) s[i]! ^= w[round * 16 + i]!;
}

function encryptBlock(w: Uint8Array, block: Uint8Array): Uint8Array {
  const s = block.slice();
  addRoundKey(s, w, 0);
  for (let round = 1; round <= 14; round++) {
    for (let i = 0; i < 16; i++) s[i] = SBOX[s[i]!]!;
    const t = s.slice();
    for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) s[r + 4 * c] = t[r + 4 * ((c + r) % 4)]!;
    if (round < 14)
      for (let c = 0; c < 4; c++) {
        const [a0, a1, a2, a3] = [s[4 * c]!, s[4 * c + 1]!, s[4 * c + 2]!, s[4 * c + 3]!];
        s[4 * c] = xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3;
        s[4 * c + 1] = a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3;
        s[4 * c + 2] = a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3;
        s[4 * c + 3] = xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3);
      }
    addRoundKey(s, w, round);
  }
  return s;
}

function decryptBlock(w: Uint8Array, block: Uint8Array): Uint8Array {
  const s = block.slice();
  addRoundKey(s, w, 14);
  for (let round = 13; round >= 0; round--) {
    const t = s.slice();
    for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) s[r + 4 * ((c + r) % 4)] = t[r + 4 * c]!;
    for (let i = 0; i < 16; i++) s[i] = INV_SBOX[s[i]!]!;
    addRoundKey(s, w, round);
    if (round > 0)
      for (let c = 0; c < 4; c++) {
        const [a0, a1, a2, a3] = [s[4 * c]!, s[4 * c + 1]!, s[4 * c + 2]!, s[4 * c + 3]!];
        s[4 * c] = mul(a0, 14) ^ mul(a1, 11) ^ mul(a2, 13) ^ mul(a3, 9);
        s[4 * c + 1] = mul(a0, 9) ^ mul(a1, 14) ^ mul(a2, 11) ^ mul(a3, 13);
        s[4 * c + 2] = mul(a0, 13) ^ mul(a1, 9) ^ mul(a2, 14) ^ mul(a3, 11);
        s[4 * c + 3] = mul(a0, 11) ^ mul(a1, 13) ^ mul(a2, 9) ^ mul(a3, 14);
      }
  }
  return s;
}

/** One AES-256 block (exported for the FIPS-197 test vector). */
export function aes256EncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return encryptBlock(expandKey(key), block);
}

/** Sprig's encryptAES body: PKCS#7 padding, CBC, the IV prepended. */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  const w = expandKey(key);
  const padding = 16 - (plain.length % 16);
  const content = new Uint8Array(plain.length + padding);
  content.set(plain);
  content.fill(padding, plain.length);
  const out = new Uint8Array(16 + content.length);
  out.set(iv);
  let prev = iv;
  for (let off = 0; off < content.length; off += 16) {
    const block = content.slice(off, off + 16);
    for (let i = 0; i < 16; i++) block[i]! ^= prev[i]!;
    prev = encryptBlock(w, block);
    out.set(prev, 16 + off);
  }
  return out;
}

/** Sprig's decryptAES body, with the panics Go raises on malformed input. */
export function aesCbcDecrypt(key: Uint8Array, crypt: Uint8Array): Uint8Array {
  if (crypt.length < 16)
    throw new FuncError(`runtime error: slice bounds out of range [:16] with capacity ${crypt.length}`);
  const w = expandKey(key);
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new FuncError('crypto/cipher: input not full blocks');
  const out = new Uint8Array(body.length);
  let prev = crypt.subarray(0, 16);
  for (let off = 0; off < body.length; off += 16) {
    const block = body.subarray(off, off + 16);
    const plain = decryptBlock(w, block);
    for (let i = 0; i < 16; i++) out[off + i] = plain[i]! ^ prev[i]!;
    prev = block;
  }
  if (out.length === 0) throw new FuncError('runtime error: index out of range [-1]');
  const end = out.length - out[out.length - 1]!;
  if (end < 0) throw new FuncError(`runtime error: slice bounds out of range [:${end}]`);
  return out.subarray(0, end);
}
