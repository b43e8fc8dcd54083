// Sprig's derivePassword: the Master Password algorithm (scrypt N=32768 r=8 p=2 over the
// user, HMAC-SHA256 over the site and counter, then a character template) — deterministic,
// so computed for real: HMAC-SHA256, PBKDF2 and scrypt (RFC 7914) over the engine's SHA-256.
import type { GoFunc, GoTyped } from '../gotemplate';
import { sha256Bytes } from '../../util/sha256';
import { fn, utf8 } from './convert';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function hmacSha256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? sha256Bytes(key) : key);
  const inner = k.map((b) => b ^ 0x36);
  const outer = k.map((b) => b ^ 0x5c);
  return sha256Bytes(concat(outer, sha256Bytes(concat(inner, msg))));
}

/** PBKDF2-HMAC-SHA256 with one iteration (all scrypt needs). */
function pbkdf2Once(password: Uint8Array, salt: Uint8Array, dkLen: number): Uint8Array {
  const out = new Uint8Array(dkLen);
  for (let i = 1, off = 0; off < dkLen; i++, off += 32) {
    const block = hmacSha256(password, concat(salt, uint32be(i)));
    out.set(block.subarray(0, Math.min(32, dkLen - off)), off);
  }
  return out;
}

function uint32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

/** Salsa20/8 core on b (16 words), in place; `_x` is unused scratch kept for the call shape. */
function salsa208(b: Uint32Array, _x: Uint32Array): void {
  let x0 = b[0]!,
    x1 = b[1]!,
    x2 = b[2]!,
    x3 = b[3]!,
    x4 = b[4]!,
    x5 = b[5]!,
    x6 = b[6]!,
    x7 = b[7]!;
  let x8 = b[8]!,
    x9 = b[9]!,
    x10 = b[10]!,
    x11 = b[11]!,
    x12 = b[12]!,
    x13 = b[13]!,
    x14 = b[14]!,
    x15 = b[15]!;
  let u: number;
  for (let i = 0; i < 8; i += 2) {
    u = (x0 + x12) | 0;
    x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0;
    x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0;
    x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0;
    x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0;
    x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0;
    x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0;
    x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0;
    x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0;
    x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0;
    x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0;
    x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0;
    x15 ^= (u << 18) | (u >>> 14);
    u = (x0 + x3) | 0;
    x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0;
    x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0;
    x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0;
    x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0;
    x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0;
    x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0;
    x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0;
    x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0;
    x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0;
    x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0;
    x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0;
    x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0;
    x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0;
    x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0;
    x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0;
    x15 ^= (u << 18) | (u >>> 14);
  }
  b[0] = b[0]! + x0;
  b[1] = b[1]! + x1;
  b[2] = b[2]! + x2;
  b[3] = b[3]! + x3;
  b[4] = b[4]! + x4;
  b[5] = b[5]! + x5;
  b[6] = b[6]! + x6;
  b[7] = b[7]! + x7;
  b[8] = b[8]! + x8;
  b[9] = b[9]! + x9;
  b[10] = b[10]! + x10;
  b[11] = b[11]! + x11;
  b[12] = b[12]! + x12;
  b[13] = b[13]! + x13;
  b[14] = b[14]! + x14;
  b[15] = b[15]! + x15;
}

/** scrypt's BlockMix over 2r 64-byte blocks (words), into `out`. */
function blockMix(b: Uint32Array, out: Uint32Array, r: number, x: Uint32Array, t: Uint32Array): void {
  const last = (2 * r - 1) * 16;
  for (let k = 0; k < 16; k++) x[k] = b[last + k]!;
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) x[k]! ^= b[i * 16 + k]!;
    salsa208(x, t);
    const dst = (i % 2 === 0 ? i / 2 : r + (i - 1) / 2) * 16;
    for (let k = 0; k < 16; k++) out[dst + k] = x[k]!;
  }
}

/** scrypt(password, salt, N, r, p, dkLen) (RFC 7914). */
export function scrypt(
  password: Uint8Array,
  salt: Uint8Array,
  n: number,
  r: number,
  p: number,
  dkLen: number,
): Uint8Array {
  const words = 32 * r;
  const bytes = pbkdf2Once(password, salt, p * 128 * r);
  const view = new DataView(bytes.buffer);
  const v = new Uint32Array(words * n);
  const xBlock = new Uint32Array(words);
  const yBlock = new Uint32Array(words);
  const x16 = new Uint32Array(16);
  const t16 = new Uint32Array(16);
  for (let q = 0; q < p; q++) {
    const base = q * 128 * r;
    for (let k = 0; k < words; k++) xBlock[k] = view.getUint32(base + k * 4, true);
    for (let i = 0; i < n; i++) {
      v.set(xBlock, i * words);
      blockMix(xBlock, yBlock, r, x16, t16);
      xBlock.set(yBlock);
    }
    for (let i = 0; i < n; i++) {
      const j = xBlock[(2 * r - 1) * 16]! & (n - 1);
      for (let k = 0; k < words; k++) xBlock[k]! ^= v[j * words + k]!;
      blockMix(xBlock, yBlock, r, x16, t16);
      xBlock.set(yBlock);
    }
    for (let k = 0; k < words; k++) view.setUint32(base + k * 4, xBlock[k]!, true);
  }
  return pbkdf2Once(password, bytes, dkLen);
}

const SEED = 'com.lyndir.masterpassword';

const TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv',
    'CvcvCvcvnoCvcv',
    'CvcvCvcvCvcvno',
    'CvccnoCvcvCvcv',
    'CvccCvcvnoCvcv',
    'CvccCvcvCvcvno',
    'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno',
    'CvcvnoCvcvCvcc',
    'CvcvCvcvnoCvcc',
    'CvcvCvcvCvccno',
    'CvccnoCvccCvcv',
    'CvccCvccnoCvcv',
    'CvccCvccCvcvno',
    'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc',
    'CvcvCvccCvccno',
    'CvccnoCvcvCvcc',
    'CvccCvcvnoCvcc',
    'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};

const CHARACTERS: Readonly<Record<string, string>> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

/** sprig.derivePassword. */
export function derivePassword(
  counter: number,
  passwordType: string,
  password: string,
  user: string,
  site: string,
): string {
  const templates = TEMPLATES[passwordType];
  if (templates === undefined) return `cannot find password template ${passwordType}`;
  const seed = utf8(SEED);
  const userBytes = utf8(user);
  const siteBytes = utf8(site);
  const key = scrypt(utf8(password), concat(seed, uint32be(userBytes.length), userBytes), 32768, 8, 2, 64);
  const mac = hmacSha256(key, concat(seed, uint32be(siteBytes.length), siteBytes, uint32be(counter)));
  const template = templates[mac[0]! % templates.length]!;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const chars = CHARACTERS[template[i]!]!;
    out += chars[mac[i + 1]! % chars.length]!;
  }
  return out;
}

export function passwordFunctions(): Map<string, GoFunc> {
  const S = 'string';
  return new Map<string, GoFunc>([
    [
      'derivePassword',
      fn(['uint32', S, S, S, S], S, (a) =>
        derivePassword(
          Number((a[0] as GoTyped).value),
          a[1] as string,
          a[2] as string,
          a[3] as string,
          a[4] as string,
        ),
      ),
    ],
  ]);
}
