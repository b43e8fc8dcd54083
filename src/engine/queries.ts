// The questions a front end asks of an analysis, answered from the engine's own models and
// memoised per analysis (an analysis is an immutable snapshot: an answer never goes stale).
import type { BuiltFrom, DeployTarget, TargetOutcome } from './deployment';
import type { ClusterState, Diagnostic, RequestPath, ServiceState } from './model';
import { chainsOfNode } from './proxy/iptables';
import { servicePortKey as proxyPortKey } from './proxy/servicePort';
import type { TraceableState } from './trace/request';
import { requestPath as traceRequestPath } from './trace/requestPath';
import type { RequestPathQuery } from './trace/requestPath';
import { memo } from './util/memo';

export { defaultEntry, entryPoints } from './trace/requestPath';
export type { RequestPathQuery } from './trace/requestPath';

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
export function requestPath(analysis: TraceableState, query: RequestPathQuery): RequestPath {
  const key = `requestPath:${serviceKey(analysis, query.service)}:${portKey(query.port)}:${query.entry}:${query.node ?? ''}`;
  return memo(analysis, key, () => traceRequestPath(analysis, query));
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

/** The KUBE-* chains that carry one Service port on a node (iptables mode). */
export function portChains(
  analysis: ClusterState,
  service: ServiceState,
  portIndex: number,
  node: string,
): readonly string[] {
  const port = service.service.ports[portIndex];
  if (!port) return [];
  const { namespace, name } = service.service.metadata;
  return chainsOfNode(analysis, node).get(proxyPortKey(namespace, name, port.name, port.protocol)) ?? [];
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
