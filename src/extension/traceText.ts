// Request-trace rendering for the output channel and the trace document, and the entry
// points offered for a Service port. Pure (no vscode).
import type { Analysis } from '../engine';
import type { ServicePort, ServiceState, TraceBranch, TraceHop, TraceOutcome } from '../engine/model';

/** A request to trace, in the CLI's terms (DESIGN.md `kubepath trace`). */
export interface TraceRequest {
  /** `http(s)://host[:port][/path]` | `IP:PORT` | `SERVICE[.NS][:PORT]`. */
  target: string;
  /** `internet` | `node:NAME` | `pod:NS/NAME` | `ip:ADDR`. */
  from: string;
  node?: string;
  protocol?: string;
}

/** The `trace --json` shape (DESIGN.md), which the engine's request tracer returns. */
export interface RequestTrace {
  target: string;
  from: string;
  hops: TraceHop[];
  branches: TraceBranch[];
  outcome: TraceOutcome;
  uncertain?: boolean;
}

export interface EntryPoint {
  label: string;
  description: string;
  request: TraceRequest;
  /** Ask for a pod to send from. */
  needsPod?: boolean;
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
      request: { target: `${host}:${port.port}`, from: 'internet', protocol },
    });
  }
  if (port.nodePort && firstNode) {
    const ip = firstNode.ips[0] ?? '';
    out.push({
      label: `$(server) From outside to ${firstNode.name} ${ip}:${port.nodePort} (NodePort)`,
      description: 'node:nodePort → iptables → pod',
      request: { target: `${ip}:${port.nodePort}`, from: 'internet', node: firstNode.name, protocol },
    });
  }
  if (s.clusterIP && s.clusterIP !== 'None') {
    out.push({
      label: `$(symbol-namespace) From a pod via ${s.metadata.name}.${ns}:${port.port} (ClusterIP ${s.clusterIP})`,
      description: 'DNS → ClusterIP → iptables on the pod’s node → pod',
      request: { target: `${s.metadata.name}.${ns}:${port.port}`, from: 'pod', protocol },
      needsPod: true,
    });
    if (firstNode) {
      out.push({
        label: `$(vm) From node ${firstNode.name} to ${s.clusterIP}:${port.port} (ClusterIP)`,
        description: 'OUTPUT chain of the node → pod',
        request: {
          target: `${s.clusterIP}:${port.port}`,
          from: `node:${firstNode.name}`,
          node: firstNode.name,
          protocol,
        },
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
  const where = hop.node ? ` [${hop.node}]` : '';
  const chain = hop.chain ? `${hop.table ? `${hop.table}/` : ''}${hop.chain}: ` : '';
  const detail = hop.rule ? `-A ${hop.chain ?? ''} ${hop.rule}`.trim() : hop.detail;
  return `${hop.kind.padEnd(12)} ${chain}${hop.kind === 'rule' ? detail : `${hop.name}${hop.detail ? ` — ${hop.detail}` : ''}`}${where}`;
}

/** Plain text for the output channel and the trace document. */
export function renderTrace(analysis: Analysis, trace: RequestTrace): string {
  const podByIP = new Map(analysis.pods.map((p) => [p.podIP, p]));
  const lines = [
    `Trace ${trace.target} from ${trace.from}: ${trace.outcome}${trace.uncertain ? ' (uncertain)' : ''}`,
    '',
  ];
  lines.push('Hops:');
  for (const hop of trace.hops) lines.push(`  ${hopLine(hop)}`);
  lines.push('', `Branches (${trace.branches.length}):`);
  trace.branches.forEach((b, i) => {
    const pod = b.ip ? podByIP.get(b.ip) : undefined;
    const to = b.ip ? `${b.ip}:${b.port ?? '?'}` : 'no DNAT';
    const who = pod ? ` pod ${pod.metadata.namespace}/${pod.metadata.name} on ${pod.nodeName}` : '';
    lines.push(
      `  ${i + 1}. ${percent(b.probability)} → ${to}${who}${b.masquerade ? ' (masqueraded)' : ''}: ${b.outcome}`,
    );
    for (const hop of b.hops) lines.push(`       ${hopLine(hop)}`);
  });
  return `${lines.join('\n')}\n`;
}
