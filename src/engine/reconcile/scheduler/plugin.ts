// The shape every filter plugin has here: PreFilter once per pod (Skip, a rejection, or a
// narrowed node set, plus whatever the plugin precomputes), then Filter per node.
import type { NodeInfo, SchedPod, SchedulerArgs, Status } from './types';

export interface PreFilterResult<S> {
  /** Success, Skip (Filter is not run), or a rejection of the pod. */
  status: Status;
  /** A PreFilterResult's node names; null: all nodes. */
  nodeNames: Set<string> | null;
  state: S;
}

export interface FilterPlugin<S = null> {
  name: string;
  preFilter(pod: SchedPod, nodes: readonly NodeInfo[], args: SchedulerArgs): PreFilterResult<S>;
  filter(state: S, pod: SchedPod, nodeInfo: NodeInfo, args: SchedulerArgs): Status;
}

export function proceed<S>(plugin: string, state: S): PreFilterResult<S> {
  return { status: { code: 'Success', reasons: [], plugin }, nodeNames: null, state };
}

export function skip<S>(plugin: string, state: S): PreFilterResult<S> {
  return { status: { code: 'Skip', reasons: [], plugin }, nodeNames: null, state };
}
