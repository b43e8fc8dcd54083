// What prometheus-operator's Prometheus and Alertmanager controllers share: the operator's
// own flags that reach the pods (config-reloader resources, --labels), its config-reloader
// container, its strategic merge of user containers, semver's tolerant parse, the head of
// both makeStatefulSet functions (readResourceHead, podLabelsAndSelector, buildPodSpec,
// statefulSetObject, governingServiceObject), and the derived objects themselves (a
// StatefulSet or Service whose field ranges point back at the custom resource's lines).
//
// Followed: prometheus-operator v0.93.1, the version kube-prometheus-stack 88.x and
// kube-prometheus ship (source read at the release-0.93 branch: pkg/operator, pkg/k8s).
import type { LoadedObject, SourceRange } from '../../model';
import { formatFieldPath, isPlainObject } from '../../model';

export const OPERATOR_VERSION = 'v0.93.1';

export type Raw = Record<string, unknown>;
export type Path = readonly (string | number)[];

export function record(value: unknown): Raw {
  return isPlainObject(value) ? value : {};
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isPlainObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      Object.defineProperty(out, k, {
        value: String(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

/** Go's maps.Copy for label maps (own properties, so a `__proto__` key stays a key). */
export function copyInto(target: Record<string, string>, source: Record<string, string>): void {
  for (const [k, v] of Object.entries(source)) {
    Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A version as blang/semver's ParseTolerant reads it, printed as Version.String(); null when it refuses. */
export function parseTolerant(input: string): string | null {
  let s = input.trim();
  if (s.startsWith('v')) s = s.slice(1);
  const parts = splitN(s, '.', 3).map((p) => {
    if (p.length <= 1) return p;
    let trimmed = p.replace(/^0+/, '');
    if (trimmed === '' || !/^[0-9]/.test(trimmed)) trimmed = `0${trimmed}`;
    return trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] ?? '')) return null;
    while (parts.length < 3) parts.push('0');
  }
  return parseStrict(parts.join('.'));
}

function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const at = rest.indexOf(sep);
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

/** semver.Parse: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no leading zeros. */
function parseStrict(s: string): string | null {
  const m =
    /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/.exec(
      s,
    );
  if (!m) return null;
  const pre = m[4];
  if (pre !== undefined && pre.split('.').some((id) => /^0[0-9]+$/.test(id))) return null;
  return s;
}

/** The major version of a printed semver. */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** The operator's flags that change the pods it builds. */
export interface OperatorConfig {
  /** The operator's Deployment in the analysed files, or null (then its defaults). */
  deployment: LoadedObject | null;
  /** The image tag the Deployment runs, '' when none is found. */
  imageTag: string;
  /** --labels: added to every object the operator creates; they win over the pod's own. */
  labels: Record<string, string>;
  /** --config-reloader-{cpu,memory}-{request,limit}; "0" disables one. */
  reloaderResources: Raw;
}

const RELOADER_FLAGS: [string, 'requests' | 'limits', 'cpu' | 'memory', string][] = [
  ['config-reloader-cpu-request', 'requests', 'cpu', '10m'],
  ['config-reloader-cpu-limit', 'limits', 'cpu', '10m'],
  ['config-reloader-memory-request', 'requests', 'memory', '50Mi'],
  ['config-reloader-memory-limit', 'limits', 'memory', '50Mi'],
];

/** The image's repository name: `quay.io/prometheus-operator/prometheus-operator:v0.93.1` → prometheus-operator. */
function imageName(image: string): { name: string; tag: string } {
  const noDigest = image.split('@')[0] ?? '';
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? { name: last, tag: '' } : { name: last.slice(0, colon), tag: last.slice(colon + 1) };
}

/** Reads Go flag syntax (`--name=value`, `-name=value`, `--name value`). */
function readFlags(args: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(args)) return out;
  const list = args as unknown[];
  for (let i = 0; i < list.length; i++) {
    const arg = list[i];
    if (typeof arg !== 'string' || !arg.startsWith('-')) continue;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq >= 0) out.set(body.slice(0, eq), body.slice(eq + 1));
    else {
      const next = list[i + 1];
      if (typeof next === 'string' && !next.startsWith('-')) {
        out.set(body, next);
        i++;
      } else out.set(body, 'true');
    }
  }
  return out;
}

/** The operator Deployment's container (an image named `prometheus-operator`), if the files have one. */
export function readOperatorConfig(objects: readonly LoadedObject[]): OperatorConfig {
  for (const o of objects) {
    if (o.kind !== 'Deployment' || !o.apiVersion.startsWith('apps/')) continue;
    const podSpec = record(record(record(o.raw['spec'])['template'])['spec']);
    const containers = Array.isArray(podSpec['containers']) ? podSpec['containers'] : [];
    for (const c of containers) {
      const container = record(c);
      const image = imageName(str(container['image']));
      if (image.name !== 'prometheus-operator') continue;
      const flags = readFlags(container['args']);
      return { deployment: o, imageTag: image.tag, ...configFromFlags(flags) };
    }
  }
  return { deployment: null, imageTag: '', ...configFromFlags(new Map()) };
}

function configFromFlags(flags: Map<string, string>): Pick<OperatorConfig, 'labels' | 'reloaderResources'> {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const [flag, which, resource, fallback] of RELOADER_FLAGS) {
    const value = flags.get(flag) ?? fallback;
    if (value !== '0') (which === 'requests' ? requests : limits)[resource] = value;
  }
  const labels: Record<string, string> = {};
  for (const pair of (flags.get('labels') ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) copyInto(labels, { [pair.slice(0, eq)]: pair.slice(eq + 1) });
  }
  return { labels, reloaderResources: { requests, limits } };
}

/**
 * spec.imagePullPolicy, which the operator gives every container it builds (the server,
 * the config reloaders, the Thanos sidecar); '' when unset (then the API server defaults it).
 */
export function pullPolicyOf(spec: Raw): string {
  return str(spec['imagePullPolicy']);
}

/** `container` with imagePullPolicy set to `policy` unless that is ''. */
export function withPullPolicy(container: Raw, policy: string): Raw {
  return policy === '' ? container : { ...container, imagePullPolicy: policy };
}

/** operator.MakeHostAliases: each `{ ip, hostnames }` of the CR as a pod host alias; undefined for none. */
function hostAliases(value: unknown): Raw[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return (value as unknown[]).map((entry) => {
    const alias = record(entry);
    const out: Raw = {};
    if (alias['ip'] !== undefined) out['ip'] = alias['ip'];
    if (alias['hostnames'] !== undefined) out['hostnames'] = alias['hostnames'];
    return out;
  });
}

/**
 * The pod spec fields both controllers set alike from the CR after the copied ones:
 * hostAliases (MakeHostAliases), imagePullSecrets (set only when the list is not empty) and
 * the dnsPolicy hostNetwork needs.
 */
export function applyCommonPodFields(spec: Raw, podSpec: Raw): void {
  const aliases = hostAliases(spec['hostAliases']);
  if (aliases) podSpec['hostAliases'] = aliases;
  const secrets = spec['imagePullSecrets'];
  if (Array.isArray(secrets) && secrets.length > 0) podSpec['imagePullSecrets'] = secrets;
  if (spec['hostNetwork'] === true) podSpec['dnsPolicy'] = 'ClusterFirstWithHostNet';
}

/** operator.CreateConfigReloader's container, as far as placement and Services read it. */
export function configReloader(
  name: 'config-reloader' | 'init-config-reloader',
  config: OperatorConfig,
  listenLocal: boolean,
  pullPolicy = '',
): Raw {
  const init = name === 'init-config-reloader';
  const container: Raw = withPullPolicy(
    {
      name,
      image: `quay.io/prometheus-operator/prometheus-config-reloader:${OPERATOR_VERSION}`,
      command: ['/bin/prometheus-config-reloader'],
      resources: config.reloaderResources,
    },
    pullPolicy,
  );
  if (!listenLocal) {
    container['ports'] = [
      {
        name: init ? 'reloader-init' : 'reloader-web',
        containerPort: init ? 8081 : 8080,
        protocol: 'TCP',
      },
    ];
  }
  return container;
}

const MERGE_KEYS: Record<string, string> = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};

/**
 * k8s.MergePatchContainers: a user container named like a generated one is a strategic merge
 * patch of it (maps merged, ports/env/mounts merged by their keys, other lists replaced);
 * the others are appended in their order.
 */
export function mergePatchContainers(base: readonly Raw[], patches: readonly Raw[]): Raw[] {
  const byName = new Map<string, Raw>();
  for (const p of patches) byName.set(str(p['name']), p);
  const out: Raw[] = [];
  for (const container of base) {
    const patch = byName.get(str(container['name']));
    if (!patch) {
      out.push(container);
      continue;
    }
    out.push(strategicMerge(container, patch));
    byName.delete(str(container['name']));
  }
  for (const p of patches) if (byName.get(str(p['name'])) === p) out.push(p);
  return out;
}

function strategicMerge(base: Raw, patch: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const before = base[key];
    const mergeKey = MERGE_KEYS[key];
    if (value === null) delete out[key];
    else if (mergeKey && Array.isArray(before) && Array.isArray(value)) {
      const merged: unknown[] = [...(before as unknown[])];
      for (const item of value as unknown[]) {
        const at = merged.findIndex(
          (m) => isPlainObject(m) && isPlainObject(item) && m[mergeKey] === item[mergeKey],
        );
        if (at >= 0 && isPlainObject(item)) merged[at] = strategicMerge(record(merged[at]), item);
        else merged.push(item);
      }
      out[key] = merged;
    } else if (isPlainObject(before) && isPlainObject(value)) out[key] = strategicMerge(before, value);
    else out[key] = value;
  }
  return out;
}

/** One link of a derived object: its field at `to` (and below) is written at the CR's `from`. */
export interface Link {
  to: Path;
  from: Path;
  /** Only the field itself, not what is below it. */
  exact?: boolean;
}

/**
 * An object the operator creates from `cr`: `raw` as the operator builds it, its field ranges
 * those of the CR lines it came from (unlinked fields fall back to the nearest linked parent,
 * then to the whole CR).
 */
export function derivedObject(cr: LoadedObject, raw: Raw, links: readonly Link[]): LoadedObject {
  const meta = record(raw['metadata']);
  const ranges = new Map<string, SourceRange>();
  const keyRanges = new Map<string, SourceRange>();
  for (const link of links) {
    const from = formatFieldPath(link.from);
    const to = formatFieldPath(link.to);
    copyLinked(cr.ranges, ranges, from, to, link.exact === true);
    copyLinked(cr.keyRanges, keyRanges, from, to, link.exact === true);
  }
  return {
    apiVersion: str(raw['apiVersion']),
    kind: str(raw['kind']),
    namespace: str(meta['namespace']),
    name: str(meta['name']),
    raw,
    file: cr.file,
    docIndex: cr.docIndex,
    range: cr.range,
    ranges,
    keyRanges,
    generatedBy: {
      controller: `prometheus-operator ${OPERATOR_VERSION}`,
      kind: cr.kind,
      namespace: cr.namespace,
      name: cr.name,
    },
  };
}

function copyLinked(
  source: ReadonlyMap<string, SourceRange>,
  target: Map<string, SourceRange>,
  from: string,
  to: string,
  exact: boolean,
): void {
  const own = source.get(from);
  if (own) target.set(to, own);
  if (exact) return;
  for (const [key, range] of source) {
    if (
      key.length > from.length &&
      key.startsWith(from) &&
      (key[from.length] === '.' || key[from.length] === '[')
    ) {
      const rest = key.slice(from.length);
      target.set(to === '' && rest.startsWith('.') ? rest.slice(1) : to + rest, range);
    }
  }
}

/** What the operator makes of one Prometheus or Alertmanager resource. */
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

/** What both controllers read from the resource before they build its StatefulSets. */
export interface ResourceHead {
  cr: LoadedObject;
  config: OperatorConfig;
  spec: Raw;
  podMetadata: Raw;
  /** spec.containers and spec.initContainers: strategic merge patches of the generated ones. */
  userContainers: Raw[];
  userInit: Raw[];
  pullPolicy: string;
  plan: OperatorPlan;
}

/** The resource's spec as both controllers start from it, with an empty plan of `replicas`. */
export function readResourceHead(
  cr: LoadedObject,
  config: OperatorConfig,
  selectorLabels: Record<string, string>,
  replicas: number,
): ResourceHead {
  const spec = record(cr.raw['spec']);
  const list = (value: unknown): Raw[] => (Array.isArray(value) ? value : []).map(record);
  return {
    cr,
    config,
    spec,
    podMetadata: record(spec['podMetadata']),
    userContainers: list(spec['containers']),
    userInit: list(spec['initContainers']),
    pullPolicy: pullPolicyOf(spec),
    plan: {
      statefulSets: [],
      governingService: null,
      customService: typeof spec['serviceName'] === 'string' ? spec['serviceName'] : null,
      selectorLabels,
      refused: null,
      replicas,
    },
  };
}

/**
 * The pod's labels and the StatefulSet's selector: the version label, podMetadata's labels,
 * then the selector labels (they win); both with the operator's --labels over them.
 */
export function podLabelsAndSelector(
  head: ResourceHead,
  version: string,
  podSelector: Record<string, string>,
): { labels: Record<string, string>; selector: Record<string, string> } {
  const podLabels: Record<string, string> = { 'app.kubernetes.io/version': version };
  copyInto(podLabels, stringMap(head.podMetadata['labels']));
  copyInto(podLabels, podSelector);
  const selector = { ...podSelector };
  copyInto(selector, head.config.labels);
  const labels = { ...podLabels };
  copyInto(labels, head.config.labels);
  return { labels, selector };
}

/**
 * The pod spec: the generated containers and init containers with the user's patched in,
 * the fields copied from the resource as they are, then the common ones (applyCommonPodFields).
 */
export function buildPodSpec(
  head: ResourceHead,
  containers: readonly Raw[],
  initContainers: readonly Raw[],
  copied: readonly string[],
): Raw {
  const podSpec: Raw = {
    containers: mergePatchContainers(containers, head.userContainers),
    initContainers: mergePatchContainers(initContainers, head.userInit),
  };
  for (const field of copied) if (head.spec[field] !== undefined) podSpec[field] = head.spec[field];
  return podSpec;
}

/**
 * makeStatefulSet's object: named `name`, labelled with the resource's labels, `ownLabels`
 * and the selector; serviceName the custom governing Service or `defaultService`;
 * podManagementPolicy Parallel unless written. Its fields point at the resource's lines.
 */
export function statefulSetObject(
  head: ResourceHead,
  args: {
    name: string;
    defaultService: string;
    ownLabels: Record<string, string>;
    labels: Record<string, string>;
    selector: Record<string, string>;
    annotations: Record<string, string>;
    podSpec: Raw;
  },
): LoadedObject {
  const { cr, spec, plan } = head;
  applyCommonPodFields(spec, args.podSpec);
  const ssetLabels = stringMap(record(cr.raw['metadata'])['labels']);
  copyInto(ssetLabels, args.ownLabels);
  copyInto(ssetLabels, args.selector);
  const raw: Raw = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: args.name, namespace: cr.namespace, labels: ssetLabels },
    spec: {
      serviceName: plan.customService ?? args.defaultService,
      replicas: plan.replicas,
      podManagementPolicy: str(spec['podManagementPolicy']) || 'Parallel',
      selector: { matchLabels: args.selector },
      template: { metadata: { labels: args.labels, annotations: args.annotations }, spec: args.podSpec },
    },
  };
  return derivedObject(cr, raw, statefulSetLinks(args.podSpec, head.userContainers, head.userInit));
}

/** The default governing Service: headless, labelled `operated-<kind>: "true"` and the operator's --labels. */
export function governingServiceObject(
  head: ResourceHead,
  name: string,
  operatedLabel: string,
  spec: Raw,
): LoadedObject {
  const labels: Record<string, string> = { [operatedLabel]: 'true' };
  copyInto(labels, head.config.labels);
  return derivedObject(
    head.cr,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: head.cr.namespace, labels },
      spec: { clusterIP: 'None', ...spec },
    },
    GOVERNING_SERVICE_LINKS,
  );
}

/** Where a generated StatefulSet's fields are written in the CR. */
function statefulSetLinks(podSpec: Raw, userContainers: readonly Raw[], userInit: readonly Raw[]): Link[] {
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
  // The pod fields taken from the resource's field of the same name (copied, hostAliases, …).
  for (const field of Object.keys(podSpec)) {
    if (field !== 'containers' && field !== 'initContainers')
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
const GOVERNING_SERVICE_LINKS: Link[] = [
  { to: ['metadata'], from: ['metadata', 'name'], exact: true },
  { to: ['metadata', 'name'], from: ['metadata', 'name'], exact: true },
  { to: ['spec'], from: ['metadata', 'name'], exact: true },
  { to: ['spec', 'ports', 0], from: ['spec', 'portName'], exact: true },
];
