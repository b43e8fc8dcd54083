// A conformant Gateway API controller over the files: which listeners are valid, which
// HTTPRoute parentRefs attach (Accepted, with the spec's reasons), which backendRefs resolve
// (ResolvedRefs), and how the data plane then routes one request (listener → route → rule →
// match → weighted backends). The precedence is the one HTTPRouteRule documents; the
// conformance suite's expectations (test/fixtures/l7/gateway-api) are the tests.
import type { ServicePort, ServiceState } from '../model';
import { labelSelectorMatches } from '../reconcile/labels';
import { gatewayHostMatches, hostSpecificity, hostWithoutPort, intersectHostnames } from './hostnames';
import type {
  BackendRef,
  GatewayClassObject,
  GatewayObject,
  GroupKind,
  HttpRouteObject,
  L7Objects,
  Listener,
  ParentRef,
  RouteMatch,
  RouteRule,
} from './objects';
import { GATEWAY_GROUP } from './objects';

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface ListenerStatus {
  listener: Listener;
  supportedKinds: GroupKind[];
  conditions: Condition[];
  /** Routes attached (Accepted) to this listener. */
  attachedRoutes: number;
  valid: boolean;
}

export interface GatewayStatus {
  gateway: GatewayObject;
  gatewayClass: GatewayClassObject | null;
  listeners: ListenerStatus[];
  /** Accepted here; Programmed once the data plane's address is known (index.ts). */
  conditions: Condition[];
}

export interface ResolvedBackend {
  ref: BackendRef;
  service: ServiceState | null;
  servicePort: ServicePort | null;
  /** null: the ref resolves; else the ResolvedRefs reason and a message. */
  problem: { reason: string; message: string } | null;
}

export interface ParentStatus {
  parentRef: ParentRef;
  /** null: no such Gateway in the files. */
  gateway: GatewayObject | null;
  /** The listeners the route attaches to (Accepted True). */
  listeners: Listener[];
  conditions: Condition[];
}

export interface RouteStatus {
  route: HttpRouteObject;
  parents: ParentStatus[];
  /** Per rule, per backendRef. */
  backends: ResolvedBackend[][];
  resolvedRefs: Condition;
}

export interface GatewayModel {
  gateways: GatewayStatus[];
  routes: RouteStatus[];
}

const PROTOCOL_KINDS: Readonly<Record<string, readonly string[]>> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

function condition(type: string, ok: boolean, reason: string, message = ''): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

function listenerStatus(listener: Listener, all: readonly Listener[]): ListenerStatus {
  const conditions: Condition[] = [];
  const protocolKinds = PROTOCOL_KINDS[listener.protocol];
  if (!protocolKinds) {
    conditions.push(
      condition(
        'Accepted',
        false,
        'UnsupportedProtocol',
        `protocol ${listener.protocol} is not one of HTTP, HTTPS, TLS, TCP, UDP`,
      ),
    );
    return { listener, supportedKinds: [], conditions, attachedRoutes: 0, valid: false };
  }
  const asked = listener.kinds ?? protocolKinds.map((kind) => ({ group: GATEWAY_GROUP, kind }));
  const supportedKinds = asked.filter((k) => k.group === GATEWAY_GROUP && protocolKinds.includes(k.kind));
  const invalid = asked.filter((k) => !supportedKinds.includes(k));
  const conflicted = all.some(
    (other) =>
      other !== listener &&
      other.port === listener.port &&
      other.protocol === listener.protocol &&
      other.hostname === listener.hostname,
  );
  conditions.push(condition('Accepted', true, 'Accepted'));
  conditions.push(
    invalid.length > 0
      ? condition(
          'ResolvedRefs',
          false,
          'InvalidRouteKinds',
          `route kinds ${invalid.map((k) => k.kind).join(', ')} cannot attach to a ${listener.protocol} listener`,
        )
      : condition('ResolvedRefs', true, 'ResolvedRefs'),
  );
  conditions.push(
    conflicted
      ? condition(
          'Conflicted',
          true,
          'HostnameConflict',
          `another listener has port ${listener.port}, protocol ${listener.protocol} and hostname ${listener.hostname ?? '(none)'}`,
        )
      : condition('Conflicted', false, 'NoConflicts'),
  );
  conditions.push(condition('Programmed', !conflicted, conflicted ? 'Invalid' : 'Programmed'));
  return { listener, supportedKinds, conditions, attachedRoutes: 0, valid: !conflicted };
}

function namespaceAllowed(
  listener: Listener,
  gateway: GatewayObject,
  routeNamespace: string,
  objects: L7Objects,
): boolean {
  switch (listener.allowedFrom) {
    case 'All':
      return true;
    case 'Same':
      return routeNamespace === gateway.namespace;
    case 'Selector': {
      const labels = objects.namespaceLabels.get(routeNamespace) ?? {
        'kubernetes.io/metadata.name': routeNamespace,
      };
      return listener.selector !== null && labelSelectorMatches(listener.selector, labels);
    }
    default:
      return false;
  }
}

function referenceGranted(
  objects: L7Objects,
  fromNamespace: string,
  to: { group: string; kind: string; namespace: string; name: string },
): boolean {
  return objects.referenceGrants.some(
    (g) =>
      g.namespace === to.namespace &&
      g.from.some(
        (f) => f.group === GATEWAY_GROUP && f.kind === 'HTTPRoute' && f.namespace === fromNamespace,
      ) &&
      g.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === null || t.name === to.name)),
  );
}

function resolveBackend(
  ref: BackendRef,
  route: HttpRouteObject,
  objects: L7Objects,
  services: ReadonlyMap<string, ServiceState>,
): ResolvedBackend {
  const none = { ref, service: null, servicePort: null };
  if (!(ref.group === '' && ref.kind === 'Service')) {
    return {
      ...none,
      problem: {
        reason: 'InvalidKind',
        message: `backendRef kind ${ref.group ? `${ref.group}/` : ''}${ref.kind} is not supported (Service is)`,
      },
    };
  }
  if (
    ref.namespace !== route.namespace &&
    !referenceGranted(objects, route.namespace, {
      group: '',
      kind: 'Service',
      namespace: ref.namespace,
      name: ref.name,
    })
  ) {
    return {
      ...none,
      problem: {
        reason: 'RefNotPermitted',
        message: `no ReferenceGrant in namespace ${ref.namespace} lets HTTPRoutes of namespace ${route.namespace} refer to Service ${ref.name}`,
      },
    };
  }
  const service = services.get(`${ref.namespace}/${ref.name}`) ?? null;
  if (!service) {
    return {
      ...none,
      problem: {
        reason: 'BackendNotFound',
        message: `Service ${ref.namespace}/${ref.name} is not in the analysed files`,
      },
    };
  }
  const ports = service.service.ports;
  const servicePort =
    ref.port === null ? (ports[0] ?? null) : (ports.find((p) => p.port === ref.port) ?? null);
  if (!servicePort) {
    return {
      ref,
      service,
      servicePort: null,
      problem: {
        reason: 'BackendNotFound',
        message: `Service ${ref.namespace}/${ref.name} has no port ${ref.port ?? ''} (it has ${ports.map((p) => p.port).join(', ') || 'none'})`,
      },
    };
  }
  return { ref, service, servicePort, problem: null };
}

function parentStatus(
  route: HttpRouteObject,
  parentRef: ParentRef,
  gateways: ReadonlyMap<string, GatewayStatus>,
  objects: L7Objects,
): ParentStatus {
  const status = gateways.get(`${parentRef.namespace}/${parentRef.name}`);
  if (!status) {
    return {
      parentRef,
      gateway: null,
      listeners: [],
      conditions: [
        condition(
          'Accepted',
          false,
          'NoMatchingParent',
          `Gateway ${parentRef.namespace}/${parentRef.name} is not in the analysed files`,
        ),
      ],
    };
  }
  const gateway = status.gateway;
  const fail = (reason: string, message: string): ParentStatus => ({
    parentRef,
    gateway,
    listeners: [],
    conditions: [condition('Accepted', false, reason, message)],
  });
  const named = status.listeners.filter(
    (l) =>
      (parentRef.sectionName === null || l.listener.name === parentRef.sectionName) &&
      (parentRef.port === null || l.listener.port === parentRef.port),
  );
  if (named.length === 0) {
    const what = [
      parentRef.sectionName !== null ? `sectionName ${parentRef.sectionName}` : '',
      parentRef.port !== null ? `port ${parentRef.port}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return fail(
      'NoMatchingParent',
      `Gateway ${gateway.namespace}/${gateway.name} has no listener with ${what} (listeners: ${gateway.listeners.map((l) => `${l.name}:${l.port}`).join(', ') || 'none'})`,
    );
  }
  const allowed = named.filter(
    (l) =>
      l.valid &&
      l.supportedKinds.some((k) => k.kind === 'HTTPRoute') &&
      namespaceAllowed(l.listener, gateway, route.namespace, objects),
  );
  if (allowed.length === 0) {
    return fail(
      'NotAllowedByListeners',
      `no listener of Gateway ${gateway.namespace}/${gateway.name}${parentRef.sectionName !== null ? ` named ${parentRef.sectionName}` : ''} allows HTTPRoutes from namespace ${route.namespace} (${named.map((l) => `${l.listener.name}: ${l.listener.protocol}, from ${l.listener.allowedFrom}${l.listener.kinds ? `, kinds ${l.listener.kinds.map((k) => k.kind).join('/')}` : ''}`).join('; ')})`,
    );
  }
  const hostMatched = allowed.filter((l) => {
    const hosts = intersectHostnames(l.listener.hostname, route.hostnames);
    return hosts === null || hosts.length > 0;
  });
  if (hostMatched.length === 0) {
    return fail(
      'NoMatchingListenerHostname',
      `the route's hostnames (${route.hostnames.join(', ')}) intersect no listener hostname (${allowed.map((l) => l.listener.hostname ?? '*').join(', ')})`,
    );
  }
  return {
    parentRef,
    gateway,
    listeners: hostMatched.map((l) => l.listener),
    conditions: [condition('Accepted', true, 'Accepted')],
  };
}

/** Status of every Gateway and HTTPRoute in the files, as a conformant controller writes it. */
export function gatewayModel(objects: L7Objects, services: ReadonlyMap<string, ServiceState>): GatewayModel {
  const classes = new Map(objects.gatewayClasses.map((c) => [c.name, c]));
  const gateways = objects.gateways.map((gateway): GatewayStatus => ({
    gateway,
    gatewayClass: classes.get(gateway.className) ?? null,
    listeners: gateway.listeners.map((l) => listenerStatus(l, gateway.listeners)),
    conditions: [],
  }));
  for (const g of gateways) {
    const invalid = g.listeners.filter((l) =>
      l.conditions.some((c) => c.status === (c.type === 'Conflicted' ? 'True' : 'False')),
    );
    g.conditions.push(
      invalid.length === 0
        ? condition('Accepted', true, 'Accepted')
        : condition(
            'Accepted',
            invalid.length < g.listeners.length,
            'ListenersNotValid',
            `listeners ${invalid.map((l) => l.listener.name).join(', ')} are not valid`,
          ),
    );
  }
  const byName = new Map(gateways.map((g) => [`${g.gateway.namespace}/${g.gateway.name}`, g]));
  const routes = objects.routes.map((route): RouteStatus => {
    const parents = route.parentRefs
      .filter((p) => p.group === GATEWAY_GROUP && p.kind === 'Gateway')
      .map((p) => parentStatus(route, p, byName, objects));
    const backends = route.rules.map((rule) =>
      rule.backendRefs.map((ref) => resolveBackend(ref, route, objects, services)),
    );
    const problem = backends.flat().find((b) => b.problem !== null)?.problem;
    return {
      route,
      parents,
      backends,
      resolvedRefs: problem
        ? condition('ResolvedRefs', false, problem.reason, problem.message)
        : condition('ResolvedRefs', true, 'ResolvedRefs'),
    };
  });
  for (const r of routes) {
    for (const p of r.parents) {
      const status = p.gateway ? byName.get(`${p.gateway.namespace}/${p.gateway.name}`) : undefined;
      for (const l of status?.listeners ?? []) if (p.listeners.includes(l.listener)) l.attachedRoutes++;
    }
  }
  return { gateways, routes };
}

// ---- The data plane: one request ----

export interface HttpRequest {
  scheme: 'http' | 'https';
  /** The Host header (may carry a port); '' = the Gateway's address. */
  host: string;
  port: number;
  path: string;
  /** Without the `?`. */
  query: string;
  method: string;
  headers: readonly (readonly [string, string])[];
  /** TLS server name; null: the host. */
  sni: string | null;
}

export type HttpStatus = 200 | 404 | 421 | 500 | 503;

export interface WeightedBackend {
  backend: ResolvedBackend;
  /** Share of the requests this rule takes (0..1). */
  share: number;
}

export interface GatewayDecision {
  listener: Listener | null;
  route: HttpRouteObject | null;
  rule: RouteRule | null;
  match: RouteMatch | null;
  /** The route host name the request matched (null: any). */
  hostname: string | null;
  httpStatus: HttpStatus;
  backends: WeightedBackend[];
  /** Why the status is not 200, or '' when it is. */
  reason: string;
  notes: string[];
}

/** Request path and the match's path value: Exact, or element-wise PathPrefix. */
export function pathMatches(type: string, value: string, path: string): boolean | null {
  if (type === 'Exact') return path === value;
  if (type === 'PathPrefix') {
    const prefix = value.replace(/\/+$/, '');
    if (prefix === '') return true;
    return path === prefix || path.startsWith(`${prefix}/`);
  }
  return null;
}

function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    // The first value of a repeated parameter is the one matched (the spec's recommendation).
    if (!out.has(name)) out.set(name, decodeComponent(eq < 0 ? '' : part.slice(eq + 1)));
  }
  return out;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** One match of a rule as the data plane weighs it against the others for a request. */
export interface Candidate {
  route: HttpRouteObject;
  rule: RouteRule;
  match: RouteMatch;
  hostname: string | null;
  routeIndex: number;
}

function matchRequest(m: RouteMatch, request: HttpRequest, unsupported: Set<string>): boolean {
  const path = pathMatches(m.path.type, m.path.value, request.path);
  if (path === null) {
    unsupported.add(`path match type ${m.path.type} (implementation-specific) is not modelled`);
    return false;
  }
  if (!path) return false;
  if (m.method !== null && m.method !== request.method) return false;
  for (const h of m.headers) {
    if (h.type !== 'Exact') {
      unsupported.add(`header match type ${h.type} is not modelled`);
      return false;
    }
    const values = request.headers
      .filter(([n]) => n.toLowerCase() === h.name.toLowerCase())
      .map(([, v]) => v);
    if (!values.includes(h.value)) return false;
  }
  if (m.queryParams.length > 0) {
    const query = parseQuery(request.query);
    for (const q of m.queryParams) {
      if (q.type !== 'Exact') {
        unsupported.add(`query parameter match type ${q.type} is not modelled`);
        return false;
      }
      if (query.get(q.name) !== q.value) return false;
    }
  }
  return true;
}

function prefixLength(m: RouteMatch): number {
  return m.path.type === 'PathPrefix' ? m.path.value.replace(/\/+$/, '').length : m.path.value.length;
}

/** HTTPRouteRule's precedence: negative when `a` wins. */
export function comparePrecedence(a: Candidate, b: Candidate): number {
  const [ak, al] = hostSpecificity(a.hostname);
  const [bk, bl] = hostSpecificity(b.hostname);
  if (ak !== bk) return bk - ak;
  if (al !== bl) return bl - al;
  const exact = Number(b.match.path.type === 'Exact') - Number(a.match.path.type === 'Exact');
  if (exact !== 0) return exact;
  // A PathPrefix's trailing `/` is ignored, in matching and in counting its characters.
  const length = prefixLength(b.match) - prefixLength(a.match);
  if (length !== 0) return length;
  const method = Number(b.match.method !== null) - Number(a.match.method !== null);
  if (method !== 0) return method;
  const headers = b.match.headers.length - a.match.headers.length;
  if (headers !== 0) return headers;
  const query = b.match.queryParams.length - a.match.queryParams.length;
  if (query !== 0) return query;
  if (a.route !== b.route) {
    // Oldest first; an unset creationTimestamp (files not yet applied) sorts as "now".
    const at = a.route.created || '~';
    const bt = b.route.created || '~';
    if (at !== bt) return at < bt ? -1 : 1;
    const an = `${a.route.namespace}/${a.route.name}`;
    const bn = `${b.route.namespace}/${b.route.name}`;
    if (an !== bn) return an < bn ? -1 : 1;
    return a.routeIndex - b.routeIndex;
  }
  return a.rule.index - b.rule.index || (a.match.index ?? 0) - (b.match.index ?? 0);
}

export function hasReadyEndpoint(service: ServiceState): boolean {
  return service.endpointSlices.some((s) =>
    s.endpoints.some((e) => e.conditions.ready !== false && e.addresses.length > 0),
  );
}

/** The most specific listener of `listeners` for a host name (exact, longest wildcard, any). */
function mostSpecificListener(listeners: readonly Listener[], host: string): Listener | null {
  let best: Listener | null = null;
  for (const l of listeners) {
    if (!gatewayHostMatches(l.hostname, host)) continue;
    if (!best) {
      best = l;
      continue;
    }
    const [k, n] = hostSpecificity(l.hostname);
    const [bk, bn] = hostSpecificity(best.hostname);
    if (k > bk || (k === bk && n > bn)) best = l;
  }
  return best;
}

/** How the Gateway's data plane answers one request. */
export function routeGatewayRequest(
  model: GatewayModel,
  gateway: GatewayStatus,
  request: HttpRequest,
): GatewayDecision {
  const notes: string[] = [];
  const host = hostWithoutPort(request.host);
  const protocol = request.scheme === 'https' ? 'HTTPS' : 'HTTP';
  const onPort = gateway.listeners.filter(
    (l) => l.valid && l.listener.port === request.port && l.listener.protocol === protocol,
  );
  const empty = (
    httpStatus: HttpStatus,
    reason: string,
    listener: Listener | null = null,
  ): GatewayDecision => ({
    listener,
    route: null,
    rule: null,
    match: null,
    hostname: null,
    httpStatus,
    backends: [],
    reason,
    notes,
  });
  if (onPort.length === 0) {
    return empty(
      404,
      `Gateway ${gateway.gateway.namespace}/${gateway.gateway.name} has no ${protocol} listener on port ${request.port} (listeners: ${gateway.gateway.listeners.map((l) => `${l.name} ${l.protocol}/${l.port}`).join(', ') || 'none'})`,
    );
  }
  const listeners = onPort.map((l) => l.listener);
  let listener = mostSpecificListener(listeners, host);
  if (request.scheme === 'https') {
    // The TLS handshake picks the listener by SNI; a Host header another listener would serve
    // is a misdirected request on that connection (RFC 9110 §15.5.20).
    const sni = (request.sni ?? host).toLowerCase();
    const bySni = mostSpecificListener(listeners, sni);
    if (!bySni) return empty(404, `no HTTPS listener on port ${request.port} serves the server name ${sni}`);
    if (listener !== bySni && (listener !== null || bySni.hostname !== null)) {
      return empty(
        421,
        `misdirected request: the TLS server name ${sni} selected listener ${bySni.name}, the Host ${host} ${listener ? `belongs to listener ${listener.name}` : 'to none of its host names'}`,
        bySni,
      );
    }
    listener = bySni;
  }
  if (!listener) {
    return empty(
      404,
      `no listener on port ${request.port} serves host ${host || '(none)'} (listener host names: ${listeners.map((l) => l.hostname ?? '*').join(', ')})`,
    );
  }
  const unsupported = new Set<string>();
  const candidates: Candidate[] = [];
  model.routes.forEach((status, routeIndex) => {
    if (!status.parents.some((p) => p.listeners.includes(listener))) return;
    const hosts = intersectHostnames(listener.hostname, status.route.hostnames);
    const matched = hosts === null ? null : hosts.filter((h) => gatewayHostMatches(h, host));
    if (matched !== null && matched.length === 0) return;
    // The most specific of the route's host names that matches.
    const hostname =
      matched === null
        ? null
        : ([...matched].sort((a, b) => {
            const [ak, al] = hostSpecificity(a);
            const [bk, bl] = hostSpecificity(b);
            return bk - ak || bl - al;
          })[0] ?? null);
    for (const rule of status.route.rules) {
      for (const match of rule.matches) {
        if (matchRequest(match, request, unsupported)) {
          candidates.push({ route: status.route, rule, match, hostname, routeIndex });
        }
      }
    }
  });
  for (const u of unsupported) notes.push(u);
  const winner = candidates.sort(comparePrecedence)[0];
  if (!winner) {
    return empty(
      404,
      `no HTTPRoute rule attached to listener ${listener.name} matches ${host || '(no host)'}${request.path}`,
      listener,
    );
  }
  const status = model.routes[winner.routeIndex] as RouteStatus;
  const resolved = status.backends[winner.rule.index] ?? [];
  const decision: GatewayDecision = {
    listener,
    route: winner.route,
    rule: winner.rule,
    match: winner.match,
    hostname: winner.hostname,
    httpStatus: 200,
    backends: [],
    reason: '',
    notes,
  };
  for (const f of winner.rule.answeringFilters) {
    notes.push(
      `the rule's ${f} filter answers the request itself (a redirect); not modelled, the backends are shown`,
    );
  }
  const total = resolved.reduce((sum, b) => sum + b.ref.weight, 0);
  decision.backends = resolved.map((backend) => ({
    backend,
    share: total > 0 ? backend.ref.weight / total : 0,
  }));
  const validShare = decision.backends
    .filter((b) => b.backend.problem === null)
    .reduce((sum, b) => sum + b.share, 0);
  if (resolved.length === 0) {
    decision.httpStatus = 500;
    decision.reason = 'the matching rule has no backendRefs: the Gateway answers 500';
  } else if (validShare === 0) {
    decision.httpStatus = 500;
    decision.reason = `every backendRef of the matching rule is invalid (${resolved.map((b) => b.problem?.reason ?? 'weight 0').join(', ')}): the Gateway answers 500`;
  } else if (
    !decision.backends.some(
      (b) => b.share > 0 && b.backend.service !== null && hasReadyEndpoint(b.backend.service),
    )
  ) {
    decision.httpStatus = 503;
    decision.reason = `no valid backend of the matching rule has a ready endpoint: the Gateway answers 503`;
  }
  if (decision.httpStatus === 200 && validShare < 1) {
    notes.push(
      `${((1 - validShare) * 100).toFixed(1)}% of the requests go to invalid backendRefs and get 500 (${resolved
        .filter((b) => b.problem)
        .map((b) => `${b.ref.name}: ${b.problem?.reason ?? ''}`)
        .join(', ')})`,
    );
  }
  return decision;
}
