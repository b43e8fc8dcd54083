// NodeAffinity: spec.nodeSelector and required node affinity, plus the profile's
// addedAffinity. PreFilter skips pods without either, rejects terms whose metadata.name
// requirements conflict, and narrows the nodes to those named by matchFields.
import type { FilterPlugin, PreFilterResult } from './plugin';
import { proceed, skip } from './plugin';
import { nodeSelectorMatches, requiredNodeAffinityMatches } from './nodeSelector';
import { failure, SUCCESS } from './types';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

export const nodeAffinityPlugin: FilterPlugin = {
  name: NODE_AFFINITY,
  preFilter: (pod, _nodes, args): PreFilterResult<null> => {
    const required = pod.requiredNodeAffinity;
    if (required === null && args.addedAffinity === null && pod.nodeSelector === null) {
      return skip(NODE_AFFINITY, null);
    }
    if (required === null) return proceed(NODE_AFFINITY, null);
    let names = null as Set<string> | null;
    for (const term of required.nodeSelectorTerms) {
      let termNames = null as Set<string> | null;
      for (const r of term.matchFields) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const values = new Set(r.values);
        termNames = termNames === null ? values : new Set([...termNames].filter((n) => values.has(n)));
      }
      // A term without a metadata.name requirement lets every node through (terms are ORed).
      if (termNames === null) return proceed(NODE_AFFINITY, null);
      names = new Set([...(names ?? []), ...termNames]);
    }
    if (names !== null && names.size === 0) {
      return {
        status: failure(NODE_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_CONFLICT),
        nodeNames: null,
        state: null,
      };
    }
    return { ...proceed(NODE_AFFINITY, null), nodeNames: names };
  },
  filter: (_state, pod, { node }, args) => {
    if (args.addedAffinity && !nodeSelectorMatches(args.addedAffinity, node)) {
      return failure(NODE_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_ENFORCED);
    }
    if (!requiredNodeAffinityMatches(pod, node)) {
      return failure(NODE_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_POD);
    }
    return SUCCESS(NODE_AFFINITY);
  },
};
