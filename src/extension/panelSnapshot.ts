// The side panel's snapshot: the analysed folders and the user's selection → what the
// webview draws. The request path itself is the engine's answer (requestPath, built from
// the request tracer); this module only picks the Service, port and entry and says why
// nothing is drawn when nothing can be.
import type { Analysis } from '../engine';
import type { ServiceState } from '../engine/model';
import type { L7Rule } from '../engine';
import type {
  L7RouteView,
  PathProblem,
  PortSummary,
  Selection,
  ServiceSummary,
  Snapshot,
} from '../../webview/protocol';
import { engine } from './engineLoader';
import { serviceIdOf } from './service/protocol';

/** The analysed cluster of one workspace folder. */
export interface FolderAnalysis {
  /** Workspace folder name ('' when there is only one folder). */
  folder: string;
  state: Analysis;
}

export interface SnapshotInput {
  folders: FolderAnalysis[];
  selection: Selection | null;
  status: string;
  /** Where the editor's cursor is (folder as the panel names it, file relative to it, 1-based line). */
  cursor?: { folder: string; file: string; line: number } | null;
  /** The Service the panel last followed the cursor to: only a move to another one switches. */
  followed?: string | null;
}

/**
 * The Service whose document holds the cursor, or the only Service of the cursor's file
 * (the cursor on a Deployment next to it); null when there is none or several.
 */
export function serviceAtCursor(input: SnapshotInput): string | null {
  const cursor = input.cursor;
  if (!cursor) return null;
  const folder = input.folders.find((f) => f.folder === cursor.folder);
  if (!folder) return null;
  const inFile = folder.state.services.filter((s) => s.source.file === cursor.file);
  const at =
    inFile.find((s) => s.source.line <= cursor.line && cursor.line <= s.source.endLine) ??
    (inFile.length === 1 ? inFile[0] : undefined);
  return at ? serviceId(folder.folder, at) : null;
}

export function serviceId(folder: string, service: ServiceState): string {
  return serviceIdOf(folder, service.service.metadata.namespace, service.service.metadata.name);
}

function summarize(folder: string, s: ServiceState): ServiceSummary {
  return {
    id: serviceId(folder, s),
    folder,
    namespace: s.service.metadata.namespace,
    name: s.service.metadata.name,
    type: s.service.type,
    ports: s.service.ports.map((p): PortSummary => ({
      key: engine().portKey(p),
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      targetPort: String(p.targetPort),
      nodePort: p.nodePort,
    })),
  };
}

function emptyState(input: SnapshotInput, services: number): { title: string; hint: string } {
  if (input.folders.length === 0) {
    return {
      title: 'No Kubernetes YAML analysed yet',
      hint: 'Open a folder with Service and Deployment YAML, or open one of its files, and kubepath draws the path a request takes.',
    };
  }
  if (services === 0) {
    return {
      title: 'No Services in this workspace',
      hint: 'Add a Service (kind: Service) whose selector matches a Deployment’s pod labels to see the request path.',
    };
  }
  return {
    title: 'No Service selected',
    hint: 'Pick a Service above, or run “Kubepath: Trace Request” from a Service’s CodeLens.',
  };
}

function ruleLabel(rule: L7Rule): string {
  const ref = rule.ref;
  if (ref.kind === 'httproute') return `rule ${ref.rule + 1}${ref.ruleName ? ` (${ref.ruleName})` : ''}`;
  return ref.path === null ? 'defaultBackend' : `rule ${ref.rule + 1} path ${ref.path + 1}`;
}

/**
 * The HTTPRoute rules and Ingress paths that send requests to `service` (on `port` when
 * given), as the panel draws them above the Service's path: those that take requests
 * first, shadowed ones after.
 */
export function l7Views(state: Analysis, service: ServiceState, port: number | null): L7RouteView[] {
  const { namespace, name } = service.service.metadata;
  const rules = engine().l7Routes(state, { service: { namespace, name } });
  const isMine = (b: L7Rule['backends'][number]): boolean =>
    b.service.namespace === namespace && b.service.name === name && (port === null || b.port === port);
  const views = rules
    .filter((r) => r.backends.some(isMine))
    .map((r): L7RouteView => ({
      kind: r.ref.kind === 'httproute' ? 'gateway' : 'ingress',
      listeners: r.attachments.map((a) => ({
        label:
          a.kind === 'gateway'
            ? `Gateway ${a.gateway ?? ''} · ${a.listener ?? ''} (${a.protocol} :${a.port})`
            : `IngressClass ${a.ingressClass ?? ''} (${a.protocol} :${a.port})`,
        address: a.address,
        source: a.source,
      })),
      route: `${r.ref.kind === 'httproute' ? 'HTTPRoute' : 'Ingress'} ${r.ref.namespace}/${r.ref.name}`,
      rule: ruleLabel(r),
      hosts: [...new Set(r.attachments.flatMap((a) => a.hostnames ?? ['*']))],
      matches:
        r.matches.length === 0 ? ['requests no path matches'] : r.matches.map((m) => engine().l7MatchText(m)),
      httpStatus: r.httpStatus,
      shadowedBy:
        r.shadowedBy.length > 0 ? r.shadowedBy.map((x) => engine().l7RuleRefText(x)).join(', ') : null,
      source: r.ref.source,
      backends: r.backends.map((b) => ({
        service: `${b.service.namespace}/${b.service.name}`,
        port: b.port,
        weight: b.weight,
        share: b.share,
        readyEndpoints: b.readyEndpoints,
        problem: b.problem,
        current: isMine(b),
        source: b.source,
      })),
    }));
  return [...views.filter((v) => v.shadowedBy === null), ...views.filter((v) => v.shadowedBy !== null)];
}

export function buildSnapshot(input: SnapshotInput): Snapshot {
  const { entryPoints, defaultEntry, requestPath, portKey } = engine();
  const all = input.folders.flatMap((f) => f.state.services.map((s) => ({ folder: f, service: s })));
  const services = all.map(({ folder, service }) => summarize(folder.folder, service));
  const atCursor = serviceAtCursor(input);
  const wanted: Selection | null =
    atCursor !== null && atCursor !== (input.followed ?? null)
      ? {
          ...(input.selection ?? { entry: 'internet', node: null }),
          serviceId: atCursor,
          portKey: input.selection?.serviceId === atCursor ? input.selection.portKey : null,
        }
      : input.selection;
  const picked = all.find(({ folder, service }) => serviceId(folder.folder, service) === wanted?.serviceId);
  const folderState = picked?.folder ?? input.folders[0];
  const nodes = (folderState?.state.profile.nodes ?? []).map((n) => ({ name: n.name, ip: n.ips[0] ?? '' }));
  const node = nodes.some((n) => n.name === wanted?.node) ? (wanted?.node ?? null) : null;
  if (!picked) {
    return {
      services,
      nodes,
      selection: { serviceId: null, portKey: null, entry: wanted?.entry ?? 'internet', node },
      entries: [],
      path: null,
      dnsPath: null,
      problems: [],
      empty: emptyState(input, services.length),
      status: input.status,
      atCursor,
      l7: [],
    };
  }
  const { folder, service } = picked;
  const svc = service.service;
  const port = svc.ports.find((p) => portKey(p) === wanted?.portKey) ?? svc.ports[0];
  // Only the ways this Service can be entered (a ClusterIP Service has no internet entry).
  const entries = entryPoints(service).filter((e) => e.available);
  const entry =
    wanted && entries.some((e) => e.entry === wanted.entry) ? wanted.entry : defaultEntry(service);
  const selection: Selection = {
    serviceId: serviceId(folder.folder, service),
    portKey: port ? portKey(port) : null,
    entry,
    node,
  };
  const problems = engine()
    .serviceFindings(folder.state, service)
    .map((d): PathProblem => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      source: d.range,
      fixes: (d.fixes ?? []).map((f) => f.title),
    }));
  const base = {
    services,
    nodes,
    selection,
    entries,
    problems,
    status: input.status,
    dnsPath: null,
    atCursor,
    l7: l7Views(folder.state, service, port?.port ?? null),
  };
  if (engine().isDnsOnly(service) && (port || svc.type === 'ExternalName')) {
    // Headless and ExternalName Services: kube-proxy has no rules for them; DNS is the path.
    return { ...base, path: null, dnsPath: engine().dnsPath(folder.state, { service, port }), empty: null };
  }
  if (!port) {
    return {
      ...base,
      path: null,
      empty: {
        title: `${svc.metadata.name} has no ports`,
        hint:
          svc.type === 'ExternalName'
            ? `An ExternalName Service is only a DNS CNAME to ${svc.externalName || '(empty)'}: no proxying happens.`
            : 'Add spec.ports to the Service: kube-proxy only writes rules for declared ports.',
      },
    };
  }
  if (!entries.some((e) => e.entry === entry)) {
    return {
      ...base,
      path: null,
      empty: {
        title: `${svc.metadata.name} is not proxied by kube-proxy`,
        hint:
          svc.clusterIP === 'None'
            ? 'A headless Service has no ClusterIP: DNS returns the pod IPs directly.'
            : 'An ExternalName Service is only a DNS CNAME.',
      },
    };
  }
  return { ...base, path: requestPath(folder.state, { service, port, entry, node }), empty: null };
}
