// The nftables ruleset parser and interpreter (src/engine/trace/nft) on their own: real
// `nft list table` output (upstream's TestOverallNFTablesRules table as nft 1.0.6 listed it),
// hand-written rulesets for the netfilter semantics the kube-proxy tables do not exercise
// (several tables on one hook, policies, inet, intervals, numgen shares), and parse errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PacketTrace, TracePacket } from '../../src/engine/model';
import { parseNftRuleset, traceNftPacket } from '../../src/engine/trace';
import type { NftBaseChain } from '../../src/engine/trace';
import { loadNftablesFixture } from './proxyFixtures';

const overall = loadNftablesFixture<{
  expectedNftList: string;
  expectedDumpOrder: string;
  fakeProxier: { nodeIPs: string[] };
}>('TestOverallNFTablesRules');

function packet(
  src: string,
  dst: string,
  port: number,
  protocol: TracePacket['protocol'] = 'TCP',
): TracePacket {
  return { sourceIP: src, destinationIP: dst, destinationPort: port, protocol };
}

function allHops(t: PacketTrace) {
  return [...t.hops, ...t.branches.flatMap((b) => b.hops)];
}

void describe('nft ruleset parser', () => {
  void it('reads real `nft list table` output: every object the transaction created, no errors', () => {
    const r = parseNftRuleset(overall.expectedNftList, 'list.nft');
    assert.deepEqual(r.errors, []);
    assert.equal(r.tables.length, 1);
    const table = r.tables[0];
    assert.ok(table);
    assert.equal(`${table.family} ${table.name}`, 'ip kube-proxy');
    const lines = overall.expectedDumpOrder.split('\n');
    const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    assert.equal(table.chains.size, count('add chain '));
    assert.equal(
      [...table.chains.values()].reduce((n, c) => n + c.rules.length, 0),
      count('add rule '),
    );
    assert.equal([...table.sets.values()].filter((s) => s.kind === 'set').length, count('add set '));
    assert.equal([...table.sets.values()].filter((s) => s.kind === 'map').length, count('add map '));
    assert.equal(
      [...table.sets.values()].reduce((n, s) => n + s.elements.length, 0),
      count('add element '),
    );
    // Each base chain's hook and priority as the transaction wrote them (nft prints names: `dstnat - 10`).
    for (const l of lines) {
      const m = /^add chain ip kube-proxy (\S+) \{ type (\w+) hook (\w+) priority (-?\d+) ; \}/.exec(l);
      if (!m) continue;
      const base: NftBaseChain | null | undefined = table.chains.get(m[1] ?? '')?.base;
      assert.deepEqual([base?.type, base?.hook, base?.priority], [m[2], m[3], Number(m[4])], l);
    }
    // A rule keeps its line and text; element keys are split on ` . `, with comments and values.
    const services = table.chains.get('services');
    assert.equal(services?.rules[0]?.text, 'ip daddr . meta l4proto . th dport vmap @service-ips');
    const line = services?.rules[0]?.line ?? 0;
    assert.equal(overall.expectedNftList.split('\n')[line - 1]?.trim(), services?.rules[0]?.text);
    const noEndpoints = table.sets.get('no-endpoint-services');
    assert.deepEqual(noEndpoints?.keyTypes, ['ipv4_addr', 'inet_proto', 'inet_service']);
    assert.deepEqual(noEndpoints?.elements.at(-1), {
      key: ['172.30.0.46', 'tcp', '80'],
      value: ['goto', 'reject-chain'],
      comment: 'ns6/svc6:p80',
      line: noEndpoints?.elements.at(-1)?.line,
    });
    assert.deepEqual(table.sets.get('affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80')?.flags, [
      'dynamic',
      'timeout',
    ]);
  });

  void it('reports problems at line:column and goes on', () => {
    const text = [
      'table inet t {',
      '\tchain c {',
      '\t\ttype filter hook input priority bogus; policy accept;',
      '\t\tip saddr 10.0.0.1 drop',
      '\t}',
      '\twidget w { }',
      '}',
      'add rule ip t c drop',
      'table ip u {',
      '\tchain d {',
    ].join('\n');
    const r = parseNftRuleset(text, 'x.nft');
    assert.deepEqual(
      r.errors.map((e) => e.message),
      [
        'line 3:3: base chain c: unknown priority "bogus"',
        'line 6:2: expected chain, set, map or another table object, found "widget"',
        'line 8:1: "add …" is a command of an nft -f script; paste what `nft list ruleset` prints (tables as blocks)',
        'line 10:2: chain d is not closed (missing "}")',
        'line 9:1: table ip u is not closed (missing "}")',
      ],
    );
    assert.equal(r.errors[0]?.range.file, 'x.nft');
    // The rule after the bad line is still read.
    assert.equal(r.tables[0]?.chains.get('c')?.rules[0]?.text, 'ip saddr 10.0.0.1 drop');
  });
});

void describe('nft interpreter', () => {
  const nodeIPs = overall.fakeProxier.nodeIPs;

  void it('walks upstream’s listed table: ClusterIP with affinity (a note), no endpoints (reject), unallocated IP (drop)', () => {
    const r = parseNftRuleset(overall.expectedNftList, 'list.nft');
    const affinity = traceNftPacket(r, packet('10.0.0.2', '172.30.0.45', 80), 'prerouting', {
      localAddresses: nodeIPs,
    });
    assert.equal(affinity.outcome, 'reached');
    assert.deepEqual(
      affinity.branches.map((b) => [b.ip, b.port, b.probability]),
      [['10.180.0.3', 80, 1]],
    );
    assert.ok(affinity.branches[0]?.notes.some((n) => n.includes('@affinity-GTK6MW7G')));
    const reject = traceNftPacket(r, packet('10.0.0.2', '172.30.0.46', 80), 'prerouting', {
      localAddresses: nodeIPs,
    });
    assert.equal(reject.outcome, 'rejected');
    const last = allHops(reject).at(-1);
    assert.equal(last?.kind, 'reject');
    assert.equal(last?.chain, 'reject-chain');
    const drop = traceNftPacket(r, packet('10.0.0.2', '172.30.0.99', 80), 'prerouting', {
      localAddresses: nodeIPs,
    });
    assert.equal(drop.outcome, 'dropped');
    assert.equal(
      allHops(drop).at(-1)?.rule,
      'ip daddr 172.30.0.0/16 drop comment "Drop traffic to unallocated ClusterIPs"',
    );
    for (const t of [affinity, reject, drop]) assert.equal(t.uncertain, false);
  });

  const ruleset = [
    'table inet early {',
    '\tchain pre {',
    '\t\ttype filter hook prerouting priority raw; policy accept;',
    '\t\tct state established,related accept',
    '\t\tip saddr { 192.0.2.0/24, 198.51.100.7 } counter drop',
    '\t\tiifname "eth9" drop',
    '\t\tmeta l4proto udp accept',
    '\t}',
    '\tchain out {',
    '\t\ttype filter hook output priority filter; policy accept;',
    '\t\tip6 daddr ::1 accept',
    '\t}',
    '}',
    'table ip lb {',
    '\tmap ports {',
    '\t\ttype inet_proto . inet_service : verdict',
    '\t\telements = { tcp . 8000-8099 comment "range" : goto spread, udp . 53 : drop }',
    '\t}',
    '\tchain nat-pre {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    '\t\tip daddr 10.9.0.1 meta l4proto . th dport vmap @ports',
    '\t}',
    '\tchain nat-out {',
    '\t\ttype nat hook output priority -100; policy accept;',
    '\t\tip daddr 127.0.0.1 tcp dport 7000 dnat to 127.0.0.1:7001',
    '\t}',
    '\tchain spread {',
    '\t\tmeta mark set 0x10',
    '\t\tnumgen random mod 4 vmap { 0-1 : goto a, 2 : goto b }',
    '\t\tlimit rate 10/second accept',
    '\t\treturn',
    '\t}',
    '\tchain a {',
    '\t\tmeta l4proto tcp dnat to 10.1.0.1:80',
    '\t}',
    '\tchain b {',
    '\t\tmeta l4proto tcp dnat to 10.1.0.2',
    '\t}',
    '\tchain fwd {',
    '\t\ttype filter hook forward priority filter; policy drop;',
    '\t\tmeta mark 0x10 ip daddr 10.1.0.0/24 accept',
    '\t}',
    '}',
  ].join('\n');
  const parsed = parseNftRuleset(ruleset, 'r.nft');

  void it('parses the hand-written ruleset cleanly', () => {
    assert.deepEqual(parsed.errors, []);
  });

  void it('numgen: a branch per element with its share of the modulus; unmatched values go on; policy drop', () => {
    const t = traceNftPacket(parsed, packet('203.0.113.5', '10.9.0.1', 8042), 'prerouting', {
      localAddresses: ['10.9.0.9'],
    });
    assert.deepEqual(
      t.branches.map((b) => [b.outcome, b.ip, b.port, b.probability, b.verdict, b.uncertain]),
      [
        ['reached', '10.1.0.1', 80, 0.5, 'DNAT', true],
        ['reached', '10.1.0.2', 8042, 0.25, 'DNAT', true],
        // values 3 of `mod 4`: no element, on to `limit` (not modelled: uncertain), then return;
        // the forward chain's policy drops what its rule does not accept
        ['dropped', null, null, 0.25, 'policy DROP', true],
      ],
    );
    // The unsupported `iifname` rule is shown, with its line, on every branch (it comes before the split).
    const iif = t.hops.find((h) => h.kind === 'unsupported');
    assert.equal(iif?.line, 6);
    assert.equal(iif?.rule, 'iifname "eth9" drop');
    const limit = t.branches[2]?.hops.find((h) => h.kind === 'unsupported');
    assert.equal(limit?.line, 30);
    // Chains run in priority order across tables: inet early (raw, -300) before ip lb (dstnat).
    const chains = t.hops.filter((h) => h.kind === 'chain').map((h) => h.name);
    assert.deepEqual(chains.slice(0, 2), ['inet early pre', 'ip lb nat-pre']);
  });

  void it('anonymous sets, ct state lists and verdicts of maps decide', () => {
    const blocked = traceNftPacket(parsed, packet('198.51.100.7', '10.9.0.1', 8001), 'prerouting', {
      localAddresses: [],
    });
    assert.equal(blocked.outcome, 'dropped');
    assert.equal(allHops(blocked).at(-1)?.line, 5);
    // udp is accepted by the inet chain, and the next hook chain still runs: the map drops udp/53.
    const udp = traceNftPacket(parsed, packet('203.0.113.5', '10.9.0.1', 53, 'UDP'), 'prerouting', {
      localAddresses: [],
    });
    assert.equal(udp.outcome, 'dropped');
    assert.equal(allHops(udp).at(-1)?.chain, 'nat-pre');
  });

  void it('the output path: nat output DNAT, then loopback delivery through input', () => {
    const t = traceNftPacket(parsed, packet('127.0.0.1', '127.0.0.1', 7000), 'output', {
      localAddresses: [],
    });
    assert.deepEqual(
      t.branches.map((b) => [b.outcome, b.ip, b.port]),
      [['reached', '127.0.0.1', 7001]],
    );
    assert.equal(t.uncertain, false);
    // An IPv6 packet passes only the inet table's chains.
    const v6 = traceNftPacket(parsed, packet('::1', '::1', 7000), 'output', { localAddresses: [] });
    assert.deepEqual(
      allHops(v6).map((h) => `${h.kind} ${h.chain ?? ''}`),
      ['chain out', 'rule out'],
    );
    assert.equal(v6.branches[0]?.verdict, 'ACCEPT');
  });

  void it('a jump loop ends at the depth limit as an uncertain hop', () => {
    const loop = parseNftRuleset(
      'table ip t {\n\tchain in {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tjump x\n\t}\n\tchain x {\n\t\tjump x\n\t}\n}\n',
    );
    const t = traceNftPacket(loop, packet('10.0.0.1', '10.0.0.2', 80), 'prerouting', {
      localAddresses: ['10.0.0.2'],
      maxDepth: 5,
    });
    assert.equal(t.uncertain, true);
    assert.ok(allHops(t).some((h) => h.kind === 'unsupported' && h.name === 'jump depth limit'));
  });
});
