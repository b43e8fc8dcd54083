// Reconcile's workload step: the workload controllers (a workload's pods, its replicas
// after the HPA), the scheduler (each workload alone, or the whole cluster when a
// placement reads other pods), pod IPAM per node. Kept across runs: a workload's plan and
// own placements are cached by its object; addresses are handed out again only on the
// nodes whose pods changed, and a pod keeps its instance while its address does.
import type { ClusterProfile, Diagnostic, LoadedObject, Pod, WorkloadState } from '../model';
import type { AdmittedService } from './apiserver';
import { planWorkloadObject } from './workloads';
import type { PlannedWorkload } from './workloads';
import {
  needsClusterScheduling,
  scheduleCluster,
  scheduleWorkload,
  spreadServices,
  workloadReadsOtherPods,
} from './scheduler';
import type { ClusterSchedule, Placement, SpreadService, WorkloadSchedule } from './scheduler';
import { NodeAddresses, podCIDRsOf } from './podIPAM';
import { PodLabelIndex } from './endpointSlices';
import { cacheFor, commonEnds, sameItems, Segments, splice } from './incremental';

/** A workload object and everything derived from it alone. */
interface WorkloadRecord {
  planned: PlannedWorkload | null;
  planDiagnostics: Diagnostic[];
  /** The placements in effect: `own`'s, or the cluster-wide scheduler's (see scheduler/index.ts). */
  placements: Placement[];
  scheduleDiagnostics: Diagnostic[];
  /**
   * The workload scheduled alone: right while no workload's placement depends on others.
   * Made when first asked (see ownSchedule): a cluster-wide run never asks.
   */
  own: WorkloadSchedule | null;
  /** Whether its pods use a filter that reads other pods (host ports, pod affinity, spread). */
  readsOtherPods: boolean;
  /** Same order as placements; null until a run placed them. */
  pods: Pod[] | null;
  state: WorkloadState | null;
  /** Orders records as the workload list does (renumbered when gaps run out). */
  seq: number;
}

/** A namespace's pods with their label index; replaced (and marked stale) when they change. */
export interface NamespacePods {
  pods: Pod[];
  index: PodLabelIndex | null;
  stale: boolean;
  /**
   * The entry these pods replaced, and the pods between the common start and end of the two
   * lists (both lists' there): a selector that matches none of them selects the same pods,
   * in the same order, from both. Only one step back (the entry before is let go).
   */
  from?: { readonly pods: NamespacePods; readonly changed: readonly Pod[] };
}

/** Beyond this many changed pods, asking each Service's selector of each costs more than selecting again. */
const MAX_CHANGED = 24;

/** The pods of `old` and of `next` between their common start and end (by identity). */
function changedBetween(old: readonly Pod[], next: readonly Pod[]): Pod[] {
  const [p, s] = commonEnds(old, next);
  return [...old.slice(p, old.length - s), ...next.slice(p, next.length - s)];
}

export interface NamespaceChange {
  name: string;
  old: NamespacePods | undefined;
  next: NamespacePods | undefined;
}

const NO_PODS: Pod[] = [];

/** Owns the workloads, placements and pods of the previous run. */
export class WorkloadPods {
  private workloadObjects: LoadedObject[] = [];
  /** The Services' selectors, which default topology spreading reads (replaced when they change). */
  private spreadServices: readonly SpreadService[] = [];
  /** The admitted Services `spreadServices` was read from. */
  private spreadRead: readonly AdmittedService[] = [];
  private records: WorkloadRecord[] = [];
  /** Bit 1: plan findings, bit 2: scheduling findings; same order as records. */
  private recordFindings: number[] = [];
  private readonly podSegments = new Segments<Pod>();
  private readonly workloadSegments = new Segments<WorkloadState>();
  private readonly workloadCache: WeakMap<LoadedObject, WorkloadRecord>;
  private readonly ownerOf = new WeakMap<Placement, WorkloadRecord>();
  /** Per node name, one address book per node of that name (normally one). */
  private readonly addresses = new Map<string, NodeAddresses[]>();
  private readonly namespaceRecords = new Map<string, WorkloadRecord[]>();
  readonly namespaces = new Map<string, NamespacePods>();
  private current: Pod[] = [];
  /** The last cluster-wide scheduling run (the next one starts after the workloads it placed alike). */
  private lastCluster: ClusterSchedule | undefined;

  constructor(
    private readonly profile: ClusterProfile,
    keep: boolean,
  ) {
    this.workloadCache = cacheFor(keep);
    const tieOrder = (a: Placement, b: Placement): number => {
      const ra = this.ownerOf.get(a) as WorkloadRecord;
      const rb = this.ownerOf.get(b) as WorkloadRecord;
      return ra === rb ? ra.placements.indexOf(a) - ra.placements.indexOf(b) : ra.seq - rb.seq;
    };
    for (const node of profile.nodes) {
      const books = this.addresses.get(node.name) ?? [];
      books.push(new NodeAddresses(podCIDRsOf(node), tieOrder));
      this.addresses.set(node.name, books);
    }
  }

  /** The pods of the last run, in workload order. */
  get pods(): Pod[] {
    return this.current;
  }

  /** The workloads' states of the last run, in workload order. */
  states(): WorkloadState[] {
    return this.workloadSegments.list();
  }

  /** A namespace's pods (an empty entry, replaced when pods appear, if it has none). */
  namespacePods(name: string): NamespacePods {
    let entry = this.namespaces.get(name);
    if (!entry) {
      entry = { pods: NO_PODS, index: null, stale: false };
      this.namespaces.set(name, entry);
    }
    return entry;
  }

  /** See `prepareReconcile`: a workload's plan and its own placements. */
  prepare(object: LoadedObject): WorkloadRecord {
    let rec = this.workloadCache.get(object);
    if (rec) return rec;
    const nodes = this.profile.nodes;
    const plan = planWorkloadObject(object, nodes);
    // No placements until the first run schedules it (alone or cluster-wide).
    rec = {
      planned: plan.workload,
      planDiagnostics: plan.diagnostics,
      placements: [],
      scheduleDiagnostics: [],
      own: null,
      readsOtherPods: plan.workload ? workloadReadsOtherPods(plan.workload) : false,
      pods: null,
      state: null,
      seq: 0,
    };
    this.workloadCache.set(object, rec);
    return rec;
  }

  /** The record's workload scheduled alone (made once per record). */
  private ownSchedule(rec: WorkloadRecord): WorkloadSchedule {
    rec.own ??= rec.planned
      ? scheduleWorkload(rec.planned, this.profile.nodes)
      : { placements: [], diagnostics: [] };
    return rec.own;
  }

  /**
   * Workload controllers, scheduler and pod IPAM. Addresses are handed out again only on
   * the nodes whose pods changed; a pod keeps its instance while its address does.
   * Returns the namespaces whose pods changed.
   */
  run(
    workloadObjects: LoadedObject[],
    admitted: readonly AdmittedService[],
    diagnostics: Diagnostic[],
  ): NamespaceChange[] {
    const spread = spreadServices(admitted, this.spreadServices, this.spreadRead);
    this.spreadRead = admitted;
    const servicesChanged = spread !== this.spreadServices;
    this.spreadServices = spread;
    const prevObjects = this.workloadObjects;
    const [prefix, suffix] = commonEnds(prevObjects, workloadObjects);
    const removed = this.records.slice(prefix, prevObjects.length - suffix);
    const added = workloadObjects.slice(prefix, workloadObjects.length - suffix).map((o) => this.prepare(o));
    const dirtyNamespaces = new Set<string>();
    for (const rec of removed) {
      if (!rec.planned) continue;
      const list = this.namespaceRecords.get(rec.planned.namespace) ?? [];
      const at = bySeq(list, rec.seq);
      if (list[at] === rec) list.splice(at, 1);
      dirtyNamespaces.add(rec.planned.namespace);
    }
    const records = splice(this.records, prefix, suffix, added);
    this.records = records;
    this.workloadObjects = workloadObjects;
    this.assignSeq(records, prefix, added.length);
    // Old placements of the removed records, before a record that is also added is rescheduled.
    const removedPlacements = removed.map((rec) => rec.placements);
    const addedSet = new Set<WorkloadRecord>(added);
    const rescheduled =
      removed.length > 0 || added.length > 0 || servicesChanged
        ? this.reschedule(records, addedSet)
        : new Map<WorkloadRecord, Placement[]>();
    for (const rec of added) {
      if (!rec.planned) continue;
      const ns = rec.planned.namespace;
      let list = this.namespaceRecords.get(ns);
      if (!list) {
        list = [];
        this.namespaceRecords.set(ns, list);
      }
      list.splice(bySeq(list, rec.seq), 0, rec);
      dirtyNamespaces.add(ns);
    }
    this.recordFindings = splice(
      this.recordFindings,
      prefix,
      suffix,
      added.map((r) => (r.planDiagnostics.length > 0 ? 1 : 0) | (r.scheduleDiagnostics.length > 0 ? 2 : 0)),
    );
    for (const rec of rescheduled.keys()) {
      const at = bySeq(records, rec.seq);
      this.recordFindings[at] =
        (rec.planDiagnostics.length > 0 ? 1 : 0) | (rec.scheduleDiagnostics.length > 0 ? 2 : 0);
    }
    const flags = this.recordFindings;
    for (let i = 0; i < flags.length; i++) {
      if ((flags[i] as number) & 1)
        for (const d of (records[i] as WorkloadRecord).planDiagnostics) diagnostics.push(d);
    }
    for (let i = 0; i < flags.length; i++) {
      if ((flags[i] as number) & 2) {
        for (const d of (records[i] as WorkloadRecord).scheduleDiagnostics) diagnostics.push(d);
      }
    }

    // Pod IPAM, on the nodes that gained or lost pods.
    const byNode = new Map<string, { removed: Placement[]; added: Placement[] }>();
    const collect = (placements: readonly Placement[], which: 'removed' | 'added'): void => {
      for (const p of placements) {
        if (p.nodeName === '' || !this.addresses.has(p.nodeName)) continue;
        let change = byNode.get(p.nodeName);
        if (!change) {
          change = { removed: [], added: [] };
          byNode.set(p.nodeName, change);
        }
        change[which].push(p);
      }
    };
    for (const placements of removedPlacements) collect(placements, 'removed');
    for (const rec of added) collect(rec.placements, 'added');
    const rebuild = new Set<WorkloadRecord>(added);
    for (const [rec, before] of rescheduled) {
      const now = new Set(rec.placements);
      const kept = new Set(before);
      collect(
        before.filter((p) => !now.has(p)),
        'removed',
      );
      collect(
        rec.placements.filter((p) => !kept.has(p)),
        'added',
      );
      rebuild.add(rec);
    }
    for (const [name, change] of byNode) {
      for (const book of this.addresses.get(name) ?? []) {
        for (const p of book.update(change.removed, change.added)) {
          const owner = this.ownerOf.get(p);
          if (owner) rebuild.add(owner);
        }
      }
    }
    const addedPods: Pod[][] = [];
    const addedStates: WorkloadState[][] = [];
    const outside: WorkloadRecord[] = [];
    for (const rec of rebuild) {
      const before = rec.pods?.length ?? 0;
      if (!this.placePods(rec)) continue;
      if (rec.planned && before + (rec.pods?.length ?? 0) > 0) dirtyNamespaces.add(rec.planned.namespace);
      if (!addedSet.has(rec)) outside.push(rec);
    }
    for (const rec of added) {
      addedPods.push(rec.pods ?? NO_PODS);
      addedStates.push(rec.state ? [rec.state] : []);
    }
    const prevCount = prevObjects.length - prefix - suffix;
    this.podSegments.splice(prefix, prevCount, addedPods);
    this.workloadSegments.splice(prefix, prevCount, addedStates);
    for (const rec of outside) {
      const at = bySeq(records, rec.seq);
      this.podSegments.set(at, rec.pods ?? NO_PODS);
      this.workloadSegments.set(at, rec.state ? [rec.state] : []);
    }
    this.current = this.podSegments.list();

    const changes: NamespaceChange[] = [];
    for (const name of dirtyNamespaces) {
      const list: Pod[] = [];
      for (const rec of this.namespaceRecords.get(name) ?? [])
        for (const pod of rec.pods ?? NO_PODS) list.push(pod);
      const old = this.namespaces.get(name);
      if (old && sameItems(old.pods, list)) continue;
      let next: NamespacePods | undefined;
      if (list.length > 0) {
        next = { pods: list, index: new PodLabelIndex(list), stale: false };
        if (old) {
          old.from = undefined;
          // Many changed pods (placements that moved): each Service selects again instead.
          const changed = changedBetween(old.pods, list);
          if (changed.length <= MAX_CHANGED) next.from = { pods: old, changed };
        }
        this.namespaces.set(name, next);
      } else {
        this.namespaces.delete(name);
        if (this.namespaceRecords.get(name)?.length === 0) this.namespaceRecords.delete(name);
      }
      if (old) old.stale = true;
      changes.push({ name, old, next });
    }
    return changes;
  }

  /**
   * The scheduler over the workload list after a change: each record alone while no
   * placement depends on another workload's pods, else every pod in order. Records whose
   * placements change get them (a pod that keeps its node keeps its placement); returns
   * those not added in this run, with their placements before.
   */
  private reschedule(
    records: WorkloadRecord[],
    added: Set<WorkloadRecord>,
  ): Map<WorkloadRecord, Placement[]> {
    const planned = records.filter((r) => r.planned !== null);
    const nodes = this.profile.nodes;
    const cluster = needsClusterScheduling(
      planned.map((r) => ({ workload: r.planned as PlannedWorkload, readsOtherPods: r.readsOtherPods })),
      nodes,
    );
    let schedules: readonly WorkloadSchedule[];
    if (cluster) {
      const workloads = planned.map((r) => r.planned as PlannedWorkload);
      schedules = scheduleCluster(workloads, nodes, this.spreadServices, this.lastCluster);
      this.lastCluster = { workloads, nodes, services: this.spreadServices, schedules };
    } else {
      schedules = planned.map((r) => this.ownSchedule(r));
      this.lastCluster = undefined;
    }
    const changed = new Map<WorkloadRecord, Placement[]>();
    planned.forEach((rec, i) => {
      const next = schedules[i] as WorkloadSchedule;
      const before = rec.placements;
      let same = before.length === next.placements.length;
      // A replayed schedule holds the placements and warnings of the last run: nothing to compare.
      if (sameItems(before, next.placements) && sameItems(rec.scheduleDiagnostics, next.diagnostics)) return;
      const placements = next.placements.map((p, k) => {
        const old = before[k];
        if (old && old.pod === p.pod && old.nodeName === p.nodeName && old.source === p.source) return old;
        same = false;
        return p;
      });
      const diagnostics = sameMessages(rec.scheduleDiagnostics, next.diagnostics)
        ? rec.scheduleDiagnostics
        : next.diagnostics;
      if (same && diagnostics === rec.scheduleDiagnostics) return;
      if (!same) {
        for (const p of placements) this.ownerOf.set(p, rec);
        rec.placements = placements;
      }
      rec.scheduleDiagnostics = diagnostics;
      if (!added.has(rec)) changed.set(rec, before);
    });
    return changed;
  }

  /** Gives the record's pods their current addresses; false when nothing changed. */
  private placePods(rec: WorkloadRecord): boolean {
    if (!rec.planned) return false;
    const before = rec.pods;
    const pods = rec.placements.map((p, i) => {
      const ips = this.ipOf(p);
      const old = before?.[i];
      return old && sameIPs(old, ips) ? old : toPod(p, ips);
    });
    if (before && rec.state && sameItems(before, pods)) return false;
    rec.pods = pods;
    const w = rec.planned;
    rec.state = { kind: w.kind, namespace: w.namespace, name: w.name, pods, source: w.object.range };
    return true;
  }

  /** The addresses from the last node of that name that gave some (as the one-shot IPAM merges them). */
  private ipOf(p: Placement): readonly string[] {
    if (p.nodeName === '') return [];
    const books = this.addresses.get(p.nodeName) ?? [];
    for (let i = books.length - 1; i >= 0; i--) {
      const ips = books[i]?.ips.get(p);
      if (ips !== undefined) return ips;
    }
    return [];
  }

  /** Order keys for records [start, start + count), between their neighbours'. */
  private assignSeq(records: WorkloadRecord[], start: number, count: number): void {
    if (count === 0) return;
    const lo = start > 0 ? (records[start - 1] as WorkloadRecord).seq : 0;
    const next = records[start + count];
    const hi = next ? next.seq : lo + (count + 1) * 1024;
    const step = (hi - lo) / (count + 1);
    if (!(step > 0) || lo + step * count >= hi || lo + step === lo) {
      records.forEach((r, i) => (r.seq = (i + 1) * 1024));
      return;
    }
    for (let k = 0; k < count; k++) (records[start + k] as WorkloadRecord).seq = lo + step * (k + 1);
  }
}

function bySeq(records: readonly WorkloadRecord[], seq: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((records[mid] as WorkloadRecord).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sameMessages(a: readonly Diagnostic[], b: readonly Diagnostic[]): boolean {
  return a.length === b.length && a.every((d, i) => d.message === b[i]?.message && d.code === b[i]?.code);
}

/** Whether the pod already has exactly these addresses. */
function sameIPs(pod: Pod, ips: readonly string[]): boolean {
  if (pod.podIP !== (ips[0] ?? '')) return false;
  const all = pod.podIPs ?? (pod.podIP === '' ? [] : [pod.podIP]);
  return all.length === ips.length && all.every((ip, i) => ip === ips[i]);
}

function toPod(placement: Placement, ips: readonly string[]): Pod {
  const { pod: p } = placement;
  const ip = ips[0] ?? '';
  return {
    metadata: {
      namespace: p.namespace,
      name: p.name,
      labels: p.labels,
      annotations: p.template.annotations,
    },
    nodeName: placement.nodeName,
    nodeNameSource: placement.source,
    nodeSelector: p.template.nodeSelector,
    hostname: p.template.hostname,
    subdomain: p.template.subdomain,
    containers: p.template.containers,
    podIP: ip,
    ...(ips.length > 1 ? { podIPs: [...ips] } : {}),
    podIPSource: 'predicted',
    phase: ip === '' ? 'Pending' : 'Running',
    ready: ip !== '',
    terminating: false,
    owner: p.owner,
    source: p.template.source,
  };
}
