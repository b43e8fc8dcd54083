// Pod IPAM (host-local style): each node hands out addresses from its pod CIDR.
// The address is chosen from a hash of the pod's namespace/name with linear
// probing, so it is stable while unrelated pods come and go. A dual-stack node
// (two podCIDRs) gives each pod one address of each family, at the same offset
// in both ranges, primary first.
import type { Node } from '../model';
import type { CIDR } from '../net/ip';
import { fnv32a } from '../util/hash';
import { addressAt, cidrSizeNumber, formatIP, ipv4TextAt, parseCIDR } from '../net/ip';

/** The node's pod CIDRs, primary first. */
export function podCIDRsOf(node: Node): string[] {
  return node.podCIDRs ?? [node.podCIDR];
}

function textAt(cidr: CIDR, offset: number): string {
  return cidr.family === 'IPv4' ? ipv4TextAt(cidr, offset) : formatIP(addressAt(cidr, offset));
}

/** The address `2 + offset` of each range that holds it (a smaller secondary range may not). */
function addressesAt(cidrs: readonly CIDR[], offset: number): string[] {
  const out: string[] = [];
  for (const c of cidrs) {
    // IPv4 keeps its broadcast address out; IPv6 has none.
    const end = cidrSizeNumber(c) - (c.family === 'IPv4' ? 1 : 0);
    if (2 + offset < end) out.push(textAt(c, 2 + offset));
  }
  return out;
}
import type { Placement } from './scheduler';

export function assignPodIPs(placements: Placement[], nodes: Node[]): Map<Placement, string> {
  const result = new Map<Placement, string>();
  for (const [node, list] of placementsByNode(placements, nodes)) {
    for (const [p, ips] of assignNodePodIPs(list, podCIDRsOf(node))) result.set(p, ips[0] ?? '');
  }
  return result;
}

/** Each node of the profile that has pods, with them (in placement order). */
export function placementsByNode(
  placements: readonly Placement[],
  nodes: readonly Node[],
): [Node, Placement[]][] {
  const byName = new Map<string, Placement[]>();
  for (const p of placements) {
    if (p.nodeName === '') continue;
    const list = byName.get(p.nodeName);
    if (list) list.push(p);
    else byName.set(p.nodeName, [p]);
  }
  const out: [Node, Placement[]][] = [];
  for (const node of nodes) {
    const list = byName.get(node.name);
    if (list) out.push([node, list]);
  }
  return out;
}

/** One node's addresses (each pod's, primary first): depends only on the pods placed there, so other nodes keep theirs. */
export function assignNodePodIPs(
  list: readonly Placement[],
  podCIDRs: readonly string[],
): Map<Placement, string[]> {
  const result = new Map<Placement, string[]>();
  const cidrs = parseRanges(podCIDRs);
  const cidr = cidrs[0];
  if (!cidr) return result;
  // .0 is the network, .1 the bridge/gateway, the last the broadcast (addressesAt starts at .2).
  const usable = Math.max(0, cidrSizeNumber(cidr) - 3);
  const taken = new Set<number>();
  const keyed = list.map((p) => ({ p, key: key(p) }));
  const ordered = keyed.sort((a, b) => a.key.localeCompare(b.key));
  for (const { p, key: k } of ordered) {
    if (taken.size >= usable) break; // node's pod CIDR is full: the pod gets no IP
    let offset = fnv32a(k) % usable;
    while (taken.has(offset)) offset = (offset + 1) % usable;
    taken.add(offset);
    result.set(p, addressesAt(cidrs, offset));
  }
  return result;
}

function parseRanges(podCIDRs: readonly string[]): CIDR[] {
  const out: CIDR[] = [];
  for (const text of podCIDRs) {
    const c = parseCIDR(text.trim());
    if (c === null) return out; // a range after an unreadable one is not used either
    out.push(c);
  }
  return out;
}

function key(p: Placement): string {
  return `${p.pod.namespace}/${p.pod.name}`;
}

/**
 * One node's pod IPAM kept between runs: its pods in the order addresses are handed out
 * (namespace/name, then placement order), with their hashes, so pods coming and going
 * re-run the probing over cached numbers instead of sorting and hashing every pod again.
 * Gives what `assignNodePodIPs` gives for the same pods.
 */
export class NodeAddresses {
  /** Each pod's addresses, primary first. */
  readonly ips = new Map<Placement, string[]>();
  private placements: Placement[] = [];
  private keys: string[] = [];
  private hashes: number[] = [];
  /** Offset handed out last time, -1 none, -2 not yet run. */
  private offsets: number[] = [];
  private readonly cidrs: CIDR[];
  private bitmap: Uint8Array | null = null;

  constructor(
    podCIDRs: readonly string[],
    /** Placement order, for pods with equal names (the order a stable sort keeps). */
    private readonly tieOrder: (a: Placement, b: Placement) => number,
  ) {
    this.cidrs = parseRanges(podCIDRs);
  }

  /** Takes pods off and on the node; returns the pods whose address changed (new ones included). */
  update(removed: readonly Placement[], added: readonly Placement[]): Placement[] {
    for (const p of removed) this.remove(p);
    if (added.length > 32 && added.length * 8 > this.placements.length) this.addAll(added);
    else for (const p of added) this.insert(p);
    return this.assign();
  }

  private compare(keyA: string, a: Placement, keyB: string, b: Placement): number {
    return keyA.localeCompare(keyB) || this.tieOrder(a, b);
  }

  /** First position whose key is not before `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string).localeCompare(key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private remove(p: Placement): void {
    const k = key(p);
    for (let i = this.lowerBound(k); i < this.keys.length; i++) {
      if (this.placements[i] === p) {
        this.placements.splice(i, 1);
        this.keys.splice(i, 1);
        this.hashes.splice(i, 1);
        this.offsets.splice(i, 1);
        this.ips.delete(p);
        return;
      }
      if ((this.keys[i] as string).localeCompare(k) !== 0) return;
    }
  }

  private insert(p: Placement): void {
    const k = key(p);
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.keys[mid] as string, this.placements[mid] as Placement, k, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.placements.splice(lo, 0, p);
    this.keys.splice(lo, 0, k);
    this.hashes.splice(lo, 0, fnv32a(k));
    this.offsets.splice(lo, 0, -2);
  }

  private addAll(added: readonly Placement[]): void {
    const entries = this.placements.map((p, i) => ({
      p,
      key: this.keys[i] as string,
      hash: this.hashes[i] as number,
      offset: this.offsets[i] as number,
    }));
    for (const p of added) {
      const k = key(p);
      entries.push({ p, key: k, hash: fnv32a(k), offset: -2 });
    }
    entries.sort((a, b) => this.compare(a.key, a.p, b.key, b.p));
    this.placements = entries.map((e) => e.p);
    this.keys = entries.map((e) => e.key);
    this.hashes = entries.map((e) => e.hash);
    this.offsets = entries.map((e) => e.offset);
  }

  private assign(): Placement[] {
    const changed: Placement[] = [];
    const cidr = this.cidrs[0];
    // .0 is the network, .1 the bridge/gateway, the last the broadcast.
    const usable = cidr ? Math.max(0, cidrSizeNumber(cidr) - 3) : 0;
    // Offsets taken: a bitmap kept between runs (cleared after use) for ranges up to a /12.
    const bitmap = usable <= 1 << 20 ? (this.bitmap ??= new Uint8Array(usable)) : null;
    const set = bitmap ? null : new Set<number>();
    const isTaken = (o: number): boolean => (bitmap ? bitmap[o] === 1 : (set as Set<number>).has(o));
    let count = 0;
    for (let i = 0; i < this.placements.length; i++) {
      let offset = -1;
      if (cidr && count < usable) {
        offset = (this.hashes[i] as number) % usable;
        while (isTaken(offset)) offset = (offset + 1) % usable;
        if (bitmap) bitmap[offset] = 1;
        else set?.add(offset);
        count++;
      }
      if (offset === this.offsets[i]) continue;
      this.offsets[i] = offset;
      const p = this.placements[i] as Placement;
      if (offset < 0 || !cidr) this.ips.delete(p);
      else this.ips.set(p, addressesAt(this.cidrs, offset));
      changed.push(p);
    }
    if (bitmap) for (const o of this.offsets) if (o >= 0) bitmap[o] = 0;
    return changed;
  }
}
