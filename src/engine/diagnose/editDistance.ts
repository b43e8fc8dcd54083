/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Close enough to be a typo: at most a third of the longer string, and at least 1 edit allowed. */
export function isLikelyTypo(written: string, existing: string): boolean {
  const d = editDistance(written, existing);
  return d > 0 && d <= Math.max(1, Math.floor(Math.max(written.length, existing.length) / 3));
}
