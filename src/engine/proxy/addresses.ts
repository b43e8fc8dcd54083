// Address parsing as kube-proxy does it (netutils.ParseIPSloppy / ParseCIDRSloppy):
// IPv4 octets with leading zeros are read as decimal, CIDRs are masked to their
// network, anything unparsable is dropped. IPv6 is recognised but not modelled yet.
import { formatIPv4, parseIPv4 } from '../net/ip';

export type AddressFamily = 'IPv4' | 'IPv6';

export function familyOf(text: string): AddressFamily | null {
  const t = text.trim();
  if (t.includes(':')) return 'IPv6';
  return parseIPv4(t) === null ? null : 'IPv4';
}

/** Canonical IPv4 text, or null when `text` is not an IPv4 address. */
export function normalizeIPv4(text: string): string | null {
  if (isCanonicalIPv4(text)) return text;
  const value = parseIPv4(text.trim());
  return value === null ? null : formatIPv4(value);
}

export interface IPv4Net {
  network: number;
  prefix: number;
}

export function parseIPv4CIDR(text: string): IPv4Net | null {
  const m = /^([0-9.]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const ip = parseIPv4(m[1] ?? '');
  const prefix = Number(m[2]);
  if (ip === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  return { network: prefix === 0 ? 0 : ip - (ip % size), prefix };
}

export function formatIPv4CIDR(net: IPv4Net): string {
  return `${formatIPv4(net.network)}/${net.prefix}`;
}

export function ipv4NetContains(net: IPv4Net, ip: string): boolean {
  const value = parseIPv4(ip.trim());
  if (value === null) return false;
  const size = 2 ** (32 - net.prefix);
  return value >= net.network && value < net.network + size;
}

/**
 * Four dot-separated decimal octets up to 255 without leading zeros or spaces: exactly
 * what formatIPv4 prints, so normalizing it gives it back (the common case, kept cheap).
 */
function isCanonicalIPv4(text: string): boolean {
  const n = text.length;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (text.charCodeAt(i) !== 46) return false;
      i++;
    }
    const start = i;
    let value = 0;
    while (i < n && i - start < 4) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255) return false;
    if (digits > 1 && text.charCodeAt(start) === 48) return false;
  }
  return i === n;
}
