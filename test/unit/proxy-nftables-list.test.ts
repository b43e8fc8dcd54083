// The `nft list` renderer on the shapes nft normalises. Each expectation is what nft 1.0.6
// printed for that statement in a network namespace (`nft -f`, then `nft list table`);
// test/kernel/nftables.mjs checks whole tables the same way against the installed nft.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NftTable } from '../../src/engine/proxy/nftables';
import { listRule, listTable } from '../../src/engine/proxy/nftables';

void describe('nft list: rules', () => {
  const cases: [string, string][] = [
    ['mark set mark or 0x4000', 'meta mark set meta mark | 0x00004000'],
    ['mark and 0x4000 == 0 return', 'meta mark & 0x00004000 == 0x00000000 return'],
    ['mark set mark xor 0x00004000', 'meta mark set meta mark ^ 0x00004000'],
    // One element given: printed bare. Several: an interval set, merged and in order.
    ['ip daddr { 172.30.0.0/16 } drop', 'ip daddr 172.30.0.0/16 drop'],
    ['ip daddr { 10.9.0.0/16 , 10.8.0.0/16 } drop', 'ip daddr { 10.8.0.0/15 } drop'],
    [
      'ip saddr != { 10.0.0.0/25 , 10.0.0.128/25 , 10.1.0.0/24 , 10.1.1.0/25 , 10.2.0.5 , 10.2.0.6 , 10.3.0.0/16 , 10.3.4.0/24 } drop',
      'ip saddr != { 10.0.0.0/24, 10.1.0.0-10.1.1.127, 10.2.0.5-10.2.0.6, 10.3.0.0/16 } drop',
    ],
    [
      'ip6 saddr != { 2600:5200::/32 , 2001:db8::1 , 2001:db8::/64 , 2001:db8:ff::1 } drop',
      'ip6 saddr != { 2001:db8::/64, 2001:db8:ff::1, 2600:5200::/32 } drop',
    ],
    [
      'numgen random mod 2 vmap { 0 : goto a , 1 : goto b }',
      'numgen random mod 2 vmap { 0 : goto a, 1 : goto b }',
    ],
    ['update @affinity-x { ip saddr }', 'update @affinity-x { ip saddr }'],
  ];
  for (const [rule, listed] of cases) void it(rule, () => assert.equal(listRule(rule), listed));
});

void describe('nft list: tables', () => {
  const table: NftTable = {
    family: 'ip',
    name: 't',
    comment: 'c',
    chains: new Map([
      ['pre', { name: 'pre', base: { type: 'filter', hook: 'prerouting', priority: -110 }, rules: [] }],
      ['out', { name: 'out', base: { type: 'nat', hook: 'output', priority: -100 }, rules: [] }],
      [
        'post',
        { name: 'post', base: { type: 'nat', hook: 'postrouting', priority: 100 }, rules: ['jump x'] },
      ],
      ['x', { name: 'x', rules: ['update @aff2 { ip saddr }'] }],
    ]),
    sets: new Map([
      [
        'ports',
        {
          kind: 'map',
          name: 'ports',
          type: 'inet_proto . inet_service : verdict',
          // A concatenated key sorts as one little-endian number: low port byte first.
          elements: new Map(
            [4000, 30001, 3001].map(
              (p) => [`tcp . ${p}`, { key: ['tcp', String(p)], value: ['drop'] }] as const,
            ),
          ),
        },
      ],
      [
        'aff',
        {
          kind: 'set',
          name: 'aff',
          type: 'ipv4_addr',
          flags: ['dynamic', 'timeout'],
          timeoutSeconds: 90,
          elements: new Map(),
        },
      ],
      [
        'aff2',
        {
          kind: 'set',
          name: 'aff2',
          type: 'ipv4_addr',
          flags: ['dynamic', 'timeout'],
          timeoutSeconds: 10800,
          elements: new Map(),
        },
      ],
    ]),
  };
  // The table as nft 1.0.6 listed it after loading the same objects (ports' elements added 4000, 30001, 3001).
  void it('sets before chains in creation order; named priorities by hook; sizes, timeouts, element order', () => {
    assert.equal(
      listTable(table),
      [
        'table ip t {',
        '\tcomment "c"',
        '\tmap ports {',
        '\t\ttype inet_proto . inet_service : verdict',
        '\t\telements = { tcp . 30001 : drop,',
        '\t\t\t     tcp . 4000 : drop,',
        '\t\t\t     tcp . 3001 : drop }',
        '\t}',
        '',
        '\tset aff {',
        '\t\ttype ipv4_addr',
        '\t\tflags dynamic,timeout',
        '\t\ttimeout 1m30s',
        '\t}',
        '',
        '\tset aff2 {',
        '\t\ttype ipv4_addr',
        '\t\tsize 65535',
        '\t\tflags dynamic,timeout',
        '\t\ttimeout 3h',
        '\t}',
        '',
        '\tchain pre {',
        '\t\ttype filter hook prerouting priority dstnat - 10; policy accept;',
        '\t}',
        '',
        '\tchain out {',
        '\t\ttype nat hook output priority -100; policy accept;',
        '\t}',
        '',
        '\tchain post {',
        '\t\ttype nat hook postrouting priority srcnat; policy accept;',
        '\t\tjump x',
        '\t}',
        '',
        '\tchain x {',
        '\t\tupdate @aff2 { ip saddr }',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });
});
