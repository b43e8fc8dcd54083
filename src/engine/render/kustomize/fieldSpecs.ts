// kustomize's built-in field specs (api/internal/konfig/builtinpluginconsts): which fields of
// which kinds the label, annotation, image, replica, namespace and name-reference transformers
// touch, and the walker that applies a spec to an object (api/filters/fieldspec semantics: a
// sequence on the way applies the rest of the path to every element; `create` adds missing maps).
import type { Gvk } from './resource';
import { gvkSelected } from './resource';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';
import { memoized } from '../../util/memo';

export interface FieldSpec {
  readonly path: string;
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly create?: boolean;
}

const fs = (path: string, kind?: string, create = false, group?: string, version?: string): FieldSpec => ({
  path,
  kind,
  create,
  group,
  version,
});

const WORKLOADS_TEMPLATE = ['Deployment', 'ReplicaSet', 'DaemonSet'] as const;

function templateMetadataSpecs(field: 'labels' | 'annotations'): FieldSpec[] {
  return [
    fs(`metadata/${field}`, undefined, true),
    fs(`spec/template/metadata/${field}`, 'ReplicationController', true, undefined, 'v1'),
    ...WORKLOADS_TEMPLATE.map((k) => fs(`spec/template/metadata/${field}`, k, true)),
    fs(`spec/template/metadata/${field}`, 'StatefulSet', true, field === 'labels' ? 'apps' : undefined),
    fs(`spec/template/metadata/${field}`, 'Job', true, 'batch'),
    fs(`spec/jobTemplate/metadata/${field}`, 'CronJob', true, 'batch'),
    fs(`spec/jobTemplate/spec/template/metadata/${field}`, 'CronJob', true, 'batch'),
  ];
}

export const VOLUME_CLAIM_TEMPLATE_LABELS: readonly FieldSpec[] = [
  fs('spec/volumeClaimTemplates[]/metadata/labels', 'StatefulSet', true, 'apps'),
];

export const METADATA_LABEL_SPECS: readonly FieldSpec[] = [
  ...templateMetadataSpecs('labels'),
  ...VOLUME_CLAIM_TEMPLATE_LABELS,
];

const AFFINITY = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
];

/** Where commonLabels (and labels with includeSelectors) go besides metadata. */
export const SELECTOR_LABEL_SPECS: readonly FieldSpec[] = [
  fs('spec/selector', 'Service', true, undefined, 'v1'),
  fs('spec/selector', 'ReplicationController', true, undefined, 'v1'),
  fs('spec/selector/matchLabels', 'Deployment', true),
  ...AFFINITY.map((p) => fs(p, 'Deployment', false, 'apps')),
  fs('spec/selector/matchLabels', 'ReplicaSet', true),
  fs('spec/selector/matchLabels', 'DaemonSet', true),
  fs('spec/selector/matchLabels', 'StatefulSet', true, 'apps'),
  ...AFFINITY.map((p) => fs(p, 'StatefulSet', false, 'apps')),
  fs('spec/selector/matchLabels', 'Job', false, 'batch'),
  fs('spec/jobTemplate/spec/selector/matchLabels', 'CronJob', false, 'batch'),
  fs('spec/selector/matchLabels', 'PodDisruptionBudget', false, 'policy'),
  fs('spec/podSelector/matchLabels', 'NetworkPolicy', false, 'networking.k8s.io'),
  fs('spec/ingress/from/podSelector/matchLabels', 'NetworkPolicy', false, 'networking.k8s.io'),
  fs('spec/egress/to/podSelector/matchLabels', 'NetworkPolicy', false, 'networking.k8s.io'),
];

export const COMMON_LABEL_SPECS: readonly FieldSpec[] = [...SELECTOR_LABEL_SPECS, ...METADATA_LABEL_SPECS];

/** labels with includeTemplates (templateLabels: metadata labels of templates, without volumeClaimTemplates). */
export const TEMPLATE_LABEL_SPECS: readonly FieldSpec[] = templateMetadataSpecs('labels');

export const COMMON_ANNOTATION_SPECS: readonly FieldSpec[] = templateMetadataSpecs('annotations');

export const IMAGE_SPECS: readonly FieldSpec[] = [
  'spec/containers[]/image',
  'spec/initContainers[]/image',
  'spec/volumes[]/image/reference',
  'spec/template/spec/containers[]/image',
  'spec/template/spec/initContainers[]/image',
  'spec/template/spec/volumes[]/image/reference',
].map((p) => fs(p)); // the image filter sets no CreateKind, so nothing is created

export const REPLICA_SPECS: readonly FieldSpec[] = [
  'Deployment',
  'ReplicationController',
  'ReplicaSet',
  'StatefulSet',
].map((k) => fs('spec/replicas', k, true));

export const NAMESPACE_SPECS: readonly FieldSpec[] = [
  fs('metadata/name', 'Namespace', true),
  fs('spec/service/namespace', 'APIService', true, 'apiregistration.k8s.io'),
  fs(
    'spec/conversion/webhook/clientConfig/service/namespace',
    'CustomResourceDefinition',
    false,
    'apiextensions.k8s.io',
  ),
];

export interface NameReference {
  readonly target: Partial<Gvk>;
  readonly specs: readonly FieldSpec[];
}

// Where each kind keeps its pod spec, for the ConfigMap/Secret/ServiceAccount/... references.
const POD_SPECS: readonly [kind: string, prefix: string, version?: string][] = [
  ['Pod', 'spec', 'v1'],
  ['PodTemplate', 'template/spec'],
  ['Deployment', 'spec/template/spec'],
  ['ReplicaSet', 'spec/template/spec'],
  ['DaemonSet', 'spec/template/spec'],
  ['StatefulSet', 'spec/template/spec'],
  ['Job', 'spec/template/spec'],
  ['CronJob', 'spec/jobTemplate/spec/template/spec'],
];

function podRefs(suffixes: readonly string[], kinds = POD_SPECS): FieldSpec[] {
  return kinds.flatMap(([kind, prefix, version]) =>
    suffixes.map((s) => fs(`${prefix}/${s}`, kind, false, undefined, version)),
  );
}

const POD_CONTROLLERS = (kinds: string[]): [string, string][] =>
  kinds.map((k) => [
    k,
    k === 'Pod' ? 'spec' : k === 'CronJob' ? 'spec/jobTemplate/spec/template/spec' : 'spec/template/spec',
  ]);

const CONTROLLER_KINDS = [
  'Pod',
  'StatefulSet',
  'Deployment',
  'ReplicationController',
  'CronJob',
  'Job',
  'DaemonSet',
];

export const NAME_REFERENCES: readonly NameReference[] = [
  ...['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((k) => ({
    target: { kind: k },
    specs: [fs('spec/scaleTargetRef/name', 'HorizontalPodAutoscaler')],
  })),
  {
    target: { kind: 'ConfigMap', version: 'v1' },
    specs: [
      ...podRefs([
        'volumes/configMap/name',
        'containers/env/valueFrom/configMapKeyRef/name',
        'initContainers/env/valueFrom/configMapKeyRef/name',
        'containers/envFrom/configMapRef/name',
        'initContainers/envFrom/configMapRef/name',
        'volumes/projected/sources/configMap/name',
      ]),
      fs('spec/configSource/configMap', 'Node'),
      fs('rules/resourceNames', 'Role'),
      fs('rules/resourceNames', 'ClusterRole'),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap', 'Ingress'),
    ],
  },
  {
    target: { kind: 'Secret', version: 'v1' },
    specs: [
      ...podRefs([
        'volumes/secret/secretName',
        'containers/env/valueFrom/secretKeyRef/name',
        'initContainers/env/valueFrom/secretKeyRef/name',
        'containers/envFrom/secretRef/name',
        'initContainers/envFrom/secretRef/name',
        'imagePullSecrets/name',
        'volumes/projected/sources/secret/name',
      ]),
      fs('spec/tls/secretName', 'Ingress'),
      fs('metadata/annotations/ingress.kubernetes.io\\/auth-secret', 'Ingress'),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret', 'Ingress'),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret', 'Ingress'),
      fs('imagePullSecrets/name', 'ServiceAccount'),
      fs('parameters/secretName', 'StorageClass'),
      fs('parameters/adminSecretName', 'StorageClass'),
      fs('parameters/userSecretName', 'StorageClass'),
      fs('parameters/secretRef', 'StorageClass'),
      fs('rules/resourceNames', 'Role'),
      fs('rules/resourceNames', 'ClusterRole'),
      fs(
        'spec/template/spec/containers/env/valueFrom/secretKeyRef/name',
        'Service',
        false,
        'serving.knative.dev',
        'v1',
      ),
      fs('spec/azureFile/secretName', 'PersistentVolume'),
    ],
  },
  {
    target: { kind: 'Service', version: 'v1' },
    specs: [
      fs('spec/serviceName', 'StatefulSet', false, 'apps'),
      fs('spec/rules/http/paths/backend/serviceName', 'Ingress'),
      fs('spec/backend/serviceName', 'Ingress'),
      fs('spec/rules/http/paths/backend/service/name', 'Ingress'),
      fs('spec/defaultBackend/service/name', 'Ingress'),
      fs('spec/service/name', 'APIService', false, 'apiregistration.k8s.io'),
      fs(
        'webhooks/clientConfig/service',
        'ValidatingWebhookConfiguration',
        false,
        'admissionregistration.k8s.io',
      ),
      fs(
        'webhooks/clientConfig/service',
        'MutatingWebhookConfiguration',
        false,
        'admissionregistration.k8s.io',
      ),
    ],
  },
  {
    target: { kind: 'Role', group: 'rbac.authorization.k8s.io' },
    specs: [fs('roleRef/name', 'RoleBinding', false, 'rbac.authorization.k8s.io')],
  },
  {
    target: { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io' },
    specs: [
      fs('roleRef/name', 'RoleBinding', false, 'rbac.authorization.k8s.io'),
      fs('roleRef/name', 'ClusterRoleBinding', false, 'rbac.authorization.k8s.io'),
    ],
  },
  {
    target: { kind: 'ServiceAccount', version: 'v1' },
    specs: [
      fs('subjects', 'RoleBinding', false, 'rbac.authorization.k8s.io'),
      fs('subjects', 'ClusterRoleBinding', false, 'rbac.authorization.k8s.io'),
      ...POD_CONTROLLERS(CONTROLLER_KINDS).map(([k, p]) => fs(`${p}/serviceAccountName`, k)),
    ],
  },
  {
    target: { kind: 'PersistentVolumeClaim', version: 'v1' },
    specs: POD_CONTROLLERS(CONTROLLER_KINDS).map(([k, p]) =>
      fs(`${p}/volumes/persistentVolumeClaim/claimName`, k),
    ),
  },
  {
    target: { kind: 'PersistentVolume', version: 'v1' },
    specs: [fs('spec/volumeName', 'PersistentVolumeClaim'), fs('rules/resourceNames', 'ClusterRole')],
  },
  {
    target: { kind: 'StorageClass', version: 'v1', group: 'storage.k8s.io' },
    specs: [
      fs('spec/storageClassName', 'PersistentVolume'),
      fs('spec/storageClassName', 'PersistentVolumeClaim'),
      fs('spec/volumeClaimTemplates/spec/storageClassName', 'StatefulSet'),
    ],
  },
  {
    target: { kind: 'PriorityClass', version: 'v1', group: 'scheduling.k8s.io' },
    specs: POD_CONTROLLERS(CONTROLLER_KINDS).map(([k, p]) => fs(`${p}/priorityClassName`, k)),
  },
  {
    target: { kind: 'IngressClass', version: 'v1', group: 'networking.k8s.io/v1' },
    specs: [fs('spec/ingressClassName', 'Ingress')],
  },
  {
    target: { kind: 'ValidatingAdmissionPolicy', group: 'admissionregistration.k8s.io' },
    specs: [fs('spec/policyName', 'ValidatingAdmissionPolicyBinding', false, 'admissionregistration.k8s.io')],
  },
];

export function specApplies(spec: FieldSpec, g: Gvk): boolean {
  return gvkSelected(g, spec);
}

/** Splits a field-spec path at unescaped `/` (`a\/b` is one segment). */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '\\' && path.charAt(i + 1) === '/') {
      cur += '/';
      i++;
    } else if (c === '/') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export type FieldVisitor = (parent: ValueMap, key: string, path: string) => void;

export interface WalkError {
  readonly message: string;
}

/**
 * Applies `visit` to every field the path reaches. With `create`, missing intermediate maps
 * are added and the visitor is called for a missing final field too (it decides what to put).
 * Returns an error message where kustomize's filter fails (a scalar where a map is expected).
 */
export function walkFieldSpec(obj: ValueMap, spec: FieldSpec, visit: FieldVisitor): WalkError | undefined {
  return walk(obj, segmentsOf(spec), 0, spec.create === true, visit, '');
}

/** A spec's path split once (transformers walk every spec over every resource). */
const segmentsOf = memoized((spec: FieldSpec): readonly Segment[] =>
  splitPath(spec.path).map((head) => {
    const seq = head.endsWith('[]');
    return { name: seq ? head.slice(0, -2) : head, seq };
  }),
);

interface Segment {
  readonly name: string;
  /** Written `name[]`: the field must exist (create never adds it). */
  readonly seq: boolean;
}

function walk(
  node: Value,
  segs: readonly Segment[],
  at: number,
  create: boolean,
  visit: FieldVisitor,
  path: string,
): WalkError | undefined {
  if (node === null) return undefined;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const e = walk(node[i] ?? null, segs, at, create, visit, `${path}[${i}]`);
      if (e) return e;
    }
    return undefined;
  }
  if (!isValueMap(node)) return { message: 'expected sequence or mapping node' };
  const { name, seq } = segs[at] ?? { name: '', seq: false };
  const here = path === '' ? name : `${path}.${name}`;
  if (at + 1 >= segs.length) {
    if (!(name in node) && !create) return undefined;
    if (seq && !(name in node)) return undefined;
    visit(node, name, here);
    return undefined;
  }
  if (!(name in node) || node[name] === null) {
    if (!create || seq) return undefined;
    node[name] = {};
  }
  return walk(node[name] ?? null, segs, at + 1, create, visit, here);
}

const VAR_POD_SUFFIXES = [
  'containers/args',
  'containers/command',
  'containers/env/value',
  'containers/volumeMounts/mountPath',
  'initContainers/args',
  'initContainers/command',
  'initContainers/env/value',
  'initContainers/volumeMounts/mountPath',
];

/** Where `$(VAR)` references are replaced (builtinpluginconsts varReference). */
export const VAR_REFERENCE_SPECS: readonly FieldSpec[] = [
  ...VAR_POD_SUFFIXES.map((s) => fs(`spec/jobTemplate/spec/template/spec/${s}`, 'CronJob')),
  fs('spec/jobTemplate/spec/template/volumes/nfs/server', 'CronJob'),
  ...['DaemonSet', 'Deployment'].flatMap((k) => [
    ...VAR_POD_SUFFIXES.map((s) => fs(`spec/template/spec/${s}`, k)),
    fs('spec/template/spec/volumes/nfs/server', k),
  ]),
  fs('spec/template/metadata/annotations', 'Deployment'),
  fs('spec/rules/host', 'Ingress'),
  fs('spec/tls/hosts', 'Ingress'),
  fs('spec/tls/secretName', 'Ingress'),
  ...VAR_POD_SUFFIXES.map((s) => fs(`spec/template/spec/${s}`, 'Job')),
  fs('spec/template/spec/volumes/nfs/server', 'Job'),
  ...VAR_POD_SUFFIXES.map((s) => fs(`spec/${s}`, 'Pod')),
  fs('spec/volumes/nfs/server', 'Pod'),
  ...VAR_POD_SUFFIXES.map((s) => fs(`spec/template/spec/${s}`, 'ReplicaSet')),
  fs('spec/template/spec/volumes/nfs/server', 'ReplicaSet'),
  fs('spec/ports/port', 'Service'),
  fs('spec/ports/targetPort', 'Service'),
  ...VAR_POD_SUFFIXES.map((s) => fs(`spec/template/spec/${s}`, 'StatefulSet')),
  fs('spec/volumeClaimTemplates/spec/nfs/server', 'StatefulSet'),
  fs('spec/nfs/server', 'PersistentVolume'),
  fs('metadata/labels'),
  fs('metadata/annotations'),
];
