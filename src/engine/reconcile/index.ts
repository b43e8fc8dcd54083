// The control plane, in the order a real cluster runs it: API server admission
// and allocation, workload controllers, scheduler, pod IPAM, EndpointSlice
// controller, cloud load balancers, DNS. Findings run after it (diagnose/), over what it
// exports: each Service's selection and the pods of each namespace.
//
// One-shot and incremental analysis run the same code. A `Reconciler` keeps each step's
// results from its previous run, keyed by the instances they were computed from (the
// objects of files that did not change are the same instances, and so, in turn, are the
// results derived from them alone). A run compares its input with the previous run's
// (shared prefix and suffix, by identity) and recomputes what the changed objects reach:
// the edited Service; the pods of the edited workload, the nodes they are on and the
// namespace they are in; the Services of that namespace. Steps that couple every object
// (allocation order, pod IP probing on a node, load-balancer addresses) run again whenever
// one of their inputs changed. Outputs are kept as per-owner segments of flat lists, so
// unchanged parts are copied as references, never walked. A first run computes everything,
// so a fresh and an incremental run give the same result (tested on random edit sequences).
import type {
  ClusterProfile,
  ClusterState,
  Diagnostic,
  DnsRecord,
  EndpointSlice,
  LoadBalancerIngress,
  LoadedObject,
  Pod,
  Service,
  ServiceState,
  WorkloadState,
} from '../model';
import { isPlainObject } from '../model';
import type { AdmittedService } from './apiserver';
import { ServiceAdmission, serviceKey } from './admission';
import { UserSlices } from './userSlices';
import { planWorkloadObject } from './workloads';
import type { PlannedWorkload } from './workloads';
import {
  needsClusterScheduling,
  scheduleCluster,
  scheduleWorkload,
  spreadServices,
  workloadReadsOtherPods,
} from './scheduler';
import type { Placement, SpreadService, WorkloadSchedule } from './scheduler';
import { NodeAddresses, podCIDRsOf } from './podIPAM';
import { PodLabelIndex, reconcileEndpointSlices } from './endpointSlices';
import type { EndpointSelection } from './endpointSlices';
import { provisionLoadBalancers } from './cloudLoadBalancer';
import { category, ObjectInputs, SERVICE, WORKLOAD } from './inputs';
import type { LoadBalancerResult } from './cloudLoadBalancer';
import { dnsRecords, serviceDnsName } from './dns';
import { cacheFor, commonEnds, sameItems, Segments, splice } from './incremental';

export interface ReconcileResult {
  state: ClusterState;
  /** Admitted Services with the objects they came from, same order as state.services. */
  admitted: AdmittedService[];
  /** The EndpointSlice controller's answer per Service, same order as state.services. */
  selections: EndpointSelection[];
  /** Each namespace's pods, in pod order; a list keeps its instance while the namespace's pods do. */
  podsByNamespace: ReadonlyMap<string, readonly Pod[]>;
}

/** What an incremental analyzer keeps between runs: the reconciler of its current profile. */
export interface ReconcileCache {
  reconciler: Reconciler | null;
}

export function createReconcileCache(): ReconcileCache {
  return { reconciler: null };
}

export function reconcile(
  objects: readonly LoadedObject[],
  profile: ClusterProfile,
  cache?: ReconcileCache,
): ReconcileResult {
  let reconciler = cache?.reconciler;
  if (!reconciler || reconciler.profile !== profile) {
    reconciler = new Reconciler(profile, cache !== undefined);
    if (cache) cache.reconciler = reconciler;
  }
  return reconciler.run(objects);
}

/**
 * Does the per-object part of a later `reconcile` for one object ahead of it: API-server
 * admission of a Service, the plan and placements of a workload. The work lands in the
 * cache's reconciler, so a caller can spread a large first run over several turns of its
 * event loop; the result of `reconcile` does not change.
 */
export function prepareReconcile(object: LoadedObject, profile: ClusterProfile, cache: ReconcileCache): void {
  let reconciler = cache.reconciler;
  if (!reconciler || reconciler.profile !== profile) {
    reconciler = new Reconciler(profile, true);
    cache.reconciler = reconciler;
  }
  reconciler.prepare(object);
}

/** A workload object and everything derived from it alone. */
interface WorkloadRecord {
  planned: PlannedWorkload | null;
  planDiagnostics: Diagnostic[];
  /** The placements in effect: `own`'s, or the cluster-wide scheduler's (see scheduler/index.ts). */
  placements: Placement[];
  scheduleDiagnostics: Diagnostic[];
  /** The workload scheduled alone: right while no workload's placement depends on others. */
  own: WorkloadSchedule;
  /** Whether its pods use a filter that reads other pods (host ports, pod affinity, spread). */
  readsOtherPods: boolean;
  /** Same order as placements; null until a run placed them. */
  pods: Pod[] | null;
  state: WorkloadState | null;
  /** Orders records as the workload list does (renumbered when gaps run out). */
  seq: number;
}

/** A namespace's pods with their label index; replaced (and marked stale) when they change. */
interface NamespacePods {
  pods: Pod[];
  index: PodLabelIndex | null;
  stale: boolean;
}

interface NamespaceChange {
  name: string;
  old: NamespacePods | undefined;
  next: NamespacePods | undefined;
}

/** One admitted Service and everything derived from it, with what each part was computed from. */
interface ServiceRecord {
  admitted: AdmittedService;
  key: string;
  namespace: string;
  /** Position in the sorted Service list. */
  position: number;
  /** With status as written (an exported manifest's load balancer), before the cloud controller. */
  withStatus: Service;
  lb: LoadBalancerResult | null;
  /** With the cloud controller's status. */
  service: Service;
  pods: NamespacePods | null;
  selected: Pod[];
  slicesFor: Service | null;
  slices: EndpointSlice[];
  state: ServiceState | null;
  dns: DnsRecord[];
  /** What diagnose reads: a new instance when the state or the selected pods changed. */
  selection: EndpointSelection | null;
}

const NO_PODS: Pod[] = [];
const NO_SLICES: EndpointSlice[] = [];

/** Reconciles a changing list of objects under one profile; see the comment at the top. */
export class Reconciler {
  private runs = 0;
  private readonly admission: ServiceAdmission;
  private readonly userSlices: UserSlices;
  private readonly inputs: ObjectInputs;

  private workloadObjects: LoadedObject[] = [];
  /** The Services' selectors, which default topology spreading reads (replaced when they change). */
  private spreadServices: readonly SpreadService[] = [];
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
  private readonly namespaces = new Map<string, NamespacePods>();
  private pods: Pod[] = [];

  /** The admitted Services of the previous sort. */
  private admittedList: AdmittedService[] = [];
  private sorted: ServiceRecord[] = [];
  private sortedKeys: string[] = [];
  private sortedTies = false;
  private readonly serviceCache: WeakMap<AdmittedService, ServiceRecord>;
  private readonly servicesByNamespace = new Map<string, Set<ServiceRecord>>();
  private readonly loadBalancerServices = new Set<ServiceRecord>();
  private readonly selectorlessServices = new Set<ServiceRecord>();
  /** Owners in the service segments (the sorted list of the last full sort). */
  private sortedOwners = 0;
  private readonly stateSegments = new Segments<ServiceState>();
  private readonly sliceSegments = new Segments<EndpointSlice>();
  private readonly dnsSegments = new Segments<DnsRecord>();
  private readonly selectionSegments = new Segments<EndpointSelection>();

  constructor(
    readonly profile: ClusterProfile,
    /** False for a one-shot run: nothing is kept for a later run. */
    keep = true,
  ) {
    this.inputs = new ObjectInputs(keep);
    this.admission = new ServiceAdmission(profile, keep);
    this.workloadCache = cacheFor(keep);
    this.serviceCache = cacheFor(keep);
    this.userSlices = new UserSlices(keep);

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

  /** See `prepareReconcile`. */
  prepare(object: LoadedObject): void {
    const kind = category(object);
    if (kind === SERVICE) this.admission.prepare(object);
    else if (kind === WORKLOAD) this.workloadRecord(object);
  }

  run(allObjects: readonly LoadedObject[]): ReconcileResult {
    ++this.runs;
    const diagnostics: Diagnostic[] = [];
    const inputs = this.inputs.read(allObjects, diagnostics);
    const admitted = this.admission.admit(inputs.services, diagnostics);
    const spread = spreadServices(admitted, this.spreadServices);
    const spreadChanged = spread !== this.spreadServices;
    this.spreadServices = spread;
    const changedNamespaces = this.runWorkloads(inputs.workloads, diagnostics, spreadChanged);
    const userSlicesChanged = this.userSlices.read(inputs.userEndpoints, admitted, diagnostics);
    const sort = this.sortServices(admitted);
    const visit = new Set<ServiceRecord>(sort.visit);
    if (sort.loadBalancers) for (const rec of this.provisionLoadBalancers()) visit.add(rec);
    for (const change of changedNamespaces) {
      for (const rec of this.servicesByNamespace.get(change.name) ?? []) visit.add(rec);
    }
    if (userSlicesChanged) for (const rec of this.selectorlessServices) visit.add(rec);

    const userSlicesByService = this.userSlices.byService();
    for (const rec of visit) {
      const { state, slices, dns, selection } = rec;
      this.serviceSlices(rec, userSlicesByService);
      this.serviceState(rec);
      this.serviceSelection(rec);
      if (sort.full) continue;
      // A record that took another's place writes its outputs even if they did not change
      // (it may come back from an earlier run with outputs computed then).
      const placed = sort.placed.has(rec);
      if (placed || rec.state !== state) this.stateSegments.set(rec.position, [rec.state as ServiceState]);
      if (placed || rec.slices !== slices) this.sliceSegments.set(rec.position, rec.slices);
      if (placed || rec.dns !== dns) this.dnsSegments.set(rec.position, rec.dns);
      if (placed || rec.selection !== selection)
        this.selectionSegments.set(rec.position, [rec.selection as EndpointSelection]);
    }
    if (sort.full) {
      const owners = this.sortedOwners;
      this.stateSegments.splice(
        0,
        owners,
        this.sorted.map((rec) => [rec.state as ServiceState]),
      );
      this.sliceSegments.splice(
        0,
        owners,
        this.sorted.map((rec) => rec.slices),
      );
      this.dnsSegments.splice(
        0,
        owners,
        this.sorted.map((rec) => rec.dns),
      );
      this.selectionSegments.splice(
        0,
        owners,
        this.sorted.map((rec) => [rec.selection as EndpointSelection]),
      );
      this.sortedOwners = this.sorted.length;
    }
    const endpointSlices = this.sliceSegments.list();
    let allSlices = endpointSlices;
    const userSlices = this.userSlices.slices;
    if (userSlices.length > 0) {
      // Slices for Services not in the files still reach kube-proxy.
      const claimed = new Set(endpointSlices);
      allSlices = [...endpointSlices];
      for (const s of userSlices) if (!claimed.has(s)) allSlices.push(s);
    }
    const sorted = this.sorted;
    const podsByNamespace = new Map<string, readonly Pod[]>();
    for (const [name, entry] of this.namespaces) podsByNamespace.set(name, entry.pods);
    return {
      state: {
        profile: this.profile,
        services: this.stateSegments.list(),
        workloads: this.workloadSegments.list(),
        pods: this.pods,
        endpointSlices: allSlices,
        dns: this.dnsSegments.list(),
        diagnostics,
      },
      get admitted(): AdmittedService[] {
        return sorted.map((rec) => rec.admitted);
      },
      selections: this.selectionSegments.list(),
      podsByNamespace,
    };
  }

  private workloadRecord(object: LoadedObject): WorkloadRecord {
    let rec = this.workloadCache.get(object);
    if (rec) return rec;
    const nodes = this.profile.nodes;
    const plan = planWorkloadObject(object, nodes);
    const own = plan.workload ? scheduleWorkload(plan.workload, nodes) : { placements: [], diagnostics: [] };
    rec = {
      planned: plan.workload,
      planDiagnostics: plan.diagnostics,
      placements: own.placements,
      scheduleDiagnostics: own.diagnostics,
      own,
      readsOtherPods: plan.workload ? workloadReadsOtherPods(plan.workload) : false,
      pods: null,
      state: null,
      seq: 0,
    };
    for (const p of own.placements) this.ownerOf.set(p, rec);
    this.workloadCache.set(object, rec);
    return rec;
  }

  /**
   * Workload controllers, scheduler and pod IPAM. Addresses are handed out again only on
   * the nodes whose pods changed; a pod keeps its instance while its address does.
   * Returns the namespaces whose pods changed.
   */
  private runWorkloads(
    workloadObjects: LoadedObject[],
    diagnostics: Diagnostic[],
    servicesChanged: boolean,
  ): NamespaceChange[] {
    const prevObjects = this.workloadObjects;
    const [prefix, suffix] = commonEnds(prevObjects, workloadObjects);
    const removed = this.records.slice(prefix, prevObjects.length - suffix);
    const added = workloadObjects
      .slice(prefix, workloadObjects.length - suffix)
      .map((o) => this.workloadRecord(o));
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
    this.pods = this.podSegments.list();

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
    const schedules = cluster
      ? scheduleCluster(
          planned.map((r) => r.planned as PlannedWorkload),
          nodes,
          this.spreadServices,
        )
      : planned.map((r) => r.own);
    const changed = new Map<WorkloadRecord, Placement[]>();
    planned.forEach((rec, i) => {
      const next = schedules[i] as WorkloadSchedule;
      const before = rec.placements;
      let same = before.length === next.placements.length;
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

  /**
   * Services listed by namespace/name, whatever the file order. While the Services keep
   * their names, a changed one takes the place of the one it replaces. Returns the
   * records to visit, and whether the load balancers need provisioning again.
   */
  private sortServices(admitted: AdmittedService[]): {
    visit: ServiceRecord[];
    /** Records that took another's place in the list. */
    placed: Set<ServiceRecord>;
    loadBalancers: boolean;
    full: boolean;
  } {
    const prev = this.admittedList;
    this.admittedList = admitted;
    const [prefix, suffix] = commonEnds(prev, admitted);
    const removed = prev.slice(prefix, prev.length - suffix);
    const added = admitted.slice(prefix, admitted.length - suffix);
    if (this.runs > 1 && !this.sortedTies && removed.length === added.length) {
      const positions: number[] = [];
      for (const [i, a] of added.entries()) {
        const old = removed[i] as AdmittedService;
        const key = serviceKey(a);
        if (serviceKey(old) !== key) break;
        const at = this.sortedPosition(key);
        if (at < 0 || this.sorted[at]?.admitted !== old) break;
        positions.push(at);
      }
      if (positions.length === added.length) {
        const visit: ServiceRecord[] = [];
        let loadBalancers = false;
        const sorted = positions.length > 0 ? this.sorted.slice() : this.sorted;
        for (const [i, at] of positions.entries()) {
          const old = sorted[at] as ServiceRecord;
          const rec = this.serviceRecord(added[i] as AdmittedService);
          if (rec === old) continue;
          this.forget(old);
          sorted[at] = rec;
          this.remember(rec, at);
          visit.push(rec);
          if (this.loadBalancerServices.has(rec) || old.admitted.service.type === 'LoadBalancer')
            loadBalancers = true;
        }
        this.sorted = sorted;
        return { visit, placed: new Set(visit), loadBalancers, full: false };
      }
    }
    for (const rec of this.sorted) this.forget(rec);
    const keyed = admitted.map((a) => ({ a, key: serviceKey(a) }));
    keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    this.sorted = keyed.map((k) => this.serviceRecord(k.a));
    this.sortedKeys = keyed.map((k) => k.key);
    this.sortedTies = this.sortedKeys.some((k, i) => i > 0 && this.sortedKeys[i - 1] === k);
    this.sorted.forEach((rec, i) => this.remember(rec, i));
    return { visit: this.sorted, placed: new Set(), loadBalancers: true, full: true };
  }

  private sortedPosition(key: string): number {
    const keys = this.sortedKeys;
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid] as string;
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private serviceRecord(admitted: AdmittedService): ServiceRecord {
    let rec = this.serviceCache.get(admitted);
    if (rec) return rec;
    // Status is the cloud controller's (or, in a manifest exported from a live cluster, what it
    // reported; the API server ignores status on create). Admitted Services are not mutated:
    // an incremental analyzer may reuse them.
    const withStatus: Service = {
      ...admitted.service,
      status: {
        loadBalancer: {
          ingress: admitted.service.type === 'LoadBalancer' ? reportedIngress(admitted.object.raw) : [],
        },
      },
    };
    rec = {
      admitted,
      key: serviceKey(admitted),
      namespace: admitted.service.metadata.namespace,
      position: -1,
      withStatus,
      lb: null,
      service: withStatus,
      pods: null,
      selected: NO_PODS,
      slicesFor: null,
      slices: NO_SLICES,
      state: null,
      dns: [],
      selection: null,
    };
    this.serviceCache.set(admitted, rec);
    return rec;
  }

  /** Takes a record into the sorted list at `position`. */
  private remember(rec: ServiceRecord, position: number): void {
    rec.position = position;
    let peers = this.servicesByNamespace.get(rec.namespace);
    if (!peers) {
      peers = new Set();
      this.servicesByNamespace.set(rec.namespace, peers);
    }
    peers.add(rec);
    const service = rec.admitted.service;
    if (service.type === 'LoadBalancer') this.loadBalancerServices.add(rec);
    if (service.selector === null) this.selectorlessServices.add(rec);
  }

  private forget(rec: ServiceRecord): void {
    const peers = this.servicesByNamespace.get(rec.namespace);
    peers?.delete(rec);
    if (peers?.size === 0) this.servicesByNamespace.delete(rec.namespace);
    this.loadBalancerServices.delete(rec);
    this.selectorlessServices.delete(rec);
  }

  /**
   * The cloud controller over every LoadBalancer Service (in list order, as one run gives
   * them); a result equal to the last keeps its instance. Returns the records it changed.
   */
  private provisionLoadBalancers(): ServiceRecord[] {
    const recs = [...this.loadBalancerServices].sort((a, b) => a.position - b.position);
    const lbs = provisionLoadBalancers(
      recs.map((rec) => rec.withStatus),
      this.profile,
    );
    const changed: ServiceRecord[] = [];
    for (const rec of recs) {
      const found = lbs.get(rec.withStatus) ?? null;
      if (found === null) {
        if (rec.service === rec.withStatus && rec.lb === null) continue;
        rec.lb = null;
        rec.service = rec.withStatus;
      } else {
        if (rec.lb && JSON.stringify(rec.lb) === JSON.stringify(found)) continue;
        rec.lb = found;
        rec.service = { ...rec.withStatus, status: { loadBalancer: { ingress: found.ingress } } };
      }
      changed.push(rec);
    }
    return changed;
  }

  /** The EndpointSlice controller for one Service, again only when its namespace's pods changed. */
  private serviceSlices(rec: ServiceRecord, userSlicesByService: Map<string, EndpointSlice[]>): void {
    const service = rec.service;
    if (service.selector === null) {
      const slices = userSlicesByService.get(rec.key) ?? NO_SLICES;
      if (!sameItems(rec.slices, slices)) rec.slices = slices;
      rec.slicesFor = service;
      return;
    }
    let pods = rec.pods;
    if (!pods || pods.stale) pods = this.namespacePods(rec.namespace);
    if (rec.slicesFor === service && rec.pods === pods) return;
    const selected =
      service.type === 'ExternalName' || !pods.index
        ? NO_PODS
        : pods.index.select(rec.namespace, service.selector);
    rec.pods = pods;
    if (rec.slicesFor === service && sameItems(rec.selected, selected)) return;
    if (!sameItems(rec.selected, selected)) rec.selected = selected;
    rec.slices = reconcileEndpointSlices(service, selected, this.profile.nodes);
    rec.slicesFor = service;
  }

  /** A namespace's pods (an empty entry, replaced when pods appear, if it has none). */
  private namespacePods(name: string): NamespacePods {
    let entry = this.namespaces.get(name);
    if (!entry) {
      entry = { pods: NO_PODS, index: null, stale: false };
      this.namespaces.set(name, entry);
    }
    return entry;
  }

  private serviceState(rec: ServiceRecord): void {
    const { service, slices, admitted } = rec;
    if (rec.state && rec.state.service === service && rec.state.endpointSlices === slices) return;
    rec.state = {
      service,
      clusterIPSource: admitted.clusterIPSource,
      nodePortSources: admitted.nodePortSources,
      healthCheckNodePortSource: admitted.healthCheckNodePortSource,
      dns: serviceDnsName(service, this.profile.clusterDomain),
      endpointSlices: slices,
      loadBalancer: rec.lb,
      source: admitted.object.range,
    };
    rec.dns = dnsRecords(service, slices, this.profile.clusterDomain);
  }

  /** The selection diagnose reads, kept while the state and the selected pods are the same. */
  private serviceSelection(rec: ServiceRecord): void {
    const state = rec.state as ServiceState;
    const was = rec.selection;
    if (was && was.service === state && was.pods === rec.selected) return;
    rec.selection = { service: state, object: rec.admitted.object, pods: rec.selected };
  }
}

/** Position of the first record whose order key is not below `seq`. */
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

function reportedIngress(raw: Record<string, unknown>): LoadBalancerIngress[] {
  const status = raw['status'];
  const lb = isPlainObject(status) ? status['loadBalancer'] : undefined;
  const ingress = isPlainObject(lb) ? lb['ingress'] : undefined;
  if (!Array.isArray(ingress)) return [];
  return ingress.filter(isPlainObject).flatMap((i): LoadBalancerIngress[] => {
    const ip = typeof i['ip'] === 'string' ? i['ip'] : undefined;
    const hostname = typeof i['hostname'] === 'string' ? i['hostname'] : undefined;
    if (!ip && !hostname) return [];
    const ipMode = i['ipMode'] === 'Proxy' || i['ipMode'] === 'VIP' ? i['ipMode'] : undefined;
    return [{ ...(ip ? { ip } : {}), ...(hostname ? { hostname } : {}), ...(ipMode ? { ipMode } : {}) }];
  });
}
