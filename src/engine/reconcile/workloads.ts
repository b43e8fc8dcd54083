// The Deployment, ReplicaSet, ReplicationController, StatefulSet and DaemonSet controllers: workloads → pods
// (names and run-time labels as the real controllers make them; placement and IPs
// come later from the scheduler and pod IPAM).
import type { Diagnostic, Labels, LoadedObject, Node } from '../model';
import { goJsonKind, isPlainObject, rangeAt } from '../model';
import { canonicalJsonHash, generatedSuffix, safeEncodeString } from '../util/hash';
import type { PodTemplateInfo } from './podTemplate';
import { readPodTemplate, readStringMap } from './podTemplate';
import { validateWorkloadMeta } from './apiserver/objectMeta';
import { validateWorkloadSpec } from './apiserver/workloadValidation';
import { requiredNodeAffinityMatches } from './scheduler/nodeSelector';
import { readSchedPod, schedNode } from './scheduler/readPod';
import { doNotSchedule, firstUntoleratedTaint } from './scheduler/taints';
import type { Toleration } from './scheduler/types';

/** A pod the controllers will create, before the scheduler places it. */
export interface PlannedPod {
  namespace: string;
  name: string;
  labels: Labels;
  template: PodTemplateInfo;
  owner: { kind: string; name: string } | null;
  /** DaemonSet pods are bound to their node by the controller. */
  nodeName: string;
  /** Stable seed for placement so a pod does not move when unrelated files change. */
  workloadKey: string;
  ordinal: number;
}

export interface PlannedWorkload {
  kind: string;
  namespace: string;
  name: string;
  object: LoadedObject;
  pods: PlannedPod[];
}

export const WORKLOAD_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'ReplicationController',
  'StatefulSet',
  'DaemonSet',
  'Pod',
]);

/** Pods per workload that kubepath models; more is reported and capped to keep memory bounded. */
export const MAX_PODS_PER_WORKLOAD = 1000;

/** A workload's plan and findings, kept between runs for an unchanged object (same nodes). */
export type WorkloadPlanCache = WeakMap<
  LoadedObject,
  { workload: PlannedWorkload | null; diagnostics: Diagnostic[] }
>;

export function planWorkloads(
  objects: LoadedObject[],
  nodes: Node[],
  diagnostics: Diagnostic[],
  cache?: WorkloadPlanCache,
): PlannedWorkload[] {
  const out: PlannedWorkload[] = [];
  for (const object of objects) {
    if (!isWorkloadObject(object)) continue;
    let plan = cache?.get(object);
    if (!plan) {
      plan = planWorkloadObject(object, nodes);
      cache?.set(object, plan);
    }
    for (const d of plan.diagnostics) diagnostics.push(d);
    if (plan.workload) out.push(plan.workload);
  }
  return out;
}

/** A Pod, a ReplicationController or an apps/* workload: the objects the workload controllers act on. */
export function isWorkloadObject(object: LoadedObject): boolean {
  if (!WORKLOAD_KINDS.has(object.kind)) return false;
  return object.kind === 'Pod' || object.kind === 'ReplicationController'
    ? object.apiVersion === 'v1'
    : object.apiVersion.startsWith('apps/');
}

/** One workload's plan and findings: depends only on the object and the nodes. */
export function planWorkloadObject(
  object: LoadedObject,
  nodes: Node[],
): { workload: PlannedWorkload | null; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  return { workload: planWorkload(object, nodes, diagnostics), diagnostics };
}

function planWorkload(
  object: LoadedObject,
  nodes: Node[],
  diagnostics: Diagnostic[],
): PlannedWorkload | null {
  const { kind, namespace, name } = object;
  if (name === '') {
    diagnostics.push({
      range: rangeAt(object, ['metadata']),
      severity: 'error',
      code: 'workload-invalid',
      message: `The ${kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
    });
    return null;
  }
  // The API server's decoding and validation (metadata, then the spec's fields on a Service's
  // path); the object is still modelled.
  for (const d of validateWorkloadMeta(object)) diagnostics.push(d);
  for (const d of validateWorkloadSpec(object)) diagnostics.push(d);
  const workload: PlannedWorkload = { kind, namespace, name, object, pods: [] };
  const key = `${kind}/${namespace}/${name}`;
  if (kind === 'Pod') {
    const template = readPodTemplate(object, []);
    workload.pods.push({
      namespace,
      name,
      labels: template.labels,
      template,
      owner: null,
      nodeName: template.nodeName,
      workloadKey: key,
      ordinal: 0,
    });
    return workload;
  }
  const template = readPodTemplate(object, ['spec', 'template']);
  const spec = isPlainObject(object.raw['spec']) ? object.raw['spec'] : {};
  const replicas = kind === 'DaemonSet' ? 0 : readReplicas(object, spec['replicas'], diagnostics);
  // The template hash is what makes pod names change on a rollout, as in a real cluster.
  const templateHash = safeEncodeString(String(canonicalJsonHash(spec['template'] ?? null)));
  const makePod = (podName: string, labels: Labels, ordinal: number, nodeName: string): PlannedPod => ({
    namespace,
    name: podName,
    labels,
    template,
    owner: {
      kind: kind === 'Deployment' ? 'ReplicaSet' : kind,
      name: kind === 'Deployment' ? `${name}-${templateHash}` : name,
    },
    nodeName: nodeName || template.nodeName,
    workloadKey: key,
    ordinal,
  });
  if (kind === 'ReplicationController') {
    // The replication manager names pods with generateName `<rc>-`; their labels are the template's.
    for (let i = 0; i < replicas; i++) {
      workload.pods.push(makePod(`${name}-${generatedSuffix(`${name}/${i}`)}`, template.labels, i, ''));
    }
  } else if (kind === 'Deployment' || kind === 'ReplicaSet') {
    const rsName = kind === 'Deployment' ? `${name}-${templateHash}` : name;
    const labels =
      kind === 'Deployment' ? { ...template.labels, 'pod-template-hash': templateHash } : template.labels;
    for (let i = 0; i < replicas; i++) {
      workload.pods.push(makePod(`${rsName}-${generatedSuffix(`${rsName}/${i}`)}`, labels, i, ''));
    }
  } else if (kind === 'StatefulSet') {
    const revision = `${name}-${templateHash}`;
    const serviceName = typeof spec['serviceName'] === 'string' ? spec['serviceName'] : '';
    for (let i = 0; i < replicas; i++) {
      const podName = `${name}-${i}`;
      const pod = makePod(
        podName,
        {
          ...template.labels,
          'controller-revision-hash': revision,
          'statefulset.kubernetes.io/pod-name': podName,
          'apps.kubernetes.io/pod-index': String(i),
        },
        i,
        '',
      );
      pod.template = { ...template, hostname: podName, subdomain: serviceName };
      workload.pods.push(pod);
    }
  } else if (kind === 'DaemonSet') {
    const revision = templateHash;
    const eligible = nodes.filter((n) => daemonShouldRun(object.raw, n));
    eligible.forEach((node, i) => {
      workload.pods.push(
        makePod(
          `${name}-${generatedSuffix(`${name}/${node.name}`)}`,
          { ...template.labels, 'controller-revision-hash': revision, 'pod-template-generation': '1' },
          i,
          node.name,
        ),
      );
    });
  }
  return workload;
}

function readReplicas(object: LoadedObject, value: unknown, diagnostics: Diagnostic[]): number {
  if (value === undefined || value === null) return 1;
  // A negative count is validation's to report (workloadValidation.ts); modelled as 1.
  if (typeof value === 'number' && Number.isInteger(value) && value < 0) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    // The decoder refuses a count that is not an int32 before validation runs.
    const kind = typeof value === 'number' ? `number ${String(value)}` : goJsonKind(value);
    const version = object.apiVersion.slice(object.apiVersion.indexOf('/') + 1);
    diagnostics.push({
      range: rangeAt(object, ['spec', 'replicas']),
      severity: 'error',
      code: 'workload-invalid',
      message: `${object.kind} in version ${JSON.stringify(version)} cannot be handled as a ${object.kind}: json: cannot unmarshal ${kind} into Go struct field ${object.kind}Spec.spec.replicas of type int32`,
    });
    return 1;
  }
  if (value > MAX_PODS_PER_WORKLOAD) {
    diagnostics.push({
      range: rangeAt(object, ['spec', 'replicas']),
      severity: 'info',
      code: 'workload-replicas-capped',
      message: `kubepath models the first ${MAX_PODS_PER_WORKLOAD} of ${value} replicas`,
    });
    return MAX_PODS_PER_WORKLOAD;
  }
  return value;
}

/**
 * The DaemonSet controller's NodeShouldRunDaemonPod: the template's nodeSelector and required
 * node affinity match the node, and its NoSchedule / NoExecute taints are tolerated, counting
 * the tolerations the controller adds to every daemon pod (cordoned, not-ready, unreachable,
 * pressure; network-unavailable for hostNetwork pods).
 */
function daemonShouldRun(raw: Record<string, unknown>, node: Node): boolean {
  const spec =
    isPlainObject(raw['spec']) && isPlainObject(raw['spec']['template']) ? raw['spec']['template'] : {};
  const pod = readSchedPod(spec);
  const scheduled = schedNode(node);
  if (!requiredNodeAffinityMatches(pod, scheduled)) return false;
  const podSpec = isPlainObject(spec['spec']) ? spec['spec'] : {};
  const added = DAEMON_TOLERATIONS.filter(
    (t) => t.key !== NETWORK_UNAVAILABLE || podSpec['hostNetwork'] === true,
  );
  const tolerations = [...pod.tolerations, ...added];
  return (
    firstUntoleratedTaint(scheduled.taints, tolerations, doNotSchedule, { comparisonOperators: false }) ===
    null
  );
}

const NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
const DAEMON_TOLERATIONS: Toleration[] = [
  ['node.kubernetes.io/not-ready', 'NoExecute'],
  ['node.kubernetes.io/unreachable', 'NoExecute'],
  ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
  ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
  ['node.kubernetes.io/pid-pressure', 'NoSchedule'],
  ['node.kubernetes.io/unschedulable', 'NoSchedule'],
  [NETWORK_UNAVAILABLE, 'NoSchedule'],
].map(([key, effect]) => ({ key: key as string, operator: 'Exists', value: '', effect: effect as string }));

export function selectorMatchesNode(selector: Labels, node: Node): boolean {
  return Object.entries(selector).every(([k, v]) => node.labels[k] === v);
}

export { readStringMap };
