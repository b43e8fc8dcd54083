// What each HTTPRoute rule and Ingress path does, as plain data for hovers, CodeLenses and the
// side panel: the listeners and hosts it serves, the backends it reaches (resolved or why
// not, with their ready endpoints), the rules that take every request it would match, and
// requests that reach it. The precedence is the data plane's own (gateway.ts
// comparePrecedence, ingress.ts shadowedEntries): nothing is decided twice.
import type { ServicePort, ServiceState, SourceRange, ValueSource } from '../model';
import type { Candidate, GatewayStatus, RouteStatus } from './gateway';
import { comparePrecedence, routeGatewayRequest } from './gateway';
import type { FrontDoorAddress } from './dataPlane';
import { intersectHostnames } from './hostnames';
import type { IngressEntry } from './ingress';
import { entriesOfClass, resolveIngressBackend, routeIngressRequest, shadowedEntries } from './ingress';
import type { L7Analysis } from './index';
import type {
  HttpRouteObject,
  IngressBackend,
  IngressObject,
  Listener,
  RouteMatch,
  RouteRule,
} from './objects';

/** A rule of an HTTPRoute, or a path (or the defaultBackend) of an Ingress. */
export interface L7RuleRef {
  kind: 'httproute' | 'ingress';
  namespace: string;
  name: string;
  /** HTTPRoute: the rule index; Ingress: the index of the rule in spec.rules (-1: defaultBackend). */
  rule: number;
  /** Ingress: the path index within its rule (null: defaultBackend); HTTPRoute: null. */
  path: number | null;
  /** The rule's `name` (HTTPRoute) when it has one. */
  ruleName: string | null;
  source: SourceRange;
}

export interface L7Backend {
  service: { namespace: string; name: string };
  /** The Service port the requests go to (number); null: none resolved. */
  port: number | null;
  /** The backendRef's weight (Ingress: 1). */
  weight: number;
  /** The share of the rule's requests this backend gets (0..1). */
  share: number;
  /** null: the reference resolves; else why requests for it fail. */
  problem: string | null;
  /** Ready endpoints of that Service port (0 when it does not resolve). */
  readyEndpoints: number;
  source: SourceRange;
}

/** Where a rule's requests come in: a Gateway listener, or an ingress controller. */
export interface L7Attachment {
  kind: 'gateway' | 'ingress';
  /** `ns/name` of the Gateway; null for Ingress. */
  gateway: string | null;
  ingressClass: string | null;
  /** The listener name (Gateway); null for Ingress. */
  listener: string | null;
  protocol: 'HTTP' | 'HTTPS';
  port: number;
  /** The host names the rule serves there; null: any host. */
  hostnames: string[] | null;
  /** The front door's address; null while pending. */
  address: string | null;
  addressOrigin: ValueSource | null;
  source: SourceRange;
}

export interface L7Match {
  /** The match index; null: the rule has no matches (one implied `PathPrefix /`). */
  index: number | null;
  pathType: string;
  path: string;
  method: string | null;
  headers: { type: string; name: string; value: string }[];
  queryParams: { type: string; name: string; value: string }[];
  source: SourceRange;
  /** Non-empty: every request this match takes goes to one of these instead. */
  shadowedBy: L7RuleRef[];
}

/** A request that reaches the rule (one per match and attachment that is not shadowed). */
export interface L7RequestExample {
  url: string;
  method: string;
  headers: [string, string][];
  /** `ns/name` of the Gateway to send it to (trace --gateway); null for Ingress. */
  gateway: string | null;
  /** The match it exercises (index into `matches`). */
  match: number;
}

export interface L7Rule {
  ref: L7RuleRef;
  /** `HTTPRoute shop/storefront rule 2` or `Ingress store/api shop.example.com/api (Prefix)`. */
  label: string;
  matches: L7Match[];
  attachments: L7Attachment[];
  backends: L7Backend[];
  /** What a request this rule takes gets: 200, or 500 (no valid backend), 503 (no ready endpoint). */
  httpStatus: 200 | 500 | 503;
  /** Non-empty: no request reaches the rule (every match is shadowed); the rules that take them. */
  shadowedBy: L7RuleRef[];
  requests: L7RequestExample[];
  notes: string[];
}

export type L7RoutesQuery =
  | { file: string; line: number }
  | {
      route: { kind: 'httproute' | 'ingress'; namespace: string; name: string };
      rule?: number;
      path?: number;
    }
  | { service: { namespace: string; name: string } };

function refOf(route: HttpRouteObject, rule: RouteRule): L7RuleRef {
  return {
    kind: 'httproute',
    namespace: route.namespace,
    name: route.name,
    rule: rule.index,
    path: null,
    ruleName: rule.name,
    source: rule.source,
  };
}

function ingressRefOf(entry: IngressEntry): L7RuleRef {
  return {
    kind: 'ingress',
    namespace: entry.ingress.namespace,
    name: entry.ingress.name,
    rule: entry.path.rule,
    path: entry.path.index,
    ruleName: null,
    source: entry.path.source,
  };
}

function sameRef(a: L7RuleRef, b: L7RuleRef): boolean {
  return (
    a.kind === b.kind &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.rule === b.rule &&
    a.path === b.path
  );
}

function pushRef(list: L7RuleRef[], ref: L7RuleRef): void {
  if (!list.some((r) => sameRef(r, ref))) list.push(ref);
}

function readyEndpoints(service: ServiceState, port: ServicePort): number {
  const ips = new Set<string>();
  for (const slice of service.endpointSlices) {
    if (!slice.ports.some((p) => p.name === port.name && p.protocol === port.protocol)) continue;
    for (const e of slice.endpoints) {
      if (e.conditions.ready === false) continue;
      for (const ip of e.addresses) ips.add(ip);
    }
  }
  return ips.size;
}

function trimmedPrefix(value: string): string {
  return value.replace(/\/+$/, '');
}

/** Does every request `inner` matches also match `outer`? (Exact matches only; anything else: no.) */
function matchCovers(outer: RouteMatch, inner: RouteMatch): boolean {
  if (outer.path.type === 'Exact') {
    if (inner.path.type !== 'Exact' || inner.path.value !== outer.path.value) return false;
  } else if (outer.path.type === 'PathPrefix') {
    const prefix = trimmedPrefix(outer.path.value);
    if (prefix !== '') {
      if (inner.path.type !== 'Exact' && inner.path.type !== 'PathPrefix') return false;
      const value = inner.path.type === 'PathPrefix' ? trimmedPrefix(inner.path.value) : inner.path.value;
      if (value !== prefix && !value.startsWith(`${prefix}/`)) return false;
    }
  } else {
    return false;
  }
  if (outer.method !== null && outer.method !== inner.method) return false;
  for (const h of outer.headers) {
    if (h.type !== 'Exact') return false;
    const name = h.name.toLowerCase();
    if (
      !inner.headers.some((i) => i.type === 'Exact' && i.name.toLowerCase() === name && i.value === h.value)
    )
      return false;
  }
  for (const q of outer.queryParams) {
    if (q.type !== 'Exact') return false;
    if (!inner.queryParams.some((i) => i.type === 'Exact' && i.name === q.name && i.value === q.value))
      return false;
  }
  return true;
}

interface Served {
  status: RouteStatus;
  routeIndex: number;
  listener: Listener;
  /** null: any host. */
  hostnames: string[] | null;
}

/** The routes attached to a listener, with the host names each serves there. */
function servedOn(l7: L7Analysis, listener: Listener): Served[] {
  const out: Served[] = [];
  l7.gateways.routes.forEach((status, routeIndex) => {
    if (!status.parents.some((p) => p.listeners.includes(listener))) return;
    const hostnames = intersectHostnames(listener.hostname, status.route.hostnames);
    if (hostnames !== null && hostnames.length === 0) return;
    out.push({ status, routeIndex, listener, hostnames });
  });
  return out;
}

/**
 * The rules that take every request `match` would take on `listener` for host pattern
 * `hostname`: a match that covers it, serves the same host name (so the host name step of
 * the precedence ties) and comes first in the data plane's precedence.
 */
function shadowersOf(
  served: readonly Served[],
  own: Served,
  rule: RouteRule,
  match: RouteMatch,
  hostname: string | null,
): L7RuleRef[] {
  const mine: Candidate = { route: own.status.route, rule, match, hostname, routeIndex: own.routeIndex };
  let best: Candidate | null = null;
  for (const other of served) {
    const hosts = other.hostnames;
    const sameHost = hostname === null ? hosts === null : hosts !== null && hosts.includes(hostname);
    if (!sameHost) continue;
    for (const r of other.status.route.rules) {
      for (const m of r.matches) {
        if (other.status === own.status && r === rule && m === match) continue;
        if (!matchCovers(m, match)) continue;
        const candidate: Candidate = {
          route: other.status.route,
          rule: r,
          match: m,
          hostname,
          routeIndex: other.routeIndex,
        };
        if (comparePrecedence(candidate, mine) >= 0) continue;
        // The covering match that wins over all others is the one that takes the requests.
        if (best === null || comparePrecedence(candidate, best) < 0) best = candidate;
      }
    }
  }
  if (best === null || (best.route === own.status.route && best.rule === rule)) return [];
  return [refOf(best.route, best.rule)];
}

function hostForRequest(pattern: string | null, address: string | null): string | null {
  if (pattern === null) return address;
  return pattern.startsWith('*.') ? `www${pattern.slice(1)}` : pattern;
}

function urlFor(scheme: 'http' | 'https', host: string, port: number, path: string, query: string): string {
  const defaultPort = scheme === 'https' ? 443 : 80;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${h}${port === defaultPort ? '' : `:${port}`}${path}${query ? `?${query}` : ''}`;
}

const PROBE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * A request built from `match` that the Gateway's data plane (routeGatewayRequest) routes to
 * this very rule: the match's path, method, headers and query, trying other methods and a
 * deeper path when a rule of higher precedence takes the first guess. Null: none found.
 */
function reachingRequest(
  l7: L7Analysis,
  gateway: GatewayStatus,
  listener: Listener,
  host: string,
  route: HttpRouteObject,
  rule: RouteRule,
  match: RouteMatch,
): Omit<L7RequestExample, 'match'> | null {
  const { type, value } = match.path;
  if (type !== 'Exact' && type !== 'PathPrefix') return null;
  if (!match.headers.every((h) => h.type === 'Exact') || !match.queryParams.every((q) => q.type === 'Exact'))
    return null;
  const scheme = listener.protocol === 'HTTPS' ? 'https' : 'http';
  const query = match.queryParams
    .map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`)
    .join('&');
  const headers = match.headers.map((h): [string, string] => [h.name, h.value]);
  const paths = type === 'Exact' ? [value] : [value, `${value.replace(/\/+$/, '')}/kubepath`];
  const methods = match.method !== null ? [match.method] : PROBE_METHODS;
  for (const path of paths) {
    for (const method of methods) {
      const decision = routeGatewayRequest(l7.gateways, gateway, {
        scheme,
        host,
        port: listener.port,
        path,
        query,
        method,
        headers,
        sni: null,
      });
      if (decision.route !== route || decision.rule !== rule) continue;
      return {
        url: urlFor(scheme, host, listener.port, path, query),
        method,
        headers,
        gateway: `${gateway.gateway.namespace}/${gateway.gateway.name}`,
      };
    }
  }
  return null;
}

function matchText(m: L7Match): string {
  const parts = [`${m.pathType} ${m.path}`];
  if (m.method) parts.push(`method ${m.method}`);
  for (const h of m.headers)
    parts.push(`header ${h.name}${h.type === 'Exact' ? ':' : ` ~${h.type}`} ${h.value}`);
  for (const q of m.queryParams) parts.push(`query ${q.name}=${q.value}`);
  return parts.join(', ');
}

export { matchText as l7MatchText };

/** A short name for a rule reference: `HTTPRoute shop/storefront rule 2 (name)`. */
export function l7RuleRefText(ref: L7RuleRef): string {
  if (ref.kind === 'httproute') {
    return `HTTPRoute ${ref.namespace}/${ref.name} rule ${ref.rule + 1}${ref.ruleName ? ` (${ref.ruleName})` : ''}`;
  }
  return ref.path === null
    ? `Ingress ${ref.namespace}/${ref.name} defaultBackend`
    : `Ingress ${ref.namespace}/${ref.name} rule ${ref.rule + 1} path ${ref.path + 1}`;
}

function gatewayRule(l7: L7Analysis, status: RouteStatus, rule: RouteRule): L7Rule {
  const route = status.route;
  const notes: string[] = [];
  const attachments: L7Attachment[] = [];
  const matchShadows = rule.matches.map(() => ({ all: true, by: [] as L7RuleRef[] }));
  const requests: L7RequestExample[] = [];
  for (const parent of status.parents) {
    const gateway = parent.gateway;
    if (!gateway) continue;
    const gatewayStatus = l7.gateways.gateways.find((g) => g.gateway === gateway);
    const address = l7.addresses.get(`gateway:${gateway.namespace}/${gateway.name}`) ?? null;
    for (const listener of parent.listeners) {
      if (
        attachments.some(
          (a) => a.gateway === `${gateway.namespace}/${gateway.name}` && a.listener === listener.name,
        )
      )
        continue;
      const hostnames = intersectHostnames(listener.hostname, route.hostnames);
      if (hostnames !== null && hostnames.length === 0) continue;
      const protocol = listener.protocol === 'HTTPS' ? 'HTTPS' : 'HTTP';
      attachments.push({
        kind: 'gateway',
        gateway: `${gateway.namespace}/${gateway.name}`,
        ingressClass: null,
        listener: listener.name,
        protocol,
        port: listener.port,
        hostnames,
        address: address?.address ?? null,
        addressOrigin: address ? address.origin : null,
        source: listener.source,
      });
      const served = gatewayStatus
        ? gatewayStatus.listeners
            .filter((l) => l.listener === listener)
            .flatMap((l) => servedOn(l7, l.listener))
        : [];
      const own = served.find((s) => s.status === status);
      rule.matches.forEach((match, m) => {
        const shadow = matchShadows[m];
        if (!shadow) return;
        for (const hostname of hostnames ?? [null]) {
          const by = own ? shadowersOf(served, own, rule, match, hostname) : [];
          if (by.length === 0) {
            shadow.all = false;
            const host = hostForRequest(hostname, address?.address ?? null);
            const example =
              host !== null && gatewayStatus && !requests.some((r) => r.match === m)
                ? reachingRequest(l7, gatewayStatus, listener, host, route, rule, match)
                : null;
            if (example) requests.push({ ...example, match: m });
          } else {
            for (const ref of by) pushRef(shadow.by, ref);
          }
        }
      });
    }
  }
  const matches: L7Match[] = rule.matches.map((match, m) => {
    const shadow = matchShadows[m];
    return {
      index: match.index,
      pathType: match.path.type,
      path: match.path.value,
      method: match.method,
      headers: match.headers.map((h) => ({ ...h })),
      queryParams: match.queryParams.map((q) => ({ ...q })),
      source: match.source,
      shadowedBy: attachments.length > 0 && shadow?.all ? shadow.by : [],
    };
  });
  if (attachments.length === 0) {
    notes.push(
      status.parents.length === 0
        ? 'the route has no parentRefs to a Gateway: no request reaches it'
        : `the route is attached to no listener (${status.parents
            .map((p) => p.conditions.find((c) => c.type === 'Accepted')?.reason ?? '')
            .filter(Boolean)
            .join(', ')}): no request reaches it`,
    );
  }
  const resolved = status.backends[rule.index] ?? [];
  const total = resolved.reduce((sum, b) => sum + b.ref.weight, 0);
  const backends: L7Backend[] = resolved.map((b) => ({
    service: { namespace: b.ref.namespace, name: b.ref.name },
    port: b.servicePort?.port ?? b.ref.port,
    weight: b.ref.weight,
    share: total > 0 ? b.ref.weight / total : 0,
    problem: b.problem ? `${b.problem.reason}: ${b.problem.message}` : null,
    readyEndpoints: b.service && b.servicePort && !b.problem ? readyEndpoints(b.service, b.servicePort) : 0,
    source: b.ref.source,
  }));
  const valid = backends.filter((b) => b.problem === null && b.share > 0);
  const httpStatus = valid.length === 0 ? 500 : valid.some((b) => b.readyEndpoints > 0) ? 200 : 503;
  for (const f of rule.answeringFilters)
    notes.push(`the rule's ${f} filter answers the requests itself (not modelled)`);
  const shadowedBy: L7RuleRef[] = [];
  if (matches.length > 0 && matches.every((m) => m.shadowedBy.length > 0))
    for (const m of matches) for (const r of m.shadowedBy) pushRef(shadowedBy, r);
  return {
    ref: refOf(route, rule),
    label: l7RuleRefText(refOf(route, rule)),
    matches,
    attachments,
    backends,
    httpStatus,
    shadowedBy,
    requests: shadowedBy.length > 0 ? [] : requests,
    notes,
  };
}

function ingressBackend(
  l7: L7Analysis,
  backend: IngressBackend,
  ingress: IngressObject,
): { backend: L7Backend; ok: boolean } {
  const resolved = resolveIngressBackend(backend, ingress, l7.services);
  const name = backend.service?.name ?? '';
  const written = backend.service?.port ?? null;
  return {
    backend: {
      service: { namespace: ingress.namespace, name },
      port: resolved.servicePort?.port ?? (typeof written === 'number' ? written : null),
      weight: 1,
      share: 1,
      problem: resolved.problem?.message ?? null,
      readyEndpoints:
        resolved.service && resolved.servicePort ? readyEndpoints(resolved.service, resolved.servicePort) : 0,
      source: backend.source,
    },
    ok: resolved.problem === null,
  };
}

/** A request the controller of `className` routes to `entry` (its path, else one below it). */
function ingressRequest(
  l7: L7Analysis,
  className: string,
  host: string,
  entry: IngressEntry,
): L7RequestExample[] {
  const path = entry.path.path;
  const paths = entry.path.pathType === 'Exact' ? [path] : [path, `${path.replace(/\/+$/, '')}/kubepath`];
  for (const p of paths) {
    const decision = routeIngressRequest(l7.ingress, className, { host, path: p }, l7.services);
    if (decision.entry?.path !== entry.path) continue;
    return [{ url: urlFor('http', host, 80, p, ''), method: 'GET', headers: [], gateway: null, match: 0 }];
  }
  return [];
}

function ingressAttachment(
  l7: L7Analysis,
  className: string,
  host: string | null,
  source: SourceRange,
): L7Attachment {
  const address: FrontDoorAddress | null = l7.addresses.get(`ingress:${className}`) ?? null;
  return {
    kind: 'ingress',
    gateway: null,
    ingressClass: className,
    listener: null,
    protocol: 'HTTP',
    port: 80,
    hostnames: host === null ? null : [host],
    address: address?.address ?? null,
    addressOrigin: address ? address.origin : null,
    source,
  };
}

function ingressRules(l7: L7Analysis): L7Rule[] {
  const out: L7Rule[] = [];
  const shadowed = shadowedEntries(l7.ingress);
  for (const assignment of l7.ingress.assignments) {
    const ingress = assignment.ingress;
    const className = assignment.className;
    const entries: IngressEntry[] =
      className === null
        ? ingress.paths.map((path) => ({ ingress, path, order: 0 }))
        : entriesOfClass(l7.ingress, className).filter((e) => e.ingress === ingress);
    for (const entry of entries) {
      const ref = ingressRefOf(entry);
      const { backend, ok } = ingressBackend(l7, entry.path.backend, ingress);
      const by = shadowed.filter((s) => s.entry.ingress === ingress && s.entry.path === entry.path);
      const shadowedBy = by.map((s) => ingressRefOf(s.by));
      const attachment =
        className === null ? null : ingressAttachment(l7, className, entry.path.host, ingress.source);
      const notes: string[] = [];
      if (className === null)
        notes.push('the Ingress has no class and no IngressClass is the default: no controller serves it');
      if (entry.path.pathType === 'ImplementationSpecific')
        notes.push(
          'pathType ImplementationSpecific is treated as Prefix (ingress-nginx without regex annotations)',
        );
      const pathType = entry.path.pathType === 'Exact' ? 'Exact' : 'Prefix';
      const host = attachment ? hostForRequest(entry.path.host, attachment.address) : null;
      out.push({
        ref,
        label: `Ingress ${ingress.namespace}/${ingress.name} ${entry.path.host ?? '*'}${entry.path.path} (${entry.path.pathType})`,
        matches: [
          {
            index: entry.path.index,
            pathType,
            path: entry.path.path,
            method: null,
            headers: [],
            queryParams: [],
            source: entry.path.source,
            shadowedBy,
          },
        ],
        attachments: attachment ? [attachment] : [],
        backends: [backend],
        httpStatus: ok && backend.readyEndpoints > 0 ? 200 : 503,
        shadowedBy,
        requests:
          host !== null && className !== null && shadowedBy.length === 0
            ? ingressRequest(l7, className, host, entry)
            : [],
        notes,
      });
    }
    if (ingress.defaultBackend) {
      const { backend, ok } = ingressBackend(l7, ingress.defaultBackend, ingress);
      const ref: L7RuleRef = {
        kind: 'ingress',
        namespace: ingress.namespace,
        name: ingress.name,
        rule: -1,
        path: null,
        ruleName: null,
        source: ingress.defaultBackend.source,
      };
      out.push({
        ref,
        label: `Ingress ${ingress.namespace}/${ingress.name} defaultBackend`,
        matches: [],
        attachments: className === null ? [] : [ingressAttachment(l7, className, null, ingress.source)],
        backends: [backend],
        httpStatus: ok && backend.readyEndpoints > 0 ? 200 : 503,
        shadowedBy: [],
        requests: [],
        notes: [
          'serves the requests no path of the class matches (the oldest Ingress with a defaultBackend)',
        ],
      });
    }
  }
  return out;
}

/** Every HTTPRoute rule and Ingress path of the analysis, in file order (memoised by l7Routes). */
export function allL7Rules(l7: L7Analysis): L7Rule[] {
  const out: L7Rule[] = [];
  for (const status of l7.gateways.routes)
    for (const rule of status.route.rules) out.push(gatewayRule(l7, status, rule));
  out.push(...ingressRules(l7));
  return out;
}

function contains(range: SourceRange, file: string, line: number): boolean {
  return range.file === file && range.line <= line && line <= range.endLine;
}

/** The rules a query names. */
export function selectL7Rules(l7: L7Analysis, rules: readonly L7Rule[], query: L7RoutesQuery): L7Rule[] {
  if ('service' in query) {
    const { namespace, name } = query.service;
    return rules.filter((r) =>
      r.backends.some((b) => b.service.namespace === namespace && b.service.name === name),
    );
  }
  if ('route' in query) {
    const q = query.route;
    return rules.filter(
      (r) =>
        r.ref.kind === q.kind &&
        r.ref.namespace === q.namespace &&
        r.ref.name === q.name &&
        (query.rule === undefined || r.ref.rule === query.rule) &&
        (query.path === undefined || r.ref.path === query.path),
    );
  }
  const inRule = rules.filter(
    (r) =>
      contains(r.ref.source, query.file, query.line) ||
      r.backends.some((b) => contains(b.source, query.file, query.line)),
  );
  if (inRule.length > 0) return inRule;
  // Elsewhere in an HTTPRoute or Ingress (its name, parentRefs, hostnames): all of its rules.
  const owners = [
    ...l7.objects.routes.map((r) => ({ kind: 'httproute' as const, o: r.object })),
    ...l7.objects.ingresses.map((i) => ({ kind: 'ingress' as const, o: i.object })),
  ].filter(({ o }) => contains(o.range, query.file, query.line));
  return rules.filter((r) =>
    owners.some(
      ({ kind, o }) => r.ref.kind === kind && r.ref.namespace === o.namespace && r.ref.name === o.name,
    ),
  );
}
