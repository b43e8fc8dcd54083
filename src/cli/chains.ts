import type { Analysis } from '../engine';
import type { ServiceState } from '../engine/model';
import { kubeProxyNodeFor, proxyInputFromState, serviceChainNames } from '../engine/proxy/iptables';

/** Chain names per node for `analyze --json`: the KUBE-* chains that carry each service port. */
export function chainsForJson(
  analysis: Analysis,
): ((state: ServiceState, portIndex: number) => Record<string, string[]>) | undefined {
  if (analysis.profile.kubeProxy.mode !== 'iptables') return undefined;
  const input = proxyInputFromState(analysis);
  const byNode = analysis.profile.nodes.map((n) => ({
    node: n.name,
    chains: serviceChainNames(input, kubeProxyNodeFor(analysis.profile, n.name)),
  }));
  return (state, portIndex) => {
    const port = state.service.ports[portIndex];
    const out: Record<string, string[]> = {};
    if (!port) return out;
    const key = `${state.service.metadata.namespace}/${state.service.metadata.name}:${port.name}/${port.protocol}`;
    for (const { node, chains } of byNode) out[node] = chains.get(key) ?? [];
    return out;
  };
}
