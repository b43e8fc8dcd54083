// Every upstream packet-flow table run end to end through the engine: the case's
// Services and EndpointSlices → kube-proxy's restore input (src/engine/proxy) →
// the tracer (src/engine/trace), with upstream's tracer conventions (SPEC-NOTES a.17).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IPFamily, KubeProxyNode } from '../../src/engine/model';
import { iptablesSaveView, syncProxyRules } from '../../src/engine/proxy/iptables';
import { parseIptablesSave, tracePacket } from '../../src/engine/trace';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import { fakeNode, toService, toSlice } from './proxyFixtures';
import type { FlowGroup } from './traceConformance';
import { entryFor, loadFlowGroups, upstreamLocal, upstreamOutput } from './traceConformance';

type Json = Record<string, unknown>;

function list<T>(v: unknown): T[] | undefined {
  return Array.isArray(v) ? (v as T[]) : undefined;
}

/** The fake proxier of one flow group: fixture defaults, then the case's and the sub-case's settings. */
function nodeFor(group: FlowGroup): KubeProxyNode {
  const data = group.caseData;
  const h = group.holder;
  const fake = data.fakeProxier as FakeProxier;
  const overrides: Partial<KubeProxyNode> = {};
  const caseOverrides = (data.fakeOverrides ?? {}) as Json;
  if (Array.isArray(caseOverrides.nodePortAddresses)) {
    overrides.nodePortAddresses = caseOverrides.nodePortAddresses as string[];
  }
  if (typeof h.localhostNodePorts === 'boolean') overrides.localhostNodePorts = h.localhostNodePorts;
  if (h !== data && 'nodePortAddresses' in h)
    overrides.nodePortAddresses = (h.nodePortAddresses as string[] | null) ?? [];
  if (typeof h.podCIDR === 'string') overrides.localDetectorCIDR = h.podCIDR;
  if (typeof h.masqueradeAll === 'boolean') overrides.masqueradeAll = h.masqueradeAll;
  if (h.localDetector === false) overrides.localDetectorCIDR = '';
  return fakeNode(fake, overrides);
}

/** The proxier the sub-case runs: upstream's IPv6 cases build the IPv6 proxier. */
function familyOf(group: FlowGroup): IPFamily {
  return group.holder.ipFamily === 'IPv6' ? 'IPv6' : 'IPv4';
}

function rulesFor(group: FlowGroup): string {
  const h = group.holder;
  const data = group.caseData;
  const services = list<FixtureService>(h.services) ?? list<FixtureService>(data.services) ?? [];
  const slices =
    group.flowKey === 'afterSliceDeletedPacketFlows'
      ? []
      : (list<FixtureSlice>(h.endpointSlices) ?? list<FixtureSlice>(data.endpointSlices) ?? []);
  return syncProxyRules(
    { services: services.map(toService), endpointSlices: slices.map(toSlice) },
    nodeFor(group),
    { ipFamily: familyOf(group) },
  ).restoreInput;
}

const groups = loadFlowGroups().filter((g) => g.caseFile !== 'TestTracePacket.json');

// Both what kube-proxy restores (built-in chains emulated) and what iptables-save then shows on the node.
const forms = {
  'restore input': (restore: string) => restore,
  'iptables-save view': (restore: string, family: IPFamily) => iptablesSaveView(restore, family),
};

for (const [form, render] of Object.entries(forms))
  for (const group of groups) {
    void describe(`generated rules (${form}): ${group.label}`, () => {
      const dump = parseIptablesSave(
        render(rulesFor(group), familyOf(group)),
        `${group.caseFile} (generated)`,
      );
      for (const flow of group.flows) {
        const name = `${flow.name}: ${flow.protocol} ${flow.sourceIP} -> ${flow.destIP}:${flow.destPort}`;
        void test(name, () => {
          assert.deepEqual(dump.errors, []);
          assert.equal(
            dump.tables.some((t) => t.chains.some((c) => c.policy !== null)),
            form === 'iptables-save view',
          );
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
