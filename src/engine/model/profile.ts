import type { Labels, Node } from './k8s';
import type { SourceRange } from './source';

export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';
export type CloudProvider = 'generic' | 'aws' | 'gcp' | 'azure' | 'metallb' | 'none';

export interface KubeProxySettings {
  mode: ProxyMode;
  /** Local-traffic detector CIDR (`--cluster-cidr`); '' = no detector. Defaults to podCIDR. */
  clusterCIDR: string;
  /**
   * `--detect-local-mode`: absent = ClusterCIDR (clusterCIDR is the detector), NodeCIDR = the
   * node's pod CIDR of each family, None = no detector.
   */
  detectLocalMode?: 'NodeCIDR' | 'None';
  masqueradeAll: boolean;
  masqueradeBit: number;
  localhostNodePorts: boolean;
  /** Empty = all local addresses. */
  nodePortAddresses: string[];
  /** Whether the node's iptables supports `--random-fully` (kube-proxy appends it to MASQUERADE). */
  randomFully: boolean;
  /** `net.netfilter.nf_conntrack_tcp_be_liberal` != 0 drops the INVALID rule. */
  conntrackTCPBeLiberal: boolean;
  /**
   * The mark exactly as written into the rules, overriding masqueradeBit. kube-proxy renders
   * `%#08x` of 1<<bit (`0x00004000`); upstream's test fake uses the literal `0x4000`.
   */
  masqueradeMark?: string;
}

/** The cluster kubepath simulates (`kubepath.cluster.yaml`), after defaulting. */
export interface ClusterProfile {
  serviceCIDR: string;
  podCIDR: string;
  clusterDomain: string;
  nodePortRange: { min: number; max: number };
  nodes: Node[];
  kubeProxy: KubeProxySettings;
  kubernetesVersion: string;
  cloud: { provider: CloudProvider; loadBalancerIPPool: string; region: string };
  /** Where the profile was read from; null for the built-in default. */
  source: SourceRange | null;
}

/** Everything kube-proxy on one node needs to know about itself. */
export interface KubeProxyNode {
  name: string;
  /** Node IPs, primary first. */
  ips: string[];
  labels: Labels;
  /** '' = local detector not implemented (no `-s cidr` masquerade rules). */
  localDetectorCIDR: string;
  masqueradeAll: boolean;
  /** As written into the rules, e.g. `0x4000`. */
  masqueradeMark: string;
  localhostNodePorts: boolean;
  nodePortAddresses: string[];
  randomFully: boolean;
  conntrackTCPBeLiberal: boolean;
  kubernetesVersion: string;
}
