// Upstream proxier_test.go cases (test/fixtures/conformance/iptables) through the
// engine: restore input, canonical order (sortIPTablesRules), byte-for-byte.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SyncOptions } from '../../src/engine/proxy/iptables';
import {
  computeProbability,
  parseIptablesDump,
  sortIPTablesRules,
  syncProxyRules,
} from '../../src/engine/proxy/iptables';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import { chainRules, fakeNode, fixtureDir, loadFixture, toService, toSlice } from './proxyFixtures';

interface Base {
  fakeProxier: FakeProxier;
  services?: FixtureService[];
  endpointSlices?: FixtureSlice[];
  expectedIptablesSave?: string | null;
}

function input(services: FixtureService[] = [], slices: FixtureSlice[] = []) {
  return { services: services.map(toService), endpointSlices: slices.map(toSlice) };
}

/** assertIPTablesRulesEqual: expected left-trimmed, actual canonically sorted. */
function assertDump(actual: string, expected: string): void {
  assert.equal(sortIPTablesRules(actual), expected.replace(/^[ \t\n]+/, ''));
}

/** Chains that exist after restoring `restoreInput` on top of `before` (NoFlushTables). */
function natChainsAfter(before: Set<string>, restoreInput: string): Set<string> {
  const after = new Set(before);
  for (const t of parseIptablesDump(restoreInput)) {
    if (t.name !== 'nat') continue;
    for (const c of t.chains) {
      if (c.deleted) after.delete(c.name);
      else after.add(c.name);
    }
  }
  return after;
}

void describe('conformance: iptables corpus files', () => {
  void it('every fixture file is covered by this suite', () => {
    const covered = [
      'TestOverallIPTablesRules',
      'TestSyncProxyRulesRepeated',
      'TestSyncProxyRulesLargeClusterMode',
      'TestDropInvalidRule',
      'TestMasqueradeRule',
      'TestNodePorts',
      'TestLoadBalancerIngressRouteTypeProxy',
      'TestComputeProbability',
      // Packet-flow-only cases: traced by src/engine/trace; here they must at least generate.
      'TestClusterIPGeneral',
      'TestExternalTrafficPolicyLocal',
      'TestHealthCheckNodePort',
      'TestInternalExternalMasquerade',
      'TestLoadBalancer',
      'TestNoEndpointsReject',
      'TestTerminatingEndpointsTrafficPolicyLocal',
      'TestTracePacket',
    ];
    const files = readdirSync(fixtureDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual(files.sort(), [...covered].sort());
  });
});

void describe('conformance: TestOverallIPTablesRules (full dump)', () => {
  const f = loadFixture<Base>('TestOverallIPTablesRules');
  void it('restore input matches upstream byte for byte after sortIPTablesRules', () => {
    const out = syncProxyRules(input(f.services, f.endpointSlices), fakeNode(f.fakeProxier));
    assertDump(out.restoreInput, f.expectedIptablesSave ?? '');
  });
});

void describe('conformance: TestSyncProxyRulesRepeated (full then partial syncs)', () => {
  interface Step {
    step: number;
    action: string;
    servicesAfter: FixtureService[];
    endpointSlicesAfter: FixtureSlice[];
    fullSync: boolean;
    expectedIptablesSave: string;
  }
  const f = loadFixture<Base & { steps: Step[] }>('TestSyncProxyRulesRepeated');
  const node = fakeNode(f.fakeProxier);
  let existing = new Set<string>();
  let prevServices = new Map<string, string>();
  let prevSlices = new Map<string, string>();
  for (const step of f.steps) {
    void it(`step ${step.step}: ${step.action}`, () => {
      const services = new Map(
        step.servicesAfter.map((s) => [`${s.namespace}/${s.name}`, JSON.stringify(s)]),
      );
      const slices = new Map<string, string>();
      for (const s of step.endpointSlicesAfter) {
        const key = `${s.namespace}/${s.serviceName}`;
        slices.set(key, (slices.get(key) ?? '') + JSON.stringify(s));
      }
      // UpdatedServices of the service and endpoint change trackers.
      const updated = new Set<string>();
      for (const key of new Set([
        ...services.keys(),
        ...prevServices.keys(),
        ...slices.keys(),
        ...prevSlices.keys(),
      ])) {
        if (services.get(key) !== prevServices.get(key) || slices.get(key) !== prevSlices.get(key))
          updated.add(key);
      }
      const options: SyncOptions = { existingNatChains: existing };
      if (!step.fullSync) options.updatedServices = updated;
      const out = syncProxyRules(input(step.servicesAfter, step.endpointSlicesAfter), node, options);
      assertDump(out.restoreInput, step.expectedIptablesSave);
      existing = natChainsAfter(existing, out.restoreInput);
      prevServices = services;
      prevSlices = slices;
    });
  }
});

void describe('conformance: TestSyncProxyRulesLargeClusterMode', () => {
  const f = loadFixture<Base>('TestSyncProxyRulesLargeClusterMode');
  const node = fakeNode(f.fakeProxier, { masqueradeAll: true });
  const svc = (ns: string, name: string, ip: string, port: number): FixtureService => ({
    namespace: ns,
    name,
    type: 'ClusterIP',
    clusterIP: ip,
    ports: [{ name: `p${port}`, protocol: 'TCP', port, targetPort: null, nodePort: null }],
    externalIPs: [],
    loadBalancerIngress: [],
    externalTrafficPolicy: null,
    internalTrafficPolicy: null,
    sessionAffinity: null,
    sessionAffinityTimeoutSeconds: null,
    loadBalancerSourceRanges: [],
    healthCheckNodePort: null,
    selector: null,
  });
  const slice = (ns: string, name: string, port: number, ips: string[]): FixtureSlice => ({
    namespace: ns,
    serviceName: name,
    name: `${name}-1`,
    addressType: 'IPv4',
    ports: [{ name: `p${port}`, port, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({
      addresses: [ip],
      nodeName: null,
      ready: null,
      serving: null,
      terminating: null,
    })),
  });
  const many = (second: number) =>
    Array.from({ length: 499 }, (_, i) => `10.${second}.${i % 256}.${Math.floor(i / 256)}`);
  const svc1 = svc('ns1', 'svc1', '172.30.0.41', 80);
  const svc2 = svc('ns2', 'svc2', '172.30.0.42', 8080);
  const svc3 = svc('ns3', 'svc3', '172.30.0.43', 8081);
  const svc4 = svc('ns4', 'svc4', '172.30.0.44', 8082);
  const base = [slice('ns1', 'svc1', 80, many(0)), slice('ns2', 'svc2', 8080, many(1))];
  const slice3 = slice('ns3', 'svc3', 8081, ['203.0.113.4', '203.0.113.8', '203.0.113.12']);
  const slice4 = slice('ns4', 'svc4', 8082, ['10.4.0.1']);
  const endpointLines = (text: string) =>
    text.split('\n').filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('-j DNAT'));
  const lineFor = (text: string, ip: string) =>
    endpointLines(text).find((l) => l.includes(`--to-destination ${ip}:`)) ?? '';
  let existing = new Set<string>();
  const sync = (services: FixtureService[], slices: FixtureSlice[], options: SyncOptions) => {
    const out = syncProxyRules(input(services, slices), node, { existingNatChains: existing, ...options });
    existing = natChainsAfter(existing, out.restoreInput);
    return out.restoreInput;
  };

  void it('steps 1-7: comments dropped above 1000 endpoints, stale chains kept until the cleanup period', () => {
    let text = sync([svc1, svc2, svc3], base, {});
    assert.equal(
      lineFor(text, '10.0.0.0'),
      '-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80',
    );
    assert.equal(endpointLines(text).length, 998);
    assert.equal(endpointLines(text).filter((l) => l.includes('--comment')).length, 998);

    text = sync([svc1, svc2, svc3], [...base, slice3], { updatedServices: new Set(['ns3/svc3']) });
    assert.equal(
      lineFor(text, '203.0.113.4'),
      '-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081',
    );
    assert.equal(endpointLines(text).length, 3);
    assert.equal(endpointLines(text).filter((l) => l.includes('--comment')).length, 0);

    text = sync([svc1, svc2, svc3], [...base, slice3], {});
    assert.equal(
      lineFor(text, '10.0.0.0'),
      '-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80',
    );
    assert.equal(endpointLines(text).length, 1001);
    assert.equal(endpointLines(text).filter((l) => l.includes('--comment')).length, 0);

    text = sync([svc1, svc2, svc3, svc4], [...base, slice3, slice4], {
      updatedServices: new Set(['ns4/svc4']),
    });
    assert.equal(
      lineFor(text, '10.4.0.1'),
      '-A KUBE-SEP-SU5STNODRYEWJAUF -m tcp -p tcp -j DNAT --to-destination 10.4.0.1:8082',
    );
    assert.equal(endpointLines(text).length, 1);

    text = sync([svc1, svc2, svc3], [...base, slice3, slice4], {
      updatedServices: new Set(['ns4/svc4']),
      skipStaleChainCleanup: true,
    });
    assert.equal(lineFor(text, '10.4.0.1'), '');
    assert.equal(endpointLines(text).length, 0);
    assert.equal(text.includes('-X '), false);

    text = sync([svc1, svc2, svc3], [...base, slice3, slice4], { updatedServices: new Set() });
    assert.equal(endpointLines(text).length, 0);
    assert.ok(text.includes('-X KUBE-SVC-EBDQOQU5SJFXRIL3'));
    assert.ok(text.includes('-X KUBE-SEP-SU5STNODRYEWJAUF'));

    text = sync([svc1, svc2, svc3], [...base, slice3, slice4], {});
    assert.equal(endpointLines(text).length, 1001);
  });
});

interface ChainCase {
  name: string;
  expectedChain: { table: string; chain: string; rules: string };
}

void describe('conformance: TestDropInvalidRule', () => {
  const f = loadFixture<
    Base & {
      subtests: (ChainCase & { conntrackTCPLiberal: boolean; nfAcctCounters: Record<string, boolean> })[];
    }
  >('TestDropInvalidRule');
  for (const t of f.subtests) {
    void it(t.name, () => {
      const node = fakeNode(f.fakeProxier, { conntrackTCPBeLiberal: t.conntrackTCPLiberal });
      const out = syncProxyRules(input(), node, {
        nfacctCounters: {
          ctStateInvalidDropped: t.nfAcctCounters['ct_state_invalid_dropped_pkts'] ?? false,
          localhostNodePortsAccepted: t.nfAcctCounters['localhost_nps_accepted_pkts'] ?? false,
        },
      });
      assert.equal(
        chainRules(out.restoreInput, t.expectedChain.table, t.expectedChain.chain),
        t.expectedChain.rules.replace(/^\n/, ''),
      );
    });
  }
});

void describe('conformance: TestMasqueradeRule', () => {
  const f = loadFixture<Base & { subtests: (ChainCase & { hasRandomFully: boolean })[] }>(
    'TestMasqueradeRule',
  );
  for (const t of f.subtests) {
    void it(t.name, () => {
      const out = syncProxyRules(input(), fakeNode(f.fakeProxier, { randomFully: t.hasRandomFully }));
      assert.equal(
        chainRules(out.restoreInput, t.expectedChain.table, t.expectedChain.chain),
        t.expectedChain.rules,
      );
    });
  }
});

void describe('conformance: TestNodePorts (KUBE-FIREWALL chain)', () => {
  const f = loadFixture<
    Base & {
      subtests: (ChainCase & {
        ipFamily: string;
        localhostNodePorts: boolean;
        nodePortAddresses: string[] | null;
        podCIDR: string;
        services: FixtureService[];
        endpointSlices: FixtureSlice[];
      })[];
    }
  >('TestNodePorts');
  for (const t of f.subtests) {
    void it(t.name, () => {
      const node = fakeNode(f.fakeProxier, {
        localhostNodePorts: t.localhostNodePorts,
        nodePortAddresses: t.nodePortAddresses ?? [],
        localDetectorCIDR: t.podCIDR,
      });
      const ipFamily = t.ipFamily === 'IPv6' ? 'IPv6' : 'IPv4';
      const out = syncProxyRules(input(t.services, t.endpointSlices), node, { ipFamily });
      assert.equal(out.ipFamily, ipFamily);
      assert.equal(
        chainRules(out.restoreInput, t.expectedChain.table, t.expectedChain.chain),
        t.expectedChain.rules,
      );
    });
  }
});

void describe('conformance: TestLoadBalancerIngressRouteTypeProxy', () => {
  const f = loadFixture<
    Base & {
      subtests: {
        name: string;
        featureLoadBalancerIPMode: boolean;
        services: FixtureService[];
        endpointSlices: FixtureSlice[];
        expectRuleInNatKUBE_SERVICESWithDestination: { ip: string; present: boolean };
      }[];
    }
  >('TestLoadBalancerIngressRouteTypeProxy');
  for (const t of f.subtests) {
    void it(t.name, () => {
      const out = syncProxyRules(input(t.services, t.endpointSlices), fakeNode(f.fakeProxier), {
        loadBalancerIPMode: t.featureLoadBalancerIPMode,
      });
      const { ip, present } = t.expectRuleInNatKUBE_SERVICESWithDestination;
      const rules = chainRules(out.restoreInput, 'nat', 'KUBE-SERVICES').split('\n');
      assert.equal(
        rules.some((r) => r.includes(` -d ${ip} `)),
        present,
      );
    });
  }
});

void describe('conformance: TestComputeProbability', () => {
  const f = loadFixture<{ expected: Record<string, string> }>('TestComputeProbability');
  for (const [n, want] of Object.entries(f.expected)) {
    void it(`computeProbability(${n}) = ${want}`, () => assert.equal(computeProbability(Number(n)), want));
  }
  void it('strictly increases from n = 100000 down to 2', () => {
    let previous = Number(computeProbability(100000));
    for (let i = 99999; i >= 2; i--) {
      const p = Number(computeProbability(i));
      assert.ok(p > previous, `computeProbability(${i})`);
      previous = p;
    }
  });
});

void describe('conformance: packet-flow cases generate rules', () => {
  const packetFlowCases = [
    'TestClusterIPGeneral',
    'TestExternalTrafficPolicyLocal',
    'TestInternalExternalMasquerade',
    'TestLoadBalancer',
    'TestNoEndpointsReject',
  ];
  for (const name of packetFlowCases) {
    void it(`${name}: restore input parses and sorts (flows are asserted by the trace suite)`, () => {
      const f = loadFixture<Base>(name);
      const out = syncProxyRules(input(f.services, f.endpointSlices), fakeNode(f.fakeProxier));
      assert.ok(sortIPTablesRules(out.restoreInput).startsWith('*filter\n'));
    });
  }
});
