// kube-scheduler over the workspace's pods: each pod that names no node goes through the
// default filter plugins (framework.ts); a pod that fits nowhere stays Pending with the
// FitError message as a warning on its workload. Among two or more feasible nodes the
// default score plugins decide (score.ts: prioritizeNodes); selectHost's random pick among
// equal top scores is the one step kept deterministic: the first top-scoring node at or
// after `(hash(workload) + ordinal) mod feasible`, so plain replicas keep the stable spread
// they had and a pod does not move when unrelated files change. Pods are scheduled in
// workload (file) order, replicas by ordinal; pods bound by name (DaemonSet pods, a Pod's
// spec.nodeName) are on their nodes first.
//
// Two modes give the same placements. While no pod uses what couples workloads (host
// ports, pod affinity or anti-affinity of any kind, topology spread constraints, default
// spreading over selectors other than a Deployment's own ReplicaSet) and no node has
// allocatable (which limits resources and the pod count, and makes resource scores differ;
// profile nodes always have it, so this holds only for nodes built without one in code),
// a pod's placement depends only on its own workload's pods and the nodes:
// `scheduleWorkload` places one workload alone (and the reconciler keeps it while its object
// is unchanged). Otherwise `scheduleCluster` places every pod in order, each seeing the pods
// placed before it, as the scheduler's assumed pods.
import { replicationControllerSelector } from '../apiserver/workloadValidation';
import type { Diagnostic, Labels, Node } from '../../model';
import { isPlainObject } from '../../model';
import { fnv32a } from '../../util/hash';
import { memo, memoized } from '../../util/memo';
import type { LabelRequirement, LabelSelector } from '../labels';
import { readLabelSelector, serviceSelectorMatches } from '../labels';
import type { PlannedPod, PlannedWorkload } from '../workloads';
import { fitErrorMessage } from './fitError';
import type { Diagnosis, FilterOutcome } from './framework';
import { findNodesThatFit } from './framework';
import { readSchedPod, schedNode } from './readPod';
import type { NodeScore, ScoreContext } from './score';
import { hasAffinity, prioritizeNodes, selectHost } from './score';
import type { LaterPods, PlacedPod } from './replay';
import { laterPodsSeeTheSame } from './replay';
import type { NodeInfo, SchedNode, SchedPod } from './types';
import { DEFAULT_ARGS } from './types';

export interface Placement {
  pod: PlannedPod;
  /** '' when the pod stays Pending. */
  nodeName: string;
  source: 'explicit' | 'predicted';
  /** The winning node's total score and how many nodes shared it; null when not scored (bound, Pending, one feasible node). */
  score: { total: number; tied: number } | null;
}

/** A Service as default spreading reads it (GetPodServices): its namespace and non-empty selector. */
export interface SpreadService {
  namespace: string;
  selector: Labels;
}

type SpreadInput = { service: { metadata: { namespace: string }; selector: Labels | null } };

function hasSelector(input: SpreadInput): boolean {
  const { selector } = input.service;
  if (!selector) return false;
  for (const _ in selector) return true;
  return false;
}

function sameSpread(input: SpreadInput, b: SpreadService): boolean {
  const { metadata, selector } = input.service;
  if (metadata.namespace !== b.namespace || !selector) return false;
  const keys = Object.keys(selector);
  return keys.length === Object.keys(b.selector).length && keys.every((k) => selector[k] === b.selector[k]);
}

/**
 * The Services with a selector; `previous` itself when nothing in it changed (so callers can
 * tell). `read` is the list `previous` was read from: a Service object that is the one at its
 * place then, after the same ones with a selector, is not compared again (a Service object is
 * not changed in place).
 */
export function spreadServices(
  services: readonly SpreadInput[],
  previous: readonly SpreadService[],
  read: readonly SpreadInput[] = [],
): readonly SpreadService[] {
  const aligned = read.length === services.length;
  let count = 0;
  let readCount = 0;
  let same = true;
  for (let i = 0; same && i < services.length; i++) {
    const input = services[i] as SpreadInput;
    const before = aligned ? (read[i] as SpreadInput) : undefined;
    const had = before !== undefined && hasSelector(before);
    if (!hasSelector(input)) {
      if (had) readCount++;
      continue;
    }
    const at = count++;
    const kept = before?.service === input.service && readCount === at;
    if (had) readCount++;
    if (kept) continue;
    const last = previous[at];
    same = last !== undefined && sameSpread(input, last);
  }
  if (same && count === previous.length) return previous;
  const next: SpreadService[] = [];
  for (const input of services)
    if (hasSelector(input))
      next.push({ namespace: input.service.metadata.namespace, selector: input.service.selector as Labels });
  return next;
}

export interface WorkloadSchedule {
  placements: Placement[];
  diagnostics: Diagnostic[];
}

/** The scheduler's view of a planned pod: its template's spec with the pod's own name and labels. */
export function schedPodOf(workload: PlannedWorkload, pod: PlannedPod): SchedPod {
  return memo(pod, 'scheduler:pod', () => {
    let template: unknown = workload.object.raw;
    for (const segment of pod.template.path)
      template = isPlainObject(template) ? template[segment] : undefined;
    const read = readSchedPod(template, pod.namespace);
    return { ...read, namespace: pod.namespace, name: pod.name, labels: pod.labels, nodeName: pod.nodeName };
  });
}

function schedNodeOf(node: Node): SchedNode {
  return memo(node, 'scheduler:node', () => schedNode(node));
}

/** Whether the pod uses a filter or a score that reads other workloads' pods (see the comment at the top). */
export function readsOtherPods(pod: SchedPod): boolean {
  return pod.hostPorts.length > 0 || hasAffinity(pod) || pod.topologySpreadConstraints.length > 0;
}

/** Whether a workload's pods read other workloads' pods. */
export function workloadReadsOtherPods(workload: PlannedWorkload): boolean {
  // Default spreading counts the pods that the Services selecting the pod and its controller
  // select: for a Deployment that is its ReplicaSet's (pod-template-hash) alone.
  const scheduled = workload.pods.some((p) => p.nodeName === '');
  if (scheduled && workload.kind !== 'Deployment') return true;
  return workload.pods.some((p) => readsOtherPods(schedPodOf(workload, p)));
}

/** The pod's controller's selector as helper.DefaultSelector adds it; null for none. */
function ownerSelector(workload: PlannedWorkload, pod: PlannedPod): LabelSelector | null {
  const spec = workload.object.raw['spec'];
  if (workload.kind === 'ReplicationController') {
    // A ReplicationController's map selector (defaulted from the template's labels).
    const matchLabels = replicationControllerSelector(isPlainObject(spec) ? spec : {});
    return Object.keys(matchLabels).length === 0 ? null : { matchLabels, matchExpressions: [] };
  }
  if (workload.kind !== 'Deployment' && workload.kind !== 'ReplicaSet' && workload.kind !== 'StatefulSet')
    return null;
  const selector = readLabelSelector(isPlainObject(spec) ? spec['selector'] : undefined);
  if (workload.kind !== 'Deployment') return selector;
  // The Deployment controller adds pod-template-hash to its ReplicaSet's selector.
  const hash = pod.labels['pod-template-hash'] ?? '';
  const base = selector ?? { matchLabels: {}, matchExpressions: [] };
  return { ...base, matchLabels: { ...base.matchLabels, 'pod-template-hash': hash } };
}

/**
 * helper.DefaultSelector: the selectors of the Services selecting the pod, merged, and the
 * requirements of its ReplicaSet's or StatefulSet's selector; null when empty.
 */
export function defaultSpreadSelector(
  workload: PlannedWorkload,
  pod: PlannedPod,
  services: readonly SpreadService[],
): LabelSelector | null {
  const matchLabels: Labels = {};
  for (const s of services) {
    if (s.namespace === pod.namespace && serviceSelectorMatches(s.selector, pod.labels))
      Object.assign(matchLabels, s.selector);
  }
  const owner = ownerSelector(workload, pod);
  const matchExpressions: LabelRequirement[] = [];
  if (owner) {
    for (const [key, value] of Object.entries(owner.matchLabels))
      matchExpressions.push({ key, operator: 'In', values: [value] });
    for (const r of owner.matchExpressions) matchExpressions.push(r);
  }
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return null;
  return { matchLabels, matchExpressions };
}

/**
 * The Services that may select a pod, in their order: those of its namespace with a selector
 * pair among its labels (a Service selects a pod only when every pair of its selector is
 * one; each Service is indexed by its first pair), so a pod is not matched against every
 * Service of the namespace.
 */
const serviceCandidates = memoized(candidatesOf);

function candidatesOf(services: readonly SpreadService[]): (pod: PlannedPod) => SpreadService[] {
  const byPair = new Map<string, number[]>();
  services.forEach((s, i) => {
    const first = Object.keys(s.selector)[0];
    if (first === undefined) return;
    const key = `${s.namespace}\0${first}\0${s.selector[first] ?? ''}`;
    const list = byPair.get(key);
    if (list) list.push(i);
    else byPair.set(key, [i]);
  });
  return (pod) => {
    const found: number[] = [];
    for (const [k, v] of Object.entries(pod.labels)) {
      const list = byPair.get(`${pod.namespace}\0${k}\0${v}`);
      if (list) for (const i of list) found.push(i);
    }
    return found.sort((a, b) => a - b).map((i) => services[i] as SpreadService);
  };
}

/** Whether placements depend on other workloads: then only `scheduleCluster` is right. */
export function needsClusterScheduling(
  workloads: readonly { workload: PlannedWorkload; readsOtherPods: boolean }[],
  nodes: readonly Node[],
): boolean {
  if (nodes.some((n) => n.allocatable !== undefined)) return true;
  return workloads.some((w) => w.readsOtherPods);
}

interface Choice {
  node: NodeInfo;
  score: Placement['score'];
}

/** schedulePod after filtering: one feasible node is taken as is; else the best score, ties by the stable spread. */
function pick(
  pod: PlannedPod,
  schedPod: SchedPod,
  feasible: readonly NodeInfo[],
  all: readonly NodeInfo[],
  ctx: ScoreContext,
): Choice | undefined {
  if (feasible.length === 0) return undefined;
  if (feasible.length === 1) return { node: feasible[0] as NodeInfo, score: null };
  const scores = prioritizeNodes(schedPod, feasible, all, ctx, DEFAULT_ARGS);
  const start = (fnv32a(pod.workloadKey) + pod.ordinal) % feasible.length;
  const best = selectHost(scores, start) as NodeScore;
  const tied = scores.filter((s) => s.total === best.total).length;
  return { node: best.nodeInfo, score: { total: best.total, tied } };
}

/** The FitError message, once per diagnosis (pods that fit nowhere alike share theirs). */
const fitMessage = memoized(fitErrorMessage);

function pendingWarning(
  workload: PlannedWorkload,
  pod: PlannedPod,
  pending: number,
  diagnosis: Diagnosis,
): Diagnostic {
  const who =
    workload.kind === 'Pod'
      ? `Pod ${workload.name} stays Pending`
      : `${workload.kind} ${workload.name}: ${pending} of ${workload.pods.length} pods stay Pending; the scheduler's event for ${pod.name}`;
  return {
    range: pod.template.source,
    severity: 'warning',
    code: 'pod-unschedulable',
    message: `${who}: ${fitMessage(diagnosis)}`,
  };
}

function boundPlacement(
  workload: PlannedWorkload,
  pod: PlannedPod,
  nodes: readonly Node[],
  diagnostics: Diagnostic[],
): Placement {
  const known = nodes.some((n) => n.name === pod.nodeName);
  if (!known && workload.kind === 'Pod') {
    diagnostics.push({
      range: pod.template.source,
      severity: 'warning',
      code: 'pod-node-unknown',
      message: `nodeName "${pod.nodeName}" is not a node of the cluster profile; the pod stays Pending`,
    });
  }
  return { pod, nodeName: known ? pod.nodeName : '', source: 'explicit', score: null };
}

/** Places one workload's pods as if no other pod existed (valid while `needsClusterScheduling` is false). */
export function scheduleWorkload(workload: PlannedWorkload, nodes: readonly Node[]): WorkloadSchedule {
  const infos: NodeInfo[] = nodes.map((n) => ({ node: schedNodeOf(n), pods: [] }));
  let current: PlannedPod | null = null;
  const ctx: ScoreContext = {
    defaultSpreadSelector: () => (current ? defaultSpreadSelector(workload, current, []) : null),
    podsWithAffinity: false,
  };
  const diagnostics: Diagnostic[] = [];
  const placements: Placement[] = [];
  let firstPending: { pod: PlannedPod; diagnosis: Diagnosis } | null = null;
  let pending = 0;
  for (const pod of workload.pods) {
    if (pod.nodeName !== '') {
      placements.push(boundPlacement(workload, pod, nodes, diagnostics));
      continue;
    }
    current = pod;
    const schedPod = schedPodOf(workload, pod);
    const { feasible, diagnosis } = findNodesThatFit(schedPod, infos, DEFAULT_ARGS);
    const choice = pick(pod, schedPod, feasible, infos, ctx);
    // Alone, the workload's pods are the only ones: they count for its own spreading.
    if (choice) choice.node.pods.push(schedPod);
    else {
      pending++;
      firstPending ??= { pod, diagnosis };
    }
    placements.push({
      pod,
      nodeName: choice?.node.node.name ?? '',
      source: 'predicted',
      score: choice?.score ?? null,
    });
  }
  if (firstPending)
    diagnostics.push(pendingWarning(workload, firstPending.pod, pending, firstPending.diagnosis));
  return { placements, diagnostics };
}

/** A run of scheduleCluster: what it was given and what it gave. */
export interface ClusterSchedule {
  readonly workloads: readonly PlannedWorkload[];
  readonly nodes: readonly Node[];
  readonly services: readonly SpreadService[];
  readonly schedules: readonly WorkloadSchedule[];
}

/**
 * What of a run `previous` placed alike: `prefix` leading and `suffix` trailing workloads it
 * was given too (the same objects, in the same order), with the same nodes and Services,
 * when no workload between has pods bound by name (bound pods are on their nodes before any
 * pod is placed). Each pod sees only the pods placed before it, so the prefix lands where it
 * did; the suffix does too when the workloads between leave the cluster as the last run's
 * did for it (see replay.ts).
 */
function replayable(
  workloads: readonly PlannedWorkload[],
  nodes: readonly Node[],
  services: readonly SpreadService[],
  previous: ClusterSchedule | undefined,
): { prefix: number; suffix: number } {
  const none = { prefix: 0, suffix: 0 };
  if (!previous || previous.nodes !== nodes || previous.services !== services) return none;
  // A placement names its node: names must say which node.
  if (new Set(nodes.map((n) => n.name)).size !== nodes.length) return none;
  const before = previous.workloads;
  let p = 0;
  while (p < workloads.length && p < before.length && workloads[p] === before[p]) p++;
  const bound = (w: PlannedWorkload): boolean => w.pods.some((pod) => pod.nodeName !== '');
  if (workloads.slice(p).some(bound) || before.slice(p).some(bound)) return none;
  let s = 0;
  while (
    p + s < workloads.length &&
    p + s < before.length &&
    workloads[workloads.length - 1 - s] === before[before.length - 1 - s]
  )
    s++;
  return { prefix: p, suffix: s };
}

/**
 * Places every workload's pods in order, each pod seeing those placed before it. With
 * `previous` (the last run), the workloads it placed alike before and after the changed ones
 * are not scored again (see replayable): their pods are put where they were. `reuse` false
 * filters every pod afresh (what the reuse of a pod's failure to fit is checked against).
 */
export function scheduleCluster(
  workloads: readonly PlannedWorkload[],
  nodes: readonly Node[],
  services: readonly SpreadService[] = [],
  previous?: ClusterSchedule,
  reuse = true,
): WorkloadSchedule[] {
  const replay = replayable(workloads, nodes, services, previous);
  const infos: NodeInfo[] = nodes.map((n) => ({ node: schedNodeOf(n), pods: [] }));
  const byName = new Map<string, NodeInfo>();
  for (const info of infos) if (!byName.has(info.node.name)) byName.set(info.node.name, info);
  const out: WorkloadSchedule[] = workloads.map(() => ({ placements: [], diagnostics: [] }));
  const candidates = serviceCandidates(services);
  let current: { workload: PlannedWorkload; pod: PlannedPod } | null = null;
  const ctx: ScoreContext = {
    defaultSpreadSelector: () =>
      current ? defaultSpreadSelector(current.workload, current.pod, candidates(current.pod)) : null,
    podsWithAffinity: false,
  };
  // Pods bound by name are on their nodes before the scheduler places any other.
  const bound = workloads.map((w, i) =>
    w.pods.map((pod) => {
      if (pod.nodeName === '') return null;
      const placement = boundPlacement(w, pod, nodes, (out[i] as WorkloadSchedule).diagnostics);
      const schedPod = schedPodOf(w, pod);
      const info = byName.get(placement.nodeName);
      if (info) {
        info.pods.push(schedPod);
        if (hasAffinity(schedPod)) ctx.podsWithAffinity = true;
      }
      return placement;
    }),
  );
  const unplaceable = new Map<string, FilterOutcome>();
  let antiAffinityPlaced = infos.some((info) => info.pods.some((p) => p.requiredAntiAffinity.length > 0));
  const copy = (last: WorkloadSchedule): WorkloadSchedule => ({
    placements: last.placements.slice(),
    diagnostics: last.diagnostics.slice(),
  });
  const suffixStart = workloads.length - replay.suffix;
  for (let i = 0; i < workloads.length; i++) {
    const workload = workloads[i] as PlannedWorkload;
    if (i < replay.prefix) {
      const last = previous?.schedules[i] as WorkloadSchedule;
      out[i] = copy(last);
      workload.pods.forEach((pod, k) => {
        const placed = last.placements[k];
        if (pod.nodeName !== '' || !placed || placed.nodeName === '') return;
        const schedPod = schedPodOf(workload, pod);
        (byName.get(placed.nodeName) as NodeInfo).pods.push(schedPod);
        if (hasAffinity(schedPod)) ctx.podsWithAffinity = true;
        if (schedPod.requiredAntiAffinity.length > 0) antiAffinityPlaced = true;
      });
      continue;
    }
    if (i === suffixStart && previous && replay.suffix > 0) {
      const lastStart = previous.workloads.length - replay.suffix;
      const later: LaterPods = {
        workloads: workloads.slice(suffixStart),
        services,
        schedPod: schedPodOf,
        defaultSpreadSelector: (w, pod) => defaultSpreadSelector(w, pod, candidates(pod)),
      };
      const next = placedPods(workloads, out, replay.prefix, suffixStart);
      const last = placedPods(previous.workloads, previous.schedules, replay.prefix, lastStart);
      if (laterPodsSeeTheSame(next, last, later)) {
        for (let t = 0; t < replay.suffix; t++)
          out[suffixStart + t] = copy(previous.schedules[lastStart + t] as WorkloadSchedule);
        break;
      }
    }
    const schedule = out[i] as WorkloadSchedule;
    let firstPending: { pod: PlannedPod; diagnosis: Diagnosis } | null = null;
    let pending = 0;
    workload.pods.forEach((pod, k) => {
      const placed = bound[i]?.[k];
      if (placed) {
        schedule.placements.push(placed);
        return;
      }
      const schedPod = schedPodOf(workload, pod);
      current = { workload, pod };
      // A pod that fits nowhere changes nothing: the next pods with its signature fail alike
      // until a pod is placed.
      const signature = antiAffinityPlaced || !reuse ? null : filterSignature(schedPod);
      const known = signature === null ? undefined : unplaceable.get(signature);
      const { feasible, diagnosis } = known ?? findNodesThatFit(schedPod, infos, DEFAULT_ARGS);
      const choice = pick(pod, schedPod, feasible, infos, ctx);
      if (choice) {
        choice.node.pods.push(schedPod);
        unplaceable.clear();
        if (hasAffinity(schedPod)) ctx.podsWithAffinity = true;
        if (schedPod.requiredAntiAffinity.length > 0) antiAffinityPlaced = true;
      } else {
        if (signature !== null && !known) unplaceable.set(signature, { feasible, diagnosis });
        pending++;
        firstPending ??= { pod, diagnosis };
      }
      schedule.placements.push({
        pod,
        nodeName: choice?.node.node.name ?? '',
        source: 'predicted',
        score: choice?.score ?? null,
      });
    });
    if (firstPending) {
      const { pod, diagnosis } = firstPending;
      schedule.diagnostics.push(pendingWarning(workload, pod, pending, diagnosis));
    }
  }
  return out;
}

/**
 * What the filters read of a pod that reads no other pod (no host ports, pod affinity or
 * spread constraints of its own, no name): its requests, node selection and tolerations.
 * Two such pods with one signature pass or fail each filter alike on the same nodes, as long
 * as no placed pod has required anti-affinity (the only filter that reads the incoming pod's
 * labels and namespace then). null for a pod that reads more.
 */
const filterSignature = memoized((pod: SchedPod): string | null => {
  if (pod.nodeName !== '' || readsOtherPods(pod)) return null;
  return JSON.stringify([[...pod.requests], pod.nodeSelector, pod.requiredNodeAffinity, pod.tolerations]);
});

/** The pods of workloads [from, to) that `schedules` put on a node, in scheduling order. */
function placedPods(
  workloads: readonly PlannedWorkload[],
  schedules: readonly WorkloadSchedule[],
  from: number,
  to: number,
): PlacedPod[] {
  const out: PlacedPod[] = [];
  for (let i = from; i < to; i++) {
    const workload = workloads[i] as PlannedWorkload;
    for (const placement of (schedules[i] as WorkloadSchedule).placements) {
      if (placement.nodeName !== '')
        out.push({ nodeName: placement.nodeName, pod: schedPodOf(workload, placement.pod) });
    }
  }
  return out;
}

/** One-shot scheduling of every workload (the reconciler does the same incrementally). */
export function schedule(
  workloads: PlannedWorkload[],
  nodes: Node[],
  diagnostics: Diagnostic[],
  services: readonly SpreadService[] = [],
): Placement[] {
  const cluster = needsClusterScheduling(
    workloads.map((workload) => ({ workload, readsOtherPods: workloadReadsOtherPods(workload) })),
    nodes,
  );
  const schedules = cluster
    ? scheduleCluster(workloads, nodes, services)
    : workloads.map((w) => scheduleWorkload(w, nodes));
  const out: Placement[] = [];
  for (const s of schedules) {
    for (const d of s.diagnostics) diagnostics.push(d);
    for (const p of s.placements) out.push(p);
  }
  return out;
}
