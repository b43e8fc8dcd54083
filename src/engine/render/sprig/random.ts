// Sprig's random-by-nature functions, deterministic: every value comes from a small PRNG
// (sfc32 seeded through a string hash) keyed by the seed, the function's name and how many
// times that function ran before, so a render is stable. The shapes are Sprig's (alphabets,
// lengths, UUID version bits, PEM framing); the crypto functions that would need real key
// generation (genPrivateKey rsa/dsa, genCA, genSelfSignedCert, genSignedCert) produce clearly
// labelled placeholders: PEM blocks whose content starts "kubepath placeholder" (ed25519 and
// ecdsa P-256 keys are real: a seeded secret and, for P-256, its computed public point). bcrypt (and htpasswd's
// default) is real bcrypt with a seeded salt, encryptAES/decryptAES real AES-256-CBC with a
// seeded IV, so their output verifies / decrypts as Helm's would.
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, GoObject } from '../gotemplate';
import { fn, num, utf8, fromUtf8, strval } from './convert';
import { sha1 } from './digest';
import { base64Decode, base64Encode } from './encoding';
import { aesCbcDecrypt, aesCbcEncrypt } from './aes';
import { bcryptHash, blowfishInit } from './bcrypt';
import { p256PrivateKeyDer } from './p256';

/** A stream of 32-bit values. */
export type Random = () => number;

/** xmur3 string hash → sfc32 generator. */
export function seededRandom(seed: string): Random {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = (): number => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
}

/** A uniform integer in [0, n). */
function below(r: Random, n: number): number {
  if (n <= 0) throw new FuncError('invalid argument to Intn');
  if (n <= 2 ** 32) {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = r();
      if (x < limit) return x % n;
    }
  }
  return Math.floor(((r() * 2 ** 21 + (r() >>> 11)) / 2 ** 53) * n);
}

function bytes(r: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r() & 255;
  return out;
}

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

function randomString(r: Random, count: number, alphabet: string): string {
  if (count <= 0) return '';
  let s = '';
  for (let i = 0; i < count; i++) s += alphabet[below(r, alphabet.length)]!;
  return s;
}

function uuid(r: Random): string {
  const b = bytes(r, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function shuffle(r: Random, s: string): string {
  const runes = [...s];
  for (let i = runes.length - 1; i > 0; i--) {
    const j = below(r, i + 1);
    [runes[i], runes[j]] = [runes[j]!, runes[i]!];
  }
  return runes.join('');
}

/** pem.EncodeToMemory. */
export function pem(type: string, content: Uint8Array): string {
  const b64 = base64Encode(content);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.map((l) => l + '\n').join('')}-----END ${type}-----\n`;
}

/** A labelled placeholder PEM block: the label, then seeded filler bytes. */
function placeholderPem(r: Random, type: string, label: string, size: number): string {
  const head = utf8(`kubepath placeholder ${label} (not a real key or certificate)\n`);
  const body = new Uint8Array(head.length + size);
  body.set(head);
  body.set(bytes(r, size), head.length);
  return pem(type, body);
}

const KEY_TYPES: Readonly<Record<string, [string, number]>> = {
  '': ['RSA PRIVATE KEY', 2348],
  rsa: ['RSA PRIVATE KEY', 2348],
  dsa: ['DSA PRIVATE KEY', 850],
  ecdsa: ['EC PRIVATE KEY', 121],
  ed25519: ['PRIVATE KEY', 48],
};

/** PKCS#8 PrivateKeyInfo for Ed25519 up to the seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

const CERT = 'sprig.certificate';

function certificate(cert: string, key: string): GoObject<{ cert: string; key: string }> {
  return new GoObject(
    CERT,
    'struct',
    `{${cert} ${key}}`,
    new Map<string, GoFunc>([
      ['Cert', fn([], 'string', () => cert)],
      ['Key', fn([], 'string', () => key)],
    ]),
    { cert, key },
    new Map<string, Value>([
      ['Cert', cert],
      ['Key', key],
    ]),
  );
}

function checkIps(ips: Value): void {
  if (ips === null || ips === undefined) return;
  for (const ip of ips as readonly Value[]) {
    if (typeof ip !== 'string') throw new FuncError(`error parsing ip: ${strval(ip)} is not a string`);
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
    const ok =
      v4 !== null
        ? v4.slice(1).every((o) => Number(o) <= 255 && !/^0\d/.test(o))
        : /^[0-9a-fA-F:.]+$/.test(ip) && ip.includes(':');
    if (!ok) throw new FuncError(`error parsing ip: ${ip}`);
  }
}

function checkDns(names: Value): void {
  if (names === null || names === undefined) return;
  for (const n of names as readonly Value[])
    if (typeof n !== 'string')
      throw new FuncError(`error processing alternate dns name: ${strval(n)} is not a string`);
}

export function randomFunctions(stream: (name: string) => Random): Map<string, GoFunc> {
  const S = 'string';
  // Blowfish's π table, computed on the first bcrypt of this function map.
  let blowfish: Uint32Array | undefined;
  /** Sprig's bcrypt: bcrypt.GenerateFromPassword(input, DefaultCost = 10), errors as text. */
  const bcrypt = (r: Random, input: string): string => {
    blowfish ??= blowfishInit();
    try {
      return bcryptHash(utf8(input), 10, bytes(r, 16), blowfish);
    } catch (e) {
      return `failed to encrypt string with bcrypt: ${(e as Error).message}`;
    }
  };
  const L = '[]interface {}';
  const keyPem = (r: Random, typ: string): string => {
    const t = KEY_TYPES[typ];
    if (t === undefined) return 'Unknown type ' + typ;
    // An Ed25519 key is its 32-byte seed: a real PKCS#8 key, as x509.MarshalPKCS8PrivateKey writes it.
    if (typ === 'ed25519')
      return pem('PRIVATE KEY', Uint8Array.from([...ED25519_PKCS8_PREFIX, ...bytes(r, 32)]));
    if (typ === 'ecdsa') return pem('EC PRIVATE KEY', p256PrivateKeyDer(bytes(r, 40)));
    return placeholderPem(r, t[0], `${typ === '' ? 'rsa' : typ} private key`, t[1]);
  };
  const caKey = (r: Random): string => placeholderPem(r, 'RSA PRIVATE KEY', 'rsa private key', 1190);
  const cert = (r: Random, what: string): string => placeholderPem(r, 'CERTIFICATE', what, 700);
  const signed = (name: string) => (a: Value[]) => {
    const r = stream(name);
    checkIps(a[1]);
    checkDns(a[2]);
    const withKey = name.endsWith('WithKey');
    const key = withKey ? (a[a.length - 1] as string) : caKey(r);
    return certificate(cert(r, `certificate CN=${a[0] as string}`), key);
  };
  return new Map<string, GoFunc>([
    ['randAlphaNum', fn(['int'], S, (a) => randomString(stream('randAlphaNum'), num(a[0]), ALPHA + DIGITS))],
    ['randAlpha', fn(['int'], S, (a) => randomString(stream('randAlpha'), num(a[0]), ALPHA))],
    ['randNumeric', fn(['int'], S, (a) => randomString(stream('randNumeric'), num(a[0]), DIGITS))],
    ['randAscii', fn(['int'], S, (a) => randomString(stream('randAscii'), num(a[0]), ASCII))],
    [
      'randBytes',
      fn(['int'], S, (a) => {
        if (num(a[0]) < 0) throw new FuncError('runtime error: makeslice: len out of range');
        return base64Encode(bytes(stream('randBytes'), num(a[0])));
      }),
    ],
    [
      'randInt',
      fn(['int', 'int'], 'int', (a) => BigInt(below(stream('randInt'), num(a[1]) - num(a[0])) + num(a[0]))),
    ],
    ['uuidv4', fn([], S, () => uuid(stream('uuidv4')))],
    ['shuffle', fn([S], S, (a) => shuffle(stream('shuffle'), a[0] as string))],
    ['bcrypt', fn([S], S, (a) => bcrypt(stream('bcrypt'), a[0] as string))],
    [
      'htpasswd',
      fn([S, S, S], S, (a) => {
        const [user, password, algo] = a as [string, string, string];
        if (user.includes(':')) return `invalid username: ${user}`;
        if (algo === 'sha') return `${user}:{SHA}${base64Encode(sha1(utf8(password)))}`;
        return `${user}:${bcrypt(stream('htpasswd'), password)}`;
      }),
    ],
    ['genPrivateKey', fn([S], S, (a) => keyPem(stream('genPrivateKey'), a[0] as string))],
    [
      'genCA',
      fn([S, 'int'], CERT, (a) => {
        const r = stream('genCA');
        return certificate(cert(r, `CA certificate CN=${a[0] as string}`), caKey(r));
      }),
    ],
    [
      'genCAWithKey',
      fn([S, 'int', S], CERT, (a) =>
        certificate(cert(stream('genCAWithKey'), `CA certificate CN=${a[0] as string}`), a[2] as string),
      ),
    ],
    ['genSelfSignedCert', fn([S, L, L, 'int'], CERT, signed('genSelfSignedCert'))],
    ['genSelfSignedCertWithKey', fn([S, L, L, 'int', S], CERT, signed('genSelfSignedCertWithKey'))],
    ['genSignedCert', fn([S, L, L, 'int', CERT], CERT, signed('genSignedCert'))],
    ['genSignedCertWithKey', fn([S, L, L, 'int', CERT, S], CERT, signed('genSignedCertWithKey'))],
    [
      'buildCustomCert',
      fn([S, S], CERT, (a) => {
        let c: Uint8Array;
        let k: Uint8Array;
        try {
          c = base64Decode(utf8(a[0] as string));
        } catch {
          throw new FuncError('unable to decode base64 certificate');
        }
        try {
          k = base64Decode(utf8(a[1] as string));
        } catch {
          throw new FuncError('unable to decode base64 private key');
        }
        const certText = fromUtf8(c);
        if (!/-----BEGIN [A-Z ]+-----/.test(certText)) throw new FuncError('unable to decode certificate');
        return certificate(certText, fromUtf8(k));
      }),
    ],
    [
      'encryptAES',
      fn([S, S], S, (a) => {
        const plaintext = a[1] as string;
        if (plaintext === '') return '';
        const iv = bytes(stream('encryptAES'), 16);
        return base64Encode(aesCbcEncrypt(aesKey(a[0] as string), iv, utf8(plaintext)));
      }),
    ],
    [
      'decryptAES',
      fn([S, S], S, (a) => {
        const crypt64 = a[1] as string;
        if (crypt64 === '') return '';
        let data: Uint8Array;
        try {
          data = base64Decode(utf8(crypt64));
        } catch (e) {
          throw new FuncError((e as Error).message);
        }
        return fromUtf8(aesCbcDecrypt(aesKey(a[0] as string), data));
      }),
    ],
  ]);
}

/** Sprig's AES key: the password's bytes, zero-padded or cut to 32. */
function aesKey(password: string): Uint8Array {
  const key = new Uint8Array(32);
  key.set(utf8(password).subarray(0, 32));
  return key;
}

/** Names of the functions above (what a render that calls them must mark predicted). */
export const RANDOM_FUNCTIONS: readonly string[] = [
  'randAlphaNum',
  'randAlpha',
  'randNumeric',
  'randAscii',
  'randBytes',
  'randInt',
  'uuidv4',
  'shuffle',
  'bcrypt',
  'htpasswd',
  'genPrivateKey',
  'genCA',
  'genCAWithKey',
  'genSelfSignedCert',
  'genSelfSignedCertWithKey',
  'genSignedCert',
  'genSignedCertWithKey',
  'encryptAES',
];
