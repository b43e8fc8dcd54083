// The questions a front end asks of an analysis, answered from the engine's own models and
// memoised per analysis (an analysis is an immutable snapshot: an answer never goes stale).
import type { BuiltFrom, DeployTarget, TargetOutcome } from './deployment';
import type {
  ClusterState,
  Diagnostic,
  LoadedObject,
  RelatedInformation,
  DnsPath,
  RequestPath,
  ServiceState,
  SourceRange,
  WorkloadState,
} from './model';
import type { TemplateValueSpan, ValueRef } from './render/workspace';
import { chainsOfNode, proxyFamilies } from './proxy/iptables';
import { OPERATOR_VERSION, operatorCreates } from './reconcile/operators';
import { servicePortKey as proxyPortKey } from './proxy/servicePort';
import type { TraceableState } from './trace/request';
import { dnsPath as traceDnsPath, requestPath as traceRequestPath } from './trace/requestPath';
import type { DnsPathQuery, RequestPathQuery } from './trace/requestPath';
import { memo } from './util/memo';

export { defaultEntry, entryPoints, isDnsOnly } from './trace/requestPath';
export type { DnsPathQuery, RequestPathQuery } from './trace/requestPath';

/** `PROTOCOL/port`: a port's key within its Service (the API server keeps ports unique by it). */
export function portKey(port: { protocol: string; port: number }): string {
  return `${port.protocol}/${port.port}`;
}

function serviceKey(analysis: TraceableState, service: ServiceState): string {
  const { namespace, name } = service.service.metadata;
  return `${analysis.services.indexOf(service)}:${namespace}/${name}`;
}

/**
 * The path of a request to one Service port from one entry point, from the request tracer
 * (the trace `kubepath trace` prints), grouped by the nodes it enters.
 */
/**
 * The path of a request to a headless or ExternalName Service port: CoreDNS's answer, then
 * (headless) the pods the client connects to directly.
 */
export function dnsPath(analysis: TraceableState, query: DnsPathQuery): DnsPath {
  const key = `dnsPath:${serviceKey(analysis, query.service)}:${query.port ? portKey(query.port) : ''}`;
  return memo(analysis, key, () => traceDnsPath(analysis, query));
}

export function requestPath(analysis: TraceableState, query: RequestPathQuery): RequestPath {
  const key = `requestPath:${serviceKey(analysis, query.service)}:${portKey(query.port)}:${query.entry}:${query.node ?? ''}`;
  return memo(analysis, key, () => traceRequestPath(analysis, query));
}

/** What prometheus-operator creates for a Prometheus or Alertmanager resource, as the analysis has it. */
export interface OperatorObjects {
  operator: string;
  statefulSets: { name: string; workload: WorkloadState | null }[];
  service: { name: string; generated: boolean; state: ServiceState | null } | null;
  replicas: number;
  none: string | null;
}

/** The StatefulSets (with their pods) and the governing Service the operator creates for `cr`; null for other objects. */
export function operatorObjects(
  analysis: ClusterState & { objects: readonly LoadedObject[] },
  cr: LoadedObject,
): OperatorObjects | null {
  const created = operatorCreates(analysis.objects, cr);
  if (!created) return null;
  const ns = cr.namespace;
  return {
    operator: `prometheus-operator ${OPERATOR_VERSION}`,
    statefulSets: created.statefulSets.map((name) => ({
      name,
      workload:
        analysis.workloads.find((w) => w.kind === 'StatefulSet' && w.namespace === ns && w.name === name) ??
        null,
    })),
    service: created.service && {
      ...created.service,
      state:
        analysis.services.find(
          (s) => s.service.metadata.namespace === ns && s.service.metadata.name === created.service?.name,
        ) ?? null,
    },
    replicas: created.replicas,
    none: created.none,
  };
}

export {
  podLabelsOf,
  podTemplateOf,
  POD_TEMPLATE_KINDS,
  selection,
  servicesSelecting,
  workloadOf,
} from './selection';
export type { PortTarget, ServiceSelection } from './selection';

/** A node's predicted iptables rules in one form (`iptables-save` view or the restore input). */
export { rulesOfNode as rules } from './proxy/iptables';
export type { IptablesForm, IptablesRules } from './proxy/iptables';

/** A node's predicted nftables table in one form (`nft list`, the transaction, or upstream's sorted dump). */
export { nftablesRulesOfNode as nftablesRules, nftablesLayoutMinVersion } from './proxy/nftables';
export type { NftablesForm, NftablesRules } from './proxy/nftables';

/** The KUBE-* chains that carry one Service port on a node (iptables mode; on a dual-stack cluster both proxiers' chains, primary family first). */
export function portChains(
  analysis: ClusterState,
  service: ServiceState,
  portIndex: number,
  node: string,
): readonly string[] {
  const port = service.service.ports[portIndex];
  if (!port) return [];
  const { namespace, name } = service.service.metadata;
  const key = proxyPortKey(namespace, name, port.name, port.protocol);
  const families = proxyFamilies(analysis.profile);
  if (families.length === 1 && families[0] === 'IPv4') return chainsOfNode(analysis, node).get(key) ?? [];
  // The SVC/EXT/FW chains are named after the port alone, so both families share them; SEP chains differ.
  const out: string[] = [];
  for (const family of families)
    for (const chain of chainsOfNode(analysis, node, family).get(key) ?? [])
      if (!out.includes(chain)) out.push(chain);
  return out;
}

/** A deploy target's result for one source document (see `builtFrom`). */
export interface BuiltFromTarget {
  readonly target: DeployTarget;
  readonly analysed: boolean;
  readonly resource: BuiltFrom;
}

/**
 * What each kustomize deploy target makes of the source document at `file:line` (a base
 * resource or a generator entry): per target, the resource it built from the nearest
 * document starting at or above the line. Targets that do not build the file are left out.
 */
export function builtFrom(
  analysis: { readonly deployTargets: { readonly outcomes: readonly TargetOutcome[] } },
  file: string,
  line: number,
): BuiltFromTarget[] {
  const out: BuiltFromTarget[] = [];
  for (const outcome of analysis.deployTargets.outcomes) {
    let best: BuiltFrom | undefined;
    for (const r of outcome.resources) {
      if (r.origin.file !== file || r.origin.line > line) continue;
      if (!best || r.origin.line > best.origin.line) best = r;
    }
    if (best) out.push({ target: outcome.target, analysed: outcome.analysed, resource: best });
  }
  return out;
}

type WithOutcomes = { readonly deployTargets: { readonly outcomes: readonly TargetOutcome[] } };

interface IndexedValueSpan {
  readonly span: TemplateValueSpan;
  readonly resource: BuiltFrom;
  readonly outcome: TargetOutcome;
}

/** Every Helm value span of every target's build, by template `file:line` of its action. */
function templateValueIndex(analysis: WithOutcomes): ReadonlyMap<string, readonly IndexedValueSpan[]> {
  return memo(analysis, 'templateValueIndex', () => {
    const index = new Map<string, IndexedValueSpan[]>();
    // Analysed targets first, so their answers lead.
    const outcomes = [...analysis.deployTargets.outcomes].sort(
      (a, b) => Number(b.analysed) - Number(a.analysed),
    );
    for (const outcome of outcomes)
      for (const resource of outcome.resources)
        for (const span of resource.values ?? []) {
          const key = `${span.template.file}:${span.template.line}`;
          let list = index.get(key);
          if (!list) index.set(key, (list = []));
          list.push({ span, resource, outcome });
        }
    return index;
  });
}

/** One rendering of a template action that printed values. */
export interface TemplateValue {
  /** The chart whose build printed it, and whether that build is analysed. */
  readonly target: DeployTarget;
  readonly analysed: boolean;
  /** The manifest it is in (kind, namespace, name) and its line there. */
  readonly resource: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly manifestLine: number;
  /** What the action printed (on that manifest line). */
  readonly rendered: string;
  /** The action: template file (workspace path), 1-based line and column of its pipeline. */
  readonly template: { readonly file: string; readonly line: number; readonly column: number };
  /** Where the values it printed were set: values file lines, or --set flags. */
  readonly values: readonly ValueRef[];
}

/**
 * The values a template action at `file:line:column` (1-based) printed: every rendering of
 * the action under the cursor (a range prints it once per item), analysed charts first. The
 * action is the nearest one starting at or before the column (the cursor may sit on `{{`).
 */
export function templateValueAt(
  analysis: WithOutcomes,
  file: string,
  line: number,
  column: number,
): TemplateValue[] {
  const spans = templateValueIndex(analysis).get(`${file}:${line}`) ?? [];
  let start = -1;
  for (const { span } of spans) {
    const c = span.template.column;
    // `{{- ` before the pipeline's first token belongs to the action too.
    if (c <= column + 4 && c > start) start = c;
  }
  if (start < 0) return [];
  const out: TemplateValue[] = [];
  const seen = new Set<string>();
  for (const { span, resource, outcome } of spans) {
    if (span.template.column !== start) continue;
    const key = `${outcome.target.file}\n${resource.kind}/${resource.namespace}/${resource.name}\n${span.line}:${span.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      target: outcome.target,
      analysed: outcome.analysed,
      resource: { kind: resource.kind, namespace: resource.namespace, name: resource.name },
      manifestLine: span.line,
      rendered: span.text,
      template: span.template,
      values: span.values,
    });
  }
  return out;
}

/** How a values origin reads in a message: `values-prod.yaml:4 (service.port)`, `--set a=1`. */
export function valueRefText(v: ValueRef): string {
  if (v.flag !== undefined) return v.flag;
  return `${v.file ?? 'values'}${v.line !== undefined ? `:${v.line}` : ''} (${v.path})`;
}

/**
 * Related information for a finding on a Helm template line: where the values printed on
 * that line (by the analysed charts) were set — a values file line, or the --set flag (then
 * at the finding's own place).
 */
export function valuesRelated(analysis: WithOutcomes, range: SourceRange): RelatedInformation[] {
  const spans = templateValueIndex(analysis).get(`${range.file}:${range.line}`);
  if (spans === undefined) return [];
  const out: RelatedInformation[] = [];
  const seen = new Set<string>();
  for (const { span, outcome } of spans) {
    if (!outcome.analysed) continue;
    for (const v of span.values) {
      const text = valueRefText(v);
      if (seen.has(text)) continue;
      seen.add(text);
      const key = v.path.slice(Math.max(v.path.lastIndexOf('.'), v.path.lastIndexOf(']')) + 1);
      const at: SourceRange =
        v.file !== undefined && v.line !== undefined
          ? {
              file: v.file,
              line: v.line,
              column: v.column ?? 1,
              endLine: v.line,
              endColumn: (v.column ?? 1) + Math.max(1, key.length),
            }
          : range;
      out.push({ range: at, message: `value from ${text}` });
    }
  }
  // A line printed once per item of a long list names the first few.
  return out.slice(0, 5);
}

/**
 * The findings that lie in one Service's document (selector matching no pods, a targetPort no
 * container declares…): what the panel shows beside a REJECT or DROP to explain it.
 */
export function serviceFindings(analysis: ClusterState, service: ServiceState): Diagnostic[] {
  const s = service.source;
  const before = (l: number, c: number, l2: number, c2: number): boolean => l < l2 || (l === l2 && c <= c2);
  return analysis.diagnostics.filter(
    (d) =>
      d.range.file === s.file &&
      before(s.line, s.column, d.range.line, d.range.column) &&
      before(d.range.endLine, d.range.endColumn, s.endLine, s.endColumn),
  );
}
