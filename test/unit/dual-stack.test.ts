// A dual-stack cluster end to end through the CLI (examples/dual-stack): cluster IPs of
// each family, pod addresses and EndpointSlices per family, both proxiers' rules, and
// traces over either family.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../src/cli/main';
import { loadClusterProfile } from '../../src/engine/load/profile';
import { cidrContains, parseCIDR, parseIP } from '../../src/engine/net/ip';

const dir = 'examples/dual-stack';
const cluster = ['--cluster', `${dir}/kubepath.cluster.yaml`];

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

function inCIDR(ip: string, cidr: string): boolean {
  const c = parseCIDR(cidr);
  const a = parseIP(ip);
  return c !== null && a !== null && cidrContains(c, a);
}

interface ServiceJson {
  name: string;
  clusterIP: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  endpoints: { pod: string; ip: string }[];
}
interface AnalyzeJson {
  services: ServiceJson[];
  workloads: { pods: { name: string; ip: string; ips?: string[]; node: string }[] }[];
}

void describe('dual-stack cluster (examples/dual-stack)', () => {
  void it('allocates a cluster IP of each family and gives pods an address of each', async () => {
    const { code, stdout, stderr } = await cli(['analyze', dir, '--json', ...cluster]);
    assert.equal(stderr, '');
    assert.equal(code, 0);
    const json = JSON.parse(stdout) as AnalyzeJson;
    const web = json.services.find((s) => s.name === 'web');
    const v6 = json.services.find((s) => s.name === 'web-v6');
    assert.ok(web && v6);
    assert.deepEqual(web.ipFamilies, ['IPv4', 'IPv6']);
    const [ip4 = '', ip6 = ''] = web.clusterIPs ?? [];
    assert.equal(web.clusterIP, ip4);
    assert.ok(inCIDR(ip4, '10.96.0.0/16'), ip4);
    assert.ok(inCIDR(ip6, 'fd00:10:96::/112'), ip6);
    assert.deepEqual(v6.ipFamilies, ['IPv6']);
    assert.ok(inCIDR(v6.clusterIP, 'fd00:10:96::/112'));
    const pods = json.workloads.flatMap((w) => w.pods);
    assert.equal(pods.length, 2);
    for (const p of pods) {
      const [a = '', b = ''] = p.ips ?? [];
      assert.equal(p.ip, a);
      const n = p.node === 'node-1' ? 1 : 2;
      assert.ok(inCIDR(a, `10.244.${n}.0/24`), a);
      assert.ok(inCIDR(b, `fd00:10:244:${n}::/64`), b);
    }
    // The EndpointSlice controller: one slice per address type, each with that family's addresses.
    const podIPs = pods.flatMap((p) => p.ips ?? []).sort();
    assert.deepEqual(web.endpoints.map((e) => e.ip).sort(), podIPs);
    assert.deepEqual(
      v6.endpoints.map((e) => e.ip).sort(),
      podIPs.filter((ip) => ip.includes(':')),
    );
  });

  void it('kubepath iptables prints both proxiers, IPv4 first; --family prints one', async () => {
    const all = await cli(['iptables', dir, ...cluster]);
    assert.equal(all.code, 0);
    const headers = all.stdout.split('\n').filter((l) => l.startsWith('# '));
    assert.deepEqual(headers, ['# iptables-save (IPv4)', '# ip6tables-save (IPv6)']);
    const [v4part = '', v6part = ''] = all.stdout.split('# ip6tables-save (IPv6)\n');
    assert.ok(!v4part.includes('fd00:'));
    assert.match(
      v6part,
      /-A KUBE-SERVICES -d fd00:10:96::[0-9a-f]+\/128 -p tcp -m comment --comment "default\/web:http cluster IP"/,
    );
    assert.ok(!v6part.includes('10.96.'));
    const v6 = await cli(['iptables', dir, ...cluster, '--family', 'ipv6']);
    assert.equal(v6.stdout, v6part);
    const bad = await cli(['iptables', dir, ...cluster, '--family', 'ipx']);
    assert.equal(bad.code, 2);
  });

  void it('kubepath nftables prints the ip then the ip6 kube-proxy table', async () => {
    const all = await cli(['nftables', dir, ...cluster]);
    assert.equal(all.code, 0);
    const tables = all.stdout.split('\n').filter((l) => l.startsWith('table '));
    assert.deepEqual(tables, ['table ip kube-proxy {', 'table ip6 kube-proxy {']);
    const v4 = await cli(['nftables', dir, ...cluster, '--family', 'ipv4']);
    assert.deepEqual(
      v4.stdout.split('\n').filter((l) => l.startsWith('table ')),
      ['table ip kube-proxy {'],
    );
  });

  void it('traces each family through its own proxier', async () => {
    const json = JSON.parse((await cli(['analyze', dir, '--json', ...cluster])).stdout) as AnalyzeJson;
    const web = json.services.find((s) => s.name === 'web');
    const [ip4 = '', ip6 = ''] = web?.clusterIPs ?? [];
    for (const [target, family] of [
      [`${ip4}:80`, 'IPv4'],
      [`[${ip6}]:80`, 'IPv6'],
    ] as const) {
      const { code, stdout } = await cli([
        'trace',
        target,
        dir,
        ...cluster,
        '--from',
        'pod:default/deployment/web',
        '--json',
      ]);
      assert.equal(code, 0, target);
      const trace = JSON.parse(stdout) as {
        packet: { sourceIP: string };
        branches: { ip: string; outcome: string; probability: number }[];
      };
      assert.equal(trace.packet.sourceIP.includes(':'), family === 'IPv6');
      assert.equal(trace.branches.length, 2);
      for (const b of trace.branches) {
        assert.equal(b.outcome, 'reached');
        assert.equal(b.ip.includes(':'), family === 'IPv6');
      }
    }
  });

  void it('in nftables mode traces each family through its own kube-proxy table', async () => {
    // The same cluster with kube-proxy in nftables mode (the kernel suite's profile).
    const nft = ['--cluster', 'test/kernel/profiles/dual-stack-nftables.cluster.yaml'];
    const json = JSON.parse((await cli(['analyze', dir, '--json', ...nft])).stdout) as AnalyzeJson;
    const web = json.services.find((s) => s.name === 'web');
    const [ip4 = '', ip6 = ''] = web?.clusterIPs ?? [];
    for (const [target, table] of [
      [`${ip4}:80`, 'ip kube-proxy'],
      [`[${ip6}]:80`, 'ip6 kube-proxy'],
    ] as const) {
      const { code, stdout } = await cli(['trace', target, dir, ...nft, '--from', 'node:node-2', '--json']);
      assert.equal(code, 0, target);
      const trace = JSON.parse(stdout) as {
        proxyMode: string;
        branches: { ip: string; outcome: string; hops: { chain: string | null }[] }[];
      };
      assert.equal(trace.proxyMode, 'nftables');
      assert.equal(trace.branches.length, 2, target);
      for (const b of trace.branches) {
        assert.equal(b.outcome, 'reached');
        assert.equal(b.ip.includes(':'), table.startsWith('ip6'));
        const chains = b.hops.map((h) => h.chain).filter((c) => c !== null);
        assert.ok(chains.length > 0 && chains.every((c) => c.startsWith(`${table} `)), chains.join(', '));
      }
    }
  });

  void it('a node port answers over IPv6 on the node IPv6 address', async () => {
    const json = JSON.parse((await cli(['analyze', dir, '--json', ...cluster])).stdout) as {
      services: { name: string; ports: { nodePort: number }[] }[];
    };
    const nodePort = json.services.find((s) => s.name === 'web')?.ports[0]?.nodePort ?? 0;
    const { code, stdout } = await cli([
      'trace',
      `[fc00:f853:ccd:e793::3]:${nodePort}`,
      dir,
      ...cluster,
      '--from',
      'internet',
      '--json',
    ]);
    assert.equal(code, 0);
    const trace = JSON.parse(stdout) as { branches: { ip: string; masquerade: boolean }[] };
    assert.ok(trace.branches.every((b) => b.ip.includes(':') && b.masquerade));
  });
});

void describe('dual-stack cluster profile', () => {
  const profile = (body: string) =>
    loadClusterProfile('p.yaml', `apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\n${body}`);
  void it('takes one CIDR of each family, primary first, and refuses two of one family', () => {
    const ok = profile(
      'serviceCIDR: fd00:10:96::/112,10.96.0.0/16\npodCIDR: 10.244.0.0/16,fd00:10:244::/56\n',
    );
    assert.deepEqual(ok.diagnostics, []);
    assert.equal(ok.profile.serviceCIDR, 'fd00:10:96::/112,10.96.0.0/16');
    assert.deepEqual(ok.profile.nodes[0]?.podCIDRs, ['10.244.1.0/24', 'fd00:10:244:1::/64']);
    const bad = profile('serviceCIDR: 10.96.0.0/16,10.97.0.0/16\n');
    assert.equal(bad.diagnostics.length, 1);
    assert.match(bad.diagnostics[0]?.message ?? '', /one CIDR of each family/);
  });
});
