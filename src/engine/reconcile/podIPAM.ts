// Pod IPAM (host-local style): each node hands out addresses from its pod CIDR.
// The address is chosen from a hash of the pod's namespace/name with linear
// probing, so it is stable while unrelated pods come and go.
import type { Node } from '../model';
import { fnv32a } from '../util/hash';
import { formatIPv4, parseCIDR } from '../net/ip';
import type { Placement } from './scheduler';

export function assignPodIPs(placements: Placement[], nodes: Node[]): Map<Placement, string> {
  const result = new Map<Placement, string>();
  const byNode = new Map<string, Placement[]>();
  for (const p of placements) {
    if (p.nodeName === '') continue;
    const list = byNode.get(p.nodeName) ?? [];
    list.push(p);
    byNode.set(p.nodeName, list);
  }
  for (const node of nodes) {
    const list = byNode.get(node.name);
    const cidr = parseCIDR(node.podCIDR);
    if (!list || !cidr) continue;
    // .0 is the network, .1 the bridge/gateway, the last the broadcast.
    const first = 2;
    const usable = Math.max(0, cidr.size - 3);
    const taken = new Set<number>();
    const ordered = [...list].sort((a, b) => key(a).localeCompare(key(b)));
    for (const p of ordered) {
      if (taken.size >= usable) break; // node's pod CIDR is full: the pod gets no IP
      let offset = fnv32a(key(p)) % usable;
      while (taken.has(offset)) offset = (offset + 1) % usable;
      taken.add(offset);
      result.set(p, formatIPv4((cidr.network + first + offset) >>> 0));
    }
  }
  return result;
}

function key(p: Placement): string {
  return `${p.pod.namespace}/${p.pod.name}`;
}
