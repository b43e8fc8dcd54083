// The per-port view kube-proxy keeps of a Service (pkg/proxy/serviceport.go
// newBaseServiceInfo, servicechangetracker.go): one entry per Service port of the
// proxier's IP family, with addresses filtered and normalised the way kube-proxy does.
import type { Protocol, Service } from '../model';
import type { IPFamily } from '../net/ip';
import { formatCIDR } from '../net/ip';
import { flat } from '../util/flat';
import { familyOf, normalizeFor, parseCIDRFor } from './addresses';

export interface ServicePortInfo {
  namespace: string;
  serviceName: string;
  portName: string;
  protocol: Protocol;
  /** ServicePortName.String(): `ns/name[:port]`; comments and chain hashes use it. */
  nameString: string;
  /** ServicePortName including the protocol: the key shared with the endpoints map. */
  key: string;
  clusterIP: string;
  port: number;
  /** 0 = none. */
  nodePort: number;
  sessionAffinityClientIP: boolean;
  stickyMaxAgeSeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  externalIPs: string[];
  /** Canonical CIDRs; empty when unset or when one of them is a zero CIDR ("allow all"). */
  loadBalancerSourceRanges: string[];
  loadBalancerVIPs: string[];
  /** 0 = none; only set for LoadBalancer Services with externalTrafficPolicy Local. */
  healthCheckNodePort: number;
}

export function servicePortKey(
  namespace: string,
  name: string,
  portName: string,
  protocol: Protocol,
): string {
  return flat(`${namespace}/${name}:${portName}/${protocol}`);
}

export function servicePortNameString(namespace: string, name: string, portName: string): string {
  return flat(portName === '' ? `${namespace}/${name}` : `${namespace}/${name}:${portName}`);
}

export function externallyAccessible(svc: ServicePortInfo): boolean {
  return svc.nodePort !== 0 || svc.loadBalancerVIPs.length > 0 || svc.externalIPs.length > 0;
}

/** Cluster endpoints are needed for Cluster internal policy, or for the short-circuit of external traffic. */
export function usesClusterEndpoints(svc: ServicePortInfo): boolean {
  return !svc.internalPolicyLocal || externallyAccessible(svc);
}

export function usesLocalEndpoints(svc: ServicePortInfo): boolean {
  return svc.internalPolicyLocal || (svc.externalPolicyLocal && externallyAccessible(svc));
}

export interface ServicePortMapOptions {
  family: IPFamily;
  /** LoadBalancerIPMode feature (GA in 1.32): ingress with ipMode Proxy is not a VIP. */
  loadBalancerIPMode: boolean;
}

function clusterIPForFamily(service: Service, family: IPFamily): string {
  const candidates = service.clusterIPs.length > 0 ? service.clusterIPs : [service.clusterIP];
  return candidates.find((ip) => familyOf(ip) === family) ?? '';
}

function shouldSkipService(service: Service): boolean {
  return (
    service.type === 'ExternalName' ||
    service.clusterIP === '' ||
    service.clusterIP === 'None' ||
    service.clusterIPs[0] === 'None'
  );
}

/** Builds the service port map (ServicePortMap) for one IP family. */
export function buildServicePortMap(
  services: readonly Service[],
  options: ServicePortMapOptions,
): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const service of services) {
    if (shouldSkipService(service)) continue;
    const rawClusterIP = clusterIPForFamily(service, options.family);
    if (rawClusterIP === '') continue;
    const family = options.family;
    const clusterIP = normalizeFor(family, rawClusterIP);
    if (clusterIP === null) continue;
    const { namespace, name } = service.metadata;
    const externalPolicyLocal =
      (service.type === 'NodePort' || service.type === 'LoadBalancer') &&
      service.externalTrafficPolicy === 'Local';
    const internalPolicyLocal = service.internalTrafficPolicy === 'Local';
    const externalIPs = service.externalIPs.flatMap((ip) => normalizeFor(family, ip) ?? []);
    const ranges = service.loadBalancerSourceRanges.flatMap((r) => parseCIDRFor(family, r) ?? []);
    const loadBalancerSourceRanges = ranges.some((r) => r.prefix === 0) ? [] : ranges.map(formatCIDR);
    const loadBalancerVIPs = service.status.loadBalancer.ingress.flatMap((ing) => {
      if (!ing.ip) return [];
      if (options.loadBalancerIPMode && ing.ipMode === 'Proxy') return [];
      return normalizeFor(family, ing.ip) ?? [];
    });
    const needsHealthCheck = service.type === 'LoadBalancer' && externalPolicyLocal;
    for (const port of service.ports) {
      out.push({
        namespace,
        serviceName: name,
        portName: port.name,
        protocol: port.protocol,
        nameString: servicePortNameString(namespace, name, port.name),
        key: servicePortKey(namespace, name, port.name, port.protocol),
        clusterIP,
        port: port.port,
        nodePort: port.nodePort,
        sessionAffinityClientIP: service.sessionAffinity === 'ClientIP',
        stickyMaxAgeSeconds:
          service.sessionAffinity === 'ClientIP' ? service.sessionAffinityTimeoutSeconds : 0,
        externalPolicyLocal,
        internalPolicyLocal,
        externalIPs,
        loadBalancerSourceRanges,
        loadBalancerVIPs,
        healthCheckNodePort: needsHealthCheck ? service.healthCheckNodePort : 0,
      });
    }
  }
  return out;
}
