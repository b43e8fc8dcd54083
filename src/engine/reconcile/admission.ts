// Reconcile's API-server step: each Service admitted (decoded, defaulted, validated:
// apiserver/), then ClusterIPs and NodePorts allocated in Service order, which is stateful
// across Services. Kept across runs: a Service's admission is cached by its object; the
// allocators run again only when some Service asks them something new, and a change of
// one Service's node-port hash inputs alone replays only the picks it reaches.
import type { ClusterProfile, Diagnostic, LoadedObject } from '../model';
import {
  admissionDiagnostics,
  admitService,
  admittedService,
  allocateAll,
  allocationSignature,
  createAllocators,
  explicitAllocationSignature,
  hasAdmissionFindings,
  reallocateNodePorts,
  sameAllocation,
} from './apiserver';
import type { Admission, AdmittedService, AllocationResult, NodePortTrace } from './apiserver';
import type { NodePortAllocator } from './apiserver/nodePortAllocator';
import { cacheFor, commonEnds, splice } from './incremental';

/** Owns the admissions and allocations of the previous run. */
export class ServiceAdmission {
  private runs = 0;
  private readonly families;
  private serviceObjects: LoadedObject[] = [];
  private admissions: Admission[] = [];
  private signatures: string[] = [];
  private results: AllocationResult[] = [];
  private flagged: boolean[] = [];
  private admittedList: AdmittedService[] = [];
  private nodePortsAfterAllocation: NodePortAllocator | null = null;
  private portTrace: NodePortTrace | null = null;
  private readonly admissionCache: WeakMap<LoadedObject, { admission: Admission; signature: string }>;
  private readonly lastResults: WeakMap<Admission, AllocationResult>;
  private readonly admittedCache: WeakMap<Admission, { result: AllocationResult; admitted: AdmittedService }>;

  constructor(
    private readonly profile: ClusterProfile,
    keep: boolean,
  ) {
    this.families = createAllocators(profile.serviceCIDR, profile.nodePortRange).families;
    this.admissionCache = cacheFor(keep);
    this.lastResults = cacheFor(keep);
    this.admittedCache = cacheFor(keep);
  }

  /** API-server admission and allocation; the allocators run again only when a request changed. */
  admit(serviceObjects: LoadedObject[], diagnostics: Diagnostic[]): AdmittedService[] {
    const prevObjects = this.serviceObjects;
    const [prefix, suffix] = commonEnds(prevObjects, serviceObjects);
    const middle = serviceObjects
      .slice(prefix, serviceObjects.length - suffix)
      .map((object) => this.prepare(object));
    const admissions = splice(
      this.admissions,
      prefix,
      suffix,
      middle.map((m) => m.admission),
    );
    const signatures = splice(
      this.signatures,
      prefix,
      suffix,
      middle.map((m) => m.signature),
    );
    const sameLength = ++this.runs > 1 && prevObjects.length - prefix - suffix === middle.length;
    const differing = sameLength
      ? middle.flatMap((m, i) => (m.signature === this.signatures[prefix + i] ? [] : [i]))
      : [];
    let reallocated: Map<number, AllocationResult> | null = null;
    if (sameLength && differing.length === 1 && this.portTrace && this.nodePortsAfterAllocation) {
      // One Service changed only the port numbers its node ports are hashed from.
      const x = prefix + (differing[0] as number);
      const now = admissions[x] as Admission;
      const before = this.admissions[x] as Admission;
      if (explicitAllocationSignature(now.request) === explicitAllocationSignature(before.request)) {
        reallocated = reallocateNodePorts(
          this.portTrace,
          this.nodePortsAfterAllocation,
          x,
          now.request,
          this.results,
        );
        if (reallocated) {
          this.results = this.results.slice();
          for (const [r, result] of reallocated) {
            this.results[r] = result;
            this.lastResults.set(admissions[r] as Admission, result);
          }
        }
      }
    }
    let results: AllocationResult[];
    let admitted: AdmittedService[];
    let flagged: boolean[];
    let nodePorts: () => NodePortAllocator;
    if (sameLength && (differing.length === 0 || reallocated)) {
      // Every Service asks the allocators what it asked before (or one got new node ports
      // that no other pick depends on): the other answers stay, at the same positions.
      results = this.results;
      const after = this.nodePortsAfterAllocation as NodePortAllocator;
      let copy: NodePortAllocator | null = null;
      nodePorts = () => (copy ??= after.clone());
      const own = middle.map((m, i) => this.admitted(m.admission, results[prefix + i] as AllocationResult));
      admitted = splice(this.admittedList, prefix, suffix, own);
      flagged = splice(
        this.flagged,
        prefix,
        suffix,
        middle.map((m, i) => hasAdmissionFindings(m.admission, results[prefix + i] as AllocationResult)),
      );
      // Node ports replayed for Services outside the changed part.
      for (const r of reallocated?.keys() ?? []) {
        const admission = admissions[r] as Admission;
        const result = results[r] as AllocationResult;
        admitted[r] = this.admitted(admission, result);
        flagged[r] = hasAdmissionFindings(admission, result);
      }
    } else {
      const allocators = createAllocators(this.profile.serviceCIDR, this.profile.nodePortRange);
      const trace: NodePortTrace = {
        rank: [],
        picks: [],
        owner: new Map(),
        blockedBy: new Map(),
        reusable: false,
      };
      this.portTrace = trace;
      results = allocateAll(
        admissions.map((a) => a.request),
        allocators,
        trace,
      ).map((result, i) => {
        const admission = admissions[i] as Admission;
        const previous = this.lastResults.get(admission);
        if (previous && sameAllocation(previous, result)) return previous;
        this.lastResults.set(admission, result);
        return result;
      });
      this.nodePortsAfterAllocation = allocators.nodePorts.clone();
      nodePorts = () => allocators.nodePorts;
      admitted = admissions.map((a, i) => this.admitted(a, results[i] as AllocationResult));
      flagged = admissions.map((a, i) => hasAdmissionFindings(a, results[i] as AllocationResult));
    }
    const indexes: number[] = [];
    flagged.forEach((f, i) => {
      if (f) indexes.push(i);
    });
    if (indexes.length > 0) {
      for (const d of admissionDiagnostics(admissions, results, nodePorts, indexes)) diagnostics.push(d);
    }
    this.serviceObjects = serviceObjects;
    this.admissions = admissions;
    this.signatures = signatures;
    this.results = results;
    this.flagged = flagged;
    this.admittedList = admitted;
    return admitted;
  }

  prepare(object: LoadedObject): { admission: Admission; signature: string } {
    let cached = this.admissionCache.get(object);
    if (!cached) {
      const admission = admitService(object, this.families);
      cached = { admission, signature: allocationSignature(admission.request) };
      this.admissionCache.set(object, cached);
    }
    return cached;
  }

  private admitted(admission: Admission, result: AllocationResult): AdmittedService {
    const cached = this.admittedCache.get(admission);
    if (cached && cached.result === result) return cached.admitted;
    const admitted = admittedService(admission, result);
    this.admittedCache.set(admission, { result, admitted });
    return admitted;
  }
}

/** A Service's namespace/name: the key Services are sorted, matched and named by. */
export function serviceKey(a: AdmittedService): string {
  return `${a.service.metadata.namespace}/${a.service.metadata.name}`;
}
