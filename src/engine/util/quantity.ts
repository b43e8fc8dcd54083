// resource.Quantity as the scheduler reads it: a decimal number with an SI, binary-SI or
// exponent suffix, rounded up to an integer (Value) or to millis (MilliValue, for cpu).
// Exact: the digits are kept as bigints so "0.1" cpu is 100m, not 101m.

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * The quantity in units × `scale` (1 for Value, 1000 for MilliValue), rounded up as
 * resource.Quantity does; null when the text is not a quantity.
 */
export function parseQuantity(value: unknown, scale: 1 | 1000 = 1): number | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    return parseQuantity(String(value), scale);
  }
  if (typeof value !== 'string') return null;
  const m = QUANTITY.exec(value.trim());
  if (!m) return null;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return null;
  let numerator = BigInt(`${whole}${fraction}` || '0') * BigInt(scale);
  let denominator = 10n ** BigInt(fraction.length);
  if (suffix in BINARY) numerator *= 1024n ** BigInt(BINARY[suffix] as number);
  else {
    const exponent = suffix in DECIMAL ? (DECIMAL[suffix] as number) : Number(suffix.slice(1));
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  const negative = sign === '-';
  const quotient = numerator / denominator;
  const rounded = numerator % denominator === 0n ? quotient : negative ? quotient : quotient + 1n;
  return Number(negative ? -rounded : rounded);
}

/** cpu is counted in millicores, every other resource in whole units. */
export function resourceAmount(name: string, value: unknown): number | null {
  return parseQuantity(value, name === 'cpu' ? 1000 : 1);
}
