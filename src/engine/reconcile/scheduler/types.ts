// The scheduler's view of pods and nodes (the v1 fields its filter plugins read) and the
// framework's status values. Plain data: built by `readPod.ts` from v1 Pod JSON, or by the
// reconciler from the cluster profile.
import type { Labels } from '../../model';
import type { LabelSelector } from '../labels';

/** framework.Code, as the plugins return it. */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip' | 'Error';

export interface Status {
  code: StatusCode;
  /** The reason strings (the ones a FailedScheduling event aggregates). */
  reasons: string[];
  /** The plugin that returned it. */
  plugin: string;
}

/** NoSchedule, PreferNoSchedule or NoExecute (others are carried, and match no filter). */
export type TaintEffect = string;

export interface Taint {
  key: string;
  value: string;
  effect: TaintEffect;
}

export interface Toleration {
  key: string;
  /** '' means Equal. */
  operator: string;
  value: string;
  /** '' matches every effect. */
  effect: string;
}

/** v1.NodeSelectorRequirement. */
export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values: string[];
}

export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
  matchFields: NodeSelectorRequirement[];
}

/** v1.NodeSelector: terms are ORed. */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface PodAffinityTerm {
  /** null: the term selects no pods (labels.Nothing). */
  labelSelector: LabelSelector | null;
  namespaces: string[];
  /** null when not set; an empty selector selects every namespace. */
  namespaceSelector: LabelSelector | null;
  topologyKey: string;
}

/** v1.PreferredSchedulingTerm. */
export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

/** v1.WeightedPodAffinityTerm. */
export interface WeightedPodAffinityTerm {
  weight: number;
  term: PodAffinityTerm;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector: LabelSelector | null;
  matchLabelKeys: string[];
  /** null when not set (the scheduler uses 1). */
  minDomains: number | null;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  hostPort: number;
}

/** Resource amounts in the scheduler's integer units: cpu in millicores, the rest in units (bytes, counts). */
export type ResourceList = Map<string, number>;

export interface SchedPod {
  namespace: string;
  name: string;
  labels: Labels;
  nodeName: string;
  /** null when spec.nodeSelector is absent. */
  nodeSelector: Labels | null;
  /** spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution; null when absent. */
  requiredNodeAffinity: NodeSelector | null;
  requiredAffinity: PodAffinityTerm[];
  requiredAntiAffinity: PodAffinityTerm[];
  /** spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution (weight 0 dropped). */
  preferredNodeAffinity: PreferredSchedulingTerm[];
  preferredAffinity: WeightedPodAffinityTerm[];
  preferredAntiAffinity: WeightedPodAffinityTerm[];
  tolerations: Toleration[];
  topologySpreadConstraints: TopologySpreadConstraint[];
  /** The pod's effective request (resourcehelper.PodRequests: containers, init containers, sidecars, overhead). */
  requests: ResourceList;
  /** The same with 100m cpu / 200Mi memory for each container that requests none (what scoring counts). */
  nonZeroRequests: ResourceList;
  /** Host ports of containers and sidecars (init containers with restartPolicy Always). */
  hostPorts: HostPort[];
  terminating: boolean;
}

export interface SchedNode {
  name: string;
  labels: Labels;
  taints: Taint[];
  /** null: the profile gives none, and nothing (resources, pod count) is limited. */
  allocatable: ResourceList | null;
  unschedulable: boolean;
}

/** framework.NodeInfo: a node and the pods on it (existing and assumed). */
export interface NodeInfo {
  node: SchedNode;
  /** Only ever appended to (the scheduler assumes pods one by one). */
  pods: SchedPod[];
  /** The pods by namespace and label pair, for `pods` up to `size` (see score.ts podsWithLabel). */
  labelIndex?: { pods: readonly SchedPod[]; size: number; byPair: Map<string, SchedPod[]> };
  /** The summed requests of `pods` up to `size` (see requestTotals). */
  totals?: RequestTotals;
}

/** NodeInfo.Requested and NonZeroRequested: the node's pods' requests, summed. */
export interface RequestTotals {
  pods: readonly SchedPod[];
  size: number;
  requested: ResourceList;
  nonZero: ResourceList;
}

/**
 * The summed requests of the node's pods, kept as pods are assumed (pods are only appended,
 * so the sums grow with them) instead of summed again for every pod filtered and scored.
 */
export function requestTotals(info: NodeInfo): RequestTotals {
  let totals = info.totals;
  if (!totals || totals.pods !== info.pods || totals.size > info.pods.length) {
    totals = { pods: info.pods, size: 0, requested: new Map(), nonZero: new Map() };
    info.totals = totals;
  }
  for (; totals.size < info.pods.length; totals.size++) {
    const p = info.pods[totals.size] as SchedPod;
    for (const [k, v] of p.requests) totals.requested.set(k, (totals.requested.get(k) ?? 0) + v);
    for (const [k, v] of p.nonZeroRequests) totals.nonZero.set(k, (totals.nonZero.get(k) ?? 0) + v);
  }
  return totals;
}

/** Scheduler profile plugin args that the cases and the cluster profile can set. */
export interface SchedulerArgs {
  /** NodeAffinityArgs.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution. */
  addedAffinity: NodeSelector | null;
  /** NodeResourcesFitArgs.ignoredResources. */
  ignoredResources: string[];
  ignoredResourceGroups: string[];
  featureGates: Record<string, boolean>;
  /** NodeAffinityArgs.addedAffinity.preferredDuringSchedulingIgnoredDuringExecution (none when absent). */
  addedPreferredAffinity?: PreferredSchedulingTerm[];
  /** NodeResourcesFitArgs.scoringStrategy.resources (default cpu and memory, weight 1). */
  scoringResources?: ResourceSpec[];
  /** NodeResourcesBalancedAllocationArgs.resources (default cpu and memory, weight 1). */
  balancedResources?: ResourceSpec[];
}

/** config.ResourceSpec. */
export interface ResourceSpec {
  name: string;
  weight: number;
}

export const DEFAULT_ARGS: SchedulerArgs = {
  addedAffinity: null,
  ignoredResources: [],
  ignoredResourceGroups: [],
  featureGates: {},
};

export const SUCCESS = (plugin: string): Status => ({ code: 'Success', reasons: [], plugin });

export function failure(plugin: string, code: StatusCode, ...reasons: string[]): Status {
  return { code, reasons, plugin };
}
