// Sprig's encodings and digests: b64enc/b64dec, b32enc/b32dec (a decoding error is returned as
// the result text, as Sprig does, with Go's CorruptInputError offsets), sha1sum, sha256sum,
// sha512sum, adler32sum.
import type { GoFunc } from '../gotemplate';
import { sha256Hex } from '../../util/sha256';
import { fn, fromUtf8, utf8 } from './convert';
import { adler32, sha1Hex, sha512Hex } from './digest';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const left = bytes.length - i;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += left > 1 ? B64[(n >> 6) & 63]! : '=';
    out += left > 2 ? B64[n & 63]! : '=';
  }
  return out;
}

const corrupt = (at: number): Error => new Error(`illegal base64 data at input byte ${at}`);
const corrupt32 = (at: number): Error => new Error(`illegal base32 data at input byte ${at}`);

/** base64.StdEncoding.DecodeString (newlines ignored, padding required). */
export function base64Decode(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  const isNl = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;
  let si = 0;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let end = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        throw corrupt(si - j);
      }
      const c = src[si++]!;
      const v = B64.indexOf(String.fromCharCode(c));
      if (v >= 0 && c < 0x80) {
        dbuf[j] = v;
        continue;
      }
      if (isNl(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) throw corrupt(si - 1);
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNl(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNl(src[si])) si++;
      if (si < src.length) throw corrupt(si);
      dlen = j;
      end = true;
      break;
    }
    const n = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const bytes = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    out.push(...bytes.slice(0, dlen - 1));
    if (end) break;
  }
  return Uint8Array.from(out);
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const chunk = bytes.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(chunk[k] ?? 0);
    const chars = [1, 2, 4, 5, 7, 8][chunk.length] ?? 8;
    for (let k = 0; k < 8; k++) out += k < chars ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)]! : '=';
  }
  return out;
}

/** base32.StdEncoding.DecodeString. */
export function base32Decode(raw: Uint8Array): Uint8Array {
  const src = raw.filter((c) => c !== 0x0a && c !== 0x0d);
  const olen = src.length;
  const out: number[] = [];
  let pos = 0;
  let end = false;
  while (pos < olen && !end) {
    const dbuf = new Array<number>(8).fill(0);
    let dlen = 8;
    for (let j = 0; j < 8;) {
      const remaining = olen - pos;
      if (remaining === 0) throw corrupt32(olen - j);
      const c = src[pos++]!;
      const left = olen - pos;
      if (c === 0x3d && j >= 2 && left < 8) {
        if (left + j < 7) throw corrupt32(olen);
        for (let k = 0; k < 7 - j; k++) if (left > k && src[pos + k] !== 0x3d) throw corrupt32(pos + k - 1);
        dlen = j;
        end = true;
        if (dlen === 1 || dlen === 3 || dlen === 6) throw corrupt32(pos - 1);
        break;
      }
      const v = B32.indexOf(String.fromCharCode(c));
      if (v < 0 || c >= 0x80) throw corrupt32(pos - 1);
      dbuf[j++] = v;
    }
    let bits = 0n;
    for (const d of dbuf) bits = (bits << 5n) | BigInt(d);
    const bytes = [32n, 24n, 16n, 8n, 0n].map((s) => Number((bits >> s) & 255n));
    const keep = { 8: 5, 7: 4, 5: 3, 4: 2, 2: 1 }[dlen as 8 | 7 | 5 | 4 | 2] ?? 0;
    out.push(...bytes.slice(0, keep));
  }
  return Uint8Array.from(out);
}

function decodeOrError(decode: (b: Uint8Array) => Uint8Array, s: string): string {
  try {
    return fromUtf8(decode(utf8(s)));
  } catch (e) {
    return (e as Error).message;
  }
}

export function encodingFunctions(): Map<string, GoFunc> {
  const S = 'string';
  return new Map<string, GoFunc>([
    ['b64enc', fn([S], S, (a) => base64Encode(utf8(a[0] as string)))],
    ['b64dec', fn([S], S, (a) => decodeOrError(base64Decode, a[0] as string))],
    ['b32enc', fn([S], S, (a) => base32Encode(utf8(a[0] as string)))],
    ['b32dec', fn([S], S, (a) => decodeOrError(base32Decode, a[0] as string))],
    ['sha1sum', fn([S], S, (a) => sha1Hex(utf8(a[0] as string)))],
    ['sha256sum', fn([S], S, (a) => sha256Hex(a[0] as string))],
    ['sha512sum', fn([S], S, (a) => sha512Hex(utf8(a[0] as string)))],
    ['adler32sum', fn([S], S, (a) => String(adler32(utf8(a[0] as string))))],
  ]);
}
