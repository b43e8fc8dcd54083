// The registry's allocation step (storage/alloc.go allocateCreate) run over all
// Services at once, in the order DESIGN.md's prediction policy asks for:
// explicit requests first (Services that pass validation before the ones that
// do not), then hashed picks in a stable (namespace/name) order, so a predicted
// value does not move when unrelated files change.
import type { IPFamily, ValueSource } from '../../model';
import type { Segments, V1ServiceSpec } from './decode';
import { goFieldPath } from './fieldError';
import { goStringSlice } from './goFormat';
import type { IP } from './ip';
import { formatIP, parseCIDR, parseIP } from './ip';
import { ERR_IP_ALLOCATED, ServiceIPAllocator, serviceIPRange } from './ipAllocator';
import { ERR_PORT_ALLOCATED, NodePortAllocator } from './nodePortAllocator';

export interface AllocationRequest {
  namespace: string;
  name: string;
  /** Defaulted, with ipFamilies/ipFamilyPolicy initialised. */
  spec: V1ServiceSpec;
  /** False when initIPFamilyFields or the clusterIPs checks refused the object. */
  canAllocateIPs: boolean;
  /** Validation refused it: its explicit requests yield to those of valid Services. */
  rejected: boolean;
  needsHealthCheck: boolean;
  /** The YAML spells out `clusterIPs` (else only `clusterIP`): where address findings point. */
  wroteClusterIPs: boolean;
}

/** Who already holds a value: another Service (by request index) or the cluster itself. */
export type Holder = { request: number; at: Segments } | { system: string };

export type FindingKind = 'ip-in-use' | 'ip-out-of-range' | 'port-in-use' | 'port-out-of-range' | 'full';

export interface AllocationFinding {
  at: Segments;
  /** What the API server answers, without the `The Service "x" is invalid: ` lead-in. */
  message: string;
  /** A field.Error (printed after the lead-in) rather than an internal error. */
  fieldError: boolean;
  kind: FindingKind;
  heldBy?: Holder;
}

export interface AllocationResult {
  clusterIPs: string[];
  clusterIPSource: ValueSource;
  nodePorts: number[];
  nodePortSources: ValueSource[];
  healthCheckNodePort: number;
  healthCheckNodePortSource: ValueSource | null;
  findings: AllocationFinding[];
}

export interface ClusterAllocators {
  ips: Map<IPFamily, ServiceIPAllocator>;
  /** Service CIDR families, primary first. */
  families: IPFamily[];
  nodePorts: NodePortAllocator;
}

export const KUBERNETES_SERVICE = 'default/kubernetes';
export const KUBE_DNS_SERVICE = 'kube-system/kube-dns';

export function createAllocators(
  serviceCIDR: string,
  nodePortRange: { min: number; max: number },
): ClusterAllocators {
  const ips = new Map<IPFamily, ServiceIPAllocator>();
  const families: IPFamily[] = [];
  for (const text of serviceCIDR.split(',')) {
    const cidr = parseCIDR(text.trim());
    if (cidr === null || ips.has(cidr.family)) continue;
    ips.set(cidr.family, new ServiceIPAllocator(serviceIPRange(cidr)));
    families.push(cidr.family);
  }
  return { ips, families, nodePorts: new NodePortAllocator(nodePortRange) };
}

function ipKey(ip: IP): string {
  return `${ip.family}/${ip.value}`;
}

const identity = (request: AllocationRequest): string => `${request.namespace}/${request.name}`;

export function holderName(
  holder: Holder | undefined,
  requests: readonly AllocationRequest[],
): string | undefined {
  if (holder === undefined) return undefined;
  if ('system' in holder) return holder.system;
  const request = requests[holder.request];
  return request === undefined ? undefined : identity(request);
}

function shouldAllocateNodePorts(spec: V1ServiceSpec): boolean {
  if (spec.type === 'NodePort') return true;
  if (spec.type === 'LoadBalancer') return spec.allocateLoadBalancerNodePorts !== false;
  return false;
}

function usesNodePorts(spec: V1ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

function usesClusterIPs(request: AllocationRequest): boolean {
  const spec = request.spec;
  return request.canAllocateIPs && spec.type !== 'ExternalName' && spec.clusterIPs[0] !== 'None';
}

/**
 * What the dynamic node-port picks of one run were, so that a Service whose node-port
 * requests changed can be given new picks without running the allocators again, when no
 * other Service's pick depends on them (see `reallocateNodePorts`).
 */
export interface NodePortTrace {
  /** Per request, its place in the order of hashed picks. */
  rank: number[];
  /** Per request, its hashed node-port picks in order: port groups, then the health check. */
  picks: NodePortPick[][];
  /** Port → the request that picked it (hashed picks only). */
  owner: Map<number, number>;
  /** Port → the requests whose search went past it (it was taken). */
  blockedBy: Map<number, Set<number>>;
  /** False when picks were shared between requests of one identity or a range ran full. */
  reusable: boolean;
}

export interface NodePortPick {
  key: string;
  /** The ports sharing the pick; null for the health-check node port. */
  indexes: number[] | null;
  port: number;
  blocked: number[];
}

/** Runs the allocators over every Service; results are in request order. */
export function allocateAll(
  requests: readonly AllocationRequest[],
  allocators: ClusterAllocators,
  /** Filled with the hashed node-port picks, when given. */
  trace?: NodePortTrace,
): AllocationResult[] {
  const results: AllocationResult[] = requests.map((request) => ({
    clusterIPs:
      request.spec.type === 'ExternalName' ? [] : request.spec.clusterIPs[0] === 'None' ? ['None'] : [],
    clusterIPSource: request.spec.clusterIPs.length > 0 ? 'explicit' : 'defaulted',
    nodePorts: request.spec.ports.map(() => 0),
    nodePortSources: request.spec.ports.map(() => 'defaulted'),
    healthCheckNodePort: 0,
    healthCheckNodePortSource: request.needsHealthCheck ? 'defaulted' : null,
    findings: [],
  }));

  const ipHolders = new Map<string, { key: string; holder: Holder }>();
  /** Addresses the cluster itself holds for well-known Services, by identity. */
  const reservedFor = new Map<string, IP>();
  const portHolders = new Map<number, { key: string; holder: Holder }>();
  const primary = allocators.families[0];
  const primaryAllocator = primary === undefined ? undefined : allocators.ips.get(primary);
  if (primaryAllocator !== undefined) {
    // The apiserver's own Service takes the first address; kubeadm/kind put kube-dns at .10.
    const reserve = (offset: bigint, owner: string): void => {
      const ip: IP = {
        family: primaryAllocator.range.family,
        value: primaryAllocator.range.cidr.network + offset,
      };
      if (primaryAllocator.allocate(ip) !== null) return;
      ipHolders.set(ipKey(ip), { key: owner, holder: { system: owner } });
      reservedFor.set(owner, ip);
    };
    reserve(1n, KUBERNETES_SERVICE);
    reserve(10n, KUBE_DNS_SERVICE);
  }

  const explicitOrder = [
    ...requests.flatMap((request, i) => (request.rejected ? [] : [i])),
    ...requests.flatMap((request, i) => (request.rejected ? [i] : [])),
  ];
  const identities = requests.map(identity);
  if (trace) {
    trace.rank = new Array<number>(requests.length).fill(-1);
    trace.picks = requests.map(() => []);
    trace.owner = new Map();
    trace.blockedBy = new Map();
    trace.reusable = new Set(identities).size === identities.length;
  }
  const dynamicOrder = requests
    .map((_, i) => i)
    .sort((a, b) => {
      const ka = identities[a] as string;
      const kb = identities[b] as string;
      return ka < kb ? -1 : ka > kb ? 1 : a - b;
    });

  // Phase 1: explicit cluster IPs.
  const pendingIPs: { request: number; index: number; family: IPFamily }[] = [];
  for (const r of explicitOrder) {
    const request = requests[r] as AllocationRequest;
    const result = results[r] as AllocationResult;
    if (!usesClusterIPs(request)) continue;
    const spec = request.spec;
    // alloc.go pads clusterIPs with "" markers for families still to allocate.
    const padded = spec.ipFamilies.map((_, i) => spec.clusterIPs[i] ?? '');
    result.clusterIPs = [...padded];
    spec.ipFamilies.forEach((familyText, i) => {
      const family = familyText as IPFamily;
      const allocator = allocators.ips.get(family);
      const text = padded[i] ?? '';
      if (allocator === undefined) return;
      if (text === '') {
        pendingIPs.push({ request: r, index: i, family });
        if (i === 0) result.clusterIPSource = 'predicted';
        return;
      }
      const ip = parseIP(text);
      if (ip === null) return;
      const error = allocator.allocate(ip);
      const held = ipHolders.get(ipKey(ip));
      const at: Segments = request.wroteClusterIPs ? ['spec', 'clusterIPs', i] : ['spec', 'clusterIP'];
      if (error === null) {
        ipHolders.set(ipKey(ip), { key: identities[r] as string, holder: { request: r, at } });
      } else if (!(error === ERR_IP_ALLOCATED && held?.key === (identities[r] as string))) {
        result.findings.push({
          at,
          message: `spec.clusterIPs: Invalid value: ${goStringSlice(padded)}: failed to allocate IP ${text}: ${error}`,
          fieldError: true,
          kind: error === ERR_IP_ALLOCATED ? 'ip-in-use' : 'ip-out-of-range',
          ...(error === ERR_IP_ALLOCATED && held !== undefined ? { heldBy: held.holder } : {}),
        });
      }
    });
  }

  // Phase 2: explicit node ports (initNodePorts, minus the AllocateNext calls).
  const pendingPorts: { request: number; port: number; indexes: number[] }[] = [];
  const pendingHealthChecks: number[] = [];
  for (const r of explicitOrder) {
    const request = requests[r] as AllocationRequest;
    const result = results[r] as AllocationResult;
    const spec = request.spec;
    const allocatePort = (port: number, at: Segments): FindingKind | null => {
      const error = allocators.nodePorts.allocate(port);
      const held = portHolders.get(port);
      if (error === null) {
        portHolders.set(port, { key: identities[r] as string, holder: { request: r, at } });
        return null;
      }
      if (error === ERR_PORT_ALLOCATED && held?.key === (identities[r] as string)) return null;
      const kind: FindingKind = error === ERR_PORT_ALLOCATED ? 'port-in-use' : 'port-out-of-range';
      result.findings.push({
        at,
        message: `${goFieldPath(at)}: Invalid value: ${port}: ${error}`,
        fieldError: true,
        kind,
        ...(kind === 'port-in-use' && held !== undefined ? { heldBy: held.holder } : {}),
      });
      return kind;
    };

    if (usesNodePorts(spec)) {
      const byServicePort = new Map<number, { nodePort: number } | { pending: number[] }>();
      spec.ports.forEach((servicePort, i) => {
        if (servicePort.nodePort === 0 && !shouldAllocateNodePorts(spec)) return;
        const at: Segments = ['spec', 'ports', i, 'nodePort'];
        const seen = byServicePort.get(servicePort.port);
        if (seen === undefined) {
          const requested =
            spec.ports.find((p) => p.port === servicePort.port && p.nodePort !== 0)?.nodePort ?? 0;
          if (requested !== 0) {
            allocatePort(requested, at);
            result.nodePorts[i] = requested;
            result.nodePortSources[i] = servicePort.nodePort !== 0 ? 'explicit' : 'defaulted';
            byServicePort.set(servicePort.port, { nodePort: requested });
          } else {
            const group = { request: r, port: servicePort.port, indexes: [i] };
            pendingPorts.push(group);
            byServicePort.set(servicePort.port, { pending: group.indexes });
          }
        } else if ('pending' in seen) {
          // Same service port number (e.g. 53/TCP and 53/UDP): the ports share one nodePort.
          seen.pending.push(i);
        } else if (servicePort.nodePort === 0 || servicePort.nodePort === seen.nodePort) {
          result.nodePorts[i] = seen.nodePort;
          result.nodePortSources[i] = servicePort.nodePort !== 0 ? 'explicit' : 'defaulted';
        } else {
          allocatePort(servicePort.nodePort, at);
          result.nodePorts[i] = servicePort.nodePort;
          result.nodePortSources[i] = 'explicit';
        }
      });
    }

    if (request.needsHealthCheck) {
      if (spec.healthCheckNodePort !== 0) {
        const port = spec.healthCheckNodePort;
        const error = allocators.nodePorts.allocate(port);
        const held = portHolders.get(port);
        if (error === null) {
          portHolders.set(port, {
            key: identities[r] as string,
            holder: { request: r, at: ['spec', 'healthCheckNodePort'] },
          });
        } else if (!(error === ERR_PORT_ALLOCATED && held?.key === (identities[r] as string))) {
          result.findings.push({
            at: ['spec', 'healthCheckNodePort'],
            message: `Internal error occurred: failed to allocate requested HealthCheck NodePort ${port}: ${error}`,
            fieldError: false,
            kind: error === ERR_PORT_ALLOCATED ? 'port-in-use' : 'port-out-of-range',
            ...(error === ERR_PORT_ALLOCATED && held !== undefined ? { heldBy: held.holder } : {}),
          });
        }
        result.healthCheckNodePort = port;
        result.healthCheckNodePortSource = 'explicit';
      } else {
        pendingHealthChecks.push(r);
      }
    }
  }

  // Phase 3: hashed picks, in namespace/name order. Objects with the same identity
  // (one Service in two overlays) are one Service to the cluster: they share picks.
  const picked = new Map<string, string | number>();
  // Pending work grouped by request (in the order it was queued), so phase 3 stays linear.
  const ipsByRequest = groupByRequest(pendingIPs);
  const portsByRequest = groupByRequest(pendingPorts);
  const healthChecks = new Set(pendingHealthChecks);
  const record = (
    r: number,
    key: string,
    indexes: number[] | null,
    port: number,
    blocked: number[],
  ): void => {
    if (!trace) return;
    trace.picks[r]?.push({ key, indexes, port, blocked });
    trace.owner.set(port, r);
    for (const b of blocked) {
      let who = trace.blockedBy.get(b);
      if (!who) {
        who = new Set();
        trace.blockedBy.set(b, who);
      }
      who.add(r);
    }
  };
  for (let rank = 0; rank < dynamicOrder.length; rank++) {
    const r = dynamicOrder[rank] as number;
    const result = results[r] as AllocationResult;
    if (trace) trace.rank[r] = rank;
    for (const pending of ipsByRequest.get(r) ?? []) {
      const allocator = allocators.ips.get(pending.family);
      if (allocator === undefined) continue;
      const cacheKey = `${identities[r] as string}|ip|${pending.family}`;
      let text = picked.get(cacheKey) as string | undefined;
      if (text === undefined) {
        const reserved = reservedFor.get(identities[r] as string);
        if (reserved !== undefined && reserved.family === pending.family) {
          text = formatIP(reserved.family, reserved.value);
        } else {
          const value = allocator.allocateNext(identities[r] as string);
          if (value === null) {
            result.findings.push({
              at: ['spec'],
              message: 'Internal error occurred: failed to allocate a serviceIP: range is full',
              fieldError: false,
              kind: 'full',
            });
            continue;
          }
          text = formatIP(pending.family, value);
        }
        picked.set(cacheKey, text);
      }
      result.clusterIPs[pending.index] = text;
    }

    for (const group of portsByRequest.get(r) ?? []) {
      const cacheKey = `${identities[r] as string}|port|${group.port}`;
      let port = picked.get(cacheKey) as number | undefined;
      if (port === undefined) {
        const key = `${identities[r] as string}:${group.port}`;
        const blocked: number[] = [];
        const next = allocators.nodePorts.allocateNext(key, blocked);
        if (next === null) {
          if (trace) trace.reusable = false;
          result.findings.push({
            at: ['spec', 'ports', group.indexes[0] ?? 0, 'nodePort'],
            message: 'Internal error occurred: failed to allocate a nodePort: range is full',
            fieldError: false,
            kind: 'full',
          });
          continue;
        }
        port = next;
        picked.set(cacheKey, port);
        record(r, key, group.indexes, port, blocked);
      }
      for (const i of group.indexes) {
        result.nodePorts[i] = port;
        result.nodePortSources[i] = 'predicted';
      }
    }

    if (healthChecks.has(r)) {
      const cacheKey = `${identities[r] as string}|healthCheckNodePort`;
      let port = picked.get(cacheKey) as number | undefined;
      if (port === undefined) {
        const key = `${identities[r] as string}:healthCheckNodePort`;
        const blocked: number[] = [];
        const next = allocators.nodePorts.allocateNext(key, blocked);
        if (next === null) {
          if (trace) trace.reusable = false;
          result.findings.push({
            at: ['spec', 'healthCheckNodePort'],
            message: 'Internal error occurred: failed to allocate a HealthCheck NodePort 0: range is full',
            fieldError: false,
            kind: 'full',
          });
          continue;
        }
        port = next;
        picked.set(cacheKey, port);
        record(r, key, null, port, blocked);
      }
      result.healthCheckNodePort = port;
      result.healthCheckNodePortSource = 'predicted';
    }
  }
  return results;
}

function groupByRequest<T extends { request: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const list = out.get(item.request);
    if (list) list.push(item);
    else out.set(item.request, [item]);
  }
  return out;
}

/**
 * The node-port groups a Service's hashed picks are for, as phase 2 forms them: ports
 * without an explicit node port, one group per service port number.
 */
function pendingPortGroups(spec: V1ServiceSpec): { port: number; indexes: number[] }[] {
  const groups: { port: number; indexes: number[] }[] = [];
  if (!usesNodePorts(spec)) return groups;
  const byServicePort = new Map<number, number[] | null>();
  spec.ports.forEach((servicePort, i) => {
    if (servicePort.nodePort === 0 && !shouldAllocateNodePorts(spec)) return;
    const seen = byServicePort.get(servicePort.port);
    if (seen === undefined) {
      const requested =
        spec.ports.find((p) => p.port === servicePort.port && p.nodePort !== 0)?.nodePort ?? 0;
      if (requested !== 0) {
        byServicePort.set(servicePort.port, null);
      } else {
        const group = { port: servicePort.port, indexes: [i] };
        groups.push(group);
        byServicePort.set(servicePort.port, group.indexes);
      }
    } else if (seen !== null) {
      seen.push(i);
    }
  });
  return groups;
}

/**
 * Everything `allocateAll` reads of a request except the service port numbers its hashed
 * node-port picks are keyed by: two requests equal here differ only in those picks.
 */
export function explicitAllocationSignature(request: AllocationRequest): string {
  const spec = request.spec;
  const first = new Map<number, number>();
  const pattern = spec.ports.map((p, i) => {
    if (!first.has(p.port)) first.set(p.port, i);
    return [first.get(p.port), p.nodePort];
  });
  return JSON.stringify([
    request.namespace,
    request.name,
    request.canAllocateIPs,
    request.rejected,
    request.needsHealthCheck,
    request.wroteClusterIPs,
    spec.type,
    spec.clusterIPs,
    spec.ipFamilies,
    spec.ports.length,
    usesNodePorts(spec) ? pattern : 0,
    spec.allocateLoadBalancerNodePorts,
    spec.healthCheckNodePort,
  ]);
}

/**
 * Request `x` asks the allocators what it asked in the traced run except for the service
 * port numbers of its hashed node-port picks (equal `explicitAllocationSignature`). Gives
 * the results that running every allocator again would give, by replaying only the picks
 * that change: x's at its place in the order, then, in order, each later pick whose port
 * an earlier one now takes or whose search a released port now stops earlier. Returns the
 * changed results by request, or null when the traced run cannot be replayed (picks
 * shared between requests of one identity, a range full, other port groups): then run
 * everything again, since `trace` and `nodePorts` (the allocator after the run, updated
 * in place) are left half-updated.
 */
export function reallocateNodePorts(
  trace: NodePortTrace,
  nodePorts: NodePortAllocator,
  x: number,
  request: AllocationRequest,
  previous: readonly AllocationResult[],
): Map<number, AllocationResult> | null {
  if (!trace.reusable || (trace.rank[x] ?? -1) < 0) return null;
  const id = identity(request);
  const wantedX: { key: string; indexes: number[] | null }[] = pendingPortGroups(request.spec).map((g) => ({
    key: `${id}:${g.port}`,
    indexes: g.indexes,
  }));
  if (request.needsHealthCheck && request.spec.healthCheckNodePort === 0) {
    wantedX.push({ key: `${id}:healthCheckNodePort`, indexes: null });
  }
  const oldX = trace.picks[x] ?? [];
  if (wantedX.length !== oldX.length) return null;
  for (const [i, w] of wantedX.entries())
    if (String(w.indexes) !== String(oldX[i]?.indexes ?? null)) return null;

  const rankOf = (r: number): number => trace.rank[r] ?? -1;
  const queue = new Set<number>([x]);
  const changed = new Map<number, AllocationResult>();
  while (queue.size > 0) {
    let r = -1;
    for (const q of queue) if (r < 0 || rankOf(q) < rankOf(r)) r = q;
    queue.delete(r);
    const rank = rankOf(r);
    const old = trace.picks[r] ?? [];
    const wanted = r === x ? wantedX : old.map((p) => ({ key: p.key, indexes: p.indexes }));
    const taken = new Set<number>();
    // Free at r's turn: not taken, or taken by r itself or by a later pick.
    const free = (port: number): boolean => {
      if (taken.has(port)) return false;
      if (!nodePorts.has(port)) return true;
      const owner = trace.owner.get(port);
      return owner !== undefined && (owner === r || rankOf(owner) > rank);
    };
    const picks: NodePortPick[] = [];
    for (const w of wanted) {
      const blocked: number[] = [];
      const port = nodePorts.probe(w.key, free, blocked);
      if (port === null) return null;
      taken.add(port);
      picks.push({ key: w.key, indexes: w.indexes, port, blocked });
    }
    for (const p of old) {
      for (const b of p.blocked) trace.blockedBy.get(b)?.delete(r);
      if (taken.has(p.port) || trace.owner.get(p.port) !== r) continue;
      // Released: a later search that went past this port now stops here.
      nodePorts.release(p.port);
      trace.owner.delete(p.port);
      for (const q of trace.blockedBy.get(p.port) ?? []) if (rankOf(q) > rank) queue.add(q);
    }
    for (const p of picks) {
      const owner = trace.owner.get(p.port);
      // Taken from a later pick, which must search again.
      if (owner !== undefined && owner !== r) queue.add(owner);
      if (!nodePorts.has(p.port)) nodePorts.allocate(p.port);
      trace.owner.set(p.port, r);
      for (const b of p.blocked) {
        let who = trace.blockedBy.get(b);
        if (!who) {
          who = new Set();
          trace.blockedBy.set(b, who);
        }
        who.add(r);
      }
    }
    trace.picks[r] = picks;
    const before = changed.get(r) ?? previous[r];
    if (!before) return null;
    const result: AllocationResult = {
      ...before,
      nodePorts: [...before.nodePorts],
      nodePortSources: [...before.nodePortSources],
    };
    for (const p of picks) {
      if (p.indexes === null) {
        result.healthCheckNodePort = p.port;
        continue;
      }
      for (const i of p.indexes) {
        result.nodePorts[i] = p.port;
        result.nodePortSources[i] = 'predicted';
      }
    }
    changed.set(r, result);
  }
  return changed;
}
