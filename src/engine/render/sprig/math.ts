// Sprig's arithmetic (numeric.go and functions.go): integer functions convert with cast.ToInt64
// and return int64; the float ones (addf, subf, mulf, divf, add1f) go through shopspring/decimal
// as Sprig does (so 1.2 * 2.4 is 2.88, not 2.8799999999999994), the rest use float64.
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, formatV } from '../gotemplate';
import { fn, goInt, int64, toFloat64, toInt64 } from './convert';

const I = 'interface {}';

/** A decimal coef × 10^exp (shopspring/decimal's representation). */
interface Decimal {
  readonly coef: bigint;
  readonly exp: number;
}

/** decimal.NewFromFloat: the shortest decimal that round-trips to the float. */
function fromFloat(f: number): Decimal {
  if (!Number.isFinite(f)) throw new FuncError(`Cannot create a Decimal from ${formatV(f)}`);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(f))!;
  const frac = m[3] ?? '';
  const coef = BigInt((m[1] ?? '') + m[2]! + frac);
  return { coef, exp: Number(m[4] ?? 0) - frac.length };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

const add = (a: Decimal, b: Decimal): Decimal => {
  const [x, y, exp] = align(a, b);
  return { coef: x + y, exp };
};
const sub = (a: Decimal, b: Decimal): Decimal => {
  const [x, y, exp] = align(a, b);
  return { coef: x - y, exp };
};
const mul = (a: Decimal, b: Decimal): Decimal => ({ coef: a.coef * b.coef, exp: a.exp + b.exp });

/** decimal.Div: DivRound to 16 decimal places, half away from zero. */
function div(a: Decimal, b: Decimal): Decimal {
  if (b.coef === 0n) throw new FuncError('decimal division by 0');
  const places = 16;
  // a/b × 10^places as an integer, rounded.
  const shift = places + a.exp - b.exp;
  let num = a.coef;
  let den = b.coef;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const negative = num < 0n !== den < 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  return { coef: negative ? -q : q, exp: -places };
}

function toNumber(d: Decimal): number {
  return Number(`${d.coef}e${d.exp}`);
}

function decimalOp(first: Value, rest: readonly Value[], op: (a: Decimal, b: Decimal) => Decimal): number {
  let acc = fromFloat(toFloat64(first));
  for (const x of rest) acc = op(acc, fromFloat(toFloat64(x)));
  return toNumber(acc);
}

function intDiv(a: bigint, b: bigint, mod: boolean): Value {
  if (b === 0n) throw new FuncError('runtime error: integer divide by zero');
  return int64(mod ? a % b : a / b);
}

/** Sprig's round(a, places, roundOn = .5). */
function round(a: Value, places: bigint, roundOn: number): number {
  const val = toFloat64(a);
  const pow = Math.pow(10, Number(places));
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** strconv.ParseInt(fmt.Sprint(v), 8, 64), 0 on error. */
function toDecimal(v: Value): Value {
  const s = formatV(v === undefined ? null : v);
  const m = /^([+-]?)([0-7]+)$/.exec(s);
  if (m === null) return int64(0n);
  const n = BigInt('0o' + m[2]!) * (m[1] === '-' ? -1n : 1n);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return int64(0n);
  return int64(n);
}

export function mathFunctions(): Map<string, GoFunc> {
  const maxInt = (a: Value[]): Value => int64(a.map(toInt64).reduce((x, y) => (y > x ? y : x)));
  const minInt = (a: Value[]): Value => int64(a.map(toInt64).reduce((x, y) => (y < x ? y : x)));
  // math.Max / math.Min: NaN wins, and +0 / -0 are ordered.
  const fmax = (x: number, y: number): number =>
    Number.isNaN(x) || Number.isNaN(y)
      ? NaN
      : x === 0 && y === 0
        ? Object.is(x, -0)
          ? y
          : x
        : Math.max(x, y);
  const fmin = (x: number, y: number): number =>
    Number.isNaN(x) || Number.isNaN(y)
      ? NaN
      : x === 0 && y === 0
        ? Object.is(x, -0)
          ? x
          : y
        : Math.min(x, y);
  return new Map<string, GoFunc>([
    ['add1', fn([I], 'int64', (a) => int64(toInt64(a[0]) + 1n))],
    [
      'add',
      fn([], 'int64', (a) => int64(a.reduce<bigint>((s, x) => BigInt.asIntN(64, s + toInt64(x)), 0n)), I),
    ],
    ['sub', fn([I, I], 'int64', (a) => int64(toInt64(a[0]) - toInt64(a[1])))],
    ['div', fn([I, I], 'int64', (a) => intDiv(toInt64(a[0]), toInt64(a[1]), false))],
    ['mod', fn([I, I], 'int64', (a) => intDiv(toInt64(a[0]), toInt64(a[1]), true))],
    [
      'mul',
      fn(
        [I],
        'int64',
        (a) => int64(a.slice(1).reduce<bigint>((s, x) => BigInt.asIntN(64, s * toInt64(x)), toInt64(a[0]))),
        I,
      ),
    ],
    ['add1f', fn([I], 'float64', (a) => decimalOp(a[0], [1n], add))],
    ['addf', fn([], 'float64', (a) => decimalOp(0, a, add), I)],
    ['subf', fn([I], 'float64', (a) => decimalOp(a[0], a.slice(1), sub), I)],
    ['divf', fn([I], 'float64', (a) => decimalOp(a[0], a.slice(1), div), I)],
    ['mulf', fn([I], 'float64', (a) => decimalOp(a[0], a.slice(1), mul), I)],
    ['biggest', fn([I], 'int64', maxInt, I)],
    ['max', fn([I], 'int64', maxInt, I)],
    ['min', fn([I], 'int64', minInt, I)],
    ['maxf', fn([I], 'float64', (a) => a.map(toFloat64).reduce(fmax), I)],
    ['minf', fn([I], 'float64', (a) => a.map(toFloat64).reduce(fmin), I)],
    ['ceil', fn([I], 'float64', (a) => Math.ceil(toFloat64(a[0])))],
    ['floor', fn([I], 'float64', (a) => Math.floor(toFloat64(a[0])))],
    [
      'round',
      fn(
        ['interface {}', 'int'],
        'float64',
        (a) => round(a[0], a[1] as bigint, a.length > 2 ? (a[2] as number) : 0.5),
        'float64',
      ),
    ],
    ['int64', fn([I], 'int64', (a) => int64(toInt64(a[0])))],
    ['int', fn([I], 'int', (a) => goInt(toInt64(a[0])))],
    ['float64', fn([I], 'float64', (a) => toFloat64(a[0]))],
    ['toDecimal', fn([I], 'int64', (a) => toDecimal(a[0]))],
  ]);
}
