// Upstream proxier_test fixtures as a user would write them: Services and
// EndpointSlices as manifests, the fake node as a kubepath cluster profile.
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';

/** Settings a sub-case changes on the fake proxier. */
export interface NodeOverrides {
  localhostNodePorts?: boolean;
  nodePortAddresses?: string[];
  /** '' = no local-traffic detector. */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  mode?: 'iptables' | 'nftables' | 'ipvs';
  kubernetesVersion?: string;
  /** A dual-stack cluster (IPv6 service and pod ranges, the fake's IPv6 node IPs), for the IPv6 sub-cases. */
  dualStack?: boolean;
}

/**
 * Fixture → manifest. Adaptations, none visible to kube-proxy: the LB ingress IP is also
 * written as spec.loadBalancerIP (what the generic cloud controller assigns); a NodePort Service
 * the fake left without a nodePort is written as ClusterIP (the API server would allocate
 * one), and healthCheckNodePort is only written where the API server accepts it (LB + Local).
 */
export function serviceManifest(s: FixtureService): object {
  const type =
    s.type === 'NodePort' && s.ports.every((p) => p.nodePort === null)
      ? 'ClusterIP'
      : (s.type ?? 'ClusterIP');
  const spec: Record<string, unknown> = {
    type,
    clusterIP: s.clusterIP,
    ports: s.ports.map((p) => ({
      name: p.name,
      protocol: p.protocol,
      port: p.port,
      ...(p.targetPort !== null ? { targetPort: p.targetPort } : {}),
      ...(p.nodePort !== null ? { nodePort: p.nodePort } : {}),
    })),
  };
  if (s.externalIPs.length > 0) spec['externalIPs'] = s.externalIPs;
  if (s.externalTrafficPolicy) spec['externalTrafficPolicy'] = s.externalTrafficPolicy;
  if (s.internalTrafficPolicy) spec['internalTrafficPolicy'] = s.internalTrafficPolicy;
  if (s.sessionAffinity) spec['sessionAffinity'] = s.sessionAffinity;
  if (s.sessionAffinity === 'ClientIP') {
    spec['sessionAffinityConfig'] = {
      clientIP: { timeoutSeconds: s.sessionAffinityTimeoutSeconds ?? 10800 },
    };
  }
  if (s.loadBalancerSourceRanges.length > 0) spec['loadBalancerSourceRanges'] = s.loadBalancerSourceRanges;
  if (s.healthCheckNodePort !== null && s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local') {
    spec['healthCheckNodePort'] = s.healthCheckNodePort;
  }
  if (s.selector) spec['selector'] = s.selector;
  // The decoder does not read status yet; the cloud controller honours loadBalancerIP.
  const lbIP = s.loadBalancerIngress[0]?.ip;
  if (s.type === 'LoadBalancer' && lbIP !== undefined) spec['loadBalancerIP'] = lbIP;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: s.namespace, name: s.name },
    spec,
    ...(s.loadBalancerIngress.length > 0
      ? { status: { loadBalancer: { ingress: s.loadBalancerIngress } } }
      : {}),
  };
}

export function sliceManifest(s: FixtureSlice): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: s.namespace,
      name: s.name,
      labels: { 'kubernetes.io/service-name': s.serviceName },
    },
    addressType: s.addressType,
    ports: s.ports.map((p) => ({
      ...(p.name !== null ? { name: p.name } : {}),
      port: p.port,
      protocol: p.protocol,
    })),
    endpoints: s.endpoints.map((e) => {
      const conditions: Record<string, boolean> = {};
      if (e.ready !== null) conditions['ready'] = e.ready;
      if (e.serving !== null) conditions['serving'] = e.serving;
      if (e.terminating !== null) conditions['terminating'] = e.terminating;
      return { addresses: e.addresses, conditions, ...(e.nodeName !== null ? { nodeName: e.nodeName } : {}) };
    }),
  };
}

export function profileYaml(fake: FakeProxier, overrides: NodeOverrides = {}): string {
  const dual = overrides.dualStack === true;
  const ips = dual ? fake.nodeIPs : fake.nodeIPs.filter((ip) => !ip.includes(':'));
  return [
    'apiVersion: kubepath.dev/v1alpha1',
    'kind: ClusterProfile',
    // Upstream's IPv6 conventions: ClusterIPs fd00:172:30::/112-ish, pod IPs fd00:10::/… (testPodCIDRv6).
    dual ? 'serviceCIDR: "172.30.0.0/16,fd00:172:30::/112"' : 'serviceCIDR: 172.30.0.0/16',
    dual ? 'podCIDR: "10.0.0.0/8,fd00:10::/48"' : 'podCIDR: 10.0.0.0/8',
    // The fixtures use nodePorts like 3001 (the fake has no allocator).
    'nodePortRange: 3000-32767',
    'nodes:',
    `  - { name: ${fake.nodeName}, ips: [${ips.join(', ')}] }`,
    'kubeProxy:',
    `  mode: ${overrides.mode ?? 'iptables'}`,
    `  clusterCIDR: "${overrides.clusterCIDR ?? fake.localDetector.cidr}"`,
    `  masqueradeAll: ${overrides.masqueradeAll ?? fake.masqueradeAll}`,
    // The fake proxier writes the literal mark 0x4000 (kube-proxy itself renders 1<<14 as 0x00004000).
    `  masqueradeMark: "${fake.masqueradeMark}"`,
    `  localhostNodePorts: ${overrides.localhostNodePorts ?? fake.localhostNodePorts}`,
    `  nodePortAddresses: [${(overrides.nodePortAddresses ?? []).join(', ')}]`,
    `  randomFully: ${fake.hasRandomFully}`,
    `  conntrackTCPBeLiberal: ${fake.conntrackTCPLiberal}`,
    `kubernetesVersion: "${overrides.kubernetesVersion ?? '1.33'}"`,
    'cloud: { provider: generic, loadBalancerIPPool: 203.0.113.0/24 }',
    '',
  ].join('\n');
}
