// NIST P-256 public keys for genPrivateKey "ecdsa": the private scalar is seeded, the public
// point is computed (affine double-and-add over BigInt), and the key is written as
// x509.MarshalECPrivateKey does (SEC 1 ECPrivateKey with the curve OID and the public point).

const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

interface Point {
  readonly x: bigint;
  readonly y: bigint;
}

const mod = (a: bigint): bigint => ((a % P) + P) % P;

function inv(a: bigint): bigint {
  let [r0, r1] = [mod(a), P];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}

function add(p: Point | null, q: Point | null): Point | null {
  if (p === null) return q;
  if (q === null) return p;
  let l: bigint;
  if (p.x === q.x) {
    if (mod(p.y + q.y) === 0n) return null;
    l = mod((3n * p.x * p.x - 3n) * inv(2n * p.y)); // a = -3
  } else l = mod((q.y - p.y) * inv(q.x - p.x));
  const x = mod(l * l - p.x - q.x);
  return { x, y: mod(l * (p.x - x) - p.y) };
}

function multiply(k: bigint): Point {
  let r: Point | null = null;
  let d: Point | null = G;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) r = add(r, d);
    d = add(d, d);
  }
  return r!;
}

function be32(n: bigint): number[] {
  return Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * (31 - i))) & 0xffn));
}

/** The DER ECPrivateKey for a scalar drawn from 40 seeded bytes (reduced into [1, n-1]). */
export function p256PrivateKeyDer(random: Uint8Array): Uint8Array {
  let k = 0n;
  for (const b of random) k = (k << 8n) | BigInt(b);
  const d = (k % (N - 1n)) + 1n;
  const q = multiply(d);
  return Uint8Array.from([
    0x30,
    0x77,
    0x02,
    0x01,
    0x01,
    0x04,
    0x20,
    ...be32(d),
    0xa0,
    0x0a,
    0x06,
    0x08,
    0x2a,
    0x86,
    0x48,
    0xce,
    0x3d,
    0x03,
    0x01,
    0x07,
    0xa1,
    0x44,
    0x03,
    0x42,
    0x00,
    0x04,
    ...be32(q.x),
    ...be32(q.y),
  ]);
}
