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

// Flow groups whose fixture carries no rules (upstream asserts only the flows there) are
// traced over generated rules in trace-generated.test.ts and through the CLI in
// trace-cli-flows.test.ts; here only the groups with upstream's own rules run.
for (const group of groups.filter((g) => g.dump !== null)) {
  void describe(group.label, () => {
    const dump = parseIptablesSave(group.dump ?? '', group.caseFile);
    for (const flow of group.flows) {
      const name = `${flow.name}: ${flow.protocol} ${flow.sourceIP} -> ${flow.destIP}:${flow.destPort}`;
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
