// calculateRangeOffset: the size of the static band at the bottom of a range,
// kept for explicit requests; random (here: hashed) picks come from above it.

/** ipallocator: min 16, max 256, step 16, over the CIDR's total address count. */
export function calculateIPRangeOffset(rangeSize: bigint): number {
  const min = 16n;
  const max = 256n;
  const step = 16n;
  if (rangeSize <= min) return 0;
  const offset = rangeSize / step;
  if (offset < min) return Number(min);
  if (offset > max) return Number(max);
  return Number(offset);
}

/** portallocator: min 16, max 128, step 32, over the number of ports in the range. */
export function calculatePortRangeOffset(size: number): number {
  const min = 16;
  const max = 128;
  const step = 32;
  if (size <= min) return 0;
  const offset = Math.floor(size / step);
  if (offset < min) return min;
  if (offset > max) return max;
  return offset;
}
