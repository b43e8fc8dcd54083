// Ingress (networking.k8s.io/v1) as an ingress controller serves it (KEP-1453): the class of
// each Ingress (legacy annotation, `ingressClassName`, the default IngressClass), the rules of
// one host merged across the Ingresses of a class, host exact before wildcard (one label)
// before the rules without a host, Exact before Prefix, the longest element-wise prefix, and
// `ImplementationSpecific` treated as Prefix (what ingress-nginx does without regex
// annotations; the decision says so). Ties between Ingresses: the oldest, then namespace/name.
import type { ServicePort, ServiceState } from '../model';
import { hostWithoutPort, ingressHostMatches } from './hostnames';
import type { IngressBackend, IngressClassObject, IngressObject, IngressPath, L7Objects } from './objects';

export interface IngressClassAssignment {
  ingress: IngressObject;
  /** The class that serves it; null: none (no class asked and no default IngressClass). */
  className: string | null;
  how: 'annotation' | 'field' | 'default' | null;
  ingressClass: IngressClassObject | null;
}

export interface ResolvedIngressBackend {
  backend: IngressBackend;
  ingress: IngressObject;
  service: ServiceState | null;
  servicePort: ServicePort | null;
  /** null: resolves; else why not. */
  problem: { code: string; message: string } | null;
}

export interface IngressEntry {
  ingress: IngressObject;
  path: IngressPath;
  /** Position of the Ingress in precedence order (oldest, then namespace/name). */
  order: number;
}

export interface IngressModel {
  assignments: IngressClassAssignment[];
  /** The class names that serve at least one Ingress, in order of first use. */
  classes: string[];
}

/** The class each Ingress belongs to. */
export function ingressModel(objects: L7Objects): IngressModel {
  const byName = new Map(objects.ingressClasses.map((c) => [c.name, c]));
  const defaults = objects.ingressClasses.filter((c) => c.isDefault);
  const assignments = objects.ingresses.map((ingress): IngressClassAssignment => {
    if (ingress.className !== null) {
      return {
        ingress,
        className: ingress.className,
        how: ingress.classFrom,
        ingressClass: byName.get(ingress.className) ?? null,
      };
    }
    // The admission plugin writes the default class into new Ingresses (only when exactly one is default).
    const only = defaults.length === 1 ? defaults[0] : undefined;
    return only
      ? { ingress, className: only.name, how: 'default', ingressClass: only }
      : { ingress, className: null, how: null, ingressClass: null };
  });
  const classes = [...new Set(assignments.map((a) => a.className).filter((c): c is string => c !== null))];
  return { assignments, classes };
}

function precedence(a: IngressObject, b: IngressObject): number {
  const at = a.created || '~';
  const bt = b.created || '~';
  if (at !== bt) return at < bt ? -1 : 1;
  const an = `${a.namespace}/${a.name}`;
  const bn = `${b.namespace}/${b.name}`;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** The Ingresses of one class, oldest first. */
export function ingressesOfClass(model: IngressModel, className: string): IngressObject[] {
  return model.assignments
    .filter((a) => a.className === className)
    .map((a) => a.ingress)
    .sort(precedence);
}

/** Element-wise prefix match (KEP-1453): `/foo/bar` matches `/foo/bar/baz`, not `/foo/barbaz`. */
export function ingressPathMatches(pathType: string, path: string, request: string): boolean {
  if (pathType === 'Exact') return request === path;
  const prefix = path.replace(/\/+$/, '');
  if (prefix === '') return true;
  return request === prefix || request.startsWith(`${prefix}/`);
}

function normalizedPath(p: IngressPath): string {
  return p.pathType === 'Exact' ? p.path : p.path.replace(/\/+$/, '') || '/';
}

/** The host group a request host selects: exact host rules, else one-label wildcard, else hostless. */
function hostGroup(entries: readonly IngressEntry[], host: string): IngressEntry[] {
  const exact = entries.filter(
    (e) => e.path.host !== null && !e.path.host.startsWith('*.') && e.path.host === host,
  );
  if (exact.length > 0) return exact;
  const wildcard = entries.filter(
    (e) => e.path.host !== null && e.path.host.startsWith('*.') && ingressHostMatches(e.path.host, host),
  );
  if (wildcard.length > 0) return wildcard;
  return entries.filter((e) => e.path.host === null);
}

/** Within one host: Exact beats Prefix, longer prefix beats shorter, then the older Ingress and the earlier path. */
function compareEntries(a: IngressEntry, b: IngressEntry): number {
  const exact = Number(b.path.pathType === 'Exact') - Number(a.path.pathType === 'Exact');
  if (exact !== 0) return exact;
  const length = normalizedPath(b.path).length - normalizedPath(a.path).length;
  if (length !== 0) return length;
  return a.order - b.order || a.path.rule - b.path.rule || a.path.index - b.path.index;
}

export function entriesOfClass(model: IngressModel, className: string): IngressEntry[] {
  return ingressesOfClass(model, className).flatMap((ingress, order) =>
    ingress.paths.map((path) => ({ ingress, path, order })),
  );
}

export function resolveIngressBackend(
  backend: IngressBackend,
  ingress: IngressObject,
  services: ReadonlyMap<string, ServiceState>,
): ResolvedIngressBackend {
  const base = { backend, ingress, service: null, servicePort: null };
  if (!backend.service) {
    return {
      ...base,
      problem: {
        code: 'ingress-backend-resource',
        message: 'a resource backend is implementation-specific: not modelled',
      },
    };
  }
  const { name, port } = backend.service;
  const service = services.get(`${ingress.namespace}/${name}`) ?? null;
  if (!service) {
    return {
      ...base,
      problem: {
        code: 'ingress-backend-service-not-found',
        message: `Service ${ingress.namespace}/${name} is not in the analysed files`,
      },
    };
  }
  const ports = service.service.ports;
  const servicePort =
    typeof port === 'number'
      ? ports.find((p) => p.port === port)
      : port !== null
        ? ports.find((p) => p.name === port)
        : undefined;
  if (!servicePort) {
    return {
      ...base,
      service,
      problem: {
        code: 'ingress-backend-port-not-found',
        message: `Service ${ingress.namespace}/${name} has no port ${port === null ? '(none given)' : typeof port === 'number' ? port : `named "${port}"`} (it has ${ports.map((p) => (p.name ? `${p.port} "${p.name}"` : String(p.port))).join(', ') || 'none'})`,
      },
    };
  }
  return { ...base, service, servicePort, problem: null };
}

export interface IngressDecision {
  className: string;
  entry: IngressEntry | null;
  /** The spec.defaultBackend that served it (no path matched). */
  defaultOf: IngressObject | null;
  backend: ResolvedIngressBackend | null;
  httpStatus: 200 | 404 | 503;
  reason: string;
  notes: string[];
}

/** How the controller of `className` answers one request. */
export function routeIngressRequest(
  model: IngressModel,
  className: string,
  request: { host: string; path: string },
  services: ReadonlyMap<string, ServiceState>,
): IngressDecision {
  const host = hostWithoutPort(request.host);
  const notes: string[] = [];
  const group = hostGroup(entriesOfClass(model, className), host);
  const matching = group.filter((e) => ingressPathMatches(e.path.pathType, e.path.path, request.path));
  const entry = matching.sort(compareEntries)[0] ?? null;
  let backend: IngressBackend | null = entry?.path.backend ?? null;
  let owner: IngressObject | null = entry?.ingress ?? null;
  let defaultOf: IngressObject | null = null;
  if (entry?.path.pathType === 'ImplementationSpecific') {
    notes.push(
      `pathType ImplementationSpecific of ${entry.ingress.namespace}/${entry.ingress.name} is treated as Prefix (ingress-nginx without regex annotations)`,
    );
  }
  if (!entry) {
    // No path: the defaultBackend of the (oldest) Ingress of the class that has one.
    const withDefault = ingressesOfClass(model, className).find((i) => i.defaultBackend !== null);
    if (withDefault?.defaultBackend) {
      backend = withDefault.defaultBackend;
      owner = withDefault;
      defaultOf = withDefault;
    }
  }
  if (!backend || !owner) {
    return {
      className,
      entry: null,
      defaultOf: null,
      backend: null,
      httpStatus: 404,
      reason: `no Ingress rule of class ${className} matches ${host}${request.path} and none has a defaultBackend: the controller's default backend answers 404`,
      notes,
    };
  }
  const resolved = resolveIngressBackend(backend, owner, services);
  const ready = resolved.service?.endpointSlices.some((s) =>
    s.endpoints.some((e) => e.conditions.ready !== false),
  );
  const httpStatus = resolved.problem !== null || !ready ? 503 : 200;
  return {
    className,
    entry,
    defaultOf,
    backend: resolved,
    httpStatus,
    reason:
      resolved.problem !== null
        ? `${resolved.problem.message}: the controller answers 503`
        : !ready
          ? `Service ${owner.namespace}/${backend.service?.name ?? ''} has no ready endpoints: the controller answers 503`
          : '',
    notes,
  };
}

/** Paths no request can reach: another entry of the same class, host, path and type wins. */
export function shadowedEntries(model: IngressModel): { entry: IngressEntry; by: IngressEntry }[] {
  const out: { entry: IngressEntry; by: IngressEntry }[] = [];
  for (const className of model.classes) {
    const seen = new Map<string, IngressEntry>();
    const entries = entriesOfClass(model, className).sort(
      (a, b) => a.order - b.order || a.path.rule - b.path.rule || a.path.index - b.path.index,
    );
    for (const e of entries) {
      const pathType = e.path.pathType === 'Exact' ? 'Exact' : 'Prefix';
      const key = `${e.path.host ?? ''}\n${pathType}\n${normalizedPath(e.path)}`;
      const first = seen.get(key);
      if (first) out.push({ entry: e, by: first });
      else seen.set(key, e);
    }
  }
  return out;
}
