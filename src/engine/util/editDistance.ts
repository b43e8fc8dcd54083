/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions,
 * the commonest typo: "wbe" for "web"), for "did you mean" suggestions.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const up = rows[i - 1] ?? [];
      let best = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/** Close enough to be a typo: at most a third of the longer string, and at least 1 edit allowed. */
export function isLikelyTypo(written: string, existing: string): boolean {
  const d = editDistance(written, existing);
  return d > 0 && d <= Math.max(1, Math.floor(Math.max(written.length, existing.length) / 3));
}
