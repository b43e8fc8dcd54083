// A node's rules agree however they are asked for: iptablesRules renders one form alone
// (what the CLI, the extension and the tracer do), generateIptables both; the
// iptables-save view the sync writes directly equals the one parsed back from its
// restore input; the chain order (a radix sort) is Array.prototype.sort's.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { EndpointSlice, KubeProxyNode, Service } from '../../src/engine/model';
import type { ProxyInput, SyncOptions } from '../../src/engine/proxy/iptables';
import {
  generateIptables,
  hash16,
  iptablesRules,
  iptablesSaveView,
  serviceChainNames,
  syncProxyRules,
} from '../../src/engine/proxy/iptables';
import { sortChainNames } from '../../src/engine/proxy/iptables/chainOrder';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import { fakeNode, fixtureDir, loadFixture, toService, toSlice } from './proxyFixtures';

function assertFormsAgree(input: ProxyInput, node: KubeProxyNode, options: SyncOptions = {}): void {
  const both = generateIptables(input, node, options);
  const save = iptablesRules(input, node, 'iptables-save', options);
  const restore = iptablesRules(input, node, 'restore-input', options);
  assert.equal(save.text, both.iptablesSave);
  assert.equal(restore.text, both.restoreInput);
  assert.equal(iptablesSaveView(both.restoreInput), both.iptablesSave, 'written view = parsed view');
  assert.deepEqual(save.servicePorts, both.servicePorts);
  assert.deepEqual(restore.servicePorts, both.servicePorts);
  assert.equal(save.largeClusterMode, both.largeClusterMode);
  const chains = serviceChainNames(input, node);
  for (const p of both.servicePorts)
    assert.deepEqual(chains.get(`${p.namespace}/${p.name}:${p.portName}/${p.protocol}`), p.chains);
}

const nodeVariants: Partial<KubeProxyNode>[] = [
  {},
  { masqueradeAll: true },
  { localDetectorCIDR: '' },
  { localhostNodePorts: false, conntrackTCPBeLiberal: true, randomFully: false },
  { masqueradeMark: '0x4000', nodePortAddresses: ['127.0.0.0/8', '192.168.0.0/16'] },
];

interface ServicesFixture {
  fakeProxier: FakeProxier;
  services?: FixtureService[];
  endpointSlices?: FixtureSlice[];
}

void describe('iptables output forms', () => {
  const fixtures = readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, fixture: loadFixture<ServicesFixture>(f.replace(/\.json$/, '')) }))
    .filter(({ fixture }) => Array.isArray(fixture.services) && Array.isArray(fixture.endpointSlices));

  void it('agree on every upstream case with services, on several node settings and partial syncs', () => {
    assert.ok(fixtures.length >= 8, 'fixtures found');
    for (const { name, fixture } of fixtures) {
      const input = {
        services: (fixture.services ?? []).map(toService),
        endpointSlices: (fixture.endpointSlices ?? []).map(toSlice),
      };
      for (const over of nodeVariants) {
        const node = fakeNode(fixture.fakeProxier, over);
        // Every chain the view declares, and two gone ones: the inactive among them are stale.
        const declared = iptablesRules(input, node, 'iptables-save')
          .text.split('\n')
          .flatMap((line) => (line.startsWith(':KUBE-') ? [line.slice(1, line.indexOf(' '))] : []));
        const first = input.services[0]?.metadata;
        const optionSets: SyncOptions[] = [
          {},
          {
            existingNatChains: [...declared, 'KUBE-SEP-STALESTALESTALE1', 'KUBE-SVC-STALESTALESTALE2'],
          },
          ...(first ? [{ updatedServices: new Set([`${first.namespace}/${first.name}`]) }] : []),
        ];
        for (const options of optionSets) {
          try {
            assertFormsAgree(input, node, options);
          } catch (err) {
            assert.fail(`${name} ${JSON.stringify(over)} ${JSON.stringify(options)}: ${String(err)}`);
          }
        }
      }
    }
  });

  void it('agree on duplicated ports, Local policies, affinity, source ranges, large clusters and odd names', () => {
    const services: Service[] = [];
    const endpointSlices: EndpointSlice[] = [];
    const service = (
      name: string,
      ports: [string, number][],
      over: Partial<FixtureService> = {},
      endpoints = 3,
    ) => {
      services.push(
        toService({
          namespace: 'ns',
          name,
          type: 'LoadBalancer',
          clusterIP: `10.96.1.${services.length + 1}`,
          ports: ports.map(([port, n]) => ({
            name: port,
            protocol: 'TCP',
            port: n,
            targetPort: 8080,
            nodePort: 30000 + services.length * 10 + n,
          })),
          externalIPs: [],
          loadBalancerIngress: [{ ip: `203.0.113.${services.length + 1}` }],
          externalTrafficPolicy: null,
          internalTrafficPolicy: null,
          sessionAffinity: null,
          sessionAffinityTimeoutSeconds: null,
          loadBalancerSourceRanges: [],
          healthCheckNodePort: null,
          selector: { app: name },
          ...over,
        }),
      );
      endpointSlices.push(
        toSlice({
          namespace: 'ns',
          serviceName: name,
          name: `${name}-1`,
          addressType: 'IPv4',
          ports: [...new Set(ports.map(([port]) => port))].map((port) => ({
            name: port,
            port: 8080,
            protocol: 'TCP',
          })),
          endpoints: Array.from({ length: endpoints }, (_, i) => ({
            addresses: [`10.244.${(services.length * 7 + i) >> 8}.${(services.length * 7 + i) & 255}`],
            nodeName: `node-${(i % 3) + 1}`,
            ready: i % 5 !== 4,
            serving: true,
            terminating: i % 5 === 4,
          })),
        }),
      );
    };
    service('dup', [
      ['p', 80],
      ['p', 81],
    ]);
    service('local', [['', 80]], {
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Local',
      healthCheckNodePort: 32100,
    });
    service('sticky', [['', 80]], { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 60 });
    service('fw', [['', 80]], {
      loadBalancerSourceRanges: ['172.18.0.0/16', '10.0.0.0/8'],
      externalIPs: ['192.0.2.1'],
    });
    service('none', [['', 80]], {}, 0);
    const node: KubeProxyNode = {
      name: 'node-1',
      ips: ['172.18.0.2'],
      labels: {},
      localDetectorCIDR: '10.244.0.0/16',
      masqueradeAll: false,
      masqueradeMark: '0x00004000',
      localhostNodePorts: true,
      nodePortAddresses: [],
      randomFully: true,
      conntrackTCPBeLiberal: false,
      kubernetesVersion: '1.33',
    };
    assertFormsAgree({ services, endpointSlices }, node);
    // A port name iptables-save would quote: the view is parsed from the restore input.
    service('odd', [['a b', 80]]);
    assertFormsAgree({ services, endpointSlices }, node);
    services.pop();
    endpointSlices.pop();
    // Over 1000 endpoints: large-cluster mode drops the per-endpoint comments.
    service('big', [['', 80]], {}, 1100);
    const big = generateIptables({ services, endpointSlices }, node);
    assert.ok(big.largeClusterMode);
    assertFormsAgree({ services, endpointSlices }, node);
  });

  void it('a sync asked for no text has none to show', () => {
    const sync = syncProxyRules(
      { services: [], endpointSlices: [] },
      fakeNode(fixtures[0]!.fixture.fakeProxier),
      {
        output: 'none',
      },
    );
    assert.equal(sync.restoreInput, '');
    assert.throws(() => iptablesSaveView(sync), /neither form/);
  });
});

void describe('chain order', () => {
  void it('equals Array.prototype.sort on chain names, prefixes of one another, duplicates and non-ASCII', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const pieces = ['KUBE-', 'SEP-', 'SVC-', 'A', 'Z', '2', '7', '-', 'ü', '\u4e00', 'x'.repeat(70), ''];
    for (let t = 0; t < 300; t++) {
      const names: string[] = [];
      const n = Math.floor(random() * (t % 10 === 0 ? 3000 : 60));
      for (let i = 0; i < n; i++) {
        if (random() < 0.6) {
          const prefix = ['KUBE-SEP-', 'KUBE-SVC-', 'KUBE-FW-', 'KUBE-'][Math.floor(random() * 4)] ?? '';
          names.push(prefix + hash16(String(random())).slice(0, Math.floor(random() * 17)));
        } else {
          let name = '';
          for (let k = Math.floor(random() * 5); k > 0; k--)
            name += pieces[Math.floor(random() * pieces.length)];
          names.push(name);
        }
        if (random() < 0.05) names.push(names[Math.floor(random() * names.length)] ?? '');
      }
      assert.deepEqual(sortChainNames(names), [...names].sort());
    }
  });
});
