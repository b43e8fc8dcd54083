// PodTopologySpread (filtering): the pod's DoNotSchedule constraints. PreFilter counts the
// matching pods of the pod's namespace per domain over the eligible nodes (all topology keys
// present, nodeAffinityPolicy / nodeTaintsPolicy); Filter rejects a node whose domain would
// exceed maxSkew over the global minimum (0 while fewer than minDomains domains exist).
// ScheduleAnyway constraints and the system defaults are scoring only, so never filter.
import type { LabelSelector } from '../labels';
import type { FilterPlugin } from './plugin';
import { proceed, skip } from './plugin';
import { requiredNodeAffinityMatches } from './nodeSelector';
import { selects } from './podMatching';
import { doNotSchedule, firstUntoleratedTaint } from './taints';
import type { NodeInfo, SchedPod, TopologySpreadConstraint } from './types';
import { failure, SUCCESS } from './types';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_MISSING_LABEL =
  "node(s) didn't match pod topology spread constraints (missing required label)";
const MAX_INT32 = 2147483647;

export interface Constraint extends TopologySpreadConstraint {
  selector: LabelSelector | null;
}

interface State {
  constraints: Constraint[];
  /** Per constraint: matching pods per topology value of the eligible nodes. */
  counts: Map<string, number>[];
}

/** The pod's constraints of one kind (DoNotSchedule or ScheduleAnyway), with matchLabelKeys folded into the selector. */
export function filterConstraints(pod: SchedPod, action = 'DoNotSchedule'): Constraint[] {
  return pod.topologySpreadConstraints
    .filter((c) => c.whenUnsatisfiable === action)
    .map((c) => ({ ...c, selector: constraintSelector(c, pod) }));
}

/** A constraint's selector with matchLabelKeys folded in: `key In [the pod's value]` for each key the pod has. */
export function constraintSelector(c: TopologySpreadConstraint, pod: SchedPod): LabelSelector | null {
  const selector = c.labelSelector;
  if (!selector) return selector;
  const extra = c.matchLabelKeys
    .filter((k) => Object.prototype.hasOwnProperty.call(pod.labels, k))
    .map((k) => ({ key: k, operator: 'In' as const, values: [pod.labels[k] ?? ''] }));
  return extra.length > 0
    ? { ...selector, matchExpressions: [...selector.matchExpressions, ...extra] }
    : selector;
}

function countMatching(pods: readonly SchedPod[], selector: LabelSelector | null, namespace: string): number {
  let n = 0;
  for (const p of pods) if (!p.terminating && p.namespace === namespace && selects(selector, p.labels)) n++;
  return n;
}

function minMatch(counts: Map<string, number>, minDomains: number | null): number {
  if (counts.size < (minDomains ?? 1)) return 0;
  let min = MAX_INT32;
  for (const v of counts.values()) if (v < min) min = v;
  return min;
}

export const podTopologySpreadPlugin: FilterPlugin<State> = {
  name: POD_TOPOLOGY_SPREAD,
  preFilter: (pod, nodes: readonly NodeInfo[], args) => {
    const constraints = filterConstraints(pod);
    const state: State = { constraints, counts: constraints.map(() => new Map<string, number>()) };
    if (constraints.length === 0) return skip(POD_TOPOLOGY_SPREAD, state);
    const options = { comparisonOperators: args.featureGates['TaintTolerationComparisonOperators'] === true };
    for (const { node, pods } of nodes) {
      if (!constraints.every((c) => Object.prototype.hasOwnProperty.call(node.labels, c.topologyKey)))
        continue;
      constraints.forEach((c, i) => {
        if (c.nodeAffinityPolicy === 'Honor' && !requiredNodeAffinityMatches(pod, node)) return;
        if (
          c.nodeTaintsPolicy === 'Honor' &&
          firstUntoleratedTaint(node.taints, pod.tolerations, doNotSchedule, options) !== null
        ) {
          return;
        }
        const value = node.labels[c.topologyKey] ?? '';
        const counts = state.counts[i] as Map<string, number>;
        counts.set(value, (counts.get(value) ?? 0) + countMatching(pods, c.selector, pod.namespace));
      });
    }
    return proceed(POD_TOPOLOGY_SPREAD, state);
  },
  filter: (state, pod, { node }) => {
    for (const [i, c] of state.constraints.entries()) {
      if (!Object.prototype.hasOwnProperty.call(node.labels, c.topologyKey)) {
        return failure(POD_TOPOLOGY_SPREAD, 'UnschedulableAndUnresolvable', ERR_REASON_MISSING_LABEL);
      }
      const counts = state.counts[i] as Map<string, number>;
      const self = selects(c.selector, pod.labels) ? 1 : 0;
      const skew =
        (counts.get(node.labels[c.topologyKey] ?? '') ?? 0) + self - minMatch(counts, c.minDomains);
      if (skew > c.maxSkew) return failure(POD_TOPOLOGY_SPREAD, 'Unschedulable', ERR_REASON_CONSTRAINTS);
    }
    return SUCCESS(POD_TOPOLOGY_SPREAD);
  },
};
