// kube-proxy writes `--probability` as fmt.Sprintf("%0.10f", 1.0/float64(n)).

const cache: string[] = ['<bad value>'];

/**
 * Go's %.Nf: the exact binary value rounded half-to-even. toFixed rounds exact ties
 * up instead (1/2048 = 0.00048828125 is one), so ties are detected and fixed here.
 */
export function formatFixedGo(x: number, digits: number): string {
  const rounded = x.toFixed(digits);
  const exact = x.toFixed(Math.min(100, digits + 40));
  const tail = exact.slice(exact.length - 40);
  if (!/^50*$/.test(tail)) return rounded;
  // Exactly halfway: keep the truncated value when its last digit is even.
  const truncated = exact.slice(0, exact.length - 40);
  const last = Number(truncated[truncated.length - 1]);
  return last % 2 === 0 ? truncated : rounded;
}

export function computeProbability(n: number): string {
  return formatFixedGo(1 / n, 10);
}

/** Precomputed like the proxier's precomputedProbabilities (index 0 is never used). */
export function probability(n: number): string {
  for (let i = cache.length; i <= n; i++) cache.push(computeProbability(i));
  return cache[n] ?? computeProbability(n);
}
