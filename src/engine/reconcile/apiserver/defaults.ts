// What happens between decoding and validation on create: v1 defaulting
// (pkg/apis/core/v1/defaults.go SetDefaults_Service) and the registry's
// normalizeClusterIPs (a lone `clusterIP` seeds `clusterIPs`).
import type { V1Service } from './decode';

export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

/** service.ExternallyAccessible. */
export function externallyAccessible(type: string, externalIPs: readonly string[]): boolean {
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
}

/** Returns a defaulted copy; the input is left as decoded. */
export function setDefaultsService(input: V1Service): V1Service {
  const spec = { ...input.spec, ports: input.spec.ports.map((p) => ({ ...p })) };
  if (spec.sessionAffinity === '') spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') spec.sessionAffinityConfig = null;
  if (spec.sessionAffinity === 'ClientIP') {
    if (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
  if (spec.type === '') spec.type = 'ClusterIP';
  for (const port of spec.ports) {
    if (port.protocol === '') port.protocol = 'TCP';
    if (port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec.type, spec.externalIPs) && spec.externalTrafficPolicy === '') {
    spec.externalTrafficPolicy = 'Cluster';
  }
  if (spec.internalTrafficPolicy === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') {
      spec.internalTrafficPolicy = 'Cluster';
    }
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === null) {
    spec.allocateLoadBalancerNodePorts = true;
  }
  // normalizeClusterIPs on create: an old-style client sets only the singular field.
  if (spec.clusterIP !== '' && spec.clusterIPs.length === 0) spec.clusterIPs = [spec.clusterIP];
  return { ...input, spec };
}
