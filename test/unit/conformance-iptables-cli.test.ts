// The upstream full-dump cases through the user's path: Services and EndpointSlices
// written as manifests, the fake node as a cluster profile, `kubepath iptables
// --restore-input --node test-node`, canonical order, byte for byte.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { iptablesCommand } from '../../src/cli/commands/iptables';
import type { CliIO } from '../../src/cli/io';
import { sortIPTablesRules } from '../../src/engine/proxy/iptables';
import type { FakeProxier, FixtureService, FixtureSlice } from './proxyFixtures';
import { loadFixture } from './proxyFixtures';
import { profileYaml, serviceManifest, sliceManifest } from './fixtureManifests';

async function runCase(
  fake: FakeProxier,
  services: FixtureService[],
  slices: FixtureSlice[],
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-iptables-'));
  try {
    // JSON documents are YAML documents.
    const docs = [...services.map(serviceManifest), ...slices.map(sliceManifest)].map((d) =>
      JSON.stringify(d, null, 2),
    );
    writeFileSync(join(dir, 'manifests.yaml'), docs.join('\n---\n') + '\n');
    writeFileSync(join(dir, 'profile.yaml'), profileYaml(fake));
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir };
    const code = await iptablesCommand(
      ['manifests.yaml', '--cluster', 'profile.yaml', '--node', fake.nodeName, '--restore-input'],
      io,
    );
    assert.equal(code, 0, stderr);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** assertIPTablesRulesEqual trims the expected text's leading whitespace. */
function trimmedExpected(expected: string): string {
  return expected.replace(/^[ \t\n]+/, '');
}

interface Base {
  fakeProxier: FakeProxier;
  services: FixtureService[];
  endpointSlices: FixtureSlice[];
  expectedIptablesSave: string;
}

void describe('conformance via the CLI: kubepath iptables --restore-input --node test-node', () => {
  void it('TestOverallIPTablesRules', async () => {
    const f = loadFixture<Base>('TestOverallIPTablesRules');
    const out = await runCase(f.fakeProxier, f.services, f.endpointSlices);
    assert.equal(sortIPTablesRules(out), trimmedExpected(f.expectedIptablesSave));
  });
  void it('TestSyncProxyRulesRepeated step 1 (the full sync; later steps are partial syncs of a running proxier)', async () => {
    const f = loadFixture<
      Base & {
        steps: {
          servicesAfter: FixtureService[];
          endpointSlicesAfter: FixtureSlice[];
          expectedIptablesSave: string;
        }[];
      }
    >('TestSyncProxyRulesRepeated');
    const step = f.steps[0]!;
    const out = await runCase(f.fakeProxier, step.servicesAfter, step.endpointSlicesAfter);
    assert.equal(sortIPTablesRules(out), trimmedExpected(step.expectedIptablesSave));
  });
});
