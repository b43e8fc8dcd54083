// Request-trace rendering for the output channel and the trace document, and the entry
// points offered for a Service port. Pure (no vscode).
import type { Analysis } from '../engine';
import type { Protocol, ServicePort, ServiceState } from '../engine/model';
import type { RequestOrigin } from '../engine/trace/request';
import { engine } from './engineLoader';

/** A request to trace, in the terms of the engine's traceRequest (DESIGN.md `kubepath trace`). */
export interface TraceRequest {
  /** `http(s)://host[:port][/path]` | `IP:PORT` | `SERVICE[.NS][:PORT]`. */
  target: string;
  /** null: ask the user for a pod to send from. */
  from: RequestOrigin | null;
  node?: string;
  protocol?: Protocol;
  /** HTTP(S) targets: the method (default GET), headers in order, the Gateway to send to (`ns/name`). */
  method?: string;
  headers?: [string, string][];
  gateway?: string;
}

export function originText(origin: RequestOrigin | null): string {
  return origin ? engine().originText(origin) : 'a pod';
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
