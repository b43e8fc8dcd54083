// IP and CIDR arithmetic on bigints, with Go's net.ParseIP ("sloppy": IPv4
// parts may carry leading zeros) semantics, so both families share one code path.
import type { IPFamily } from '../../model';

export interface ParsedIP {
  family: IPFamily;
  /** 32-bit for IPv4 (also for IPv4-mapped IPv6, as Go's To4 does), 128-bit for IPv6. */
  value: bigint;
}

export interface ParsedCIDR {
  family: IPFamily;
  network: bigint;
  prefixLength: number;
  /** Address bits: 32 or 128. */
  bits: number;
}

function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^[0-9]+$/.test(part)) return null;
    const n = Number.parseInt(part, 10);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIPv6(text: string): bigint | null {
  if (!text.includes(':')) return null;
  let tail = text;
  let v4Tail: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4Tail = parseIPv4(text.slice(lastColon + 1));
    if (v4Tail === null) return null;
    tail = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = tail.split('::');
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
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === null || rest === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  if (v4Tail !== null) value = (value & ~0xffffffffn) | v4Tail;
  return value;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** netutils.ParseIPSloppy: null when the text is not an IP address. */
export function parseIP(text: string): ParsedIP | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 'IPv4', value: v4 };
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  if (v6 >> 32n === V4_MAPPED_PREFIX >> 32n) return { family: 'IPv4', value: v6 & 0xffffffffn };
  return { family: 'IPv6', value: v6 };
}

export function formatIP(family: IPFamily, value: bigint): string {
  if (family === 'IPv4') {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties.
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

export function parseCIDR(text: string): ParsedCIDR | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === null || !/^[0-9]{1,3}$/.test(prefixText)) return null;
  const bits = address.family === 'IPv4' && !text.slice(0, slash).includes(':') ? 32 : 128;
  let prefixLength = Number.parseInt(prefixText, 10);
  if (prefixLength > bits) return null;
  let value = address.value;
  if (bits === 128 && address.family === 'IPv4') value |= V4_MAPPED_PREFIX;
  let family = address.family;
  if (bits === 128 && address.family === 'IPv4') {
    // ::ffff:a.b.c.d/n describes an IPv4 range when n >= 96, as Go's ParseCIDR does.
    if (prefixLength < 96) return null;
    prefixLength -= 96;
    value &= 0xffffffffn;
    family = 'IPv4';
  }
  const addressBits = family === 'IPv4' ? 32 : 128;
  const hostBits = BigInt(addressBits - prefixLength);
  const network = (value >> hostBits) << hostBits;
  return { family, network, prefixLength, bits: addressBits };
}

/** Total addresses in the CIDR, network and broadcast included (RangeSize). */
export function cidrSize(cidr: ParsedCIDR): bigint {
  return 1n << BigInt(cidr.bits - cidr.prefixLength);
}

export function cidrContains(cidr: ParsedCIDR, ip: ParsedIP): boolean {
  if (ip.family !== cidr.family) return false;
  return ip.value >= cidr.network && ip.value < cidr.network + cidrSize(cidr);
}

/** The other family, for dual-stack defaulting. */
export function otherFamily(family: IPFamily): IPFamily {
  return family === 'IPv4' ? 'IPv6' : 'IPv4';
}
