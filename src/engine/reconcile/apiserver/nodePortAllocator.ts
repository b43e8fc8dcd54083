// pkg/registry/core/service/portallocator: one bitmap over the node-port range,
// shared by every protocol (the bitmap has no notion of TCP vs UDP).
import { scanBands } from './bandScan';
import { calculatePortRangeOffset } from './rangeOffset';
import { stableHash } from './stableHash';

export const ERR_PORT_ALLOCATED = 'provided port is already allocated';

export class NodePortAllocator {
  readonly min: number;
  readonly max: number;
  readonly rangeOffset: number;
  private readonly taken = new Set<number>();

  constructor(range: { min: number; max: number }) {
    this.min = range.min;
    this.max = range.max;
    this.rangeOffset = calculatePortRangeOffset(range.max - range.min + 1);
  }

  /** An allocator holding the same ports, independent of this one. */
  clone(): NodePortAllocator {
    const copy = new NodePortAllocator({ min: this.min, max: this.max });
    for (const port of this.taken) copy.taken.add(port);
    return copy;
  }

  /** net.PortRange.String(). */
  get rangeText(): string {
    return `${this.min}-${this.max}`;
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.min && port <= this.max;
  }

  has(port: number): boolean {
    return this.taken.has(port);
  }

  /** Allocate(port): null on success, else the allocator's error text. */
  allocate(port: number): string | null {
    if (!this.contains(port)) {
      return `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`;
    }
    if (this.taken.has(port)) return ERR_PORT_ALLOCATED;
    this.taken.add(port);
    return null;
  }

  /**
   * AllocateNext, with the random start replaced by a hash of `key`. Null when the range is
   * full. Ports found taken on the way are added to `blocked` when given.
   */
  allocateNext(key: string, blocked?: number[]): number | null {
    const port = this.probe(key, (p) => !this.taken.has(p), blocked);
    if (port !== null) this.taken.add(port);
    return port;
  }

  /** The port AllocateNext would pick if exactly the ports `isFree` accepts were free; takes nothing. */
  probe(key: string, isFree: (port: number) => boolean, blocked?: number[]): number | null {
    const size = this.max - this.min + 1;
    if (size <= 0) return null;
    const offset = scanBands(BigInt(size), BigInt(this.rangeOffset), stableHash(key), size, (candidate) => {
      const port = this.min + Number(candidate);
      if (isFree(port)) return true;
      blocked?.push(port);
      return false;
    });
    return offset === null ? null : this.min + Number(offset);
  }

  /** Frees a port (an incremental run moving a hashed pick). */
  release(port: number): void {
    this.taken.delete(port);
  }
}
