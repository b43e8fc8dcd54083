// The questions a front end asks of an analysis, answered from the engine's own models and
// memoised per analysis (an analysis is an immutable snapshot: an answer never goes stale).
import type { ClusterState, RequestPath, ServiceState } from './model';
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
