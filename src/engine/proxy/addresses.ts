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
