// The `analyze --json` contract (DESIGN.md, schemaVersion 1).
import type {
  ClusterState,
  Diagnostic,
  LoadBalancerIngress,
  ServiceState,
  SourceRange,
  ValueSource,
} from '../model';

export interface SourceJson {
  file: string;
  line: number;
  column: number;
}

export interface EndpointJson {
  pod: string | null;
  namespace: string;
  ip: string;
  node: string | null;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  ports: { name: string; port: number | null; protocol: string }[];
}

export interface ServicePortJson {
  name: string;
  protocol: string;
  port: number;
  targetPort: number | string;
  nodePort: number | null;
  nodePortSource: ValueSource | null;
  chains?: Record<string, string[]>;
}

export interface ServiceJson {
  namespace: string;
  name: string;
  type: string;
  clusterIP: string | null;
  clusterIPSource: ValueSource | null;
  /** Every cluster IP, primary first: only on a Service that is not IPv4 single-stack. */
  clusterIPs?: string[];
  /** spec.ipFamilies: only on a Service that is not IPv4 single-stack. */
  ipFamilies?: string[];
  dns: string;
  externalName?: string;
  externalTrafficPolicy: string | null;
  internalTrafficPolicy: string;
  sessionAffinity: string;
  healthCheckNodePort: number | null;
  selector: Record<string, string> | null;
  ports: ServicePortJson[];
  loadBalancer: { ingress: LoadBalancerIngress[]; nodes: string[]; pending?: string } | null;
  endpoints: EndpointJson[];
  source: SourceJson;
}

export interface DiagnosticJson {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
}

export interface AnalyzeJson {
  schemaVersion: 1;
  cluster: { serviceCIDR: string; nodes: { name: string; ip: string }[] };
  services: ServiceJson[];
  workloads: {
    kind: string;
    namespace: string;
    name: string;
    /** `ips`: every address of a dual-stack pod, primary first (absent: just `ip`). */
    pods: { name: string; ip: string; ips?: string[]; node: string }[];
    source: SourceJson;
  }[];
  diagnostics: DiagnosticJson[];
}

export interface AnalyzeJsonOptions {
  /** Chain names carrying a service port on each node (kube-proxy), when available. */
  chainsFor?: (state: ServiceState, portIndex: number) => Record<string, string[]>;
}

export function sourceJson(range: SourceRange): SourceJson {
  return { file: range.file, line: range.line, column: range.column };
}

export function diagnosticJson(d: Diagnostic): DiagnosticJson {
  return {
    file: d.range.file,
    line: d.range.line,
    column: d.range.column,
    endLine: d.range.endLine,
    endColumn: d.range.endColumn,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

export function endpointsOf(state: ServiceState): EndpointJson[] {
  return endpointList(state, null);
}

/** The endpoints of one Service port: those of the slices that carry a port of its name and protocol. */
export function endpointsOfPort(
  state: ServiceState,
  port: { name: string; protocol: string },
): (EndpointJson & { port: number | null })[] {
  return endpointList(state, port);
}

function endpointList(state: ServiceState, port: null): EndpointJson[];
function endpointList(
  state: ServiceState,
  port: { name: string; protocol: string },
): (EndpointJson & { port: number | null })[];
function endpointList(
  state: ServiceState,
  port: { name: string; protocol: string } | null,
): (EndpointJson & { port?: number | null })[] {
  const out: (EndpointJson & { port?: number | null })[] = [];
  for (const slice of state.endpointSlices) {
    const slicePort = port && slice.ports.find((p) => p.name === port.name && p.protocol === port.protocol);
    if (port && !slicePort) continue;
    for (const e of slice.endpoints) {
      const ready = e.conditions.ready ?? true;
      for (const ip of e.addresses) {
        out.push({
          pod: e.targetRef?.kind === 'Pod' ? e.targetRef.name : null,
          namespace: e.targetRef?.namespace ?? slice.metadata.namespace,
          ip,
          node: e.nodeName,
          ready,
          serving: e.conditions.serving ?? ready,
          terminating: e.conditions.terminating ?? false,
          ports: slice.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
          ...(slicePort ? { port: slicePort.port } : {}),
        });
      }
    }
  }
  return out.sort((a, b) => (a.pod ?? a.ip).localeCompare(b.pod ?? b.ip));
}

export function toAnalyzeJson(state: ClusterState, options: AnalyzeJsonOptions = {}): AnalyzeJson {
  return {
    schemaVersion: 1,
    cluster: {
      serviceCIDR: state.profile.serviceCIDR,
      nodes: state.profile.nodes.map((n) => ({ name: n.name, ip: n.ips[0] ?? '' })),
    },
    services: state.services.map((s) => serviceJson(s, options)),
    workloads: state.workloads.map((w) => ({
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      pods: w.pods.map((p) => ({
        name: p.metadata.name,
        ip: p.podIP,
        ...(p.podIPs && p.podIPs.length > 1 ? { ips: [...p.podIPs] } : {}),
        node: p.nodeName,
      })),
      source: sourceJson(w.source),
    })),
    diagnostics: state.diagnostics.map(diagnosticJson),
  };
}

function serviceJson(state: ServiceState, options: AnalyzeJsonOptions): ServiceJson {
  const s = state.service;
  const external = s.type === 'NodePort' || s.type === 'LoadBalancer';
  return {
    namespace: s.metadata.namespace,
    name: s.metadata.name,
    type: s.type,
    clusterIP: s.type === 'ExternalName' ? null : s.clusterIP,
    clusterIPSource: s.type === 'ExternalName' ? null : state.clusterIPSource,
    // IPv6 and dual-stack Services (IPv4 single-stack ones keep the schema's original shape).
    ...(s.type !== 'ExternalName' &&
    s.ipFamilies.length > 0 &&
    !(s.ipFamilies.length === 1 && s.ipFamilies[0] === 'IPv4')
      ? { clusterIPs: [...s.clusterIPs], ipFamilies: [...s.ipFamilies] }
      : {}),
    dns: state.dns,
    ...(s.type === 'ExternalName' ? { externalName: s.externalName } : {}),
    externalTrafficPolicy: external ? s.externalTrafficPolicy : null,
    internalTrafficPolicy: s.internalTrafficPolicy,
    sessionAffinity: s.sessionAffinity,
    healthCheckNodePort: s.healthCheckNodePort === 0 ? null : s.healthCheckNodePort,
    selector: s.selector,
    ports: s.ports.map((p, i) => ({
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort,
      nodePort: p.nodePort === 0 ? null : p.nodePort,
      nodePortSource: p.nodePort === 0 ? null : (state.nodePortSources[i] ?? null),
      ...(options.chainsFor ? { chains: options.chainsFor(state, i) } : {}),
    })),
    loadBalancer: state.loadBalancer
      ? {
          ingress: state.loadBalancer.ingress.map((i) =>
            i.ip ? { ip: i.ip } : { hostname: i.hostname ?? '' },
          ),
          nodes: state.loadBalancer.nodes,
          ...(state.loadBalancer.pendingReason ? { pending: state.loadBalancer.pendingReason } : {}),
        }
      : null,
    endpoints: endpointsOf(state),
    source: sourceJson(state.source),
  };
}
