// pkg/registry/core/service/ipallocator (the IPAddress-object allocator that
// MultiCIDRServiceAllocator made the default): one range per service CIDR.
import type { IPFamily } from '../../model';
import { scanBands } from './bandScan';
import type { CIDR, IP } from './ip';
import { cidrSize, formatIP } from './ip';
import { calculateIPRangeOffset } from './rangeOffset';
import { stableHash } from './stableHash';

export const ERR_IP_ALLOCATED = 'provided IP is already allocated';
export const ERR_FULL = 'range is full';

export interface ServiceIPRange {
  cidr: CIDR;
  family: IPFamily;
  /** network + 1: the `.0` is never handed out. */
  first: bigint;
  /** broadcast - 1 for IPv4, broadcast for IPv6. */
  last: bigint;
  /** Size of the static band at the bottom of the range. */
  rangeOffset: number;
}

export function serviceIPRange(cidr: CIDR): ServiceIPRange {
  const total = cidrSize(cidr);
  const first = cidr.network + 1n;
  const last = cidr.network + total - (cidr.family === 'IPv4' ? 2n : 1n);
  return { cidr, family: cidr.family, first, last, rangeOffset: calculateIPRangeOffset(total) };
}

/** Holds which addresses of one service CIDR are taken. */
export class ServiceIPAllocator {
  readonly range: ServiceIPRange;
  private readonly taken = new Set<bigint>();

  constructor(range: ServiceIPRange) {
    this.range = range;
  }

  contains(ip: IP): boolean {
    return ip.family === this.range.family && ip.value >= this.range.first && ip.value <= this.range.last;
  }

  has(ip: IP): boolean {
    return this.contains(ip) && this.taken.has(ip.value);
  }

  /** Allocate(ip): null on success, else the allocator's error text. */
  allocate(ip: IP): string | null {
    if (!this.contains(ip)) return `provided IP ${formatIP(ip.family, ip.value)} is not in the valid range`;
    if (this.taken.has(ip.value)) return ERR_IP_ALLOCATED;
    this.taken.add(ip.value);
    return null;
  }

  /** AllocateNext, with the random start replaced by a hash of `key`. Null when the range is full. */
  allocateNext(key: string): bigint | null {
    const size = this.range.last - this.range.first + 1n;
    if (size <= 0n) return null;
    const offset = scanBands(
      size,
      BigInt(this.range.rangeOffset),
      stableHash(key),
      this.taken.size,
      (candidate) => !this.taken.has(this.range.first + candidate),
    );
    if (offset === null) return null;
    const value = this.range.first + offset;
    this.taken.add(value);
    return value;
  }
}
