// The L7 front door: Gateway API v1 (GatewayClass, Gateway, HTTPRoute, ReferenceGrant) and
// Ingress (IngressClass, Ingress) over the reconciled cluster. Pure functions of the loaded
// objects and the cluster state, memoised per analysis.
//
// Assumption (dataPlane.ts): each Gateway's implementation and each IngressClass's controller
// exposes its proxies with one LoadBalancer Service that is not in the files; its address is
// predicted as the cloud controller would give it, after the Services of the files.
import type { ClusterState, Diagnostic, LoadedObject, ServiceState, Severity, SourceRange } from '../model';
import { memo } from '../util/memo';
import { frontDoorAddresses } from './dataPlane';
import type { FrontDoor, FrontDoorAddress } from './dataPlane';
import { gatewayModel, routeGatewayRequest } from './gateway';
import type { GatewayDecision, GatewayModel, GatewayStatus, HttpRequest } from './gateway';
import { gatewayHostMatches, hostWithoutPort, ingressHostMatches, intersectHostnames } from './hostnames';
import { ingressModel, routeIngressRequest, resolveIngressBackend, shadowedEntries } from './ingress';
import type { IngressDecision, IngressModel } from './ingress';
import { readL7Objects } from './objects';
import type { L7Objects } from './objects';
import { allL7Rules, selectL7Rules } from './routes';
import type { L7Rule, L7RoutesQuery } from './routes';

export type { GatewayDecision, HttpRequest, HttpStatus, WeightedBackend } from './gateway';
export type { IngressDecision } from './ingress';
export { gatewayHostMatches, ingressHostMatches, intersectHostnames } from './hostnames';
export { ingressPathMatches } from './ingress';
export { pathMatches } from './gateway';
export { l7MatchText, l7RuleRefText } from './routes';
export type {
  L7Attachment,
  L7Backend,
  L7Match,
  L7RequestExample,
  L7Rule,
  L7RuleRef,
  L7RoutesQuery,
} from './routes';

export interface L7Analysis {
  objects: L7Objects;
  gateways: GatewayModel;
  ingress: IngressModel;
  /** Front door addresses by `gateway:ns/name` and `ingress:CLASS`. */
  addresses: Map<string, FrontDoorAddress>;
  services: Map<string, ServiceState>;
}

type L7State = ClusterState & { objects?: readonly LoadedObject[] };

export function gatewayKey(namespace: string, name: string): string {
  return `gateway:${namespace}/${name}`;
}

export function ingressKey(className: string): string {
  return `ingress:${className}`;
}

/** Everything L7 about an analysis (memoised on it). */
export function l7Analysis(state: L7State): L7Analysis {
  return memo(state, 'l7:analysis', () => {
    const objects = readL7Objects(state.objects ?? []);
    const services = new Map(
      state.services.map((s) => [`${s.service.metadata.namespace}/${s.service.metadata.name}`, s]),
    );
    const gateways = gatewayModel(objects, services);
    const ingress = ingressModel(objects);
    const doors: FrontDoor[] = [
      ...objects.gateways.map((g) => ({
        key: gatewayKey(g.namespace, g.name),
        namespace: g.namespace,
        name: g.name,
        written: g.addresses[0] ?? null,
        source: g.source,
      })),
      ...ingress.classes.map((c) => {
        const first = ingress.assignments.find(
          (a) => a.className === c && a.ingress.statusAddresses.length > 0,
        );
        const source = ingress.assignments.find((a) => a.className === c)?.ingress.source;
        return {
          key: ingressKey(c),
          namespace: c,
          name: `${c}-controller`,
          written: first?.ingress.statusAddresses[0] ?? null,
          source: source ?? { file: '', line: 1, column: 1, endLine: 1, endColumn: 1 },
        };
      }),
    ];
    const addresses =
      doors.length === 0 ? new Map<string, FrontDoorAddress>() : frontDoorAddresses(state, doors);
    for (const g of gateways.gateways) {
      const address = addresses.get(gatewayKey(g.gateway.namespace, g.gateway.name));
      g.conditions.push(
        address?.address
          ? {
              type: 'Programmed',
              status: 'True',
              reason: 'Programmed',
              message: `address ${address.address}`,
            }
          : {
              type: 'Programmed',
              status: 'False',
              reason: 'AddressNotAssigned',
              message: address?.pendingReason || 'no address',
            },
      );
    }
    return { objects, gateways, ingress, addresses, services };
  });
}

export function hasFrontDoors(state: L7State): boolean {
  return (state.objects ?? []).some(
    (o) =>
      (o.kind === 'Gateway' && o.apiVersion.startsWith('gateway.networking.k8s.io/')) ||
      (o.kind === 'Ingress' && o.apiVersion.startsWith('networking.k8s.io/')),
  );
}

/**
 * The HTTPRoute rules and Ingress paths a query names (a file line, a route and rule, or a
 * backend Service): for each, its listeners and hosts, its backends and their ready
 * endpoints, what shadows it, and requests that reach it. Plain data.
 */
export function l7Routes(state: L7State, query: L7RoutesQuery): L7Rule[] {
  const objects = state.objects ?? [];
  if (!objects.some((o) => o.kind === 'HTTPRoute' || o.kind === 'Ingress')) return [];
  const l7 = l7Analysis(state);
  const rules = memo(state, 'l7:routes', () => allL7Rules(l7));
  return selectL7Rules(l7, rules, query);
}

export type FrontDoorChoice =
  | { kind: 'gateway'; gateway: GatewayStatus; address: FrontDoorAddress | null }
  | { kind: 'ingress'; className: string; address: FrontDoorAddress | null };

/** How well a Gateway serves a host name on a port: null when it cannot. */
function gatewayFit(
  l7: L7Analysis,
  g: GatewayStatus,
  host: string,
  port: number,
  scheme: string,
): number | null {
  const protocol = scheme === 'https' ? 'HTTPS' : 'HTTP';
  let best: number | null = null;
  for (const ls of g.listeners) {
    const l = ls.listener;
    if (!ls.valid || l.port !== port || l.protocol !== protocol) continue;
    if (l.hostname !== null) {
      if (gatewayHostMatches(l.hostname, host)) best = Math.max(best ?? 0, 2);
      continue;
    }
    for (const r of l7.gateways.routes) {
      if (!r.parents.some((p) => p.listeners.includes(l))) continue;
      const hosts = intersectHostnames(null, r.route.hostnames);
      if (hosts === null) best = Math.max(best ?? 0, 0);
      else if (hosts.some((h) => gatewayHostMatches(h, host))) best = Math.max(best ?? 0, 1);
    }
  }
  return best;
}

/**
 * The Gateway or ingress controller a request for `host:port` meets: `--gateway` when given,
 * the one whose address is the host, else the one whose listeners, routes or rules name the
 * host (most specific first). Null: none (the request is traced as before).
 */
export function chooseFrontDoor(
  state: L7State,
  request: { scheme: string; host: string; port: number },
  gateway?: string,
): FrontDoorChoice | { error: string } | null {
  if (!hasFrontDoors(state) && gateway === undefined) return null;
  const l7 = l7Analysis(state);
  const host = hostWithoutPort(request.host);
  const gatewayChoice = (g: GatewayStatus): FrontDoorChoice => ({
    kind: 'gateway',
    gateway: g,
    address: l7.addresses.get(gatewayKey(g.gateway.namespace, g.gateway.name)) ?? null,
  });
  const ingressChoice = (className: string): FrontDoorChoice => ({
    kind: 'ingress',
    className,
    address: l7.addresses.get(ingressKey(className)) ?? null,
  });
  if (gateway !== undefined) {
    const [namespace, name] = gateway.includes('/') ? gateway.split('/', 2) : ['default', gateway];
    const found = l7.gateways.gateways.find(
      (g) => g.gateway.namespace === namespace && g.gateway.name === name,
    );
    if (found) return gatewayChoice(found);
    const known = l7.gateways.gateways.map((g) => `${g.gateway.namespace}/${g.gateway.name}`);
    return {
      error: `--gateway ${gateway}: no such Gateway in the analysed files (Gateways: ${known.join(', ') || 'none'})`,
    };
  }
  for (const g of l7.gateways.gateways) {
    if (l7.addresses.get(gatewayKey(g.gateway.namespace, g.gateway.name))?.address === host)
      return gatewayChoice(g);
  }
  for (const c of l7.ingress.classes) {
    if (l7.addresses.get(ingressKey(c))?.address === host) return ingressChoice(c);
  }
  // An address names its front door only by being its address.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')) return null;
  let best: { fit: number; choice: FrontDoorChoice } | null = null;
  for (const g of l7.gateways.gateways) {
    const fit = gatewayFit(l7, g, host, request.port, request.scheme);
    if (fit !== null && (best === null || fit > best.fit)) best = { fit, choice: gatewayChoice(g) };
  }
  if (best && best.fit > 0) return best.choice;
  // Ingress controllers listen on 80 and 443.
  if (request.port === 80 || request.port === 443) {
    for (const c of l7.ingress.classes) {
      const named = l7.ingress.assignments.some(
        (a) =>
          a.className === c &&
          (a.ingress.paths.some((p) => p.host !== null && ingressHostMatches(p.host, host)) ||
            a.ingress.hosts.some((h) => ingressHostMatches(h, host))),
      );
      if (named) return ingressChoice(c);
    }
  }
  if (best) return best.choice;
  if (request.port === 80 || request.port === 443) {
    // A class whose Ingresses have rules without a host, or a defaultBackend, answers any host.
    for (const c of l7.ingress.classes) {
      const any = l7.ingress.assignments.some(
        (a) =>
          a.className === c &&
          (a.ingress.paths.some((p) => p.host === null) || a.ingress.defaultBackend !== null),
      );
      if (any) return ingressChoice(c);
    }
  }
  return null;
}

export type L7Decision =
  ({ kind: 'gateway'; gateway: GatewayStatus } & GatewayDecision) | ({ kind: 'ingress' } & IngressDecision);

/** The L7 decision of the chosen front door for one request. */
export function decideRequest(state: L7State, choice: FrontDoorChoice, request: HttpRequest): L7Decision {
  const l7 = l7Analysis(state);
  if (choice.kind === 'gateway') {
    return {
      kind: 'gateway',
      gateway: choice.gateway,
      ...routeGatewayRequest(l7.gateways, choice.gateway, request),
    };
  }
  return { kind: 'ingress', ...routeIngressRequest(l7.ingress, choice.className, request, l7.services) };
}

/** The route conditions of one HTTPRoute for one parent Gateway, as its status would list them. */
export function routeConditions(
  state: L7State,
  route: { namespace: string; name: string },
  gateway: { namespace: string; name: string },
): { type: string; status: string; reason: string }[] {
  const l7 = l7Analysis(state);
  const status = l7.gateways.routes.find(
    (r) => r.route.namespace === route.namespace && r.route.name === route.name,
  );
  if (!status) return [];
  return status.parents
    .filter((p) => p.parentRef.namespace === gateway.namespace && p.parentRef.name === gateway.name)
    .flatMap((p) => [...p.conditions, status.resolvedRefs])
    .map((c) => ({ type: c.type, status: c.status, reason: c.reason }));
}

/** A Gateway's own conditions (Accepted, Programmed), as its status would list them. */
export function gatewayConditions(
  state: L7State,
  gateway: { namespace: string; name: string },
): { type: string; status: string; reason: string }[] {
  const status = l7Analysis(state).gateways.gateways.find(
    (g) => g.gateway.namespace === gateway.namespace && g.gateway.name === gateway.name,
  );
  return (status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason }));
}

const REASON_CODES: Readonly<Record<string, [string, Severity]>> = {
  NoMatchingParent: ['httproute-no-matching-parent', 'error'],
  NotAllowedByListeners: ['httproute-not-allowed-by-listeners', 'error'],
  NoMatchingListenerHostname: ['httproute-no-matching-listener-hostname', 'error'],
  BackendNotFound: ['httproute-backend-not-found', 'warning'],
  RefNotPermitted: ['httproute-ref-not-permitted', 'warning'],
  InvalidKind: ['httproute-invalid-kind', 'warning'],
};

function diagnostic(range: SourceRange, code: string, severity: Severity, message: string): Diagnostic {
  return { range, severity, code, message };
}

/**
 * Route, Gateway and Ingress status as findings, on the parentRef, backendRef, listener or
 * Ingress path that caused them.
 */
export function l7Diagnostics(state: L7State): Diagnostic[] {
  if (!hasFrontDoors(state) && !(state.objects ?? []).some((o) => o.kind === 'HTTPRoute')) return [];
  const l7 = l7Analysis(state);
  const out: Diagnostic[] = [];
  for (const g of l7.gateways.gateways) {
    for (const l of g.listeners) {
      for (const c of l.conditions) {
        const bad =
          (c.type === 'Accepted' && c.status === 'False') ||
          (c.type === 'ResolvedRefs' && c.status === 'False') ||
          (c.type === 'Conflicted' && c.status === 'True');
        if (!bad) continue;
        const code =
          c.reason === 'UnsupportedProtocol'
            ? 'gateway-listener-unsupported-protocol'
            : c.reason === 'InvalidRouteKinds'
              ? 'gateway-listener-invalid-route-kinds'
              : 'gateway-listener-conflicted';
        out.push(
          diagnostic(
            l.listener.source,
            code,
            'error',
            `listener ${l.listener.name}: ${c.reason}: ${c.message}`,
          ),
        );
      }
    }
    const programmed = g.conditions.find((c) => c.type === 'Programmed');
    if (programmed?.status === 'False') {
      out.push(
        diagnostic(
          g.gateway.source,
          'gateway-not-programmed',
          'info',
          `Gateway ${g.gateway.namespace}/${g.gateway.name} gets no address (Programmed False, ${programmed.reason}): ${programmed.message}`,
        ),
      );
    }
  }
  for (const r of l7.gateways.routes) {
    for (const p of r.parents) {
      const accepted = p.conditions.find((c) => c.type === 'Accepted');
      if (!accepted || accepted.status === 'True') continue;
      if (p.gateway === null) {
        out.push(
          diagnostic(
            p.parentRef.source,
            'httproute-parent-not-found',
            'warning',
            `${accepted.message}: the route is not attached there (it may be created elsewhere)`,
          ),
        );
        continue;
      }
      const [code, severity] = REASON_CODES[accepted.reason] ?? ['httproute-not-accepted', 'error'];
      out.push(
        diagnostic(
          p.parentRef.source,
          code,
          severity,
          `Accepted False, ${accepted.reason}: ${accepted.message}`,
        ),
      );
    }
    for (const rule of r.backends) {
      for (const b of rule) {
        if (!b.problem) continue;
        const [code, severity] = REASON_CODES[b.problem.reason] ?? ['httproute-backend-invalid', 'warning'];
        const portMissing = b.service !== null;
        out.push(
          diagnostic(
            b.ref.source,
            portMissing ? 'httproute-backend-port-not-found' : code,
            portMissing ? 'error' : severity,
            `ResolvedRefs False, ${b.problem.reason}: ${b.problem.message}; requests for this backend get 500`,
          ),
        );
      }
    }
  }
  const classNames = new Set(l7.objects.ingressClasses.map((c) => c.name));
  for (const a of l7.ingress.assignments) {
    const i = a.ingress;
    if (a.className === null) {
      out.push(
        diagnostic(
          i.source,
          'ingress-no-class',
          'info',
          `Ingress ${i.namespace}/${i.name} names no class (ingressClassName or ${'kubernetes.io/ingress.class'}) and no IngressClass in the files is the default: controllers may ignore it`,
        ),
      );
    } else if (a.how === 'field' && !classNames.has(a.className) && l7.objects.ingressClasses.length > 0) {
      out.push(
        diagnostic(
          i.source,
          'ingress-class-not-found',
          'warning',
          `IngressClass ${a.className} is not among the IngressClasses in the files (${[...classNames].join(', ')})`,
        ),
      );
    }
    const backends = [...i.paths.map((p) => p.backend), ...(i.defaultBackend ? [i.defaultBackend] : [])];
    for (const b of backends) {
      const resolved = resolveIngressBackend(b, i, l7.services);
      if (!resolved.problem || resolved.problem.code === 'ingress-backend-resource') continue;
      const severity: Severity =
        resolved.problem.code === 'ingress-backend-port-not-found' ? 'error' : 'warning';
      out.push(
        diagnostic(
          b.source,
          resolved.problem.code,
          severity,
          `${resolved.problem.message}; requests for it get 503`,
        ),
      );
    }
  }
  for (const { entry, by } of shadowedEntries(l7.ingress)) {
    const where =
      by.ingress === entry.ingress
        ? 'an earlier path of this Ingress'
        : `Ingress ${by.ingress.namespace}/${by.ingress.name} (older, or first by namespace/name)`;
    out.push({
      range: entry.path.source,
      severity: 'warning',
      code: 'ingress-rule-shadowed',
      message: `host ${entry.path.host ?? '*'} path ${entry.path.path} (${entry.path.pathType}) is also defined by ${where}, which wins: no request reaches this one`,
      related: [{ range: by.path.source, message: 'the path that wins' }],
    });
  }
  return out;
}
