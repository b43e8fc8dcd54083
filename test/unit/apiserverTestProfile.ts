// A cluster profile for the API-server tests: the brief's defaults, nothing else.
import type { ClusterProfile } from '../../src/engine/model';

export function testProfile(overrides: Partial<ClusterProfile> = {}): ClusterProfile {
  return {
    serviceCIDR: '10.96.0.0/16',
    podCIDR: '10.244.0.0/16',
    clusterDomain: 'cluster.local',
    nodePortRange: { min: 30000, max: 32767 },
    nodes: [],
    kubeProxy: {
      mode: 'iptables',
      clusterCIDR: '10.244.0.0/16',
      masqueradeAll: false,
      masqueradeBit: 14,
      localhostNodePorts: true,
      nodePortAddresses: [],
      randomFully: true,
      conntrackTCPBeLiberal: false,
    },
    kubernetesVersion: '1.33',
    cloud: { provider: 'generic', loadBalancerIPPool: '203.0.113.0/24', region: '' },
    source: null,
    ...overrides,
  };
}
