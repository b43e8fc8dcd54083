// IP and CIDR arithmetic on bigints, with Go's net.ParseIP ("sloppy": IPv4
// parts may carry leading zeros) semantics, so both families share one code path.
import type { IPFamily } from '../../model';
import { formatIPBits, parseIPv4Bits, parseIPv6Bits } from '../../net/ip';

/** Go's sloppy parser reads an octet of any length (leading zeros as decimal). */
const anyDigits = Number.MAX_SAFE_INTEGER;

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

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** netutils.ParseIPSloppy: null when the text is not an IP address. */
export function parseIP(text: string): ParsedIP | null {
  const v4 = parseIPv4Bits(text, anyDigits);
  if (v4 !== null) return { family: 'IPv4', value: v4 };
  const v6 = parseIPv6Bits(text, anyDigits);
  if (v6 === null) return null;
  if (v6 >> 32n === V4_MAPPED_PREFIX >> 32n) return { family: 'IPv4', value: v6 & 0xffffffffn };
  return { family: 'IPv6', value: v6 };
}

export function formatIP(family: IPFamily, value: bigint): string {
  return formatIPBits(family === 'IPv4' ? 32 : 128, value);
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
