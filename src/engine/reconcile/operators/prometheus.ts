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
import type { OperatorConfig, OperatorPlan, Raw } from './common';
import {
  buildPodSpec,
  configReloader,
  copyInto,
  governingServiceObject,
  majorOf,
  parseTolerant,
  podLabelsAndSelector,
  readResourceHead,
  record,
  statefulSetObject,
  str,
  stringMap,
  withPullPolicy,
} from './common';

export type { OperatorPlan } from './common';

/** operator.DefaultPrometheusVersion in v0.93.1: the last entry of its compatibility matrix. */
export const DEFAULT_PROMETHEUS_VERSION = 'v3.13.1';
const DEFAULT_BASE_IMAGE = 'quay.io/prometheus/prometheus';
export const PROMETHEUS_GOVERNING_SERVICE = 'prometheus-operated';
const SHARD_LABEL = 'operator.prometheus.io/shard';

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
  const replicasWritten = int32(record(cr.raw['spec'])['replicas']);
  const head = readResourceHead(
    cr,
    config,
    prometheusSelectorLabels(cr.name),
    replicasWritten === null || replicasWritten < 0 ? 1 : replicasWritten,
  );
  const { spec, plan, pullPolicy } = head;
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
  const thanos = spec['thanos'] !== undefined && spec['thanos'] !== null ? record(spec['thanos']) : null;

  prometheusShardNames(cr.name, spec['shards']).forEach((ssetName, shard) => {
    // BuildPodMetadata, then the selector labels with the shard (they win), then --labels.
    const podSelector = { ...plan.selectorLabels, [SHARD_LABEL]: String(shard) };
    const { labels, selector } = podLabelsAndSelector(head, version, podSelector);
    const annotations: Record<string, string> = {
      'kubectl.kubernetes.io/default-container': 'prometheus',
    };
    copyInto(annotations, stringMap(head.podMetadata['annotations']));

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
    const podSpec = buildPodSpec(
      head,
      generated,
      [configReloader('init-config-reloader', config, false, pullPolicy)],
      COPIED_POD_FIELDS,
    );
    const tsc = topologySpread(spec['topologySpreadConstraints'], selector);
    if (tsc) podSpec['topologySpreadConstraints'] = tsc;
    plan.statefulSets.push(
      statefulSetObject(head, {
        name: ssetName,
        defaultService: PROMETHEUS_GOVERNING_SERVICE,
        ownLabels: { 'operator.prometheus.io/mode': 'server' },
        labels,
        selector,
        annotations,
        podSpec,
      }),
    );
  });

  if (plan.customService === null) {
    const ports: Raw[] = [{ name: portName, port: 9090, targetPort: portName }];
    if (thanos) ports.push({ name: 'grpc', port: 10901, targetPort: 'grpc' });
    plan.governingService = governingServiceObject(
      head,
      PROMETHEUS_GOVERNING_SERVICE,
      'operated-prometheus',
      {
        ports,
        selector: { 'app.kubernetes.io/name': 'prometheus' },
      },
    );
  }
  return plan;
}
