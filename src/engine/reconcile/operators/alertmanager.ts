// prometheus-operator's Alertmanager controller (pkg/alertmanager: operator.go sync,
// statefulset.go makeStatefulSet/makeStatefulSetSpec/makeStatefulSetService): one StatefulSet
// `alertmanager-<name>` with spec.replicas pods (1 when unset, 0 when negative), a memory
// request of 200Mi unless one is written, and the governing headless Service
// `alertmanager-operated` (web and the mesh's TCP and UDP ports, not-ready addresses
// published) unless spec.serviceName names the user's own.
//
// Followed: prometheus-operator v0.93.1 (common.ts).
import type { LoadedObject } from '../../model';
import type { OperatorConfig, OperatorPlan, Raw } from './common';
import {
  buildPodSpec,
  configReloader,
  copyInto,
  governingServiceObject,
  parseTolerant,
  podLabelsAndSelector,
  readResourceHead,
  record,
  statefulSetObject,
  str,
  stringMap,
  withPullPolicy,
} from './common';

/** operator.DefaultAlertmanagerVersion in v0.93.1. */
export const DEFAULT_ALERTMANAGER_VERSION = 'v0.33.1';
const DEFAULT_BASE_IMAGE = 'quay.io/prometheus/alertmanager';
export const ALERTMANAGER_GOVERNING_SERVICE = 'alertmanager-operated';

/** makeSelectorLabels in pkg/alertmanager/operator.go. */
export function alertmanagerSelectorLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'alertmanager',
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/instance': name,
    alertmanager: name,
  };
}

const COPIED_POD_FIELDS = [
  'automountServiceAccountToken',
  'nodeSelector',
  'schedulerName',
  'priorityClassName',
  'serviceAccountName',
  'securityContext',
  'tolerations',
  'affinity',
  'topologySpreadConstraints',
  'enableServiceLinks',
  'hostUsers',
  'hostNetwork',
] as const;

export function planAlertmanager(cr: LoadedObject, config: OperatorConfig): OperatorPlan {
  const written = record(cr.raw['spec'])['replicas'];
  const replicasWritten = typeof written === 'number' && Number.isInteger(written) ? written : null;
  const head = readResourceHead(
    cr,
    config,
    alertmanagerSelectorLabels(cr.name),
    replicasWritten === null ? 1 : Math.max(replicasWritten, 0),
  );
  const { spec, plan, pullPolicy } = head;
  const versionWritten = str(spec['version']) || DEFAULT_ALERTMANAGER_VERSION;
  const version = parseTolerant(versionWritten);
  if (version === null) {
    plan.refused = `failed to parse alertmanager version: ${JSON.stringify(versionWritten)} is not a version`;
    return plan;
  }
  const portName = str(spec['portName']) || 'web';
  const listenLocal = spec['listenLocal'] === true;

  const { labels, selector } = podLabelsAndSelector(head, version, plan.selectorLabels);
  const annotations = stringMap(head.podMetadata['annotations']);
  copyInto(annotations, { 'kubectl.kubernetes.io/default-container': 'alertmanager' });

  const mesh: Raw[] = [
    { name: 'mesh-tcp', containerPort: 9094, protocol: 'TCP' },
    { name: 'mesh-udp', containerPort: 9094, protocol: 'UDP' },
  ];
  const resources = { ...record(spec['resources']) };
  const requests = { ...record(resources['requests']) };
  if (requests['memory'] === undefined) requests['memory'] = '200Mi';
  resources['requests'] = requests;
  const podSpec = buildPodSpec(
    head,
    [
      withPullPolicy(
        {
          name: 'alertmanager',
          image: str(spec['image']) || `${DEFAULT_BASE_IMAGE}:${versionWritten}`,
          ports: listenLocal ? mesh : [{ name: portName, containerPort: 9093, protocol: 'TCP' }, ...mesh],
          resources,
        },
        pullPolicy,
      ),
      configReloader('config-reloader', config, listenLocal, pullPolicy),
    ],
    [configReloader('init-config-reloader', config, false, pullPolicy)],
    COPIED_POD_FIELDS,
  );
  plan.statefulSets.push(
    statefulSetObject(head, {
      name: `alertmanager-${cr.name}`,
      defaultService: ALERTMANAGER_GOVERNING_SERVICE,
      ownLabels: {},
      labels,
      selector,
      annotations,
      podSpec,
    }),
  );

  if (plan.customService === null) {
    plan.governingService = governingServiceObject(
      head,
      ALERTMANAGER_GOVERNING_SERVICE,
      'operated-alertmanager',
      {
        publishNotReadyAddresses: true,
        ports: [
          { name: portName, port: 9093, targetPort: portName, protocol: 'TCP' },
          { name: 'tcp-mesh', port: 9094, targetPort: 'mesh-tcp', protocol: 'TCP' },
          { name: 'udp-mesh', port: 9094, targetPort: 'mesh-udp', protocol: 'UDP' },
        ],
        selector: { 'app.kubernetes.io/name': 'alertmanager' },
      },
    );
  }
  return plan;
}
