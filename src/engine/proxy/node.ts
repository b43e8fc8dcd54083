// What kube-proxy on one node of the profile knows about itself (NewProxier's inputs), for either backend.
import type { ClusterProfile, IPFamily, KubeProxyNode } from '../model';
import { parseCIDR, parseIPv4CIDR } from '../net/ip';
import { cidrHolds } from './addresses';

/** `fmt.Sprintf("%#08x", 1<<bit)`: Go zero-pads the digits to 8, so bit 14 is `0x00004000`. */
export function masqueradeMarkFor(bit: number): string {
  return `0x${(2 ** bit).toString(16).padStart(8, '0')}`;
}

/** NodePortAddresses.ContainsIPv4Loopback(): no IPv4 CIDR at all means 0.0.0.0/0, loopback included. */
function containsIPv4Loopback(cidrs: readonly string[]): boolean {
  const nets = cidrs.flatMap((c) => parseIPv4CIDR(c) ?? []);
  if (nets.length === 0) return !cidrs.includes('primary');
  return nets.some((n) => cidrHolds(n, '127.0.0.0') || n.network >> 24n === 127n);
}

/** The families of a comma-separated CIDR list, in order (each once). */
function familiesOf(cidrs: string): IPFamily[] {
  const out: IPFamily[] = [];
  for (const text of cidrs.split(',')) {
    const c = parseCIDR(text.trim());
    if (c !== null && !out.includes(c.family)) out.push(c.family);
  }
  return out;
}

/**
 * The families kube-proxy writes rules for: those of the cluster's service CIDRs, primary
 * first (a single-stack cluster's proxier of the other family would hold no Service).
 */
export function proxyFamilies(profile: ClusterProfile): IPFamily[] {
  const families = familiesOf(profile.serviceCIDR);
  return families.length > 0 ? families : ['IPv4'];
}

/** The CIDR of `family` in a comma-separated list ('' when it has none). */
export function cidrOfFamily(cidrs: string, family: IPFamily): string {
  for (const text of cidrs.split(',')) {
    const c = parseCIDR(text.trim());
    if (c !== null && c.family === family) return text.trim();
  }
  return '';
}

/**
 * kube-proxy on `nodeName` as the proxier of `family` sees it (NewDualStackProxier: each
 * family's proxier gets its own --cluster-cidr local detector; the IPv6 one no localhost NodePorts).
 */
export function kubeProxyNodeFor(
  profile: ClusterProfile,
  nodeName: string,
  family: IPFamily = 'IPv4',
): KubeProxyNode {
  const node = profile.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node named "${nodeName}" in the cluster profile`);
  const kp = profile.kubeProxy;
  return {
    name: node.name,
    ips: [...node.ips],
    labels: { ...node.labels },
    localDetectorCIDR:
      kp.detectLocalMode === 'None'
        ? ''
        : cidrOfFamily(
            kp.detectLocalMode === 'NodeCIDR' ? (node.podCIDRs ?? [node.podCIDR]).join(',') : kp.clusterCIDR,
            family,
          ),
    masqueradeAll: kp.masqueradeAll,
    masqueradeMark: kp.masqueradeMark ?? masqueradeMarkFor(kp.masqueradeBit),
    // NewProxier turns localhost NodePorts off when --nodeport-addresses excludes 127.0.0.1.
    localhostNodePorts:
      family === 'IPv4' && kp.localhostNodePorts && containsIPv4Loopback(kp.nodePortAddresses),
    nodePortAddresses: [...kp.nodePortAddresses],
    randomFully: kp.randomFully,
    conntrackTCPBeLiberal: kp.conntrackTCPBeLiberal,
    kubernetesVersion: profile.kubernetesVersion,
  };
}
