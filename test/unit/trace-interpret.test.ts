import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PacketTrace, TraceEntry, TracePacket } from '../../src/engine/model';
import { tracePacket } from '../../src/engine/trace';

const LOCAL = ['192.168.0.2'];

function nat(lines: string[], chains: string[], filter: string[] = [], filterChains: string[] = []): string {
  return [
    ...(filter.length + filterChains.length > 0
      ? ['*filter', ...filterChains.map((c) => `:${c}`), ...filter, 'COMMIT']
      : []),
    '*nat',
    ...chains.map((c) => `:${c} - [0:0]`),
    ...lines,
    'COMMIT',
    '',
  ].join('\n');
}

function trace(
  text: string,
  packet: Partial<TracePacket> = {},
  entry: TraceEntry = 'prerouting',
): PacketTrace {
  return tracePacket(
    text,
    { sourceIP: '10.0.0.2', destinationIP: '172.30.0.1', destinationPort: 80, protocol: 'TCP', ...packet },
    entry,
    { localAddresses: LOCAL, node: 'node-1' },
  );
}

function allHops(t: PacketTrace): PacketTrace['hops'] {
  return [...t.hops, ...t.branches.flatMap((b) => b.hops)];
}

/** A Service with n endpoints in kube-proxy's form (computeProbability: 1/(n-i), 10 decimals). */
function serviceDump(n: number): string {
  const lines = ['-A KUBE-SERVICES -d 172.30.0.1/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-A'];
  const chains = ['KUBE-SERVICES', 'KUBE-SVC-A'];
  for (let i = 0; i < n; i++) {
    const prob = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : '';
    lines.push(`-A KUBE-SVC-A${prob} -j KUBE-SEP-${i}`);
    lines.push(
      `-A KUBE-SEP-${i} -p tcp -m tcp -j DNAT --to-destination 10.1.${Math.floor(i / 250)}.${i % 250}:8080`,
    );
    chains.push(`KUBE-SEP-${i}`);
  }
  return nat(lines, chains);
}

void test('statistic rules split into branches whose probabilities sum to 1', () => {
  const t = trace(serviceDump(3));
  assert.equal(t.outcome, 'reached');
  assert.deepEqual(
    t.branches.map((b) => `${b.ip}:${b.port}`),
    ['10.1.0.0:8080', '10.1.0.1:8080', '10.1.0.2:8080'],
  );
  for (const b of t.branches) assert.ok(Math.abs(b.probability - 1 / 3) < 1e-9, String(b.probability));
  // The shared prefix is reported once; each branch starts at its own random choice.
  assert.equal(t.hops.at(-1)?.name, 'KUBE-SVC-A');
  assert.match(t.branches[0]?.hops[0]?.detail ?? '', /probability 0\.3333333333/);
});

void test('property: any endpoint count gives one branch per endpoint, near-equal weights summing to 1', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), (n) => {
      const t = trace(serviceDump(n));
      const sum = t.branches.reduce((p, b) => p + b.probability, 0);
      return (
        t.branches.length === n &&
        Math.abs(sum - 1) < 1e-9 &&
        t.branches.every((b) => Math.abs(b.probability - 1 / n) < 1e-8 && b.outcome === 'reached') &&
        new Set(t.branches.map((b) => b.ip)).size === n
      );
    }),
    { numRuns: 60 },
  );
});

void test('large services trace without deep recursion', () => {
  const t = trace(serviceDump(2000));
  assert.equal(t.branches.length, 2000);
  assert.ok(Math.abs(t.branches.reduce((p, b) => p + b.probability, 0) - 1) < 1e-9);
});

void test('the same input gives the same output', () => {
  assert.deepEqual(trace(serviceDump(7)), trace(serviceDump(7)));
});

void test('marks: MARK --or-mark/--set-xmark/--xor-mark and -m mark decide masquerade', () => {
  const chains = ['KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'KUBE-SEP'];
  const tail = [
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -j MASQUERADE',
    '-A KUBE-SEP -j DNAT --to-destination 10.1.0.1:80',
  ];
  const marked = (markRule: string, sep = '-A KUBE-SERVICES -j KUBE-SEP'): PacketTrace =>
    trace(nat(['-A KUBE-SERVICES -j KUBE-MARK-MASQ', sep, markRule, ...tail], chains));
  assert.equal(marked('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000').branches[0]?.masquerade, true);
  assert.equal(marked('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000').branches[0]?.masquerade, true);
  assert.equal(
    marked('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x8000/0xffffffff').branches[0]?.masquerade,
    false,
  );
  assert.equal(marked('-A KUBE-MARK-MASQ -j MARK --set-mark 0x4001').branches[0]?.masquerade, true);
  // A later rule can clear the mark again before POSTROUTING.
  assert.equal(
    marked(
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-SERVICES -j MARK --and-mark 0x0\n-A KUBE-SERVICES -j KUBE-SEP',
    ).branches[0]?.masquerade,
    false,
  );
  const t = marked('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');
  assert.ok(allHops(t).some((h) => h.name === 'MARK' && /0x0 -> 0x4000/.test(h.detail)));
  assert.ok(allHops(t).some((h) => h.name === 'MASQUERADE' && h.chain === 'KUBE-POSTROUTING'));
});

void test('RETURN and fall-through continue in the caller; goto returns past it', () => {
  const base = ['KUBE-SERVICES', 'A', 'B', 'SEP1', 'SEP2'];
  const seps = [
    '-A SEP1 -j DNAT --to-destination 10.1.0.1:80',
    '-A SEP2 -j DNAT --to-destination 10.1.0.2:80',
  ];
  const viaJump = trace(
    nat(
      [
        '-A KUBE-SERVICES -j A',
        '-A KUBE-SERVICES -j SEP2',
        '-A A -j B',
        '-A A -j SEP1',
        '-A B -j RETURN',
        '-A B -j SEP1',
        ...seps,
      ],
      base,
    ),
  );
  assert.equal(viaJump.branches[0]?.ip, '10.1.0.1');
  const viaGoto = trace(
    nat(
      [
        '-A KUBE-SERVICES -j A',
        '-A KUBE-SERVICES -j SEP2',
        '-A A -g B',
        '-A A -j SEP1',
        '-A B -j RETURN',
        ...seps,
      ],
      base,
    ),
  );
  assert.equal(viaGoto.branches[0]?.ip, '10.1.0.2');
  const fallThrough = trace(
    nat(['-A KUBE-SERVICES -j A', '-A KUBE-SERVICES -j SEP2', '-A A -s 1.1.1.1 -j SEP1', ...seps], base),
  );
  assert.equal(fallThrough.branches[0]?.ip, '10.1.0.2');
});

void test('a jump loop stops at the depth limit with an uncertain outcome', () => {
  const t = trace(nat(['-A KUBE-SERVICES -j A', '-A A -j B', '-A B -j A'], ['KUBE-SERVICES', 'A', 'B']));
  assert.equal(t.uncertain, true);
  assert.ok(allHops(t).some((h) => h.kind === 'unsupported' && /nested jumps/.test(h.detail)));
});

void test('unsupported matches and targets are explicit hops and make the outcome uncertain', () => {
  const chains = ['KUBE-SERVICES', 'SEP'];
  const sep = '-A SEP -j DNAT --to-destination 10.1.0.1:80';
  const multiport = trace(nat(['-A KUBE-SERVICES -p tcp -m multiport --dports 80,443 -j SEP', sep], chains));
  assert.equal(multiport.uncertain, true);
  assert.equal(multiport.outcome, 'accepted');
  const hop = allHops(multiport).find((h) => h.kind === 'unsupported');
  assert.match(hop?.detail ?? '', /unsupported match match module multiport.* at line 4/);
  assert.equal(hop?.line, 4);
  // An unsupported match in a rule that fails anyway does not matter.
  const irrelevant = trace(nat(['-A KUBE-SERVICES -p udp -m multiport --dports 80,443 -j SEP', sep], chains));
  assert.equal(irrelevant.uncertain, false);
  const iface = trace(nat(['-A KUBE-SERVICES -i eth0 -j SEP', sep], chains));
  assert.equal(iface.uncertain, true);
  const target = trace(
    nat(['-A KUBE-SERVICES -j CONNMARK --set-mark 1', '-A KUBE-SERVICES -j SEP', sep], chains),
  );
  assert.equal(target.uncertain, true);
  assert.equal(target.branches[0]?.ip, '10.1.0.1');
  assert.ok(
    allHops(target).some(
      (h) => h.kind === 'unsupported' && /unsupported target CONNMARK at line 4/.test(h.detail),
    ),
  );
  const undefinedChain = trace(
    nat(['-A KUBE-SERVICES -j KUBE-SVC-GONE', '-A KUBE-SERVICES -j SEP', sep], chains),
  );
  assert.equal(undefinedChain.uncertain, true);
  assert.ok(allHops(undefinedChain).some((h) => /not a chain of table nat/.test(h.detail)));
  const observe = trace(
    nat(['-A KUBE-SERVICES -j LOG --log-prefix "x: "', '-A KUBE-SERVICES -j SEP', sep], chains),
  );
  assert.equal(observe.uncertain, false);
});

void test('session affinity: --rcheck does not match a first packet and leaves a note; --set matches', () => {
  const t = trace(
    nat(
      [
        '-A KUBE-SERVICES -j SVC',
        '-A SVC -m recent --name SEP2 --rcheck --seconds 10800 --reap -j SEP2',
        '-A SVC -m statistic --mode random --probability 0.5 -j SEP1',
        '-A SVC -j SEP2',
        '-A SEP1 -m recent --name SEP1 --set -j DNAT --to-destination 10.1.0.1:80',
        '-A SEP2 -m recent --name SEP2 --set -j DNAT --to-destination 10.1.0.2:80',
      ],
      ['KUBE-SERVICES', 'SVC', 'SEP1', 'SEP2'],
    ),
  );
  assert.deepEqual(
    t.branches.map((b) => [b.ip, b.probability]),
    [
      ['10.1.0.1', 0.5],
      ['10.1.0.2', 0.5],
    ],
  );
  assert.match(t.branches[1]?.notes[0] ?? '', /session affinity/);
});

void test('conntrack state: NEW first packet, DNAT after a DNAT, never ESTABLISHED', () => {
  const filterChains = ['INPUT ACCEPT [0:0]', 'FORWARD ACCEPT [0:0]', 'OUTPUT ACCEPT [0:0]'];
  const natText = (filter: string[]): string =>
    nat(
      [
        '-A PREROUTING -j KUBE-SERVICES',
        '-A KUBE-SERVICES -d 172.30.0.1/32 -j DNAT --to-destination 10.1.0.1:80',
      ],
      ['PREROUTING ACCEPT', 'KUBE-SERVICES'],
      filter,
      filterChains,
    ).replace(':PREROUTING ACCEPT - [0:0]', ':PREROUTING ACCEPT [0:0]');
  const cases: [string, string][] = [
    ['-A FORWARD -m conntrack --ctstate NEW -j DROP', 'dropped'],
    ['-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j DROP', 'reached'],
    ['-A FORWARD -m conntrack --ctstate INVALID -j DROP', 'reached'],
    ['-A FORWARD -m conntrack --ctstate DNAT -j REJECT', 'rejected'],
    ['-A FORWARD -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP', 'reached'],
  ];
  for (const [rule, outcome] of cases) assert.equal(trace(natText([rule])).outcome, outcome, rule);
  const undnat = trace(natText(['-A FORWARD -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP']), {
    destinationIP: '8.8.8.8',
  });
  assert.equal(undnat.outcome, 'dropped');
});

void test('built-in chains: routing picks INPUT or FORWARD, policies decide when no rule does', () => {
  const dump = (forwardPolicy: string): string =>
    [
      '*filter',
      ':INPUT ACCEPT [0:0]',
      `:FORWARD ${forwardPolicy} [0:0]`,
      ':OUTPUT ACCEPT [0:0]',
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      'COMMIT',
    ].join('\n');
  const dropped = trace(dump('DROP'), { destinationIP: '10.9.9.9' });
  assert.equal(dropped.outcome, 'dropped');
  assert.equal(dropped.branches[0]?.verdict, 'policy DROP');
  assert.equal(allHops(dropped).at(-1)?.line, 3);
  assert.equal(trace(dump('ACCEPT'), { destinationIP: '10.9.9.9' }).outcome, 'accepted');
  const ssh = trace(dump('DROP'), { destinationIP: '192.168.0.2', destinationPort: 22 });
  assert.equal(ssh.branches[0]?.verdict, 'ACCEPT');
  assert.ok(ssh.hops.some((h) => h.kind === 'chain' && h.name === 'filter INPUT'));
  const fromNode = trace(dump('DROP'), { sourceIP: '192.168.0.2', destinationIP: '10.9.9.9' }, 'output');
  assert.equal(fromNode.outcome, 'accepted');
  assert.ok(fromNode.hops.some((h) => h.name === 'nat OUTPUT'));
  assert.ok(!fromNode.hops.some((h) => h.name === 'filter FORWARD'));
});

void test('IPv6 rules and DNAT targets', () => {
  const t = trace(
    nat(
      [
        '-A KUBE-SERVICES -d fd00:172:30::41/128 -p tcp -m tcp --dport 80 -j KUBE-SEP-A',
        '-A KUBE-SEP-A -s fd00:10::/64 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-A -p tcp -m tcp -j DNAT --to-destination [fd00:10:180::1]:8080',
        '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      ],
      ['KUBE-SERVICES', 'KUBE-SEP-A', 'KUBE-MARK-MASQ'],
    ),
    { sourceIP: 'fd00:10::2', destinationIP: 'fd00:172:30::41' },
  );
  assert.deepEqual([t.branches[0]?.ip, t.branches[0]?.port], ['fd00:10:180::1', 8080]);
});

void test('bad packet addresses give a no-route trace with a diagnostic', () => {
  const t = trace(serviceDump(1), { sourceIP: 'not-an-ip' });
  assert.equal(t.outcome, 'no-route');
  assert.equal(t.branches.length, 1);
  assert.ok(t.diagnostics.some((d) => d.code === 'trace-bad-packet'));
});

void test('hops carry the node name and their rule text', () => {
  const t = trace(serviceDump(1));
  for (const h of allHops(t)) assert.equal(h.node, 'node-1');
  const dnat = allHops(t).find((h) => h.kind === 'dnat');
  assert.equal(dnat?.rule, '-A KUBE-SEP-0 -p tcp -m tcp -j DNAT --to-destination 10.1.0.0:8080');
  assert.equal(dnat?.chain, 'KUBE-SEP-0');
  assert.equal(dnat?.table, 'nat');
});
