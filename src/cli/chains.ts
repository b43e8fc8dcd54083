import type { Analysis } from '../engine';
import { portChains } from '../engine';
import type { ServiceState } from '../engine/model';

/** Chain names per node for `analyze --json`: the KUBE-* chains that carry each service port. */
export function chainsForJson(
  analysis: Analysis,
): ((state: ServiceState, portIndex: number) => Record<string, string[]>) | undefined {
  if (analysis.profile.kubeProxy.mode !== 'iptables') return undefined;
  return (state, portIndex) => {
    const out: Record<string, string[]> = {};
    if (!state.service.ports[portIndex]) return out;
    for (const n of analysis.profile.nodes) out[n.name] = [...portChains(analysis, state, portIndex, n.name)];
    return out;
  };
}
