// Address parsing as kube-proxy does it (netutils.ParseIPSloppy / ParseCIDRSloppy):
// IPv4 octets with leading zeros are read as decimal, CIDRs are masked to their
// network, anything unparsable is dropped. IPv6 addresses are written RFC 5952-compressed.
import type { IPFamily } from '../net/ip';
import type { CIDR } from '../net/ip';
import { cidrContains, normalizeIP, parseCIDR, parseIP, parseIPv4CIDR } from '../net/ip';

export function familyOf(text: string): IPFamily | null {
  const t = text.trim();
  if (t.includes(':')) return 'IPv6';
  return parseIP(t, { family: 'IPv4' }) === null ? null : 'IPv4';
}

/** Canonical IPv4 text, or null when `text` is not an IPv4 address. */
export function normalizeIPv4(text: string): string | null {
  if (isCanonicalIPv4(text)) return text;
  return normalizeIP(text, { family: 'IPv4' });
}

/** Canonical text of an address of `family`, or null when `text` is not one. */
export function normalizeFor(family: IPFamily, text: string): string | null {
  return family === 'IPv4'
    ? normalizeIPv4(text)
    : normalizeIP(text, { family: 'IPv6', maxOctetDigits: Infinity });
}

/** A CIDR of `family` (surrounding spaces ignored), or null. */
export function parseCIDRFor(family: IPFamily, text: string): CIDR | null {
  return family === 'IPv4' ? parseIPv4CIDR(text) : parseCIDR(text.trim(), { family: 'IPv6' });
}

/** net.JoinHostPort: `ip:port`, `[ip]:port` for IPv6. */
export function joinHostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Whether the address text lies in the CIDR (an unparsable address does not). */
export function cidrHolds(cidr: CIDR, text: string): boolean {
  const ip = parseIP(text.trim());
  return ip !== null && cidrContains(cidr, ip);
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

/**
 * proxyutil.NodePortAddresses for IPv4: `all` when no IPv4 CIDR is given or one is 0.0.0.0/0,
 * else the node's addresses (loopback included, as GetNodeIPs reads every interface) inside them.
 * `primary` selects the node's primary IP.
 */
export function nodePortAddresses(cidrs: readonly string[], nodeIPs: readonly string[]): 'all' | string[] {
  const nets = [];
  for (const text of cidrs) {
    if (text === 'primary') {
      const primary = nodeIPs.map((ip) => parseIPv4CIDR(`${ip}/32`)).find((net) => net !== null);
      if (primary) nets.push(primary);
      continue;
    }
    const net = parseIPv4CIDR(text);
    if (!net) continue;
    if (net.prefix === 0) return 'all';
    nets.push(net);
  }
  if (nets.length === 0) return 'all';
  const candidates = ['127.0.0.1', ...nodeIPs.flatMap((ip) => normalizeIPv4(ip) ?? [])];
  const out: string[] = [];
  for (const net of nets) {
    for (const ip of candidates) if (cidrHolds(net, ip) && !out.includes(ip)) out.push(ip);
  }
  return out;
}

/**
 * nodePortAddresses for either family: `all` when no CIDR of the family is given or one is
 * the zero CIDR, else the node's addresses of the family (and its loopback) inside them.
 */
export function nodePortAddressesFor(
  family: IPFamily,
  cidrs: readonly string[],
  nodeIPs: readonly string[],
): 'all' | string[] {
  if (family === 'IPv4') return nodePortAddresses(cidrs, nodeIPs);
  const ips = nodeIPs.flatMap((ip) => normalizeFor('IPv6', ip) ?? []);
  const nets: CIDR[] = [];
  for (const text of cidrs) {
    if (text === 'primary') {
      const primary = ips[0] === undefined ? null : parseCIDRFor('IPv6', `${ips[0]}/128`);
      if (primary) nets.push(primary);
      continue;
    }
    const net = parseCIDRFor('IPv6', text);
    if (!net) continue;
    if (net.prefix === 0) return 'all';
    nets.push(net);
  }
  if (nets.length === 0) return 'all';
  const out: string[] = [];
  for (const net of nets)
    for (const ip of ['::1', ...ips]) if (cidrHolds(net, ip) && !out.includes(ip)) out.push(ip);
  return out;
}
