// prometheus-operator's Alertmanager controller (pkg/alertmanager: operator.go sync,
// statefulset.go makeStatefulSet/makeStatefulSetSpec/makeStatefulSetService): one StatefulSet
// `alertmanager-<name>` with spec.replicas pods (1 when unset, 0 when negative), a memory
// request of 200Mi unless one is written, and the governing headless Service
// `alertmanager-operated` (web and the mesh's TCP and UDP ports, not-ready addresses
// published) unless spec.serviceName names the user's own.
//
// Followed: prometheus-operator v0.93.1 (common.ts).
import type { LoadedObject } from '../../model';
import type { OperatorConfig, Raw } from './common';
import {
  applyCommonPodFields,
  configReloader,
  copyInto,
  derivedObject,
  mergePatchContainers,
  parseTolerant,
  pullPolicyOf,
  record,
  str,
  stringMap,
  withPullPolicy,
} from './common';
import type { OperatorPlan } from './prometheus';
import { governingServiceLinks, statefulSetLinks } from './prometheus';

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
  const spec = record(cr.raw['spec']);
  const name = cr.name;
  const selectorLabels = alertmanagerSelectorLabels(name);
  const customService = typeof spec['serviceName'] === 'string' ? spec['serviceName'] : null;
  const written = spec['replicas'];
  const replicasWritten = typeof written === 'number' && Number.isInteger(written) ? written : null;
  const replicas = replicasWritten === null ? 1 : Math.max(replicasWritten, 0);
  const plan: OperatorPlan = {
    statefulSets: [],
    governingService: null,
    customService,
    selectorLabels,
    refused: null,
    replicas,
  };
  const versionWritten = str(spec['version']) || DEFAULT_ALERTMANAGER_VERSION;
  const version = parseTolerant(versionWritten);
  if (version === null) {
    plan.refused = `failed to parse alertmanager version: ${JSON.stringify(versionWritten)} is not a version`;
    return plan;
  }
  const portName = str(spec['portName']) || 'web';
  const listenLocal = spec['listenLocal'] === true;
  const podMetadata = record(spec['podMetadata']);

  const podLabels: Record<string, string> = { 'app.kubernetes.io/version': version };
  copyInto(podLabels, stringMap(podMetadata['labels']));
  copyInto(podLabels, selectorLabels);
  const podAnnotations = stringMap(podMetadata['annotations']);
  copyInto(podAnnotations, { 'kubectl.kubernetes.io/default-container': 'alertmanager' });
  const finalSelector = { ...selectorLabels };
  copyInto(finalSelector, config.labels);
  const finalLabels = { ...podLabels };
  copyInto(finalLabels, config.labels);

  const mesh: Raw[] = [
    { name: 'mesh-tcp', containerPort: 9094, protocol: 'TCP' },
    { name: 'mesh-udp', containerPort: 9094, protocol: 'UDP' },
  ];
  const resources = { ...record(spec['resources']) };
  const requests = { ...record(resources['requests']) };
  if (requests['memory'] === undefined) requests['memory'] = '200Mi';
  resources['requests'] = requests;
  const userContainers = (Array.isArray(spec['containers']) ? spec['containers'] : []).map(record);
  const userInit = (Array.isArray(spec['initContainers']) ? spec['initContainers'] : []).map(record);
  const pullPolicy = pullPolicyOf(spec);
  const containers = mergePatchContainers(
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
    userContainers,
  );
  const initContainers = mergePatchContainers(
    [configReloader('init-config-reloader', config, false, pullPolicy)],
    userInit,
  );
  const podSpec: Raw = { containers, initContainers };
  for (const field of COPIED_POD_FIELDS) if (spec[field] !== undefined) podSpec[field] = spec[field];
  applyCommonPodFields(spec, podSpec);

  const ssetLabels = stringMap(record(cr.raw['metadata'])['labels']);
  copyInto(ssetLabels, finalSelector);
  const raw: Raw = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: `alertmanager-${name}`, namespace: cr.namespace, labels: ssetLabels },
    spec: {
      serviceName: customService ?? ALERTMANAGER_GOVERNING_SERVICE,
      replicas,
      podManagementPolicy: str(spec['podManagementPolicy']) || 'Parallel',
      selector: { matchLabels: finalSelector },
      template: { metadata: { labels: finalLabels, annotations: podAnnotations }, spec: podSpec },
    },
  };
  plan.statefulSets.push(derivedObject(cr, raw, statefulSetLinks(podSpec, userContainers, userInit)));

  if (customService === null) {
    const labels: Record<string, string> = { 'operated-alertmanager': 'true' };
    copyInto(labels, config.labels);
    plan.governingService = derivedObject(
      cr,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: ALERTMANAGER_GOVERNING_SERVICE, namespace: cr.namespace, labels },
        spec: {
          clusterIP: 'None',
          publishNotReadyAddresses: true,
          ports: [
            { name: portName, port: 9093, targetPort: portName, protocol: 'TCP' },
            { name: 'tcp-mesh', port: 9094, targetPort: 'mesh-tcp', protocol: 'TCP' },
            { name: 'udp-mesh', port: 9094, targetPort: 'mesh-udp', protocol: 'UDP' },
          ],
          selector: { 'app.kubernetes.io/name': 'alertmanager' },
        },
      },
      governingServiceLinks,
    );
  }
  return plan;
}
