// The endpoints map kube-proxy builds from EndpointSlices (pkg/proxy/endpointslicecache.go):
// per ServicePortName, one entry per unique `ip:port`, sorted by that string.
import type { EndpointSlice } from '../model';
import type { IPFamily } from '../net/ip';
import { flat } from '../util/flat';
import { joinHostPort, normalizeFor } from './addresses';
import { servicePortKey } from './servicePort';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** `ip:port`, as net.JoinHostPort prints it: the sort key, the comment and part of the SEP hash. */
  endpoint: string;
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  zoneHints: ReadonlySet<string>;
  nodeHints: ReadonlySet<string>;
}

export interface EndpointsMapOptions {
  family: IPFamily;
  nodeName: string;
  /** PreferSameTrafficDistribution feature: node hints are honoured (beta, on by default from 1.34). */
  preferSameTrafficDistribution: boolean;
}

const noHints: ReadonlySet<string> = new Set();

/** Map from ServicePortName key (see servicePortKey) to its endpoints. */
export function buildEndpointsMap(
  slices: readonly EndpointSlice[],
  options: EndpointsMapOptions,
): Map<string, EndpointInfo[]> {
  // Per port, every endpoint as read (duplicates resolved below): arrays, not a Map per port.
  const byPort = new Map<string, EndpointInfo[]>();
  // Upstream walks a map of slices (random order); slice name order keeps us deterministic.
  const keyed = slices.map((slice) => ({ slice, key: sliceKey(slice) }));
  keyed.sort((a, b) => compareStrings(a.key, b.key));
  for (const { slice } of keyed) {
    if (slice.addressType !== options.family || slice.serviceName === '') continue;
    for (const port of slice.ports) {
      if (port.port === null || port.port === 0) continue;
      const key = servicePortKey(slice.metadata.namespace, slice.serviceName, port.name, port.protocol);
      let list = byPort.get(key);
      if (!list) {
        list = [];
        byPort.set(key, list);
      }
      for (const ep of slice.endpoints) {
        const first = ep.addresses[0];
        if (first === undefined) continue;
        const ip = normalizeFor(options.family, first);
        if (ip === null) continue;
        const ready = ep.conditions.ready ?? true;
        const serving = ep.conditions.serving ?? true;
        const terminating = ep.conditions.terminating ?? false;
        const info: EndpointInfo = {
          ip,
          port: port.port,
          endpoint: flat(joinHostPort(ip, port.port)),
          isLocal: options.nodeName !== '' && ep.nodeName === options.nodeName,
          ready,
          serving,
          terminating,
          zoneHints: ep.hints && ep.hints.forZones.length > 0 ? new Set(ep.hints.forZones) : noHints,
          nodeHints:
            ep.hints && ep.hints.forNodes.length > 0 && options.preferSameTrafficDistribution
              ? new Set(ep.hints.forNodes)
              : noHints,
        };
        list.push(info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, list] of byPort) {
    if (list.length === 0) continue;
    // Stable: the entries for one ip:port stay in the order they were read.
    list.sort((a, b) => compareStrings(a.endpoint, b.endpoint));
    out.set(key, withoutDuplicates(list));
  }
  return out;
}

/**
 * One entry per ip:port, from entries sorted by it (stably): the last one not terminating,
 * else the first — a running pod wins over a terminating one that still holds the same IP.
 */
function withoutDuplicates(sorted: EndpointInfo[]): EndpointInfo[] {
  let duplicates = false;
  for (let i = 1; i < sorted.length && !duplicates; i++)
    duplicates = sorted[i]?.endpoint === sorted[i - 1]?.endpoint;
  if (!duplicates) return sorted;
  const out: EndpointInfo[] = [];
  for (let i = 0; i < sorted.length;) {
    const first = sorted[i] as EndpointInfo;
    let chosen = first;
    let j = i + 1;
    for (; j < sorted.length && sorted[j]?.endpoint === first.endpoint; j++) {
      const next = sorted[j] as EndpointInfo;
      if (!next.terminating) chosen = next;
    }
    out.push(chosen);
    i = j;
  }
  return out;
}

function sliceKey(slice: EndpointSlice): string {
  return `${slice.metadata.namespace}/${slice.serviceName}/${slice.metadata.name}`;
}

/** Go's string order (byte-wise; equal to UTF-16 order for the ASCII kube-proxy writes). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
