// Whether the workloads after an edited run of workloads can keep the placements of the last
// scheduleCluster run. Each pod sees only the pods placed before it, and only some of what
// they are: their namespace, labels, requests, host ports, pod (anti-)affinity terms and
// whether they terminate (the filters and scores read nothing else of a placed pod). When the
// edited workloads' placed pods land where the last run put them and are alike in all of
// that, except for labels that no selector of a later pod can tell apart (a new
// pod-template-hash, typically), every later pod sees what it saw then, and lands where it
// landed. Pending pods are on no node: they are seen by no one.
import type { Labels } from '../../model';
import { memo, memoized } from '../../util/memo';
import type { LabelRequirement, LabelSelector } from '../labels';
import { labelSelectorMatches } from '../labels';
import type { PlannedPod, PlannedWorkload } from '../workloads';
import { constraintSelector } from './podTopologySpread';
import type { PodAffinityTerm, SchedPod } from './types';

/** A placed pod of the edited run: its node and what the scheduler reads of it. */
export interface PlacedPod {
  nodeName: string;
  pod: SchedPod;
}

/** A pod placed later, and how the selectors it reads placed pods with are found. */
export interface LaterPods {
  workloads: readonly PlannedWorkload[];
  /** What the default spread selectors are made of (the Service list): what is read of a workload is kept per list. */
  services: object;
  schedPod(workload: PlannedWorkload, pod: PlannedPod): SchedPod;
  defaultSpreadSelector(workload: PlannedWorkload, pod: PlannedPod): LabelSelector | null;
}

function sameMap(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Structural equality of plain data (the scheduler's terms and ports: objects, arrays, scalars, null). */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every(
    (k) => Object.prototype.hasOwnProperty.call(b, k) && sameData((a as Record<string, unknown>)[k], bo[k]),
  );
}

/** Whether two placed pods are alike in everything other pods' filters and scores read, labels aside. */
function alikeButLabels(a: SchedPod, b: SchedPod): boolean {
  return (
    a.namespace === b.namespace &&
    a.terminating === b.terminating &&
    sameMap(a.requests, b.requests) &&
    sameMap(a.nonZeroRequests, b.nonZeroRequests) &&
    sameData(a.hostPorts, b.hostPorts) &&
    sameData(a.requiredAffinity, b.requiredAffinity) &&
    sameData(a.requiredAntiAffinity, b.requiredAntiAffinity) &&
    sameData(a.preferredAffinity, b.preferredAffinity) &&
    sameData(a.preferredAntiAffinity, b.preferredAntiAffinity)
  );
}

/** The label keys whose value (or presence) differs. */
function differingKeys(a: Labels, b: Labels, into: Set<string>): void {
  for (const k of Object.keys(a))
    if (a[k] !== b[k] || !Object.prototype.hasOwnProperty.call(b, k)) into.add(k);
  for (const k of Object.keys(b)) if (!Object.prototype.hasOwnProperty.call(a, k)) into.add(k);
}

/** The selectors a pod matches placed pods' labels with (terms, spread constraints, default spreading). */
function readers(pod: SchedPod, defaultSelector: () => LabelSelector | null): (LabelSelector | null)[] {
  const out: (LabelSelector | null)[] = [];
  const term = (t: PodAffinityTerm): void => void out.push(t.labelSelector);
  pod.requiredAffinity.forEach(term);
  pod.requiredAntiAffinity.forEach(term);
  for (const w of pod.preferredAffinity) term(w.term);
  for (const w of pod.preferredAntiAffinity) term(w.term);
  for (const c of pod.topologySpreadConstraints) out.push(constraintSelector(c, pod));
  out.push(defaultSelector());
  return out;
}

/**
 * Whether the later pods see the same cluster after `next` as after `last` (the edited run's
 * placed pods, in scheduling order, this run's and the last run's).
 */
export function laterPodsSeeTheSame(
  next: readonly PlacedPod[],
  last: readonly PlacedPod[],
  later: LaterPods,
): boolean {
  if (next.length !== last.length) return false;
  const keys = new Set<string>();
  const relabelled: [Labels, Labels][] = [];
  for (let i = 0; i < next.length; i++) {
    const a = next[i] as PlacedPod;
    const b = last[i] as PlacedPod;
    if (a.nodeName !== b.nodeName || !alikeButLabels(a.pod, b.pod)) return false;
    if (a.pod.labels === b.pod.labels || sameData(a.pod.labels, b.pod.labels)) continue;
    differingKeys(a.pod.labels, b.pod.labels, keys);
    relabelled.push([a.pod.labels, b.pod.labels]);
  }
  if (keys.size === 0) return true;
  // A selector tells two label sets apart only through a requirement on a key they differ in:
  // those requirements of every later pod, each asked of both.
  for (const workload of later.workloads) {
    const byKey = requirementsOf(workload, later);
    for (const key of keys) {
      for (const requirement of byKey.get(key) ?? [])
        for (const [a, b] of relabelled)
          if (labelSelectorMatches(requirement, a) !== labelSelectorMatches(requirement, b)) return false;
    }
  }
  return true;
}

/** Per workload, the requirements its pods' readers put on each label key (one selector each), per Service list. */
function requirementsOf(workload: PlannedWorkload, later: LaterPods): Map<string, LabelSelector[]> {
  const perWorkload = memo(later.services, 'scheduler:replay-requirements', () =>
    memoized((w: PlannedWorkload) => readRequirements(w, later)),
  );
  return perWorkload(workload);
}

function readRequirements(workload: PlannedWorkload, later: LaterPods): Map<string, LabelSelector[]> {
  const byKey = new Map<string, LabelSelector[]>();
  const seen = new Set<string>();
  const add = (key: string, operator: LabelRequirement['operator'], values: string[]): void => {
    const id = JSON.stringify([key, operator, values]);
    if (seen.has(id)) return;
    seen.add(id);
    const one: LabelSelector = { matchLabels: {}, matchExpressions: [{ key, operator, values }] };
    const list = byKey.get(key);
    if (list) list.push(one);
    else byKey.set(key, [one]);
  };
  for (const pod of workload.pods) {
    if (pod.nodeName !== '') continue;
    const sched = later.schedPod(workload, pod);
    for (const selector of readers(sched, () => later.defaultSpreadSelector(workload, pod))) {
      if (!selector) continue;
      for (const [key, value] of Object.entries(selector.matchLabels)) add(key, 'In', [value]);
      for (const r of selector.matchExpressions) add(r.key, r.operator, r.values);
    }
  }
  return byKey;
}
