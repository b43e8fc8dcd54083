// A large kustomize tree for the bench, shaped like Argo CD's cluster install and an
// overlay on it (generated, no upstream file copied):
//
//   overlays/prod ─▶ install (cluster-install) ─▶ crds            (3 large CRDs)
//                                              ├▶ base/config     (the ConfigMaps and Secret)
//                                              ├▶ base/<component> × 8 ─▶ <app> × apps/8
//                                              │     (Deployment or StatefulSet, Service, ServiceAccount
//                                              │      per app; Role, RoleBinding, NetworkPolicy per component)
//                                              └▶ cluster-rbac ─▶ <component> (ClusterRole, ClusterRoleBinding)
//
// The install sets images; the overlay sets namespace, namePrefix, labels into selectors,
// commonAnnotations, images, replicas, a strategic-merge patch per app, a JSON 6902 patch on
// every Deployment by label selector, and a generated ConfigMap (hashed name) the workloads
// reference — so a build exercises name-reference fix-ups across bases as a real one does.
import type { WorkspaceFile } from '../src/engine';

export const COMPONENTS = [
  'application-controller',
  'applicationset-controller',
  'commit-server',
  'dex-server',
  'notifications-controller',
  'redis',
  'repo-server',
  'server',
] as const;

interface App {
  readonly name: string;
  readonly component: string;
  readonly dir: string;
  readonly statefulSet: boolean;
}

function appsOf(apps: number): App[] {
  return Array.from({ length: apps }, (_, i) => {
    const component = COMPONENTS[i % COMPONENTS.length] as string;
    const name = `argocd-${component}-${Math.floor(i / COMPONENTS.length)}`;
    return {
      name,
      component,
      dir: `base/${component}/${name}`,
      statefulSet: component === 'application-controller',
    };
  });
}

const list = (items: readonly string[]): string => items.map((i) => `  - ${i}\n`).join('');

function workload(app: App): string {
  const kind = app.statefulSet ? 'StatefulSet' : 'Deployment';
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${app.name}
  labels:
    app.kubernetes.io/name: ${app.name}
    app.kubernetes.io/component: ${app.component}
    app.kubernetes.io/part-of: argocd
spec:
${app.statefulSet ? `  serviceName: ${app.name}\n` : ''}  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app.name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${app.name}
    spec:
      serviceAccountName: ${app.name}
      initContainers:
        - name: copyutil
          image: ghcr.io/example/${app.name}-init:1.0
          command: [cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd]
      containers:
        - name: ${app.component}
          image: quay.io/argoproj/argocd:latest
          imagePullPolicy: Always
          args:
            - /usr/local/bin/argocd-${app.component}
          env:
            - name: ARGOCD_LOG_LEVEL
              valueFrom:
                configMapKeyRef:
                  name: argocd-cmd-params-cm
                  key: log.level
                  optional: true
            - name: MODE
              value: base
          envFrom:
            - configMapRef:
                name: argocd-env
          ports:
            - name: http
              containerPort: 8080
            - name: metrics
              containerPort: 8082
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
            initialDelaySeconds: 5
            periodSeconds: 10
          volumeMounts:
            - name: ssh-known-hosts
              mountPath: /app/config/ssh
            - name: tls-certs
              mountPath: /app/config/tls
      volumes:
        - name: ssh-known-hosts
          configMap:
            name: argocd-ssh-known-hosts-cm
        - name: tls-certs
          configMap:
            name: argocd-tls-certs-cm
`;
}

function service(app: App): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${app.name}
  labels:
    app.kubernetes.io/name: ${app.name}
    app.kubernetes.io/component: ${app.component}
spec:
  selector:
    app.kubernetes.io/name: ${app.name}
  ports:
    - name: http
      port: 80
      targetPort: http
    - name: metrics
      port: 8082
      targetPort: 8082
`;
}

const serviceAccount = (app: App): string =>
  `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${app.name}\n  labels:\n    app.kubernetes.io/component: ${app.component}\n`;

function componentRbac(component: string, first: string): WorkspaceFile[] {
  const dir = `base/${component}`;
  return [
    {
      path: `${dir}/argocd-${component}-role.yaml`,
      text: `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: argocd-${component}\nrules:\n  - apiGroups: ['']\n    resources: [secrets, configmaps]\n    verbs: [get, list, watch]\n  - apiGroups: [argoproj.io]\n    resources: [applications, appprojects]\n    verbs: [create, get, list, watch, update, patch, delete]\n`,
    },
    {
      path: `${dir}/argocd-${component}-rolebinding.yaml`,
      text: `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: argocd-${component}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: argocd-${component}\nsubjects:\n  - kind: ServiceAccount\n    name: ${first}\n`,
    },
    {
      path: `${dir}/argocd-${component}-network-policy.yaml`,
      text: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: argocd-${component}-network-policy\nspec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/component: ${component}\n  policyTypes: [Ingress]\n  ingress:\n    - ports:\n        - protocol: TCP\n          port: 8080\n`,
    },
  ];
}

function clusterRbac(component: string, first: string): WorkspaceFile[] {
  const dir = `cluster-rbac/${component}`;
  return [
    {
      path: `${dir}/kustomization.yaml`,
      text: `resources:\n${list([`argocd-${component}-clusterrole.yaml`, `argocd-${component}-clusterrolebinding.yaml`])}`,
    },
    {
      path: `${dir}/argocd-${component}-clusterrole.yaml`,
      text: `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: argocd-${component}\n  labels:\n    app.kubernetes.io/component: ${component}\nrules:\n  - apiGroups: ['*']\n    resources: ['*']\n    verbs: [get, list, watch]\n  - nonResourceURLs: ['*']\n    verbs: [get, list]\n`,
    },
    {
      path: `${dir}/argocd-${component}-clusterrolebinding.yaml`,
      text: `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: argocd-${component}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: argocd-${component}\nsubjects:\n  - kind: ServiceAccount\n    name: ${first}\n    namespace: argocd\n`,
    },
  ];
}

/** A CRD with a large generated schema (Argo CD's CRDs run to thousands of lines). */
function crd(kind: string, plural: string, fields: number): string {
  const props = Array.from(
    { length: fields },
    (_, i) =>
      `                field${i}:\n                  description: Field ${i} of the ${kind} spec, as the controller reads it.\n                  type: object\n                  properties:\n                    name:\n                      type: string\n                    value:\n                      type: string\n                    enabled:\n                      type: boolean\n`,
  ).join('');
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.argoproj.io
  labels:
    app.kubernetes.io/name: ${plural}.argoproj.io
    app.kubernetes.io/part-of: argocd
spec:
  group: argoproj.io
  names:
    kind: ${kind}
    listKind: ${kind}List
    plural: ${plural}
    singular: ${kind.toLowerCase()}
  scope: Namespaced
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
${props}`;
}

const CONFIG: readonly [string, string][] = [
  ['argocd-cm', 'ConfigMap'],
  ['argocd-cmd-params-cm', 'ConfigMap'],
  ['argocd-rbac-cm', 'ConfigMap'],
  ['argocd-ssh-known-hosts-cm', 'ConfigMap'],
  ['argocd-tls-certs-cm', 'ConfigMap'],
  ['argocd-gpg-keys-cm', 'ConfigMap'],
  ['argocd-secret', 'Secret'],
];

/** `crdFields`: the size of each CRD's schema (tests take small ones). */
export function kustomizeTree(apps: number, crdFields = 120): WorkspaceFile[] {
  const files: WorkspaceFile[] = [];
  const all = appsOf(apps);
  for (const app of all) {
    files.push({
      path: `${app.dir}/kustomization.yaml`,
      text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${list([`${app.name}-${app.statefulSet ? 'statefulset' : 'deployment'}.yaml`, `${app.name}-service.yaml`, `${app.name}-sa.yaml`])}`,
    });
    files.push({
      path: `${app.dir}/${app.name}-${app.statefulSet ? 'statefulset' : 'deployment'}.yaml`,
      text: workload(app),
    });
    files.push({ path: `${app.dir}/${app.name}-service.yaml`, text: service(app) });
    files.push({ path: `${app.dir}/${app.name}-sa.yaml`, text: serviceAccount(app) });
  }
  const components = COMPONENTS.filter((c) => all.some((a) => a.component === c));
  for (const c of components) {
    const mine = all.filter((a) => a.component === c);
    const first = mine[0]?.name ?? '';
    const rbac = componentRbac(c, first);
    files.push({
      path: `base/${c}/kustomization.yaml`,
      text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${list([...mine.map((a) => `./${a.name}`), ...rbac.map((f) => f.path.slice(`base/${c}/`.length))])}`,
    });
    files.push(...rbac, ...clusterRbac(c, first));
  }
  files.push({
    path: 'cluster-rbac/kustomization.yaml',
    text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${list(components.map((c) => `./${c}`))}`,
  });
  for (const [name, kind] of CONFIG) {
    files.push({
      path: `base/config/${name}.yaml`,
      text:
        kind === 'Secret'
          ? `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  labels:\n    app.kubernetes.io/part-of: argocd\ntype: Opaque\n`
          : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels:\n    app.kubernetes.io/part-of: argocd\ndata:\n  log.level: info\n  timeout.reconciliation: 180s\n`,
    });
  }
  files.push({
    path: 'base/config/kustomization.yaml',
    text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${list(CONFIG.map(([n]) => `${n}.yaml`))}`,
  });
  const crds: [string, string][] = [
    ['Application', 'applications'],
    ['AppProject', 'appprojects'],
    ['ApplicationSet', 'applicationsets'],
  ];
  for (const [kind, plural] of crds)
    files.push({ path: `crds/${kind.toLowerCase()}-crd.yaml`, text: crd(kind, plural, crdFields) });
  files.push({
    path: 'crds/kustomization.yaml',
    text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${list(crds.map(([k]) => `${k.toLowerCase()}-crd.yaml`))}`,
  });
  files.push({
    path: 'install/kustomization.yaml',
    text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${list(['../crds', '../base/config', ...components.map((c) => `../base/${c}`), '../cluster-rbac'])}images:\n  - name: quay.io/argoproj/argocd\n    newName: quay.io/argoproj/argocd\n    newTag: v2.14.0\n`,
  });
  files.push({
    path: 'overlays/prod/kustomization.yaml',
    text:
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: argocd\nnamePrefix: prod-\n` +
      `labels:\n  - pairs:\n      env: prod\n    includeSelectors: true\n` +
      `commonAnnotations:\n  team: platform\n` +
      `resources:\n  - ../../install\n` +
      `configMapGenerator:\n  - name: argocd-env\n    literals:\n      - ENVIRONMENT=prod\n      - REGION=eu-west-1\n` +
      `images:\n  - name: quay.io/argoproj/argocd\n    newTag: v2.14.1\n${all.map((a) => `  - name: ghcr.io/example/${a.name}-init\n    newTag: "1.1"\n`).join('')}` +
      `replicas:\n${all.map((a) => `  - name: ${a.name}\n    count: 3\n`).join('')}` +
      `patches:\n${all.map((a) => `  - path: patches/${a.name}.yaml\n`).join('')}` +
      `  - target:\n      kind: Deployment\n      labelSelector: app.kubernetes.io/part-of=argocd\n    patch: |-\n      - op: add\n        path: /spec/revisionHistoryLimit\n        value: 3\n`,
  });
  for (const a of all) {
    files.push({
      path: `overlays/prod/patches/${a.name}.yaml`,
      text: `apiVersion: apps/v1\nkind: ${a.statefulSet ? 'StatefulSet' : 'Deployment'}\nmetadata:\n  name: ${a.name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${a.component}\n          env:\n            - name: MODE\n              value: prod\n`,
    });
  }
  return files;
}

/** The base files of the tree (what the edit figure edits): workloads, Services, ServiceAccounts, config. */
export function isBaseResourceFile(path: string): boolean {
  return path.startsWith('base/') && !path.endsWith('/kustomization.yaml');
}

/**
 * A one-line edit of a base file that changes what the overlay builds (a value no overlay
 * overrides), or undefined when the file has no such line. `k` (distinct per edit) makes
 * the new value differ from every earlier one.
 */
export function editBaseLine(text: string, k: number): string | undefined {
  const edits: [RegExp, string][] = [
    [/(initialDelaySeconds: )\d+/, `$1${10 + k}`],
    [/(containerPort: )8\d\d\d\n/, `$1${8100 + (k % 800)}\n`],
    [/(\n {6}port: )\d+\n/, `$1${1000 + k}\n`],
    [/(\n {10}port: )\d+\n/, `$1${9000 + k}\n`],
    [/(timeout\.reconciliation: )\d+s/, `$1${200 + k}s`],
    [/(app\.kubernetes\.io\/(?:component|part-of): [a-z-]+?)(-e\d+)?\n/, `$1-e${k}\n`],
    [/(verbs: \[get, list, watch)(, e\d+)?\]/, `$1, e${k}]`],
  ];
  const applicable = edits.filter(([re]) => re.test(text));
  const [re, replacement] = applicable[k % Math.max(1, applicable.length)] ?? [];
  if (!re || replacement === undefined) return undefined;
  const next = text.replace(re, replacement);
  return next === text ? undefined : next;
}
