// One kube-proxy sync (pkg/proxy/iptables/proxier.go syncProxyRules) as a pure
// function: service port map + endpoints map + this node → the restore input
// kube-proxy hands to `iptables-restore`, line for line in upstream's order, and the
// same rules as `iptables-save` prints them back (either or both: SyncOptions.output).
import type { IPFamily, KubeProxyNode } from '../../model';
import type { ProxyInput } from '../input';
import { cidrHolds, familyOf, nodePortAddresses, nodePortAddressesFor, parseCIDRFor } from '../addresses';
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
import { ChainTexts, LineBuffer } from './lineBuffer';
import { probability } from './probability';
import { saveAddress, saveProbability, saveRule } from './saveFormat';
import { memo } from '../../util/memo';

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

export type { ProxyInput };

/**
 * Which texts a sync renders: both forms, the restore input, the iptables-save form, or
 * neither (servicePorts and activeNatChains only). Each form costs about as much as the
 * other, so a caller that shows one asks for that one.
 */
export type SyncOutput = 'both' | 'restore-input' | 'iptables-save' | 'none';

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
  /** Default 'both'. */
  output?: SyncOutput;
  /**
   * The proxier's family (default IPv4): the IPv6 proxier writes the ip6tables rules from the
   * Services' IPv6 cluster IPs and the IPv6 EndpointSlices, and never serves localhost NodePorts.
   */
  ipFamily?: IPFamily;
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
  /**
   * Exactly what kube-proxy hands to iptables-restore. '' when `output` left it out; it is
   * still rendered for an iptables-save-only sync without saveChains (the view is parsed from it).
   */
  restoreInput: string;
  /** NAT chains the sync keeps (kube-proxy's activeNATChains). */
  activeNatChains: Set<string>;
  largeClusterMode: boolean;
  servicePorts: ServicePortOnNode[];
  /** The proxier's family: which of iptables-save / ip6tables-save prints these rules. */
  ipFamily: IPFamily;
  /**
   * The same rules as `iptables-save` prints them (see saveFormat.ts), per table and chain
   * in restore order: the save view is rendered from these instead of re-parsing restoreInput.
   * Absent when `output` left the save form out, or when an input string could change how
   * the restore text tokenizes (then iptablesSaveView parses restoreInput).
   */
  saveChains?: SaveChains;
}

/** Per table, the rules in iptables-save form, each chain's in restore order. */
export interface SavedTable {
  /** Chains filled as the sync goes (KUBE-SERVICES, KUBE-POSTROUTING…); a declared chain may be empty. */
  chains: Map<string, LineBuffer>;
  /**
   * The Service ports' own chains (KUBE-SVC/SVL/EXT/FW/SEP-…), written port after port, so
   * that their text sits in a few large blocks instead of one string per chain.
   */
  portChains: ChainTexts;
  /** Chains this sync deletes (stale service chains): not in the view. */
  deleted: Set<string>;
}

export interface SaveChains {
  filter: SavedTable;
  nat: SavedTable;
}

/** Where a chain writer's lines go: the restore input's rules, or one chain's save-form rules. */
interface LineSink {
  push(line: string): void;
}

function savedTable(): SavedTable {
  return { chains: new Map(), portChains: new ChainTexts(), deleted: new Set() };
}

/** The save-form rules of a shared chain, filled as the sync goes (a declared chain starts empty). */
function savedLines(table: SavedTable, chain: string): LineBuffer {
  let lines = table.chains.get(chain);
  if (lines === undefined) {
    lines = new LineBuffer();
    table.chains.set(chain, lines);
  }
  return lines;
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

function isPlainServicePort(svc: ServicePortInfo): boolean {
  return (
    plainName.test(svc.nameString) &&
    plainProtocols.has(svc.protocol.toLowerCase()) &&
    isPlainNumber(svc.port) &&
    isPlainNumber(svc.nodePort) &&
    isPlainNumber(svc.healthCheckNodePort) &&
    isPlainNumber(svc.stickyMaxAgeSeconds)
  );
}

/** Whether every rule's save form can be written directly (else it is parsed from the restore input). */
function isPlainSync(
  svcPortMap: readonly ServicePortInfo[],
  endpointsMap: ReadonlyMap<string, readonly EndpointInfo[]>,
  mark: string,
  detector: string | null,
): boolean {
  if (!plainMark.test(mark) || (detector !== null && !plainAddress.test(detector))) return false;
  for (const svc of svcPortMap) {
    if (!isPlainServicePort(svc)) return false;
    for (const ep of endpointsMap.get(svc.key) ?? []) if (!isPlainNumber(ep.port)) return false;
  }
  return true;
}

function savedProbability(text: string): string {
  return memo(saveProbability, `save:probability:${text}`, () => saveProbability(text));
}

/** Strings containing spaces are written pre-quoted, exactly as the proxier's fmt.Sprintf does. */
function quoted(text: string): string {
  return `"${text}"`;
}

function minorVersion(version: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 1033;
}

/** The node's settings the per-port chain writers read. */
interface RuleContext {
  masqueradeAll: boolean;
  /** Local-traffic detector CIDR as configured (restore form) and as iptables-save prints it. */
  detector: string | null;
  detectorSave: string;
  nodeIP: string;
  family: IPFamily;
  largeClusterMode: boolean;
}

/** What a Service port's own chains are written from. */
interface PortPlan {
  svc: ServicePortInfo;
  /** Lower case, as in rules. */
  protocol: string;
  chains: ServicePortChains;
  clusterIPComment: string;
  internalTrafficChain: string;
  externalPolicyChain: string;
  hasExternalEndpoints: boolean;
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
  const family = options.ipFamily ?? 'IPv4';
  // NewDualStackProxier creates the IPv6 proxier with localhostNodePorts off (no route_localnet for IPv6).
  if (family === 'IPv6' && node.localhostNodePorts) node = { ...node, localhostNodePorts: false };
  const svcPortMap = buildServicePortMap(input.services, {
    family,
    loadBalancerIPMode: options.loadBalancerIPMode ?? true,
  });
  const endpointsMap = buildEndpointsMap(input.endpointSlices, {
    family,
    nodeName: node.name,
    preferSameTrafficDistribution,
  });
  const mark = node.masqueradeMark;
  const detector = node.localDetectorCIDR === '' ? null : node.localDetectorCIDR;
  const output = options.output ?? 'both';
  // The direct save form is written for IPv4 only; IPv6 rules are saved from their restore text.
  const wantSave =
    (output === 'both' || output === 'iptables-save') &&
    family === 'IPv4' &&
    isPlainSync(svcPortMap, endpointsMap, mark, detector);
  const wantRestore =
    output === 'both' || output === 'restore-input' || (output === 'iptables-save' && !wantSave);

  let totalEndpoints = 0;
  for (const svc of svcPortMap) totalEndpoints += endpointsMap.get(svc.key)?.length ?? 0;
  const largeClusterMode = totalEndpoints > largeClusterEndpointsThreshold;
  const ctx: RuleContext = {
    masqueradeAll: node.masqueradeAll,
    detector,
    detectorSave: detector === null ? '' : saveAddress(detector),
    nodeIP: node.ips.find((ip) => familyOf(ip) === family) ?? '',
    family,
    largeClusterMode,
  };

  const filterChains = new LineBuffer();
  const filterRules = new LineBuffer();
  const natChains = new LineBuffer();
  const natRules = new LineBuffer();
  const filterSave = savedTable();
  const natSave = savedTable();

  /** A rule whose save form is generic: rendered by saveRule from its restore text. */
  const fixedRule = (rules: LineBuffer, save: SavedTable, chain: string, line: string) => {
    if (wantRestore) rules.push(line);
    if (wantSave) savedLines(save, chain).push(saveRule(line));
  };

  for (const c of [
    kubeServicesChain,
    kubeExternalServicesChain,
    kubeForwardChain,
    kubeNodePortsChain,
    kubeProxyFirewallChain,
  ]) {
    if (wantRestore) filterChains.push(`:${c} - [0:0]`);
    savedLines(filterSave, c);
  }
  for (const c of [kubeServicesChain, kubeNodePortsChain, kubePostroutingChain, kubeMarkMasqChain]) {
    if (wantRestore) natChains.push(`:${c} - [0:0]`);
    savedLines(natSave, c);
  }
  // The shared chains' save-form rules, filled as the Service ports are walked.
  const filterServicesSaved = savedLines(filterSave, kubeServicesChain);
  const filterExternalSaved = savedLines(filterSave, kubeExternalServicesChain);
  const filterNodePortsSaved = savedLines(filterSave, kubeNodePortsChain);
  const filterFirewallSaved = savedLines(filterSave, kubeProxyFirewallChain);
  const natServicesSaved = savedLines(natSave, kubeServicesChain);
  const natNodePortsSaved = savedLines(natSave, kubeNodePortsChain);

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
    if (wantRestore) filterChains.push(`:${kubeletFirewallChain} - [0:0]`);
    savedLines(filterSave, kubeletFirewallChain);
    fixedRule(
      filterRules,
      filterSave,
      kubeletFirewallChain,
      `-A ${kubeletFirewallChain} -m comment --comment ${quoted('block incoming localnet connections')}` +
        ' -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
  }

  const activeNatChains = new Set<string>();
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
    const clusterIPComment = quoted(`${name} cluster IP`);
    /** A rule for traffic to `ip`:port, in the restore form and/or the save form. */
    const dstRule = (
      rules: LineBuffer,
      saved: LineBuffer,
      chain: string,
      ip: string,
      comment: string,
      target: string,
    ): void => {
      if (wantRestore)
        rules.push(
          `-A ${chain} -m comment --comment ${comment} ${proto} -d ${ip} --dport ${svc.port} -j ${target}`,
        );
      if (wantSave) saved.push(saveDstRule(chain, ip, protocol, comment, svc.port, target));
    };

    if (hasInternalEndpoints) {
      dstRule(
        natRules,
        natServicesSaved,
        kubeServicesChain,
        svc.clusterIP,
        clusterIPComment,
        internalTrafficChain,
      );
    } else {
      dstRule(
        filterRules,
        filterServicesSaved,
        kubeServicesChain,
        svc.clusterIP,
        internalFilterComment,
        internalFilterTarget,
      );
    }

    for (const externalIP of svc.externalIPs) {
      if (hasEndpoints) {
        const comment = quoted(`${name} external IP`);
        dstRule(natRules, natServicesSaved, kubeServicesChain, externalIP, comment, externalTrafficChain);
      }
      if (!hasExternalEndpoints) {
        dstRule(
          filterRules,
          filterExternalSaved,
          kubeExternalServicesChain,
          externalIP,
          externalFilterComment,
          externalFilterTarget,
        );
      }
    }

    for (const lbip of svc.loadBalancerVIPs) {
      if (hasEndpoints) {
        const comment = quoted(`${name} loadbalancer IP`);
        dstRule(natRules, natServicesSaved, kubeServicesChain, lbip, comment, loadBalancerTrafficChain);
      }
      if (usesFWChain) {
        const comment = quoted(`${name} traffic not accepted by ${chains.firewall}`);
        dstRule(filterRules, filterFirewallSaved, kubeProxyFirewallChain, lbip, comment, 'DROP');
      }
    }
    if (!hasExternalEndpoints) {
      for (const lbip of svc.loadBalancerVIPs) {
        dstRule(
          filterRules,
          filterExternalSaved,
          kubeExternalServicesChain,
          lbip,
          externalFilterComment,
          externalFilterTarget,
        );
      }
    }

    if (svc.nodePort !== 0) {
      if (hasEndpoints) {
        // NodePorts are not subject to loadBalancerSourceRanges (upstream keeps it that way for compatibility).
        if (node.localhostNodePorts && counters.localhostNodePortsAccepted) {
          if (wantRestore)
            natRules.push(
              `-A ${kubeNodePortsChain} -m comment --comment ${name} ${proto} -d 127.0.0.0/8 --dport ${svc.nodePort}` +
                ` -m nfacct --nfacct-name ${localhostNodePortAcceptedCounter} -j ${externalTrafficChain}`,
            );
          if (wantSave)
            natNodePortsSaved.push(
              `-A ${kubeNodePortsChain} -d 127.0.0.0/8 -p ${protocol} -m comment --comment "${name}" -m ${protocol} --dport ${svc.nodePort}` +
                ` -m nfacct --nfacct-name  ${localhostNodePortAcceptedCounter} -j ${externalTrafficChain}`,
            );
        }
        if (wantRestore)
          natRules.push(
            `-A ${kubeNodePortsChain} -m comment --comment ${name} ${proto} --dport ${svc.nodePort} -j ${externalTrafficChain}`,
          );
        if (wantSave)
          natNodePortsSaved.push(
            `-A ${kubeNodePortsChain} -p ${protocol} -m comment --comment "${name}" -m ${protocol} --dport ${svc.nodePort} -j ${externalTrafficChain}`,
          );
      }
      if (!hasExternalEndpoints) {
        if (wantRestore)
          filterRules.push(
            `-A ${kubeExternalServicesChain} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL` +
              ` ${proto} --dport ${svc.nodePort} -j ${externalFilterTarget}`,
          );
        if (wantSave)
          filterExternalSaved.push(
            `-A ${kubeExternalServicesChain} -p ${protocol} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL` +
              ` -m ${protocol} --dport ${svc.nodePort}${saveJump(externalFilterTarget)}`,
          );
      }
    }

    if (svc.healthCheckNodePort !== 0) {
      // Accepted whether or not this node has local endpoints: the LB's probe must get an answer.
      const comment = quoted(`${name} health check node port`);
      if (wantRestore)
        filterRules.push(
          `-A ${kubeNodePortsChain} -m comment --comment ${comment} -m tcp -p tcp` +
            ` --dport ${svc.healthCheckNodePort} -j ACCEPT`,
        );
      if (wantSave)
        filterNodePortsSaved.push(
          `-A ${kubeNodePortsChain} -p tcp -m comment --comment ${comment} -m tcp --dport ${svc.healthCheckNodePort} -j ACCEPT`,
        );
    }

    // This port's own chains: names first (they are what servicePorts and activeNatChains list).
    const carried: string[] = [];
    if (usesExternalTrafficChain) carried.push(externalTrafficChain);
    if (usesFWChain) carried.push(chains.firewall);
    if (usesClusterPolicyChain) carried.push(chains.cluster);
    if (usesLocalPolicyChain) carried.push(chains.local);
    // Each endpoint's chain name, hashed once for its SEP chain and the SVC/SVL rules jumping to it.
    const sepNames = allReachableEndpoints.map((ep) => endpointChainName(name, protocol, ep.endpoint));
    for (const sep of sepNames) carried.push(sep);
    for (const chain of carried) activeNatChains.add(chain);
    servicePorts.push({
      namespace: svc.namespace,
      name: svc.serviceName,
      portName: svc.portName,
      protocol: svc.protocol,
      chains: carried,
    });

    const writeChains =
      options.updatedServices === undefined ||
      options.updatedServices.has(`${svc.namespace}/${svc.serviceName}`);
    if (!writeChains || (!wantRestore && !wantSave)) continue;
    const plan: PortPlan = {
      svc,
      protocol,
      chains,
      clusterIPComment,
      internalTrafficChain,
      externalPolicyChain,
      hasExternalEndpoints,
    };
    const clusterSepNames = usesClusterPolicyChain
      ? sepNamesOf(plan, clusterEndpoints, allReachableEndpoints, sepNames)
      : [];
    const localSepNames = usesLocalPolicyChain
      ? sepNamesOf(plan, localEndpoints, allReachableEndpoints, sepNames)
      : [];
    // Off-cluster traffic to a ClusterIP (a static route to a node) may bounce to another node.
    const clusterIPMasquerade = hasInternalEndpoints && (node.masqueradeAll || detector !== null);

    if (wantRestore) {
      if (clusterIPMasquerade) writeClusterIPMasquerade(ctx, plan, false, natRules);
      if (usesExternalTrafficChain) {
        natChains.push(`:${externalTrafficChain} - [0:0]`);
        writeExternalChain(ctx, plan, false, natRules);
      }
      if (usesFWChain) {
        natChains.push(`:${chains.firewall} - [0:0]`);
        writeFirewallChain(ctx, plan, false, natRules);
      }
      if (usesClusterPolicyChain) {
        natChains.push(`:${chains.cluster} - [0:0]`);
        writeServiceToEndpointRules(
          ctx,
          plan,
          chains.cluster,
          clusterEndpoints,
          clusterSepNames,
          false,
          natRules,
        );
      }
      if (usesLocalPolicyChain) {
        natChains.push(`:${chains.local} - [0:0]`);
        writeServiceToEndpointRules(ctx, plan, chains.local, localEndpoints, localSepNames, false, natRules);
      }
      allReachableEndpoints.forEach((ep, i) => {
        const sep = sepNames[i] ?? '';
        natChains.push(`:${sep} - [0:0]`);
        writeEndpointChain(ctx, plan, ep, sep, false, natRules);
      });
    }

    if (wantSave) {
      const saved = natSave.portChains;
      if (usesExternalTrafficChain) {
        saved.begin(externalTrafficChain);
        writeExternalChain(ctx, plan, true, saved);
      }
      if (usesFWChain) {
        saved.begin(chains.firewall);
        writeFirewallChain(ctx, plan, true, saved);
      }
      // The ClusterIP masquerade rule opens internalTrafficChain (SVC, or SVL for Local policy).
      const masqueradeCluster = clusterIPMasquerade && !svc.internalPolicyLocal;
      if (usesClusterPolicyChain || masqueradeCluster) {
        saved.begin(chains.cluster);
        if (masqueradeCluster) writeClusterIPMasquerade(ctx, plan, true, saved);
        if (usesClusterPolicyChain)
          writeServiceToEndpointRules(
            ctx,
            plan,
            chains.cluster,
            clusterEndpoints,
            clusterSepNames,
            true,
            saved,
          );
      }
      const masqueradeLocal = clusterIPMasquerade && svc.internalPolicyLocal;
      if (usesLocalPolicyChain || masqueradeLocal) {
        saved.begin(chains.local);
        if (masqueradeLocal) writeClusterIPMasquerade(ctx, plan, true, saved);
        if (usesLocalPolicyChain)
          writeServiceToEndpointRules(ctx, plan, chains.local, localEndpoints, localSepNames, true, saved);
      }
      allReachableEndpoints.forEach((ep, i) => {
        const sep = sepNames[i] ?? '';
        saved.begin(sep);
        writeEndpointChain(ctx, plan, ep, sep, true, saved);
      });
      saved.endGroup();
    }
  }

  if (!options.skipStaleChainCleanup && options.existingNatChains !== undefined) {
    const stale = [...new Set(options.existingNatChains)].filter(
      (c) => !activeNatChains.has(c) && isServiceChainName(c),
    );
    stale.sort();
    for (const chain of stale) {
      if (wantRestore) {
        natChains.push(`:${chain} - [0:0]`);
        natRules.push(`-X ${chain}`);
      }
      natSave.deleted.add(chain);
    }
  }

  for (const rule of nodePortsJumpRules(node, family)) fixedRule(natRules, natSave, kubeServicesChain, rule);

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

  let restoreInput = '';
  if (wantRestore) {
    const pieces = ['*filter'];
    filterChains.appendTo(pieces);
    filterRules.appendTo(pieces);
    pieces.push('COMMIT', '*nat');
    natChains.appendTo(pieces);
    natRules.appendTo(pieces);
    pieces.push('COMMIT', '');
    restoreInput = pieces.join('\n');
  }
  return {
    restoreInput,
    activeNatChains,
    largeClusterMode,
    servicePorts,
    ipFamily: family,
    ...(wantSave ? { saveChains: { filter: filterSave, nat: natSave } } : {}),
  };
}

// The writers of a Service port's own chains. `save` selects the form: false = the restore
// input line as kube-proxy writes it, true = that rule as iptables-save prints it back.

/** The masquerade rule for off-cluster traffic to the ClusterIP, first in internalTrafficChain. */
function writeClusterIPMasquerade(ctx: RuleContext, p: PortPlan, save: boolean, out: LineSink): void {
  const { svc, protocol } = p;
  const chain = p.internalTrafficChain;
  if (!save) {
    const args = `-m comment --comment ${p.clusterIPComment} -m ${protocol} -p ${protocol} -d ${svc.clusterIP} --dport ${svc.port}`;
    if (ctx.masqueradeAll) out.push(`-A ${chain} ${args} -j ${kubeMarkMasqChain}`);
    else if (ctx.detector !== null)
      out.push(`-A ${chain} ${args} ! -s ${ctx.detector} -j ${kubeMarkMasqChain}`);
    return;
  }
  const tail = ` -d ${svc.clusterIP}/32 -p ${protocol} -m comment --comment ${p.clusterIPComment} -m ${protocol} --dport ${svc.port} -j ${kubeMarkMasqChain}`;
  if (ctx.masqueradeAll) out.push(`-A ${chain}${tail}`);
  else if (ctx.detector !== null) out.push(`-A ${chain} ! -s ${ctx.detectorSave}${tail}`);
}

/** KUBE-EXT-…: masquerade (or short-circuit local sources), then the external policy chain. */
function writeExternalChain(ctx: RuleContext, p: PortPlan, save: boolean, out: LineSink): void {
  const { svc, chains } = p;
  const name = svc.nameString;
  const chain = chains.external;
  if (!svc.externalPolicyLocal) {
    const comment = quoted(`masquerade traffic for ${name} external destinations`);
    out.push(`-A ${chain} -m comment --comment ${comment} -j ${kubeMarkMasqChain}`);
  } else {
    if (ctx.detector !== null) {
      const comment = quoted(`pod traffic for ${name} external destinations`);
      out.push(
        save
          ? `-A ${chain} -s ${ctx.detectorSave} -m comment --comment ${comment} -j ${chains.cluster}`
          : `-A ${chain} -m comment --comment ${comment} -s ${ctx.detector} -j ${chains.cluster}`,
      );
    }
    out.push(
      `-A ${chain} -m comment --comment ${quoted(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${kubeMarkMasqChain}`,
    );
    out.push(
      `-A ${chain} -m comment --comment ${quoted(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${chains.cluster}`,
    );
  }
  if (p.hasExternalEndpoints) out.push(`-A ${chain} -j ${p.externalPolicyChain}`);
}

/** KUBE-FW-…: loadBalancerSourceRanges (and the node's own VIPs), the rest falls through to a DROP. */
function writeFirewallChain(ctx: RuleContext, p: PortPlan, save: boolean, out: LineSink): void {
  const { svc, chains } = p;
  const name = svc.nameString;
  const chain = chains.firewall;
  const comment = quoted(`${name} loadbalancer IP`);
  const base = `-A ${chain} -m comment --comment ${comment}`;
  let allowFromNode = false;
  for (const cidr of svc.loadBalancerSourceRanges) {
    out.push(
      save
        ? `-A ${chain} -s ${cidr} -m comment --comment ${comment} -j ${chains.external}`
        : `${base} -s ${cidr} -j ${chains.external}`,
    );
    const net = parseCIDRFor(ctx.family, cidr);
    if (net && ctx.nodeIP !== '' && cidrHolds(net, ctx.nodeIP)) allowFromNode = true;
  }
  // A node talking to a VIP it hosts loops back with the VIP as source.
  if (allowFromNode) {
    for (const lbip of svc.loadBalancerVIPs) {
      out.push(
        save
          ? `-A ${chain} -s ${lbip}/32 -m comment --comment ${comment} -j ${chains.external}`
          : `${base} -s ${lbip} -j ${chains.external}`,
      );
    }
  }
  out.push(
    `-A ${chain} -m comment --comment ${quoted(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)}`,
  );
}

/** KUBE-SVC-… / KUBE-SVL-…: affinity checks, then one random branch per endpoint. */
function writeServiceToEndpointRules(
  ctx: RuleContext,
  p: PortPlan,
  svcChain: string,
  endpoints: readonly EndpointInfo[],
  sepNames: readonly string[],
  save: boolean,
  out: LineSink,
): void {
  const { svc } = p;
  const name = svc.nameString;
  const comment = (ep: EndpointInfo) =>
    ctx.largeClusterMode ? '' : ` -m comment --comment ${quoted(`${name} -> ${ep.endpoint}`)}`;
  if (svc.sessionAffinityClientIP) {
    endpoints.forEach((ep, i) => {
      const sep = sepNames[i] ?? '';
      out.push(
        save
          ? `-A ${svcChain}${comment(ep)} -m recent --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`
          : `-A ${svcChain}${comment(ep)} -m recent --name ${sep} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}`,
      );
    });
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const sep = sepNames[i] ?? '';
    const pr = i < n - 1 ? probability(n - i) : '';
    const statistic =
      pr === '' ? '' : ` -m statistic --mode random --probability ${save ? savedProbability(pr) : pr}`;
    out.push(`-A ${svcChain}${comment(ep)}${statistic} -j ${sep}`);
  });
}

/** KUBE-SEP-…: hairpin masquerade, then the DNAT to the endpoint. */
function writeEndpointChain(
  ctx: RuleContext,
  p: PortPlan,
  ep: EndpointInfo,
  sep: string,
  save: boolean,
  out: LineSink,
): void {
  const { svc, protocol } = p;
  const name = svc.nameString;
  if (!save) {
    const base = ctx.largeClusterMode ? `-A ${sep}` : `-A ${sep} -m comment --comment ${name}`;
    // Hairpin: a pod reaching itself through the Service must be masqueraded.
    out.push(`${base} -s ${ep.ip} -j ${kubeMarkMasqChain}`);
    const affinity = svc.sessionAffinityClientIP ? ` -m recent --name ${sep} --set` : '';
    out.push(`${base}${affinity} -m ${protocol} -p ${protocol} -j DNAT --to-destination ${ep.endpoint}`);
    return;
  }
  const comment = ctx.largeClusterMode ? '' : ` -m comment --comment "${name}"`;
  const affinity = svc.sessionAffinityClientIP
    ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource`
    : '';
  out.push(
    `-A ${sep} -s ${ep.ip}/32${comment} -j ${kubeMarkMasqChain}\n` +
      `-A ${sep} -p ${protocol}${comment}${affinity} -m ${protocol} -j DNAT --to-destination ${ep.endpoint}`,
  );
}

/** The SEP chain names of `endpoints` (among `reachable`, whose names are `names`: usually the same list). */
function sepNamesOf(
  p: Pick<PortPlan, 'svc' | 'protocol'>,
  endpoints: readonly EndpointInfo[],
  reachable: readonly EndpointInfo[],
  names: readonly string[],
): readonly string[] {
  if (endpoints === reachable) return names;
  const byEndpoint = new Map<EndpointInfo, string>();
  reachable.forEach((ep, i) => byEndpoint.set(ep, names[i] ?? ''));
  return endpoints.map(
    (ep) => byEndpoint.get(ep) ?? endpointChainName(p.svc.nameString, p.protocol, ep.endpoint),
  );
}

/** The tail of nat KUBE-SERVICES: which destinations count as "this node" for NodePorts. */
function nodePortsJumpRules(node: KubeProxyNode, family: IPFamily): string[] {
  const comment = `-m comment --comment ${quoted('kubernetes service nodeports; NOTE: this must be the last rule in this chain')}`;
  const addresses = nodePortAddressesFor(family, node.nodePortAddresses, node.ips);
  if (addresses === 'all') {
    // Localhost NodePorts never work over IPv6, and over IPv4 only with route_localnet.
    const localhost =
      family === 'IPv6' ? ' ! -d ::1/128' : node.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    return [
      `-A ${kubeServicesChain} ${comment} -m addrtype --dst-type LOCAL${localhost} -j ${kubeNodePortsChain}`,
    ];
  }
  const rules: string[] = [];
  for (const ip of addresses) {
    if (ip === '::1' || (ip.startsWith('127.') && !node.localhostNodePorts)) continue;
    rules.push(`-A ${kubeServicesChain} ${comment} -d ${ip} -j ${kubeNodePortsChain}`);
  }
  return rules;
}

export { nodePortAddresses };
export type { ServicePortChains };
