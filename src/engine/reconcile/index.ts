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
} from '../model';
import { isPlainObject } from '../model';
import type { AdmittedService } from './apiserver';
import { ServiceAdmission, serviceKey } from './admission';
import { WorkloadPods } from './workloadPods';
import type { NamespacePods } from './workloadPods';
import { UserSlices } from './userSlices';
import { serviceSelectorMatches } from './labels';
import { reconcileEndpointSlices } from './endpointSlices';
import type { EndpointSelection } from './endpointSlices';
import { provisionLoadBalancers } from './cloudLoadBalancer';
import { category, ObjectInputs, SERVICE, WORKLOAD } from './inputs';
import type { LoadBalancerResult } from './cloudLoadBalancer';
import { dnsRecords, serviceDnsName } from './dns';
import { cacheFor, commonEnds, sameItems, Segments } from './incremental';

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
  private readonly workloads: WorkloadPods;
  private readonly userSlices: UserSlices;
  private readonly inputs: ObjectInputs;

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
    this.workloads = new WorkloadPods(profile, keep);
    this.serviceCache = cacheFor(keep);
    this.userSlices = new UserSlices(keep);
  }

  /** See `prepareReconcile`. */
  prepare(object: LoadedObject): void {
    const kind = category(object);
    if (kind === SERVICE) this.admission.prepare(object);
    else if (kind === WORKLOAD) this.workloads.prepare(object);
  }

  run(allObjects: readonly LoadedObject[]): ReconcileResult {
    ++this.runs;
    const diagnostics: Diagnostic[] = [];
    const inputs = this.inputs.read(allObjects, diagnostics);
    const admitted = this.admission.admit(inputs.services, diagnostics);
    const changedNamespaces = this.workloads.run(inputs.workloads, admitted, diagnostics);
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
    for (const [name, entry] of this.workloads.namespaces) podsByNamespace.set(name, entry.pods);
    return {
      state: {
        profile: this.profile,
        services: this.stateSegments.list(),
        workloads: this.workloads.states(),
        pods: this.workloads.pods,
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
    if (!pods || pods.stale) pods = this.workloads.namespacePods(rec.namespace);
    if (rec.slicesFor === service && rec.pods === pods) return;
    // The namespace's pods changed since this Service last selected: where its selector
    // matches none of the pods that changed, it selects what it selected.
    const selector = service.selector;
    if (
      rec.slicesFor === service &&
      rec.pods &&
      pods.from?.pods === rec.pods &&
      !pods.from.changed.some((p) => serviceSelectorMatches(selector, p.metadata.labels))
    ) {
      rec.pods = pods;
      return;
    }
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
