// What kube-proxy on one node of the profile knows about itself (NewProxier's inputs), for either backend.
import type { ClusterProfile, KubeProxyNode } from '../model';
import { parseIPv4CIDR } from '../net/ip';
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

export function kubeProxyNodeFor(profile: ClusterProfile, nodeName: string): KubeProxyNode {
  const node = profile.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node named "${nodeName}" in the cluster profile`);
  const kp = profile.kubeProxy;
  return {
    name: node.name,
    ips: [...node.ips],
    labels: { ...node.labels },
    localDetectorCIDR: kp.clusterCIDR,
    masqueradeAll: kp.masqueradeAll,
    masqueradeMark: kp.masqueradeMark ?? masqueradeMarkFor(kp.masqueradeBit),
    // NewProxier turns localhost NodePorts off when --nodeport-addresses excludes 127.0.0.1.
    localhostNodePorts: kp.localhostNodePorts && containsIPv4Loopback(kp.nodePortAddresses),
    nodePortAddresses: [...kp.nodePortAddresses],
    randomFully: kp.randomFully,
    conntrackTCPBeLiberal: kp.conntrackTCPBeLiberal,
    kubernetesVersion: profile.kubernetesVersion,
  };
}
