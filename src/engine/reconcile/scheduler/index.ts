// kube-scheduler over the workspace's pods: each pod that names no node goes through the
// default filter plugins (framework.ts); a pod that fits nowhere stays Pending with the
// FitError message as a warning on its workload.
//
// Among the feasible nodes kubepath does not score (SPEC-NOTES §4): it keeps the stable
// spread of a hash of the workload's key, `(hash + ordinal) mod feasible`, so a pod does not
// move when unrelated files change. Pods are scheduled in workload (file) order, replicas by
// ordinal; pods bound by name (DaemonSet pods, a Pod's spec.nodeName) are on their nodes first.
//
// Two modes give the same placements. While no pod uses what couples workloads (host
// ports, pod affinity or anti-affinity, DoNotSchedule spread) and no node has allocatable
// (which limits resources and the pod count), a pod's feasible nodes depend only on
// the pod and the nodes: `scheduleWorkload` places one workload alone (and the reconciler
// keeps it while its object is unchanged). Otherwise `scheduleCluster` places every pod in
// order, each seeing the pods placed before it, as the scheduler's assumed pods.
import type { Diagnostic, Node } from '../../model';
import { isPlainObject } from '../../model';
import { fnv32a } from '../../util/hash';
import { memo } from '../../util/memo';
import type { PlannedPod, PlannedWorkload } from '../workloads';
import { fitErrorMessage } from './fitError';
import type { Diagnosis } from './framework';
import { findNodesThatFit } from './framework';
import { readSchedPod, schedNode } from './readPod';
import type { NodeInfo, SchedNode, SchedPod } from './types';
import { DEFAULT_ARGS } from './types';

export interface Placement {
  pod: PlannedPod;
  /** '' when the pod stays Pending. */
  nodeName: string;
  source: 'explicit' | 'predicted';
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

/** Whether the pod uses a filter that reads other pods (see the comment at the top). */
export function readsOtherPods(pod: SchedPod): boolean {
  return (
    pod.hostPorts.length > 0 ||
    pod.requiredAffinity.length > 0 ||
    pod.requiredAntiAffinity.length > 0 ||
    pod.topologySpreadConstraints.some((c) => c.whenUnsatisfiable === 'DoNotSchedule')
  );
}

/** Whether a workload's pods use a filter that reads other pods. */
export function workloadReadsOtherPods(workload: PlannedWorkload): boolean {
  return workload.pods.some((p) => readsOtherPods(schedPodOf(workload, p)));
}

/** Whether placements depend on other workloads: then only `scheduleCluster` is right. */
export function needsClusterScheduling(
  workloads: readonly { workload: PlannedWorkload; readsOtherPods: boolean }[],
  nodes: readonly Node[],
): boolean {
  if (nodes.some((n) => n.allocatable !== undefined)) return true;
  return workloads.some((w) => w.readsOtherPods);
}

/** The node among the feasible ones: the workload's stable spread. */
function pick(pod: PlannedPod, feasible: readonly NodeInfo[]): NodeInfo | undefined {
  const start = fnv32a(pod.workloadKey) % feasible.length;
  return feasible[(start + pod.ordinal) % feasible.length];
}

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
    message: `${who}: ${fitErrorMessage(diagnosis)}`,
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
  return { pod, nodeName: known ? pod.nodeName : '', source: 'explicit' };
}

/** Places one workload's pods as if no other pod existed (valid while `needsClusterScheduling` is false). */
export function scheduleWorkload(workload: PlannedWorkload, nodes: readonly Node[]): WorkloadSchedule {
  const infos = nodes.map((n) => ({ node: schedNodeOf(n), pods: [] }));
  const diagnostics: Diagnostic[] = [];
  const placements: Placement[] = [];
  let firstPending: { pod: PlannedPod; diagnosis: Diagnosis } | null = null;
  let pending = 0;
  for (const pod of workload.pods) {
    if (pod.nodeName !== '') {
      placements.push(boundPlacement(workload, pod, nodes, diagnostics));
      continue;
    }
    const { feasible, diagnosis } = findNodesThatFit(schedPodOf(workload, pod), infos, DEFAULT_ARGS);
    const node = feasible.length > 0 ? pick(pod, feasible) : undefined;
    if (!node) {
      pending++;
      firstPending ??= { pod, diagnosis };
    }
    placements.push({ pod, nodeName: node?.node.name ?? '', source: 'predicted' });
  }
  if (firstPending)
    diagnostics.push(pendingWarning(workload, firstPending.pod, pending, firstPending.diagnosis));
  return { placements, diagnostics };
}

/** Places every workload's pods in order, each pod seeing those placed before it. */
export function scheduleCluster(
  workloads: readonly PlannedWorkload[],
  nodes: readonly Node[],
): WorkloadSchedule[] {
  const infos: NodeInfo[] = nodes.map((n) => ({ node: schedNodeOf(n), pods: [] }));
  const byName = new Map<string, NodeInfo>();
  for (const info of infos) if (!byName.has(info.node.name)) byName.set(info.node.name, info);
  const out: WorkloadSchedule[] = workloads.map(() => ({ placements: [], diagnostics: [] }));
  // Pods bound by name are on their nodes before the scheduler places any other.
  const bound = workloads.map((w, i) =>
    w.pods.map((pod) => {
      if (pod.nodeName === '') return null;
      const placement = boundPlacement(w, pod, nodes, (out[i] as WorkloadSchedule).diagnostics);
      byName.get(placement.nodeName)?.pods.push(schedPodOf(w, pod));
      return placement;
    }),
  );
  workloads.forEach((workload, i) => {
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
      const { feasible, diagnosis } = findNodesThatFit(schedPod, infos, DEFAULT_ARGS);
      const node = feasible.length > 0 ? pick(pod, feasible) : undefined;
      if (node) node.pods.push(schedPod);
      else {
        pending++;
        firstPending ??= { pod, diagnosis };
      }
      schedule.placements.push({ pod, nodeName: node?.node.name ?? '', source: 'predicted' });
    });
    if (firstPending) {
      const { pod, diagnosis } = firstPending;
      schedule.diagnostics.push(pendingWarning(workload, pod, pending, diagnosis));
    }
  });
  return out;
}

/** One-shot scheduling of every workload (the reconciler does the same incrementally). */
export function schedule(
  workloads: PlannedWorkload[],
  nodes: Node[],
  diagnostics: Diagnostic[],
): Placement[] {
  const cluster = needsClusterScheduling(
    workloads.map((workload) => ({ workload, readsOtherPods: workloadReadsOtherPods(workload) })),
    nodes,
  );
  const schedules = cluster
    ? scheduleCluster(workloads, nodes)
    : workloads.map((w) => scheduleWorkload(w, nodes));
  const out: Placement[] = [];
  for (const s of schedules) {
    for (const d of s.diagnostics) diagnostics.push(d);
    for (const p of s.placements) out.push(p);
  }
  return out;
}
