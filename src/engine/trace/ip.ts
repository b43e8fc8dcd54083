// Just enough IP arithmetic to evaluate `-s`/`-d` matches on IPv4 and IPv6 (octets of at
// most three digits, leading zeros read as decimal, like the rules kube-proxy writes).
import { formatIPBits, parseIPv4Bits, parseIPv6Bits } from '../net/ip';

export interface ParsedIP {
  family: 4 | 6;
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

export function parseIP(text: string): ParsedIP | null {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (t.includes(':')) {
    const value = parseIPv6Bits(t);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIPv4Bits(t);
  return value === null ? null : { family: 4, value };
}

/** An address or CIDR as written after `-s`/`-d` (a bare address is a /32 or /128). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const bits = ip.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(p)) {
      prefix = Number(p);
    } else {
      // iptables accepts dotted netmasks (`-s 10.0.0.0/255.0.0.0`); only contiguous ones are meaningful here.
      const mask = ip.family === 4 ? parseIPv4Bits(p) : null;
      if (mask === null) return null;
      prefix = mask.toString(2).replace(/0+$/, '').length;
      if (mask !== (1n << 32n) - 1n - ((1n << BigInt(32 - prefix)) - 1n)) return null;
    }
    if (prefix > bits) return null;
  }
  return { family: ip.family, network: ip.value & maskOf(ip.family, prefix), prefix };
}

const MASKS: Record<4 | 6, bigint[]> = { 4: [], 6: [] };

function maskOf(family: 4 | 6, prefix: number): bigint {
  const known = MASKS[family][prefix];
  if (known !== undefined) return known;
  const bits = family === 4 ? 32 : 128;
  const all = (1n << BigInt(bits)) - 1n;
  const mask = all ^ ((1n << BigInt(bits - prefix)) - 1n);
  MASKS[family][prefix] = mask;
  return mask;
}

export function cidrContains(cidr: Cidr, ip: ParsedIP): boolean {
  return cidr.family === ip.family && (ip.value & maskOf(cidr.family, cidr.prefix)) === cidr.network;
}

/** Canonical text of an address (IPv6 compressed per RFC 5952), for comparing and printing. */
export function formatIP(ip: ParsedIP): string {
  return formatIPBits(ip.family === 4 ? 32 : 128, ip.value);
}
