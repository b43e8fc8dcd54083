// Request-trace rendering for the output channel and the trace document, and the entry
// points offered for a Service port. Pure (no vscode).
import type { Analysis } from '../engine';
import type { Protocol, ServicePort, ServiceState, TraceHop } from '../engine/model';
import type { RequestOrigin, RequestTrace } from '../engine/trace/request';

/** A request to trace, in the terms of the engine's traceRequest (DESIGN.md `kubepath trace`). */
export interface TraceRequest {
  /** `http(s)://host[:port][/path]` | `IP:PORT` | `SERVICE[.NS][:PORT]`. */
  target: string;
  /** null: ask the user for a pod to send from. */
  from: RequestOrigin | null;
  node?: string;
  protocol?: Protocol;
}

export function originText(origin: RequestOrigin | null): string {
  if (!origin) return 'a pod';
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

export interface EntryPoint {
  label: string;
  description: string;
  request: TraceRequest;
  /** How the side panel names this entry (webview/protocol.ts EntryKind). */
  entry: 'internet' | 'nodePort' | 'clusterIP';
  /** The node the side panel should show (null = all). */
  node: string | null;
}

/** The ways into a Service port: via the LB, a NodePort, the ClusterIP from a node or a pod. */
export function entryPointsFor(analysis: Analysis, state: ServiceState, port: ServicePort): EntryPoint[] {
  const s = state.service;
  const ns = s.metadata.namespace;
  const protocol = port.protocol;
  const out: EntryPoint[] = [];
  const firstNode = analysis.profile.nodes[0];
  for (const ingress of state.loadBalancer?.ingress ?? []) {
    const host = ingress.ip ?? ingress.hostname;
    if (!host) continue;
    out.push({
      label: `$(globe) From the internet via the load balancer ${host}:${port.port}`,
      description: 'cloud LB → node → iptables → pod',
      request: { target: `${host}:${port.port}`, from: { kind: 'internet' }, protocol },
      entry: 'internet',
      node: null,
    });
  }
  if (port.nodePort && firstNode) {
    const ip = firstNode.ips[0] ?? '';
    out.push({
      label: `$(server) From outside to ${firstNode.name} ${ip}:${port.nodePort} (NodePort)`,
      description: 'node:nodePort → iptables → pod',
      request: {
        target: `${ip}:${port.nodePort}`,
        from: { kind: 'internet' },
        node: firstNode.name,
        protocol,
      },
      entry: 'nodePort',
      node: firstNode.name,
    });
  }
  if (s.clusterIP && s.clusterIP !== 'None') {
    out.push({
      label: `$(symbol-namespace) From a pod via ${s.metadata.name}.${ns}:${port.port} (ClusterIP ${s.clusterIP})`,
      description: 'DNS → ClusterIP → iptables on the pod’s node → pod',
      request: { target: `${s.metadata.name}.${ns}:${port.port}`, from: null, protocol },
      entry: 'clusterIP',
      node: null,
    });
    if (firstNode) {
      out.push({
        label: `$(vm) From node ${firstNode.name} to ${s.clusterIP}:${port.port} (ClusterIP)`,
        description: 'OUTPUT chain of the node → pod',
        request: {
          target: `${s.clusterIP}:${port.port}`,
          from: { kind: 'node', node: firstNode.name },
          node: firstNode.name,
          protocol,
        },
        entry: 'clusterIP',
        node: firstNode.name,
      });
    }
  }
  return out;
}

function percent(p: number): string {
  const v = p * 100;
  return `${Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)}%`;
}

function hopLine(hop: TraceHop): string {
  const places = [
    hop.line !== undefined ? `${hop.node ? `${hop.node} ` : ''}iptables:${hop.line}` : '',
    hop.source ? `${hop.source.file}:${hop.source.line}` : '',
  ].filter(Boolean);
  const where = places.length > 0 ? `  [${places.join(' ')}]` : '';
  const what =
    hop.kind === 'rule'
      ? (hop.rule ?? hop.name)
      : `${hop.name}${hop.detail && hop.kind !== 'chain' ? `  ${hop.detail}` : ''}`;
  return `${hop.kind.padEnd(12)} ${what}${where}`;
}

/** Plain text for the output channel and the trace document. */
export function renderTrace(trace: RequestTrace): string {
  const p = trace.packet;
  const packet = p ? ` (${p.protocol} ${p.sourceIP} → ${p.destinationIP}:${p.destinationPort})` : '';
  const reached = trace.branches.filter((b) => b.outcome === 'reached');
  const lines = [`Trace ${trace.target} from ${trace.from}${packet}: ${trace.outcome}`, '', 'Hops:'];
  for (const hop of trace.hops) lines.push(`  ${hopLine(hop)}`);
  lines.push('', `Branches (${trace.branches.length}, ${reached.length} reach a pod):`);
  trace.branches.forEach((b, i) => {
    const to = b.ip ? `${b.ip}:${b.port ?? '?'}` : 'no DNAT';
    const who = b.pod ? ` pod ${b.namespace ?? ''}/${b.pod}` : '';
    const flags = `${b.masquerade ? ' (source masqueraded)' : ''}${b.uncertain ? ' (uncertain)' : ''}`;
    lines.push(
      `  ${i + 1}. ${percent(b.probability)} via ${b.node ?? '-'} → ${to}${who}${flags}: ${b.outcome}`,
    );
    for (const hop of b.hops) lines.push(`       ${hopLine(hop)}`);
  });
  for (const note of trace.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
