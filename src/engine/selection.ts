// Which pods a Service selects and where each of its ports lands: the EndpointSlice
// controller's own answer (label index in the Service's namespace, findPort), as the
// front ends' hover, navigation and completion ask it.
import type {
  ClusterState,
  ContainerPort,
  Labels,
  LoadedObject,
  Pod,
  ServicePort,
  ServiceState,
  WorkloadState,
} from './model';
import { POD_TEMPLATE_KINDS } from './model';
import { findPort, PodLabelIndex, selectedPods } from './reconcile/endpointSlices';
import { serviceSelectorMatches } from './reconcile/labels';
import { memo } from './util/memo';

/** The analysis a selection is asked of: the cluster and the objects it was read from. */
export type SelectionState = ClusterState & { readonly objects: readonly LoadedObject[] };

export { POD_TEMPLATE_KINDS };

/** Where one Service port lands on one selected pod. */
export interface PortTarget {
  readonly pod: Pod;
  /** findPort: the number written, or the named port's number; null when the name is not declared. */
  readonly port: number | null;
  /** The container ports declaring it (same protocol); empty when no container declares it. */
  readonly containerPorts: readonly ContainerPort[];
}

export interface ServiceSelection {
  /** The pods the selector selects, in analysis order (those the EndpointSlice controller considers). */
  readonly pods: readonly Pod[];
  /**
   * Objects with a pod template whose pods the Service selects; for one kubepath predicts no
   * pods for (replicas: 0, a Job or CronJob), whose template labels the selector matches.
   */
  readonly workloads: readonly LoadedObject[];
  /** Per Service port, in `spec.ports` order: where it lands on each selected pod. */
  readonly ports: readonly (readonly PortTarget[])[];
}

function podIndex(state: SelectionState): PodLabelIndex {
  return memo(state, 'selection:podIndex', () => new PodLabelIndex(state.pods));
}

/** The modelled workloads by kind/namespace/name (several when files define one twice), once per analysis. */
function workloadsByKey(state: SelectionState): Map<string, WorkloadState[]> {
  return memo(state, 'selection:workloads', () => {
    const out = new Map<string, WorkloadState[]>();
    for (const w of state.workloads) {
      const key = `${w.kind}/${w.namespace}/${w.name}`;
      const list = out.get(key);
      if (list) list.push(w);
      else out.set(key, [w]);
    }
    return out;
  });
}

/** The workload the engine modelled from this object, if any (the one from its file first). */
export function workloadOf(state: SelectionState, object: LoadedObject): WorkloadState | undefined {
  const candidates = workloadsByKey(state).get(`${object.kind}/${object.namespace}/${object.name}`);
  return candidates?.find((w) => w.source.file === object.file) ?? candidates?.[0];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The pod template of an object (a CronJob nests it one level deeper; a Pod is its own). */
export function podTemplateOf(object: LoadedObject): Record<string, unknown> | undefined {
  if (object.kind === 'Pod') return object.raw;
  const spec = record(object.raw['spec']);
  if (object.kind === 'CronJob') return record(record(record(spec?.['jobTemplate'])?.['spec'])?.['template']);
  return record(spec?.['template']);
}

/** The labels the object's pods carry: a predicted pod's (run-time labels included), else the template's. */
export function podLabelsOf(state: SelectionState, object: LoadedObject): Labels {
  const pod = workloadOf(state, object)?.pods[0];
  if (pod) return pod.metadata.labels;
  const labels = record(record(podTemplateOf(object)?.['metadata'])?.['labels']);
  // fromEntries: user keys become own properties whatever they are called (`__proto__`).
  return Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The container ports of a pod that a Service port's target resolves to (findPort, then the protocol). */
function targetOn(pod: Pod, port: ServicePort): PortTarget {
  const resolved = findPort(pod, port);
  const containerPorts =
    resolved === null
      ? []
      : pod.containers.flatMap((c) =>
          c.ports.filter(
            (cp) =>
              cp.protocol === port.protocol &&
              cp.containerPort === resolved &&
              (typeof port.targetPort === 'number' || cp.name === port.targetPort),
          ),
        );
  return { pod, port: resolved, containerPorts };
}

/** Whether the Service selects the object's pods (its template's labels when none are predicted). */
function selects(state: SelectionState, service: ServiceState, object: LoadedObject): boolean {
  const svc = service.service;
  if (!POD_TEMPLATE_KINDS.has(object.kind) || object.namespace !== svc.metadata.namespace) return false;
  const selector = svc.selector;
  if (!selector) return false;
  const modelled = workloadOf(state, object);
  if (modelled && modelled.pods.length > 0) {
    return modelled.pods.some((p) => serviceSelectorMatches(selector, p.metadata.labels));
  }
  return serviceSelectorMatches(selector, podLabelsOf(state, object));
}

function computeSelection(state: SelectionState, service: ServiceState): ServiceSelection {
  const pods = selectedPods(service.service, podIndex(state));
  return {
    pods,
    workloads: state.objects.filter((o) => selects(state, service, o)),
    ports: service.service.ports.map((port) => pods.map((pod) => targetOn(pod, port))),
  };
}

/** The pods and workloads a Service selects, and where each port lands on them. */
export function selection(state: SelectionState, service: ServiceState): ServiceSelection {
  const index = state.services.indexOf(service);
  if (index < 0) return computeSelection(state, service);
  return memo(state, `selection:${index}`, () => computeSelection(state, service));
}

/** The Services (in analysis order) that select this object's pods. */
export function servicesSelecting(state: SelectionState, object: LoadedObject): ServiceState[] {
  return state.services.filter((s) => selects(state, s, object));
}
