// The API server's part of a Service's life, for every Service in the
// workspace: decode, default, validate, then allocate ClusterIPs, NodePorts and
// health-check NodePorts. Objects the API server would refuse are reported and
// still modelled as far as possible.
import type {
  ClusterProfile,
  Diagnostic,
  IPFamily,
  LoadedObject,
  Protocol,
  Service,
  ServicePort,
  ServiceType,
  ValueSource,
} from '../../model';
import { forGeneratedObject, rangeAt } from '../../model';
import type { AllocationRequest, AllocationResult } from './allocation';
import { allocateAll, createAllocators, holderName } from './allocation';
export {
  allocateAll,
  createAllocators,
  explicitAllocationSignature,
  reallocateNodePorts,
} from './allocation';
export type { AllocationResult, ClusterAllocators, NodePortTrace } from './allocation';
import type { NodePortAllocator } from './nodePortAllocator';
import type { DecodeError, V1Service } from './decode';
import { decodeService } from './decode';
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS, setDefaultsService } from './defaults';
import {
  allocationDiagnostic,
  apiVersionDiagnostic,
  decodeErrorDiagnostic,
  fieldErrorDiagnostic,
} from './diagnostics';
import type { FieldError } from './fieldError';
import { initIPFamilyFields } from './ipFamilies';
import { stableHash } from './stableHash';
import { isHeadless, needsHealthCheck, validateClusterIPsRelatedFields, validateService } from './validation';

export interface AdmittedService {
  /** Typed, defaulted, with clusterIP(s), nodePorts and healthCheckNodePort allocated. */
  service: Service;
  /** 'explicit' if written, 'predicted' if allocated; 'defaulted' when there is none to give (ExternalName). */
  clusterIPSource: ValueSource;
  /** Per port; nodePort 0 (none) is 'defaulted'. */
  nodePortSources: ValueSource[];
  healthCheckNodePortSource: ValueSource | null;
  object: LoadedObject;
  /** The API server would refuse it (still modelled as far as possible). */
  rejected: boolean;
}

export { calculateIPRangeOffset, calculatePortRangeOffset } from './rangeOffset';

const TYPES: ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Case-insensitive match to a known value, for modelling what the user most likely meant. */
function coerce<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase()) ?? fallback;
}

/** generateName + 5 characters, stable instead of random. */
function generatedName(prefix: string, object: LoadedObject): string {
  let hash = stableHash(`${object.file}#${object.docIndex}`);
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += NAME_SUFFIX_ALPHABET[Number(hash % 27n)] ?? 'x';
    hash /= 27n;
  }
  return `${prefix}${suffix}`;
}

export interface Admission {
  object: LoadedObject;
  name: string;
  defaulted: V1Service;
  decodeErrors: DecodeError[];
  fieldErrors: FieldError[];
  wrongApiVersion: boolean;
  request: AllocationRequest;
}

/** Decoding, defaulting and validation of one Service object: depends on nothing else. */
export function admitService(object: LoadedObject, clusterFamilies: readonly IPFamily[]): Admission {
  const { service: decoded, errors: decodeErrors } = decodeService(object.raw, object.namespace);
  const defaulted = setDefaultsService(decoded);
  const name = defaulted.name !== '' ? defaulted.name : generatedName(defaulted.generateName, object);
  const fieldErrors = validateService(defaulted);

  // The allocator works on a copy so validation above saw the object as written.
  const spec = {
    ...defaulted.spec,
    ipFamilies: [...defaulted.spec.ipFamilies],
    clusterIPs: [...defaulted.spec.clusterIPs],
  };
  let canAllocateIPs = validateClusterIPsRelatedFields(defaulted).length === 0;
  if (canAllocateIPs) {
    const familyErrors = initIPFamilyFields(spec, clusterFamilies);
    fieldErrors.push(...familyErrors);
    canAllocateIPs = familyErrors.length === 0;
  }
  if (!canAllocateIPs && spec.type !== 'ExternalName' && spec.clusterIPs[0] !== 'None') {
    // Model the Service as if the cluster had picked its address, so one bad field does not
    // hide it from everything downstream.
    spec.clusterIP = '';
    spec.clusterIPs = [];
    spec.ipFamilies = clusterFamilies.slice(0, 1);
    canAllocateIPs = true;
  }
  const wrongApiVersion = object.apiVersion !== 'v1';
  return {
    object,
    name,
    defaulted,
    decodeErrors,
    fieldErrors,
    wrongApiVersion,
    request: {
      namespace: object.namespace,
      name,
      spec,
      canAllocateIPs,
      rejected: wrongApiVersion || decodeErrors.length > 0 || fieldErrors.length > 0,
      needsHealthCheck: needsHealthCheck(defaulted),
      wroteClusterIPs: decoded.spec.clusterIPs.length > 0,
    },
  };
}

function toService(admission: Admission, result: AllocationResult): Service {
  const v1 = admission.defaulted;
  const spec = admission.request.spec;
  const type = coerce(v1.spec.type, TYPES, 'ClusterIP');
  const usesNodePorts = type === 'NodePort' || type === 'LoadBalancer';
  const ports: ServicePort[] = v1.spec.ports.map((port, i) => ({
    name: port.name,
    protocol: coerce(port.protocol, PROTOCOLS, 'TCP'),
    port: port.port,
    targetPort: port.targetPort,
    nodePort: usesNodePorts ? (result.nodePorts[i] ?? 0) : 0,
    ...(port.appProtocol !== null ? { appProtocol: port.appProtocol } : {}),
  }));
  const clusterIPs = type === 'ExternalName' ? [] : result.clusterIPs.filter((ip) => ip !== '');
  const selector =
    v1.spec.selector !== null && Object.keys(v1.spec.selector).length > 0 ? v1.spec.selector : null;
  return {
    metadata: {
      namespace: admission.object.namespace,
      name: admission.name,
      labels: v1.labels,
      annotations: v1.annotations,
    },
    type,
    clusterIP: clusterIPs[0] ?? '',
    clusterIPs,
    selector,
    ports,
    externalIPs: v1.spec.externalIPs,
    externalName: v1.spec.externalName,
    sessionAffinity: v1.spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None',
    sessionAffinityTimeoutSeconds:
      v1.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS,
    externalTrafficPolicy: v1.spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    internalTrafficPolicy: v1.spec.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    loadBalancerSourceRanges: v1.spec.loadBalancerSourceRanges,
    loadBalancerIP: v1.spec.loadBalancerIP,
    loadBalancerClass: v1.spec.loadBalancerClass,
    healthCheckNodePort: result.healthCheckNodePort,
    publishNotReadyAddresses: v1.spec.publishNotReadyAddresses,
    ipFamilies:
      type === 'ExternalName'
        ? []
        : spec.ipFamilies.filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6'),
    // PrepareForCreate clears status; the cloud controller fills it later.
    status: { loadBalancer: { ingress: [] } },
    source: admission.object.range,
  };
}

function usesNodePorts(spec: V1Service['spec']): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

/**
 * Everything `allocateAll` reads of one request. Equal signatures in equal order give
 * equal allocations; a ClusterIP Service's port numbers are not read, so editing them
 * does not re-run the allocators.
 */
export function allocationSignature(request: AllocationRequest): string {
  const spec = request.spec;
  return JSON.stringify([
    request.namespace,
    request.name,
    request.canAllocateIPs,
    request.rejected,
    request.needsHealthCheck,
    request.wroteClusterIPs,
    spec.type,
    spec.clusterIPs,
    spec.ipFamilies,
    spec.ports.length,
    usesNodePorts(spec) ? spec.ports.map((p) => [p.port, p.nodePort]) : 0,
    spec.allocateLoadBalancerNodePorts,
    spec.healthCheckNodePort,
  ]);
}

/** Whether two allocation results are equal (an incremental run keeps the older instance). */
export function sameAllocation(a: AllocationResult, b: AllocationResult): boolean {
  return (
    a.clusterIPSource === b.clusterIPSource &&
    a.healthCheckNodePort === b.healthCheckNodePort &&
    a.healthCheckNodePortSource === b.healthCheckNodePortSource &&
    sameValues(a.clusterIPs, b.clusterIPs) &&
    sameValues(a.nodePortSources, b.nodePortSources) &&
    sameValues(a.nodePorts, b.nodePorts) &&
    (a.findings.length === 0
      ? b.findings.length === 0
      : JSON.stringify(a.findings) === JSON.stringify(b.findings))
  );
}

function sameValues<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether the API server has something to say about this Service. */
export function hasAdmissionFindings(admission: Admission, result: AllocationResult): boolean {
  return (
    admission.wrongApiVersion ||
    admission.decodeErrors.length > 0 ||
    admission.fieldErrors.length > 0 ||
    result.findings.length > 0
  );
}

/** The API server's answers that are findings: refused fields, taken values (in admission order). */
export function admissionDiagnostics(
  admissions: readonly Admission[],
  results: readonly AllocationResult[],
  /** The node-port allocator after the allocation; suggestions in fixes take ports from it. */
  nodePorts: () => NodePortAllocator,
  /** The admissions with findings (`hasAdmissionFindings`), ascending; all when absent. */
  indexes?: readonly number[],
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let requests: AllocationRequest[] | null = null;
  for (const i of indexes ?? admissions.keys()) {
    const admission = admissions[i] as Admission;
    const result = results[i] as AllocationResult;
    if (!hasAdmissionFindings(admission, result)) continue;
    const { object, name } = admission;
    const context = {
      object,
      service: admission.defaulted,
      freeNodePort: () => nodePorts().allocateNext(`${object.namespace}/${name}:suggestion`),
    };
    const found: Diagnostic[] = [];
    if (admission.wrongApiVersion) found.push(apiVersionDiagnostic(object));
    for (const error of admission.decodeErrors) found.push(decodeErrorDiagnostic(error, object));
    for (const error of admission.fieldErrors) found.push(fieldErrorDiagnostic(error, name, context));
    for (const finding of result.findings) {
      const holder = finding.heldBy;
      requests ??= admissions.map((a) => a.request);
      const heldBy =
        holder === undefined
          ? null
          : {
              name: holderName(holder, requests) ?? '',
              range:
                'system' in holder
                  ? null
                  : (() => {
                      const other = admissions[holder.request];
                      return other === undefined ? null : rangeAt(other.object, holder.at);
                    })(),
            };
      found.push(allocationDiagnostic(finding, name, context, heldBy));
    }
    for (const d of forGeneratedObject(object, found)) diagnostics.push(d);
  }
  return diagnostics;
}

/**
 * Runs defaulting, validation and the ClusterIP/NodePort allocators over every
 * Service object (kind Service only). Deterministic; never throws.
 */
export function runServiceApiServer(
  objects: LoadedObject[],
  profile: ClusterProfile,
): { services: AdmittedService[]; diagnostics: Diagnostic[] } {
  const allocators = createAllocators(profile.serviceCIDR, profile.nodePortRange);
  const admissions = objects.map((object) => admitService(object, allocators.families));
  const results = allocateAll(
    admissions.map((admission) => admission.request),
    allocators,
  );
  const diagnostics = admissionDiagnostics(admissions, results, () => allocators.nodePorts);
  const services = admissions.map((admission, i) =>
    admittedService(admission, results[i] as AllocationResult),
  );
  return { services, diagnostics };
}

export function admittedService(admission: Admission, result: AllocationResult): AdmittedService {
  const rejected = admission.request.rejected || result.findings.length > 0;
  const service = toService(admission, result);
  const clusterIPSource: ValueSource =
    service.type === 'ExternalName'
      ? 'defaulted'
      : isHeadless(admission.defaulted)
        ? 'explicit'
        : result.clusterIPSource;
  return {
    service,
    clusterIPSource,
    nodePortSources: service.ports.map((port, p) =>
      port.nodePort === 0 ? 'defaulted' : (result.nodePortSources[p] ?? 'defaulted'),
    ),
    healthCheckNodePortSource: admission.request.needsHealthCheck ? result.healthCheckNodePortSource : null,
    object: admission.object,
    rejected,
  };
}
