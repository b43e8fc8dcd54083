// kubepath's own kube-proxy cases beyond the upstream corpus: the nginx scenario on
// every node, ExternalTrafficPolicy Local, ClientIP affinity, named ports that
// resolve to different numbers per endpoint, the iptables-save view and the helpers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { base32 } from '@scure/base';
import type { ClusterProfile, EndpointSlice, KubeProxyNode, Service } from '../../src/engine/model';
import {
  endpointChainName,
  generateIptables,
  hash16,
  kubeChainLines,
  kubeProxyNodeFor,
  masqueradeMarkFor,
  saveRule,
  serviceChainNames,
  servicePortChainNames,
  sortIPTablesRules,
  unifiedDiff,
} from '../../src/engine/proxy/iptables';
import { buildEndpointsMap } from '../../src/engine/proxy/endpoints';
import { saveProbability } from '../../src/engine/proxy/iptables/save';
import type { FixtureService, FixtureSlice } from './proxyFixtures';
import { toService, toSlice } from './proxyFixtures';

const nodes = ['node-1', 'node-2', 'node-3'];

function profile(overrides: Partial<ClusterProfile['kubeProxy']> = {}): ClusterProfile {
  return {
    serviceCIDR: '10.96.0.0/16',
    podCIDR: '10.244.0.0/16',
    clusterDomain: 'cluster.local',
    nodePortRange: { min: 30000, max: 32767 },
    nodes: nodes.map((name, i) => ({
      name,
      ips: [`172.18.0.${i + 2}`],
      labels: {},
      podCIDR: `10.244.${i + 1}.0/24`,
    })),
    kubeProxy: {
      mode: 'iptables',
      clusterCIDR: '10.244.0.0/16',
      masqueradeAll: false,
      masqueradeBit: 14,
      localhostNodePorts: true,
      nodePortAddresses: [],
      randomFully: true,
      conntrackTCPBeLiberal: false,
      ...overrides,
    },
    kubernetesVersion: '1.33',
    cloud: { provider: 'generic', loadBalancerIPPool: '203.0.113.0/24', region: '' },
    source: null,
  };
}

function svc(over: Partial<FixtureService>): Service {
  return toService({
    namespace: 'default',
    name: 'nginx',
    type: 'LoadBalancer',
    clusterIP: '10.96.0.50',
    ports: [{ name: '', protocol: 'TCP', port: 8080, targetPort: 80, nodePort: 31234 }],
    externalIPs: [],
    loadBalancerIngress: [{ ip: '203.0.113.10' }],
    externalTrafficPolicy: null,
    internalTrafficPolicy: null,
    sessionAffinity: null,
    sessionAffinityTimeoutSeconds: null,
    loadBalancerSourceRanges: [],
    healthCheckNodePort: null,
    selector: { app: 'nginx' },
    ...over,
  });
}

function slice(name: string, port: number, eps: [string, string][], portName = ''): EndpointSlice {
  const s: FixtureSlice = {
    namespace: 'default',
    serviceName: 'nginx',
    name,
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol: 'TCP' }],
    endpoints: eps.map(([ip, node]) => ({
      addresses: [ip],
      nodeName: node,
      ready: true,
      serving: true,
      terminating: false,
    })),
  };
  return toSlice(s);
}

const nginxPods: [string, string][] = [
  ['10.244.1.5', 'node-1'],
  ['10.244.2.5', 'node-2'],
  ['10.244.3.5', 'node-3'],
];

function nginxSliceEndpoint(ip: string): EndpointSlice['endpoints'][number] {
  const e = slice('x', 80, [[ip, 'node-1']]).endpoints[0];
  assert.ok(e);
  return e;
}

function ruleLines(text: string, chain: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
}

void describe('nginx scenario: LoadBalancer 8080→80, 3 pods on 3 nodes', () => {
  const input = { services: [svc({})], endpointSlices: [slice('nginx-abc', 80, nginxPods)] };
  const chains = servicePortChainNames('default/nginx', 'tcp');
  for (const name of nodes) {
    void it(`${name}: NodePort rule, 3 SEP branches at 1/3, 1/2, then unconditional; DNAT to each pod:80`, () => {
      const out = generateIptables(input, kubeProxyNodeFor(profile(), name));
      const r = out.restoreInput;
      assert.ok(
        r.includes(
          `-A KUBE-NODEPORTS -m comment --comment default/nginx -m tcp -p tcp --dport 31234 -j ${chains.external}`,
        ),
      );
      const svcRules = ruleLines(r, chains.cluster);
      assert.equal(svcRules.length, 4);
      assert.match(svcRules[0] ?? '', / ! -s 10\.244\.0\.0\/16 -j KUBE-MARK-MASQ$/);
      const seps = nginxPods.map(([ip]) => endpointChainName('default/nginx', 'tcp', `${ip}:80`));
      assert.equal(
        svcRules[1],
        `-A ${chains.cluster} -m comment --comment "default/nginx -> 10.244.1.5:80" -m statistic --mode random --probability 0.3333333333 -j ${seps[0]}`,
      );
      assert.equal(
        svcRules[2],
        `-A ${chains.cluster} -m comment --comment "default/nginx -> 10.244.2.5:80" -m statistic --mode random --probability 0.5000000000 -j ${seps[1]}`,
      );
      assert.equal(
        svcRules[3],
        `-A ${chains.cluster} -m comment --comment "default/nginx -> 10.244.3.5:80" -j ${seps[2]}`,
      );
      for (const [i, [ip]] of nginxPods.entries()) {
        assert.ok(
          r.includes(
            `-A ${seps[i]} -m comment --comment default/nginx -m tcp -p tcp -j DNAT --to-destination ${ip}:80`,
          ),
        );
      }
      assert.ok(r.includes(`-d 203.0.113.10 --dport 8080 -j ${chains.external}`));
      // Production mark: Go's %#08x of 1<<14.
      assert.ok(r.includes('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000'));
      // The iptables-save view renders the same rules the way iptables-save prints them.
      const save = out.iptablesSave;
      assert.ok(save.includes('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'));
      assert.ok(save.includes('-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0'));
      assert.ok(save.includes(' -m statistic --mode random --probability 0.33333333349 -j '));
      assert.ok(save.includes(' -m statistic --mode random --probability 0.50000000000 -j '));
      assert.ok(
        save.includes(
          `-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 8080 -j ${chains.cluster}`,
        ),
      );
      assert.ok(
        save.includes(
          `-A KUBE-NODEPORTS -d 127.0.0.0/8 -p tcp -m comment --comment "default/nginx" -m tcp --dport 31234 -m nfacct --nfacct-name  localhost_nps_accepted_pkts -j ${chains.external}`,
        ),
      );
    });
  }
  void it('serviceChainNames lists the chains carrying the port on a node', () => {
    const names = serviceChainNames(input, kubeProxyNodeFor(profile(), 'node-1'));
    const list = names.get('default/nginx:/TCP') ?? [];
    assert.deepEqual(list.slice(0, 2), [chains.external, chains.cluster]);
    assert.equal(list.length, 5);
  });
});

void describe('externalTrafficPolicy Local', () => {
  const input = {
    services: [svc({ externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 })],
    endpointSlices: [slice('nginx-abc', 80, [nginxPods[0] as [string, string]])],
  };
  const chains = servicePortChainNames('default/nginx', 'tcp');
  void it('node with a local endpoint: EXT short-circuits local sources to SVC, the rest goes to SVL', () => {
    const r = generateIptables(input, kubeProxyNodeFor(profile(), 'node-1')).restoreInput;
    assert.deepEqual(ruleLines(r, chains.external), [
      `-A ${chains.external} -m comment --comment "pod traffic for default/nginx external destinations" -s 10.244.0.0/16 -j ${chains.cluster}`,
      `-A ${chains.external} -m comment --comment "masquerade LOCAL traffic for default/nginx external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${chains.external} -m comment --comment "route LOCAL traffic for default/nginx external destinations" -m addrtype --src-type LOCAL -j ${chains.cluster}`,
      `-A ${chains.external} -j ${chains.local}`,
    ]);
    assert.equal(ruleLines(r, chains.local).length, 1);
    assert.ok(
      r.includes(
        '-A KUBE-NODEPORTS -m comment --comment "default/nginx health check node port" -m tcp -p tcp --dport 32000 -j ACCEPT',
      ),
    );
  });
  void it('node without one: no SVL jump, external traffic dropped in filter', () => {
    const r = generateIptables(input, kubeProxyNodeFor(profile(), 'node-2')).restoreInput;
    assert.ok(!r.includes(chains.local));
    assert.ok(
      r.includes(
        '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/nginx has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 31234 -j DROP',
      ),
    );
    assert.ok(r.includes('-A KUBE-NODEPORTS -m comment --comment "default/nginx health check node port"'));
  });
});

void describe('sessionAffinity ClientIP', () => {
  void it('recent --rcheck before the statistic rules, recent --set in each SEP', () => {
    const input = {
      services: [svc({ sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 })],
      endpointSlices: [slice('nginx-abc', 80, nginxPods.slice(0, 2))],
    };
    const r = generateIptables(input, kubeProxyNodeFor(profile(), 'node-1')).restoreInput;
    const c = servicePortChainNames('default/nginx', 'tcp').cluster;
    const sep = endpointChainName('default/nginx', 'tcp', '10.244.1.5:80');
    const rules = ruleLines(r, c);
    assert.equal(
      rules[1],
      `-A ${c} -m comment --comment "default/nginx -> 10.244.1.5:80" -m recent --name ${sep} --rcheck --seconds 600 --reap -j ${sep}`,
    );
    assert.match(rules[3] ?? '', /--probability 0\.5000000000/);
    assert.ok(
      r.includes(
        `-A ${sep} -m comment --comment default/nginx -m recent --name ${sep} --set -m tcp -p tcp -j DNAT`,
      ),
    );
    assert.ok(
      saveRule(rules[1] ?? '').endsWith(
        `-m recent --rcheck --seconds 600 --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`,
      ),
    );
  });
});

void describe('named targetPort resolving to different numbers per endpoint', () => {
  void it('one SVC chain, one SEP per ip:port, each DNAT to its own port', () => {
    const input = {
      services: [
        svc({
          ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: null }],
          type: 'ClusterIP',
          loadBalancerIngress: [],
        }),
      ],
      endpointSlices: [
        slice('nginx-v1', 8080, [['10.244.1.7', 'node-1']], 'http'),
        slice('nginx-v2', 9090, [['10.244.2.7', 'node-2']], 'http'),
      ],
    };
    const r = generateIptables(input, kubeProxyNodeFor(profile(), 'node-3')).restoreInput;
    const c = servicePortChainNames('default/nginx:http', 'tcp').cluster;
    const rules = ruleLines(r, c);
    assert.equal(rules.length, 3);
    assert.match(
      rules[1] ?? '',
      /"default\/nginx:http -> 10\.244\.1\.7:8080" -m statistic --mode random --probability 0\.5000000000/,
    );
    assert.match(rules[2] ?? '', /"default\/nginx:http -> 10\.244\.2\.7:9090" -j KUBE-SEP-/);
    assert.ok(r.includes('-j DNAT --to-destination 10.244.1.7:8080'));
    assert.ok(r.includes('-j DNAT --to-destination 10.244.2.7:9090'));
  });
});

void describe('helpers', () => {
  void it('chain hashes re-derive the corpus names', () => {
    assert.equal(hash16('ns1/svc1:p80tcp'), 'XPGD46QRK7WJZT7O');
    assert.equal(hash16('ns2/svc2:p80tcp'), 'GNZBNJ2PO5MGZ6GT');
    assert.equal(endpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
    assert.equal(servicePortChainNames('ns2/svc2:p8080', 'tcp').cluster, 'KUBE-SVC-2VJB64SDSIJUP5T6');
  });
  void it('masquerade mark is Go %#08x', () => {
    assert.equal(masqueradeMarkFor(14), '0x00004000');
    assert.equal(masqueradeMarkFor(15), '0x00008000');
    const node: KubeProxyNode = kubeProxyNodeFor(profile({ masqueradeMark: '0x4000' }), 'node-1');
    assert.equal(node.masqueradeMark, '0x4000');
  });
  void it('localhost NodePorts are off when nodePortAddresses excludes loopback', () => {
    assert.equal(
      kubeProxyNodeFor(profile({ nodePortAddresses: ['172.18.0.0/16'] }), 'node-1').localhostNodePorts,
      false,
    );
    assert.equal(
      kubeProxyNodeFor(profile({ nodePortAddresses: ['127.0.0.0/8'] }), 'node-1').localhostNodePorts,
      true,
    );
  });
  void it('statistic probabilities as iptables-save prints them', () => {
    const table: [string, string][] = [
      ['0.3333333333', '0.33333333349'],
      ['0.5000000000', '0.50000000000'],
      ['0.2500000000', '0.25000000000'],
      ['0.1000000000', '0.10000000009'],
    ];
    for (const [input, want] of table) assert.equal(saveProbability(input), want);
  });
  void it('saveRule renders kube-proxy rules in iptables-save order', () => {
    const table: [string, string][] = [
      [
        '-A KUBE-SEP-X -m comment --comment ns/a -s 10.1.2.3 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-X -s 10.1.2.3/32 -m comment --comment "ns/a" -j KUBE-MARK-MASQ',
      ],
      [
        '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
        '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      ],
      [
        '-A KUBE-SERVICES -m comment --comment "ns/a has no endpoints" -m udp -p udp -d 10.0.0.10 --dport 53 -j REJECT',
        '-A KUBE-SERVICES -d 10.0.0.10/32 -p udp -m comment --comment "ns/a has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable',
      ],
      [
        '-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN',
        '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      ],
    ];
    for (const [input, want] of table) assert.equal(saveRule(input), want);
  });
  void it('the iptables-save view has kube-proxy jumps in prepend order, kubelet jumps last', () => {
    const save = generateIptables(
      { services: [], endpointSlices: [] },
      kubeProxyNodeFor(profile(), 'node-1'),
    ).iptablesSave;
    assert.deepEqual(ruleLines(save, 'INPUT'), [
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A INPUT -j KUBE-FIREWALL',
    ]);
    assert.ok(
      save.startsWith(
        '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n',
      ),
    );
  });
  void it('sortIPTablesRules takes a real iptables-save (policies, counters, # lines)', () => {
    const real = [
      '# Generated by iptables-save v1.8.9',
      '*nat',
      ':PREROUTING ACCEPT [10:600]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      '[1:60] -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
      'COMMIT',
      '',
    ].join('\n');
    const sorted = sortIPTablesRules(real).split('\n');
    assert.deepEqual(sorted.slice(0, 4), [
      '*nat',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':PREROUTING ACCEPT [10:600]',
    ]);
    assert.match(sorted[4] ?? '', /default\/kubernetes:https cluster IP/);
    assert.deepEqual(kubeChainLines(real).slice(0, 2), ['*nat', ':KUBE-NODEPORTS - [0:0]']);
  });
  void it('endpoints map: one entry per ip:port, a running pod over a terminating one, sorted by ip:port', () => {
    const state = (terminating: boolean) => ({ ready: !terminating, serving: true, terminating });
    const mk = (name: string, eps: [string, boolean][]) => {
      const s = slice(name, 80, []);
      return {
        ...s,
        endpoints: eps.map(([ip, terminating]) => ({
          ...nginxSliceEndpoint(ip),
          conditions: state(terminating),
          nodeName: name,
        })),
      };
    };
    const map = buildEndpointsMap(
      [
        mk('b', [
          ['10.0.0.1', false],
          ['10.0.0.2', true],
          ['10.0.0.3', true],
        ]),
        mk('a', [
          ['10.0.0.3', true],
          ['10.0.0.2', false],
          ['10.0.0.1', true],
          ['10.0.0.10', false],
        ]),
      ],
      { family: 'IPv4', nodeName: 'a', preferSameTrafficDistribution: false },
    );
    // Slices are read in name order (a, then b); '0' sorts before ':'.
    assert.deepEqual(
      (map.get('default/nginx:/TCP') ?? []).map((e) => [e.endpoint, e.terminating, e.isLocal]),
      [
        ['10.0.0.10:80', false, true],
        ['10.0.0.1:80', false, false],
        ['10.0.0.2:80', false, true],
        ['10.0.0.3:80', true, true],
      ],
    );
  });
  void it('unifiedDiff', () => {
    assert.equal(unifiedDiff(['a', 'b'], ['a', 'b'], 'x', 'y'), '');
    assert.equal(
      unifiedDiff(['a', 'b', 'c'], ['a', 'c', 'd'], 'x', 'y'),
      '--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+d\n',
    );
  });
});

void describe('hash16', () => {
  void it('equals base32(sha256(s))[:16] from @noble/hashes + @scure/base, incl. multi-block and non-ASCII input', () => {
    const encoder = new TextEncoder();
    const inputs = [
      '',
      'a',
      'ns1/svc1:p80tcp',
      'x'.repeat(55),
      'y'.repeat(56),
      'z'.repeat(64),
      'q'.repeat(200),
      'ns/ü:p80tcp',
    ];
    for (let i = 0; i < 300; i++)
      inputs.push(`ns${i}/svc-${i * 7919}:port-${i % 13}tcp10.${i % 256}.${(i * 31) % 256}.1:${8000 + i}`);
    for (const s of inputs) assert.equal(hash16(s), base32.encode(sha256(encoder.encode(s))).slice(0, 16), s);
  });
});
