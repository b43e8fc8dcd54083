// IP addresses and CIDRs for the whole engine: one type for each (both families, values as
// bigints), one spelling of the family (`IPv4` | `IPv6`, as the Kubernetes API writes it).
// Parsers differ only where the programs they model differ, and say so in their options:
// Go's sloppy parser (the API server, kube-proxy) reads an IPv4 octet of any length with
// leading zeros as decimal; iptables reads at most three digits and takes bare addresses
// and dotted netmasks after -s/-d.
import type { IPFamily } from '../model';

export type { IPFamily };

export interface IP {
  readonly family: IPFamily;
  /** 32 bits for IPv4, 128 for IPv6. */
  readonly value: bigint;
}

export interface CIDR {
  readonly family: IPFamily;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
}

export interface ParseOptions {
  /** Digits an IPv4 octet may have: 3 (iptables, the default) or Infinity (Go's ParseIPSloppy). */
  maxOctetDigits?: number;
  /** `::ffff:a.b.c.d` as the IPv4 address it maps (Go's To4), instead of an IPv6 one. */
  unwrapV4Mapped?: boolean;
  /** Only this family; an address of the other is not parsed. */
  family?: IPFamily;
}

export interface CIDRParseOptions extends ParseOptions {
  /** A bare address is a /32 or /128 (iptables' -s/-d); by default a CIDR needs its prefix. */
  bareAddress?: boolean;
  /** A contiguous dotted netmask after the slash (`10.0.0.0/255.0.0.0`, iptables). */
  dottedMask?: boolean;
}

export function bitsOf(family: IPFamily): 32 | 128 {
  return family === 'IPv4' ? 32 : 128;
}

function parseIPv4Bits(text: string, maxOctetDigits: number): bigint | null {
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

/** RFC 4291 text (with `::` and an optional dotted IPv4 tail) as a 128-bit value. */
function parseIPv6Bits(text: string, maxOctetDigits: number): bigint | null {
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

const V4_MAPPED = 0xffffn;

export function parseIP(text: string, options: ParseOptions = {}): IP | null {
  const digits = options.maxOctetDigits ?? 3;
  let ip: IP | null = null;
  const v4 = parseIPv4Bits(text, digits);
  if (v4 !== null) ip = { family: 'IPv4', value: v4 };
  else {
    const v6 = parseIPv6Bits(text, digits);
    if (v6 !== null) {
      ip =
        options.unwrapV4Mapped && v6 >> 32n === V4_MAPPED
          ? { family: 'IPv4', value: v6 & 0xffffffffn }
          : { family: 'IPv6', value: v6 };
    }
  }
  if (ip && options.family && ip.family !== options.family) return null;
  return ip;
}

function maskOf(family: IPFamily, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

export function parseCIDR(text: string, options: CIDRParseOptions = {}): CIDR | null {
  const slash = text.indexOf('/');
  if (slash < 0 && !options.bareAddress) return null;
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const unwrap = options.unwrapV4Mapped ?? false;
  const address = parseIP(addressText, {
    maxOctetDigits: options.maxOctetDigits ?? 3,
    unwrapV4Mapped: unwrap,
  });
  if (address === null) return null;
  const family = address.family;
  let prefix: number = bitsOf(family);
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (/^[0-9]{1,3}$/.test(prefixText)) {
      prefix = Number.parseInt(prefixText, 10);
      if (unwrap && family === 'IPv4' && addressText.includes(':')) {
        // ::ffff:a.b.c.d/n is an IPv4 range when n >= 96, as Go's ParseCIDR reads it.
        if (prefix < 96 || prefix > 128) return null;
        prefix -= 96;
      }
    } else if (options.dottedMask && family === 'IPv4') {
      const mask = parseIPv4Bits(prefixText, 3);
      if (mask === null) return null;
      prefix = mask.toString(2).replace(/0+$/, '').length;
      if (mask !== maskOf('IPv4', prefix)) return null;
    } else {
      return null;
    }
    if (prefix > bitsOf(family)) return null;
  }
  if (options.family && family !== options.family) return null;
  return { family, network: address.value & maskOf(family, prefix), prefix };
}

function formatIPv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Canonical text (IPv6 compressed per RFC 5952). */
export function formatIP(ip: IP): string {
  if (ip.family === 'IPv4') return formatIPv4(Number(ip.value & 0xffffffffn));
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((ip.value >> shift) & 0xffffn));
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

export function formatCIDR(cidr: CIDR): string {
  return `${formatIP({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

/** Addresses in the CIDR, network and broadcast included. */
export function cidrSize(cidr: CIDR): bigint {
  return 1n << BigInt(bitsOf(cidr.family) - cidr.prefix);
}

export function cidrContains(cidr: CIDR, ip: IP): boolean {
  return ip.family === cidr.family && (ip.value & maskOf(cidr.family, cidr.prefix)) === cidr.network;
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrCovers(outer: CIDR, inner: CIDR): boolean {
  return (
    outer.family === inner.family &&
    inner.prefix >= outer.prefix &&
    (inner.network & maskOf(outer.family, outer.prefix)) === outer.network
  );
}

/** The address `offset` past the network address. */
export function addressAt(cidr: CIDR, offset: number | bigint): IP {
  return { family: cidr.family, value: cidr.network + BigInt(offset) };
}

/**
 * The text of the address `offset` past an IPv4 network, for allocators that hand out
 * thousands (number arithmetic, no bigint per address).
 */
export function ipv4TextAt(cidr: CIDR, offset: number): string {
  return formatIPv4((Number(cidr.network) + offset) >>> 0);
}

/** Whether the address text lies in the CIDR text (either unparsable: false). */
export function ipInCIDR(ip: string, cidr: string): boolean {
  const c = parseCIDR(cidr.trim());
  const a = parseIP(ip.trim());
  return c !== null && a !== null && cidrContains(c, a);
}

/** Canonical text of an address, or null when it is not one (of `family`, when given). */
export function normalizeIP(text: string, options: ParseOptions = {}): string | null {
  const ip = parseIP(text.trim(), options);
  return ip === null ? null : formatIP(ip);
}

/** An IPv4 CIDR as the profile and the IPv4-only allocators take it (surrounding spaces ignored). */
export function parseIPv4CIDR(text: string): CIDR | null {
  return parseCIDR(text.trim(), { family: 'IPv4' });
}

/** The size of a CIDR as a number, for ranges an allocator walks (at most 2^53). */
export function cidrSizeNumber(cidr: CIDR): number {
  const size = cidrSize(cidr);
  return size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size);
}
