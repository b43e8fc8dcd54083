// The side panel's request path of one Service port, built only from the request tracer's
// answer (traceRequest: the same trace `kubepath trace` prints). Each node the request
// enters gets the hops its branches share once, then one branch per way kube-proxy's
// rules can send the packet.
import type {
  ClusterState,
  DnsPath,
  EntryKind,
  EntryPoint,
  NodePath,
  PathBranch,
  PathHop,
  PodRef,
  RequestPath,
  ServicePort,
  ServiceState,
  TraceHop,
  TraceOutcome,
  Valued,
} from '../model';
import type { RequestBranch, RequestTrace, TraceableState } from './request';
import { podNamed, traceRequest, TraceTargetError } from './request';

/** One Service port traced from one entry point. */
export interface RequestPathQuery {
  /** A Service of the analysis queried. */
  service: ServiceState;
  port: ServicePort;
  entry: EntryKind;
  /** The node the request enters at (nodePort), the client pod's node (clusterIP), or a filter (internet); null: every node. */
  node: string | null;
}

const ENTRY_LABELS: Record<EntryKind, string> = {
  internet: 'Internet via load balancer',
  nodePort: 'node:nodePort',
  clusterIP: 'ClusterIP from a pod',
};

/** The ways a Service can be entered; those it cannot be entered by are listed as unavailable. */
export function entryPoints(service: ServiceState | undefined): EntryPoint[] {
  const type = service?.service.type;
  const headless = service?.service.clusterIP === 'None';
  const hasNodePort = service?.service.ports.some((p) => p.nodePort !== 0) ?? false;
  return [
    { entry: 'internet', label: ENTRY_LABELS.internet, available: type === 'LoadBalancer' },
    { entry: 'nodePort', label: ENTRY_LABELS.nodePort, available: hasNodePort },
    {
      entry: 'clusterIP',
      label: ENTRY_LABELS.clusterIP,
      available: type !== undefined && type !== 'ExternalName' && !headless,
    },
  ];
}

/** The entry a Service is most naturally reached by. */
export function defaultEntry(service: ServiceState): EntryKind {
  return entryPoints(service).find((o) => o.available)?.entry ?? 'clusterIP';
}

/** The nodes a request enters at: the load balancer's nodes from the internet, else every node. */
function requestNodes(state: ClusterState, query: RequestPathQuery): string[] {
  const lbNodes = query.service.loadBalancer?.nodes ?? [];
  const all =
    query.entry === 'internet' && lbNodes.length > 0 ? lbNodes : state.profile.nodes.map((n) => n.name);
  return query.node === null ? all : all.filter((n) => n === query.node);
}

interface Traced {
  /** The node whose rules a per-node trace ran; undefined: the branches name their node. */
  node: string | undefined;
  trace: RequestTrace;
}

export function requestPath(state: TraceableState, query: RequestPathQuery): RequestPath {
  const { service, port, entry } = query;
  const svc = service.service;
  const nodes = requestNodes(state, query);
  const nodeIP = (name: string): string => state.profile.nodes.find((n) => n.name === name)?.ips[0] ?? '';
  const protocol = port.protocol;
  const notes: string[] = [];
  if (svc.sessionAffinity === 'ClientIP') {
    notes.push(
      `sessionAffinity: ClientIP — later connections from the same client stick to the first pod for ${svc.sessionAffinityTimeoutSeconds}s.`,
    );
  }
  const traced: Traced[] = [];
  try {
    if (entry === 'internet') {
      // What a client outside reaches: the load balancer's address or public name; without
      // one, the Service's name, whose trace ends at the pending load balancer.
      const ingress = service.loadBalancer?.ingress[0];
      const host = ingress?.ip ?? ingress?.hostname ?? service.dns;
      traced.push({
        node: undefined,
        trace: traceRequest(state, `${host}:${port.port}`, { from: { kind: 'internet' }, protocol }),
      });
    } else {
      for (const node of nodes) {
        const trace =
          entry === 'nodePort'
            ? traceRequest(state, `${nodeIP(node)}:${port.nodePort}`, {
                from: { kind: 'internet' },
                protocol,
              })
            : traceRequest(state, `${service.dns}:${port.port}`, { node, protocol });
        traced.push({ node, trace });
      }
    }
  } catch (error) {
    if (!(error instanceof TraceTargetError)) throw error;
    notes.push(error.message);
  }
  const front = traced[0]?.trace.hops ?? [];
  const groups = new Map<string, RequestBranch[]>();
  for (const { node: calledFor, trace } of traced) {
    for (const b of trace.branches) {
      const node = calledFor ?? b.hops.find((h) => h.kind === 'node')?.node ?? '';
      if (!nodes.includes(node)) continue;
      const list = groups.get(node);
      if (list) list.push(b);
      else groups.set(node, [b]);
    }
  }
  const nodePaths = nodes.flatMap((node) => {
    const branches = groups.get(node);
    if (!branches || branches.length === 0) return [];
    const entryAddress =
      entry === 'clusterIP' ? `${svc.clusterIP}:${port.port}` : `${nodeIP(node)}:${port.nodePort}`;
    return [nodePath(state, node, nodeIP(node), entryAddress, branches)];
  });
  const seen = new Set(notes);
  for (const { trace } of traced) {
    for (const note of trace.notes) {
      if (!seen.has(note)) notes.push(note);
      seen.add(note);
    }
  }
  const mode = traced[0]?.trace.proxyMode;
  if (mode !== undefined)
    notes.push(`Traced through the predicted ${mode} rules of each node (kube-proxy ${mode} mode).`);
  const portIndex = svc.ports.indexOf(port);
  const source = service.source;
  const clusterIP: Valued = { value: svc.clusterIP, origin: service.clusterIPSource };
  const dnsHop = front.find((h) => h.kind === 'dns');
  const lbHop = front.find((h) => h.kind === 'loadbalancer');
  const lb = service.loadBalancer;
  const ingress = lb?.ingress[0];
  const lbAddress = ingress?.ip ?? ingress?.hostname ?? '';
  const outcomes = nodePaths.map((n) => n.outcome);
  return {
    target: entry === 'nodePort' ? `node:${port.nodePort}` : `${service.dns}:${port.port}`,
    entry,
    service: {
      namespace: svc.metadata.namespace,
      name: svc.metadata.name,
      type: svc.type,
      clusterIP,
      dns: service.dns,
      port: port.port,
      protocol: port.protocol,
      targetPort: String(port.targetPort),
      nodePort:
        port.nodePort === 0
          ? null
          : { value: String(port.nodePort), origin: service.nodePortSources[portIndex] ?? 'predicted' },
      source,
    },
    client: clientOf(entry, query.node, query.node === null ? '' : nodeIP(query.node)),
    dns: dnsHop
      ? {
          name: dnsHop.name,
          answer:
            entry === 'internet'
              ? { value: lbAddress || 'the load balancer', origin: lb?.ingressSource ?? 'predicted' }
              : clusterIP,
          detail: dnsHop.detail,
          source: dnsHop.source ?? source,
        }
      : null,
    loadBalancer:
      entry === 'internet'
        ? {
            address: { value: lbAddress, origin: lb?.ingressSource ?? 'predicted' },
            port: port.port,
            detail: lbHop?.detail ?? '',
            pending: lbAddress === '' ? lbHop?.detail || 'load balancer pending: no ingress address' : '',
            source: lbHop?.source ?? source,
          }
        : null,
    nodes: nodePaths,
    outcome: outcomes.includes('reached')
      ? 'reached'
      : (outcomes[0] ?? (traced.length === 1 ? (traced[0]?.trace.outcome ?? 'no-route') : 'no-route')),
    notes,
  };
}

/** The client box: who sends the request, naming the node it runs on or targets when one is chosen. */
function clientOf(entry: EntryKind, node: string | null, ip: string): { label: string; detail: string } {
  if (node === null) return CLIENTS[entry];
  if (entry === 'clusterIP')
    return { label: `pod on ${node}`, detail: `A pod running on ${node}: its node's kube-proxy rules apply` };
  if (entry === 'nodePort')
    return { label: `client → ${node}`, detail: `A client outside the cluster, sending to ${node} (${ip})` };
  return {
    label: CLIENTS.internet.label,
    detail: `${CLIENTS.internet.detail}; shown: the load balancer's path to ${node}`,
  };
}

const CLIENTS: Record<EntryKind, { label: string; detail: string }> = {
  internet: { label: 'Internet client', detail: 'A client outside the cluster' },
  nodePort: { label: 'client → every node', detail: 'A client that can reach the node addresses' },
  clusterIP: {
    label: 'pod on any node',
    detail: 'A pod in the cluster: each node’s rules are shown; pick a node for a pod on it',
  },
};

const PATH_HOP_KINDS = new Set<string>(['chain', 'rule', 'dnat', 'drop', 'reject', 'unsupported']);

function isPathHop(h: TraceHop): h is TraceHop & { kind: PathHop['kind'] } {
  return PATH_HOP_KINDS.has(h.kind);
}

function pathHop(h: TraceHop & { kind: PathHop['kind'] }): PathHop {
  return {
    kind: h.kind,
    name: h.name,
    detail: h.detail,
    source: h.source ?? null,
    ...(h.table !== undefined ? { table: h.table } : {}),
    ...(h.chain !== undefined ? { chain: h.chain } : {}),
    ...(h.rule !== undefined ? { rule: h.rule } : {}),
  };
}

function pathHops(hops: readonly TraceHop[]): PathHop[] {
  return hops.filter(isPathHop).map(pathHop);
}

function hopKey(h: TraceHop): string {
  return `${h.kind}\u0000${h.name}\u0000${h.chain ?? ''}\u0000${h.rule ?? ''}`;
}

const OUTCOME_ORDER: TraceOutcome[] = ['reached', 'accepted', 'rejected', 'dropped', 'no-route'];

/** One node's picture from the traced branches that entered it. */
function nodePath(
  state: TraceableState,
  nodeName: string,
  ip: string,
  entry: string,
  branches: RequestBranch[],
): NodePath {
  // Each traced branch repeats the hops before the random split: keep the common prefix once.
  const lists = branches.map((b) => b.hops.filter((h) => h.kind !== 'node'));
  const first = lists[0] ?? [];
  let shared = 0;
  while (
    shared < first.length &&
    lists.every((l) => l[shared] && hopKey(l[shared] as TraceHop) === hopKey(first[shared] as TraceHop))
  ) {
    shared++;
  }
  // Every branch keeps its own jump into its KUBE-SEP chain and its verdict (a lone branch
  // shares everything with itself, so this is also where its own part starts).
  const own = first.findIndex(
    (h) => /^KUBE-SEP-/.test(h.name) || ['dnat', 'reject', 'drop'].includes(h.kind),
  );
  if (own >= 0) shared = Math.min(shared, own);
  const total = branches.reduce((sum, b) => sum + b.probability, 0) || 1;
  const pathBranches = branches.map((b, i): PathBranch => {
    const list = lists[i] ?? [];
    const stop = [...list].reverse().find((h) => h.kind === 'reject' || h.kind === 'drop');
    return {
      probability: b.probability / total,
      outcome: b.outcome,
      verdict: b.outcome === 'reached' ? 'DNAT' : (stop?.name ?? (b.verdict || b.outcome)),
      reason: b.outcome === 'reached' ? '' : (stop?.detail ?? b.outcome),
      ip: b.ip,
      port: b.port,
      masquerade: b.masquerade,
      hops: pathHops(list.slice(shared)),
      pod: b.ip === null ? null : podRef(state, b, nodeName),
    };
  });
  const outcomes = pathBranches.map((b) => b.outcome);
  return {
    node: nodeName,
    ip,
    entry,
    hops: pathHops(first.slice(0, shared)),
    branches: pathBranches,
    outcome: OUTCOME_ORDER.find((o) => outcomes.includes(o)) ?? 'no-route',
  };
}

/** The pod behind a branch's DNAT target; the tracer's pod hop says which container port. */
function podRef(state: TraceableState, b: RequestBranch, nodeName: string): PodRef {
  const ip = b.ip ?? '';
  const pod = b.pod === null || b.namespace === null ? undefined : podNamed(state, b.namespace, b.pod);
  const podHop = b.hops.find((h) => h.kind === 'pod');
  return {
    namespace: pod?.metadata.namespace ?? b.namespace ?? '',
    name: pod?.metadata.name ?? b.pod ?? ip,
    nameOrigin: pod && pod.owner ? 'predicted' : 'explicit',
    node: pod?.nodeName ?? b.node ?? nodeName,
    ip: { value: ip, origin: pod ? pod.podIPSource : 'explicit' },
    ready: pod?.ready ?? true,
    source: pod ? (podHop?.source ?? pod.source) : null,
  };
}

/** A Service port asked about without kube-proxy: headless or ExternalName. */
export interface DnsPathQuery {
  service: ServiceState;
  /** undefined: a Service without ports (an ExternalName Service needs none). */
  port: ServicePort | undefined;
}

/** Whether a Service is reached through DNS alone (no ClusterIP, so no kube-proxy rules). */
export function isDnsOnly(service: ServiceState): boolean {
  return service.service.type === 'ExternalName' || service.service.clusterIP === 'None';
}

/**
 * The path of a request to a headless or ExternalName Service: CoreDNS's answer (the
 * records the DNS reconciler predicts), then the pods the client connects to directly.
 */
export function dnsPath(state: TraceableState, query: DnsPathQuery): DnsPath {
  const { service, port } = query;
  const svc = service.service;
  const external = svc.type === 'ExternalName';
  const ref = { namespace: svc.metadata.namespace, name: svc.metadata.name };
  const records = state.dns.filter(
    (r) => r.service.namespace === ref.namespace && r.service.name === ref.name,
  );
  const main = records.find((r) => r.name === service.dns && r.type !== 'SRV');
  const pods: { pod: PodRef; port: number | null }[] = [];
  const notes: string[] = [];
  if (!external) {
    for (const slice of service.endpointSlices) {
      const slicePort = slice.ports.find(
        (p) => p.name === (port?.name ?? '') && p.protocol === (port?.protocol ?? 'TCP'),
      );
      for (const e of slice.endpoints) {
        const ip = e.addresses[0];
        if (ip === undefined || e.conditions.ready === false) continue;
        const pod =
          e.targetRef?.kind === 'Pod' ? podNamed(state, e.targetRef.namespace, e.targetRef.name) : undefined;
        const containerPort = pod?.containers
          .flatMap((c) => c.ports)
          .find((c) => c.containerPort === slicePort?.port && c.protocol === slicePort.protocol);
        pods.push({
          pod: {
            namespace: pod?.metadata.namespace ?? e.targetRef?.namespace ?? ref.namespace,
            name: pod?.metadata.name ?? e.targetRef?.name ?? ip,
            nameOrigin: pod && pod.owner ? 'predicted' : 'explicit',
            node: pod?.nodeName ?? e.nodeName ?? '',
            ip: { value: ip, origin: pod ? pod.podIPSource : 'explicit' },
            ready: pod?.ready ?? true,
            source: containerPort?.source ?? pod?.source ?? null,
          },
          port: slicePort?.port ?? null,
        });
      }
    }
    pods.sort((a, b) => compareText(a.pod.ip.value, b.pod.ip.value));
    notes.push(
      'A headless Service (clusterIP: None) gets no kube-proxy rules: the client picks one of the addresses DNS returns and connects to the pod directly.',
    );
  } else {
    notes.push(
      `An ExternalName Service is a DNS CNAME only: kube-proxy writes no rules, and ${svc.externalName || 'the external name'} is resolved and reached outside the cluster.`,
    );
  }
  const values = (main?.values ?? []).map((v): Valued => {
    const pod = pods.find((p) => p.pod.ip.value === v);
    return { value: v, origin: external ? 'explicit' : (pod?.pod.ip.origin ?? 'predicted') };
  });
  const reason = external
    ? svc.externalName === ''
      ? 'spec.externalName is empty: CoreDNS has no name to answer with'
      : ''
    : values.length === 0
      ? `${ref.namespace}/${ref.name} has no ready endpoints: CoreDNS answers the name with no address`
      : '';
  return {
    kind: external ? 'externalName' : 'headless',
    target: port ? `${service.dns}:${port.port}` : service.dns,
    service: {
      namespace: ref.namespace,
      name: ref.name,
      type: svc.type,
      dns: service.dns,
      port: port?.port ?? null,
      protocol: port?.protocol ?? 'TCP',
      targetPort: port ? String(port.targetPort) : '',
      source: service.source,
    },
    client: CLIENTS.clusterIP,
    dns: {
      name: service.dns,
      type: external ? 'CNAME' : 'A',
      values,
      also: records
        .filter((r) => r !== main)
        .map((r) => ({ name: r.name, type: r.type, value: r.values.join(', ') })),
      source: service.source,
    },
    pods,
    externalName: external ? svc.externalName : '',
    outcome: reason === '' ? 'reached' : 'no-route',
    reason,
    notes,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
