// InterPodAffinity: the incoming pod's required pod affinity and anti-affinity, and the
// required anti-affinity of the pods already placed (symmetry). PreFilter counts matching
// pods per topology pair over every node; Filter reads the node's pairs.
import type { FilterPlugin } from './plugin';
import { proceed, skip } from './plugin';
import { matchesAllTerms, termMatches } from './podMatching';
import type { NodeInfo, SchedNode } from './types';
import { failure, SUCCESS } from './types';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** Counts per `key\u0000value` topology pair. */
type Counts = Map<string, number>;

interface State {
  existingAntiAffinity: Counts;
  affinity: Counts;
  antiAffinity: Counts;
}

const pair = (key: string, value: string): string => `${key}\u0000${value}`;

function bump(counts: Counts, node: SchedNode, key: string): void {
  if (!Object.prototype.hasOwnProperty.call(node.labels, key)) return;
  const p = pair(key, node.labels[key] ?? '');
  counts.set(p, (counts.get(p) ?? 0) + 1);
}

function has(counts: Counts, node: SchedNode, key: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(node.labels, key)) return false;
  return (counts.get(pair(key, node.labels[key] ?? '')) ?? 0) > 0;
}

export const interPodAffinityPlugin: FilterPlugin<State> = {
  name: INTER_POD_AFFINITY,
  preFilter: (pod, nodes: readonly NodeInfo[]) => {
    const state: State = { existingAntiAffinity: new Map(), affinity: new Map(), antiAffinity: new Map() };
    // Without terms of its own, the pod counts only the placed pods' anti-affinity (the
    // loops below over its empty terms would count nothing): most pods, each scanning all.
    const ownTerms = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0;
    for (const { node, pods } of nodes) {
      for (const existing of pods) {
        for (const term of existing.requiredAntiAffinity) {
          if (termMatches(term, existing, pod)) bump(state.existingAntiAffinity, node, term.topologyKey);
        }
        if (!ownTerms) continue;
        if (matchesAllTerms(pod.requiredAffinity, pod, existing)) {
          for (const term of pod.requiredAffinity) bump(state.affinity, node, term.topologyKey);
        }
        for (const term of pod.requiredAntiAffinity) {
          if (termMatches(term, pod, existing)) bump(state.antiAffinity, node, term.topologyKey);
        }
      }
    }
    if (
      state.existingAntiAffinity.size === 0 &&
      pod.requiredAffinity.length === 0 &&
      pod.requiredAntiAffinity.length === 0
    ) {
      return skip(INTER_POD_AFFINITY, state);
    }
    return proceed(INTER_POD_AFFINITY, state);
  },
  filter: (state, pod, { node }) => {
    // Affinity: every term's topology key on the node, with a matching pod in that domain,
    // unless no pod anywhere matches and the pod matches its own terms (the first of a group).
    let podsExist = true;
    for (const term of pod.requiredAffinity) {
      if (!Object.prototype.hasOwnProperty.call(node.labels, term.topologyKey)) {
        return failure(INTER_POD_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_AFFINITY);
      }
      if (!has(state.affinity, node, term.topologyKey)) podsExist = false;
    }
    if (!podsExist && !(state.affinity.size === 0 && matchesAllTerms(pod.requiredAffinity, pod, pod))) {
      return failure(INTER_POD_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_AFFINITY);
    }
    if (pod.requiredAntiAffinity.some((t) => has(state.antiAffinity, node, t.topologyKey))) {
      return failure(INTER_POD_AFFINITY, 'Unschedulable', ERR_REASON_ANTI_AFFINITY);
    }
    for (const [key, value] of Object.entries(node.labels)) {
      if ((state.existingAntiAffinity.get(pair(key, value)) ?? 0) > 0) {
        return failure(INTER_POD_AFFINITY, 'Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return SUCCESS(INTER_POD_AFFINITY);
  },
};
