// The default profile's score plugins (PreScore, Score, NormalizeScore) with upstream's
// arithmetic: integer division where Go divides int64s, float64 where Go uses floats, and
// the weights of default_plugins.go. `prioritizeNodes` is schedule_one.go's: each plugin's
// normalized score (0..100) times its weight, summed per node. `selectHost` keeps the one
// random step (a uniform pick among the top scores) deterministic: the first top-scoring
// node at or after a start index the caller derives from the pod's stable hash.
import type { LabelSelector } from '../labels';
import { nodeSelectorTermMatches, requiredNodeAffinityMatches } from './nodeSelector';
import { termMatches, selects } from './podMatching';
import type { Constraint } from './podTopologySpread';
import { filterConstraints } from './podTopologySpread';
import { doNotSchedule, firstUntoleratedTaint, tolerates } from './taints';
import type { NodeInfo, ResourceSpec, SchedPod, SchedulerArgs, WeightedPodAffinityTerm } from './types';
import { requestTotals } from './types';

export const MAX_NODE_SCORE = 100;

/** PreScore's Skip status. */
export const SKIP = Symbol('Skip');

/** What scoring reads besides pods and nodes. */
export interface ScoreContext {
  /**
   * helper.DefaultSelector: the selectors of the Services selecting the pod merged, plus
   * its controller's (ReplicaSet, StatefulSet) selector; null when that is empty.
   */
  defaultSpreadSelector(pod: SchedPod): LabelSelector | null;
  /** False when no placed pod has pod affinity terms (InterPodAffinity's HavePodsWithAffinityList is empty). */
  podsWithAffinity: boolean;
}

export const NO_SCORE_CONTEXT: ScoreContext = { defaultSpreadSelector: () => null, podsWithAffinity: true };

export interface ScorePlugin<S> {
  name: string;
  weight: number;
  /** SKIP: the plugin does not score this pod (every node gets 0 from it). */
  preScore(
    pod: SchedPod,
    feasible: readonly NodeInfo[],
    all: readonly NodeInfo[],
    ctx: ScoreContext,
    args: SchedulerArgs,
  ): S | typeof SKIP;
  score(state: S, pod: SchedPod, nodeInfo: NodeInfo, args: SchedulerArgs): number;
  /** NormalizeScore over the feasible nodes' scores, in place (absent: scores stay as they are). */
  normalize?(state: S, scores: number[], feasible: readonly NodeInfo[]): void;
}

/** Go's int64 division: truncates toward zero. */
const div = (a: number, b: number): number => Math.trunc(a / b);

/** helper.DefaultNormalizeScore: [0, max] → [0, maxPriority], optionally reversed. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let maxCount = 0;
  for (const s of scores) if (s > maxCount) maxCount = s;
  if (maxCount === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = div(maxPriority * (scores[i] as number), maxCount);
    scores[i] = reverse ? maxPriority - s : s;
  }
}

// --- NodeResourcesFit (LeastAllocated) and NodeResourcesBalancedAllocation -----------------

/** scoringStrategy.resources / NodeResourcesBalancedAllocationArgs.resources defaults. */
const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/**
 * resourceAllocationScorer.score's inputs: per resource the node's allocatable and the
 * requests on it plus the pod's. cpu and memory count non-zero requests unless
 * `useRequested`; a scalar resource the pod does not request, or one the node has none
 * of, is left out (0, 0). Null when the profile gives the node no allocatable.
 */
function allocation(
  pod: SchedPod,
  nodeInfo: NodeInfo,
  resources: readonly ResourceSpec[],
  useRequested: boolean,
): { requested: number[]; allocatable: number[] } | null {
  const allocatableList = nodeInfo.node.allocatable;
  if (!allocatableList) return null;
  const { nonZero, requested: requestedOnNode } = requestTotals(nodeInfo);
  const requested: number[] = [];
  const allocatable: number[] = [];
  for (const { name } of resources) {
    const cpuOrMemory = name === 'cpu' || name === 'memory';
    const podRequest = (cpuOrMemory && !useRequested ? pod.nonZeroRequests : pod.requests).get(name) ?? 0;
    const used = (cpuOrMemory && !useRequested ? nonZero : requestedOnNode).get(name) ?? 0;
    let alloc = 0;
    if (cpuOrMemory || name === 'ephemeral-storage') alloc = allocatableList.get(name) ?? 0;
    else if (podRequest !== 0 && allocatableList.has(name)) alloc = allocatableList.get(name) ?? 0;
    requested.push(alloc === 0 ? 0 : used + podRequest);
    allocatable.push(alloc);
  }
  return { requested, allocatable };
}

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return div((capacity - requested) * MAX_NODE_SCORE, capacity);
}

/** leastResourceScorer: the weighted mean of each resource's free share. */
export function leastResourceScorer(
  resources: readonly ResourceSpec[],
  requested: readonly number[],
  allocatable: readonly number[],
): number {
  let nodeScore = 0;
  let weightSum = 0;
  requested.forEach((req, i) => {
    const alloc = allocatable[i] ?? 0;
    if (alloc === 0) return;
    const weight = resources[i]?.weight ?? 1;
    nodeScore += leastRequestedScore(req, alloc) * weight;
    weightSum += weight;
  });
  return weightSum === 0 ? 0 : div(nodeScore, weightSum);
}

/** balancedResourceScorer: (1 − the standard deviation of the requested fractions) × 100. */
export function balancedResourceScorer(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  requested.forEach((req, i) => {
    const alloc = allocatable[i] ?? 0;
    if (alloc === 0) return;
    const fraction = Math.min(req / alloc, 1);
    total += fraction;
    fractions.push(fraction);
  });
  let std = 0;
  if (fractions.length === 2) std = Math.abs(((fractions[0] as number) - (fractions[1] as number)) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

/** NodeResourcesFit's Score with the default LeastAllocated strategy. A node without allocatable counts as empty. */
export const leastAllocatedPlugin: ScorePlugin<null> = {
  name: NODE_RESOURCES_FIT,
  weight: 1,
  preScore: () => null,
  score: (_state, pod, nodeInfo, args) => {
    const resources = args.scoringResources ?? DEFAULT_RESOURCES;
    const a = allocation(pod, nodeInfo, resources, false);
    return a ? leastResourceScorer(resources, a.requested, a.allocatable) : MAX_NODE_SCORE;
  },
};

/** NodeResourcesBalancedAllocation: skipped for a pod that requests nothing (best effort, since v1.33). */
export const balancedAllocationPlugin: ScorePlugin<true> = {
  name: BALANCED_ALLOCATION,
  weight: 1,
  preScore: (pod, _feasible, _all, _ctx, args) =>
    (args.balancedResources ?? DEFAULT_RESOURCES).every((r) => (pod.requests.get(r.name) ?? 0) === 0)
      ? SKIP
      : true,
  score: (_state, pod, nodeInfo, args) => {
    const a = allocation(pod, nodeInfo, args.balancedResources ?? DEFAULT_RESOURCES, true);
    return a ? balancedResourceScorer(a.requested, a.allocatable) : MAX_NODE_SCORE;
  },
};

// --- TaintToleration, NodeAffinity, ImageLocality ---------------------------------------

export const TAINT_TOLERATION = 'TaintToleration';
export const NODE_AFFINITY = 'NodeAffinity';
export const IMAGE_LOCALITY = 'ImageLocality';

/** TaintToleration: untolerated PreferNoSchedule taints, fewer is better (reversed normalization). */
export const taintTolerationScorePlugin: ScorePlugin<SchedPod['tolerations']> = {
  name: TAINT_TOLERATION,
  weight: 3,
  // getAllTolerationPreferNoSchedule: tolerations with no effect or PreferNoSchedule.
  preScore: (pod) => pod.tolerations.filter((t) => t.effect === '' || t.effect === 'PreferNoSchedule'),
  score: (tolerations, _pod, { node }, args) => {
    const options = { comparisonOperators: args.featureGates['TaintTolerationComparisonOperators'] === true };
    let count = 0;
    for (const taint of node.taints) {
      if (taint.effect !== 'PreferNoSchedule') continue;
      if (!tolerations.some((t) => tolerates(t, taint, options))) count++;
    }
    return count;
  },
  normalize: (_state, scores) => defaultNormalizeScore(MAX_NODE_SCORE, true, scores),
};

/** NodeAffinity: the summed weights of the preferred terms the node matches, scaled to the best node. */
export const nodeAffinityScorePlugin: ScorePlugin<SchedPod['preferredNodeAffinity']> = {
  name: NODE_AFFINITY,
  weight: 2,
  preScore: (pod, _feasible, _all, _ctx, args) => {
    const terms = [...(args.addedPreferredAffinity ?? []), ...pod.preferredNodeAffinity];
    return terms.length === 0 ? SKIP : terms;
  },
  score: (terms, _pod, { node }) => {
    let count = 0;
    for (const t of terms) if (nodeSelectorTermMatches(t.preference, node)) count += t.weight;
    return count;
  },
  normalize: (_state, scores) => defaultNormalizeScore(MAX_NODE_SCORE, false, scores),
};

/**
 * ImageLocality favours nodes that already hold the pod's images. kubepath knows no node's
 * images, which is what the plugin sees on nodes that report none: 0 on every node.
 */
export const imageLocalityPlugin: ScorePlugin<null> = {
  name: IMAGE_LOCALITY,
  weight: 1,
  preScore: () => null,
  score: () => 0,
};

// --- PodTopologySpread ---------------------------------------------------------------------

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
const HOSTNAME = 'kubernetes.io/hostname';

/** podtopologyspread's systemDefaultConstraints (defaultingType System). */
export const SYSTEM_DEFAULT_CONSTRAINTS = [
  { topologyKey: HOSTNAME, maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', maxSkew: 5 },
] as const;

interface SpreadState {
  constraints: Constraint[];
  ignored: Set<NodeInfo>;
  /** Per constraint: matching pods per topology value (not for hostname: counted per node). */
  counts: Map<string, number>[];
  weights: number[];
}

const hasLabel = (labels: Record<string, string>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(labels, key);

const isEmptySelector = (s: LabelSelector): boolean =>
  Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0;

/**
 * The node's pods in namespace `ns` with label `key`=`value`, in order. Every pod scored
 * counts, on every node, the pods its spread selectors match: an index of the pods by label
 * pair, extended as pods are assumed, makes that count look at the candidates only.
 */
function podsWithLabel(info: NodeInfo, ns: string, key: string, value: string): readonly SchedPod[] {
  let index = info.labelIndex;
  if (!index || index.pods !== info.pods || index.size > info.pods.length) {
    index = { pods: info.pods, size: 0, byPair: new Map() };
    info.labelIndex = index;
  }
  for (; index.size < info.pods.length; index.size++) {
    const p = info.pods[index.size] as SchedPod;
    for (const k of Object.keys(p.labels)) {
      const pair = `${p.namespace}\0${k}\0${p.labels[k] ?? ''}`;
      const list = index.byPair.get(pair);
      if (list) list.push(p);
      else index.byPair.set(pair, [p]);
    }
  }
  return index.byPair.get(`${ns}\0${key}\0${value}`) ?? [];
}

/** countPodsMatchSelector: an empty selector counts nothing; terminating pods are not counted. */
function countPodsMatchSelector(info: NodeInfo, selector: LabelSelector | null, ns: string): number {
  if (selector === null || isEmptySelector(selector)) return 0;
  // A pod the selector matches has each of its matchLabels pairs: the candidates have the first.
  const first = Object.keys(selector.matchLabels)[0];
  const pods =
    first === undefined ? info.pods : podsWithLabel(info, ns, first, selector.matchLabels[first] ?? '');
  let n = 0;
  for (const p of pods) if (!p.terminating && p.namespace === ns && selects(selector, p.labels)) n++;
  return n;
}

function defaultConstraints(pod: SchedPod, ctx: ScoreContext): Constraint[] {
  const selector = ctx.defaultSpreadSelector(pod);
  if (selector === null || isEmptySelector(selector)) return [];
  return SYSTEM_DEFAULT_CONSTRAINTS.map((c) => ({
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: selector,
    matchLabelKeys: [],
    minDomains: null,
    nodeAffinityPolicy: 'Honor',
    nodeTaintsPolicy: 'Ignore',
    selector,
  }));
}

/** PodTopologySpread: fewer matching pods in the node's domains is better. */
export const podTopologySpreadScorePlugin: ScorePlugin<SpreadState> = {
  name: POD_TOPOLOGY_SPREAD,
  weight: 2,
  preScore: (pod, feasible, all, ctx, args) => {
    if (all.length === 0) return SKIP;
    const own = pod.topologySpreadConstraints.length > 0;
    const constraints = own ? filterConstraints(pod, 'ScheduleAnyway') : defaultConstraints(pod, ctx);
    if (constraints.length === 0) return SKIP;
    // Only the pod's own constraints need every topology key on a node (zone-less nodes
    // still spread by hostname under the system defaults).
    const requireAll = own;
    const allKeys = (labels: Record<string, string>): boolean =>
      constraints.every((c) => hasLabel(labels, c.topologyKey));
    const state: SpreadState = {
      constraints,
      ignored: new Set(),
      counts: constraints.map(() => new Map<string, number>()),
      weights: [],
    };
    const sizes = constraints.map(() => 0);
    for (const info of feasible) {
      if (requireAll && !allKeys(info.node.labels)) {
        state.ignored.add(info);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === HOSTNAME) return;
        const value = info.node.labels[c.topologyKey] ?? '';
        const counts = state.counts[i] as Map<string, number>;
        if (!counts.has(value)) {
          counts.set(value, 0);
          sizes[i] = (sizes[i] ?? 0) + 1;
        }
      });
    }
    state.weights = constraints.map((c, i) =>
      Math.log((c.topologyKey === HOSTNAME ? feasible.length - state.ignored.size : (sizes[i] ?? 0)) + 2),
    );
    const options = { comparisonOperators: args.featureGates['TaintTolerationComparisonOperators'] === true };
    for (const info of all) {
      const { node } = info;
      if (requireAll && !allKeys(node.labels)) continue;
      constraints.forEach((c, i) => {
        // matchNodeInclusionPolicies (NodeInclusionPolicyInPodTopologySpread, GA).
        if (c.nodeAffinityPolicy === 'Honor' && !requiredNodeAffinityMatches(pod, node)) return;
        if (
          c.nodeTaintsPolicy === 'Honor' &&
          firstUntoleratedTaint(node.taints, pod.tolerations, doNotSchedule, options) !== null
        ) {
          return;
        }
        const counts = state.counts[i] as Map<string, number>;
        const value = node.labels[c.topologyKey] ?? '';
        const current = counts.get(value);
        if (current === undefined) return;
        counts.set(value, current + countPodsMatchSelector(info, c.selector, pod.namespace));
      });
    }
    return state;
  },
  score: (state, pod, nodeInfo) => {
    if (state.ignored.has(nodeInfo)) return 0;
    const { labels } = nodeInfo.node;
    let score = 0;
    state.constraints.forEach((c, i) => {
      if (!hasLabel(labels, c.topologyKey)) return;
      const count =
        c.topologyKey === HOSTNAME
          ? countPodsMatchSelector(nodeInfo, c.selector, pod.namespace)
          : ((state.counts[i] as Map<string, number>).get(labels[c.topologyKey] ?? '') ?? 0);
      // scoreForCount: maxSkew − 1 waters down small differences.
      score += count * (state.weights[i] as number) + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalize: (state, scores, feasible) => {
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    feasible.forEach((info, i) => {
      if (state.ignored.has(info)) return;
      const s = scores[i] as number;
      if (s < min) min = s;
      if (s > max) max = s;
    });
    feasible.forEach((info, i) => {
      if (state.ignored.has(info)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = div(MAX_NODE_SCORE * (max + min - (scores[i] as number)), max);
    });
  },
};

// --- InterPodAffinity ----------------------------------------------------------------------

export const INTER_POD_AFFINITY = 'InterPodAffinity';
/** InterPodAffinityArgs.hardPodAffinityWeight default. */
const HARD_POD_AFFINITY_WEIGHT = 1;

/** topologyScore: per topology key, per value, the summed weights. */
type TopologyScore = Map<string, Map<string, number>>;

function addScore(m: TopologyScore, key: string, labels: Record<string, string>, weight: number): void {
  if (!hasLabel(labels, key)) return;
  let values = m.get(key);
  if (!values) {
    values = new Map();
    m.set(key, values);
  }
  const value = labels[key] ?? '';
  values.set(value, (values.get(value) ?? 0) + weight);
}

function processTerms(
  m: TopologyScore,
  terms: readonly WeightedPodAffinityTerm[],
  owner: SchedPod,
  pod: SchedPod,
  labels: Record<string, string>,
  multiplier: number,
): void {
  for (const t of terms)
    if (termMatches(t.term, owner, pod)) addScore(m, t.term.topologyKey, labels, t.weight * multiplier);
}

/** Whether the pod has pod affinity or anti-affinity terms of any kind (NodeInfo.PodsWithAffinity). */
export const hasAffinity = (p: SchedPod): boolean =>
  p.requiredAffinity.length > 0 ||
  p.requiredAntiAffinity.length > 0 ||
  p.preferredAffinity.length > 0 ||
  p.preferredAntiAffinity.length > 0;

/**
 * InterPodAffinity: the pod's preferred (anti-)affinity terms matched by the pods in each
 * domain, and the placed pods' terms matching the pod (their required affinity with
 * hardPodAffinityWeight), scaled between the worst and the best node.
 */
export const interPodAffinityScorePlugin: ScorePlugin<TopologyScore> = {
  name: INTER_POD_AFFINITY,
  weight: 2,
  preScore: (pod, feasible, all, ctx) => {
    if (feasible.length === 0) return SKIP;
    const hasConstraints = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    if (!hasConstraints && !ctx.podsWithAffinity) return SKIP;
    const m: TopologyScore = new Map();
    for (const { node, pods } of all) {
      const labels = node.labels;
      if (Object.keys(labels).length === 0) continue;
      for (const existing of pods) {
        if (!hasConstraints && !hasAffinity(existing)) continue;
        processTerms(m, pod.preferredAffinity, pod, existing, labels, 1);
        processTerms(m, pod.preferredAntiAffinity, pod, existing, labels, -1);
        for (const term of existing.requiredAffinity) {
          if (termMatches(term, existing, pod))
            addScore(m, term.topologyKey, labels, HARD_POD_AFFINITY_WEIGHT);
        }
        processTerms(m, existing.preferredAffinity, existing, pod, labels, 1);
        processTerms(m, existing.preferredAntiAffinity, existing, pod, labels, -1);
      }
    }
    return m.size > 0 ? m : SKIP;
  },
  score: (m, _pod, { node }) => {
    let score = 0;
    for (const [key, values] of m) {
      if (hasLabel(node.labels, key)) score += values.get(node.labels[key] ?? '') ?? 0;
    }
    return score;
  },
  normalize: (m, scores) => {
    if (m.size === 0) return;
    let min = Number.MAX_SAFE_INTEGER;
    let max = Number.MIN_SAFE_INTEGER;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * (((scores[i] as number) - min) / diff)) : 0;
    }
  },
};

// --- the framework's scoring ---------------------------------------------------------------

/** The default profile's score plugins, in profile order, with their weights. */
export const SCORE_PLUGINS: readonly ScorePlugin<unknown>[] = [
  taintTolerationScorePlugin,
  nodeAffinityScorePlugin,
  leastAllocatedPlugin,
  podTopologySpreadScorePlugin,
  interPodAffinityScorePlugin,
  balancedAllocationPlugin,
  imageLocalityPlugin,
];

export interface NodeScore {
  nodeInfo: NodeInfo;
  /** Σ weight × normalized score. */
  total: number;
}

/** One plugin's normalized scores over the feasible nodes (0 for all when it skips). */
export function runScorePlugin(
  plugin: ScorePlugin<unknown>,
  pod: SchedPod,
  feasible: readonly NodeInfo[],
  all: readonly NodeInfo[],
  ctx: ScoreContext,
  args: SchedulerArgs,
): number[] {
  const state = plugin.preScore(pod, feasible, all, ctx, args);
  if (state === SKIP) return feasible.map(() => 0);
  const scores = feasible.map((n) => plugin.score(state, pod, n, args));
  plugin.normalize?.(state, scores, feasible);
  return scores;
}

/** prioritizeNodes: every score plugin over the feasible nodes, weighted and summed. */
export function prioritizeNodes(
  pod: SchedPod,
  feasible: readonly NodeInfo[],
  all: readonly NodeInfo[],
  ctx: ScoreContext,
  args: SchedulerArgs,
  plugins: readonly ScorePlugin<unknown>[] = SCORE_PLUGINS,
): NodeScore[] {
  const totals = feasible.map(() => 0);
  for (const plugin of plugins) {
    const scores = runScorePlugin(plugin, pod, feasible, all, ctx, args);
    scores.forEach((s, i) => (totals[i] = (totals[i] as number) + s * plugin.weight));
  }
  return feasible.map((nodeInfo, i) => ({ nodeInfo, total: totals[i] as number }));
}

/**
 * selectHost with its random pick made stable: the first node with the top total at or
 * after `start` (mod the list), so equal scores fall back to the pod's stable spread.
 */
export function selectHost(scores: readonly NodeScore[], start: number): NodeScore | undefined {
  let best: NodeScore | undefined;
  const n = scores.length;
  for (let k = 0; k < n; k++) {
    const s = scores[(start + k) % n] as NodeScore;
    if (!best || s.total > best.total) best = s;
  }
  return best;
}
