// Upstream's packet-flow tables (proxier_test.go) traced over the rules each case
// carries, with upstream's tracer conventions (SPEC-NOTES a.17).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseIptablesSave, tracePacket } from '../../src/engine/trace';
import { entryFor, loadFlowGroups, upstreamLocal, upstreamOutput } from './traceConformance';

const groups = loadFlowGroups();

void test('conformance fixtures hold packet-flow tables', () => {
  const flows = groups.reduce((n, g) => n + g.flows.length, 0);
  assert.ok(groups.length >= 10, `only ${groups.length} flow groups found`);
  assert.ok(flows >= 100, `only ${flows} flows found`);
});

for (const group of groups) {
  void describe(group.label, () => {
    const dump = group.dump === null ? null : parseIptablesSave(group.dump, group.caseFile);
    for (const flow of group.flows) {
      const name = `${flow.name}: ${flow.protocol} ${flow.sourceIP} -> ${flow.destIP}:${flow.destPort}`;
      if (dump === null) {
        void test(name, {
          skip: 'no rules in the fixture (expectedIptablesSave is null: upstream asserts only flows here); traced over generated rules in trace-generated.test.ts',
        });
        continue;
      }
      void test(name, () => {
        assert.deepEqual(dump.errors, []);
        const trace = tracePacket(
          dump,
          {
            sourceIP: flow.sourceIP,
            destinationIP: flow.destIP,
            destinationPort: flow.destPort,
            protocol: flow.protocol,
          },
          entryFor(flow.sourceIP, group.nodeIPs),
          { localAddresses: upstreamLocal(group.nodeIPs), node: 'test-node' },
        );
        assert.equal(upstreamOutput(trace), flow.output, 'DNAT targets / verdict');
        assert.equal(
          trace.branches.some((b) => b.masquerade),
          flow.masq,
          'masquerade',
        );
        assert.equal(trace.uncertain, false);
        const total = trace.branches.reduce((p, b) => p + b.probability, 0);
        assert.ok(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);
      });
    }
  });
}
