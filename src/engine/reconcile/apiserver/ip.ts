// Addresses as the API server reads them: Go's net.ParseIP "sloppy" semantics (an IPv4
// octet of any length, leading zeros as decimal; an IPv4-mapped IPv6 address is the IPv4
// address it maps), on the engine's one IP and CIDR type (net/ip.ts).
import type { CIDR, IP, IPFamily } from '../../net/ip';
import { formatIP as formatAddress, parseCIDR as parseAnyCIDR, parseIP as parseAnyIP } from '../../net/ip';

export { cidrContains, cidrSize } from '../../net/ip';
export type { CIDR, IP };

const GO_SLOPPY = { maxOctetDigits: Number.POSITIVE_INFINITY, unwrapV4Mapped: true } as const;

/** netutils.ParseIPSloppy: null when the text is not an IP address. */
export function parseIP(text: string): IP | null {
  return parseAnyIP(text, GO_SLOPPY);
}

/** netutils.ParseCIDRSloppy: the network of `address/prefix`, null when it is not one. */
export function parseCIDR(text: string): CIDR | null {
  return parseAnyCIDR(text, GO_SLOPPY);
}

export function formatIP(family: IPFamily, value: bigint): string {
  return formatAddress({ family, value });
}

/** The other family, for dual-stack defaulting. */
export function otherFamily(family: IPFamily): IPFamily {
  return family === 'IPv4' ? 'IPv6' : 'IPv4';
}
