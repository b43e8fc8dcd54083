// One scheduling cycle's filtering (findNodesThatFitPod): every plugin's PreFilter in
// profile order, then per node the Filter plugins in order, stopping at the first failure.
// Returns what the FitError is made of: the per-node statuses, a PreFilter rejection, and
// the statuses of nodes a PreFilterResult left out.
import type { FilterPlugin, PreFilterResult } from './plugin';
import { interPodAffinityPlugin } from './interPodAffinity';
import { nodeAffinityPlugin } from './nodeAffinity';
import { nodeNamePlugin } from './nodeName';
import { nodePortsPlugin } from './nodePorts';
import { nodeResourcesFitPlugin } from './nodeResourcesFit';
import { nodeUnschedulablePlugin } from './nodeUnschedulable';
import { podTopologySpreadPlugin } from './podTopologySpread';
import { taintTolerationPlugin } from './taintToleration';
import type { NodeInfo, SchedPod, SchedulerArgs, Status } from './types';

/** The default profile's filter plugins, in order (default_plugins.go; volume plugins have nothing to check). */
export const FILTER_PLUGINS: readonly FilterPlugin<unknown>[] = [
  nodeUnschedulablePlugin,
  nodeNamePlugin,
  taintTolerationPlugin,
  nodeAffinityPlugin,
  nodePortsPlugin,
  nodeResourcesFitPlugin,
  podTopologySpreadPlugin,
  interPodAffinityPlugin,
];

export interface Diagnosis {
  /** The rejecting PreFilter status, if one rejected the pod (then no node was filtered). */
  preFilter: Status | null;
  /** Status of each filtered node that failed, by node name. */
  nodeStatuses: Map<string, Status>;
  /** Status shared by the nodes a PreFilterResult left out, and how many they are. */
  absent: { status: Status; count: number } | null;
  numAllNodes: number;
}

export interface FilterOutcome {
  feasible: NodeInfo[];
  diagnosis: Diagnosis;
}

/** Runs PreFilter and Filter of `plugins` for `pod` over `nodes`. */
export function findNodesThatFit(
  pod: SchedPod,
  nodes: readonly NodeInfo[],
  args: SchedulerArgs,
  plugins: readonly FilterPlugin<unknown>[] = FILTER_PLUGINS,
): FilterOutcome {
  const diagnosis: Diagnosis = {
    preFilter: null,
    nodeStatuses: new Map(),
    absent: null,
    numAllNodes: nodes.length,
  };
  const active: { plugin: FilterPlugin<unknown>; pre: PreFilterResult<unknown> }[] = [];
  let names = null as Set<string> | null;
  const narrowing: string[] = [];
  for (const plugin of plugins) {
    const pre = plugin.preFilter(pod, nodes, args);
    if (pre.status.code === 'Skip') continue;
    if (pre.status.code !== 'Success') {
      diagnosis.preFilter = pre.status;
      return { feasible: [], diagnosis };
    }
    if (pre.nodeNames) {
      narrowing.push(plugin.name);
      const current: Set<string> | null = names;
      names =
        current === null ? new Set(pre.nodeNames) : new Set([...pre.nodeNames].filter((n) => current.has(n)));
    }
    active.push({ plugin, pre });
  }
  let candidates = nodes;
  if (names !== null) {
    const wanted = names;
    candidates = nodes.filter((n) => wanted.has(n.node.name));
    const left = nodes.length - candidates.length;
    if (left > 0) {
      diagnosis.absent = {
        status: {
          code: 'UnschedulableAndUnresolvable',
          reasons: [`node(s) didn't satisfy plugin(s) [${[...new Set(narrowing)].sort().join(' ')}]`],
          plugin: narrowing[0] ?? '',
        },
        count: left,
      };
    }
  }
  const feasible: NodeInfo[] = [];
  for (const nodeInfo of candidates) {
    let failed: Status | null = null;
    for (const { plugin, pre } of active) {
      const status = plugin.filter(pre.state, pod, nodeInfo, args);
      if (status.code !== 'Success') {
        failed = status;
        break;
      }
    }
    if (failed) diagnosis.nodeStatuses.set(nodeInfo.node.name, failed);
    else feasible.push(nodeInfo);
  }
  return { feasible, diagnosis };
}
