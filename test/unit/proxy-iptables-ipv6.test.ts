// The IPv6 proxier (ip6tables): which Services and slices it takes, what differs from the
// IPv4 proxier (no localhost NodePorts, `! -d ::1/128`, no KUBE-FIREWALL), and the
// ip6tables-save form (addr/128, icmp6-port-unreachable, the 128-bit recent mask) as
// ip6tables-save v1.8.9 printed the same rules back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iptablesSaveView, syncProxyRules } from '../../src/engine/proxy/iptables';
import type { FixtureService, FixtureSlice } from './proxyFixtures';
import { fakeNode, loadFixture, toService, toSlice } from './proxyFixtures';
import type { FakeProxier } from './proxyFixtures';

const fake = loadFixture<{ fakeProxier: FakeProxier }>('TestNodePorts').fakeProxier;

function service(name: string, clusterIPs: string[], extra: Partial<FixtureService> = {}) {
  const base: FixtureService = {
    namespace: 'ns1',
    name,
    type: 'NodePort',
    clusterIP: clusterIPs[0] ?? '',
    ports: [{ name: 'p80', protocol: 'TCP', port: 80, targetPort: null, nodePort: 3001 }],
    externalIPs: [],
    loadBalancerIngress: [],
    externalTrafficPolicy: null,
    internalTrafficPolicy: null,
    sessionAffinity: null,
    sessionAffinityTimeoutSeconds: null,
    loadBalancerSourceRanges: [],
    healthCheckNodePort: null,
    selector: null,
    ...extra,
  };
  const svc = toService(base);
  return { ...svc, clusterIPs, ipFamilies: clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')) };
}

function slice(name: string, addressType: 'IPv4' | 'IPv6', ips: string[]) {
  const s: FixtureSlice = {
    namespace: 'ns1',
    serviceName: name,
    name: `${name}-${addressType.toLowerCase()}`,
    addressType,
    ports: [{ name: 'p80', port: 80, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({
      addresses: [ip],
      nodeName: null,
      ready: null,
      serving: null,
      terminating: null,
    })),
  };
  return toSlice(s);
}

const input = {
  services: [
    service('dual', ['172.30.0.41', 'fd00:172:30::41'], { sessionAffinity: 'ClientIP' }),
    service('v4only', ['172.30.0.42']),
    service('v6empty', ['fd00:172:30::43']),
  ],
  endpointSlices: [
    slice('dual', 'IPv4', ['10.180.0.1']),
    slice('dual', 'IPv6', ['fd00:10:180::1']),
    slice('v4only', 'IPv4', ['10.180.0.2']),
  ],
};

void describe('iptables: the IPv6 proxier', () => {
  const node = fakeNode(fake, { localDetectorCIDR: 'fd00:10::/64', localhostNodePorts: true });
  const v6 = syncProxyRules(input, node, { ipFamily: 'IPv6' });
  const v4 = syncProxyRules(input, fakeNode(fake), { ipFamily: 'IPv4' });

  void it('takes each family its own cluster IPs and slices', () => {
    assert.deepEqual(
      v6.servicePorts.map((p) => p.name),
      ['dual', 'v6empty'],
    );
    assert.deepEqual(
      v4.servicePorts.map((p) => p.name),
      ['dual', 'v4only'],
    );
    assert.ok(v6.restoreInput.includes('-j DNAT --to-destination [fd00:10:180::1]:80'));
    assert.ok(!v6.restoreInput.includes('10.180.0.1'));
    assert.ok(v4.restoreInput.includes('-j DNAT --to-destination 10.180.0.1:80'));
    assert.ok(!v4.restoreInput.includes('fd00:'));
  });

  void it('serves no localhost NodePorts and keeps ::1 out of KUBE-NODEPORTS', () => {
    assert.ok(!v6.restoreInput.includes('KUBE-FIREWALL'));
    assert.ok(!v6.restoreInput.includes('127.0.0.0/8'));
    assert.ok(
      v6.restoreInput.includes(
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS',
      ),
    );
  });

  void it('is saved the way ip6tables-save prints it', () => {
    const save = iptablesSaveView(v6);
    assert.equal(iptablesSaveView(v6.restoreInput, 'IPv6'), save);
    const lines = save.split('\n');
    const has = (line: string) => assert.ok(lines.includes(line), `missing: ${line}`);
    has(
      '-A KUBE-SERVICES -d fd00:172:30::43/128 -p tcp -m comment --comment "ns1/v6empty:p80 has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable',
    );
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith('-A KUBE-SEP-') &&
          l.includes(' -m recent --set --name KUBE-SEP-') &&
          l.endsWith(
            ' --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -m tcp -j DNAT --to-destination [fd00:10:180::1]:80',
          ),
      ),
    );
    assert.ok(lines.some((l) => /^-A KUBE-SEP-\w+ -s fd00:10:180::1\/128 -m comment/.test(l)));
    assert.ok(
      lines.some(
        (l) =>
          l.startsWith('-A KUBE-SVC-') &&
          l.startsWith('-A KUBE-SVC-') &&
          l.includes('! -s fd00:10::/64 -d fd00:172:30::41/128 -p tcp'),
      ),
    );
    // The kubelet creates KUBE-FIREWALL for IPv4 only.
    assert.ok(!save.includes('KUBE-FIREWALL -'));
    assert.ok(!save.includes('-j KUBE-FIREWALL'));
    assert.ok(iptablesSaveView(v4).includes('-A INPUT -j KUBE-FIREWALL'));
  });
});
