// The order iptables-save lists user chains in: by name, comparing UTF-16 code units
// (what `<` and the default Array.prototype.sort do). A node's rules have tens of
// thousands of chains (KUBE-SEP-<hash> per endpoint), and comparison sorting them cost
// more than writing their rules; this MSD radix sort reads each name's characters once
// per level instead (the hashes differ within their first two or three letters).

/** Ranges this short are insertion-sorted. */
const smallRange = 16;
/** Deeper than this (absurdly long shared prefixes), ranges are comparison-sorted. */
const maxDepth = 64;

/** Indices of `names` in the names' sorted order (equal names keep their relative order). */
export function sortedOrder(names: readonly string[]): Uint32Array {
  const order = new Uint32Array(names.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  radixSort(names, order, new Uint32Array(names.length), 0, order.length, 0);
  return order;
}

/** `names` sorted as names.slice().sort() would sort them. */
export function sortChainNames(names: readonly string[]): string[] {
  return Array.from(sortedOrder(names), (i) => names[i] ?? '');
}

/** Bucket counts per depth: one frame at a time uses a depth's, so they are reused, not allocated per range. */
const countsByDepth: Int32Array[] = [];

function countsAt(depth: number): Int32Array {
  let counts = countsByDepth[depth];
  if (counts === undefined) {
    counts = new Int32Array(258);
    countsByDepth[depth] = counts;
  } else counts.fill(0);
  return counts;
}

/** The character at `depth` as a bucket (0: the name ends before it); -1 for code units above 0xff. */
function bucketAt(name: string, depth: number): number {
  if (depth >= name.length) return 0;
  const c = name.charCodeAt(depth);
  return c > 0xff ? -1 : c + 1;
}

/** Sorts order[lo, hi), whose names all share their first `depth` characters. */
function radixSort(
  names: readonly string[],
  order: Uint32Array,
  scratch: Uint32Array,
  lo: number,
  hi: number,
  depth: number,
): void {
  for (;;) {
    if (hi - lo <= smallRange) return insertionSort(names, order, lo, hi);
    depth = commonPrefix(names, order, lo, hi, depth);
    if (depth > maxDepth) return comparisonSort(names, order, lo, hi);
    const counts = countsAt(depth);
    let low = 257;
    let high = 0;
    for (let i = lo; i < hi; i++) {
      const b = bucketAt(names[order[i] ?? 0] ?? '', depth);
      if (b < 0) return comparisonSort(names, order, lo, hi);
      counts[b + 1] = (counts[b + 1] ?? 0) + 1;
      if (b < low) low = b;
      if (b > high) high = b;
    }
    // One bucket: nothing moves; look at the next character (unless all the names ended).
    if (low === high) {
      if (low === 0) return;
      depth++;
      continue;
    }
    for (let b = low + 1; b <= high; b++) counts[b] = (counts[b] ?? 0) + (counts[b - 1] ?? 0);
    // counts[b] is now where bucket b starts; distribute (stable), then copy back.
    for (let i = lo; i < hi; i++) {
      const index = order[i] ?? 0;
      const b = bucketAt(names[index] ?? '', depth);
      const at = counts[b] ?? 0;
      counts[b] = at + 1;
      scratch[at] = index;
    }
    order.set(scratch.subarray(0, hi - lo), lo);
    // counts[b] is now where bucket b + 1 starts. Bucket 0 holds equal names: already in order.
    for (let b = Math.max(low, 1); b <= high; b++) {
      const start = lo + (b === low ? 0 : (counts[b - 1] ?? 0));
      const end = lo + (counts[b] ?? 0);
      if (end - start > 1) radixSort(names, order, scratch, start, end, depth + 1);
    }
    return;
  }
}

function commonPrefix(
  names: readonly string[],
  order: Uint32Array,
  lo: number,
  hi: number,
  depth: number,
): number {
  const first = names[order[lo] ?? 0] ?? '';
  let shared = first.length;
  for (let i = lo + 1; i < hi && shared > depth; i++) {
    const name = names[order[i] ?? 0] ?? '';
    const n = Math.min(shared, name.length);
    let k = depth;
    while (k < n && name.charCodeAt(k) === first.charCodeAt(k)) k++;
    shared = k;
  }
  return shared;
}

function insertionSort(names: readonly string[], order: Uint32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const index = order[i] ?? 0;
    const name = names[index] ?? '';
    let j = i - 1;
    while (j >= lo && (names[order[j] ?? 0] ?? '') > name) {
      order[j + 1] = order[j] ?? 0;
      j--;
    }
    order[j + 1] = index;
  }
}

function comparisonSort(names: readonly string[], order: Uint32Array, lo: number, hi: number): void {
  const range = Array.from(order.subarray(lo, hi));
  range.sort((a, b) => {
    const x = names[a] ?? '';
    const y = names[b] ?? '';
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  order.set(range, lo);
}
