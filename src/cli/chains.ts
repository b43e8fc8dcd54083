import type { Analysis } from '../engine';
import type { ServiceState } from '../engine/model';
import { kubeProxyNodeFor, serviceChainNames } from '../engine/proxy/iptables';

/** Chain names carrying each service port on every node, for `analyze --json`. */
export function chainsForJson(
  analysis: Analysis,
): (state: ServiceState, portIndex: number) => Record<string, string[]> {
  const input = {
    services: analysis.services.map((s) => s.service),
    endpointSlices: analysis.endpointSlices,
  };
  let perNode: Map<string, Map<string, string[]>> | null = null;
  return (state, portIndex) => {
    perNode ??= new Map(
      analysis.profile.nodes.map((n) => [
        n.name,
        serviceChainNames(input, kubeProxyNodeFor(analysis.profile, n.name)),
      ]),
    );
    const port = state.service.ports[portIndex];
    const out: Record<string, string[]> = {};
    if (!port) return out;
    const key = `${state.service.metadata.namespace}/${state.service.metadata.name}:${port.name}/${port.protocol}`;
    for (const [node, chains] of perNode) out[node] = chains.get(key) ?? [];
    return out;
  };
}
