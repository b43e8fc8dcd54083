// A deterministic stand-in for kube-scheduler: honours nodeName and nodeSelector,
// spreads each workload's pods across the eligible nodes. Placement depends only
// on the workload itself, so pods do not move when unrelated files change.
import type { Diagnostic, Node } from '../model';
import { fnv32a } from '../util/hash';
import type { PlannedPod, PlannedWorkload } from './workloads';
import { selectorMatchesNode } from './workloads';

export interface Placement {
  pod: PlannedPod;
  /** '' when the pod stays Pending. */
  nodeName: string;
  source: 'explicit' | 'predicted';
}

export function schedule(
  workloads: PlannedWorkload[],
  nodes: Node[],
  diagnostics: Diagnostic[],
): Placement[] {
  const out: Placement[] = [];
  for (const workload of workloads) {
    for (const placement of scheduleWorkload(workload, nodes, diagnostics)) out.push(placement);
  }
  return out;
}

/** One workload's pods; depends on nothing else, so an unchanged workload keeps its placements. */
export function scheduleWorkload(
  workload: PlannedWorkload,
  nodes: Node[],
  diagnostics: Diagnostic[],
): Placement[] {
  const out: Placement[] = [];
  for (const pod of workload.pods) {
    if (pod.nodeName !== '') {
      const known = nodes.some((n) => n.name === pod.nodeName);
      if (!known && workload.kind === 'Pod') {
        diagnostics.push({
          range: pod.template.source,
          severity: 'warning',
          code: 'pod-node-unknown',
          message: `nodeName "${pod.nodeName}" is not a node of the cluster profile; the pod stays Pending`,
        });
      }
      out.push({ pod, nodeName: known ? pod.nodeName : '', source: 'explicit' });
      continue;
    }
    const eligible = nodes.filter((n) => selectorMatchesNode(pod.template.nodeSelector, n));
    if (eligible.length === 0) {
      if (pod.ordinal === 0) {
        diagnostics.push({
          range: pod.template.source,
          severity: 'warning',
          code: 'pod-unschedulable',
          message: `no node of the cluster profile matches nodeSelector ${JSON.stringify(pod.template.nodeSelector)}; ${workload.kind} ${workload.name}'s pods stay Pending`,
        });
      }
      out.push({ pod, nodeName: '', source: 'predicted' });
      continue;
    }
    const start = fnv32a(pod.workloadKey) % eligible.length;
    const node = eligible[(start + pod.ordinal) % eligible.length];
    out.push({ pod, nodeName: node?.name ?? '', source: 'predicted' });
  }
  return out;
}
