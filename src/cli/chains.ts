import type { Analysis } from '../engine';
import { portChains } from '../engine';
import type { ServiceState } from '../engine/model';

/** Chain names per node for `analyze --json`: the KUBE-* chains that carry each service port. */
export function chainsForJson(
  analysis: Analysis,
): ((state: ServiceState, portIndex: number) => Record<string, string[]>) | undefined {
  if (analysis.profile.kubeProxy.mode !== 'iptables') return undefined;
  return (state, portIndex) => {
    if (!state.service.ports[portIndex]) return {};
    // fromEntries: a node name is an own key whatever it is (`__proto__` would be dropped by assignment).
    return Object.fromEntries(
      analysis.profile.nodes.map((n) => [n.name, [...portChains(analysis, state, portIndex, n.name)]]),
    );
  };
}
