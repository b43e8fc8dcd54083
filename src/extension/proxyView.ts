// The kube-proxy rules as the extension shows them: the engine's rules and chains queries
// (generated once per analysis, in the engine). No vscode.
import type { Analysis, IptablesRules } from '../engine';
import { engine } from './engine';
import type { ChainsFor } from './hoverText';

/** The node's iptables-save view (what the rules document shows). */
export function iptablesFor(analysis: Analysis, nodeName: string): IptablesRules {
  return engine().rules(analysis, nodeName, 'iptables-save');
}

/** Chain names for a Service port on the first node (the names are the same on every node). */
export function chainsForFirstNode(analysis: Analysis): ChainsFor {
  return (state, portIndex) => {
    const node = analysis.profile.nodes[0]?.name;
    if (!node) return {};
    const chains = engine().portChains(analysis, state, portIndex, node);
    return chains.length > 0 ? { [node]: [...chains] } : {};
  };
}
