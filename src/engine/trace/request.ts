// The front door of a request: resolve the target through predicted DNS, pass the
// cloud load balancer, then run the node's kube-proxy rules in the profile's mode
// (iptables or nftables; generated, or a dump the user pasted) and land on a pod. The
// result is the `trace --json` contract.
import type {
  ClusterState,
  EndpointSlice,
  LoadedObject,
  Pod,
  Protocol,
  ServiceState,
  SourceRange,
  TraceHop,
  TraceOutcome,
} from '../model';
import { iptablesRules, kubeProxyNodeFor, proxyInputFromState, rulesOfNode } from '../proxy/iptables';
import { joinHostPort } from '../proxy/addresses';
import type { IPFamily } from '../net/ip';
import { addressAt, formatIP, ipInCIDR, normalizeIP, parseCIDR } from '../net/ip';
import { podIPsOf, rangeAt } from '../model';
import { tracePacket } from './interpret';
import { parseIptablesSave } from './parse';
import type { IptablesDump } from './dump';
import { nftablesNodeFor, nftablesRulesOfNode, listTable, syncNftables } from '../proxy/nftables';
import { parseNftRuleset } from './nft/parse';
import { traceNftPacket } from './nft/interpret';
import { describeAnswers, followedAnswers, podRecordAddress, recordTypeOf } from './dns';
import type { NftRuleset } from './nft/ruleset';
import type { PacketTrace } from '../model';
import { editDistance, isLikelyTypo } from '../util/editDistance';
import { memo, memoized } from '../util/memo';
import { chooseFrontDoor, decideRequest } from '../l7';
import type { FrontDoorChoice, HttpRequest, L7Decision } from '../l7';

/** The reconciled cluster, plus the loaded objects when available (for YAML line numbers). */
export type TraceableState = ClusterState & { objects?: readonly LoadedObject[] };

/** Where the request starts. */
export type RequestOrigin =
  | { kind: 'internet' }
  | { kind: 'node'; node: string }
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'ip'; ip: string };

export interface RequestOptions {
  from?: RequestOrigin;
  /** The node whose rules handle the packet (for ClusterIP, pod and ip: origins). */
  node?: string;
  protocol?: Protocol;
  /** A real node's `iptables-save`, used instead of the predicted rules for `node`. */
  iptablesSave?: { file: string; text: string };
  /** A real node's `nft list ruleset`, used instead of the predicted rules for `node`. */
  nftRuleset?: { file: string; text: string };
  /** HTTP(S) targets: the request method (default GET). */
  method?: string;
  /** HTTP(S) targets: request headers, in order. */
  headers?: readonly (readonly [string, string])[];
  /** HTTP(S) targets: the Gateway (NS/NAME) the request is sent to, instead of the one its host picks. */
  gateway?: string;
  /** HTTPS targets: the TLS server name, when it differs from the host. */
  sni?: string;
}

/** The L7 hop of an HTTP(S) request through a Gateway or an ingress controller (`trace --json` `l7`). */
export interface L7Summary {
  kind: 'gateway' | 'ingress';
  gateway: string | null;
  ingressClass: string | null;
  listener: string | null;
  route: string | null;
  rule: number | null;
  match: number | null;
  httpStatus: 200 | 404 | 421 | 500 | 503;
  backend: { service: { namespace: string; name: string }; port: number } | null;
  backends: { service: { namespace: string; name: string }; port: number | null; weight: number }[];
}

export interface RequestBranch {
  probability: number;
  pod: string | null;
  namespace: string | null;
  ip: string | null;
  port: number | null;
  node: string | null;
  masquerade: boolean;
  outcome: TraceOutcome;
  /** The target that decided it in the node's rules (`DNAT`, `ACCEPT`, `DROP`, `REJECT`, a policy, or ''). */
  verdict: string;
  uncertain: boolean;
  hops: TraceHop[];
}

/** Whose rules a trace walks: kube-proxy's iptables mode or its nftables mode. */
export type TraceProxyMode = 'iptables' | 'nftables';

/**
 * The mode a trace walks: that of a pasted dump, else the profile's `kubeProxy.mode`
 * (ipvs is not modelled: its traces walk iptables mode's rules, and front ends say so).
 */
export function traceProxyMode(state: ClusterState, options: RequestOptions = {}): TraceProxyMode {
  if (options.nftRuleset) return 'nftables';
  if (options.iptablesSave) return 'iptables';
  return state.profile.kubeProxy.mode === 'nftables' ? 'nftables' : 'iptables';
}

export interface RequestTrace {
  target: string;
  from: string;
  /** The kube-proxy mode whose rules the trace walked. */
  proxyMode: TraceProxyMode;
  /** True when the caller gave no origin and `from` is the default for this target. */
  fromDefault: boolean;
  packet: { sourceIP: string; destinationIP: string; destinationPort: number; protocol: Protocol } | null;
  hops: TraceHop[];
  branches: RequestBranch[];
  outcome: TraceOutcome;
  /** Why the request went nowhere, or notes worth showing. */
  notes: string[];
  /** HTTP(S) targets through a Gateway or Ingress: the L7 decision. */
  l7?: L7Summary;
}

/**
 * The Service a name that does not resolve was probably meant for, written as the shortest
 * name that resolves from `searchNamespace`: the same name in another namespace
 * (`web` → `web.typo`), else a likely typo of a name (`ngnix` → `nginx`).
 */
function suggestService(state: ClusterState, host: string, searchNamespace: string): string | null {
  const [name = '', namespace = searchNamespace] = host.split('.');
  const shortest = (s: ServiceState): string =>
    s.service.metadata.namespace === searchNamespace
      ? s.service.metadata.name
      : `${s.service.metadata.name}.${s.service.metadata.namespace}`;
  const sameName = state.services.filter((s) => s.service.metadata.name === name);
  if (sameName.length === 1 && sameName[0]) return shortest(sameName[0]);
  const typos = state.services
    .filter((s) => isLikelyTypo(name, s.service.metadata.name))
    .sort(
      (a, b) =>
        Number(b.service.metadata.namespace === namespace) -
          Number(a.service.metadata.namespace === namespace) ||
        editDistance(name, a.service.metadata.name) - editDistance(name, b.service.metadata.name),
    );
  return typos[0] ? shortest(typos[0]) : null;
}

/** A trace before traceRequest adds whether its origin was the default. */
type TraceBody = Omit<RequestTrace, 'fromDefault' | 'proxyMode'>;

/** A client on the internet (TEST-NET-2), outside every cluster range. */
export const INTERNET_CLIENT_IP = '198.51.100.23';
/** The same client over IPv6 (documentation prefix, outside the usual cluster ranges). */
export const INTERNET_CLIENT_IPV6 = '2001:db8:51::23';

function familyOfAddress(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The node's first address of `family` (its primary address when it has none of that family). */
function nodeAddressOf(node: { ips: readonly string[] } | undefined, family: IPFamily): string | undefined {
  return node?.ips.find((ip) => familyOfAddress(ip) === family) ?? node?.ips[0];
}

export class TraceTargetError extends Error {}

interface ParsedTarget {
  host: string;
  port: number | null;
  scheme: string | null;
  /** URL targets: the path ('/' when none) and the query without `?`. */
  path: string;
  query: string;
}

export function parseTarget(text: string): ParsedTarget {
  const url = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#]+|\[[^\]]+\])(?::(\d+))?([/?#].*)?$/i.exec(text);
  if (url) {
    const scheme = (url[1] ?? '').toLowerCase();
    const port =
      url[3] !== undefined ? Number(url[3]) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : null;
    const rest = (url[4] ?? '').replace(/#.*$/, '');
    const q = rest.indexOf('?');
    const path = (q < 0 ? rest : rest.slice(0, q)) || '/';
    return { host: url[2] ?? '', port, scheme, path, query: q < 0 ? '' : rest.slice(q + 1) };
  }
  // IPv6: `[addr]:port` (as net.JoinHostPort writes it) or a bare address.
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  const bare = bracketed ? null : /^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/.exec(text);
  const v6 = normalizeIP(bracketed?.[1] ?? bare?.[0] ?? '', { family: 'IPv6' });
  if (v6 !== null)
    return {
      host: v6,
      port: bracketed?.[2] !== undefined ? Number(bracketed[2]) : null,
      scheme: null,
      path: '/',
      query: '',
    };
  const hostPort = /^([^:/\s]+)(?::(\d+))?$/.exec(text);
  if (hostPort)
    return {
      host: hostPort[1] ?? '',
      port: hostPort[2] !== undefined ? Number(hostPort[2]) : null,
      scheme: null,
      path: '/',
      query: '',
    };
  throw new TraceTargetError(
    `cannot read trace target "${text}": expected http(s)://host[:port][/path], IP:PORT or SERVICE[.NAMESPACE][:PORT]`,
  );
}

function isIPv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text);
}

/** An address target (either family) skips DNS. */
function isAddress(text: string): boolean {
  return isIPv4(text) || (text.includes(':') && normalizeIP(text, { family: 'IPv6' }) !== null);
}

/** The answers of the other family, which a client preferring that family connects to. */
function otherFamilyNote(fqdn: string, others: readonly string[], port: number | null): string {
  const family = recordTypeOf(others[0] ?? '') === 'AAAA' ? 'IPv6' : 'IPv4';
  const first = others[0] ?? '';
  const target = port === null ? first : joinHostPort(first, port);
  return `${fqdn} also answers ${describeAnswers(others)}: a client preferring ${family} connects there (traced separately: kubepath trace ${port === null ? target : `'${target}'`})`;
}

function serviceLabel(s: ServiceState): string {
  return `${s.service.metadata.namespace}/${s.service.metadata.name}`;
}

function where(range: SourceRange | null | undefined): string {
  return range ? ` (${range.file}:${range.line})` : '';
}

/**
 * Lookups a trace needs, built once per analysis: which Service has an address or node
 * port, which pod an IP. A trace then touches the few objects its packet meets instead of
 * scanning every Service, pod and EndpointSlice of a large workspace. Lists keep the
 * order of the analysis, so "the first match" is what a scan finds.
 */
interface StateIndex {
  position: Map<ServiceState, number>;
  byClusterIP: Map<string, ServiceState[]>;
  byIngressIP: Map<string, ServiceState[]>;
  byIngressHostname: Map<string, ServiceState[]>;
  byExternalIP: Map<string, ServiceState[]>;
  /** Node ports and health-check node ports of Services that have ports. */
  byNodePort: Map<number, ServiceState[]>;
  /** `name.ns.svc.<domain>`, `name.ns.svc`, `name.ns`. */
  byQualifiedName: Map<string, ServiceState[]>;
  byName: Map<string, ServiceState[]>;
  /** `ns/name` → the last Service of that name (as a Map built from the list keeps it). */
  byLabel: Map<string, ServiceState>;
  podByIP: Map<string, Pod>;
  podByName: Map<string, Pod>;
  slicesByService: Map<string, EndpointSlice[]>;
  slicePosition: Map<EndpointSlice, number>;
  /** `A name` → the IPv4 addresses of the name's first record, `AAAA name` → its IPv6 ones. */
  aRecords: Map<string, string[]>;
}

function add<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

const indexOf = memoized(buildIndex);

function buildIndex(state: ClusterState): StateIndex {
  const domain = state.profile.clusterDomain;
  const index: StateIndex = {
    position: new Map(),
    byClusterIP: new Map(),
    byIngressIP: new Map(),
    byIngressHostname: new Map(),
    byExternalIP: new Map(),
    byNodePort: new Map(),
    byQualifiedName: new Map(),
    byName: new Map(),
    byLabel: new Map(),
    podByIP: new Map(),
    podByName: new Map(),
    slicesByService: new Map(),
    slicePosition: new Map(),
    aRecords: new Map(),
  };
  for (const [i, s] of state.services.entries()) {
    const svc = s.service;
    const { name, namespace } = svc.metadata;
    index.position.set(s, i);
    add(index.byClusterIP, svc.clusterIP, s);
    // A dual-stack Service answers on its cluster IP of each family.
    for (const ip of svc.clusterIPs) if (ip !== svc.clusterIP) add(index.byClusterIP, ip, s);
    for (const ingress of s.loadBalancer?.ingress ?? []) {
      if (ingress.ip !== undefined) add(index.byIngressIP, ingress.ip, s);
      if (ingress.hostname !== undefined) add(index.byIngressHostname, ingress.hostname, s);
    }
    for (const ip of svc.externalIPs) add(index.byExternalIP, ip, s);
    for (const port of svc.ports) {
      add(index.byNodePort, port.nodePort, s);
      add(index.byNodePort, svc.healthCheckNodePort, s);
    }
    add(index.byQualifiedName, `${name}.${namespace}.svc.${domain}`, s);
    add(index.byQualifiedName, `${name}.${namespace}.svc`, s);
    add(index.byQualifiedName, `${name}.${namespace}`, s);
    add(index.byName, name, s);
    index.byLabel.set(serviceLabel(s), s);
  }
  for (const pod of state.pods) {
    for (const ip of pod.podIPs ?? [pod.podIP]) if (!index.podByIP.has(ip)) index.podByIP.set(ip, pod);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (!index.podByName.has(key)) index.podByName.set(key, pod);
  }
  for (const [i, slice] of state.endpointSlices.entries()) {
    index.slicePosition.set(slice, i);
    add(index.slicesByService, `${slice.metadata.namespace}/${slice.serviceName}`, slice);
  }
  for (const r of state.dns) {
    if (r.type !== 'A' && r.type !== 'AAAA') continue;
    // A record's addresses answer the query type of their family (a headless dual-stack
    // Service's record holds the endpoint addresses of both).
    for (const type of ['A', 'AAAA'] as const) {
      const key = `${type} ${r.name}`;
      const values = r.values.filter((ip) => recordTypeOf(ip) === type);
      if (values.length > 0 && !index.aRecords.has(key)) index.aRecords.set(key, values);
    }
  }
  return index;
}

/** What an address is in the simulated cluster. */
type Destination =
  | { kind: 'clusterIP'; service: ServiceState }
  | { kind: 'loadBalancer'; service: ServiceState }
  | { kind: 'externalIP'; service: ServiceState }
  | { kind: 'node'; node: string }
  | { kind: 'pod'; pod: Pod }
  | { kind: 'unknown' };

function classify(state: ClusterState, ip: string): Destination {
  const index = indexOf(state);
  const clusterIP = index.byClusterIP.get(ip)?.[0];
  if (clusterIP) return { kind: 'clusterIP', service: clusterIP };
  const loadBalancer = index.byIngressIP.get(ip)?.[0];
  if (loadBalancer) return { kind: 'loadBalancer', service: loadBalancer };
  const external = index.byExternalIP.get(ip)?.[0];
  if (external) return { kind: 'externalIP', service: external };
  const node = state.profile.nodes.find((n) => n.ips.includes(ip));
  if (node) return { kind: 'node', node: node.name };
  const pod = index.podByIP.get(ip);
  if (pod) return { kind: 'pod', pod };
  return { kind: 'unknown' };
}

export function originText(origin: RequestOrigin): string {
  switch (origin.kind) {
    case 'internet':
      return 'internet';
    case 'node':
      return `node:${origin.node}`;
    case 'pod':
      return `pod:${origin.namespace}/${origin.name}`;
    case 'ip':
      return `ip:${origin.ip}`;
  }
}

/** Resolves a host name the way a pod's resolver with CoreDNS would (search path of `namespace`). */
function resolveName(
  state: ClusterState,
  host: string,
  namespace: string,
): { service: ServiceState; fqdn: string } | { hostname: string; service: ServiceState } | null {
  const index = indexOf(state);
  const name = host.replace(/\.$/, '');
  // The first Service (in analysis order) that one of its names matches.
  const qualified = index.byQualifiedName.get(name)?.[0];
  const bare = index.byName.get(name)?.find((s) => s.service.metadata.namespace === namespace);
  const first =
    qualified && bare
      ? (index.position.get(qualified) ?? 0) <= (index.position.get(bare) ?? 0)
        ? qualified
        : bare
      : (qualified ?? bare);
  if (first) return { service: first, fqdn: first.dns };
  const hostname = index.byIngressHostname.get(name)?.[0];
  if (hostname) return { hostname: name, service: hostname };
  return null;
}

function pickPort(
  service: ServiceState,
  port: number | null,
  protocol: Protocol | undefined,
): { port: number; index: number } | string {
  const ports = service.service.ports;
  if (ports.length === 0) return `Service ${serviceLabel(service)} has no ports`;
  if (port === null) {
    const first = ports.find((p) => !protocol || p.protocol === protocol) ?? ports[0];
    return first
      ? { port: first.port, index: ports.indexOf(first) }
      : `Service ${serviceLabel(service)} has no ports`;
  }
  const index = ports.findIndex((p) => p.port === port && (!protocol || p.protocol === protocol));
  if (index < 0) {
    return `Service ${serviceLabel(service)} has no port ${port} (it has ${ports.map((p) => `${p.port}/${p.protocol}`).join(', ')})`;
  }
  return { port, index };
}

function hop(kind: TraceHop['kind'], name: string, detail: string, extra: Partial<TraceHop> = {}): TraceHop {
  return { kind, name, detail, ...extra };
}

/**
 * The path one request takes. Without `options.from` the client is the default for the
 * target (a pod for a ClusterIP or pod address, the internet otherwise), and the trace
 * says so (`fromDefault`).
 */
export function traceRequest(
  state: ClusterState,
  targetText: string,
  options: RequestOptions = {},
): RequestTrace {
  const body = traceFrom(state, targetText, options);
  return { ...body, proxyMode: traceProxyMode(state, options), fromDefault: options.from === undefined };
}

function traceFrom(state: ClusterState, targetText: string, options: RequestOptions): TraceBody {
  const target = parseTarget(targetText);
  const hops: TraceHop[] = [];
  const notes: string[] = [];
  const protocol: Protocol = options.protocol ?? 'TCP';
  let origin: RequestOrigin | undefined = options.from;
  const fail = (outcome: TraceOutcome, kind: TraceHop['kind'], name: string, detail: string): TraceBody => {
    hops.push(hop(kind, name, detail));
    return {
      target: targetText,
      from: originText(origin ?? { kind: 'internet' }),
      packet: null,
      hops,
      branches: [],
      outcome,
      notes: [...notes, detail],
    };
  };
  const requested = options.from;
  const originPod =
    requested?.kind === 'pod' ? originPodOf(state, requested.namespace, requested.name) : undefined;
  if (originPod && requested?.kind === 'pod' && originPod.metadata.name !== requested.name) {
    notes.push(
      `sent from pod ${originPod.metadata.namespace}/${originPod.metadata.name}, the first predicted pod of ${requested.name}`,
    );
  }
  if (requested?.kind === 'node' && !state.profile.nodes.some((n) => n.name === requested.node)) {
    throw new TraceTargetError(`--from node:${requested.node}: no such node in the cluster profile`);
  }

  // 0. An HTTP(S) request a Gateway or an ingress controller answers (issue 19).
  if (target.scheme === 'http' || target.scheme === 'https') {
    const viaL7 = l7Trace(state, targetText, target, options, origin);
    if (viaL7) return viaL7;
  }

  // 1. DNS
  let destinationIP = target.host;
  let port = target.port;
  let viaService: ServiceState | null = null;
  let otherAnswers: string[] = []; // the answers of the family the trace does not follow
  const searchNamespace = originPod?.metadata.namespace ?? 'default';
  const resolved = isAddress(target.host) ? null : resolveName(state, target.host, searchNamespace);
  if (!isAddress(target.host) && !resolved) {
    // A pod's own name: the A record CoreDNS serves for it (no Service, no kube-proxy rules).
    const found = resolvePodName(state, target.host, searchNamespace);
    if (!found) {
      const known = state.services.map((s) => `${s.service.metadata.name}.${s.service.metadata.namespace}`);
      const nxdomain = fail(
        'no-route',
        'dns',
        target.host,
        `NXDOMAIN: "${target.host}" is not a Service or pod name in the analysed files (${state.profile.clusterDomain})`,
      );
      const suggestion = suggestService(state, target.host, searchNamespace);
      if (suggestion !== null) {
        nxdomain.notes.push(`did you mean ${suggestion}${target.port !== null ? `:${target.port}` : ''}?`);
      }
      nxdomain.notes.push(
        `Services in the analysed files: ${known.slice(0, 10).join(', ') || 'none'}${known.length > 10 ? ', …' : ''}`,
      );
      return nxdomain;
    }
    hops.push(
      hop('dns', found.fqdn, `${describeAnswers(found.answers)} (${found.what})`, {
        source: found.source,
      }),
    );
    destinationIP = found.ip;
  } else if (resolved) {
    const s = resolved.service;
    viaService = s;
    if ('hostname' in resolved) {
      hops.push(
        hop('dns', resolved.hostname, `public DNS: the cloud load balancer of Service ${serviceLabel(s)}`, {
          source: s.source,
        }),
      );
      destinationIP = '';
    } else if (s.service.type === 'ExternalName') {
      hops.push(
        hop(
          'dns',
          resolved.fqdn,
          `CNAME ${s.service.externalName}: the request leaves the cluster (ExternalName Service ${serviceLabel(s)})`,
          {
            source: s.source,
          },
        ),
      );
      return {
        target: targetText,
        from: originText(origin ?? { kind: 'pod', namespace: searchNamespace, name: '' }),
        packet: null,
        hops,
        branches: [],
        outcome: 'accepted',
        notes: [
          `${s.service.externalName} is outside the cluster; kube-proxy writes no rules for ExternalName Services`,
        ],
      };
    } else if (s.service.clusterIP === 'None') {
      const records = indexOf(state).aRecords;
      const all = [...(records.get(`A ${s.dns}`) ?? []), ...(records.get(`AAAA ${s.dns}`) ?? [])];
      // The client follows the Service's primary family (its first ipFamilies entry).
      const { followed: ips, others } = followedAnswers(all, s.service.ipFamilies[0] ?? 'IPv4');
      if (ips.length === 0) {
        return fail(
          'no-route',
          'dns',
          resolved.fqdn,
          `headless Service ${serviceLabel(s)} has no ready endpoints: the name does not resolve`,
        );
      }
      hops.push(
        hop(
          'dns',
          resolved.fqdn,
          `${describeAnswers(all)} (headless Service ${serviceLabel(s)}: pod IPs, no kube-proxy rules; the client picks one${others.length > 0 ? ` of the ${recordTypeOf(ips[0] ?? '')} answers` : ''})`,
          {
            source: s.source,
          },
        ),
      );
      const headlessPort = port ?? s.service.ports[0]?.port ?? null;
      if (others.length > 0) notes.push(otherFamilyNote(resolved.fqdn, others, headlessPort));
      return headlessTrace(
        state,
        targetText,
        s,
        ips,
        port,
        protocol,
        hops,
        originText(origin ?? { kind: 'internet' }),
        notes,
      );
    } else if (requested?.kind === 'internet' && s.loadBalancer && s.loadBalancer.ingress.length === 0) {
      // No public address to resolve to: the trace ends at the pending load balancer.
      const picked = pickPort(s, port, options.protocol);
      if (typeof picked === 'string') return fail('no-route', 'dns', target.host, picked);
      return loadBalancerTrace(state, targetText, s, picked.port, protocol, hops, options);
    } else if (requested?.kind === 'internet' && s.loadBalancer && s.loadBalancer.ingress.length > 0) {
      // From outside, the name a user types points at the load balancer (a public record for its ingress).
      const ingress = s.loadBalancer.ingress[0];
      hops.push(
        hop(
          'dns',
          target.host,
          `public DNS → ${ingress?.ip ?? ingress?.hostname ?? ''}, the load balancer of Service ${serviceLabel(s)} (status.loadBalancer.ingress)`,
          { source: s.source },
        ),
      );
      destinationIP = ingress?.ip ?? '';
    } else {
      // Every cluster IP answers (A: IPv4, AAAA: IPv6); the trace follows the primary one.
      const clusterIPs = s.service.clusterIPs.length > 0 ? s.service.clusterIPs : [s.service.clusterIP];
      hops.push(
        hop('dns', resolved.fqdn, `${describeAnswers(clusterIPs)} (Service ${serviceLabel(s)})`, {
          source: s.source,
        }),
      );
      destinationIP = s.service.clusterIP;
      otherAnswers = clusterIPs.filter((ip) => ip !== destinationIP);
    }
    const picked = pickPort(s, port, options.protocol);
    if (typeof picked === 'string') return fail('no-route', 'dns', target.host, picked);
    port = picked.port;
    if (otherAnswers.length > 0) notes.push(otherFamilyNote(s.dns, otherAnswers, port));
    if ('hostname' in resolved) {
      destinationIP = s.loadBalancer?.ingress.find((i) => i.ip)?.ip ?? '';
    }
  }
  if (port === null) throw new TraceTargetError(`trace target "${targetText}" needs a port`);

  // 2. What the address is, and where the packet enters.
  const dest =
    destinationIP === '' && viaService
      ? { kind: 'loadBalancer' as const, service: viaService }
      : classify(state, destinationIP);
  if (!origin) {
    origin =
      dest.kind === 'clusterIP' || dest.kind === 'pod'
        ? { kind: 'pod', namespace: '', name: '' }
        : { kind: 'internet' };
  }
  const firstNode = options.node ?? state.profile.nodes[0]?.name ?? '';
  if (dest.kind === 'loadBalancer' && origin.kind === 'internet') {
    return loadBalancerTrace(state, targetText, dest.service, port, protocol, hops, options);
  }
  if (origin.kind === 'internet' && dest.kind === 'clusterIP') {
    // A NodePort (or LoadBalancer) Service answers the internet at every node's address.
    const nodePort = dest.service.service.ports.find(
      (p) => p.port === port && p.protocol === protocol,
    )?.nodePort;
    const nodeIP = state.profile.nodes[0]?.ips[0];
    const pointer =
      nodePort && nodeIP
        ? `; from the internet it answers on its NodePort at every node's address: trace ${nodeIP}:${nodePort} --from internet`
        : '';
    return fail(
      'no-route',
      'drop',
      destinationIP,
      `${destinationIP} is the ClusterIP of ${serviceLabel(dest.service)}: it is only reachable from inside the cluster (use --from pod:NS/NAME or --from node:NAME)${pointer}`,
    );
  }
  if (dest.kind === 'unknown' && origin.kind === 'internet') {
    return fail(
      'no-route',
      'drop',
      destinationIP,
      `${destinationIP} is not an address of this cluster (no Service, node or pod has it)`,
    );
  }
  // The packet's source and the node whose rules see it (the destination's family: the other
  // family's proxier never sees it).
  const family = familyOfAddress(destinationIP);
  let sourceIP: string;
  let nodeName: string;
  let entry: 'prerouting' | 'output';
  switch (origin.kind) {
    case 'internet': {
      sourceIP = family === 'IPv6' ? INTERNET_CLIENT_IPV6 : INTERNET_CLIENT_IP;
      nodeName = dest.kind === 'node' ? dest.node : firstNode;
      entry = 'prerouting';
      const n = state.profile.nodes.find((x) => x.name === nodeName);
      hops.push(
        hop(
          'node',
          nodeName,
          `arrives at ${nodeName} (${nodeAddressOf(n, family) ?? '?'}) from the internet client ${sourceIP}`,
          { node: nodeName },
        ),
      );
      break;
    }
    case 'node': {
      nodeName = origin.node;
      // The kernel picks the source by route: loopback for 127.0.0.0/8, else the node address.
      sourceIP = destinationIP.startsWith('127.')
        ? '127.0.0.1'
        : destinationIP === '::1'
          ? '::1'
          : (nodeAddressOf(
              state.profile.nodes.find((n) => n.name === nodeName),
              family,
            ) ?? '');
      entry = 'output';
      hops.push(hop('node', nodeName, `sent by ${nodeName} itself (${sourceIP})`, { node: nodeName }));
      break;
    }
    case 'pod': {
      if (originPod) {
        nodeName = originPod.nodeName || firstNode;
        sourceIP = podIPsOf(originPod, family)[0] ?? '';
        if (sourceIP === '') {
          return fail(
            'no-route',
            'drop',
            destinationIP,
            `pod ${originPod.metadata.namespace}/${originPod.metadata.name} has no ${family} address: it cannot reach ${destinationIP}`,
          );
        }
        hops.push(
          hop(
            'node',
            nodeName,
            `sent by pod ${originPod.metadata.namespace}/${originPod.metadata.name} (${sourceIP}) on ${nodeName}`,
            {
              node: nodeName,
              source: originPod.source,
            },
          ),
        );
      } else {
        nodeName = firstNode;
        sourceIP = clientPodIP(state, nodeName, family);
        origin = { kind: 'ip', ip: sourceIP };
        hops.push(
          hop('node', nodeName, `sent by a client pod (${sourceIP}) on ${nodeName}`, { node: nodeName }),
        );
      }
      entry = 'prerouting';
      break;
    }
    case 'ip': {
      nodeName = firstNode;
      sourceIP = origin.ip;
      const n = state.profile.nodes.find((x) => x.name === nodeName);
      entry =
        n?.ips.includes(sourceIP) || sourceIP.startsWith('127.') || sourceIP === '::1'
          ? 'output'
          : 'prerouting';
      hops.push(
        hop(
          'node',
          nodeName,
          `a packet from ${sourceIP} ${entry === 'output' ? 'leaves' : 'arrives at'} ${nodeName}`,
          { node: nodeName },
        ),
      );
      break;
    }
  }
  if (dest.kind === 'pod') {
    notes.push(`${destinationIP} is a pod IP: no Service rules apply`);
  }
  const scopeNotes = new Set<string>();
  const branches = nodeRules(
    state,
    nodeName,
    { sourceIP, destinationIP, destinationPort: port, protocol },
    entry,
    options,
    1,
    scopeNotes,
  );
  return finish(
    targetText,
    originText(origin),
    { sourceIP, destinationIP, destinationPort: port, protocol },
    hops,
    branches,
    [...notes, ...scopeNotes],
  );
}

/** The pod of that namespace and name (the first, as the analysis lists them). */
export function podNamed(state: ClusterState, namespace: string, name: string): Pod | undefined {
  return indexOf(state).podByName.get(`${namespace}/${name}`);
}

/**
 * A pod's DNS name as CoreDNS serves it: `<hostname>.<subdomain>.<namespace>.svc.<domain>`
 * (a StatefulSet pod behind its governing headless Service) and
 * `<a-b-c-d>.<namespace>.pod.<domain>`, with the search path of a pod in `namespace`.
 */
function resolvePodName(
  state: ClusterState,
  host: string,
  namespace: string,
): { fqdn: string; ip: string; answers: string[]; what: string; source: SourceRange | null } | null {
  const domain = state.profile.clusterDomain;
  const name = host.replace(/\.$/, '');
  const candidates = name.endsWith(`.${domain}`)
    ? [name]
    : [`${name}.${namespace}.svc.${domain}`, `${name}.svc.${domain}`, `${name}.${domain}`];
  const index = indexOf(state);
  for (const fqdn of candidates) {
    // A headless Service's hostname record: the endpoint's address of each family.
    const answers = [
      ...(index.aRecords.get(`A ${fqdn}`) ?? []),
      ...(index.aRecords.get(`AAAA ${fqdn}`) ?? []),
    ];
    const ip = answers[0];
    if (ip !== undefined) {
      const pod = index.podByIP.get(ip);
      const what = pod
        ? `pod ${pod.metadata.namespace}/${pod.metadata.name}: hostname ${pod.hostname}, subdomain ${pod.subdomain} (its headless Service)`
        : 'an endpoint of a headless Service';
      return { fqdn, ip, answers, what, source: pod?.source ?? null };
    }
    const suffix = `.pod.${domain}`;
    if (!fqdn.endsWith(suffix)) continue;
    const [dashed, podNamespace, ...rest] = fqdn.slice(0, -suffix.length).split('.');
    const address = rest.length > 0 || dashed === undefined ? null : podRecordAddress(dashed);
    if (address === null) continue;
    // CoreDNS `pods verified`: only the address (status.podIP, compared as written) of a pod
    // of that namespace; an IPv6 name answers AAAA.
    const pod = index.podByIP.get(address);
    if (pod && pod.metadata.namespace === podNamespace && pod.podIP === address) {
      return {
        fqdn,
        ip: address,
        answers: [address],
        what: `pod ${pod.metadata.namespace}/${pod.metadata.name}`,
        source: pod.source,
      };
    }
  }
  return null;
}

/** The workload kinds `--from pod:KIND/NAME` takes, as written (any case) → the kind. */
export const ORIGIN_WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  replicaset: 'ReplicaSet',
  replicationcontroller: 'ReplicationController',
  pod: 'Pod',
};

/**
 * The pod `--from pod:NS/NAME` names: a pod, a workload (`deployment/web`, `statefulset/db`,
 * or a bare workload name) whose first predicted pod it uses; else an error listing the
 * closest names.
 */
function originPodOf(state: ClusterState, namespace: string, name: string): Pod {
  const pod = indexOf(state).podByName.get(`${namespace}/${name}`);
  if (pod) return pod;
  const slash = name.indexOf('/');
  const kind = slash < 0 ? undefined : ORIGIN_WORKLOAD_KINDS[name.slice(0, slash).toLowerCase()];
  const workloadName = slash < 0 ? name : name.slice(slash + 1);
  const workload = state.workloads.find(
    (w) =>
      w.namespace === namespace &&
      w.name === workloadName &&
      (kind === undefined ? w.kind !== 'Pod' : w.kind === kind),
  );
  const first = workload?.pods.find((p) => p.podIP !== '') ?? workload?.pods[0];
  if (first) return first;
  const candidates = [
    ...state.pods.filter((p) => p.metadata.namespace === namespace).map((p) => p.metadata.name),
    ...state.workloads
      .filter((w) => w.namespace === namespace && w.kind !== 'Pod')
      .map((w) => `${w.kind.toLowerCase()}/${w.name}`),
  ];
  const closest = [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(c.slice(c.indexOf('/') + 1), workloadName) }))
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1))
    .slice(0, 5)
    .map((x) => x.c);
  throw new TraceTargetError(
    workload
      ? `--from pod:${namespace}/${name}: ${workload.kind} ${workloadName} has no predicted pods (replicas: 0, or none schedulable)`
      : `--from pod:${namespace}/${name}: no such pod or workload is predicted in namespace ${namespace}${closest.length > 0 ? ` (closest: ${closest.join(', ')})` : ''}`,
  );
}

function clientPodIP(state: ClusterState, nodeName: string, family: IPFamily = 'IPv4'): string {
  const node = state.profile.nodes.find((n) => n.name === nodeName);
  if (family === 'IPv6') {
    // The node's IPv6 pod range, `::fa` in it (the IPv4 client is .250).
    const v6 = (node?.podCIDRs ?? [node?.podCIDR ?? ''])
      .map((c) => parseCIDR(c.trim()))
      .find((c) => c?.family === 'IPv6');
    return v6 ? formatIP(addressAt(v6, 250)) : '';
  }
  const base =
    (node?.podCIDRs ?? [node?.podCIDR ?? '']).find((c) => !c.includes(':'))?.split('/')[0] ?? '10.244.1.0';
  const parts = base.split('.');
  return `${parts[0]}.${parts[1]}.${parts[2]}.250`;
}

function finish(
  target: string,
  from: string,
  packet: RequestTrace['packet'],
  hops: TraceHop[],
  branches: RequestBranch[],
  notes: string[],
): TraceBody {
  const outcomes = branches.map((b) => b.outcome);
  const order: TraceOutcome[] = ['reached', 'accepted', 'rejected', 'dropped', 'no-route'];
  const outcome = order.find((o) => outcomes.includes(o)) ?? 'no-route';
  return { target, from, packet, hops, branches, outcome, notes };
}

/**
 * Above this many Services a trace generates only the rules of the Services that can
 * match its packet: the verdict is the same (other Services' rules match other
 * destinations), and tracing stays fast in large workspaces. Line numbers then refer
 * to that smaller dump, not to `kubepath iptables` output.
 */
export const TRACE_SCOPE_THRESHOLD = 200;

interface NodeDump {
  dump: IptablesDump;
  localAddresses: string[];
  /** Services whose rules the dump holds, when scoped. */
  scopedTo: number | null;
}

/** Services that own a rule able to match a packet to `ip:port` on this node. */
function servicesMatching(state: ClusterState, ip: string, port: number, local: boolean): ServiceState[] {
  const index = indexOf(state);
  const found = new Set<ServiceState>([
    ...(index.byClusterIP.get(ip) ?? []),
    ...(index.byExternalIP.get(ip) ?? []),
    ...(index.byIngressIP.get(ip) ?? []),
    ...(local ? (index.byNodePort.get(port) ?? []) : []),
  ]);
  return [...found].sort((a, b) => (index.position.get(a) ?? 0) - (index.position.get(b) ?? 0));
}

function dumpFor(
  state: ClusterState,
  nodeName: string,
  options: RequestOptions,
  packet: NonNullable<RequestTrace['packet']>,
): NodeDump {
  const family = familyOfAddress(packet.destinationIP);
  const node = kubeProxyNodeFor(state.profile, nodeName, family);
  const localAddresses = [...node.ips];
  // kube-proxy's rules for external IPs and LB IPs do not make them LOCAL; only node addresses are.
  if (options.iptablesSave) {
    return {
      dump: parseIptablesSave(options.iptablesSave.text, options.iptablesSave.file),
      localAddresses,
      scopedTo: null,
    };
  }
  let services = state.services;
  let key = `${family}|${nodeName}`;
  if (state.services.length > TRACE_SCOPE_THRESHOLD) {
    const local =
      localAddresses.includes(packet.destinationIP) ||
      packet.destinationIP.startsWith('127.') ||
      packet.destinationIP === '::1';
    services = servicesMatching(state, packet.destinationIP, packet.destinationPort, local);
    key = `${family}|${nodeName}|${services.map((s) => `${s.service.metadata.namespace}/${s.service.metadata.name}`).join(',')}`;
  }
  // Generated once per analysis and node (and scope): repeated traces do not regenerate them.
  return memo(state, `trace:dump:${key}`, () =>
    generatedDump(state, nodeName, node, services, localAddresses, family),
  );
}

function generatedDump(
  state: ClusterState,
  nodeName: string,
  node: ReturnType<typeof kubeProxyNodeFor>,
  services: ServiceState[],
  localAddresses: string[],
  family: IPFamily,
): NodeDump {
  // The tracer reads the node's iptables-save view (the restore input is not needed): the
  // node's own rules (what `kubepath iptables` prints and the editor shows), or those of the
  // Services that can match the packet.
  let text: string;
  if (services === state.services) {
    text = rulesOfNode(state, nodeName, 'iptables-save', family).text;
  } else {
    // The slices named after these Services, in analysis order.
    const index = indexOf(state);
    const names = new Set(services.map((s) => `${s.service.metadata.namespace}/${s.service.metadata.name}`));
    const slices = [...names]
      .flatMap((name) => index.slicesByService.get(name) ?? [])
      .sort((a, b) => (index.slicePosition.get(a) ?? 0) - (index.slicePosition.get(b) ?? 0));
    text = iptablesRules(
      proxyInputFromState({ services, endpointSlices: slices }),
      node,
      'iptables-save',
      family === 'IPv4' ? {} : { ipFamily: family },
    ).text;
  }
  const save = family === 'IPv6' ? 'ip6tables-save' : 'iptables-save';
  return {
    dump: parseIptablesSave(text, `${save} (${nodeName}, predicted)`),
    localAddresses,
    scopedTo: services === state.services ? null : services.length,
  };
}

/** A node's nftables ruleset to trace: the predicted table as `nft list table` shows it, or a pasted ruleset. */
interface NodeRuleset {
  ruleset: NftRuleset;
  localAddresses: string[];
  scopedTo: number | null;
}

function rulesetFor(
  state: ClusterState,
  nodeName: string,
  options: RequestOptions,
  packet: NonNullable<RequestTrace['packet']>,
): NodeRuleset {
  const localAddresses = [...kubeProxyNodeFor(state.profile, nodeName).ips];
  if (options.nftRuleset) {
    return {
      ruleset: parseNftRuleset(options.nftRuleset.text, options.nftRuleset.file),
      localAddresses,
      scopedTo: null,
    };
  }
  // The destination's family: the other family's table never sees the packet (as for iptables).
  const family = familyOfAddress(packet.destinationIP);
  const file = `nft list table ${family === 'IPv6' ? 'ip6' : 'ip'} kube-proxy (${nodeName}, predicted)`;
  if (state.services.length <= TRACE_SCOPE_THRESHOLD) {
    // What `kubepath nftables --node N --family F` prints: hop lines are lines of that listing.
    return memo(state, `trace:nft:${family}:${nodeName}`, () => ({
      ruleset: parseNftRuleset(nftablesRulesOfNode(state, nodeName, 'list', family).text, file),
      localAddresses,
      scopedTo: null,
    }));
  }
  const local = localAddresses.includes(packet.destinationIP) || packet.destinationIP.startsWith('127.');
  const services = servicesMatching(state, packet.destinationIP, packet.destinationPort, local);
  const key = `${family}|${nodeName}|${services.map((s) => `${s.service.metadata.namespace}/${s.service.metadata.name}`).join(',')}`;
  return memo(state, `trace:nft:${key}`, () => {
    const index = indexOf(state);
    const names = new Set(services.map((s) => `${s.service.metadata.namespace}/${s.service.metadata.name}`));
    const slices = [...names]
      .flatMap((name) => index.slicesByService.get(name) ?? [])
      .sort((a, b) => (index.slicePosition.get(a) ?? 0) - (index.slicePosition.get(b) ?? 0));
    const table = syncNftables(
      proxyInputFromState({ services, endpointSlices: slices }),
      nftablesNodeFor(state.profile, nodeName, family),
      { transaction: false },
    ).state.table;
    return { ruleset: parseNftRuleset(listTable(table), file), localAddresses, scopedTo: services.length };
  });
}

/** Traces the packet through the node's rules in the trace's mode. */
function traceNode(
  state: ClusterState,
  nodeName: string,
  packet: NonNullable<RequestTrace['packet']>,
  entry: 'prerouting' | 'output',
  options: RequestOptions,
): { result: PacketTrace; file: string; localAddresses: string[]; scopedTo: number | null } {
  if (traceProxyMode(state, options) === 'nftables') {
    const { ruleset, localAddresses, scopedTo } = rulesetFor(state, nodeName, options, packet);
    const result = traceNftPacket(ruleset, packet, entry, { localAddresses, node: nodeName });
    return { result, file: ruleset.file ?? '', localAddresses, scopedTo };
  }
  const { dump, localAddresses, scopedTo } = dumpFor(state, nodeName, options, packet);
  const result = tracePacket(dump, packet, entry, { localAddresses, node: nodeName });
  return { result, file: dump.file ?? '', localAddresses, scopedTo };
}

/** Runs one node's rules and turns each branch into a request branch ending at a pod. */
function nodeRules(
  state: ClusterState,
  nodeName: string,
  packet: NonNullable<RequestTrace['packet']>,
  entry: 'prerouting' | 'output',
  options: RequestOptions,
  weight: number,
  notes?: Set<string>,
): RequestBranch[] {
  const { result, file, localAddresses, scopedTo } = traceNode(state, nodeName, packet, entry, options);
  if (result.truncated !== null) {
    notes?.add(
      `${nodeName}: the walk of the rules stopped ${result.truncated} (the rules branch more than can be followed); branches ending in TRUNCATED were not followed to a verdict`,
    );
  }
  const parseErrors = result.diagnostics.filter((d) => d.code === 'nft-parse');
  for (const d of parseErrors.slice(0, 5)) notes?.add(`${file}: ${d.message}`);
  if (parseErrors.length > 5) notes?.add(`${file}: ${parseErrors.length - 5} more parse errors`);
  if (scopedTo !== null) {
    const command = traceProxyMode(state, options) === 'nftables' ? 'kubepath nftables' : 'kubepath iptables';
    notes?.add(
      `${state.services.length} Services: the rules traced are those of the ${scopedTo} that can match this packet; \`${command}\` shows the node's full ${command === 'kubepath nftables' ? 'table' : 'dump'}, whose line numbers differ`,
    );
  }
  const attach = serviceSourceFinder(state, file);
  const shared = result.hops.map(attach);
  return result.branches.map((b) => {
    const hops = [...shared, ...b.hops.map(attach)];
    let pod: Pod | undefined;
    let outcome = b.outcome;
    if (b.outcome === 'reached' && b.ip) {
      pod = indexOf(state).podByIP.get(b.ip);
      if (pod) hops.push(podHop(pod, b.port, packet.protocol, b.ip));
      else
        hops.push(
          hop(
            'pod',
            b.ip,
            `endpoint ${joinHostPort(b.ip, b.port ?? packet.destinationPort)} is not a pod in the analysed files (user-managed endpoint)`,
          ),
        );
    } else if (b.outcome === 'accepted') {
      const dest = indexOf(state).podByIP.get(packet.destinationIP);
      if (dest) {
        pod = dest;
        outcome = 'reached';
        hops.push(podHop(dest, packet.destinationPort, packet.protocol, packet.destinationIP));
      } else if (!localAddresses.includes(packet.destinationIP)) {
        outcome = 'no-route';
        hops.push(
          hop(
            'drop',
            packet.destinationIP,
            `no rule rewrote the destination and ${packet.destinationIP} is not a pod or node address: nothing answers`,
          ),
        );
      }
    }
    return {
      probability: weight * b.probability,
      pod: pod?.metadata.name ?? null,
      namespace: pod?.metadata.namespace ?? null,
      ip: b.ip,
      port: b.port,
      node: nodeName,
      masquerade: b.masquerade,
      outcome,
      verdict: b.verdict,
      uncertain: b.uncertain,
      hops,
    };
  });
}

/**
 * kube-proxy names the Service port in each rule's comment (`ns/name:port`); point such
 * hops at that port in the user's YAML, keeping the dump line as well.
 */
interface ServiceSourceIndex {
  byName: Map<string, ServiceState>;
  objects: Map<string, LoadedObject>;
  /** Rule text → the YAML of the Service port it names (null: none), resolved once per analysis. */
  sources: Map<string, SourceRange | null>;
}

function serviceSourceFinder(state: TraceableState, dumpFile: string): (h: TraceHop) => TraceHop {
  const { byName, objects, sources } = memo(state, 'trace:serviceSources', (): ServiceSourceIndex => ({
    byName: indexOf(state).byLabel,
    objects: new Map(
      (state.objects ?? []).filter((o) => o.kind === 'Service').map((o) => [`${o.namespace}/${o.name}`, o]),
    ),
    sources: new Map(),
  }));
  return (h) => {
    // Rule hops point into the dump (kept as `line`); the YAML behind the rule is more useful.
    if (h.source && h.source.file !== dumpFile) return h;
    const bare: TraceHop = { ...h, source: null };
    if (!h.rule) return bare;
    // nftables rules name the Service port in their chain names (`service-HASH-ns/name/tcp/port`), not in comments.
    const key = h.rule.startsWith('-A ') ? h.rule : `${h.chain ?? ''} ${h.name} ${h.rule}`;
    let source = sources.get(key);
    if (source === undefined) {
      source = null;
      const m = h.rule.startsWith('-A ')
        ? /--comment "?(?:[a-z ]*for )?([a-z0-9][a-z0-9.-]*)\/([a-z0-9][a-z0-9.-]*)(?::([a-z0-9-]+))?/.exec(
            h.rule,
          )
        : /(?:service|external|endpoint|firewall|local)-[A-Z2-7]{8}-([a-z0-9][a-z0-9.-]*)\/([a-z0-9][a-z0-9.-]*)\/[a-z]+\/([a-z0-9-]*)/.exec(
            `${h.chain ?? ''} ${h.name}`,
          );
      const key = m ? `${m[1]}/${m[2]}` : '';
      const service = m ? byName.get(key) : undefined;
      if (m && service) {
        const object = objects.get(key);
        const portIndex = service.service.ports.findIndex((p) => p.name === (m[3] ?? ''));
        source = object && portIndex >= 0 ? rangeAt(object, ['spec', 'ports', portIndex]) : service.source;
      }
      sources.set(key, source);
    }
    return source === null ? bare : { ...h, source };
  };
}

/** `ip`: the pod address the packet reached (one of a dual-stack pod's; default its primary). */
function podHop(pod: Pod, port: number | null, protocol: Protocol, ip: string = pod.podIP): TraceHop {
  const container = pod.containers.find((c) =>
    c.ports.some((p) => p.containerPort === port && p.protocol === protocol),
  );
  const containerPort = container?.ports.find((p) => p.containerPort === port && p.protocol === protocol);
  const declared = pod.containers.some((c) => c.ports.length > 0);
  const detail = container
    ? `container ${container.name}, containerPort ${port}${containerPort?.name ? ` "${containerPort.name}"` : ''}`
    : declared
      ? `no container declares port ${port}: the connection is refused unless a process listens there anyway`
      : `container ports are not declared; a process must listen on ${port}`;
  return hop(
    'pod',
    `pod ${pod.metadata.name}  ${joinHostPort(ip, port ?? '')}`,
    `${pod.metadata.namespace}/${pod.metadata.name} on ${pod.nodeName}: ${detail}`,
    {
      node: pod.nodeName,
      source: containerPort?.source ?? pod.source,
    },
  );
}

function loadBalancerTrace(
  state: ClusterState,
  target: string,
  s: ServiceState,
  port: number,
  protocol: Protocol,
  hops: TraceHop[],
  options: RequestOptions,
): TraceBody {
  const lb = s.loadBalancer;
  const index = s.service.ports.findIndex((p) => p.port === port && p.protocol === protocol);
  const sp = s.service.ports[index];
  const address = lb?.ingress[0]?.ip ?? lb?.ingress[0]?.hostname ?? '';
  if (!lb || lb.ingress.length === 0) {
    hops.push(
      hop('loadbalancer', serviceLabel(s), lb?.pendingReason || 'load balancer pending', {
        source: s.source,
      }),
    );
    return finish(target, 'internet', null, hops, [], [lb?.pendingReason || 'load balancer pending']);
  }
  if (!sp) {
    hops.push(
      hop(
        'loadbalancer',
        address,
        `the load balancer listens on ${s.service.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}, not ${port}/${protocol}`,
      ),
    );
    return finish(target, 'internet', null, hops, [], []);
  }
  const ranges = s.service.loadBalancerSourceRanges;
  if (ranges.length > 0 && !ranges.some((r) => ipInCIDR(INTERNET_CLIENT_IP, r.trim()))) {
    hops.push(
      hop(
        'drop',
        address,
        `client ${INTERNET_CLIENT_IP} is outside loadBalancerSourceRanges ${ranges.join(', ')}: the load balancer drops it`,
        {
          source: s.source,
        },
      ),
    );
    return { ...finish(target, 'internet', null, hops, [], []), outcome: 'dropped' };
  }
  let nodes = lb.nodes;
  const etpLocal = s.service.externalTrafficPolicy === 'Local';
  if (etpLocal) {
    // The LB health-checks healthCheckNodePort; only nodes with a ready local endpoint answer 200.
    const local = new Set(
      s.endpointSlices.flatMap((sl) =>
        sl.endpoints.filter((e) => e.conditions.ready !== false).map((e) => e.nodeName ?? ''),
      ),
    );
    const healthy = nodes.filter((n) => local.has(n));
    hops.push(
      hop(
        'loadbalancer',
        `${address}:${port}`,
        `externalTrafficPolicy Local: health check on node port ${s.service.healthCheckNodePort} passes on ${healthy.join(', ') || 'no node'}; ${nodes.length - healthy.length} node(s) get no traffic`,
        { source: s.source },
      ),
    );
    if (healthy.length > 0) nodes = healthy;
  } else {
    hops.push(
      hop(
        'loadbalancer',
        `${address}:${port}`,
        `cloud load balancer (${state.profile.cloud.provider}) spreads connections over ${nodes.length} node(s) at node port ${sp.nodePort}`,
        {
          source: s.source,
        },
      ),
    );
  }
  if (nodes.length === 0) {
    return finish(target, 'internet', null, hops, [], ['the load balancer has no backend nodes']);
  }
  if (sp.nodePort === 0) {
    hops.push(
      hop(
        'drop',
        address,
        'the Service has no nodePort (allocateLoadBalancerNodePorts: false): the load balancer must target pods directly',
      ),
    );
    return finish(target, 'internet', null, hops, [], []);
  }
  const branches: RequestBranch[] = [];
  const scopeNotes = new Set<string>();
  for (const nodeName of nodes) {
    const node = state.profile.nodes.find((n) => n.name === nodeName);
    const nodeIP = node?.ips[0] ?? '';
    const packet = {
      sourceIP: INTERNET_CLIENT_IP,
      destinationIP: nodeIP,
      destinationPort: sp.nodePort,
      protocol,
    };
    const nodeHop = hop(
      'node',
      `${nodeName} ${nodeIP}:${sp.nodePort}`,
      `the load balancer forwards to ${nodeName}:${sp.nodePort}${where(s.source)}`,
      {
        node: nodeName,
      },
    );
    for (const b of nodeRules(state, nodeName, packet, 'prerouting', options, 1 / nodes.length, scopeNotes)) {
      branches.push({ ...b, hops: [nodeHop, ...b.hops] });
    }
  }
  return finish(
    target,
    'internet',
    { sourceIP: INTERNET_CLIENT_IP, destinationIP: address, destinationPort: port, protocol },
    hops,
    branches,
    [...scopeNotes],
  );
}

function headlessTrace(
  state: ClusterState,
  target: string,
  s: ServiceState,
  ips: string[],
  port: number | null,
  protocol: Protocol,
  hops: TraceHop[],
  from: string,
  notes: readonly string[],
): TraceBody {
  const branches: RequestBranch[] = ips.map((ip) => {
    const pod = indexOf(state).podByIP.get(ip);
    const targetPort = port ?? s.service.ports[0]?.port ?? null;
    return {
      probability: 1 / ips.length,
      pod: pod?.metadata.name ?? null,
      namespace: pod?.metadata.namespace ?? null,
      ip,
      port: targetPort,
      node: pod?.nodeName ?? null,
      masquerade: false,
      outcome: 'reached',
      verdict: '',
      uncertain: false,
      hops: pod ? [podHop(pod, targetPort, protocol)] : [],
    };
  });
  return finish(target, from, null, hops, branches, [
    'headless Service: DNS returns pod IPs directly; kube-proxy is not involved',
    ...notes,
  ]);
}

// ---- HTTP(S) through a Gateway or an ingress controller ----

/**
 * The request's path through the L7 front door the host picks (or `--gateway`): DNS to the
 * front door's load balancer, the data plane, the L7 decision (listener, route, rule, match,
 * weighted backends, each with its line), then the backend Service's endpoints. Null when
 * no Gateway or Ingress in the files serves the target (it is traced as before).
 */
function l7Trace(
  state: TraceableState,
  targetText: string,
  target: ParsedTarget,
  options: RequestOptions,
  origin: RequestOrigin | undefined,
): TraceBody | null {
  const scheme = target.scheme === 'https' ? 'https' : 'http';
  const port = target.port ?? (scheme === 'https' ? 443 : 80);
  const host = target.host.replace(/\.$/, '');
  // A Service's own name (in-cluster DNS) keeps its Service trace unless --gateway says otherwise.
  if (options.gateway === undefined && !isIPv4(host) && resolveName(state, host, 'default')) return null;
  const choice = chooseFrontDoor(state, { scheme, host, port }, options.gateway);
  if (choice === null) return null;
  if ('error' in choice) throw new TraceTargetError(choice.error);
  const hops: TraceHop[] = [];
  const notes: string[] = [];
  const from = originText(origin ?? { kind: 'internet' });
  if (origin !== undefined && origin.kind !== 'internet') {
    notes.push(
      `sent from ${from}: the request meets the front door's Service as a client on the internet would; shown from its load balancer`,
    );
  }
  const door =
    choice.kind === 'gateway'
      ? `Gateway ${choice.gateway.gateway.namespace}/${choice.gateway.gateway.name}`
      : `the ${choice.className} ingress controller`;
  const doorSource =
    choice.kind === 'gateway' ? choice.gateway.gateway.source : firstIngressSource(state, choice.className);
  const address = choice.address?.address ?? null;
  const dataPlane =
    choice.kind === 'gateway'
      ? `the LoadBalancer Service the Gateway's implementation creates for its proxies (not in the files; ${choice.address?.origin === 'explicit' ? 'spec.addresses' : 'address predicted'})`
      : `the ${choice.className} controller's LoadBalancer Service (not in the files; ${choice.address?.origin === 'explicit' ? 'the Ingress status' : 'address predicted'})`;
  if (address === null) {
    const reason = choice.address?.pendingReason || 'load balancer pending';
    hops.push(hop('loadbalancer', door, `${dataPlane}: ${reason}`, { source: doorSource }));
    return finish(targetText, from, null, hops, [], [...notes, reason]);
  }
  if (host !== address) {
    hops.push(
      hop(
        'dns',
        host,
        `public DNS → ${address}, the load balancer of ${door} (a record published for its address)`,
        {
          source: doorSource,
        },
      ),
    );
  }
  const nodes = choice.address?.nodes ?? [];
  hops.push(
    hop(
      'loadbalancer',
      `${address}:${port}`,
      `${dataPlane}; the cloud load balancer (${state.profile.cloud.provider}) spreads connections over ${nodes.length} node(s)`,
      { source: doorSource },
    ),
  );
  hops.push(
    hop(
      'node',
      nodes.join(', ') || '-',
      `the load balancer forwards to a node port of that Service; kube-proxy sends the connection to one of ${door}'s data-plane pods`,
    ),
  );
  hops.push(
    hop(
      'l7',
      'data plane',
      `a proxy pod of ${door} (created by ${choice.kind === 'gateway' ? "the Gateway's implementation" : 'the controller'}, not in the files) ends the connection${scheme === 'https' ? ' and TLS' : ''} and decides at L7`,
      { source: doorSource },
    ),
  );
  const request: HttpRequest = {
    scheme,
    host: target.port !== null ? `${host}:${target.port}` : host,
    port,
    path: target.path,
    query: target.query,
    method: (options.method ?? 'GET').toUpperCase(),
    headers: options.headers ?? [],
    sni: options.sni ?? null,
  };
  const decision = decideRequest(state, choice, request);
  const { summary, backends } = l7Hops(choice, decision, hops);
  for (const n of decision.notes) notes.push(n);
  if (decision.httpStatus !== 200) {
    hops.push(hop('drop', `HTTP ${decision.httpStatus}`, decision.reason));
    notes.push(decision.reason);
  }
  const packet = {
    sourceIP: INTERNET_CLIENT_IP,
    destinationIP: address,
    destinationPort: port,
    protocol: 'TCP' as Protocol,
  };
  const branches: RequestBranch[] = [];
  const scopeNotes = new Set<string>();
  for (const b of decision.httpStatus === 200 ? backends : []) {
    if (b.share === 0 || !b.service || !b.servicePort) continue;
    if (b.viaClusterIP && b.service.service.clusterIP !== 'None') {
      // The implementation sends to the Service's ClusterIP: kube-proxy picks the endpoint.
      const nodeName = nodes[0] ?? state.profile.nodes[0]?.name ?? '';
      const inner = {
        sourceIP: clientPodIP(state, nodeName),
        destinationIP: b.service.service.clusterIP,
        destinationPort: b.servicePort.port,
        protocol: b.servicePort.protocol,
      };
      for (const branch of nodeRules(state, nodeName, inner, 'prerouting', options, b.share, scopeNotes)) {
        branches.push(branch);
      }
      continue;
    }
    branches.push(...endpointBranches(state, b.service, b.servicePort, b.share));
  }
  if (decision.httpStatus === 200) {
    notes.push(
      backends.some((b) => b.viaClusterIP)
        ? 'the controller sends to the Service ClusterIP (service-upstream): kube-proxy picks the endpoint'
        : `${door}'s data plane sends to the backend Service's endpoints (EndpointSlices) directly, not through its ClusterIP: kube-proxy is not on this hop`,
    );
  }
  for (const n of scopeNotes) notes.push(n);
  return { ...finish(targetText, from, packet, hops, branches, notes), l7: summary };
}

function firstIngressSource(state: TraceableState, className: string): SourceRange | null {
  const o = (state.objects ?? []).find(
    (x) =>
      x.kind === 'Ingress' &&
      (x.raw['spec'] as { ingressClassName?: unknown } | undefined)?.ingressClassName === className,
  );
  return o ? rangeAt(o, ['metadata', 'name']) : null;
}

interface ChosenBackend {
  service: ServiceState | null;
  servicePort: ServiceState['service']['ports'][number] | null;
  share: number;
  viaClusterIP: boolean;
}

/** The L7 hops (listener, route, rule, match, backends) and the `l7` summary of a decision. */
function l7Hops(
  choice: FrontDoorChoice,
  decision: L7Decision,
  hops: TraceHop[],
): { summary: L7Summary; backends: ChosenBackend[] } {
  const l7 = (name: string, detail: string, source: SourceRange | null): void => {
    hops.push(hop('l7', name, detail, { source }));
  };
  if (decision.kind === 'gateway') {
    const g = decision.gateway.gateway;
    if (decision.listener) {
      const l = decision.listener;
      l7(
        `listener ${l.name}`,
        `Gateway ${g.namespace}/${g.name} (class ${g.className}${decision.gateway.gatewayClass ? '' : ', not in the files: assumed accepted by its controller'}) listener ${l.name}: ${l.protocol} port ${l.port}, hostname ${l.hostname ?? '(any)'}`,
        l.source,
      );
    }
    if (decision.route) {
      const r = decision.route;
      l7(
        `HTTPRoute ${r.namespace}/${r.name}`,
        `hostnames ${r.hostnames.join(', ') || '(any)'}${decision.hostname ? `; matched ${decision.hostname}` : ''}`,
        r.source,
      );
    }
    if (decision.rule) {
      l7(
        `rule ${decision.rule.index}${decision.rule.name ? ` (${decision.rule.name})` : ''}`,
        `the rule whose match takes precedence (Exact, longest PathPrefix, method, headers, query parameters, then the oldest route and namespace/name)`,
        decision.rule.source,
      );
    }
    if (decision.match) {
      const m = decision.match;
      const parts = [
        `${m.path.type} ${m.path.value}`,
        ...(m.method ? [`method ${m.method}`] : []),
        ...m.headers.map((h) => `header ${h.name}: ${h.value}`),
        ...m.queryParams.map((q) => `query ${q.name}=${q.value}`),
      ];
      l7(m.index === null ? 'match (implied)' : `match ${m.index}`, parts.join(', '), m.source);
    }
    for (const b of decision.backends) {
      const ref = b.backend.ref;
      l7(
        `backend ${ref.namespace}/${ref.name}:${ref.port ?? ''}`,
        `weight ${ref.weight} (${(b.share * 100).toFixed(1)}%)${b.backend.problem ? `: ${b.backend.problem.reason}, ${b.backend.problem.message}; these requests get 500` : ''}`,
        ref.source,
      );
    }
    const valid = decision.backends
      .filter((b) => b.backend.problem === null && b.backend.servicePort !== null)
      .sort((a, b) => b.share - a.share);
    const top = valid[0];
    return {
      summary: {
        kind: 'gateway',
        gateway: `${g.namespace}/${g.name}`,
        ingressClass: null,
        listener: decision.listener?.name ?? null,
        route: decision.route ? `${decision.route.namespace}/${decision.route.name}` : null,
        rule: decision.rule?.index ?? null,
        match: decision.match ? (decision.match.index ?? 0) : null,
        httpStatus: decision.httpStatus,
        backend:
          decision.httpStatus === 200 && top?.backend.servicePort
            ? {
                service: { namespace: top.backend.ref.namespace, name: top.backend.ref.name },
                port: top.backend.servicePort.port,
              }
            : null,
        backends: decision.backends.map((b) => ({
          service: { namespace: b.backend.ref.namespace, name: b.backend.ref.name },
          port: b.backend.ref.port ?? b.backend.servicePort?.port ?? null,
          weight: b.backend.ref.weight,
        })),
      },
      backends: decision.backends.map((b) => ({
        service: b.backend.problem === null ? b.backend.service : null,
        servicePort: b.backend.problem === null ? b.backend.servicePort : null,
        share: b.share,
        viaClusterIP: false,
      })),
    };
  }
  const className = choice.kind === 'ingress' ? choice.className : decision.className;
  l7(
    `IngressClass ${className}`,
    `the ${className} controller serves the Ingresses of its class, their rules merged by host`,
    null,
  );
  const entry = decision.entry;
  const owner = entry?.ingress ?? decision.defaultOf;
  if (entry) {
    const p = entry.path;
    l7(
      `Ingress ${entry.ingress.namespace}/${entry.ingress.name}`,
      `rule ${p.rule} host ${p.host ?? '(any)'}, path ${p.path} (${p.pathType}${p.pathType === 'ImplementationSpecific' ? ', matched as Prefix' : ''})`,
      p.source,
    );
  } else if (decision.defaultOf) {
    l7(
      `Ingress ${decision.defaultOf.namespace}/${decision.defaultOf.name}`,
      'no rule matches: its spec.defaultBackend',
      decision.defaultOf.defaultBackend?.source ?? null,
    );
  }
  const resolved = decision.backend;
  if (resolved?.backend.service) {
    l7(
      `backend ${resolved.ingress.namespace}/${resolved.backend.service.name}:${resolved.backend.service.port ?? ''}`,
      resolved.problem ? resolved.problem.message : `Service port ${resolved.servicePort?.port ?? ''}`,
      resolved.backend.source,
    );
  }
  const serviceUpstream =
    owner !== null &&
    (owner.object.raw['metadata'] as { annotations?: Record<string, unknown> } | undefined)?.annotations?.[
      'nginx.ingress.kubernetes.io/service-upstream'
    ] === 'true';
  const backendRef = resolved?.backend.service
    ? { namespace: resolved.ingress.namespace, name: resolved.backend.service.name }
    : null;
  return {
    summary: {
      kind: 'ingress',
      gateway: null,
      ingressClass: className,
      listener: null,
      route: owner ? `${owner.namespace}/${owner.name}` : null,
      rule: entry?.path.rule ?? null,
      match: entry?.path.index ?? null,
      httpStatus: decision.httpStatus,
      backend:
        decision.httpStatus === 200 && backendRef && resolved?.servicePort
          ? { service: backendRef, port: resolved.servicePort.port }
          : null,
      backends: backendRef
        ? [
            {
              service: backendRef,
              port:
                resolved?.servicePort?.port ??
                (typeof resolved?.backend.service?.port === 'number' ? resolved.backend.service.port : null),
              weight: 1,
            },
          ]
        : [],
    },
    backends: resolved
      ? [
          {
            service: resolved.problem === null ? resolved.service : null,
            servicePort: resolved.problem === null ? resolved.servicePort : null,
            share: 1,
            viaClusterIP: serviceUpstream,
          },
        ]
      : [],
  };
}

/** One branch per ready endpoint of the Service port, as a proxy picks among EndpointSlices. */
function endpointBranches(
  state: ClusterState,
  service: ServiceState,
  servicePort: ServiceState['service']['ports'][number],
  share: number,
): RequestBranch[] {
  const targets: { ip: string; port: number; nodeName: string | null }[] = [];
  for (const slice of service.endpointSlices) {
    const sp = slice.ports.find((p) => p.name === servicePort.name && p.protocol === servicePort.protocol);
    if (!sp || sp.port === null) continue;
    for (const e of slice.endpoints) {
      if (e.conditions.ready === false) continue;
      for (const ip of e.addresses.slice(0, 1)) targets.push({ ip, port: sp.port, nodeName: e.nodeName });
    }
  }
  const label = serviceLabel(service);
  if (targets.length === 0) {
    return [
      {
        probability: share,
        pod: null,
        namespace: null,
        ip: null,
        port: null,
        node: null,
        masquerade: false,
        outcome: 'no-route',
        verdict: '',
        uncertain: false,
        hops: [
          hop(
            'drop',
            label,
            `Service ${label} has no ready endpoints for port ${servicePort.port}: the proxy answers 503`,
          ),
        ],
      },
    ];
  }
  return targets.map((t) => {
    const pod = indexOf(state).podByIP.get(t.ip);
    return {
      probability: share / targets.length,
      pod: pod?.metadata.name ?? null,
      namespace: pod?.metadata.namespace ?? null,
      ip: t.ip,
      port: t.port,
      node: pod?.nodeName ?? t.nodeName,
      masquerade: false,
      outcome: 'reached' as const,
      verdict: '',
      uncertain: false,
      hops: [
        hop(
          'l7',
          `endpoint ${joinHostPort(t.ip, t.port)}`,
          `an endpoint of Service ${label} port ${servicePort.port} (EndpointSlice)`,
          {
            source: service.source,
          },
        ),
        pod
          ? podHop(pod, t.port, servicePort.protocol)
          : hop(
              'pod',
              t.ip,
              `endpoint ${joinHostPort(t.ip, t.port)} is not a pod in the analysed files (user-managed endpoint)`,
            ),
      ],
    };
  });
}
