// `kubepath nftables` through the user's path: upstream's TestOverallNFTablesRules Services and
// EndpointSlices written as manifests, the fake node as a cluster profile in nftables mode.
// The three forms are each checked against upstream's data: --sorted byte for byte, the
// transaction by replaying it statement by statement, the default listing block for block.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from '../../src/cli/main';
import { sortNFTablesTransaction } from '../../src/engine/proxy/nftables';
import type { NodeOverrides } from './fixtureManifests';
import { profileYaml, serviceManifest, sliceManifest } from './fixtureManifests';
import type { FakeProxier, FixtureService, FixtureSlice, NftablesFakeProxier } from './proxyFixtures';
import { loadNftablesFixture } from './proxyFixtures';

interface Overall {
  fakeProxier: NftablesFakeProxier;
  services: FixtureService[];
  endpointSlices: FixtureSlice[];
  expectedTransaction: string;
  expectedTransactionSorted: string;
  expectedNftList: string;
}

const f = loadNftablesFixture<Overall>('TestOverallNFTablesRules');

/** The nftables fake as the iptables-shaped fake profileYaml reads (settings nftables mode ignores). */
const fake: FakeProxier = {
  ...f.fakeProxier,
  localhostNodePorts: false,
  hasRandomFully: true,
  conntrackTCPLiberal: false,
};

async function kubepath(
  argv: string[],
  overrides: NodeOverrides = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-nftables-'));
  try {
    const docs = [...f.services.map(serviceManifest), ...f.endpointSlices.map(sliceManifest)].map((d) =>
      JSON.stringify(d, null, 2),
    );
    writeFileSync(join(dir, 'manifests.yaml'), docs.join('\n---\n') + '\n');
    writeFileSync(
      join(dir, 'profile.yaml'),
      profileYaml(fake, {
        mode: 'nftables',
        kubernetesVersion: '1.34',
        nodePortAddresses: f.fakeProxier.nodePortAddresses.filter((c) => !c.includes(':')),
        ...overrides,
      }),
    );
    let stdout = '';
    let stderr = '';
    const code = await run([...argv, 'manifests.yaml', '--cluster', 'profile.yaml'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      cwd: dir,
    });
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A minimal nft: applies add/flush/delete statements of chains, rules, sets, maps and elements
 * to a table, then writes it as `add` lines (what upstream's fake dumps).
 */
function replay(transaction: string): string {
  const chains = new Map<string, { decl: string; rules: string[] }>();
  const sets = new Map<string, { decl: string; elements: Map<string, string> }>();
  let table = '';
  for (const line of transaction.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const w = line.split(' ');
    const [verb, kind, , , name = ''] = w;
    if (kind === 'table') table = line;
    else if (kind === 'chain' && verb === 'add') {
      if (!chains.has(name)) chains.set(name, { decl: line, rules: [] });
    } else if (kind === 'chain' && verb === 'flush') (chains.get(name) ?? { rules: [] }).rules.length = 0;
    else if (kind === 'chain' && verb === 'delete') chains.delete(name);
    else if (kind === 'rule') chains.get(name)?.rules.push(line);
    else if ((kind === 'set' || kind === 'map') && verb === 'add') {
      if (!sets.has(name)) sets.set(name, { decl: line, elements: new Map() });
    } else if ((kind === 'set' || kind === 'map') && verb === 'flush') sets.get(name)?.elements.clear();
    else if ((kind === 'set' || kind === 'map') && verb === 'delete') sets.delete(name);
    else if (kind === 'element') {
      const body = line.slice(line.indexOf('{') + 2, line.lastIndexOf('}') - 1);
      const key = body.split(/ comment | : /)[0] ?? '';
      if (verb === 'add') sets.get(name)?.elements.set(key, line);
      else sets.get(name)?.elements.delete(key);
    } else throw new Error(`replay: unexpected statement ${line}`);
  }
  const out = [table];
  for (const c of chains.values()) out.push(c.decl, ...c.rules);
  for (const s of sets.values()) out.push(s.decl, ...s.elements.values());
  return out.join('\n');
}

/** The listing's top-level blocks, in no particular order. */
function listingBlocks(listing: string): string[] {
  const body = listing.split('\n').slice(2, -2).join('\n');
  return body.split('\n\n').sort();
}

void describe('kubepath nftables on upstream TestOverallNFTablesRules', () => {
  void it("--sorted is upstream's expected table after sortNFTablesTransaction, byte for byte", async () => {
    const out = await kubepath(['nftables', '--node', 'test-node', '--sorted']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stderr, '');
    assert.equal(out.stdout, `${f.expectedTransactionSorted.trim()}\n`);
  });

  void it("--transaction, replayed statement by statement on an empty table, leaves upstream's table", async () => {
    const out = await kubepath(['nftables', '--node', 'test-node', '--transaction']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^add table ip kube-proxy \{ comment "rules for kube-proxy" ; \}\n/);
    // Stale state from an older kube-proxy is cleared: chains are flushed before their rules.
    assert.match(out.stdout, /\nflush chain ip kube-proxy services\n/);
    assert.equal(sortNFTablesTransaction(replay(out.stdout)), f.expectedTransactionSorted.trim());
  });

  void it("the default is the nft list form: the blocks of upstream's expectedNftList (in creation order)", async () => {
    const out = await kubepath(['nftables', '--node', 'test-node']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^table ip kube-proxy \{\n\tcomment "rules for kube-proxy"\n/);
    assert.deepEqual(listingBlocks(out.stdout), listingBlocks(f.expectedNftList));
    // nft lists sets and maps before chains, each in the order the transaction created them.
    assert.ok(out.stdout.indexOf('\tset cluster-ips {') < out.stdout.indexOf('\tmap no-endpoint-services {'));
    assert.ok(
      out.stdout.indexOf('\tmap service-nodeports {') <
        out.stdout.indexOf('\tchain filter-prerouting-pre-dnat {'),
    );
  });

  void it('--all-nodes separates the nodes with comment lines that nft -f and the sort ignore', async () => {
    const out = await kubepath(['nftables', '--all-nodes', '--sorted']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `# node: test-node\n${f.expectedTransactionSorted.trim()}\n`);
  });

  void it('--transaction and --sorted together are bad usage', async () => {
    const out = await kubepath(['nftables', '--transaction', '--sorted']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /choose one/);
  });
});

void describe('kube-proxy mode of the profile', () => {
  void it('nftables on an iptables-mode profile prints nftables rules and says the nodes run iptables', async () => {
    const out = await kubepath(['nftables', '--sorted'], { mode: 'iptables' });
    assert.equal(out.code, 0);
    assert.match(out.stderr, /runs kube-proxy in iptables mode/);
    assert.equal(out.stdout, `${f.expectedTransactionSorted.trim()}\n`);
  });

  void it('iptables on an nftables-mode profile says the nodes run nftables', async () => {
    const out = await kubepath(['iptables']);
    assert.equal(out.code, 0);
    assert.match(out.stderr, /runs kube-proxy in nftables mode/);
    assert.match(out.stdout, /^\*filter\n/m);
  });

  void it('ipvs mode is not modelled: both commands refuse, exit 2, nothing printed', async () => {
    for (const command of ['iptables', 'nftables']) {
      const out = await kubepath([command], { mode: 'ipvs' });
      assert.equal(out.code, 2, command);
      assert.equal(out.stdout, '', command);
      assert.match(out.stderr, /ipvs mode, which kubepath does not model/, command);
    }
  });

  void it('trace on an nftables-mode profile walks the node’s nftables table, and --json says so', async () => {
    const out = await kubepath(['trace', '172.30.0.41:80', '--from', 'ip:10.0.0.2', '--json']);
    assert.equal(out.code, 0, out.stderr);
    assert.doesNotMatch(out.stderr, /iptables mode would write/);
    const trace = JSON.parse(out.stdout) as {
      proxyMode: string;
      outcome: string;
      branches: {
        ip: string;
        port: number;
        hops: { chain: string | null; rule: string | null; line?: number }[];
      }[];
    };
    assert.equal(trace.proxyMode, 'nftables');
    assert.equal(trace.outcome, 'reached');
    assert.deepEqual(
      trace.branches.map((b) => `${b.ip}:${b.port}`),
      ['10.180.0.1:80'],
    );
    // Every rule hop's line is that rule's line in what `kubepath nftables` prints for the node.
    const listing = (await kubepath(['nftables'])).stdout.split('\n');
    const hops = trace.branches.flatMap((b) => b.hops).filter((h) => h.rule !== null);
    assert.ok(hops.some((h) => h.chain === 'ip kube-proxy services'));
    for (const h of hops) assert.equal(listing[(h.line ?? 0) - 1]?.trim(), h.rule, `line ${h.line}`);
  });

  void it('trace --nft-ruleset walks a pasted `nft list ruleset`, whatever the profile’s mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubepath-ruleset-'));
    try {
      const file = join(dir, 'ruleset.nft');
      // upstream's table as real nft 1.0.6 listed it, with an extra iptables-nft table around it
      writeFileSync(
        file,
        `table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tcounter packets 3 bytes 180 # handle 2\n\t}\n}\n${f.expectedNftList}`,
      );
      const out = await kubepath(
        ['trace', '172.30.0.44:80', '--from', 'ip:10.0.0.2', '--nft-ruleset', file, '--json'],
        {
          mode: 'iptables',
        },
      );
      assert.match(
        out.stderr,
        /runs kube-proxy in iptables mode .* walks the nftables ruleset given with --nft-ruleset/,
      );
      const trace = JSON.parse(out.stdout) as {
        proxyMode: string;
        branches: {
          ip: string;
          probability: number;
          hops: { source: { file: string; line: number } | null }[];
        }[];
      };
      assert.equal(trace.proxyMode, 'nftables');
      assert.deepEqual(
        trace.branches.map((b) => [b.ip, b.probability]),
        [
          ['10.180.0.4', 0.5],
          ['10.180.0.5', 0.5],
        ],
      );
      const both = await kubepath([
        'trace',
        '172.30.0.41:80',
        '--nft-ruleset',
        file,
        '--iptables-save',
        file,
      ]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /choose one/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('a profile before 1.34 gets the 1.34 layout with a note that its own layout is not modelled', async () => {
    const out = await kubepath(['nftables', '--sorted'], { kubernetesVersion: '1.33' });
    assert.equal(out.code, 0);
    assert.match(out.stderr, /kubernetesVersion 1\.33: .* not modelled; printing the 1\.34 layout/);
  });
});
