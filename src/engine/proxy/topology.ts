// pkg/proxy/topology.go CategorizeEndpoints: which endpoints serve Cluster and
// Local traffic policy on this node, with topology hints and the fallback to
// serving-terminating endpoints.
import type { Labels } from '../model';
import type { EndpointInfo } from './endpoints';
import { compareStrings } from './endpoints';
import type { ServicePortInfo } from './servicePort';
import { usesClusterEndpoints, usesLocalEndpoints } from './servicePort';

export interface CategorizedEndpoints {
  clusterEndpoints: EndpointInfo[];
  localEndpoints: EndpointInfo[];
  /** Every endpoint this node may DNAT to: it gets a KUBE-SEP chain. */
  allReachableEndpoints: EndpointInfo[];
  /** Whether the Service has usable endpoints anywhere in the cluster. */
  hasAnyEndpoints: boolean;
}

type TopologyMode = '' | 'PreferSameNode' | 'PreferSameZone';

const zoneLabel = 'topology.kubernetes.io/zone';

export function categorizeEndpoints(
  endpoints: readonly EndpointInfo[],
  svc: ServicePortInfo,
  nodeName: string,
  nodeLabels: Labels,
  preferSameTrafficDistribution: boolean,
): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  let topologyMode: TopologyMode = '';

  if (usesClusterEndpoints(svc)) {
    const zone = nodeLabels[zoneLabel] ?? '';
    topologyMode = topologyModeFromHints(endpoints, nodeName, zone, preferSameTrafficDistribution);
    clusterEndpoints = endpoints.filter(
      (ep) => ep.ready && availableForTopology(ep, topologyMode, nodeName, zone),
    );
    // No ready endpoint anywhere: fall back to the ones still serving while terminating.
    if (clusterEndpoints.length === 0)
      clusterEndpoints = endpoints.filter((ep) => ep.serving && ep.terminating);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }

  if (!usesLocalEndpoints(svc)) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };
  }

  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalServingTerminating = true;
    }
  }

  let useServingTerminating = false;
  if (hasLocalReady) {
    localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  } else if (hasLocalServingTerminating) {
    useServingTerminating = true;
    localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.serving && ep.terminating);
  }

  if (!usesClusterEndpoints(svc)) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  }
  if (topologyMode === '' && !useServingTerminating) {
    // clusterEndpoints is then a superset of localEndpoints.
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };
  }
  // Upstream unions through a map (random order); endpoint order keeps us deterministic.
  const union = new Map<string, EndpointInfo>();
  for (const ep of [...clusterEndpoints, ...localEndpoints]) union.set(ep.endpoint, ep);
  const allReachableEndpoints = [...union.values()].sort((a, b) => compareStrings(a.endpoint, b.endpoint));
  return { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints };
}

function topologyModeFromHints(
  endpoints: readonly EndpointInfo[],
  nodeName: string,
  zone: string,
  preferSameTrafficDistribution: boolean,
): TopologyMode {
  let hasEndpointForNode = false;
  let allHaveNodeHints = true;
  let hasEndpointForZone = false;
  let allHaveZoneHints = true;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    if (ep.nodeHints.size === 0) allHaveNodeHints = false;
    else if (ep.nodeHints.has(nodeName)) hasEndpointForNode = true;
    if (ep.zoneHints.size === 0) allHaveZoneHints = false;
    else if (ep.zoneHints.has(zone)) hasEndpointForZone = true;
  }
  if (preferSameTrafficDistribution && allHaveNodeHints && hasEndpointForNode) return 'PreferSameNode';
  if (allHaveZoneHints && hasEndpointForZone) return 'PreferSameZone';
  return '';
}

function availableForTopology(ep: EndpointInfo, mode: TopologyMode, nodeName: string, zone: string): boolean {
  switch (mode) {
    case '':
      return true;
    case 'PreferSameNode':
      return ep.nodeHints.has(nodeName);
    case 'PreferSameZone':
      return ep.zoneHints.has(zone);
  }
}
