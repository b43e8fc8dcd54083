// Go's strconv.FormatFloat for the verbs fmt uses (%e %f %g, shortest and with precision),
// from the exact decimal expansion of the double, rounded half to even as Go rounds.

interface Digits {
  /** Significant decimal digits, no leading or trailing zeros ('' for zero). */
  d: string;
  /** Decimal point position: value = 0.d × 10^dp. */
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  let digits: string;
  let pointFromRight: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    pointFromRight = 0;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    pointFromRight = -exp;
  }
  const dp = digits.length - pointFromRight;
  return trim({ d: digits, dp });
}

function trim(x: Digits): Digits {
  let d = x.d;
  let dp = x.dp;
  let start = 0;
  while (start < d.length && d[start] === '0') start++;
  d = d.slice(start);
  dp -= start;
  let end = d.length;
  while (end > 0 && d[end - 1] === '0') end--;
  d = d.slice(0, end);
  if (d === '') dp = 0;
  return { d, dp };
}

/** Rounds to n significant digits, half to even (the expansion is exact, so ties are real). */
function roundTo(x: Digits, n: number): Digits {
  if (n < 0) return { d: '', dp: 0 };
  if (x.d.length <= n) return x;
  const keep = x.d.slice(0, n);
  const rest = x.d.slice(n);
  let up: boolean;
  if (rest[0]! > '5') up = true;
  else if (rest[0]! < '5') up = false;
  else if (/[1-9]/.test(rest.slice(1))) up = true;
  else up = n > 0 && Number(keep[n - 1]) % 2 === 1;
  if (!up) return trim({ d: keep, dp: x.dp });
  if (n === 0) return { d: '1', dp: x.dp + 1 };
  const bumped = (BigInt(keep) + 1n).toString();
  if (bumped.length > keep.length) return trim({ d: bumped, dp: x.dp + 1 });
  return trim({ d: bumped.padStart(n, '0'), dp: x.dp });
}

/** The shortest digits that round-trip (what JavaScript's Number#toString also computes). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [mant, e] = x.toExponential().split('e') as [string, string];
  const d = mant.replace('.', '');
  return trim({ d, dp: Number(e) + 1 });
}

function fmtE(digs: Digits, prec: number, e: 'e' | 'E'): string {
  let out = digs.d.length === 0 ? '0' : digs.d[0]!;
  if (prec > 0) {
    out += '.';
    const frac = digs.d.slice(1, 1 + prec);
    out += frac.padEnd(prec, '0');
  }
  const exp = digs.d.length === 0 ? 0 : digs.dp - 1;
  const abs = Math.abs(exp);
  return `${out}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(digs: Digits, prec: number): string {
  let out: string;
  if (digs.dp > 0) out = digs.d.slice(0, digs.dp).padEnd(digs.dp, '0');
  else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = digs.dp + i - 1;
      out += j >= 0 && j < digs.d.length ? digs.d[j] : '0';
    }
  }
  return out;
}

/**
 * strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f F g G; prec -1 means shortest.
 * Returns the text with a leading '-' for negative numbers (and -0).
 */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let digs: Digits;
  const lower = verb.toLowerCase() as 'e' | 'f' | 'g';
  if (shortest) {
    digs = shortestDigits(abs);
    if (lower === 'e') prec = Math.max(digs.d.length - 1, 0);
    else if (lower === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else {
    const exact = exactDigits(abs);
    if (lower === 'e') digs = roundTo(exact, prec + 1);
    else if (lower === 'f') digs = roundTo(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      digs = roundTo(exact, prec);
    }
  }
  const sign = neg ? '-' : '';
  const e = verb === 'E' || verb === 'G' ? 'E' : 'e';
  if (lower === 'e') return sign + fmtE(digs, prec, e);
  if (lower === 'f') return sign + fmtF(digs, prec);
  let eprec = prec;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (digs.d.length !== 0 && (exp < -4 || exp >= eprec)) {
    if (prec > digs.d.length) prec = digs.d.length;
    return sign + fmtE(digs, prec - 1, e);
  }
  if (prec > digs.dp) prec = digs.d.length;
  return sign + fmtF(digs, Math.max(prec - digs.dp, 0));
}
