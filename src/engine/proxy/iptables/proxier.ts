// One kube-proxy sync (pkg/proxy/iptables/proxier.go syncProxyRules) as a pure
// function: service port map + endpoints map + this node → the restore input
// kube-proxy hands to `iptables-restore`, line for line in upstream's order.
import type { EndpointSlice, KubeProxyNode, Service } from '../../model';
import { ipv4NetContains, normalizeIPv4, parseIPv4CIDR } from '../addresses';
import type { EndpointInfo } from '../endpoints';
import { buildEndpointsMap } from '../endpoints';
import type { ServicePortInfo } from '../servicePort';
import {
  buildServicePortMap,
  externallyAccessible,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from '../servicePort';
import { categorizeEndpoints } from '../topology';
import type { ServicePortChains } from './chainNames';
import { endpointChainName, isServiceChainName, servicePortChainNames } from './chainNames';
import { probability } from './probability';

export const kubeServicesChain = 'KUBE-SERVICES';
export const kubeExternalServicesChain = 'KUBE-EXTERNAL-SERVICES';
export const kubeNodePortsChain = 'KUBE-NODEPORTS';
export const kubePostroutingChain = 'KUBE-POSTROUTING';
export const kubeMarkMasqChain = 'KUBE-MARK-MASQ';
export const kubeForwardChain = 'KUBE-FORWARD';
export const kubeProxyFirewallChain = 'KUBE-PROXY-FIREWALL';
export const kubeletFirewallChain = 'KUBE-FIREWALL';

/** Above this many endpoints (summed over service ports) kube-proxy drops per-endpoint comments. */
export const largeClusterEndpointsThreshold = 1000;

const ctStateInvalidDroppedCounter = 'ct_state_invalid_dropped_pkts';
const localhostNodePortAcceptedCounter = 'localhost_nps_accepted_pkts';

export interface ProxyInput {
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
}

export interface SyncOptions {
  /**
   * Emulates a partial sync: only these Services (`namespace/name`) get their
   * SVC/SVL/EXT/FW/SEP chains written. Omitted = full sync (what a fresh node does).
   */
  updatedServices?: ReadonlySet<string>;
  /** NAT chains on the node before this sync; stale service chains among them are flushed and deleted. */
  existingNatChains?: Iterable<string>;
  /** Whether kube-proxy could create its nfacct counters (default: both true, as on a normal node). */
  nfacctCounters?: { ctStateInvalidDropped: boolean; localhostNodePortsAccepted: boolean };
  /** Large clusters skip the stale-chain scan within a sync period. */
  skipStaleChainCleanup?: boolean;
  /** LoadBalancerIPMode feature gate (GA since 1.32; default true). */
  loadBalancerIPMode?: boolean;
}

export interface ServicePortOnNode {
  namespace: string;
  name: string;
  portName: string;
  protocol: ServicePortInfo['protocol'];
  /** NAT chains that carry this port's traffic on the node, in the order they were written. */
  chains: string[];
}

export interface SyncResult {
  restoreInput: string;
  /** NAT chains the sync keeps (kube-proxy's activeNATChains). */
  activeNatChains: Set<string>;
  largeClusterMode: boolean;
  servicePorts: ServicePortOnNode[];
}

/** Strings containing spaces are written pre-quoted, exactly as the proxier's fmt.Sprintf does. */
function quoted(text: string): string {
  return `"${text}"`;
}

function minorVersion(version: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 1033;
}

export function syncProxyRules(
  input: ProxyInput,
  node: KubeProxyNode,
  options: SyncOptions = {},
): SyncResult {
  const counters = options.nfacctCounters ?? {
    ctStateInvalidDropped: true,
    localhostNodePortsAccepted: true,
  };
  const preferSameTrafficDistribution = minorVersion(node.kubernetesVersion) >= 1034;
  const svcPortMap = buildServicePortMap(input.services, {
    family: 'IPv4',
    loadBalancerIPMode: options.loadBalancerIPMode ?? true,
  });
  const endpointsMap = buildEndpointsMap(input.endpointSlices, {
    family: 'IPv4',
    nodeName: node.name,
    preferSameTrafficDistribution,
  });
  const mark = node.masqueradeMark;
  const detector = node.localDetectorCIDR === '' ? null : node.localDetectorCIDR;
  const nodeIP = node.ips.find((ip) => normalizeIPv4(ip) !== null) ?? '';

  const filterChains: string[] = [];
  const filterRules: string[] = [];
  const natChains: string[] = [];
  const natRules: string[] = [];
  const skipped: string[] = [];

  for (const c of [
    kubeServicesChain,
    kubeExternalServicesChain,
    kubeForwardChain,
    kubeNodePortsChain,
    kubeProxyFirewallChain,
  ]) {
    filterChains.push(`:${c} - [0:0]`);
  }
  for (const c of [kubeServicesChain, kubeNodePortsChain, kubePostroutingChain, kubeMarkMasqChain]) {
    natChains.push(`:${c} - [0:0]`);
  }

  natRules.push(`-A ${kubePostroutingChain} -m mark ! --mark ${mark}/${mark} -j RETURN`);
  // Clearing the mark keeps a packet that re-traverses the stack from being masqueraded twice.
  natRules.push(`-A ${kubePostroutingChain} -j MARK --xor-mark ${mark}`);
  natRules.push(
    `-A ${kubePostroutingChain} -m comment --comment ${quoted('kubernetes service traffic requiring SNAT')} -j MASQUERADE` +
      (node.randomFully ? ' --random-fully' : ''),
  );
  natRules.push(`-A ${kubeMarkMasqChain} -j MARK --or-mark ${mark}`);

  if (node.localhostNodePorts) {
    // route_localnet opens NodePorts on 127/8 to the world (issue 90259); this closes it again.
    filterChains.push(`:${kubeletFirewallChain} - [0:0]`);
    filterRules.push(
      `-A ${kubeletFirewallChain} -m comment --comment ${quoted('block incoming localnet connections')}` +
        ' -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  }

  const activeNatChains = new Set<string>();
  let totalEndpoints = 0;
  for (const svc of svcPortMap) totalEndpoints += endpointsMap.get(svc.key)?.length ?? 0;
  const largeClusterMode = totalEndpoints > largeClusterEndpointsThreshold;
  const servicePorts: ServicePortOnNode[] = [];

  for (const svc of svcPortMap) {
    const protocol = svc.protocol.toLowerCase();
    const name = svc.nameString;
    const chains = servicePortChainNames(name, protocol);
    const allEndpoints = endpointsMap.get(svc.key) ?? [];
    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(
      allEndpoints,
      svc,
      node.name,
      node.labels,
      preferSameTrafficDistribution,
    );
    const hasEndpoints = hasAnyEndpoints;
    const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
    const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);

    let internalTrafficChain = chains.cluster;
    let hasInternalEndpoints = hasEndpoints;
    if (svc.internalPolicyLocal) {
      internalTrafficChain = chains.local;
      if (localEndpoints.length === 0) hasInternalEndpoints = false;
    }
    let externalPolicyChain = chains.cluster;
    let hasExternalEndpoints = hasEndpoints;
    if (svc.externalPolicyLocal) {
      externalPolicyChain = chains.local;
      if (localEndpoints.length === 0) hasExternalEndpoints = false;
    }
    const externalTrafficChain = chains.external;
    // The short-circuit rules for local sources are needed even with no external endpoints.
    const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
    const usesFWChain =
      hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const loadBalancerTrafficChain = usesFWChain ? chains.firewall : externalTrafficChain;

    let internalFilterTarget = '';
    let internalFilterComment = '';
    let externalFilterTarget = '';
    let externalFilterComment = '';
    if (!hasEndpoints) {
      internalFilterTarget = externalFilterTarget = 'REJECT';
      internalFilterComment = externalFilterComment = quoted(`${name} has no endpoints`);
    } else {
      if (!hasInternalEndpoints) {
        internalFilterTarget = 'DROP';
        internalFilterComment = quoted(`${name} has no local endpoints`);
      }
      if (!hasExternalEndpoints) {
        externalFilterTarget = 'DROP';
        externalFilterComment = quoted(`${name} has no local endpoints`);
      }
    }

    const proto = `-m ${protocol} -p ${protocol}`;
    const clusterIPMatch = `${proto} -d ${svc.clusterIP} --dport ${svc.port}`;

    if (hasInternalEndpoints) {
      natRules.push(
        `-A ${kubeServicesChain} -m comment --comment ${quoted(`${name} cluster IP`)} ${clusterIPMatch} -j ${internalTrafficChain}`,
      );
    } else {
      filterRules.push(
        `-A ${kubeServicesChain} -m comment --comment ${internalFilterComment} ${clusterIPMatch} -j ${internalFilterTarget}`,
      );
    }

    for (const externalIP of svc.externalIPs) {
      const match = `${proto} -d ${externalIP} --dport ${svc.port}`;
      if (hasEndpoints) {
        natRules.push(
          `-A ${kubeServicesChain} -m comment --comment ${quoted(`${name} external IP`)} ${match} -j ${externalTrafficChain}`,
        );
      }
      if (!hasExternalEndpoints) {
        filterRules.push(
          `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} ${match} -j ${externalFilterTarget}`,
        );
      }
    }

    for (const lbip of svc.loadBalancerVIPs) {
      const match = `${proto} -d ${lbip} --dport ${svc.port}`;
      if (hasEndpoints) {
        natRules.push(
          `-A ${kubeServicesChain} -m comment --comment ${quoted(`${name} loadbalancer IP`)} ${match} -j ${loadBalancerTrafficChain}`,
        );
      }
      if (usesFWChain) {
        filterRules.push(
          `-A ${kubeProxyFirewallChain} -m comment --comment ${quoted(`${name} traffic not accepted by ${chains.firewall}`)} ${match} -j DROP`,
        );
      }
    }
    if (!hasExternalEndpoints) {
      for (const lbip of svc.loadBalancerVIPs) {
        filterRules.push(
          `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} ${proto} -d ${lbip} --dport ${svc.port} -j ${externalFilterTarget}`,
        );
      }
    }

    if (svc.nodePort !== 0) {
      if (hasEndpoints) {
        // NodePorts are not subject to loadBalancerSourceRanges (upstream keeps it that way for compatibility).
        if (node.localhostNodePorts && counters.localhostNodePortsAccepted) {
          natRules.push(
            `-A ${kubeNodePortsChain} -m comment --comment ${name} ${proto} -d 127.0.0.0/8 --dport ${svc.nodePort}` +
              ` -m nfacct --nfacct-name ${localhostNodePortAcceptedCounter} -j ${externalTrafficChain}`,
          );
        }
        natRules.push(
          `-A ${kubeNodePortsChain} -m comment --comment ${name} ${proto} --dport ${svc.nodePort} -j ${externalTrafficChain}`,
        );
      }
      if (!hasExternalEndpoints) {
        filterRules.push(
          `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL` +
            ` ${proto} --dport ${svc.nodePort} -j ${externalFilterTarget}`,
        );
      }
    }

    if (svc.healthCheckNodePort !== 0) {
      // Accepted whether or not this node has local endpoints: the LB's probe must get an answer.
      filterRules.push(
        `-A ${kubeNodePortsChain} -m comment --comment ${quoted(`${name} health check node port`)} -m tcp -p tcp` +
          ` --dport ${svc.healthCheckNodePort} -j ACCEPT`,
      );
    }

    const writeChains =
      options.updatedServices === undefined ||
      options.updatedServices.has(`${svc.namespace}/${svc.serviceName}`);
    const chainOut = writeChains ? natChains : skipped;
    const ruleOut = writeChains ? natRules : skipped;
    const carried: string[] = [];

    if (hasInternalEndpoints) {
      const args = `-m comment --comment ${quoted(`${name} cluster IP`)} ${clusterIPMatch}`;
      if (node.masqueradeAll) {
        ruleOut.push(`-A ${internalTrafficChain} ${args} -j ${kubeMarkMasqChain}`);
      } else if (detector !== null) {
        // Off-cluster traffic to a ClusterIP (a static route to a node) may bounce to another node.
        ruleOut.push(`-A ${internalTrafficChain} ${args} ! -s ${detector} -j ${kubeMarkMasqChain}`);
      }
    }

    if (usesExternalTrafficChain) {
      chainOut.push(`:${externalTrafficChain} - [0:0]`);
      activeNatChains.add(externalTrafficChain);
      carried.push(externalTrafficChain);
      if (!svc.externalPolicyLocal) {
        ruleOut.push(
          `-A ${externalTrafficChain} -m comment --comment ${quoted(`masquerade traffic for ${name} external destinations`)} -j ${kubeMarkMasqChain}`,
        );
      } else {
        if (detector !== null) {
          ruleOut.push(
            `-A ${externalTrafficChain} -m comment --comment ${quoted(`pod traffic for ${name} external destinations`)} -s ${detector} -j ${chains.cluster}`,
          );
        }
        ruleOut.push(
          `-A ${externalTrafficChain} -m comment --comment ${quoted(`masquerade LOCAL traffic for ${name} external destinations`)}` +
            ` -m addrtype --src-type LOCAL -j ${kubeMarkMasqChain}`,
        );
        ruleOut.push(
          `-A ${externalTrafficChain} -m comment --comment ${quoted(`route LOCAL traffic for ${name} external destinations`)}` +
            ` -m addrtype --src-type LOCAL -j ${chains.cluster}`,
        );
      }
      if (hasExternalEndpoints) ruleOut.push(`-A ${externalTrafficChain} -j ${externalPolicyChain}`);
    }

    if (usesFWChain) {
      chainOut.push(`:${chains.firewall} - [0:0]`);
      activeNatChains.add(chains.firewall);
      carried.push(chains.firewall);
      const base = `-A ${chains.firewall} -m comment --comment ${quoted(`${name} loadbalancer IP`)}`;
      let allowFromNode = false;
      for (const cidr of svc.loadBalancerSourceRanges) {
        ruleOut.push(`${base} -s ${cidr} -j ${externalTrafficChain}`);
        const net = parseIPv4CIDR(cidr);
        if (net && nodeIP !== '' && ipv4NetContains(net, nodeIP)) allowFromNode = true;
      }
      // A node talking to a VIP it hosts loops back with the VIP as source.
      if (allowFromNode) {
        for (const lbip of svc.loadBalancerVIPs)
          ruleOut.push(`${base} -s ${lbip} -j ${externalTrafficChain}`);
      }
      ruleOut.push(
        `-A ${chains.firewall} -m comment --comment ${quoted(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)}`,
      );
    }

    if (usesClusterPolicyChain) {
      chainOut.push(`:${chains.cluster} - [0:0]`);
      activeNatChains.add(chains.cluster);
      carried.push(chains.cluster);
      writeServiceToEndpointRules(ruleOut, svc, protocol, chains.cluster, clusterEndpoints, largeClusterMode);
    }
    if (usesLocalPolicyChain) {
      chainOut.push(`:${chains.local} - [0:0]`);
      activeNatChains.add(chains.local);
      carried.push(chains.local);
      writeServiceToEndpointRules(ruleOut, svc, protocol, chains.local, localEndpoints, largeClusterMode);
    }

    for (const ep of allReachableEndpoints) {
      const sep = sepChain(svc, protocol, ep);
      chainOut.push(`:${sep} - [0:0]`);
      activeNatChains.add(sep);
      carried.push(sep);
      const base = largeClusterMode ? `-A ${sep}` : `-A ${sep} -m comment --comment ${name}`;
      // Hairpin: a pod reaching itself through the Service must be masqueraded.
      ruleOut.push(`${base} -s ${ep.ip} -j ${kubeMarkMasqChain}`);
      const affinity = svc.sessionAffinityClientIP ? ` -m recent --name ${sep} --set` : '';
      ruleOut.push(`${base}${affinity} ${proto} -j DNAT --to-destination ${ep.endpoint}`);
    }

    servicePorts.push({
      namespace: svc.namespace,
      name: svc.serviceName,
      portName: svc.portName,
      protocol: svc.protocol,
      chains: carried,
    });
  }

  if (!options.skipStaleChainCleanup && options.existingNatChains !== undefined) {
    const stale = [...new Set(options.existingNatChains)].filter(
      (c) => !activeNatChains.has(c) && isServiceChainName(c),
    );
    stale.sort();
    for (const chain of stale) {
      natChains.push(`:${chain} - [0:0]`);
      natRules.push(`-X ${chain}`);
    }
  }

  writeNodePortsJump(natRules, node);

  if (!node.conntrackTCPBeLiberal) {
    // INVALID packets would otherwise reset connections (issues 74839, 117924).
    filterRules.push(
      `-A ${kubeForwardChain} -m conntrack --ctstate INVALID` +
        (counters.ctStateInvalidDropped ? ` -m nfacct --nfacct-name ${ctStateInvalidDroppedCounter}` : '') +
        ' -j DROP',
    );
  }
  filterRules.push(
    `-A ${kubeForwardChain} -m comment --comment ${quoted('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`,
  );
  filterRules.push(
    `-A ${kubeForwardChain} -m comment --comment ${quoted('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );

  const lines = [
    '*filter',
    ...filterChains,
    ...filterRules,
    'COMMIT',
    '*nat',
    ...natChains,
    ...natRules,
    'COMMIT',
    '',
  ];
  return { restoreInput: lines.join('\n'), activeNatChains, largeClusterMode, servicePorts };
}

function writeServiceToEndpointRules(
  out: string[],
  svc: ServicePortInfo,
  protocol: string,
  svcChain: string,
  endpoints: readonly EndpointInfo[],
  largeClusterMode: boolean,
): void {
  const name = svc.nameString;
  const comment = (ep: EndpointInfo) =>
    largeClusterMode ? '' : ` -m comment --comment ${quoted(`${name} -> ${ep.endpoint}`)}`;
  if (svc.sessionAffinityClientIP) {
    for (const ep of endpoints) {
      const sep = sepChain(svc, protocol, ep);
      out.push(
        `-A ${svcChain}${comment(ep)} -m recent --name ${sep} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}`,
      );
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const sep = sepChain(svc, protocol, ep);
    const statistic = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    out.push(`-A ${svcChain}${comment(ep)}${statistic} -j ${sep}`);
  });
}

// Each endpoint's chain name is needed by the SVC/SVL rules and its own SEP chain: hash once.
const sepNames = new WeakMap<EndpointInfo, string>();

function sepChain(svc: ServicePortInfo, protocol: string, ep: EndpointInfo): string {
  let name = sepNames.get(ep);
  if (name === undefined) {
    name = endpointChainName(svc.nameString, protocol, ep.endpoint);
    sepNames.set(ep, name);
  }
  return name;
}

/** The tail of nat KUBE-SERVICES: which destinations count as "this node" for NodePorts. */
function writeNodePortsJump(natRules: string[], node: KubeProxyNode): void {
  const comment = `-m comment --comment ${quoted('kubernetes service nodeports; NOTE: this must be the last rule in this chain')}`;
  const addresses = nodePortAddresses(node.nodePortAddresses, node.ips);
  if (addresses === 'all') {
    const localhost = node.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    natRules.push(
      `-A ${kubeServicesChain} ${comment} -m addrtype --dst-type LOCAL${localhost} -j ${kubeNodePortsChain}`,
    );
    return;
  }
  for (const ip of addresses) {
    if (ip.startsWith('127.') && !node.localhostNodePorts) continue;
    natRules.push(`-A ${kubeServicesChain} ${comment} -d ${ip} -j ${kubeNodePortsChain}`);
  }
}

/**
 * proxyutil.NodePortAddresses for IPv4: `all` when no IPv4 CIDR is given or one is 0.0.0.0/0,
 * else the node's addresses (loopback included, as GetNodeIPs reads every interface) inside them.
 * `primary` selects the node's primary IP.
 */
export function nodePortAddresses(cidrs: readonly string[], nodeIPs: readonly string[]): 'all' | string[] {
  const nets = [];
  for (const text of cidrs) {
    if (text === 'primary') {
      const primary = nodeIPs.map((ip) => parseIPv4CIDR(`${ip}/32`)).find((net) => net !== null);
      if (primary) nets.push(primary);
      continue;
    }
    const net = parseIPv4CIDR(text);
    if (!net) continue;
    if (net.prefix === 0) return 'all';
    nets.push(net);
  }
  if (nets.length === 0) return 'all';
  const candidates = ['127.0.0.1', ...nodeIPs.flatMap((ip) => normalizeIPv4(ip) ?? [])];
  const out: string[] = [];
  for (const net of nets) {
    for (const ip of candidates) if (ipv4NetContains(net, ip) && !out.includes(ip)) out.push(ip);
  }
  return out;
}

export type { ServicePortChains };
