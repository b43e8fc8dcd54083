// One kube-proxy sync in nftables mode (pkg/proxy/nftables/proxier.go syncProxyRules, in the
// v1.34+ layout of upstream's proxier_test.go) as a pure function: the table the node had
// before (none on a fresh node), the Services and EndpointSlices, and this node → the table
// after the sync, with the size of the transaction that got it there.
//
// Partial syncs are modelled as upstream does them: after the first sync, only Services whose
// ports or endpoints changed get their chains rewritten; set and map elements are added and
// removed one by one; chains no longer used are flushed and deleted on a later sync, once they
// have been stale for more than a second (kernels before 6.2 notice a dropped map reference late).
import type { KubeProxyNode } from '../../model';
import type { ProxyInput } from '../input';
import type { IPFamily } from '../../net/ip';
import { cidrHolds, nodePortAddressesFor, normalizeFor, parseCIDRFor } from '../addresses';
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
import { flat } from '../../util/flat';
import { memo } from '../../util/memo';
import {
  endpointAffinityPrefix,
  endpointChainPrefix,
  isAffinitySetName,
  isServiceChainName,
  serviceExternalPrefix,
  serviceFirewallPrefix,
  servicePolicyClusterPrefix,
  servicePolicyLocalPrefix,
  servicePortChainNameBase,
  servicePortEndpointChainNameBase,
} from './chainNames';
import type { NftChain, NftElement, NftSet, NftTable } from './table';
import {
  chainLine,
  chainVerbLine,
  cloneTable,
  deleteElementLine,
  elementLine,
  joinElementKey,
  ruleLine,
  setLine,
  setVerbLine,
  tableLine,
} from './table';

export const kubeProxyTable = 'kube-proxy';

// Fixed chains, sets and maps.
export const filterPreroutingPreDNATChain = 'filter-prerouting-pre-dnat';
export const filterOutputPreDNATChain = 'filter-output-pre-dnat';
export const filterInputChain = 'filter-input';
export const filterForwardChain = 'filter-forward';
export const filterOutputChain = 'filter-output';
export const natPreroutingChain = 'nat-prerouting';
export const natOutputChain = 'nat-output';
export const natPostroutingChain = 'nat-postrouting';
export const servicesChain = 'services';
export const serviceIPsMap = 'service-ips';
export const serviceNodePortsMap = 'service-nodeports';
export const nodePortIPsSet = 'nodeport-ips';
export const clusterIPsSet = 'cluster-ips';
export const serviceEndpointsCheckChain = 'service-endpoints-check';
export const nodePortEndpointsCheckChain = 'nodeport-endpoints-check';
export const noEndpointServicesMap = 'no-endpoint-services';
export const noEndpointNodePortsMap = 'no-endpoint-nodeports';
export const rejectChain = 'reject-chain';
export const clusterIPsCheckChain = 'cluster-ips-check';
export const firewallIPsMap = 'firewall-ips';
export const firewallCheckChain = 'firewall-check';
export const markMasqChain = 'mark-for-masquerade';
export const masqueradingChain = 'masquerading';

/** What kube-proxy on the node knows besides its KubeProxyNode settings. */
export interface NftablesNode extends KubeProxyNode {
  /** The cluster's ServiceCIDRs of this family (OnServiceCIDRsChanged); unallocated IPs in them are dropped. */
  serviceCIDRs: readonly string[];
  /** The proxier's family: `ip kube-proxy` (default) or `ip6 kube-proxy`. */
  ipFamily?: IPFamily;
}

/** The words that differ between the two families' tables. */
interface FamilyWords {
  family: IPFamily;
  /** `ip` / `ip6`: the table family and the address match prefix. */
  ipX: 'ip' | 'ip6';
  addrType: 'ipv4_addr' | 'ipv6_addr';
  noLocalhost: string;
}

function familyWords(family: IPFamily): FamilyWords {
  return family === 'IPv4'
    ? { family, ipX: 'ip', addrType: 'ipv4_addr', noLocalhost: 'ip daddr != 127.0.0.0/8' }
    : { family, ipX: 'ip6', addrType: 'ipv6_addr', noLocalhost: 'ip6 daddr != ::1' };
}

export type NftablesInput = ProxyInput;

/** What a node holds between syncs: the table, and what the proxier remembers about it. */
export interface NftablesState {
  table: NftTable;
  /** Flushed service chains, with the time (ms) they were found stale. */
  staleChains: ReadonlyMap<string, number>;
  /** The service and endpoint maps last synced: the next sync compares with them to find what changed. */
  svcPortMap: readonly ServicePortInfo[];
  endpointsMap: ReadonlyMap<string, readonly EndpointInfo[]>;
}

export interface NftablesSyncOptions {
  /** The node's state after its previous sync; absent = a fresh node (a full sync). */
  previous?: NftablesState;
  /** Clock (ms) for stale-chain ageing; default 0. */
  now?: number;
  /** LoadBalancerIPMode (GA since 1.32; default true): ingress with ipMode Proxy is not a VIP. */
  loadBalancerIPMode?: boolean;
  /** Whether to render the transaction's text (default true; the table and counts come either way). */
  transaction?: boolean;
}

export interface NftServicePortOnNode {
  namespace: string;
  name: string;
  portName: string;
  protocol: ServicePortInfo['protocol'];
  /** The chains that carry this port's traffic on the node. */
  chains: string[];
}

export interface NftablesSync {
  state: NftablesState;
  /** The sync's transaction as kube-proxy hands it to `nft -f` (each statement ends with "\n"); '' when not rendered. */
  transaction: string;
  /** Operations in it (upstream's LastTransaction.NumOperations()). */
  operations: number;
  /** Stale chains deleted, in a transaction of their own, before the sync. */
  deletedStaleChains: string[];
  servicePorts: NftServicePortOnNode[];
}

interface BaseChainSpec {
  name: string;
  type: 'filter' | 'nat';
  hook: string;
  priority: number;
}

// Filtering on pre-DNAT destinations (firewall-check) runs just before DNAT; the checks for
// services without endpoints and for invalid ClusterIP ports run at filter priority, after it.
const baseChains: readonly BaseChainSpec[] = [
  { name: filterPreroutingPreDNATChain, type: 'filter', hook: 'prerouting', priority: -110 },
  { name: filterOutputPreDNATChain, type: 'filter', hook: 'output', priority: -110 },
  { name: filterForwardChain, type: 'filter', hook: 'forward', priority: 0 },
  { name: filterInputChain, type: 'filter', hook: 'input', priority: 0 },
  { name: filterOutputChain, type: 'filter', hook: 'output', priority: 0 },
  { name: natPreroutingChain, type: 'nat', hook: 'prerouting', priority: -100 },
  { name: natOutputChain, type: 'nat', hook: 'output', priority: -100 },
  { name: natPostroutingChain, type: 'nat', hook: 'postrouting', priority: 100 },
];

/** [destination, source, extra match]: the jumps from the base chains, in upstream's order. */
const jumpChains: readonly (readonly [string, string, string])[] = [
  [firewallCheckChain, filterPreroutingPreDNATChain, 'ct state new'],
  [firewallCheckChain, filterOutputPreDNATChain, 'ct state new'],
  // reject is only valid in input, forward and output hooks on kernels before 5.9.
  [serviceEndpointsCheckChain, filterForwardChain, 'ct state new'],
  [clusterIPsCheckChain, filterForwardChain, 'ct state new'],
  [nodePortEndpointsCheckChain, filterInputChain, 'ct state new'],
  [serviceEndpointsCheckChain, filterInputChain, 'ct state new'],
  [serviceEndpointsCheckChain, filterOutputChain, 'ct state new'],
  [clusterIPsCheckChain, filterOutputChain, 'ct state new'],
  [servicesChain, natOutputChain, ''],
  [servicesChain, natPreroutingChain, ''],
  [masqueradingChain, natPostroutingChain, ''],
];

/** The element containers the sync fills (and empties) one element at a time. */
const elementContainers = [
  clusterIPsSet,
  serviceIPsMap,
  firewallIPsMap,
  noEndpointServicesMap,
  noEndpointNodePortsMap,
  serviceNodePortsMap,
] as const;

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function minorVersion(version: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 1034;
}

/**
 * The transaction's text, built in chunks: each statement string dies young (joined into a
 * chunk every few hundred lines) instead of all of them surviving until the end.
 */
class TextSink {
  private readonly chunks: string[] = [];
  private pending: string[] = [];
  push(line: string): void {
    this.pending.push(line);
    if (this.pending.length >= 256) this.flush();
  }
  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }
  text(): string {
    this.flush();
    return this.chunks.join('');
  }
}

/** The transaction being built, applied to a copy of the table as it goes. */
class Transaction {
  operations = 0;
  /** The statements, as knftables writes them for `nft -f`; null when the text is not wanted. */
  readonly lines: TextSink | null;
  constructor(
    readonly table: NftTable,
    record: boolean,
  ) {
    this.lines = record ? new TextSink() : null;
  }

  // Each operation counts itself and renders its statement only when the text is wanted
  // (`lines` non-null); no closure per operation: a 10k-Service sync has ~240k of them.

  addTable(): void {
    this.operations += 1;
    this.lines?.push(tableLine(this.table));
  }

  /** `add chain`: creates the chain, or leaves an existing one (and its rules) as it is. */
  addChain(chain: Omit<NftChain, 'rules'>): NftChain {
    const existing = this.table.chains.get(chain.name);
    const full: NftChain = { name: flat(chain.name), rules: existing ? existing.rules : [] };
    if (chain.base !== undefined) full.base = chain.base;
    if (chain.comment !== undefined) full.comment = chain.comment;
    this.operations += 1;
    this.lines?.push(chainLine(this.table, full));
    this.table.chains.set(chain.name, full);
    return full;
  }

  /** `add chain` + `flush chain`: the chain exists and is empty. */
  addAndFlushChain(chain: Omit<NftChain, 'rules'>): void {
    const full = this.addChain(chain);
    this.operations += 1;
    this.lines?.push(chainVerbLine(this.table, 'flush', chain.name));
    if (full.rules.length > 0) full.rules = [];
  }

  flushChain(name: string): void {
    this.operations += 1;
    this.lines?.push(chainVerbLine(this.table, 'flush', name));
    const chain = this.table.chains.get(name);
    if (chain) chain.rules = [];
  }

  deleteChain(name: string): void {
    this.operations += 1;
    this.lines?.push(chainVerbLine(this.table, 'delete', name));
    this.table.chains.delete(name);
  }

  rule(chain: string, rule: string, comment?: string): void {
    const target = this.table.chains.get(chain);
    if (!target) throw new Error(`nftables: rule for missing chain ${chain}`);
    const text = flat(comment === undefined ? rule : `${rule} comment "${comment}"`);
    this.operations += 1;
    this.lines?.push(ruleLine(this.table, chain, text));
    target.rules.push(text);
  }

  /** `add set|map`: creates it, or leaves an existing one (and its elements) as it is. */
  addSet(set: Omit<NftSet, 'elements'>): void {
    const existing = this.table.sets.get(set.name);
    const full: NftSet = { ...set, elements: existing ? existing.elements : new Map<string, NftElement>() };
    this.operations += 1;
    this.lines?.push(setLine(this.table, full));
    this.table.sets.set(set.name, full);
  }

  flushSet(name: string): void {
    const set = this.table.sets.get(name);
    if (!set) return;
    this.operations += 1;
    this.lines?.push(setVerbLine(this.table, 'flush', set.kind, name));
    set.elements.clear();
  }

  deleteSet(name: string): void {
    const set = this.table.sets.get(name);
    if (!set) return;
    this.operations += 1;
    this.lines?.push(setVerbLine(this.table, 'delete', set.kind, name));
    this.table.sets.delete(name);
  }

  addElement(name: string, element: NftElement, key: string = joinElementKey(element.key)): void {
    const set = this.table.sets.get(name);
    if (!set) throw new Error(`nftables: element for missing set ${name}`);
    this.operations += 1;
    this.lines?.push(elementLine(this.table, set, element));
    if (element.value !== undefined) for (const part of element.value) flat(part);
    set.elements.set(flat(key), element);
  }

  deleteElement(name: string, key: string): void {
    this.operations += 1;
    this.lines?.push(deleteElementLine(this.table, name, key));
    this.table.sets.get(name)?.elements.delete(key);
  }
}

/** nftElementStorage: elements are added, replaced or removed only where they changed. */
class ElementStorage {
  private readonly leftover: Set<string>;
  constructor(
    private readonly tx: Transaction,
    private readonly name: string,
  ) {
    this.leftover = new Set(tx.table.sets.get(name)?.elements.keys() ?? []);
  }

  ensure(element: NftElement): void {
    const key = joinElementKey(element.key);
    const existing = this.tx.table.sets.get(this.name)?.elements.get(key);
    if (existing) {
      if (joinElementKey(existing.value ?? []) !== joinElementKey(element.value ?? [])) {
        this.tx.deleteElement(this.name, key);
        this.tx.addElement(this.name, element, key);
      }
      this.leftover.delete(key);
    } else {
      this.tx.addElement(this.name, element, key);
    }
  }

  cleanupLeftovers(): void {
    for (const key of this.leftover) this.tx.deleteElement(this.name, key);
    this.leftover.clear();
  }
}

function emptyTable(words: FamilyWords): NftTable {
  return {
    family: words.ipX,
    name: kubeProxyTable,
    comment: 'rules for kube-proxy',
    chains: new Map(),
    sets: new Map(),
  };
}

/** setupNFTables: the fixed chains, sets and maps with their rules; element containers emptied. */
function setupNFTables(
  tx: Transaction,
  node: NftablesNode,
  words: FamilyWords,
  npa: 'all' | string[],
  fresh: boolean,
): void {
  const { ipX, addrType, noLocalhost } = words;
  const created = new Set<string>();
  const ensure = (name: string) => {
    if (created.has(name)) return;
    created.add(name);
    tx.addAndFlushChain({ name });
  };
  tx.addTable();
  // Once per proxier: add + delete, so base chains left with other properties (an older
  // layout's priority) are recreated instead of failing the transaction.
  if (fresh) {
    for (const bc of baseChains) {
      tx.addChain({ name: bc.name });
      tx.deleteChain(bc.name);
    }
  }
  for (const bc of baseChains)
    tx.addAndFlushChain({ name: bc.name, base: { type: bc.type, hook: bc.hook, priority: bc.priority } });
  for (const [dst, src, extra] of jumpChains) {
    ensure(dst);
    tx.rule(src, extra === '' ? `jump ${dst}` : `${extra} jump ${dst}`);
  }
  for (const c of [servicesChain, clusterIPsCheckChain, masqueradingChain, markMasqChain]) ensure(c);

  const mark = node.masqueradeMark;
  tx.rule(markMasqChain, `mark set mark or ${mark}`);
  tx.rule(masqueradingChain, `mark and ${mark} == 0 return`);
  tx.rule(masqueradingChain, `mark set mark xor ${mark}`);
  tx.rule(masqueradingChain, 'masquerade fully-random');

  tx.addSet({ kind: 'set', name: clusterIPsSet, type: addrType, comment: 'Active ClusterIPs' });
  tx.rule(
    clusterIPsCheckChain,
    `${ipX} daddr @${clusterIPsSet} reject`,
    'Reject traffic to invalid ports of ClusterIPs',
  );
  if (node.serviceCIDRs.length > 0)
    tx.rule(
      clusterIPsCheckChain,
      `${ipX} daddr { ${node.serviceCIDRs.join(',')} } drop`,
      'Drop traffic to unallocated ClusterIPs',
    );

  tx.addSet({
    kind: 'set',
    name: nodePortIPsSet,
    type: addrType,
    comment: 'IPs that accept NodePort traffic',
  });
  if (npa === 'all') {
    tx.deleteSet(nodePortIPsSet);
  } else {
    tx.flushSet(nodePortIPsSet);
    // Localhost NodePorts are not supported in nftables mode.
    for (const ip of npa) if (!isLoopback(ip)) tx.addElement(nodePortIPsSet, { key: [ip] });
  }

  tx.addSet({
    kind: 'map',
    name: noEndpointServicesMap,
    type: `${addrType} . inet_proto . inet_service : verdict`,
    comment: 'vmap to drop or reject packets to services with no endpoints',
  });
  tx.addSet({
    kind: 'map',
    name: noEndpointNodePortsMap,
    type: 'inet_proto . inet_service : verdict',
    comment: 'vmap to drop or reject packets to service nodeports with no endpoints',
  });
  tx.addAndFlushChain({
    name: rejectChain,
    comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports',
  });
  tx.rule(rejectChain, 'reject');
  tx.rule(
    serviceEndpointsCheckChain,
    `${ipX} daddr . meta l4proto . th dport vmap @${noEndpointServicesMap}`,
  );
  tx.rule(
    nodePortEndpointsCheckChain,
    npa === 'all'
      ? `${noLocalhost} meta l4proto . th dport vmap @${noEndpointNodePortsMap}`
      : `${ipX} daddr @${nodePortIPsSet} meta l4proto . th dport vmap @${noEndpointNodePortsMap}`,
  );

  tx.addSet({
    kind: 'map',
    name: firewallIPsMap,
    type: `${addrType} . inet_proto . inet_service : verdict`,
    comment: 'destinations that are subject to LoadBalancerSourceRanges',
  });
  ensure(firewallCheckChain);
  tx.rule(firewallCheckChain, `${ipX} daddr . meta l4proto . th dport vmap @${firewallIPsMap}`);

  tx.addSet({
    kind: 'map',
    name: serviceIPsMap,
    type: `${addrType} . inet_proto . inet_service : verdict`,
    comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic',
  });
  tx.addSet({
    kind: 'map',
    name: serviceNodePortsMap,
    type: 'inet_proto . inet_service : verdict',
    comment: 'NodePort traffic',
  });
  tx.rule(servicesChain, `${ipX} daddr . meta l4proto . th dport vmap @${serviceIPsMap}`);
  tx.rule(
    servicesChain,
    npa === 'all'
      ? `fib daddr type local ${noLocalhost} meta l4proto . th dport vmap @${serviceNodePortsMap}`
      : `${ipX} daddr @${nodePortIPsSet} meta l4proto . th dport vmap @${serviceNodePortsMap}`,
  );
  for (const c of elementContainers) tx.flushSet(c);
}

/** Per Service (`ns/name`), what its chains are written from: compared between syncs to find what changed. */
function fingerprintsOf(
  state: Pick<NftablesState, 'svcPortMap' | 'endpointsMap'>,
): ReadonlyMap<string, string> {
  // The service port map is built once per sync and never changed: it owns the cache.
  return memo(state.svcPortMap, 'nftables:fingerprints', () =>
    serviceFingerprints(state.svcPortMap, state.endpointsMap),
  );
}

function serviceFingerprints(
  svcPortMap: readonly ServicePortInfo[],
  endpointsMap: ReadonlyMap<string, readonly EndpointInfo[]>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const svc of svcPortMap) {
    const id = `${svc.namespace}/${svc.serviceName}`;
    const eps = (endpointsMap.get(svc.key) ?? []).map(
      (ep) =>
        `${ep.endpoint} ${ep.ready} ${ep.serving} ${ep.terminating} ${ep.isLocal} ${[...ep.zoneHints].join(',')} ${[...ep.nodeHints].join(',')}`,
    );
    out.set(id, `${out.get(id) ?? ''}${JSON.stringify(svc)}${JSON.stringify(eps)}\n`);
  }
  return out;
}

export function syncNftables(
  input: NftablesInput,
  node: NftablesNode,
  options: NftablesSyncOptions = {},
): NftablesSync {
  const now = options.now ?? 0;
  const previous = options.previous;
  const preferSameTrafficDistribution = minorVersion(node.kubernetesVersion) >= 1034;
  const words = familyWords(node.ipFamily ?? 'IPv4');
  const family = words.family;
  const svcPortMap = buildServicePortMap(input.services, {
    family,
    loadBalancerIPMode: options.loadBalancerIPMode ?? true,
  });
  const endpointsMap = buildEndpointsMap(input.endpointSlices, {
    family,
    nodeName: node.name,
    preferSameTrafficDistribution,
  });
  const state: Pick<NftablesState, 'svcPortMap' | 'endpointsMap'> = { svcPortMap, endpointsMap };
  const before = previous ? fingerprintsOf(previous) : undefined;
  const current = before ? fingerprintsOf(state) : undefined;

  const table = previous ? cloneTable(previous.table) : emptyTable(words);
  const staleChains = new Map(previous?.staleChains ?? []);

  // Chains stale for more than a second go first, in a transaction of their own.
  const deletedStaleChains: string[] = [];
  for (const [chain, since] of staleChains) {
    if (since < now - 1000) {
      table.chains.delete(chain);
      staleChains.delete(chain);
      deletedStaleChains.push(chain);
    }
  }
  deletedStaleChains.sort();
  // What List("chains") and List("sets") return: the table before this sync's transaction.
  const existingChains = [...table.chains.keys()];
  const existingSets = [...table.sets.keys()];

  const tx = new Transaction(table, options.transaction ?? true);
  const tryPartialSync = previous !== undefined;
  const npa = nodePortAddressesFor(family, node.nodePortAddresses, node.ips);
  if (!tryPartialSync) setupNFTables(tx, node, words, npa, true);
  const storage = new Map(elementContainers.map((c) => [c, new ElementStorage(tx, c)]));
  const elements = (name: (typeof elementContainers)[number]) => storage.get(name) as ElementStorage;

  const ipX = words.ipX;
  const detector = node.localDetectorCIDR === '' ? null : node.localDetectorCIDR;
  const activeChains = new Set<string>();
  const activeAffinitySets = new Set<string>();
  const servicePorts: NftServicePortOnNode[] = [];

  for (const svc of svcPortMap) {
    const protocol = svc.protocol.toLowerCase();
    const name = svc.nameString;
    const id = `${svc.namespace}/${svc.serviceName}`;
    const base = servicePortChainNameBase(svc.namespace, svc.serviceName, svc.portName, protocol);
    const clusterPolicyChain = servicePolicyClusterPrefix + base;
    const localPolicyChain = servicePolicyLocalPrefix + base;
    const externalTrafficChain = serviceExternalPrefix + base;
    const fwChain = serviceFirewallPrefix + base;

    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(
      endpointsMap.get(svc.key) ?? [],
      svc,
      node.name,
      node.labels,
      preferSameTrafficDistribution,
    );
    const hasEndpoints = hasAnyEndpoints;
    const skipServiceUpdate = before !== undefined && before.get(id) === current?.get(id);
    const carried: string[] = [];
    const ensureChain = (chain: string) => {
      carried.push(chain);
      if (activeChains.has(chain)) return;
      activeChains.add(chain);
      if (!skipServiceUpdate) tx.addAndFlushChain({ name: chain });
    };

    const epBase = (ep: EndpointInfo) =>
      servicePortEndpointChainNameBase(svc.namespace, svc.serviceName, svc.portName, protocol, ep.endpoint);
    const endpointChains = new Map<EndpointInfo, { chain: string; affinitySet: string }>();
    for (const ep of allReachableEndpoints) {
      const b = epBase(ep);
      endpointChains.set(ep, { chain: endpointChainPrefix + b, affinitySet: endpointAffinityPrefix + b });
    }
    const chainsOf = (ep: EndpointInfo) => {
      const known = endpointChains.get(ep);
      if (known) return known;
      const b = epBase(ep);
      return { chain: endpointChainPrefix + b, affinitySet: endpointAffinityPrefix + b };
    };
    for (const ep of allReachableEndpoints) {
      ensureChain(chainsOf(ep).chain);
      if (svc.sessionAffinityClientIP) activeAffinitySets.add(chainsOf(ep).affinitySet);
    }

    const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
    if (usesClusterPolicyChain) ensureChain(clusterPolicyChain);
    const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);
    if (usesLocalPolicyChain) ensureChain(localPolicyChain);

    let internalTrafficChain = clusterPolicyChain;
    let hasInternalEndpoints = hasEndpoints;
    if (svc.internalPolicyLocal) {
      internalTrafficChain = localPolicyChain;
      if (localEndpoints.length === 0) hasInternalEndpoints = false;
    }
    let externalPolicyChain = clusterPolicyChain;
    let hasExternalEndpoints = hasEndpoints;
    if (svc.externalPolicyLocal) {
      externalPolicyChain = localPolicyChain;
      if (localEndpoints.length === 0) hasExternalEndpoints = false;
    }
    // The short-circuit rules for local sources are needed even with no external endpoints.
    const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
    if (usesExternalTrafficChain) ensureChain(externalTrafficChain);

    let internalVerdict = '';
    let externalVerdict = '';
    if (!hasEndpoints) {
      internalVerdict = externalVerdict = `goto ${rejectChain}`;
    } else {
      if (!hasInternalEndpoints) internalVerdict = 'drop';
      if (!hasExternalEndpoints) externalVerdict = 'drop';
    }

    const port = String(svc.port);
    elements(clusterIPsSet).ensure({ key: [svc.clusterIP] });
    if (hasInternalEndpoints) {
      elements(serviceIPsMap).ensure({
        key: [svc.clusterIP, protocol, port],
        value: [`goto ${internalTrafficChain}`],
      });
    } else {
      elements(noEndpointServicesMap).ensure({
        key: [svc.clusterIP, protocol, port],
        value: [internalVerdict],
        comment: name,
      });
    }

    for (const externalIP of svc.externalIPs) {
      if (hasEndpoints)
        elements(serviceIPsMap).ensure({
          key: [externalIP, protocol, port],
          value: [`goto ${externalTrafficChain}`],
        });
      if (!hasExternalEndpoints)
        elements(noEndpointServicesMap).ensure({
          key: [externalIP, protocol, port],
          value: [externalVerdict],
          comment: name,
        });
    }

    const usesFWChain = svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    if (usesFWChain) ensureChain(fwChain);
    for (const lbip of svc.loadBalancerVIPs) {
      if (hasEndpoints)
        elements(serviceIPsMap).ensure({
          key: [lbip, protocol, port],
          value: [`goto ${externalTrafficChain}`],
        });
      if (usesFWChain)
        elements(firewallIPsMap).ensure({ key: [lbip, protocol, port], value: [`goto ${fwChain}`] });
    }
    if (!hasExternalEndpoints) {
      for (const lbip of svc.loadBalancerVIPs)
        elements(noEndpointServicesMap).ensure({
          key: [lbip, protocol, port],
          value: [externalVerdict],
          comment: name,
        });
    }

    if (svc.nodePort !== 0) {
      const nodePort = String(svc.nodePort);
      // NodePorts are not subject to loadBalancerSourceRanges (kept that way for compatibility).
      if (hasEndpoints)
        elements(serviceNodePortsMap).ensure({
          key: [protocol, nodePort],
          value: [`goto ${externalTrafficChain}`],
        });
      if (!hasExternalEndpoints)
        elements(noEndpointNodePortsMap).ensure({
          key: [protocol, nodePort],
          value: [externalVerdict],
          comment: name,
        });
    }

    servicePorts.push({
      namespace: svc.namespace,
      name: svc.serviceName,
      portName: svc.portName,
      protocol: svc.protocol,
      chains: carried,
    });
    if (skipServiceUpdate) continue;

    if (hasInternalEndpoints) {
      // Off-cluster traffic to a ClusterIP (a static route to a node) may bounce to another node.
      if (node.masqueradeAll)
        tx.rule(internalTrafficChain, `${ipX} daddr ${svc.clusterIP} jump ${markMasqChain}`);
      else if (detector !== null)
        tx.rule(
          internalTrafficChain,
          `${ipX} daddr ${svc.clusterIP} ${ipX} saddr != ${detector} jump ${markMasqChain}`,
        );
    }

    if (usesExternalTrafficChain) {
      if (!svc.externalPolicyLocal) {
        // Endpoints may be on other nodes: masquerade so replies come back through this one.
        tx.rule(externalTrafficChain, `jump ${markMasqChain}`);
      } else {
        // Pods reaching an external address are treated as if they went out to the LB and back.
        if (detector !== null)
          tx.rule(
            externalTrafficChain,
            `${ipX} saddr ${detector} goto ${clusterPolicyChain}`,
            'short-circuit pod traffic',
          );
        // The node itself picks the (local) external IP as source: it must be masqueraded.
        tx.rule(
          externalTrafficChain,
          `fib saddr type local jump ${markMasqChain}`,
          'masquerade local traffic',
        );
        tx.rule(
          externalTrafficChain,
          `fib saddr type local goto ${clusterPolicyChain}`,
          'short-circuit local traffic',
        );
      }
      if (hasExternalEndpoints) tx.rule(externalTrafficChain, `goto ${externalPolicyChain}`);
    }

    if (usesFWChain) {
      const sources = [...svc.loadBalancerSourceRanges];
      const nodeIP = node.ips.find((ip) => normalizeFor(family, ip) !== null) ?? '';
      // A node reaching a VIP it hosts loops back with the VIP as source.
      const allowFromNode =
        nodeIP !== '' &&
        sources.some((cidr) => {
          const net = parseCIDRFor(family, cidr);
          return net !== null && cidrHolds(net, nodeIP);
        });
      if (allowFromNode) sources.push(...svc.loadBalancerVIPs);
      tx.rule(fwChain, `${ipX} saddr != { ${sources.join(' , ')} } drop`);
    }

    if (svc.sessionAffinityClientIP) {
      for (const ep of allReachableEndpoints)
        tx.addSet({
          kind: 'set',
          name: chainsOf(ep).affinitySet,
          type: words.addrType,
          flags: ['dynamic', 'timeout'],
          timeoutSeconds: svc.stickyMaxAgeSeconds,
        });
    }

    if (usesClusterPolicyChain)
      writeServiceToEndpointRules(tx, ipX, svc, clusterPolicyChain, clusterEndpoints, chainsOf);
    if (usesLocalPolicyChain)
      writeServiceToEndpointRules(tx, ipX, svc, localPolicyChain, localEndpoints, chainsOf);

    for (const ep of allReachableEndpoints) {
      const { chain, affinitySet } = chainsOf(ep);
      // Hairpin: a pod reaching itself through the Service must be masqueraded.
      tx.rule(chain, `${ipX} saddr ${ep.ip} jump ${markMasqChain}`);
      if (svc.sessionAffinityClientIP) tx.rule(chain, `update @${affinitySet} { ${ipX} saddr }`);
      tx.rule(chain, `meta l4proto ${protocol} dnat to ${ep.endpoint}`);
    }
  }

  // Chains no longer used are flushed now and deleted on a later sync: a kernel before 6.2
  // notices only a little later that a deleted map element no longer references them.
  for (const chain of existingChains) {
    if (!isServiceChainName(chain)) continue;
    if (!activeChains.has(chain)) {
      tx.flushChain(chain);
      staleChains.set(chain, now);
    } else {
      staleChains.delete(chain);
    }
  }
  // Affinity sets are not referenced by map elements: they go at once.
  for (const set of existingSets)
    if (isAffinitySetName(set) && !activeAffinitySets.has(set)) tx.deleteSet(set);
  for (const c of elementContainers) elements(c).cleanupLeftovers();

  return {
    state: { table, staleChains, svcPortMap, endpointsMap },
    transaction: tx.lines?.text() ?? '',
    operations: tx.operations,
    deletedStaleChains,
    servicePorts,
  };
}

/** Affinity checks, then one `numgen` verdict map over the endpoints. */
function writeServiceToEndpointRules(
  tx: Transaction,
  ipX: FamilyWords['ipX'],
  svc: ServicePortInfo,
  svcChain: string,
  endpoints: readonly EndpointInfo[],
  chainsOf: (ep: EndpointInfo) => { chain: string; affinitySet: string },
): void {
  if (svc.sessionAffinityClientIP) {
    for (const ep of endpoints) {
      const { chain, affinitySet } = chainsOf(ep);
      tx.rule(svcChain, `${ipX} saddr @${affinitySet} goto ${chain}`);
    }
  }
  const entries = endpoints.map((ep, i) => `${i} : goto ${chainsOf(ep).chain}`);
  tx.rule(svcChain, `numgen random mod ${endpoints.length} vmap { ${entries.join(' , ')} }`);
}
