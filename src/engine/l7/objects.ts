// Gateway API v1 and networking.k8s.io/v1 Ingress objects as a controller reads them from
// the API: defaults applied (parentRef group/kind/namespace, backendRef kind/weight, match
// path `PathPrefix /`, listener `allowedRoutes.namespaces.from: Same`), each part with the
// source range of the YAML that wrote it.
import type { Labels, LoadedObject, SourceRange } from '../model';
import { isPlainObject, rangeAt } from '../model';
import type { LabelSelector } from '../reconcile/labels';
import { readLabelSelector } from '../reconcile/labels';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface GroupKind {
  group: string;
  kind: string;
}

export interface Listener {
  name: string;
  port: number;
  protocol: string;
  /** null: any host. */
  hostname: string | null;
  allowedFrom: string;
  selector: LabelSelector | null;
  /** null: the kinds the protocol supports. */
  kinds: GroupKind[] | null;
  index: number;
  source: SourceRange;
}

export interface GatewayObject {
  namespace: string;
  name: string;
  className: string;
  listeners: Listener[];
  /** spec.addresses of type IPAddress (or untyped), in order. */
  addresses: string[];
  created: string;
  object: LoadedObject;
  source: SourceRange;
}

export interface GatewayClassObject {
  name: string;
  controllerName: string;
  source: SourceRange;
}

export interface ParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName: string | null;
  port: number | null;
  index: number;
  source: SourceRange;
}

export interface StringMatch {
  type: string;
  name: string;
  value: string;
}

export interface RouteMatch {
  /** null: the rule has no matches (one implied `PathPrefix /` match). */
  index: number | null;
  path: { type: string; value: string };
  headers: StringMatch[];
  queryParams: StringMatch[];
  method: string | null;
  source: SourceRange;
}

export interface BackendRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  port: number | null;
  weight: number;
  index: number;
  source: SourceRange;
}

export interface RouteRule {
  index: number;
  name: string | null;
  matches: RouteMatch[];
  backendRefs: BackendRef[];
  /** Filters that answer the request themselves (RequestRedirect), by type. */
  answeringFilters: string[];
  source: SourceRange;
}

export interface HttpRouteObject {
  namespace: string;
  name: string;
  hostnames: string[];
  parentRefs: ParentRef[];
  rules: RouteRule[];
  created: string;
  object: LoadedObject;
  source: SourceRange;
}

export interface ReferenceGrantObject {
  namespace: string;
  name: string;
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name: string | null }[];
}

export interface IngressBackend {
  /** null: a `resource` backend (implementation-specific). */
  service: { name: string; port: number | string | null } | null;
  source: SourceRange;
}

export interface IngressPath {
  host: string | null;
  path: string;
  pathType: string;
  backend: IngressBackend;
  rule: number;
  index: number;
  source: SourceRange;
}

export interface IngressObject {
  namespace: string;
  name: string;
  /** The class asked for: the legacy annotation, else spec.ingressClassName; null: neither. */
  className: string | null;
  classFrom: 'annotation' | 'field' | null;
  defaultBackend: IngressBackend | null;
  paths: IngressPath[];
  /** Hosts of rules without http paths. */
  hosts: string[];
  /** status.loadBalancer.ingress as written (e.g. exported from a live cluster). */
  statusAddresses: string[];
  created: string;
  object: LoadedObject;
  source: SourceRange;
}

export interface IngressClassObject {
  name: string;
  controller: string;
  isDefault: boolean;
  source: SourceRange;
}

export interface L7Objects {
  gatewayClasses: GatewayClassObject[];
  gateways: GatewayObject[];
  routes: HttpRouteObject[];
  referenceGrants: ReferenceGrantObject[];
  ingressClasses: IngressClassObject[];
  ingresses: IngressObject[];
  /** Namespace labels (with the `kubernetes.io/metadata.name` label the API server sets). */
  namespaceLabels: Map<string, Labels>;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function num(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function obj(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function metaOf(o: LoadedObject): { labels: Labels; annotations: Labels; created: string } {
  const metadata = obj(o.raw['metadata']);
  const labels: Labels = {};
  const annotations: Labels = {};
  for (const [k, v] of Object.entries(obj(metadata['labels']))) labels[k] = String(v);
  for (const [k, v] of Object.entries(obj(metadata['annotations']))) annotations[k] = String(v);
  return { labels, annotations, created: str(metadata['creationTimestamp']) ?? '' };
}

function readGateway(o: LoadedObject): GatewayObject {
  const spec = obj(o.raw['spec']);
  const listeners = list(spec['listeners']).map((raw, index): Listener => {
    const l = obj(raw);
    const allowed = obj(l['allowedRoutes']);
    const namespaces = obj(allowed['namespaces']);
    const kinds = Array.isArray(allowed['kinds'])
      ? allowed['kinds'].map((k) => ({
          group: str(obj(k)['group']) ?? GATEWAY_GROUP,
          kind: str(obj(k)['kind']) ?? '',
        }))
      : null;
    return {
      name: str(l['name']) ?? '',
      port: num(l['port']) ?? 0,
      protocol: str(l['protocol']) ?? '',
      hostname: str(l['hostname'])?.toLowerCase() ?? null,
      allowedFrom: str(namespaces['from']) ?? 'Same',
      selector: readLabelSelector(namespaces['selector']),
      kinds,
      index,
      source: rangeAt(o, ['spec', 'listeners', index]),
    };
  });
  const addresses = list(spec['addresses'])
    .map((a) => obj(a))
    .filter((a) => (str(a['type']) ?? 'IPAddress') === 'IPAddress')
    .map((a) => str(a['value']) ?? '')
    .filter((v) => v !== '');
  return {
    namespace: o.namespace,
    name: o.name,
    className: str(spec['gatewayClassName']) ?? '',
    listeners,
    addresses,
    created: metaOf(o).created,
    object: o,
    source: rangeAt(o, ['metadata', 'name']),
  };
}

function readStringMatches(value: unknown): StringMatch[] {
  return list(value).map((raw) => {
    const m = obj(raw);
    return { type: str(m['type']) ?? 'Exact', name: str(m['name']) ?? '', value: str(m['value']) ?? '' };
  });
}

function readRoute(o: LoadedObject): HttpRouteObject {
  const spec = obj(o.raw['spec']);
  const parentRefs = list(spec['parentRefs']).map((raw, index): ParentRef => {
    const p = obj(raw);
    return {
      group: str(p['group']) ?? GATEWAY_GROUP,
      kind: str(p['kind']) ?? 'Gateway',
      namespace: str(p['namespace']) ?? o.namespace,
      name: str(p['name']) ?? '',
      sectionName: str(p['sectionName']),
      port: num(p['port']),
      index,
      source: rangeAt(o, ['spec', 'parentRefs', index]),
    };
  });
  const rules = list(spec['rules']).map((raw, index): RouteRule => {
    const r = obj(raw);
    const at = ['spec', 'rules', index];
    const written = list(r['matches']);
    const matches: RouteMatch[] = (written.length > 0 ? written : [null]).map((rawMatch, m) => {
      const match = obj(rawMatch);
      const path = obj(match['path']);
      return {
        index: rawMatch === null ? null : m,
        path: { type: str(path['type']) ?? 'PathPrefix', value: str(path['value']) ?? '/' },
        headers: readStringMatches(match['headers']),
        queryParams: readStringMatches(match['queryParams']),
        method: str(match['method']),
        source: rangeAt(o, rawMatch === null ? at : [...at, 'matches', m]),
      };
    });
    const backendRefs = list(r['backendRefs']).map((rawRef, b): BackendRef => {
      const ref = obj(rawRef);
      return {
        group: str(ref['group']) ?? '',
        kind: str(ref['kind']) ?? 'Service',
        namespace: str(ref['namespace']) ?? o.namespace,
        name: str(ref['name']) ?? '',
        port: num(ref['port']),
        weight: num(ref['weight']) ?? 1,
        index: b,
        source: rangeAt(o, [...at, 'backendRefs', b]),
      };
    });
    const answeringFilters = list(r['filters'])
      .map((f) => str(obj(f)['type']) ?? '')
      .filter((t) => t === 'RequestRedirect');
    return { index, name: str(r['name']), matches, backendRefs, answeringFilters, source: rangeAt(o, at) };
  });
  return {
    namespace: o.namespace,
    name: o.name,
    hostnames: list(spec['hostnames'])
      .map((h) => str(h)?.toLowerCase() ?? '')
      .filter((h) => h !== ''),
    parentRefs,
    rules,
    created: metaOf(o).created,
    object: o,
    source: rangeAt(o, ['metadata', 'name']),
  };
}

function readReferenceGrant(o: LoadedObject): ReferenceGrantObject {
  const spec = obj(o.raw['spec']);
  return {
    namespace: o.namespace,
    name: o.name,
    from: list(spec['from']).map((f) => ({
      group: str(obj(f)['group']) ?? '',
      kind: str(obj(f)['kind']) ?? '',
      namespace: str(obj(f)['namespace']) ?? '',
    })),
    to: list(spec['to']).map((t) => ({
      group: str(obj(t)['group']) ?? '',
      kind: str(obj(t)['kind']) ?? '',
      name: str(obj(t)['name']),
    })),
  };
}

function readIngressBackend(o: LoadedObject, path: (string | number)[]): IngressBackend | null {
  let value: unknown = o.raw;
  for (const key of path)
    value = Array.isArray(value) && typeof key === 'number' ? value[key] : obj(value)[key];
  if (!isPlainObject(value)) return null;
  const service = isPlainObject(value['service']) ? value['service'] : null;
  const port = obj(service?.['port']);
  return {
    service: service
      ? { name: str(service['name']) ?? '', port: num(port['number']) ?? str(port['name']) }
      : null,
    source: rangeAt(o, path),
  };
}

function readIngress(o: LoadedObject): IngressObject {
  const spec = obj(o.raw['spec']);
  const { annotations, created } = metaOf(o);
  const annotation = annotations[INGRESS_CLASS_ANNOTATION];
  const field = str(spec['ingressClassName']);
  const paths: IngressPath[] = [];
  const hosts: string[] = [];
  list(spec['rules']).forEach((rawRule, rule) => {
    const r = obj(rawRule);
    const host = str(r['host'])?.toLowerCase() ?? null;
    const httpPaths = list(obj(r['http'])['paths']);
    if (httpPaths.length === 0 && host !== null) hosts.push(host);
    httpPaths.forEach((rawPath, index) => {
      const p = obj(rawPath);
      const at = ['spec', 'rules', rule, 'http', 'paths', index];
      paths.push({
        host,
        path: str(p['path']) ?? '/',
        pathType: str(p['pathType']) ?? 'ImplementationSpecific',
        backend: readIngressBackend(o, [...at, 'backend']) ?? { service: null, source: rangeAt(o, at) },
        rule,
        index,
        source: rangeAt(o, at),
      });
    });
  });
  const status = list(obj(obj(o.raw['status'])['loadBalancer'])['ingress'])
    .map((i) => str(obj(i)['ip']) ?? str(obj(i)['hostname']) ?? '')
    .filter((a) => a !== '');
  return {
    namespace: o.namespace,
    name: o.name,
    // KEP-1453: when both are set, the annotation takes priority.
    className: annotation ?? field,
    classFrom: annotation !== undefined ? 'annotation' : field !== null ? 'field' : null,
    defaultBackend: readIngressBackend(o, ['spec', 'defaultBackend']),
    paths,
    hosts,
    statusAddresses: status,
    created,
    object: o,
    source: rangeAt(o, ['metadata', 'name']),
  };
}

/** Every Gateway API and Ingress object among the loaded ones, in analysis order. */
export function readL7Objects(objects: readonly LoadedObject[]): L7Objects {
  const out: L7Objects = {
    gatewayClasses: [],
    gateways: [],
    routes: [],
    referenceGrants: [],
    ingressClasses: [],
    ingresses: [],
    namespaceLabels: new Map(),
  };
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    if (group === GATEWAY_GROUP) {
      if (o.kind === 'Gateway') out.gateways.push(readGateway(o));
      else if (o.kind === 'HTTPRoute') out.routes.push(readRoute(o));
      else if (o.kind === 'ReferenceGrant') out.referenceGrants.push(readReferenceGrant(o));
      else if (o.kind === 'GatewayClass') {
        out.gatewayClasses.push({
          name: o.name,
          controllerName: str(obj(o.raw['spec'])['controllerName']) ?? '',
          source: rangeAt(o, ['metadata', 'name']),
        });
      }
    } else if (group === 'networking.k8s.io') {
      if (o.kind === 'Ingress') out.ingresses.push(readIngress(o));
      else if (o.kind === 'IngressClass') {
        out.ingressClasses.push({
          name: o.name,
          controller: str(obj(o.raw['spec'])['controller']) ?? '',
          isDefault: metaOf(o).annotations[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true',
          source: rangeAt(o, ['metadata', 'name']),
        });
      }
    } else if (group === '' && o.kind === 'Namespace') {
      out.namespaceLabels.set(o.name, { ...metaOf(o).labels, 'kubernetes.io/metadata.name': o.name });
    }
  }
  return out;
}
