// The cloud-controller-manager service controller: for each LoadBalancer Service
// without a loadBalancerClass, a load balancer over the stable node set at the
// Service's nodePorts, reported back in status.loadBalancer.ingress.
import type { ClusterProfile, LoadBalancerIngress, Node, Service, ValueSource } from '../model';
import { fnv32a } from '../util/hash';
import { cidrSizeNumber, ipInCIDR, ipv4TextAt, parseIPv4CIDR } from '../net/ip';

export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface LoadBalancerResult {
  ingress: LoadBalancerIngress[];
  ingressSource: ValueSource;
  nodes: string[];
  pendingReason: string;
}

/** `stableNodeSetPredicates`: nodes labelled exclude-from-external-load-balancers are left out. */
export function loadBalancerNodes(nodes: readonly Node[]): string[] {
  return nodes.filter((n) => !(EXCLUDE_FROM_LB_LABEL in n.labels)).map((n) => n.name);
}

/**
 * Provisions load balancers for all LoadBalancer Services at once, so that
 * predicted pool addresses never collide. Services are handled in a stable
 * order; each address comes from a hash of namespace/name with probing.
 */
export function provisionLoadBalancers(
  services: readonly Service[],
  profile: ClusterProfile,
): Map<Service, LoadBalancerResult> {
  const out = new Map<Service, LoadBalancerResult>();
  const nodes = loadBalancerNodes(profile.nodes);
  const pool = parseIPv4CIDR(profile.cloud.loadBalancerIPPool);
  const used = new Set<string>();
  const pending: Service[] = [];
  const lbServices = services
    .filter((s) => s.type === 'LoadBalancer')
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const service of lbServices) {
    const base = { nodes: service.loadBalancerClass ? [] : nodes, pendingReason: '' };
    if (service.status.loadBalancer.ingress.length > 0) {
      // Written in the YAML (e.g. exported from a live cluster): what the cluster reported.
      out.set(service, { ...base, ingress: service.status.loadBalancer.ingress, ingressSource: 'explicit' });
      for (const i of service.status.loadBalancer.ingress) if (i.ip) used.add(i.ip);
      continue;
    }
    if (service.loadBalancerClass) {
      out.set(service, {
        ...base,
        ingress: [],
        ingressSource: 'predicted',
        pendingReason: `loadBalancerClass "${service.loadBalancerClass}" is handled by another controller, not the cloud provider`,
      });
      continue;
    }
    if (profile.cloud.provider === 'none') {
      out.set(service, {
        ...base,
        ingress: [],
        ingressSource: 'predicted',
        pendingReason: 'load balancer pending: no cloud controller',
      });
      continue;
    }
    if (nodes.length === 0) {
      out.set(service, {
        ...base,
        ingress: [],
        ingressSource: 'predicted',
        pendingReason: 'There are no available nodes for LoadBalancer',
      });
      continue;
    }
    if (profile.cloud.provider === 'aws') {
      const h = fnv32a(keyOf(service)).toString(16).padStart(8, '0');
      const name = `a${(
        h +
        fnv32a(`${keyOf(service)}/uid`)
          .toString(16)
          .padStart(8, '0')
      ).repeat(2)}`;
      const id = String(1000000000 + (fnv32a(`${keyOf(service)}/id`) % 999999999));
      out.set(service, {
        ...base,
        ingress: [{ hostname: `${name}-${id}.${profile.cloud.region}.elb.amazonaws.com` }],
        ingressSource: 'predicted',
      });
      continue;
    }
    if (service.loadBalancerIP !== '') {
      const ip = service.loadBalancerIP;
      used.add(ip);
      out.set(service, { ...base, ingress: [{ ip, ipMode: 'VIP' }], ingressSource: 'explicit' });
      continue;
    }
    pending.push(service);
  }
  for (const service of pending) {
    const base = { nodes, pendingReason: '' };
    if (!pool || cidrSizeNumber(pool) < 4) {
      out.set(service, {
        ...base,
        ingress: [],
        ingressSource: 'predicted',
        pendingReason: 'load balancer IP pool is empty',
      });
      continue;
    }
    const usable = cidrSizeNumber(pool) - 2;
    let offset = fnv32a(keyOf(service)) % usable;
    let ip = '';
    for (let tries = 0; tries < usable; tries++) {
      const candidate = ipv4TextAt(pool, 1 + offset);
      if (!used.has(candidate)) {
        ip = candidate;
        break;
      }
      offset = (offset + 1) % usable;
    }
    if (ip === '') {
      out.set(service, {
        ...base,
        ingress: [],
        ingressSource: 'predicted',
        pendingReason: 'load balancer IP pool is exhausted',
      });
      continue;
    }
    used.add(ip);
    out.set(service, { ...base, ingress: [{ ip, ipMode: 'VIP' }], ingressSource: 'predicted' });
  }
  return out;
}

export function inPool(ip: string, profile: ClusterProfile): boolean {
  return ipInCIDR(ip, profile.cloud.loadBalancerIPPool);
}

function keyOf(s: Service): string {
  return `${s.metadata.namespace}/${s.metadata.name}`;
}
