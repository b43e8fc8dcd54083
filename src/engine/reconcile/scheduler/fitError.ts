// The FitError message (framework.FitError.Error) a pod that fits nowhere gets in its
// FailedScheduling event and PodScheduled condition: `0/N nodes are available: <histogram>.`
// then DefaultPreemption's own `preemption: 0/N nodes are available: …` over the same nodes.
// kubepath's pods all have the default priority, so preemption never finds victims: nodes
// that were UnschedulableAndUnresolvable are "not helpful", the others have no victims.
import type { Diagnosis } from './framework';
import type { Status } from './types';

export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

/** Go's sort.Strings over `<count> <reason>` entries: byte order. */
function histogram(counts: Map<string, number>): string {
  const entries = [...counts].map(([reason, n]) => `${n} ${reason}`);
  entries.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.join(', ');
}

function count(into: Map<string, number>, reason: string, n: number): void {
  into.set(reason, (into.get(reason) ?? 0) + n);
}

/** The filter part: `0/N nodes are available: …` with its period. */
function filterMessage(diagnosis: Diagnosis): string {
  let message = `0/${diagnosis.numAllNodes} nodes are available:`;
  if (diagnosis.preFilter) return `${message} ${diagnosis.preFilter.reasons.join(', ')}.`;
  const reasons = new Map<string, number>();
  for (const status of diagnosis.nodeStatuses.values()) for (const r of status.reasons) count(reasons, r, 1);
  if (diagnosis.absent)
    for (const r of diagnosis.absent.status.reasons) count(reasons, r, diagnosis.absent.count);
  if (reasons.size > 0) message += ` ${histogram(reasons)}.`;
  return message;
}

/** DefaultPreemption's message when no node has lower-priority victims. */
function preemptionMessage(diagnosis: Diagnosis): string {
  const reasons = new Map<string, number>();
  const add = (status: Status, n: number): void =>
    count(
      reasons,
      status.code === 'UnschedulableAndUnresolvable' ? PREEMPTION_NOT_HELPFUL : NO_PREEMPTION_VICTIMS,
      n,
    );
  if (diagnosis.preFilter) add(diagnosis.preFilter, diagnosis.numAllNodes);
  else {
    for (const status of diagnosis.nodeStatuses.values()) add(status, 1);
    if (diagnosis.absent) add(diagnosis.absent.status, diagnosis.absent.count);
  }
  return `preemption: 0/${diagnosis.numAllNodes} nodes are available: ${histogram(reasons)}.`;
}

/**
 * The whole message in its recent form: one period at the end (v1.26–v1.3x clusters print
 * the preemption part with a second one, `..`).
 */
export function fitErrorMessage(diagnosis: Diagnosis): string {
  return `${filterMessage(diagnosis)} ${preemptionMessage(diagnosis)}`;
}
