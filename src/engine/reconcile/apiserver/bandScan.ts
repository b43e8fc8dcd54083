// The scan both allocators share: a start inside the dynamic (upper) band,
// linear probing with wrap-around, then the static (lower) band.

/**
 * Finds a free offset in [0, size): first in [rangeOffset, size) starting at
 * `start mod (size - rangeOffset)`, then in [0, rangeOffset). Returns null when full.
 */
export function scanBands(
  size: bigint,
  rangeOffset: bigint,
  start: bigint,
  allocatedCount: number,
  isFree: (offset: bigint) => boolean,
): bigint | null {
  const bands: [bigint, bigint][] = [
    [rangeOffset, size - rangeOffset],
    [0n, rangeOffset < size ? rangeOffset : size],
  ];
  for (const [base, length] of bands) {
    if (length <= 0n) continue;
    // Among allocatedCount + 1 consecutive candidates one is free; no need to walk a /64.
    const limit = length < BigInt(allocatedCount + 1) ? length : BigInt(allocatedCount + 1);
    const first = start % length;
    for (let i = 0n; i < limit; i++) {
      const offset = base + ((first + i) % length);
      if (isFree(offset)) return offset;
    }
  }
  return null;
}
