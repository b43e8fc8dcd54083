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
import {
  endpointChainName,
  isServiceChainName,
  kubeExternalServicesChain,
  kubeForwardChain,
  kubeMarkMasqChain,
  kubeNodePortsChain,
  kubePostroutingChain,
  kubeProxyFirewallChain,
  kubeServicesChain,
  kubeletFirewallChain,
  servicePortChainNames,
} from './chainNames';
import { probability } from './probability';
import { saveAddress, saveProbability, saveRule } from './saveFormat';

export {
  kubeExternalServicesChain,
  kubeForwardChain,
  kubeMarkMasqChain,
  kubeNodePortsChain,
  kubePostroutingChain,
  kubeProxyFirewallChain,
  kubeServicesChain,
  kubeletFirewallChain,
};

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
  /**
   * The same rules as `iptables-save` prints them back (see saveFormat.ts), per table and
   * chain in restore order, deleted chains left out: the save view is built from these
   * instead of re-parsing restoreInput. Absent when an input string could change how the
   * restore text tokenizes (then iptablesSaveView parses restoreInput).
   */
  saveChains?: SaveChains;
}

/** Per table: chain → its rules in iptables-save form. */
export interface SaveChains {
  filter: Map<string, string[]>;
  nat: Map<string, string[]>;
}

/**
 * Lines joined with newlines. Every few hundred lines are joined into one flat string
 * right away: the line strings (ropes of their pieces) then die young instead of all
 * surviving to the final join, which made most of the sync's garbage collection.
 */
class LineBuffer {
  private readonly blocks: string[] = [];
  private lines: string[] = [];

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length === 512) {
      this.blocks.push(this.lines.join('\n'));
      this.lines = [];
    }
  }

  /** The lines joined with '\n' ('' when there are none). */
  text(): string {
    if (this.lines.length > 0) {
      this.blocks.push(this.lines.join('\n'));
      this.lines = [];
    }
    return this.blocks.join('\n');
  }
}

/** Replaces rules[from..] with their newline-joined text (the save view joins with newlines too). */
function joinFrom(rules: string[] | undefined, from: number): void {
  if (rules === undefined || rules.length - from < 2) return;
  rules.push(rules.splice(from).join('\n'));
}

function addSaved(chains: Map<string, string[]>, chain: string, line: string): void {
  const rules = chains.get(chain);
  if (rules === undefined) chains.set(chain, [line]);
  else rules.push(line);
}

function declareSaved(chains: Map<string, string[]>, chain: string): void {
  if (!chains.has(chain)) chains.set(chain, []);
}

/** ` -j T` as saved: REJECT without options gets its default --reject-with. */
function saveJump(target: string): string {
  return target === 'REJECT' ? ' -j REJECT --reject-with icmp-port-unreachable' : ` -j ${target}`;
}

/** A `-d IP --dport PORT` service rule (`ip` is canonical IPv4) as iptables-save prints it. */
function saveDstRule(
  chain: string,
  ip: string,
  protocol: string,
  comment: string,
  port: number,
  target: string,
): string {
  return `-A ${chain} -d ${ip}/32 -p ${protocol} -m comment --comment ${comment} -m ${protocol} --dport ${port}${saveJump(target)}`;
}

// Inputs under which the direct save form equals saveRule() of the restore line: no word
// can start with '-' or '!', contain quotes, backslashes or whitespace, or end a line.
const plainName = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const plainAddress = /^[0-9][0-9./]*$/;
const plainMark = /^[A-Za-z0-9]+$/;
const plainProtocols = new Set(['tcp', 'udp', 'sctp']);

function isPlainNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

function isPlainServicePort(svc: ServicePortInfo, protocol: string): boolean {
  return (
    plainName.test(svc.nameString) &&
    plainProtocols.has(protocol) &&
    isPlainNumber(svc.port) &&
    isPlainNumber(svc.nodePort) &&
    isPlainNumber(svc.healthCheckNodePort) &&
    isPlainNumber(svc.stickyMaxAgeSeconds)
  );
}

const savedProbabilities = new Map<string, string>();

function savedProbability(text: string): string {
  let saved = savedProbabilities.get(text);
  if (saved === undefined) {
    saved = saveProbability(text);
    savedProbabilities.set(text, saved);
  }
  return saved;
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

  const filterChains = new LineBuffer();
  const filterRules = new LineBuffer();
  const natChains = new LineBuffer();
  const natRules = new LineBuffer();
  const skipped = new LineBuffer();
  // iptables-save forms of the same rules (see SyncResult.saveChains).
  const filterSave = new Map<string, string[]>();
  const natSave = new Map<string, string[]>();
  const skippedSave = new Map<string, string[]>();
  const sepNames: SepNames = new Map();
  // Shared chains' saved rules are joined into blocks every so often (see joinFrom).
  const sharedSaved = [
    [filterSave, kubeServicesChain],
    [filterSave, kubeExternalServicesChain],
    [filterSave, kubeNodePortsChain],
    [filterSave, kubeProxyFirewallChain],
    [natSave, kubeServicesChain],
    [natSave, kubeNodePortsChain],
  ] as const;
  const sharedJoined = sharedSaved.map(() => 0);
  let servicesSinceJoin = 0;
  let plain = plainMark.test(mark) && (detector === null || plainAddress.test(detector));
  const detectorSave = detector === null ? '' : saveAddress(detector);

  /** A rule whose save form is generic: rendered by saveRule from its restore text. */
  const fixedRule = (rules: LineBuffer, save: Map<string, string[]>, chain: string, line: string) => {
    rules.push(line);
    addSaved(save, chain, saveRule(line));
  };

  for (const c of [
    kubeServicesChain,
    kubeExternalServicesChain,
    kubeForwardChain,
    kubeNodePortsChain,
    kubeProxyFirewallChain,
  ]) {
    filterChains.push(`:${c} - [0:0]`);
    declareSaved(filterSave, c);
  }
  for (const c of [kubeServicesChain, kubeNodePortsChain, kubePostroutingChain, kubeMarkMasqChain]) {
    natChains.push(`:${c} - [0:0]`);
    declareSaved(natSave, c);
  }

  fixedRule(
    natRules,
    natSave,
    kubePostroutingChain,
    `-A ${kubePostroutingChain} -m mark ! --mark ${mark}/${mark} -j RETURN`,
  );
  // Clearing the mark keeps a packet that re-traverses the stack from being masqueraded twice.
  fixedRule(natRules, natSave, kubePostroutingChain, `-A ${kubePostroutingChain} -j MARK --xor-mark ${mark}`);
  fixedRule(
    natRules,
    natSave,
    kubePostroutingChain,
    `-A ${kubePostroutingChain} -m comment --comment ${quoted('kubernetes service traffic requiring SNAT')} -j MASQUERADE` +
      (node.randomFully ? ' --random-fully' : ''),
  );
  fixedRule(natRules, natSave, kubeMarkMasqChain, `-A ${kubeMarkMasqChain} -j MARK --or-mark ${mark}`);

  if (node.localhostNodePorts) {
    // route_localnet opens NodePorts on 127/8 to the world (issue 90259); this closes it again.
    filterChains.push(`:${kubeletFirewallChain} - [0:0]`);
    declareSaved(filterSave, kubeletFirewallChain);
    fixedRule(
      filterRules,
      filterSave,
      kubeletFirewallChain,
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
    if (plain && !isPlainServicePort(svc, protocol)) plain = false;
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
    const clusterIPComment = quoted(`${name} cluster IP`);

    if (hasInternalEndpoints) {
      natRules.push(
        `-A ${kubeServicesChain} -m comment --comment ${clusterIPComment} ${clusterIPMatch} -j ${internalTrafficChain}`,
      );
      addSaved(
        natSave,
        kubeServicesChain,
        saveDstRule(
          kubeServicesChain,
          svc.clusterIP,
          protocol,
          clusterIPComment,
          svc.port,
          internalTrafficChain,
        ),
      );
    } else {
      filterRules.push(
        `-A ${kubeServicesChain} -m comment --comment ${internalFilterComment} ${clusterIPMatch} -j ${internalFilterTarget}`,
      );
      addSaved(
        filterSave,
        kubeServicesChain,
        saveDstRule(
          kubeServicesChain,
          svc.clusterIP,
          protocol,
          internalFilterComment,
          svc.port,
          internalFilterTarget,
        ),
      );
    }

    for (const externalIP of svc.externalIPs) {
      const match = `${proto} -d ${externalIP} --dport ${svc.port}`;
      if (hasEndpoints) {
        const comment = quoted(`${name} external IP`);
        natRules.push(
          `-A ${kubeServicesChain} -m comment --comment ${comment} ${match} -j ${externalTrafficChain}`,
        );
        addSaved(
          natSave,
          kubeServicesChain,
          saveDstRule(kubeServicesChain, externalIP, protocol, comment, svc.port, externalTrafficChain),
        );
      }
      if (!hasExternalEndpoints) {
        filterRules.push(
          `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} ${match} -j ${externalFilterTarget}`,
        );
        addSaved(
          filterSave,
          kubeExternalServicesChain,
          saveDstRule(
            kubeExternalServicesChain,
            externalIP,
            protocol,
            externalFilterComment,
            svc.port,
            externalFilterTarget,
          ),
        );
      }
    }

    for (const lbip of svc.loadBalancerVIPs) {
      const match = `${proto} -d ${lbip} --dport ${svc.port}`;
      if (hasEndpoints) {
        const comment = quoted(`${name} loadbalancer IP`);
        natRules.push(
          `-A ${kubeServicesChain} -m comment --comment ${comment} ${match} -j ${loadBalancerTrafficChain}`,
        );
        addSaved(
          natSave,
          kubeServicesChain,
          saveDstRule(kubeServicesChain, lbip, protocol, comment, svc.port, loadBalancerTrafficChain),
        );
      }
      if (usesFWChain) {
        const comment = quoted(`${name} traffic not accepted by ${chains.firewall}`);
        filterRules.push(`-A ${kubeProxyFirewallChain} -m comment --comment ${comment} ${match} -j DROP`);
        addSaved(
          filterSave,
          kubeProxyFirewallChain,
          saveDstRule(kubeProxyFirewallChain, lbip, protocol, comment, svc.port, 'DROP'),
        );
      }
    }
    if (!hasExternalEndpoints) {
      for (const lbip of svc.loadBalancerVIPs) {
        filterRules.push(
          `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} ${proto} -d ${lbip} --dport ${svc.port} -j ${externalFilterTarget}`,
        );
        addSaved(
          filterSave,
          kubeExternalServicesChain,
          saveDstRule(
            kubeExternalServicesChain,
            lbip,
            protocol,
            externalFilterComment,
            svc.port,
            externalFilterTarget,
          ),
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
          addSaved(
            natSave,
            kubeNodePortsChain,
            `-A ${kubeNodePortsChain} -d 127.0.0.0/8 -p ${protocol} -m comment --comment "${name}" -m ${protocol} --dport ${svc.nodePort}` +
              ` -m nfacct --nfacct-name  ${localhostNodePortAcceptedCounter} -j ${externalTrafficChain}`,
          );
        }
        natRules.push(
          `-A ${kubeNodePortsChain} -m comment --comment ${name} ${proto} --dport ${svc.nodePort} -j ${externalTrafficChain}`,
        );
        addSaved(
          natSave,
          kubeNodePortsChain,
          `-A ${kubeNodePortsChain} -p ${protocol} -m comment --comment "${name}" -m ${protocol} --dport ${svc.nodePort} -j ${externalTrafficChain}`,
        );
      }
      if (!hasExternalEndpoints) {
        filterRules.push(
          `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL` +
            ` ${proto} --dport ${svc.nodePort} -j ${externalFilterTarget}`,
        );
        addSaved(
          filterSave,
          kubeExternalServicesChain,
          `-A ${kubeExternalServicesChain} -p ${protocol} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL` +
            ` -m ${protocol} --dport ${svc.nodePort}${saveJump(externalFilterTarget)}`,
        );
      }
    }

    if (svc.healthCheckNodePort !== 0) {
      // Accepted whether or not this node has local endpoints: the LB's probe must get an answer.
      const comment = quoted(`${name} health check node port`);
      filterRules.push(
        `-A ${kubeNodePortsChain} -m comment --comment ${comment} -m tcp -p tcp` +
          ` --dport ${svc.healthCheckNodePort} -j ACCEPT`,
      );
      addSaved(
        filterSave,
        kubeNodePortsChain,
        `-A ${kubeNodePortsChain} -p tcp -m comment --comment ${comment} -m tcp --dport ${svc.healthCheckNodePort} -j ACCEPT`,
      );
    }

    const writeChains =
      options.updatedServices === undefined ||
      options.updatedServices.has(`${svc.namespace}/${svc.serviceName}`);
    const chainOut = writeChains ? natChains : skipped;
    const ruleOut = writeChains ? natRules : skipped;
    const saveOut = writeChains ? natSave : skippedSave;
    const carried: string[] = [];

    if (hasInternalEndpoints) {
      const args = `-m comment --comment ${clusterIPComment} ${clusterIPMatch}`;
      const saveTail = ` -d ${svc.clusterIP}/32 -p ${protocol} -m comment --comment ${clusterIPComment} -m ${protocol} --dport ${svc.port} -j ${kubeMarkMasqChain}`;
      if (node.masqueradeAll) {
        ruleOut.push(`-A ${internalTrafficChain} ${args} -j ${kubeMarkMasqChain}`);
        addSaved(saveOut, internalTrafficChain, `-A ${internalTrafficChain}${saveTail}`);
      } else if (detector !== null) {
        // Off-cluster traffic to a ClusterIP (a static route to a node) may bounce to another node.
        ruleOut.push(`-A ${internalTrafficChain} ${args} ! -s ${detector} -j ${kubeMarkMasqChain}`);
        addSaved(saveOut, internalTrafficChain, `-A ${internalTrafficChain} ! -s ${detectorSave}${saveTail}`);
      }
    }

    if (usesExternalTrafficChain) {
      chainOut.push(`:${externalTrafficChain} - [0:0]`);
      declareSaved(saveOut, externalTrafficChain);
      activeNatChains.add(externalTrafficChain);
      carried.push(externalTrafficChain);
      if (!svc.externalPolicyLocal) {
        const comment = quoted(`masquerade traffic for ${name} external destinations`);
        ruleOut.push(`-A ${externalTrafficChain} -m comment --comment ${comment} -j ${kubeMarkMasqChain}`);
        addSaved(
          saveOut,
          externalTrafficChain,
          `-A ${externalTrafficChain} -m comment --comment ${comment} -j ${kubeMarkMasqChain}`,
        );
      } else {
        if (detector !== null) {
          const comment = quoted(`pod traffic for ${name} external destinations`);
          ruleOut.push(
            `-A ${externalTrafficChain} -m comment --comment ${comment} -s ${detector} -j ${chains.cluster}`,
          );
          addSaved(
            saveOut,
            externalTrafficChain,
            `-A ${externalTrafficChain} -s ${detectorSave} -m comment --comment ${comment} -j ${chains.cluster}`,
          );
        }
        const masq = `-A ${externalTrafficChain} -m comment --comment ${quoted(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${kubeMarkMasqChain}`;
        ruleOut.push(masq);
        addSaved(saveOut, externalTrafficChain, masq);
        const route = `-A ${externalTrafficChain} -m comment --comment ${quoted(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${chains.cluster}`;
        ruleOut.push(route);
        addSaved(saveOut, externalTrafficChain, route);
      }
      if (hasExternalEndpoints) {
        const jump = `-A ${externalTrafficChain} -j ${externalPolicyChain}`;
        ruleOut.push(jump);
        addSaved(saveOut, externalTrafficChain, jump);
      }
    }

    if (usesFWChain) {
      chainOut.push(`:${chains.firewall} - [0:0]`);
      declareSaved(saveOut, chains.firewall);
      activeNatChains.add(chains.firewall);
      carried.push(chains.firewall);
      const comment = quoted(`${name} loadbalancer IP`);
      const base = `-A ${chains.firewall} -m comment --comment ${comment}`;
      let allowFromNode = false;
      for (const cidr of svc.loadBalancerSourceRanges) {
        ruleOut.push(`${base} -s ${cidr} -j ${externalTrafficChain}`);
        addSaved(
          saveOut,
          chains.firewall,
          `-A ${chains.firewall} -s ${cidr} -m comment --comment ${comment} -j ${externalTrafficChain}`,
        );
        const net = parseIPv4CIDR(cidr);
        if (net && nodeIP !== '' && ipv4NetContains(net, nodeIP)) allowFromNode = true;
      }
      // A node talking to a VIP it hosts loops back with the VIP as source.
      if (allowFromNode) {
        for (const lbip of svc.loadBalancerVIPs) {
          ruleOut.push(`${base} -s ${lbip} -j ${externalTrafficChain}`);
          addSaved(
            saveOut,
            chains.firewall,
            `-A ${chains.firewall} -s ${lbip}/32 -m comment --comment ${comment} -j ${externalTrafficChain}`,
          );
        }
      }
      const last = `-A ${chains.firewall} -m comment --comment ${quoted(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)}`;
      ruleOut.push(last);
      addSaved(saveOut, chains.firewall, last);
    }

    if (usesClusterPolicyChain) {
      chainOut.push(`:${chains.cluster} - [0:0]`);
      declareSaved(saveOut, chains.cluster);
      activeNatChains.add(chains.cluster);
      carried.push(chains.cluster);
      writeServiceToEndpointRules(
        sepNames,
        ruleOut,
        saveOut,
        svc,
        protocol,
        chains.cluster,
        clusterEndpoints,
        largeClusterMode,
      );
    }
    if (usesLocalPolicyChain) {
      chainOut.push(`:${chains.local} - [0:0]`);
      declareSaved(saveOut, chains.local);
      activeNatChains.add(chains.local);
      carried.push(chains.local);
      writeServiceToEndpointRules(
        sepNames,
        ruleOut,
        saveOut,
        svc,
        protocol,
        chains.local,
        localEndpoints,
        largeClusterMode,
      );
    }

    const saveComment = largeClusterMode ? '' : ` -m comment --comment "${name}"`;
    for (const ep of allReachableEndpoints) {
      if (plain && !isPlainNumber(ep.port)) plain = false;
      const sep = sepChain(sepNames, svc, protocol, ep);
      chainOut.push(`:${sep} - [0:0]`);
      activeNatChains.add(sep);
      carried.push(sep);
      const base = largeClusterMode ? `-A ${sep}` : `-A ${sep} -m comment --comment ${name}`;
      // Hairpin: a pod reaching itself through the Service must be masqueraded.
      ruleOut.push(`${base} -s ${ep.ip} -j ${kubeMarkMasqChain}`);
      const affinity = svc.sessionAffinityClientIP ? ` -m recent --name ${sep} --set` : '';
      ruleOut.push(`${base}${affinity} ${proto} -j DNAT --to-destination ${ep.endpoint}`);
      const saveAffinity = svc.sessionAffinityClientIP
        ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource`
        : '';
      addSaved(saveOut, sep, `-A ${sep} -s ${ep.ip}/32${saveComment} -j ${kubeMarkMasqChain}`);
      addSaved(
        saveOut,
        sep,
        `-A ${sep} -p ${protocol}${saveComment}${saveAffinity} -m ${protocol} -j DNAT --to-destination ${ep.endpoint}`,
      );
    }

    // This port's own chains are complete: one block each from now on.
    for (const chain of carried) joinFrom(saveOut.get(chain), 0);
    joinFrom(saveOut.get(internalTrafficChain), 0);
    if (++servicesSinceJoin === 256) {
      servicesSinceJoin = 0;
      sharedSaved.forEach(([save, chain], i) => {
        const rules = save.get(chain);
        if (rules === undefined) return;
        joinFrom(rules, sharedJoined[i] ?? 0);
        sharedJoined[i] = rules.length;
      });
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
      natSave.delete(chain);
    }
  }

  for (const rule of nodePortsJumpRules(node)) fixedRule(natRules, natSave, kubeServicesChain, rule);

  if (!node.conntrackTCPBeLiberal) {
    // INVALID packets would otherwise reset connections (issues 74839, 117924).
    fixedRule(
      filterRules,
      filterSave,
      kubeForwardChain,
      `-A ${kubeForwardChain} -m conntrack --ctstate INVALID` +
        (counters.ctStateInvalidDropped ? ` -m nfacct --nfacct-name ${ctStateInvalidDroppedCounter}` : '') +
        ' -j DROP',
    );
  }
  fixedRule(
    filterRules,
    filterSave,
    kubeForwardChain,
    `-A ${kubeForwardChain} -m comment --comment ${quoted('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`,
  );
  fixedRule(
    filterRules,
    filterSave,
    kubeForwardChain,
    `-A ${kubeForwardChain} -m comment --comment ${quoted('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );

  const sections = [
    '*filter',
    filterChains.text(),
    filterRules.text(),
    'COMMIT',
    '*nat',
    natChains.text(),
    natRules.text(),
    'COMMIT',
    '',
  ];
  return {
    restoreInput: sections.filter((text, i) => text !== '' || i === sections.length - 1).join('\n'),
    activeNatChains,
    largeClusterMode,
    servicePorts,
    ...(plain ? { saveChains: { filter: filterSave, nat: natSave } } : {}),
  };
}

function writeServiceToEndpointRules(
  sepNames: SepNames,
  out: LineBuffer,
  save: Map<string, string[]>,
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
      const sep = sepChain(sepNames, svc, protocol, ep);
      out.push(
        `-A ${svcChain}${comment(ep)} -m recent --name ${sep} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}`,
      );
      addSaved(
        save,
        svcChain,
        `-A ${svcChain}${comment(ep)} -m recent --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`,
      );
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const sep = sepChain(sepNames, svc, protocol, ep);
    const p = i < n - 1 ? probability(n - i) : '';
    const statistic = p === '' ? '' : ` -m statistic --mode random --probability ${p}`;
    out.push(`-A ${svcChain}${comment(ep)}${statistic} -j ${sep}`);
    const savedStatistic = p === '' ? '' : ` -m statistic --mode random --probability ${savedProbability(p)}`;
    addSaved(save, svcChain, `-A ${svcChain}${comment(ep)}${savedStatistic} -j ${sep}`);
  });
}

/** Each endpoint's chain name is needed by the SVC/SVL rules and its own SEP chain: hash once per sync. */
type SepNames = Map<EndpointInfo, string>;

function sepChain(sepNames: SepNames, svc: ServicePortInfo, protocol: string, ep: EndpointInfo): string {
  let name = sepNames.get(ep);
  if (name === undefined) {
    name = endpointChainName(svc.nameString, protocol, ep.endpoint);
    sepNames.set(ep, name);
  }
  return name;
}

/** The tail of nat KUBE-SERVICES: which destinations count as "this node" for NodePorts. */
function nodePortsJumpRules(node: KubeProxyNode): string[] {
  const comment = `-m comment --comment ${quoted('kubernetes service nodeports; NOTE: this must be the last rule in this chain')}`;
  const addresses = nodePortAddresses(node.nodePortAddresses, node.ips);
  if (addresses === 'all') {
    const localhost = node.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    return [
      `-A ${kubeServicesChain} ${comment} -m addrtype --dst-type LOCAL${localhost} -j ${kubeNodePortsChain}`,
    ];
  }
  const rules: string[] = [];
  for (const ip of addresses) {
    if (ip.startsWith('127.') && !node.localhostNodePorts) continue;
    rules.push(`-A ${kubeServicesChain} ${comment} -d ${ip} -j ${kubeNodePortsChain}`);
  }
  return rules;
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
