// Pure: cluster state (+ a packet trace when one is available) → the side panel's snapshot.
// No vscode import, so it is unit-tested in node (test/unit/webview-snapshot.test.ts).
//
// Two ways to fill a node's path, one shape out (NodePath):
//  - `nodePathFromTrace` adapts the engine's PacketTrace (src/engine/trace) for one node;
//    the request tracer front door (DNS → LB → node → iptables → pod) plugs in through
//    `RequestTracer` and should be preferred whenever it is wired;
//  - `analysisNodePath` derives the same steps from the cluster state alone, the way
//    kube-proxy's iptables proxier writes them (KUBE-NODEPORTS/SERVICES → EXT → SVC/SVL → SEP,
//    equal probabilities, REJECT when there are no endpoints). It is the fallback until then.
import type {
  ClusterState,
  Endpoint,
  Pod,
  PacketTrace,
  ServicePort,
  ServiceState,
  SourceRange,
  TraceHop,
  TraceOutcome,
} from '../engine/model';
import type { RequestBranch, RequestTrace } from '../engine/trace/request';
import { engine } from './engine';
import type {
  EntryKind,
  EntryOption,
  NodePath,
  PathBranch,
  PathHop,
  PathOutcome,
  PodRef,
  PortSummary,
  RequestPath,
  Selection,
  ServiceSummary,
  Snapshot,
  SourceLocation,
  Valued,
} from '../../webview/protocol';

/** The analysed cluster of one workspace folder. */
export interface FolderAnalysis {
  /** Workspace folder name ('' when there is only one folder). */
  folder: string;
  state: ClusterState;
}

/** What a tracer is asked: one service port, one entry point, the nodes to show. */
export interface PathRequest {
  folder: string;
  state: ClusterState;
  service: ServiceState;
  port: ServicePort;
  entry: EntryKind;
  /** Nodes the request enters at (all nodes, or the one the user picked). */
  nodes: string[];
}

/**
 * The request tracer front door, injected by whoever wires the view. It may return
 * undefined (not available, or cannot trace this request): the analysis fallback is used.
 */
export type RequestTracer = (request: PathRequest) => RequestPath | undefined;

export interface SnapshotInput {
  folders: FolderAnalysis[];
  selection: Selection | null;
  status: string;
  tracer?: RequestTracer;
}

const ENTRY_LABELS: Record<EntryKind, string> = {
  internet: 'Internet via load balancer',
  nodePort: 'node:nodePort',
  clusterIP: 'ClusterIP from a pod',
};

export function serviceId(folder: string, service: ServiceState): string {
  return `${folder}|${service.service.metadata.namespace}/${service.service.metadata.name}`;
}

export function portKey(port: ServicePort): string {
  return `${port.protocol}/${port.port}`;
}

export function toLocation(range: SourceRange | null | undefined): SourceLocation | null {
  if (!range || range.file === '') return null;
  return {
    file: range.file,
    line: range.line,
    column: range.column,
    endLine: range.endLine,
    endColumn: range.endColumn,
  };
}

function summarize(folder: string, s: ServiceState): ServiceSummary {
  return {
    id: serviceId(folder, s),
    folder,
    namespace: s.service.metadata.namespace,
    name: s.service.metadata.name,
    type: s.service.type,
    ports: s.service.ports.map((p): PortSummary => ({
      key: portKey(p),
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      targetPort: String(p.targetPort),
      nodePort: p.nodePort,
    })),
  };
}

/** Which entry points make sense for a service (the dropdown shows the others disabled). */
export function entryOptions(service: ServiceState | undefined): EntryOption[] {
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

/** The entry a service is most naturally reached by. */
function defaultEntry(service: ServiceState): EntryKind {
  const options = entryOptions(service);
  return options.find((o) => o.available)?.entry ?? 'clusterIP';
}

export function buildSnapshot(input: SnapshotInput): Snapshot {
  const all = input.folders.flatMap((f) => f.state.services.map((s) => ({ folder: f, service: s })));
  const services = all.map(({ folder, service }) => summarize(folder.folder, service));
  const wanted = input.selection;
  const picked = all.find(({ folder, service }) => serviceId(folder.folder, service) === wanted?.serviceId);
  const firstFolder = input.folders[0];
  const folderState = picked?.folder ?? firstFolder;
  const nodes = (folderState?.state.profile.nodes ?? []).map((n) => ({ name: n.name, ip: n.ips[0] ?? '' }));
  if (!picked) {
    const selection: Selection = {
      serviceId: null,
      portKey: null,
      entry: wanted?.entry ?? 'internet',
      node: nodes.some((n) => n.name === wanted?.node) ? (wanted?.node ?? null) : null,
    };
    const empty =
      input.folders.length === 0
        ? {
            title: 'No Kubernetes YAML analysed yet',
            hint: 'Open a folder with Service and Deployment YAML, or open one of its files, and kubepath draws the path a request takes.',
          }
        : services.length === 0
          ? {
              title: 'No Services in this workspace',
              hint: 'Add a Service (kind: Service) whose selector matches a Deployment’s pod labels to see the request path.',
            }
          : {
              title: 'No Service selected',
              hint: 'Pick a Service above, or run “Kubepath: Trace Request” from a Service’s CodeLens.',
            };
    return {
      services,
      nodes,
      selection,
      entries: entryOptions(undefined),
      path: null,
      empty,
      status: input.status,
    };
  }
  const { folder, service } = picked;
  const port = service.service.ports.find((p) => portKey(p) === wanted?.portKey) ?? service.service.ports[0];
  const entries = entryOptions(service);
  const entryWanted = wanted?.entry;
  const entry = entries.find((e) => e.entry === entryWanted && e.available)
    ? (entryWanted ?? defaultEntry(service))
    : defaultEntry(service);
  const node = nodes.some((n) => n.name === wanted?.node) ? (wanted?.node ?? null) : null;
  const selection: Selection = {
    serviceId: serviceId(folder.folder, service),
    portKey: port ? portKey(port) : null,
    entry,
    node,
  };
  const base = { services, nodes, selection, entries, status: input.status };
  if (!port) {
    return {
      ...base,
      path: null,
      empty: {
        title: `${service.service.metadata.name} has no ports`,
        hint:
          service.service.type === 'ExternalName'
            ? `An ExternalName Service is only a DNS CNAME to ${service.service.externalName || '(empty)'}: no proxying happens.`
            : 'Add spec.ports to the Service: kube-proxy only writes rules for declared ports.',
      },
    };
  }
  if (!entries.find((e) => e.entry === entry)?.available) {
    return {
      ...base,
      path: null,
      empty: {
        title: `${service.service.metadata.name} is not proxied by kube-proxy`,
        hint:
          service.service.clusterIP === 'None'
            ? 'A headless Service has no ClusterIP: DNS returns the pod IPs directly.'
            : 'An ExternalName Service is only a DNS CNAME.',
      },
    };
  }
  const request: PathRequest = {
    folder: folder.folder,
    state: folder.state,
    service,
    port,
    entry,
    nodes: requestNodes(folder.state, service, entry, node),
  };
  const path = input.tracer?.(request) ?? analysisPath(request);
  return { ...base, path, empty: null };
}

function requestNodes(
  state: ClusterState,
  service: ServiceState,
  entry: EntryKind,
  node: string | null,
): string[] {
  const all =
    entry === 'internet' && service.loadBalancer && service.loadBalancer.nodes.length > 0
      ? service.loadBalancer.nodes
      : state.profile.nodes.map((n) => n.name);
  return node === null ? all : all.filter((n) => n === node);
}

// ---------------------------------------------------------------------------------------
// The analysis fallback.

interface ResolvedEndpoint {
  ip: string;
  port: number;
  endpoint: Endpoint;
  pod: Pod | undefined;
}

/** kube-proxy's view of the service port's endpoints: unique `ip:port`, sorted by that string. */
function endpointsFor(state: ClusterState, service: ServiceState, port: ServicePort): ResolvedEndpoint[] {
  const podsByIP = new Map(state.pods.filter((p) => p.podIP !== '').map((p) => [p.podIP, p]));
  const seen = new Map<string, ResolvedEndpoint>();
  for (const slice of service.endpointSlices) {
    if (slice.addressType !== 'IPv4') continue;
    const slicePort = slice.ports.find((p) => p.name === port.name && p.protocol === port.protocol);
    if (!slicePort || slicePort.port === null || slicePort.port === 0) continue;
    for (const endpoint of slice.endpoints) {
      const ip = endpoint.addresses[0];
      if (ip === undefined) continue;
      const key = `${ip}:${slicePort.port}`;
      if (seen.has(key)) continue;
      const ref = endpoint.targetRef;
      const pod =
        (ref &&
          state.pods.find((p) => p.metadata.namespace === ref.namespace && p.metadata.name === ref.name)) ??
        podsByIP.get(ip);
      seen.set(key, { ip, port: slicePort.port, endpoint, pod });
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
}

function isReady(e: ResolvedEndpoint): boolean {
  return e.endpoint.conditions.ready ?? true;
}
function isServingTerminating(e: ResolvedEndpoint): boolean {
  const serving = e.endpoint.conditions.serving ?? isReady(e);
  return serving && (e.endpoint.conditions.terminating ?? false);
}

/** CategorizeEndpoints without topology hints: ready endpoints, else serving-terminating ones. */
function usable(endpoints: ResolvedEndpoint[]): ResolvedEndpoint[] {
  const ready = endpoints.filter(isReady);
  return ready.length > 0 ? ready : endpoints.filter(isServingTerminating);
}

function podSource(pod: Pod, targetPort: number | string, protocol: string, port: number): SourceRange {
  for (const container of pod.containers) {
    for (const p of container.ports) {
      const hit =
        typeof targetPort === 'string'
          ? p.name === targetPort
          : p.containerPort === port && p.protocol === protocol;
      if (hit) return p.source;
    }
  }
  return pod.source;
}

function podRef(e: ResolvedEndpoint, port: ServicePort, node: string | null): PodRef {
  const pod = e.pod;
  return {
    namespace: pod?.metadata.namespace ?? e.endpoint.targetRef?.namespace ?? '',
    name: pod?.metadata.name ?? e.endpoint.targetRef?.name ?? e.ip,
    nameOrigin: pod && pod.owner ? 'predicted' : 'explicit',
    node: pod?.nodeName ?? e.endpoint.nodeName ?? node ?? '',
    ip: { value: e.ip, origin: pod ? pod.podIPSource : 'explicit' },
    ready: isReady(e),
    source: toLocation(pod ? podSource(pod, port.targetPort, port.protocol, e.port) : null),
  };
}

function hop(
  kind: PathHop['kind'],
  name: string,
  detail: string,
  source: SourceLocation | null,
  extra: Partial<PathHop> = {},
): PathHop {
  return { kind, name, detail, source, ...extra };
}

/** The path a request takes on one node, derived from the cluster state the way kube-proxy writes iptables rules. */
export function analysisNodePath(request: PathRequest, nodeName: string): NodePath {
  const { state, service, port, entry } = request;
  const svc = service.service;
  const meta = svc.metadata;
  const source = toLocation(service.source);
  const node = state.profile.nodes.find((n) => n.name === nodeName);
  const nodeIP = node?.ips[0] ?? '';
  const svcPortName =
    port.name === '' ? `${meta.namespace}/${meta.name}` : `${meta.namespace}/${meta.name}:${port.name}`;
  const protocol = port.protocol.toLowerCase();
  const chains = engine().servicePortChainNames(svcPortName, protocol);
  const external = entry !== 'clusterIP';
  const local = external ? svc.externalTrafficPolicy === 'Local' : svc.internalTrafficPolicy === 'Local';
  const entryAddress = external ? `${nodeIP}:${port.nodePort}` : `${svc.clusterIP}:${port.port}`;
  const all = endpointsFor(state, service, port);
  const clusterEndpoints = usable(all);
  const chosen = local
    ? usable(all.filter((e) => (e.pod?.nodeName ?? e.endpoint.nodeName) === nodeName))
    : clusterEndpoints;

  const hops: PathHop[] = [];
  if (external) {
    hops.push(
      hop(
        'chain',
        'KUBE-SERVICES',
        'nat PREROUTING → KUBE-SERVICES: no ClusterIP match, last rule jumps to KUBE-NODEPORTS',
        source,
        { table: 'nat' },
      ),
      hop('chain', 'KUBE-NODEPORTS', `--dport ${port.nodePort} → ${chains.external}`, source, {
        table: 'nat',
        rule: `-p ${protocol} -m comment --comment "${svcPortName}" -m ${protocol} --dport ${port.nodePort} -j ${chains.external}`,
      }),
    );
  } else {
    hops.push(
      hop(
        'chain',
        'KUBE-SERVICES',
        `-d ${svc.clusterIP}/32 --dport ${port.port} → ${local ? chains.local : chains.cluster}`,
        source,
        {
          table: 'nat',
          rule: `-d ${svc.clusterIP}/32 -p ${protocol} -m comment --comment "${svcPortName} cluster IP" -m ${protocol} --dport ${port.port} -j ${local ? chains.local : chains.cluster}`,
        },
      ),
    );
  }

  const reject = (reason: string, verdict: 'REJECT' | 'DROP', chain: string, table: string): NodePath => ({
    node: nodeName,
    ip: nodeIP,
    entry: entryAddress,
    hops: [
      ...(verdict === 'REJECT'
        ? [hop('chain', chain, `${table} table: ${reason}`, source, { table })]
        : hops),
    ],
    branches: [
      {
        probability: 1,
        outcome: verdict === 'REJECT' ? 'rejected' : 'dropped',
        verdict,
        reason,
        ip: null,
        port: null,
        masquerade: false,
        hops: [hop(verdict === 'REJECT' ? 'reject' : 'drop', verdict, reason, source, { table })],
        pod: null,
      },
    ],
    outcome: verdict === 'REJECT' ? 'rejected' : 'dropped',
  });

  // kube-proxy rejects in the filter table when a service port has no usable endpoints at all.
  if (clusterEndpoints.length === 0) {
    return reject(
      `${svcPortName} has no endpoints`,
      'REJECT',
      external ? 'KUBE-EXTERNAL-SERVICES' : 'KUBE-SERVICES',
      'filter',
    );
  }
  if (external) {
    hops.push(
      hop(
        'chain',
        chains.external,
        local
          ? `externalTrafficPolicy: Local → ${chains.local}`
          : `mark for masquerade (KUBE-MARK-MASQ), then → ${chains.cluster}`,
        source,
        { table: 'nat' },
      ),
    );
  }
  const spread = local ? chains.local : chains.cluster;
  if (chosen.length === 0) {
    hops.push(hop('chain', spread, `${svcPortName} has no local endpoints`, source, { table: 'nat' }));
    return { ...reject(`${svcPortName} has no local endpoints on ${nodeName}`, 'DROP', spread, 'nat'), hops };
  }
  hops.push(
    hop(
      'chain',
      spread,
      `${chosen.length} endpoint${chosen.length === 1 ? '' : 's'}, chosen with -m statistic --mode random`,
      source,
      {
        table: 'nat',
      },
    ),
  );
  const branches: PathBranch[] = chosen.map((e, i) => {
    const sep = engine().endpointChainName(svcPortName, protocol, `${e.ip}:${e.port}`);
    const remaining = chosen.length - i;
    const statistic =
      remaining > 1 ? `-m statistic --mode random --probability ${(1 / remaining).toFixed(10)} ` : '';
    return {
      probability: 1 / chosen.length,
      outcome: 'reached',
      verdict: 'DNAT',
      reason: '',
      ip: e.ip,
      port: e.port,
      masquerade: external && !local,
      hops: [
        hop('chain', sep, `DNAT to ${e.ip}:${e.port}`, source, {
          table: 'nat',
          chain: spread,
          rule: `-m comment --comment "${svcPortName} -> ${e.ip}:${e.port}" ${statistic}-j ${sep}`,
        }),
        hop('dnat', 'DNAT', `--to-destination ${e.ip}:${e.port}`, source, {
          table: 'nat',
          chain: sep,
          rule: `-p ${protocol} -m comment --comment "${svcPortName}" -m ${protocol} -j DNAT --to-destination ${e.ip}:${e.port}`,
        }),
      ],
      pod: podRef(e, port, nodeName),
    };
  });
  return { node: nodeName, ip: nodeIP, entry: entryAddress, hops, branches, outcome: 'reached' };
}

function overall(nodes: NodePath[]): PathOutcome {
  if (nodes.length === 0) return 'no-route';
  if (nodes.some((n) => n.outcome === 'reached')) return 'reached';
  return nodes[0]?.outcome ?? 'no-route';
}

function clusterIPValue(service: ServiceState): Valued {
  return { value: service.service.clusterIP, origin: service.clusterIPSource };
}

/** The whole request path from the cluster state alone (the fallback until the tracer front door is wired). */
export function analysisPath(request: PathRequest): RequestPath {
  const { service, port, entry } = request;
  const svc = service.service;
  const source = toLocation(service.source);
  const portIndex = svc.ports.indexOf(port);
  const nodePort: Valued | null =
    port.nodePort === 0
      ? null
      : { value: String(port.nodePort), origin: service.nodePortSources[portIndex] ?? 'predicted' };
  const notes: string[] = [];
  if (svc.sessionAffinity === 'ClientIP') {
    notes.push(
      `sessionAffinity: ClientIP — later connections from the same client stick to the first pod for ${svc.sessionAffinityTimeoutSeconds}s.`,
    );
  }
  notes.push('Derived from the analysed cluster state (kube-proxy iptables mode).');

  let client = { label: 'client', detail: '' };
  let dns: RequestPath['dns'] = null;
  let loadBalancer: RequestPath['loadBalancer'] = null;
  let target = `${service.dns}:${port.port}`;
  if (entry === 'internet') {
    const lb = service.loadBalancer;
    const ingress = lb?.ingress[0];
    const address = ingress?.ip ?? ingress?.hostname ?? '';
    client = { label: 'Internet client', detail: 'A client outside the cluster' };
    if (ingress?.hostname) {
      dns = {
        name: ingress.hostname,
        answer: { value: 'load balancer addresses', origin: lb?.ingressSource ?? 'predicted' },
        detail: 'The DNS name the cloud provider gives the load balancer',
        source,
      };
    }
    loadBalancer = {
      address: { value: address, origin: lb?.ingressSource ?? 'predicted' },
      port: port.port,
      detail: `Cloud load balancer → the nodes' NodePort ${port.nodePort}`,
      pending: address === '' ? lb?.pendingReason || 'load balancer pending: no ingress address' : '',
      source,
    };
    target = `${address || svc.metadata.name}:${port.port}`;
    if (loadBalancer.pending !== '') {
      return {
        basis: 'analysis',
        target,
        entry,
        service: serviceInfo(service, port, nodePort, source),
        client,
        dns,
        loadBalancer,
        nodes: [],
        outcome: 'no-route',
        notes,
      };
    }
  } else if (entry === 'nodePort') {
    client = { label: 'client', detail: 'A client that can reach the node addresses' };
    target = `node:${port.nodePort}`;
  } else {
    client = { label: 'pod', detail: 'A pod in the cluster (the node it runs on is chosen below)' };
    dns = {
      name: service.dns,
      answer: clusterIPValue(service),
      detail: 'CoreDNS answers with the ClusterIP',
      source,
    };
  }
  const nodes = request.nodes.map((n) => analysisNodePath(request, n));
  return {
    basis: 'analysis',
    target,
    entry,
    service: serviceInfo(service, port, nodePort, source),
    client,
    dns,
    loadBalancer,
    nodes,
    outcome: overall(nodes),
    notes,
  };
}

function serviceInfo(
  service: ServiceState,
  port: ServicePort,
  nodePort: Valued | null,
  source: SourceLocation | null,
): RequestPath['service'] {
  const svc = service.service;
  return {
    namespace: svc.metadata.namespace,
    name: svc.metadata.name,
    type: svc.type,
    clusterIP: clusterIPValue(service),
    dns: service.dns,
    port: port.port,
    protocol: port.protocol,
    targetPort: String(port.targetPort),
    nodePort,
    source,
  };
}

// ---------------------------------------------------------------------------------------
// The engine's packet trace for one node → NodePath (used by a RequestTracer).

const HOP_KINDS = new Set<PathHop['kind']>(['chain', 'rule', 'dnat', 'drop', 'reject', 'unsupported']);

function pathHop(h: TraceHop): PathHop | null {
  if (!HOP_KINDS.has(h.kind as PathHop['kind'])) return null;
  const out: PathHop = {
    kind: h.kind as PathHop['kind'],
    name: h.name,
    detail: h.detail,
    source: toLocation(h.source),
  };
  if (h.table !== undefined) out.table = h.table;
  if (h.chain !== undefined) out.chain = h.chain;
  if (h.rule !== undefined) out.rule = h.rule;
  return out;
}

function outcomeOf(o: TraceOutcome): PathOutcome {
  return o;
}

/**
 * Adapts the engine's trace of one node (shared hops + probabilistic branches) to the panel's
 * NodePath; `podAt` finds the pod behind a DNAT target.
 */
export function nodePathFromTrace(
  node: { name: string; ip: string },
  entry: string,
  trace: PacketTrace,
  podAt: (ip: string, port: number | null) => PodRef | null,
): NodePath {
  const branches = trace.branches.map((b): PathBranch => {
    const hops = b.hops.map(pathHop).filter((h): h is PathHop => h !== null);
    const last = [...b.hops].reverse().find((h) => h.kind === 'reject' || h.kind === 'drop');
    return {
      probability: b.probability,
      outcome: outcomeOf(b.outcome),
      verdict: b.verdict,
      reason: b.outcome === 'reached' ? '' : (last?.detail ?? b.verdict),
      ip: b.ip,
      port: b.port,
      masquerade: b.masquerade,
      hops,
      pod: b.ip === null ? null : podAt(b.ip, b.port),
    };
  });
  return {
    node: node.name,
    ip: node.ip,
    entry,
    hops: trace.hops.map(pathHop).filter((h): h is PathHop => h !== null),
    branches,
    outcome: outcomeOf(trace.outcome),
  };
}

// ---------------------------------------------------------------------------------------
// The engine's request tracer (src/engine/trace/request.ts) as a RequestTracer.

function hopKey(h: TraceHop): string {
  return `${h.kind}\u0000${h.name}\u0000${h.chain ?? ''}\u0000${h.rule ?? ''}`;
}

/** kube-proxy's picture of one node from the traced branches that entered it. */
function nodePathFromBranches(
  state: ClusterState,
  port: ServicePort,
  nodeName: string,
  entry: string,
  branches: RequestBranch[],
): NodePath {
  const node = state.profile.nodes.find((n) => n.name === nodeName);
  // Each traced branch repeats the hops before the random split: keep the common prefix once.
  const lists = branches.map((b) => b.hops.filter((h) => h.kind !== 'node'));
  let shared = 0;
  const first = lists[0] ?? [];
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
  const convert = (hops: TraceHop[]): PathHop[] => hops.map(pathHop).filter((h): h is PathHop => h !== null);
  const pathBranches = branches.map((b, i): PathBranch => {
    const own = (lists[i] ?? []).slice(shared);
    const stop = [...(lists[i] ?? [])].reverse().find((h) => h.kind === 'reject' || h.kind === 'drop');
    const pod =
      b.pod === null
        ? undefined
        : state.pods.find((p) => p.metadata.name === b.pod && p.metadata.namespace === b.namespace);
    return {
      probability: b.probability / total,
      outcome: b.outcome,
      verdict: b.outcome === 'reached' ? 'DNAT' : (stop?.name ?? b.outcome),
      reason: b.outcome === 'reached' ? '' : (stop?.detail ?? b.outcome),
      ip: b.ip,
      port: b.port,
      masquerade: b.masquerade,
      hops: convert(own),
      pod:
        b.ip === null
          ? null
          : {
              namespace: pod?.metadata.namespace ?? b.namespace ?? '',
              name: pod?.metadata.name ?? b.pod ?? b.ip,
              nameOrigin: pod && pod.owner ? 'predicted' : 'explicit',
              node: pod?.nodeName ?? b.node ?? nodeName,
              ip: { value: b.ip, origin: pod ? pod.podIPSource : 'explicit' },
              ready: pod?.ready ?? true,
              source: toLocation(pod ? podSource(pod, port.targetPort, port.protocol, b.port ?? 0) : null),
            },
    };
  });
  const outcomes = pathBranches.map((b) => b.outcome);
  const order: PathOutcome[] = ['reached', 'accepted', 'rejected', 'dropped', 'no-route'];
  return {
    node: nodeName,
    ip: node?.ips[0] ?? '',
    entry,
    hops: convert(first.slice(0, shared)),
    branches: pathBranches,
    outcome: order.find((o) => outcomes.includes(o)) ?? 'no-route',
  };
}

/** Above this many Services the engine tracer runs over the selected Service's rules only. */
const SCOPE_THRESHOLD = 50;

const traceCache = new WeakMap<ClusterState, Map<string, RequestPath | undefined>>();

/**
 * Runs the engine's packet tracer over the predicted iptables rules of each node the request
 * enters; DNS, load balancer and labels come from the analysis path so both bases draw alike.
 * Results are cached per analysed state (a re-sent snapshot costs nothing). Returns undefined
 * (→ analysis fallback) when the tracer cannot handle the request.
 */
export const engineTracer: RequestTracer = (request) => {
  const { state, service, port, entry } = request;
  const key = JSON.stringify([serviceId(request.folder, service), portKey(port), entry, request.nodes]);
  let cache = traceCache.get(state);
  if (!cache) {
    cache = new Map();
    traceCache.set(state, cache);
  }
  if (cache.has(key)) return cache.get(key);
  let result: RequestPath | undefined;
  try {
    result = traceWithEngine(request);
  } catch {
    // A target the tracer refuses (TraceTargetError) or a bug there: the fallback still draws.
    result = undefined;
  }
  cache.set(key, result);
  return result;
};

function traceWithEngine(request: PathRequest): RequestPath | undefined {
  const { state, service, port, entry } = request;
  const base = analysisPath(request);
  if (entry === 'internet' && (base.loadBalancer?.pending ?? '') !== '') return base;
  const protocol = port.protocol;
  // The tracer generates every node's full rule set per call: seconds for hundreds of Services.
  // A Service's path only depends on its own rules, so large clusters are traced over this
  // Service alone (what differs: rule order in KUBE-SERVICES and, past 1000 endpoints,
  // kube-proxy's large-cluster rule comments; neither changes hops, DNAT targets or odds).
  const scoped: ClusterState =
    state.services.length > SCOPE_THRESHOLD
      ? {
          ...state,
          services: [service],
          endpointSlices: state.endpointSlices.filter(
            (slice) =>
              slice.metadata.namespace === service.service.metadata.namespace &&
              slice.serviceName === service.service.metadata.name,
          ),
        }
      : state;
  const nodeIP = (name: string): string => state.profile.nodes.find((n) => n.name === name)?.ips[0] ?? '';
  const groups = new Map<string, RequestBranch[]>();
  // An internet trace fans out over the LB's nodes (a node hop starts each branch); the
  // per-node traces below carry their node in the shared hops instead.
  const add = (trace: RequestTrace, calledFor?: string): void => {
    for (const b of trace.branches) {
      const nodeHop = b.hops.find((h) => h.kind === 'node');
      const node = calledFor ?? nodeHop?.node ?? '';
      if (!request.nodes.includes(node)) continue;
      const list = groups.get(node) ?? [];
      list.push(b);
      groups.set(node, list);
    }
  };
  if (entry === 'internet') {
    const address = service.loadBalancer?.ingress.find((i) => i.ip)?.ip;
    if (!address) return undefined;
    add(engine().traceRequest(scoped, `${address}:${port.port}`, { from: { kind: 'internet' }, protocol }));
  } else {
    for (const node of request.nodes) {
      add(
        entry === 'nodePort'
          ? engine().traceRequest(scoped, `${nodeIP(node)}:${port.nodePort}`, {
              from: { kind: 'internet' },
              protocol,
            })
          : engine().traceRequest(scoped, `${service.service.clusterIP}:${port.port}`, { node, protocol }),
        node,
      );
    }
  }
  const nodes = request.nodes.flatMap((node) => {
    const branches = groups.get(node);
    if (!branches || branches.length === 0) return [];
    const entryAddress = base.nodes.find((n) => n.node === node)?.entry ?? nodeIP(node);
    return [nodePathFromBranches(state, port, node, entryAddress, branches)];
  });
  if (nodes.length === 0) return undefined;
  return {
    ...base,
    basis: 'trace',
    nodes,
    outcome: overall(nodes),
    notes: base.notes.map((n) =>
      n.startsWith('Derived from')
        ? `Traced through the predicted iptables rules of each node (kube-proxy iptables mode)${scoped === state ? '' : `, over this Service's rules only (${state.services.length - 1} other Services left out for speed)`}.`
        : n,
    ),
  };
}
