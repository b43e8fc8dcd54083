// The EndpointSlice controller (staging/src/k8s.io/endpointslice): selects the
// Service's pods, resolves targetPort per pod (podutil.FindPort) and groups the
// endpoints into slices by port list, at most maxEndpointsPerSlice each.
import type {
  Endpoint,
  EndpointPort,
  EndpointSlice,
  IPFamily,
  Labels,
  LoadedObject,
  Node,
  Pod,
  Service,
  ServicePort,
  ServiceState,
} from '../model';
import { podIPsOf } from '../model';
import { memoized } from '../util/memo';
import { generatedSuffix } from '../util/hash';
import { serviceSelectorMatches } from './labels';

/**
 * The EndpointSlice controller's answer for one Service, as reconcile exports it: the pods its
 * selector selects in its namespace (none for a selector-less or ExternalName Service), with the
 * Service's state and the object it was admitted from. Findings (diagnose) read it after
 * reconcile; an incremental run keeps the instance while its parts are the same instances.
 */
export interface EndpointSelection {
  readonly service: ServiceState;
  readonly object: LoadedObject;
  /** In pod order, as the controller lists them. */
  readonly pods: readonly Pod[];
}

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** `findPort`: a number is used as is; a name is looked up in the pod's containers (sidecars after regular ones). */
export function findPort(pod: Pod, servicePort: ServicePort): number | null {
  const target = servicePort.targetPort;
  if (typeof target === 'number') return target;
  const ordered = [...pod.containers.filter((c) => !c.sidecar), ...pod.containers.filter((c) => c.sidecar)];
  for (const container of ordered) {
    for (const port of container.ports) {
      if (port.name === target && port.protocol === servicePort.protocol) return port.containerPort;
    }
  }
  return null;
}

/** `ShouldPodBeInEndpoints` with includeTerminating = true. */
export function podEligible(pod: Pod): boolean {
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return false;
  return pod.podIP !== '';
}

export function selectedPods(service: Service, pods: readonly Pod[] | PodLabelIndex): Pod[] {
  const selector = service.selector;
  if (!selector) return [];
  if (pods instanceof PodLabelIndex) return pods.select(service.metadata.namespace, selector);
  return pods.filter(
    (p) =>
      p.metadata.namespace === service.metadata.namespace &&
      serviceSelectorMatches(selector, p.metadata.labels),
  );
}

/** A selector's pairs (a Service's selector is asked again after every change of its namespace's pods). */
const selectorEntries = memoized((selector: Labels): readonly (readonly [string, string])[] =>
  Object.entries(selector),
);

/** Selections answered by going through the pods before the index is built (it costs about as much as a few). */
const SCANS_BEFORE_INDEX = 4;

/**
 * Pods by namespace, label key and value, so a selector looks at the pods carrying
 * its rarest pair instead of every pod. Lists keep the order of the pods given. Built on
 * the first selections past a few: after an edit, the Services whose selection may have
 * changed are few (see ServiceRecord in reconcile/index.ts), and going through the pods for
 * them costs less than indexing every pod again.
 */
export class PodLabelIndex {
  private byNamespace: Map<string, Map<string, Map<string, Pod[]>>> | null = null;
  private scans = 0;

  constructor(readonly pods: readonly Pod[]) {}

  private index(): Map<string, Map<string, Map<string, Pod[]>>> {
    if (this.byNamespace) return this.byNamespace;
    const byNamespace = new Map<string, Map<string, Map<string, Pod[]>>>();
    for (const pod of this.pods) {
      let byKey = byNamespace.get(pod.metadata.namespace);
      if (!byKey) {
        byKey = new Map();
        byNamespace.set(pod.metadata.namespace, byKey);
      }
      for (const [key, value] of Object.entries(pod.metadata.labels)) {
        let byValue = byKey.get(key);
        if (!byValue) {
          byValue = new Map();
          byKey.set(key, byValue);
        }
        const list = byValue.get(value);
        if (list) list.push(pod);
        else byValue.set(value, [pod]);
      }
    }
    return (this.byNamespace = byNamespace);
  }

  /** Same pods, same order as filtering every pod with `serviceSelectorMatches`. */
  select(namespace: string, selector: Labels): Pod[] {
    const entries = selectorEntries(selector);
    if (entries.length === 0) return [];
    if (!this.byNamespace && this.scans < SCANS_BEFORE_INDEX) {
      this.scans++;
      return this.pods.filter(
        (p) => p.metadata.namespace === namespace && serviceSelectorMatches(selector, p.metadata.labels),
      );
    }
    const byKey = this.index().get(namespace);
    if (!byKey) return [];
    let smallest: Pod[] | undefined;
    for (const [key, value] of entries) {
      const list = byKey.get(key)?.get(value);
      if (!list) return [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    return (smallest ?? []).filter((p) => serviceSelectorMatches(selector, p.metadata.labels));
  }
}

/**
 * getAddressTypesForService: the Service's ipFamilies; without them the family of its
 * cluster IP; a headless Service with neither gets both.
 */
export function addressTypesOf(service: Service): IPFamily[] {
  if (service.ipFamilies.length > 0) return [...new Set(service.ipFamilies)];
  if (service.clusterIP !== '' && service.clusterIP !== 'None')
    return [service.clusterIP.includes(':') ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

export function reconcileEndpointSlices(
  service: Service,
  pods: readonly Pod[] | PodLabelIndex,
  nodes: readonly Node[],
): EndpointSlice[] {
  if (service.selector === null || service.type === 'ExternalName') return [];
  const headless = service.clusterIP === 'None';
  const zoneOf = new Map(nodes.map((n) => [n.name, n.labels['topology.kubernetes.io/zone'] ?? null]));
  const candidates = selectedPods(service, pods)
    .filter(podEligible)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const slices: EndpointSlice[] = [];
  // fromEntries: user keys become own properties whatever they are called (`__proto__`).
  const labels: Record<string, string> = Object.fromEntries(Object.entries(service.metadata.labels));
  labels['kubernetes.io/service-name'] = service.metadata.name;
  labels['endpointslice.kubernetes.io/managed-by'] = ENDPOINTSLICE_CONTROLLER;
  if (headless) labels['service.kubernetes.io/headless'] = '';
  let index = 0;
  // The controller reconciles each address type on its own: its slices, or its placeholder.
  for (const addressType of addressTypesOf(service)) {
    const groups = endpointGroups(service, candidates, addressType, headless, zoneOf);
    const emit = (ports: EndpointPort[], endpoints: Endpoint[]): void => {
      slices.push({
        metadata: {
          namespace: service.metadata.namespace,
          name: `${service.metadata.name}-${generatedSuffix(`${service.metadata.namespace}/${service.metadata.name}/${index++}`)}`,
          labels,
          annotations: {},
        },
        serviceName: service.metadata.name,
        addressType,
        ports,
        endpoints,
        managedBy: ENDPOINTSLICE_CONTROLLER,
        source: service.source,
      });
    };
    const before = slices.length;
    for (const group of [...groups.values()].sort((a, b) =>
      JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)),
    )) {
      for (let i = 0; i < group.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
        emit(group.ports, group.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE));
      }
    }
    // The controller keeps one empty slice for a selector Service without endpoints ("placeholder").
    if (slices.length === before) emit([], []);
  }
  return slices;
}

/** The endpoints of one address type, grouped by their port list. */
function endpointGroups(
  service: Service,
  candidates: readonly Pod[],
  addressType: IPFamily,
  headless: boolean,
  zoneOf: ReadonlyMap<string, string | null>,
): Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }> {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const pod of candidates) {
    // getEndpointAddresses: the pod's addresses of the slice's family.
    const addresses = podIPsOf(pod, addressType);
    if (addresses.length === 0) continue;
    const ports: EndpointPort[] = [];
    if (!(headless && service.ports.length === 0)) {
      for (const sp of service.ports) {
        const number = findPort(pod, sp);
        if (number === null) continue;
        ports.push({
          name: sp.name,
          port: number,
          protocol: sp.protocol,
          ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
        });
      }
    }
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, endpoints: [] };
    const serving = pod.ready;
    group.endpoints.push({
      addresses,
      conditions: {
        ready: service.publishNotReadyAddresses || (serving && !pod.terminating),
        serving,
        terminating: pod.terminating,
      },
      nodeName: pod.nodeName || null,
      zone: zoneOf.get(pod.nodeName) ?? null,
      hostname:
        headless && pod.hostname !== '' && pod.subdomain === service.metadata.name ? pod.hostname : null,
      hints: null,
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name },
    });
    groups.set(key, group);
  }
  return groups;
}
