// The kube-proxy model as the extension uses it: generated rules per node, cached per
// analysis (an Analysis object is immutable, so a WeakMap keyed on it never goes stale).
// Pure (no vscode).
import type { Analysis } from '../engine';
import type { ServiceState } from '../engine/model';
import type { IptablesRules } from '../engine/proxy/iptables';
import { engine } from './engine';
import type { ChainsFor } from './hoverText';

const cache = new WeakMap<Analysis, Map<string, IptablesRules>>();

/** The node's iptables-save view (what the rules document shows) and its chains per Service port. */
export function iptablesFor(analysis: Analysis, nodeName: string): IptablesRules {
  let perNode = cache.get(analysis);
  if (!perNode) {
    perNode = new Map();
    cache.set(analysis, perNode);
  }
  let out = perNode.get(nodeName);
  if (!out) {
    const input = {
      services: analysis.services.map((s) => s.service),
      endpointSlices: analysis.endpointSlices,
    };
    const { iptablesRules, kubeProxyNodeFor } = engine();
    out = iptablesRules(input, kubeProxyNodeFor(analysis.profile, nodeName), 'iptables-save');
    perNode.set(nodeName, out);
  }
  return out;
}

/** Chain names for a Service port on the first node (the names are the same on every node). */
export function chainsForFirstNode(analysis: Analysis): ChainsFor {
  return (state: ServiceState, portIndex: number) => {
    const node = analysis.profile.nodes[0]?.name;
    const port = state.service.ports[portIndex];
    if (!node || !port) return {};
    const key = `${state.service.metadata.namespace}/${state.service.metadata.name}:${port.name}/${port.protocol}`;
    const found = iptablesFor(analysis, node).servicePorts.find(
      (p) => `${p.namespace}/${p.name}:${p.portName}/${p.protocol}` === key,
    );
    return found ? { [node]: found.chains } : {};
  };
}
