// Every upstream packet-flow table end to end through the CLI, as a user runs it:
// the case's Services and EndpointSlices as manifests, the fake node as a cluster
// profile, `kubepath trace DEST:PORT --from ip:SRC --node test-node --json`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { run } from '../../src/cli/main';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import type { NodeOverrides } from './fixtureManifests';
import { profileYaml, serviceManifest, sliceManifest } from './fixtureManifests';
import type { FlowGroup } from './traceConformance';
import { loadFlowGroups } from './traceConformance';

interface BranchJson {
  ip: string | null;
  port: number | null;
  outcome: string;
  verdict: string;
  masquerade: boolean;
}

function list<T>(v: unknown): T[] | undefined {
  return Array.isArray(v) ? (v as T[]) : undefined;
}

/** The same node settings the generated-rules test derives from a sub-case. */
function overridesOf(group: FlowGroup): NodeOverrides {
  const h = group.holder;
  const data = group.caseData;
  const o: NodeOverrides = {};
  const caseOverrides = (data.fakeOverrides ?? {}) as Record<string, unknown>;
  if (Array.isArray(caseOverrides.nodePortAddresses))
    o.nodePortAddresses = caseOverrides.nodePortAddresses as string[];
  if (typeof h.localhostNodePorts === 'boolean') o.localhostNodePorts = h.localhostNodePorts;
  if (h !== data && 'nodePortAddresses' in h)
    o.nodePortAddresses = (h.nodePortAddresses as string[] | null) ?? [];
  if (typeof h.podCIDR === 'string') o.clusterCIDR = h.podCIDR;
  if (typeof h.masqueradeAll === 'boolean') o.masqueradeAll = h.masqueradeAll;
  if (h.localDetector === false) o.clusterCIDR = '';
  if (h.ipFamily === 'IPv6') o.dualStack = true;
  return o;
}

/** Upstream's output string from the CLI's branches: DNAT targets, or the verdict. */
function outputOf(branches: BranchJson[]): string {
  const outputs: string[] = [];
  for (const b of branches) {
    const out =
      b.outcome === 'rejected'
        ? 'REJECT'
        : b.outcome === 'dropped'
          ? 'DROP'
          : b.ip !== null
            ? b.ip.includes(':')
              ? `[${b.ip}]:${b.port}`
              : `${b.ip}:${b.port}`
            : b.verdict === 'ACCEPT'
              ? 'ACCEPT'
              : '';
    if (out !== '' && !outputs.includes(out)) outputs.push(out);
  }
  return outputs.join(', ');
}

const root = mkdtempSync(join(tmpdir(), 'kubepath-flows-'));
after(() => rmSync(root, { recursive: true, force: true }));

const groups = loadFlowGroups().filter((g) => g.caseFile !== 'TestTracePacket.json' && g.flows.length > 0);
let caseNo = 0;
for (const group of groups) {
  void describe(`kubepath trace via the CLI: ${group.label}`, () => {
    const dir = join(root, String(caseNo++));
    {
      const h = group.holder;
      const data = group.caseData;
      const services = list<FixtureService>(h.services) ?? list<FixtureService>(data.services) ?? [];
      const slices =
        group.flowKey === 'afterSliceDeletedPacketFlows'
          ? []
          : (list<FixtureSlice>(h.endpointSlices) ?? list<FixtureSlice>(data.endpointSlices) ?? []);
      const docs = [...services.map(serviceManifest), ...slices.map(sliceManifest)].map((d) =>
        JSON.stringify(d),
      );
      const fake = data.fakeProxier as FakeProxier;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'manifests.yaml'), docs.join('\n---\n') + '\n');
      writeFileSync(join(dir, 'profile.yaml'), profileYaml(fake, overridesOf(group)));
    }
    for (const flow of group.flows) {
      const name = `${flow.name}: ${flow.protocol} ${flow.sourceIP} -> ${flow.destIP}:${flow.destPort}`;
      // net.JoinHostPort: an IPv6 target is written [addr]:port.
      const target = flow.destIP.includes(':')
        ? `[${flow.destIP}]:${flow.destPort}`
        : `${flow.destIP}:${flow.destPort}`;
      void test(name, async () => {
        let stdout = '';
        let stderr = '';
        const code = await run(
          [
            'trace',
            target,
            'manifests.yaml',
            '--cluster',
            'profile.yaml',
            '--from',
            `ip:${flow.sourceIP}`,
            '--node',
            'test-node',
            '--protocol',
            flow.protocol,
            '--json',
          ],
          { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir },
        );
        assert.equal(stderr, '');
        const trace = JSON.parse(stdout) as { branches: BranchJson[] };
        assert.equal(outputOf(trace.branches), flow.output, 'DNAT targets / verdict');
        assert.equal(
          trace.branches.some((b) => b.masquerade),
          flow.masq,
          'masquerade',
        );
        const reached = trace.branches.some((b) => b.outcome === 'reached');
        assert.equal(code, reached ? 0 : 1, 'exit code: 0 only when a pod is reached');
      });
    }
  });
}
