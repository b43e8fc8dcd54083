// Chain names exactly as kube-proxy derives them (proxier.go portProtoHash,
// servicePortEndpointChainName): sha256 → RFC 4648 base32 → first 16 chars.
// (sha256.ts is checked against @noble/hashes + @scure/base, dev dependencies kept as the test oracle, in
// test/unit/proxy-iptables.test.ts.)
import { sha256Base32Prefix16, sha256Base32Prefix16Codes } from '../../util/sha256';

export const kubeServicesChain = 'KUBE-SERVICES';
export const kubeExternalServicesChain = 'KUBE-EXTERNAL-SERVICES';
export const kubeNodePortsChain = 'KUBE-NODEPORTS';
export const kubePostroutingChain = 'KUBE-POSTROUTING';
export const kubeMarkMasqChain = 'KUBE-MARK-MASQ';
export const kubeForwardChain = 'KUBE-FORWARD';
export const kubeProxyFirewallChain = 'KUBE-PROXY-FIREWALL';
export const kubeletFirewallChain = 'KUBE-FIREWALL';

/** The one hash every KUBE-SVC/SVL/EXT/FW/SEP name is built from. */
export function hash16(input: string): string {
  return sha256Base32Prefix16(input);
}

export interface ServicePortChains {
  /** KUBE-SVC-…: endpoints for Cluster traffic policy. */
  cluster: string;
  /** KUBE-SVL-…: node-local endpoints for Local traffic policy. */
  local: string;
  /** KUBE-EXT-…: entry point for NodePort, externalIPs and load-balancer traffic. */
  external: string;
  /** KUBE-FW-…: loadBalancerSourceRanges filter. */
  firewall: string;
}

const codes: number[] = [];

/**
 * `prefix` + the hash letters, built as one flat string rather than a rope of the two:
 * names are compared, hashed and copied tens of thousands of times per sync.
 */
function chainName(prefix: string, hash: readonly number[]): string {
  codes.length = 0;
  for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
  for (const c of hash) codes.push(c);
  return String.fromCharCode(...codes);
}

/**
 * `svcPortName` is ServicePortName.String(): `ns/name` plus `:port` when the
 * port is named; `protocol` is lower case (`tcp`, `udp`, `sctp`).
 */
export function servicePortChainNames(svcPortName: string, protocol: string): ServicePortChains {
  const h = sha256Base32Prefix16Codes(svcPortName + protocol);
  return {
    cluster: chainName('KUBE-SVC-', h),
    local: chainName('KUBE-SVL-', h),
    external: chainName('KUBE-EXT-', h),
    firewall: chainName('KUBE-FW-', h),
  };
}

/** `endpoint` is `ip:port` (`[ip]:port` for IPv6), as net.JoinHostPort prints it. */
export function endpointChainName(svcPortName: string, protocol: string, endpoint: string): string {
  return chainName('KUBE-SEP-', sha256Base32Prefix16Codes(svcPortName + protocol + endpoint));
}

const serviceChainPrefixes = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-SEP-', 'KUBE-FW-', 'KUBE-EXT-'];

/** Chains kube-proxy owns per service and deletes when they go stale. */
export function isServiceChainName(chain: string): boolean {
  return serviceChainPrefixes.some((p) => chain.startsWith(p));
}
