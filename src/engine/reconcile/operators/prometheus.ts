// prometheus-operator's Prometheus controller (pkg/prometheus/server: operator.go sync,
// statefulset.go makeStatefulSet/makeStatefulSetSpec; pkg/prometheus/common.go): one
// StatefulSet per shard, `prometheus-<name>` then `prometheus-<name>-shard-<n>`, each with
// spec.replicas pods (1 when unset or negative), and the governing headless Service
// `prometheus-operated` unless spec.serviceName names the user's own.
//
// Followed: prometheus-operator v0.93.1 (common.ts). Not modelled: topology sharding (behind
// the PrometheusTopologySharding feature gate, off by default), volumes and probes (they do
// not change placement or endpoints in kubepath's model).
import type { LoadedObject } from '../../model';
import type { Link, OperatorConfig, Raw } from './common';
import {
  applyCommonPodFields,
  configReloader,
  copyInto,
  derivedObject,
  majorOf,
  mergePatchContainers,
  parseTolerant,
  pullPolicyOf,
  record,
  str,
  stringMap,
  withPullPolicy,
} from './common';

/** operator.DefaultPrometheusVersion in v0.93.1: the last entry of its compatibility matrix. */
export const DEFAULT_PROMETHEUS_VERSION = 'v3.13.1';
const DEFAULT_BASE_IMAGE = 'quay.io/prometheus/prometheus';
export const PROMETHEUS_GOVERNING_SERVICE = 'prometheus-operated';
const SHARD_LABEL = 'operator.prometheus.io/shard';

/** What the operator makes of one Prometheus resource. */
export interface OperatorPlan {
  statefulSets: LoadedObject[];
  /** The default governing Service; null when spec.serviceName names another one. */
  governingService: LoadedObject | null;
  /** spec.serviceName, to check against the analysed Services (EnsureCustomGoverningService). */
  customService: string | null;
  /** makeSelectorLabels(name): what a custom governing Service must select. */
  selectorLabels: Record<string, string>;
  /** Why the operator creates nothing (its reconcile error), or null. */
  refused: string | null;
  replicas: number;
}

function int32(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

/** makeSelectorLabels in pkg/prometheus/server/operator.go. */
export function prometheusSelectorLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/instance': name,
    'operator.prometheus.io/name': name,
    prometheus: name,
  };
}

/** ExpectedStatefulSetShardNames: the base name, then `-shard-<n>` for shards > 0. */
export function prometheusShardNames(name: string, shards: unknown): string[] {
  const n = int32(shards);
  const count = n === null || n <= 1 ? 1 : n;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(i === 0 ? `prometheus-${name}` : `prometheus-${name}-shard-${i}`);
  return out;
}

/** MakeK8sTopologySpreadConstraint: additionalLabelSelectors adds the pod's selector labels. */
function topologySpread(constraints: unknown, selector: Record<string, string>): unknown[] | undefined {
  if (!Array.isArray(constraints)) return undefined;
  return constraints.map((c) => {
    const tsc = { ...record(c) };
    const additional = tsc['additionalLabelSelectors'];
    delete tsc['additionalLabelSelectors'];
    if (additional !== 'OnResource' && additional !== 'OnShard') return tsc;
    const labelSelector = { ...record(tsc['labelSelector']) };
    const matchLabels = stringMap(labelSelector['matchLabels']);
    for (const [k, v] of Object.entries(selector)) {
      if (additional === 'OnResource' && k === SHARD_LABEL) continue;
      copyInto(matchLabels, { [k]: v });
    }
    labelSelector['matchLabels'] = matchLabels;
    tsc['labelSelector'] = labelSelector;
    return tsc;
  });
}

/** The pod spec fields the operator copies from the CR as they are (CommonPrometheusFields). */
const COPIED_POD_FIELDS = [
  'nodeSelector',
  'tolerations',
  'affinity',
  'hostNetwork',
  'priorityClassName',
  'schedulerName',
  'serviceAccountName',
  'securityContext',
  'enableServiceLinks',
  'hostUsers',
] as const;

export function planPrometheus(cr: LoadedObject, config: OperatorConfig): OperatorPlan {
  const spec = record(cr.raw['spec']);
  const name = cr.name;
  const selectorLabels = prometheusSelectorLabels(name);
  const customService = typeof spec['serviceName'] === 'string' ? spec['serviceName'] : null;
  const replicasWritten = int32(spec['replicas']);
  const replicas = replicasWritten === null || replicasWritten < 0 ? 1 : replicasWritten;
  const plan: OperatorPlan = {
    statefulSets: [],
    governingService: null,
    customService,
    selectorLabels,
    refused: null,
    replicas,
  };
  const versionWritten = str(spec['version']);
  const version = parseTolerant(versionWritten || DEFAULT_PROMETHEUS_VERSION);
  if (version === null) {
    plan.refused = `failed to parse Prometheus version: ${JSON.stringify(versionWritten)} is not a version`;
    return plan;
  }
  if (majorOf(version) !== 2 && majorOf(version) !== 3) {
    plan.refused = `unsupported Prometheus version ${JSON.stringify(versionWritten)}`;
    return plan;
  }
  const portName = str(spec['portName']) || 'web';
  const listenLocal = spec['listenLocal'] === true;
  const signalReload = spec['reloadStrategy'] === 'ProcessSignal';
  const pullPolicy = pullPolicyOf(spec);
  const thanos = spec['thanos'] !== undefined && spec['thanos'] !== null ? record(spec['thanos']) : null;
  const podMetadata = record(spec['podMetadata']);
  const userContainers = (Array.isArray(spec['containers']) ? spec['containers'] : []).map(record);
  const userInit = (Array.isArray(spec['initContainers']) ? spec['initContainers'] : []).map(record);

  const shardNames = prometheusShardNames(name, spec['shards']);
  shardNames.forEach((ssetName, shard) => {
    // BuildPodMetadata, then the selector labels (they win), then the operator's --labels.
    const podLabels: Record<string, string> = { 'app.kubernetes.io/version': version };
    copyInto(podLabels, stringMap(podMetadata['labels']));
    const podSelector = { ...selectorLabels, [SHARD_LABEL]: String(shard) };
    copyInto(podLabels, podSelector);
    const finalSelector = { ...podSelector };
    copyInto(finalSelector, config.labels);
    const finalLabels = { ...podLabels };
    copyInto(finalLabels, config.labels);
    const podAnnotations: Record<string, string> = {
      'kubectl.kubernetes.io/default-container': 'prometheus',
    };
    copyInto(podAnnotations, stringMap(podMetadata['annotations']));

    const generated: Raw[] = [
      withPullPolicy(
        {
          name: 'prometheus',
          image: str(spec['image']) || `${DEFAULT_BASE_IMAGE}:v${version}`,
          ports: listenLocal ? [] : [{ name: portName, containerPort: 9090, protocol: 'TCP' }],
          ...(spec['resources'] !== undefined ? { resources: spec['resources'] } : {}),
        },
        pullPolicy,
      ),
      // The HTTP reload strategy honours listenLocal; the signal one always listens on :8080.
      configReloader('config-reloader', config, listenLocal && !signalReload, pullPolicy),
    ];
    if (thanos) {
      generated.push(
        withPullPolicy(
          {
            name: 'thanos-sidecar',
            ports: [
              { name: 'http', containerPort: 10902 },
              { name: 'grpc', containerPort: 10901 },
            ],
            ...(thanos['resources'] !== undefined ? { resources: thanos['resources'] } : {}),
          },
          pullPolicy,
        ),
      );
    }
    const containers = mergePatchContainers(generated, userContainers);
    const initContainers = mergePatchContainers(
      [configReloader('init-config-reloader', config, false, pullPolicy)],
      userInit,
    );
    const podSpec: Raw = { containers, initContainers };
    for (const field of COPIED_POD_FIELDS) if (spec[field] !== undefined) podSpec[field] = spec[field];
    const tsc = topologySpread(spec['topologySpreadConstraints'], finalSelector);
    if (tsc) podSpec['topologySpreadConstraints'] = tsc;
    applyCommonPodFields(spec, podSpec);

    const ssetLabels = stringMap(record(cr.raw['metadata'])['labels']);
    copyInto(ssetLabels, { 'operator.prometheus.io/mode': 'server' });
    copyInto(ssetLabels, finalSelector);
    const raw: Raw = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: ssetName, namespace: cr.namespace, labels: ssetLabels },
      spec: {
        serviceName: customService ?? PROMETHEUS_GOVERNING_SERVICE,
        replicas,
        podManagementPolicy: str(spec['podManagementPolicy']) || 'Parallel',
        selector: { matchLabels: finalSelector },
        template: { metadata: { labels: finalLabels, annotations: podAnnotations }, spec: podSpec },
      },
    };
    plan.statefulSets.push(derivedObject(cr, raw, statefulSetLinks(podSpec, userContainers, userInit)));
  });

  if (customService === null) {
    const ports: Raw[] = [{ name: portName, port: 9090, targetPort: portName }];
    if (thanos) ports.push({ name: 'grpc', port: 10901, targetPort: 'grpc' });
    const labels: Record<string, string> = { 'operated-prometheus': 'true' };
    copyInto(labels, config.labels);
    plan.governingService = derivedObject(
      cr,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: PROMETHEUS_GOVERNING_SERVICE, namespace: cr.namespace, labels },
        spec: { clusterIP: 'None', ports, selector: { 'app.kubernetes.io/name': 'prometheus' } },
      },
      governingServiceLinks,
    );
  }
  return plan;
}

/** Where a generated StatefulSet's fields are written in the CR. */
export function statefulSetLinks(
  podSpec: Raw,
  userContainers: readonly Raw[],
  userInit: readonly Raw[],
): Link[] {
  const pod = ['spec', 'template', 'spec'];
  const containers = (podSpec['containers'] as Raw[] | undefined) ?? [];
  const initContainers = (podSpec['initContainers'] as Raw[] | undefined) ?? [];
  const links: Link[] = [
    { to: ['metadata'], from: ['metadata'] },
    { to: ['spec'], from: ['spec'], exact: true },
    { to: ['spec', 'replicas'], from: ['spec', 'replicas'] },
    { to: ['spec', 'template'], from: ['spec'], exact: true },
    { to: ['spec', 'template', 'metadata'], from: ['spec', 'podMetadata'] },
    { to: [...pod, 'containers', 0, 'resources'], from: ['spec', 'resources'] },
    { to: [...pod, 'containers', 0, 'ports', 0], from: ['spec', 'portName'], exact: true },
  ];
  for (const field of [
    ...COPIED_POD_FIELDS,
    'topologySpreadConstraints',
    'hostAliases',
    'imagePullSecrets',
    'automountServiceAccountToken',
  ]) {
    links.push({ to: [...pod, field], from: ['spec', field] });
  }
  // Every container the operator builds takes spec.imagePullPolicy (a user patch below may override it).
  for (const [list, items] of [
    ['containers', containers],
    ['initContainers', initContainers],
  ] as const) {
    items.forEach((c, i) => {
      if (c['imagePullPolicy'] !== undefined)
        links.push({ to: [...pod, list, i, 'imagePullPolicy'], from: ['spec', 'imagePullPolicy'] });
    });
  }
  for (const [list, users, items] of [
    ['containers', userContainers, containers],
    ['initContainers', userInit, initContainers],
  ] as const) {
    users.forEach((c, j) => {
      const at = items.findIndex((k) => str(k['name']) === str(c['name']));
      if (at >= 0) links.push({ to: [...pod, list, at], from: ['spec', list, j] });
    });
  }
  return links;
}

/** The governing Service's fields: its name and ports at the CR's name and portName. */
export const governingServiceLinks: Link[] = [
  { to: ['metadata'], from: ['metadata', 'name'], exact: true },
  { to: ['metadata', 'name'], from: ['metadata', 'name'], exact: true },
  { to: ['spec'], from: ['metadata', 'name'], exact: true },
  { to: ['spec', 'ports', 0], from: ['spec', 'portName'], exact: true },
];
