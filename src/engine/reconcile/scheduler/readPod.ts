// v1 Pod JSON → the scheduler's SchedPod, and a profile Node → SchedNode. One reader for
// the workspace's pod templates and the conformance cases, tolerant of wrong types (a
// field of the wrong type reads as absent, as after the API server rejected it).
import type { Labels, Node } from '../../model';
import { isPlainObject } from '../../model';
import type { LabelSelector } from '../labels';
import { readLabelSelector } from '../labels';
import { resourceAmount } from '../../util/quantity';
import type {
  HostPort,
  NodeSelector,
  NodeSelectorRequirement,
  PodAffinityTerm,
  PreferredSchedulingTerm,
  ResourceList,
  SchedNode,
  SchedPod,
  Taint,
  Toleration,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from './types';

function get(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) v = isPlainObject(v) ? v[key] : undefined;
  return v;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringMap(value: unknown): Labels {
  const out: Labels = {};
  if (!isPlainObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/** A label selector; null when absent (which selects nothing where the scheduler reads it). */
function selector(value: unknown): LabelSelector | null {
  return value === undefined || value === null ? null : readLabelSelector(value);
}

function requirements(value: unknown): NodeSelectorRequirement[] {
  return list(value)
    .filter(isPlainObject)
    .map((r) => ({
      key: str(r['key']),
      operator: str(r['operator']),
      values: list(r['values']).map(String),
    }));
}

export function readNodeSelector(value: unknown): NodeSelector | null {
  if (!isPlainObject(value)) return null;
  return {
    nodeSelectorTerms: list(value['nodeSelectorTerms'])
      .filter(isPlainObject)
      .map((t) => ({
        matchExpressions: requirements(t['matchExpressions']),
        matchFields: requirements(t['matchFields']),
      })),
  };
}

function affinityTerm(t: Record<string, unknown>): PodAffinityTerm {
  return {
    labelSelector: selector(t['labelSelector']),
    namespaces: list(t['namespaces']).map(String),
    namespaceSelector: selector(t['namespaceSelector']),
    topologyKey: str(t['topologyKey']),
  };
}

function affinityTerms(value: unknown): PodAffinityTerm[] {
  return list(value).filter(isPlainObject).map(affinityTerm);
}

function weight(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) ? value : 0;
}

function weightedAffinityTerms(value: unknown): WeightedPodAffinityTerm[] {
  return list(value)
    .filter(isPlainObject)
    .map((t) => ({
      weight: weight(t['weight']),
      term: affinityTerm(isPlainObject(t['podAffinityTerm']) ? t['podAffinityTerm'] : {}),
    }));
}

/** nodeaffinity.NewPreferredSchedulingTerms: terms of weight 0 are dropped. */
export function preferredSchedulingTerms(value: unknown): PreferredSchedulingTerm[] {
  return list(value)
    .filter(isPlainObject)
    .map((t) => {
      const preference = isPlainObject(t['preference']) ? t['preference'] : {};
      return {
        weight: weight(t['weight']),
        preference: {
          matchExpressions: requirements(preference['matchExpressions']),
          matchFields: requirements(preference['matchFields']),
        },
      };
    })
    .filter((t) => t.weight !== 0);
}

function policy(value: unknown, fallback: 'Honor' | 'Ignore'): 'Honor' | 'Ignore' {
  return value === 'Honor' || value === 'Ignore' ? value : fallback;
}

function spreadConstraints(value: unknown): TopologySpreadConstraint[] {
  return list(value)
    .filter(isPlainObject)
    .map((c) => ({
      maxSkew: typeof c['maxSkew'] === 'number' ? c['maxSkew'] : 1,
      topologyKey: str(c['topologyKey']),
      whenUnsatisfiable: str(c['whenUnsatisfiable']),
      labelSelector: selector(c['labelSelector']),
      matchLabelKeys: list(c['matchLabelKeys']).map(String),
      minDomains: typeof c['minDomains'] === 'number' ? c['minDomains'] : null,
      nodeAffinityPolicy: policy(c['nodeAffinityPolicy'], 'Honor'),
      nodeTaintsPolicy: policy(c['nodeTaintsPolicy'], 'Ignore'),
    }));
}

export function readTolerations(value: unknown): Toleration[] {
  return list(value)
    .filter(isPlainObject)
    .map((t) => ({
      key: str(t['key']),
      operator: str(t['operator']),
      value: typeof t['value'] === 'number' ? String(t['value']) : str(t['value']),
      effect: str(t['effect']),
    }));
}

function resourceList(value: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isPlainObject(value)) return out;
  for (const [name, quantity] of Object.entries(value)) {
    const amount = resourceAmount(name, quantity);
    if (amount !== null) out.set(name, amount);
  }
  return out;
}

function add(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function max(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of from) if (v > (into.get(k) ?? 0)) into.set(k, v);
}

const isSidecar = (c: Record<string, unknown>): boolean => c['restartPolicy'] === 'Always';

/**
 * resourcehelper.PodRequests: app containers and sidecars summed; each init container
 * needs its own request plus the sidecars started before it; the larger wins, per
 * resource; then spec.overhead.
 */
export function podRequests(spec: unknown, nonMissing?: ResourceList): ResourceList {
  const requests = (c: Record<string, unknown>): ResourceList => {
    const own = resourceList(get(c, 'resources', 'requests'));
    // PodResourcesOptions.NonMissingContainerRequests: a default for each resource a container leaves out.
    if (nonMissing) for (const [k, v] of nonMissing) if (!own.has(k)) own.set(k, v);
    return own;
  };
  const total: ResourceList = new Map();
  for (const c of list(get(spec, 'containers')).filter(isPlainObject)) add(total, requests(c));
  const sidecars: ResourceList = new Map();
  const init: ResourceList = new Map();
  for (const c of list(get(spec, 'initContainers')).filter(isPlainObject)) {
    const own = requests(c);
    if (isSidecar(c)) {
      add(total, own);
      add(sidecars, own);
      max(init, sidecars);
    } else {
      const needed = new Map(own);
      add(needed, sidecars);
      max(init, needed);
    }
  }
  max(total, init);
  add(total, resourceList(get(spec, 'overhead')));
  return total;
}

/** schedutil.DefaultMilliCPURequest and DefaultMemoryRequest. */
const NON_ZERO_DEFAULTS: ResourceList = new Map([
  ['cpu', 100],
  ['memory', 200 * 1024 * 1024],
]);

function hostPorts(spec: unknown): HostPort[] {
  const containers = [
    ...list(get(spec, 'initContainers')).filter(isPlainObject).filter(isSidecar),
    ...list(get(spec, 'containers')).filter(isPlainObject),
  ];
  const out: HostPort[] = [];
  for (const c of containers) {
    for (const p of list(c['ports']).filter(isPlainObject)) {
      const hostPort = typeof p['hostPort'] === 'number' ? p['hostPort'] : Number(p['hostPort'] ?? 0);
      if (!Number.isInteger(hostPort) || hostPort <= 0) continue;
      out.push({ protocol: str(p['protocol']) || 'TCP', hostIP: str(p['hostIP']), hostPort });
    }
  }
  return out;
}

/** A v1 Pod (`{metadata, spec}`) as the scheduler sees it. */
export function readSchedPod(pod: unknown, defaultNamespace = ''): SchedPod {
  const metadata = get(pod, 'metadata');
  const spec = get(pod, 'spec');
  const nodeSelector = get(spec, 'nodeSelector');
  return {
    namespace: str(get(metadata, 'namespace')) || defaultNamespace,
    name: str(get(metadata, 'name')),
    labels: stringMap(get(metadata, 'labels')),
    nodeName: str(get(spec, 'nodeName')),
    nodeSelector: isPlainObject(nodeSelector) ? stringMap(nodeSelector) : null,
    requiredNodeAffinity: readNodeSelector(
      get(spec, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'),
    ),
    requiredAffinity: affinityTerms(
      get(spec, 'affinity', 'podAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'),
    ),
    requiredAntiAffinity: affinityTerms(
      get(spec, 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution'),
    ),
    preferredNodeAffinity: preferredSchedulingTerms(
      get(spec, 'affinity', 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'),
    ),
    preferredAffinity: weightedAffinityTerms(
      get(spec, 'affinity', 'podAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'),
    ),
    preferredAntiAffinity: weightedAffinityTerms(
      get(spec, 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution'),
    ),
    tolerations: readTolerations(get(spec, 'tolerations')),
    topologySpreadConstraints: spreadConstraints(get(spec, 'topologySpreadConstraints')),
    requests: podRequests(spec),
    nonZeroRequests: podRequests(spec, NON_ZERO_DEFAULTS),
    hostPorts: hostPorts(spec),
    terminating:
      get(metadata, 'deletionTimestamp') !== undefined && get(metadata, 'deletionTimestamp') !== null,
  };
}

/** A profile (or fixture) node as the scheduler sees it. */
export function schedNode(
  node: Pick<Node, 'name' | 'labels' | 'taints' | 'allocatable' | 'unschedulable'>,
): SchedNode {
  const taints: Taint[] = (node.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  return {
    name: node.name,
    labels: node.labels,
    taints,
    allocatable: node.allocatable ? resourceList(node.allocatable) : null,
    unschedulable: node.unschedulable === true,
  };
}
