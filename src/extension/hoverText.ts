// Markdown for hovers and titles for CodeLenses, built from engine results. Pure (no
// vscode) so the exact wording is unit-tested; the adapter only wraps it in MarkdownString.
import type { Analysis, BuiltFromTarget, OperatorObjects, TemplateValue, ValueRef } from '../engine';
import type {
  ContainerPort,
  LoadedObject,
  ServicePort,
  ServiceState,
  ValueSource,
  WorkloadState,
} from '../engine/model';
import { engine } from './engineLoader';

import { SELECT_TARGET_COMMAND, TRACE_COMMAND } from './commands';
import type { TraceRequestArgs } from './commands';
import { code, escape } from './markdown';

export { SELECT_TARGET_COMMAND, TRACE_COMMAND } from './commands';
export type { TraceRequestArgs } from './commands';

/** Chain names carrying a Service port, per node (from the kube-proxy model). */
export type ChainsFor = (service: ServiceState, portIndex: number) => Record<string, string[]>;

export interface HoverContext {
  folder?: string;
  chainsFor?: ChainsFor;
}

function sourceNote(source: ValueSource | null | undefined): string {
  return source ? ` *(${source})*` : '';
}

export function traceCommandUri(args: TraceRequestArgs): string {
  return `command:${TRACE_COMMAND}?${encodeURIComponent(JSON.stringify([args]))}`;
}

function portLabel(port: ServicePort): string {
  return `${port.port}/${port.protocol}${port.name ? ` (${port.name})` : ''}`;
}

function readyCount(endpoints: readonly { ready: boolean }[]): number {
  return endpoints.filter((e) => e.ready).length;
}

/**
 * Chain names, one per list line, each a code span of the real (ASCII) name. A hover wraps
 * inline text at hyphens, so names side by side could break mid-identifier (`KUBE-SVC-` /
 * `ABC…`); alone on its line a name fits the hover (its 500 px hold 60 monospace characters; a
 * KUBE-… name has 25), and copying it gives the name itself, not look-alike characters such as
 * U+2011 that iptables and grep would not match.
 */
export function chainList(names: readonly string[], shown: number): string[] {
  const lines = names.slice(0, shown).map((name) => `- ${code(name)}`);
  if (names.length > shown) lines.push(`- … ${names.length - shown} more`);
  return lines;
}

function serviceTitle(state: ServiceState, what: string): string {
  const s = state.service;
  return `**Service ${escape(`${s.metadata.namespace}/${s.metadata.name}`)}** · ${what}`;
}

/** How many endpoints, pods or pod names a hover lists before counting the rest. */
const PODS_SHOWN = 10;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One Service port: its line, then `extra` lines, its endpoints, its chains, the trace link. */
function portSection(state: ServiceState, i: number, context: HoverContext, extra: string[]): string[] {
  const s = state.service;
  const port = s.ports[i];
  if (!port) return [];
  const lines: string[] = [];
  const endpoints = engine().endpointsOfPort(state, port);
  const parts = [`port ${code(portLabel(port))} → targetPort ${code(port.targetPort)}`];
  if (port.nodePort) parts.push(`NodePort ${code(port.nodePort)}${sourceNote(state.nodePortSources[i])}`);
  parts.push(plural(readyCount(endpoints), 'endpoint'));
  lines.push(`**${parts.join(' · ')}**`, '');
  if (extra.length > 0) lines.push(...extra, '');
  if (endpoints.length === 0 && s.selector === null)
    lines.push('- *no selector: endpoints are user-managed*');
  else if (endpoints.length === 0) lines.push('- *no pods match the selector*');
  for (const e of endpoints.slice(0, PODS_SHOWN)) {
    const note = e.ready ? '' : e.terminating ? ' *(terminating)*' : ' *(not ready)*';
    lines.push(
      `- ${code(e.pod ?? e.ip)} ${code(`${e.ip}:${e.port ?? '?'}`)}${e.node ? ` on ${e.node}` : ''}${note}`,
    );
  }
  if (endpoints.length > PODS_SHOWN) lines.push(`- … ${endpoints.length - PODS_SHOWN} more`);
  // The trace link before the chain list: a card taller than the hover scrolls, and the link is what one clicks.
  lines.push(
    '',
    `[▶ Trace request](${traceCommandUri({ folder: context.folder, namespace: s.metadata.namespace, name: s.metadata.name, port: port.port, protocol: port.protocol })} "Trace a request to ${s.metadata.name}:${port.port}")`,
    '',
  );
  const chains = context.chainsFor?.(state, i);
  const firstNode = chains ? Object.keys(chains)[0] : undefined;
  const names = firstNode && chains ? (chains[firstNode] ?? []) : [];
  if (firstNode && names.length > 0) lines.push(`Chains on ${firstNode}:`, '', ...chainList(names, 4), '');
  return lines;
}

/** Where one port is reached: ClusterIP:port, each node's NodePort, the load balancer. */
function portAddresses(state: ServiceState, i: number): string {
  const s = state.service;
  const port = s.ports[i];
  if (!port) return '';
  const at: string[] = [];
  if (s.clusterIP !== 'None' && s.clusterIP !== '')
    at.push(`${code(`${s.clusterIP}:${port.port}`)}${sourceNote(state.clusterIPSource)}`);
  else if (s.clusterIP === 'None') at.push(`${code(`${state.dns}:${port.port}`)} (headless: the pod IPs)`);
  if (port.nodePort) at.push(`${code(`<node IP>:${port.nodePort}`)} on every node`);
  const lb = lbAddress(state);
  if (lb) at.push(`${code(`${lb}:${port.port}`)}${sourceNote(state.loadBalancer?.ingressSource)}`);
  return at.length > 0 ? `Reached at ${at.join(', ')}` : '';
}

/**
 * Hover on one entry of `spec.ports`: that port only, with where its targetPort lands on
 * the selected pods (the engine's `findPort` answer, grouped when pods agree), its
 * NodePort and its endpoints.
 */
export function servicePortHover(
  analysis: Analysis,
  state: ServiceState,
  portIndex: number,
  context: HoverContext = {},
): string {
  const port = state.service.ports[portIndex];
  if (!port) return serviceHover(state, null, context);
  const landing = engine().selection(analysis, state).ports[portIndex] ?? [];
  // Pods that agree (same number, same container) are one line.
  const groups = new Map<string, string[]>();
  for (const t of landing) {
    const cp = t.containerPorts[0];
    const container = cp ? t.pod.containers.find((c) => c.ports.includes(cp))?.name : undefined;
    const key =
      t.port === null
        ? `*nothing*: no container declares a ${port.protocol} port named ${code(port.targetPort)}`
        : `${code(t.port)}${container !== undefined ? ` of container ${code(container)}` : cp ? '' : ' *(no container declares it)*'}`;
    const pods = groups.get(key);
    if (pods) pods.push(t.pod.metadata.name);
    else groups.set(key, [t.pod.metadata.name]);
  }
  const extra: string[] = [];
  const address = portAddresses(state, portIndex);
  if (address) extra.push(address, '');
  for (const [to, pods] of groups) {
    const names = pods.slice(0, 3).map(code).join(', ');
    const more = pods.length > 3 ? ` +${pods.length - 3}` : '';
    extra.push(
      `- targetPort ${code(port.targetPort)} → ${to} on ${plural(pods.length, 'pod')}: ${names}${more}`,
    );
  }
  return [
    serviceTitle(state, `port ${code(portLabel(port))}`),
    '',
    ...portSection(state, portIndex, context, extra),
  ]
    .join('\n')
    .trimEnd();
}

/** The findings that say why a selector selects nothing (with their did-you-mean). */
const SELECTOR_CODES = new Set([
  'service-selector-no-match',
  'service-selector-other-namespace',
  'service-selects-cluster-component',
]);

/**
 * Hover on `spec.selector` (or one of its labels): the pods the selector selects, by the
 * workload that owns them, as the EndpointSlice controller sees them; when it selects none,
 * the diagnostic that says why (and what it probably meant).
 */
export function serviceSelectorHover(analysis: Analysis, object: LoadedObject, state: ServiceState): string {
  const s = state.service;
  const selector = s.selector;
  const written = selector
    ? Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '';
  const lines = [serviceTitle(state, selector ? `selector ${code(written)}` : 'no selector'), ''];
  if (!selector) {
    lines.push('*No selector: the endpoints come from EndpointSlices or Endpoints written by hand.*');
    return lines.join('\n');
  }
  const selected = engine().selection(analysis, state);
  const pods = selected.pods;
  const workloads = selected.workloads;
  lines.push(
    `Selects ${plural(pods.length, 'pod')}${workloads.length > 0 ? ` of ${plural(workloads.length, 'workload')}` : ''} in namespace ${code(s.metadata.namespace)}${pods.length > 0 || workloads.length > 0 ? ':' : ''}`,
    '',
  );
  const podLine = (p: (typeof pods)[number]): string =>
    `${code(p.metadata.name)} ${code(p.podIP || 'no IP')} on ${p.nodeName || '*unscheduled (Pending)*'}`;
  const owned = new Set<(typeof pods)[number]>();
  for (const o of workloads) {
    const mine = new Set(engine().workloadOf(analysis, o)?.pods ?? []);
    const own = pods.filter((p) => mine.has(p));
    for (const p of own) owned.add(p);
    lines.push(
      `- ${escape(o.kind)} ${code(o.name)}: ${own.length === 0 ? '*no pods predicted (replicas 0, or a Job)*' : plural(own.length, 'pod')}`,
    );
    for (const p of own.slice(0, PODS_SHOWN)) lines.push(`  - ${podLine(p)}`);
    if (own.length > PODS_SHOWN) lines.push(`  - … ${own.length - PODS_SHOWN} more`);
  }
  const loose = pods.filter((p) => !owned.has(p));
  for (const p of loose.slice(0, PODS_SHOWN)) lines.push(`- Pod ${podLine(p)}`);
  if (loose.length > PODS_SHOWN) lines.push(`- … ${loose.length - PODS_SHOWN} more pods`);
  if (pods.length === 0 && workloads.length === 0) {
    const why = analysis.diagnostics.filter(
      (d) =>
        SELECTOR_CODES.has(d.code) &&
        d.range.file === object.range.file &&
        d.range.line >= object.range.line &&
        d.range.line <= object.range.endLine,
    );
    if (why.length === 0)
      lines.push('*No pods in these files match; they may come from an operator or another repository.*');
    for (const d of why) lines.push(`*${escape(d.message)}*`);
    if (why.some((d) => (d.fixes?.length ?? 0) > 0))
      lines.push('', '*A quick fix is offered on the selector.*');
  }
  return lines.join('\n');
}

function lbAddress(state: ServiceState): string {
  const ingress = state.loadBalancer?.ingress ?? [];
  return ingress
    .map((i) => i.ip ?? i.hostname ?? '')
    .filter(Boolean)
    .join(', ');
}

/** Hover for a Service: addresses, then per port its path to the pods; `portIndex` narrows to one port. */
export function serviceHover(
  state: ServiceState,
  portIndex: number | null,
  context: HoverContext = {},
): string {
  const s = state.service;
  const lines: string[] = [];
  lines.push(serviceTitle(state, s.type), '');
  if (s.type === 'ExternalName') {
    lines.push(`DNS ${code(state.dns)} → CNAME ${code(s.externalName)}`);
    return lines.join('\n');
  }
  const facts: string[] = [];
  if (s.clusterIP === 'None') facts.push('ClusterIP `None` (headless: DNS returns the pod IPs)');
  else facts.push(`ClusterIP ${code(s.clusterIP)}${sourceNote(state.clusterIPSource)}`);
  facts.push(`DNS ${code(state.dns)}`);
  if (state.loadBalancer) {
    const address = lbAddress(state);
    facts.push(
      address
        ? `Load balancer ${code(address)}${sourceNote(state.loadBalancer.ingressSource)}`
        : `Load balancer *pending*${state.loadBalancer.pendingReason ? `: ${escape(state.loadBalancer.pendingReason)}` : ''}`,
    );
  }
  if (s.externalTrafficPolicy === 'Local' && (s.type === 'NodePort' || s.type === 'LoadBalancer')) {
    facts.push('externalTrafficPolicy `Local`');
  }
  lines.push(facts.join('  \n'), '');
  const indexes = portIndex === null || !s.ports[portIndex] ? s.ports.map((_, i) => i) : [portIndex];
  if (s.ports.length === 0) lines.push('*No ports.*', '');
  for (const i of indexes) lines.push(...portSection(state, i, context, []));
  return lines.join('\n').trimEnd();
}

/** Hover for a workload (name, kind, labels): which Services select its pods and on which ports. */
export function workloadHover(
  analysis: Analysis,
  object: LoadedObject,
  workload: WorkloadState | null,
): string {
  const lines = [`**${object.kind} ${escape(`${object.namespace}/${object.name}`)}**`, ''];
  if (workload) {
    const pods = workload.pods;
    lines.push(`${pods.length} pod${pods.length === 1 ? '' : 's'}${pods.length ? ':' : ''}`);
    for (const p of pods.slice(0, 10))
      lines.push(
        `- ${code(p.metadata.name)} ${code(p.podIP || 'no IP')} on ${p.nodeName || '*unscheduled*'}`,
      );
    if (pods.length > 10) lines.push(`- … ${pods.length - 10} more`);
    lines.push('');
  }
  const services = engine().servicesSelecting(analysis, object);
  if (services.length === 0) {
    lines.push('*No Service in these files selects these pods.*');
    return lines.join('\n');
  }
  lines.push('Selected by:');
  const pods = new Set(workload?.pods ?? []);
  for (const svc of services) {
    const landing = engine().selection(analysis, svc).ports;
    const ports = svc.service.ports.map((p, i) => {
      const resolved = landing[i]?.find((t) => pods.has(t.pod))?.containerPorts[0];
      const to = resolved ? `${resolved.containerPort}` : '*not exposed*';
      return `${p.port} → ${code(p.targetPort)}${typeof p.targetPort === 'string' || !resolved ? ` (${to})` : ''}`;
    });
    lines.push(`- Service ${code(svc.service.metadata.name)}: ${ports.join(', ') || '*no ports*'}`);
  }
  return lines.join('\n');
}

/**
 * Hover for a Prometheus or Alertmanager resource: what prometheus-operator creates for it,
 * the StatefulSets with their pods (name, IP, node) and the governing Service (its DNS name,
 * ports and endpoints).
 */
export function operatorHover(object: LoadedObject, created: OperatorObjects): string {
  const lines = [`**${object.kind} ${escape(`${object.namespace}/${object.name}`)}**`, ''];
  if (created.none !== null) {
    lines.push(`${created.operator} creates nothing for it: ${escape(created.none)}`);
    return lines.join('\n');
  }
  lines.push(`${created.operator} creates:`, '');
  for (const { name, workload } of created.statefulSets) {
    const pods = workload?.pods ?? [];
    lines.push(
      `StatefulSet ${code(name)}: ${plural(created.replicas, 'replica')}${pods.length > 0 ? ':' : ''}`,
    );
    for (const p of pods.slice(0, PODS_SHOWN))
      lines.push(
        `- ${code(p.metadata.name)} ${code(p.podIP || 'no IP')} on ${p.nodeName || '*unscheduled (Pending)*'}`,
      );
    if (pods.length > PODS_SHOWN) lines.push(`- … ${pods.length - PODS_SHOWN} more`);
    lines.push('');
  }
  const svc = created.service;
  if (!svc) return lines.join('\n').trimEnd();
  if (!svc.state) {
    lines.push(`Service ${code(svc.name)} (spec.serviceName): *not in the analysed files*`);
    return lines.join('\n');
  }
  const s = svc.state.service;
  const endpoints = svc.state.endpointSlices.flatMap((e) => e.endpoints);
  const ready = endpoints.filter((e) => e.conditions.ready !== false).length;
  const ports = s.ports.map((p) => `${p.port}/${p.protocol} → ${code(p.targetPort)}`).join(', ');
  lines.push(
    `${svc.generated ? 'Service' : 'Governing Service (yours)'} ${code(s.metadata.name)}${s.clusterIP === 'None' ? ' (headless)' : ''}: DNS ${code(svc.state.dns)}  `,
    `ports ${ports || '*none*'}; ${plural(endpoints.length, 'endpoint')} (${ready} ready)`,
  );
  return lines.join('\n');
}

/** Hover for a containerPort: the Service ports that resolve to it. */
export function containerPortHover(
  analysis: Analysis,
  object: LoadedObject,
  workload: WorkloadState | null,
  cp: ContainerPort,
): string {
  const title = `**containerPort ${cp.containerPort}/${cp.protocol}${cp.name ? ` (${escape(cp.name)})` : ''}**`;
  const lines = [title, ''];
  const hits: string[] = [];
  for (const svc of engine().servicesSelecting(analysis, object)) {
    const landing = engine().selection(analysis, svc).ports;
    svc.service.ports.forEach((p, i) => {
      if (!landing[i]?.some((t) => t.containerPorts.includes(cp))) return;
      const node = p.nodePort ? ` · NodePort ${p.nodePort}` : '';
      hits.push(
        `- Service ${code(svc.service.metadata.name)} port ${code(portLabel(p))} → targetPort ${code(p.targetPort)}${node}`,
      );
    });
  }
  if (hits.length === 0) lines.push('*No Service port resolves to this port.*');
  else lines.push('Reached through:', ...hits);
  return lines.join('\n');
}

/**
 * The values of a lens part, each marked "(predicted)" when the real cluster picks it at run
 * time (a written or defaulted value is not marked); one mark for all when all are predicted.
 */
function markedValues(values: readonly { value: string; source: ValueSource | null | undefined }[]): string {
  const predicted = (v: { source: ValueSource | null | undefined }): boolean => v.source === 'predicted';
  if (values.length > 1 && values.every(predicted))
    return `${values.map((v) => v.value).join(', ')} (predicted)`;
  return values.map((v) => `${v.value}${predicted(v) ? ' (predicted)' : ''}`).join(', ');
}

/** "▶ Trace request · 3 endpoints · ClusterIP 10.96.x.y (predicted) · NodePort 31234 (predicted)" above a Service. */
export function serviceLensTitle(state: ServiceState): string {
  const s = state.service;
  const parts = ['▶ Trace request'];
  if (s.type === 'ExternalName') return `${parts[0]} · ExternalName → ${s.externalName}`;
  const endpoints = new Set<string>();
  for (const port of s.ports)
    for (const e of engine().endpointsOfPort(state, port)) if (e.ready) endpoints.add(e.ip);
  parts.push(plural(endpoints.size, 'endpoint'));
  parts.push(
    s.clusterIP === 'None'
      ? 'headless'
      : `ClusterIP ${markedValues([{ value: s.clusterIP, source: state.clusterIPSource }])}`,
  );
  const nodePorts = s.ports.flatMap((p, i) =>
    p.nodePort ? [{ value: String(p.nodePort), source: state.nodePortSources[i] }] : [],
  );
  if (nodePorts.length > 0)
    parts.push(`NodePort${nodePorts.length > 1 ? 's' : ''} ${markedValues(nodePorts)}`);
  const lb = lbAddress(state);
  if (lb) parts.push(`LB ${markedValues([{ value: lb, source: state.loadBalancer?.ingressSource }])}`);
  return parts.join(' · ');
}

/** How many fields a target's layers set are listed per target in a hover. */
const CHANGES_SHOWN = 6;

/**
 * What each kustomize deploy target makes of the document under the cursor (a base
 * resource or a generator entry): the object it becomes, whether it is the one analysed,
 * and the fields the target's own layers set, with where.
 */
export function deployTargetsHover(entries: readonly BuiltFromTarget[]): string {
  if (entries.length === 0) return '';
  const helm = entries.every((e) => e.target.kind === 'helm');
  const what = entries.length === 1 ? 'the deploy target' : `each of ${entries.length} deploy targets`;
  const lines = [
    helm
      ? `**Helm** · what ${entries.length === 1 ? 'the chart' : `each of ${entries.length} charts`} renders from this template`
      : `**Kustomize** · what ${what} builds from this document`,
    '',
  ];
  for (const { target, analysed, resource } of entries) {
    const name = resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
    const status = analysed
      ? '*(analysed)*'
      : `*(not analysed: [select it](command:${SELECT_TARGET_COMMAND}))*`;
    lines.push(`- ${code(target.dir || '.')} ${status}: ${escape(resource.kind)} ${code(name)}`);
    const changes = resource.changes.slice(0, CHANGES_SHOWN);
    for (const c of changes) lines.push(`  - ${code(c.field)} ← ${code(`${c.file}:${c.line}`)}`);
    if (resource.changes.length > changes.length)
      lines.push(`  - ${resource.changes.length - changes.length} more fields set by this target`);
  }
  return lines.join('\n');
}

/** How many renderings of one action a hover lists (a range prints it once per item). */
const VALUES_SHOWN = 5;

function valueRefLabel(v: ValueRef): string {
  if (v.flag !== undefined) return code(v.flag);
  return `${code(v.path)} from ${code(`${v.file ?? 'values'}${v.line !== undefined ? `:${v.line}` : ''}`)}`;
}

/**
 * What the Helm template action under the cursor printed, per rendering, and where the
 * values it printed were set (a values file line, a --set flag): the engine's templateValueAt.
 */
export function templateValuesHover(values: readonly TemplateValue[]): string {
  if (values.length === 0) return '';
  const lines = ['**Helm** · what this action renders', ''];
  for (const v of values.slice(0, VALUES_SHOWN)) {
    const name = v.resource.namespace ? `${v.resource.namespace}/${v.resource.name}` : v.resource.name;
    const where = v.analysed ? '' : ` *(chart ${code(v.target.dir || '.')}, not analysed)*`;
    lines.push(
      `- ${code(v.rendered.trim() || v.rendered)} in ${escape(v.resource.kind)} ${code(name)}${where}`,
    );
    for (const ref of v.values) lines.push(`  - ${valueRefLabel(ref)}`);
  }
  if (values.length > VALUES_SHOWN) lines.push(`- ${values.length - VALUES_SHOWN} more renderings`);
  return lines.join('\n');
}

/** The Helm/kustomize part of a hover in a template or base: values printed here, then what each target builds. */
export function templateHover(
  analysis: Analysis,
  path: string,
  pos: { line: number; column: number },
): string {
  const parts = [
    templateValuesHover(engine().templateValueAt(analysis, path, pos.line, pos.column)),
    deployTargetsHover(engine().builtFrom(analysis, path, pos.line)),
  ];
  return parts.filter((p) => p !== '').join('\n\n---\n\n');
}
