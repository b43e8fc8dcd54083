// The kube-proxy rules as the extension shows them: the engine's rules and chains queries
// (generated once per analysis, in the engine). No vscode.
import type { Analysis, IptablesRules, NftablesRules } from '../engine';
import type { ProxyMode } from '../engine/model';
import { engine } from './engineLoader';
import type { ChainsFor } from './hoverText';

/** The node's iptables-save view (what the rules document shows). */
export function iptablesFor(analysis: Analysis, nodeName: string): IptablesRules {
  return engine().rules(analysis, nodeName, 'iptables-save');
}

/** The node's `nft list table ip kube-proxy` view (nftables mode). */
export function nftablesFor(analysis: Analysis, nodeName: string): NftablesRules {
  return engine().nftablesRules(analysis, nodeName, 'list');
}

/**
 * Chain names for a Service port on the first node (the names are the same on every node),
 * in the kube-proxy mode the cluster runs: KUBE-SVC-… in iptables mode, service-…/endpoint-…
 * in nftables mode; none in a mode not modelled (ipvs).
 */
export function chainsForFirstNode(
  analysis: Analysis,
  mode: ProxyMode = analysis.profile.kubeProxy.mode,
): ChainsFor {
  return (state, portIndex) => {
    const node = analysis.profile.nodes[0]?.name;
    if (!node) return {};
    if (mode === 'nftables') {
      const port = state.service.ports[portIndex];
      const { namespace, name } = state.service.metadata;
      const found = nftablesFor(analysis, node).servicePorts.find(
        (p) =>
          p.namespace === namespace &&
          p.name === name &&
          p.portName === port?.name &&
          p.protocol === port.protocol,
      );
      return found && found.chains.length > 0 ? { [node]: [...found.chains] } : {};
    }
    if (mode !== 'iptables') return {};
    const chains = engine().portChains(analysis, state, portIndex, node);
    return chains.length > 0 ? { [node]: [...chains] } : {};
  };
}
