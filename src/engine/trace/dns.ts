// What CoreDNS's kubernetes plugin answers for a name, per query type. A Service's record
// holds every address it has (its cluster IPs, a headless Service's ready endpoint
// addresses of each family); an A query answers the IPv4 ones and an AAAA query the IPv6
// ones (plugin/backend_lookup.go). A trace shows both answers and follows one family.
import type { IPFamily } from '../net/ip';

export type AddressRecordType = 'A' | 'AAAA';

export function recordTypeOf(ip: string): AddressRecordType {
  return ip.includes(':') ? 'AAAA' : 'A';
}

function familyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The answers of each type, A first: `A 10.96.0.10; AAAA fd00:10:96::a`. */
export function describeAnswers(ips: readonly string[]): string {
  const a = ips.filter((ip) => recordTypeOf(ip) === 'A');
  const aaaa = ips.filter((ip) => recordTypeOf(ip) === 'AAAA');
  return [a.length > 0 ? `A ${a.join(', ')}` : '', aaaa.length > 0 ? `AAAA ${aaaa.join(', ')}` : '']
    .filter((part) => part !== '')
    .join('; ');
}

/**
 * The answers a client follows: those of `preferred` (the Service's primary family), or the
 * other family's when the name has none of it; `others` are the answers not followed.
 */
export function followedAnswers(
  ips: readonly string[],
  preferred: IPFamily,
): { followed: string[]; others: string[] } {
  const of = ips.filter((ip) => familyOf(ip) === preferred);
  const followed = of.length > 0 ? of : ips.filter((ip) => familyOf(ip) !== preferred);
  return { followed, others: ips.filter((ip) => !followed.includes(ip)) };
}

/**
 * A pod record's address from its first label, as CoreDNS reads it (findPods): exactly three
 * dashes and no `--` is IPv4 (`10-244-1-5`), anything else IPv6 with dashes for colons
 * (`fd00-10-244-1--5`). Null when that is no address.
 */
export function podRecordAddress(label: string): string | null {
  if ((label.match(/-/g) ?? []).length === 3 && !label.includes('--')) {
    return /^\d{1,3}(-\d{1,3}){3}$/.test(label) ? label.replace(/-/g, '.') : null;
  }
  const ip = label.replace(/-/g, ':');
  return /^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':') ? ip : null;
}
