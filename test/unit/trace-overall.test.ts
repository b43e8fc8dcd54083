// One node's rules in both forms — upstream's expected restore input for
// TestOverallIPTablesRules and a hand-written `iptables-save` of the same node
// (built-in chains, policies, counters, kind's own NAT rules, iptables-save's
// normalised spelling) — must trace identically.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { PacketTrace, Protocol } from '../../src/engine/model';
import { parseIptablesSave, tracePacket } from '../../src/engine/trace';
import { CONFORMANCE_DIR, entryFor, upstreamLocal, upstreamOutput } from './traceConformance';

const root = path.join(__dirname, '../../..');
const overall = JSON.parse(
  readFileSync(path.join(CONFORMANCE_DIR, 'TestOverallIPTablesRules.json'), 'utf8'),
) as {
  expectedIptablesSave: string;
  fakeProxier: { nodeIPs: string[] };
};
const nodeIPs = overall.fakeProxier.nodeIPs;
const texts = {
  'restore input (upstream expected)': overall.expectedIptablesSave,
  'iptables-save of the node': readFileSync(
    path.join(root, 'test/fixtures/trace/overall-node.iptables-save'),
    'utf8',
  ),
};
const dumps = {
  'restore input (upstream expected)': parseIptablesSave(
    texts['restore input (upstream expected)'],
    'TestOverallIPTablesRules',
  ),
  'iptables-save of the node': parseIptablesSave(
    texts['iptables-save of the node'],
    'overall-node.iptables-save',
  ),
};

interface Flow {
  name: string;
  src: string;
  dst: string;
  port: number;
  protocol?: Protocol;
  output: string;
  masq: boolean;
  /** Expected branch probabilities, in order. */
  probabilities?: number[];
  note?: RegExp;
}

// Derived by hand from the rules (see serviceCaseNotes in the fixture).
const flows: Flow[] = [
  {
    name: 'pod to cluster IP',
    src: '10.0.0.2',
    dst: '172.30.0.41',
    port: 80,
    output: '10.180.0.1:80',
    masq: false,
  },
  {
    name: 'hairpin to cluster IP',
    src: '10.180.0.1',
    dst: '172.30.0.41',
    port: 80,
    output: '10.180.0.1:80',
    masq: true,
  },
  {
    name: 'external to cluster IP',
    src: '203.0.113.2',
    dst: '172.30.0.41',
    port: 80,
    output: '10.180.0.1:80',
    masq: true,
  },
  {
    name: 'node to cluster IP',
    src: '192.168.0.2',
    dst: '172.30.0.41',
    port: 80,
    output: '10.180.0.1:80',
    masq: true,
  },
  {
    name: 'pod to two-endpoint cluster IP',
    src: '10.0.0.2',
    dst: '172.30.0.44',
    port: 80,
    output: '10.180.0.4:80, 10.180.0.5:80',
    masq: false,
    probabilities: [0.5, 0.5],
  },
  { name: 'no endpoints', src: '10.0.0.2', dst: '172.30.0.46', port: 80, output: 'REJECT', masq: false },
  {
    name: 'node to no endpoints',
    src: '192.168.0.2',
    dst: '172.30.0.46',
    port: 80,
    output: 'REJECT',
    masq: false,
  },
  {
    name: 'external to eTP:Local external IP, no local endpoints',
    src: '203.0.113.2',
    dst: '192.168.99.22',
    port: 80,
    output: 'DROP',
    masq: false,
  },
  {
    name: 'pod to eTP:Local external IP short-circuits',
    src: '10.0.0.2',
    dst: '192.168.99.22',
    port: 80,
    output: '10.180.0.2:80',
    masq: false,
  },
  {
    name: 'node to eTP:Local external IP short-circuits, masqueraded',
    src: '192.168.0.2',
    dst: '192.168.99.22',
    port: 80,
    output: '10.180.0.2:80',
    masq: true,
  },
  {
    name: 'external to eTP:Local LB IP, no local endpoints',
    src: '203.0.113.2',
    dst: '1.2.3.4',
    port: 80,
    output: 'DROP',
    masq: false,
  },
  {
    name: 'external to eTP:Local NodePort, no local endpoints',
    src: '203.0.113.2',
    dst: '192.168.0.2',
    port: 3001,
    output: 'DROP',
    masq: false,
  },
  {
    name: 'external to NodePort',
    src: '203.0.113.2',
    dst: '192.168.1.2',
    port: 3003,
    output: '10.180.0.3:80',
    masq: true,
  },
  {
    name: 'localhost NodePort',
    src: '127.0.0.1',
    dst: '127.0.0.1',
    port: 3003,
    output: '10.180.0.3:80',
    masq: true,
  },
  {
    name: 'allowed source to firewalled LB with affinity',
    src: '203.0.113.2',
    dst: '5.6.7.8',
    port: 80,
    output: '10.180.0.3:80',
    masq: true,
    note: /session affinity/,
  },
  {
    name: 'blocked source to firewalled LB',
    src: '203.0.113.130',
    dst: '5.6.7.8',
    port: 80,
    output: 'DROP',
    masq: false,
  },
  {
    name: 'external to eTP:Cluster external IP',
    src: '203.0.113.2',
    dst: '192.168.99.33',
    port: 80,
    output: '10.180.0.4:80, 10.180.0.5:80',
    masq: true,
    probabilities: [0.5, 0.5],
  },
  {
    name: 'external to health check node port',
    src: '203.0.113.2',
    dst: '192.168.0.2',
    port: 30000,
    output: 'ACCEPT',
    masq: false,
  },
  {
    name: 'node to health check node port',
    src: '192.168.0.2',
    dst: '192.168.0.2',
    port: 30000,
    output: 'ACCEPT',
    masq: false,
  },
  {
    name: 'external to localhost is blocked',
    src: '203.0.113.2',
    dst: '127.0.0.1',
    port: 80,
    output: 'DROP',
    masq: false,
  },
];

function run(dump: (typeof dumps)[keyof typeof dumps], f: Flow): PacketTrace {
  return tracePacket(
    dump,
    { sourceIP: f.src, destinationIP: f.dst, destinationPort: f.port, protocol: f.protocol ?? 'TCP' },
    entryFor(f.src, nodeIPs),
    { localAddresses: upstreamLocal(nodeIPs), node: 'test-node' },
  );
}

for (const [form, dump] of Object.entries(dumps)) {
  const lines = texts[form as keyof typeof texts].split('\n');
  void describe(`TestOverallIPTablesRules node, ${form}`, () => {
    void test('parses cleanly', () => assert.deepEqual(dump.errors, []));
    for (const f of flows) {
      void test(`${f.name}: ${f.src} -> ${f.dst}:${f.port}`, () => {
        const trace = run(dump, f);
        assert.equal(upstreamOutput(trace), f.output);
        assert.equal(
          trace.branches.some((b) => b.masquerade),
          f.masq,
        );
        assert.equal(trace.uncertain, false);
        if (f.probabilities !== undefined) {
          assert.deepEqual(
            trace.branches.map((b) => b.probability),
            f.probabilities,
          );
        }
        if (f.note !== undefined) assert.match(trace.branches.flatMap((b) => b.notes).join('\n'), f.note);
        // Every rule that decided something is a hop with its chain and its line in the dump.
        for (const h of [...trace.hops, ...trace.branches.flatMap((b) => b.hops)]) {
          assert.equal(h.node, 'test-node');
          if (h.kind === 'rule' || h.kind === 'dnat' || h.kind === 'drop' || h.kind === 'reject') {
            assert.ok(h.chain !== undefined && h.chain !== '', `hop ${h.name} has a chain`);
            if (h.line !== undefined) assert.equal(lines[h.line - 1], h.rule, `line ${h.line}`);
          }
        }
      });
    }
  });
}

void describe('the two forms differ only where the node has more rules', () => {
  void test('an unmatched pod packet leaves unDNATed; kind masquerades it on the real node', () => {
    const f: Flow = { name: '', src: '10.0.0.2', dst: '172.30.0.41', port: 443, output: '', masq: false };
    const restore = run(dumps['restore input (upstream expected)'], f);
    const save = run(dumps['iptables-save of the node'], f);
    assert.equal(upstreamOutput(restore), '');
    assert.equal(restore.outcome, 'accepted');
    assert.equal(restore.branches[0]?.masquerade, false);
    assert.equal(save.outcome, 'accepted');
    assert.equal(save.branches[0]?.masquerade, true);
    assert.ok(save.hops.some((h) => h.chain === 'KIND-MASQ-AGENT' && h.name === 'MASQUERADE'));
  });
  void test('restore input says its built-in chains are emulated; the full dump does not', () => {
    const f: Flow = { name: '', src: '10.0.0.2', dst: '172.30.0.41', port: 80, output: '', masq: false };
    const restore = run(dumps['restore input (upstream expected)'], f);
    const save = run(dumps['iptables-save of the node'], f);
    assert.ok(restore.diagnostics.some((d) => d.code === 'iptables-builtins-emulated'));
    assert.ok(!save.diagnostics.some((d) => d.code === 'iptables-builtins-emulated'));
    const jump = restore.hops.find((h) => h.chain === 'PREROUTING' && h.kind === 'rule');
    assert.equal(jump?.line, undefined);
    assert.equal(jump?.source, null);
    const realJump = save.hops.find((h) => h.chain === 'PREROUTING' && h.kind === 'rule');
    assert.equal(realJump?.source?.file, 'overall-node.iptables-save');
    assert.equal(typeof realJump?.line, 'number');
  });
});
