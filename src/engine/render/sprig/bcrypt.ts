// bcrypt as golang.org/x/crypto/bcrypt computes it (for Sprig's bcrypt and htpasswd): Blowfish
// with the EksBlowfish setup, "$2a$", the key's trailing NUL, 23 of the 24 cipher bytes in
// bcrypt's base64. Blowfish's initial P-array and S-boxes are the hex digits of π, computed
// here (Machin's formula in BigInt) on first use rather than written out.
import { FuncError } from '../gotemplate';

const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The first `words` 32-bit words of π's fractional hex digits. */
function piWords(words: number): Uint32Array {
  const bits = BigInt(words * 32 + 64);
  const scale = 1n << bits;
  const atanInv = (x: bigint): bigint => {
    const x2 = x * x;
    let term = scale / x;
    let sum = 0n;
    for (let k = 0n; term !== 0n; k++) {
      sum += k % 2n === 0n ? term / (2n * k + 1n) : -(term / (2n * k + 1n));
      term /= x2;
    }
    return sum;
  };
  const frac = (16n * atanInv(5n) - 4n * atanInv(239n) - 3n * scale) >> 64n;
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = Number((frac >> BigInt((words - 1 - i) * 32)) & 0xffffffffn);
  return out;
}

/** Blowfish's initial state: P (18 words) then S0..S3 (256 each). */
export function blowfishInit(): Uint32Array {
  return piWords(18 + 4 * 256);
}

class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array; // s0|s1|s2|s3

  constructor(init: Uint32Array) {
    this.p = init.slice(0, 18);
    this.s = init.slice(18);
  }

  private f(x: number): number {
    const s = this.s;
    return (
      (((s[x >>> 24]! + s[256 + ((x >>> 16) & 255)]!) ^ s[512 + ((x >>> 8) & 255)]!) +
        s[768 + (x & 255)]!) >>>
      0
    );
  }

  encrypt(l: number, r: number): [number, number] {
    const p = this.p;
    l ^= p[0]!;
    for (let i = 1; i < 17; i += 2) {
      r ^= this.f(l) ^ p[i]!;
      l ^= this.f(r) ^ p[i + 1]!;
    }
    r ^= p[17]!;
    return [r >>> 0, l >>> 0];
  }

  /** blowfish.ExpandKey (salt empty) / expandKeyWithSalt. */
  expand(key: Uint8Array, salt: Uint8Array | null): void {
    let j = 0;
    const next = (data: Uint8Array): number => {
      let w = 0;
      for (let k = 0; k < 4; k++) {
        w = ((w << 8) | data[j]!) >>> 0;
        j = (j + 1) % data.length;
      }
      return w;
    };
    for (let i = 0; i < 18; i++) this.p[i] = this.p[i]! ^ next(key);
    j = 0;
    let l = 0;
    let r = 0;
    const fill = (arr: Uint32Array, from: number, count: number): void => {
      for (let i = 0; i < count; i += 2) {
        if (salt !== null) {
          l ^= next(salt);
          r ^= next(salt);
        }
        [l, r] = this.encrypt(l, r);
        arr[from + i] = l;
        arr[from + i + 1] = r;
      }
    };
    fill(this.p, 0, 18);
    fill(this.s, 0, 1024);
  }
}

function encode64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63]!;
  }
  return out;
}

function decode64(s: string): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new FuncError(`illegal base64 data at input byte ${out.length}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 255);
    }
  }
  return Uint8Array.from(out);
}

/**
 * bcrypt.GenerateFromPassword with a given salt (16 bytes): the "$2a$CC$salt+hash" string.
 * `init` is blowfishInit()'s table (the caller keeps it for reuse).
 */
export function bcryptHash(password: Uint8Array, cost: number, salt: Uint8Array, init: Uint32Array): string {
  if (password.length > 72) throw new FuncError('bcrypt: password length exceeds 72 bytes');
  const saltText = encode64(salt);
  const csalt = decode64(saltText);
  const ckey = new Uint8Array(password.length + 1);
  ckey.set(password);
  const c = new Blowfish(init);
  c.expand(ckey, csalt);
  for (let i = 0; i < 2 ** cost; i++) {
    c.expand(ckey, null);
    c.expand(csalt, null);
  }
  const data = new TextEncoder().encode('OrpheanBeholderScryDoubt');
  const view = new DataView(data.buffer);
  for (let i = 0; i < 24; i += 8) {
    let l = view.getUint32(i);
    let r = view.getUint32(i + 4);
    for (let k = 0; k < 64; k++) [l, r] = c.encrypt(l, r);
    view.setUint32(i, l);
    view.setUint32(i + 4, r);
  }
  return `$2a$${String(cost).padStart(2, '0')}$${saltText}${encode64(data.subarray(0, 23))}`;
}

/** The 16 salt bytes a "$2a$CC$" + 22-character salt setting names (for test vectors). */
export function saltOf(setting: string): Uint8Array {
  return decode64(setting.slice(7, 29));
}
