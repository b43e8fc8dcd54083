// Hostile iptables dumps: the walk ends in bounded work with an explicit truncation,
// never a hang (issue 18 item 2). Timings are measured by test/fuzz/resources.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeWorkspace, renderTrace, traceJson, traceRequest } from '../../src/engine';
import type { TracePacket } from '../../src/engine/model';
import { tracePacket } from '../../src/engine/trace';
import { branchingDump } from '../fuzz/attacks';

const PACKET: TracePacket = {
  sourceIP: '10.0.0.1',
  destinationIP: '10.96.0.10',
  destinationPort: 80,
  protocol: 'TCP',
};

void test('a dump with 2^64 paths: truncated after a bounded number of branches, probability kept', () => {
  const t = tracePacket(branchingDump(64), PACKET, 'prerouting', { localAddresses: ['192.168.0.2'] });
  assert.match(t.truncated ?? '', /^after \d+ branches$/);
  assert.ok(t.branches.length > 1000 && t.branches.length <= 10_001, `${t.branches.length} branches`);
  const total = t.branches.reduce((sum, b) => sum + b.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);
  const truncated = t.branches.filter((b) => b.verdict === 'TRUNCATED');
  assert.ok(truncated.length > 0);
  for (const b of truncated) {
    assert.equal(b.outcome, 'no-route');
    assert.equal(b.uncertain, true);
    assert.equal(b.hops.at(-1)?.name, 'trace truncated');
  }
  assert.equal(t.uncertain, true);
});

void test('the branch limit is an option; below it nothing is truncated', () => {
  const small = tracePacket(branchingDump(6), PACKET, 'prerouting', { localAddresses: [] });
  assert.equal(small.truncated, null);
  assert.equal(small.branches.length, 64);
  assert.ok(small.branches.every((b) => b.outcome === 'reached' && b.verdict === 'DNAT'));
  const capped = tracePacket(branchingDump(6), PACKET, 'prerouting', { localAddresses: [], maxBranches: 10 });
  assert.equal(capped.truncated, 'after 10 branches');
  // Each path not yet followed when the budget ran out ends as one TRUNCATED branch.
  const reached = capped.branches.filter((b) => b.verdict === 'DNAT');
  const truncated = capped.branches.filter((b) => b.verdict === 'TRUNCATED');
  assert.ok(reached.length > 0 && reached.length <= 10, `${reached.length} reached`);
  assert.ok(truncated.length > 0 && truncated.length <= 6, `${truncated.length} truncated`);
  assert.equal(reached.length + truncated.length, capped.branches.length);
  const total = capped.branches.reduce((sum, b) => sum + b.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-9);
});

void test('the step limit ends a long walk the same way', () => {
  const t = tracePacket(branchingDump(6), PACKET, 'prerouting', { localAddresses: [], maxSteps: 20 });
  assert.equal(t.truncated, 'after 20 rule evaluations');
  assert.ok(t.branches.some((b) => b.verdict === 'TRUNCATED'));
});

void test('trace --iptables-save of such a dump: a note says so; the text prints 50 branches and counts the rest', () => {
  const analysis = analyzeWorkspace({ files: [] });
  const trace = traceRequest(analysis, '10.96.0.10:80', {
    from: { kind: 'ip', ip: '10.0.0.1' },
    iptablesSave: { file: 'dump.txt', text: branchingDump(64) },
  });
  assert.ok(trace.notes.some((n) => /stopped after \d+ branches/.test(n)));
  const text = renderTrace(trace);
  assert.equal(text.match(/^branch \d+\//gm)?.length, 50);
  assert.match(text, /^… \d+ more branches not printed \(no-route \d+\); --json lists every branch$/m);
  const json = traceJson(trace) as { branches: unknown[] };
  assert.equal(json.branches.length, trace.branches.length);
});
