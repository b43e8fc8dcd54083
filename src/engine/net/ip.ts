// IP arithmetic shared by the engine: IPv4 on unsigned 32-bit numbers (the fast path the
// proxy and allocators use), and both families as bigints for the API server's validation
// and the iptables interpreter, which wrap these parsers with their own semantics.

/**
 * Dotted-quad IPv4 as a 32-bit bigint. Octets with leading zeros are read as decimal (Go's
 * ParseIPSloppy); `maxOctetDigits` bounds how many digits one octet may have (iptables
 * reads at most 3; Go's sloppy parser any number).
 */
export function parseIPv4Bits(text: string, maxOctetDigits = 3): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (part.length === 0 || part.length > maxOctetDigits || !/^[0-9]+$/.test(part)) return null;
    const n = Number.parseInt(part, 10);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** RFC 4291 text (with `::` and an optional dotted IPv4 tail) as a 128-bit bigint. */
export function parseIPv6Bits(text: string, maxOctetDigits = 3): bigint | null {
  if (!text.includes(':')) return null;
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4Bits(text.slice(lastColon + 1), maxOctetDigits);
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const left = parseGroups(halves[0] ?? '');
  const right = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** Canonical text of a 32- or 128-bit address (IPv6 compressed per RFC 5952). */
export function formatIPBits(bits: 32 | 128, value: bigint): string {
  if (bits === 32) return formatIPv4(Number(value & 0xffffffffn));
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  // Compress the longest run (>= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value >>> 0;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export interface CIDR {
  network: number;
  prefix: number;
  /** Number of addresses, including network and broadcast. */
  size: number;
}

export function parseCIDR(text: string): CIDR | null {
  const m = /^\s*([0-9.]+)\/(\d{1,2})\s*$/.exec(text);
  if (!m) return null;
  const ip = parseIPv4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (ip === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  const network = prefix === 0 ? 0 : (ip - (ip % size)) >>> 0;
  return { network, prefix, size };
}

export function formatCIDR(cidr: CIDR): string {
  return `${formatIPv4(cidr.network)}/${cidr.prefix}`;
}

export function ipInCIDR(ip: string, cidr: string | CIDR): boolean {
  const parsed = typeof cidr === 'string' ? parseCIDR(cidr) : cidr;
  const value = parseIPv4(ip);
  if (!parsed || value === null) return false;
  return value >= parsed.network && value < parsed.network + parsed.size;
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCIDR(outer);
  const i = parseCIDR(inner);
  if (!o || !i) return false;
  return i.network >= o.network && i.network + i.size <= o.network + o.size;
}
