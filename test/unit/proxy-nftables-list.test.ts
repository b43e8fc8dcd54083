// The `nft list` renderer on the shapes nft normalises. Each expectation is what nft 1.0.6
// printed for that statement in a network namespace (`nft -f`, then `nft list table`);
// test/kernel/nftables.mjs checks whole tables the same way against the installed nft.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NftTable } from '../../src/engine/proxy/nftables';
import { listRule, listTable } from '../../src/engine/proxy/nftables';
import fc from 'fast-check';

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

// The element order, against its definition: a single address by value (big-endian), a
// concatenation by its register bytes read as one little-endian number. Random addresses,
// so the fast IPv4 reader and the general parser are held to the same order.
void describe('nft list: element order (property)', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const dotted = (o: readonly number[]) => o.join('.');
  const listedKeys = (text: string) =>
    [...text.matchAll(/(?:\{ |,\s+)([0-9.]+(?: \. [a-z]+ \. \d+)?)(?= :|,| \})/g)].map((m) => m[1]);
  const tableWith = (set: NftTable['sets'] extends Map<string, infer S> ? S : never): NftTable => ({
    family: 'ip',
    name: 't',
    comment: 'c',
    chains: new Map(),
    sets: new Map([[set.name, set]]),
  });

  void it('an ipv4_addr set lists its addresses in numeric order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(ipv4, { minLength: 1, maxLength: 30, selector: dotted }), (addrs) => {
        const text = listTable(
          tableWith({
            kind: 'set',
            name: 's',
            type: 'ipv4_addr',
            elements: new Map(addrs.map((a) => [dotted(a), { key: [dotted(a)] }])),
          }),
        );
        const value = (o: readonly number[]) =>
          (o[0] ?? 0) * 2 ** 24 + (o[1] ?? 0) * 2 ** 16 + (o[2] ?? 0) * 256 + (o[3] ?? 0);
        const expected = [...addrs].sort((a, b) => value(a) - value(b)).map(dotted);
        assert.deepEqual(listedKeys(text), expected);
      }),
    );
  });

  void it('an address . proto . port map lists its keys in little-endian byte order', () => {
    const element = fc.tuple(ipv4, fc.constantFrom('tcp', 'udp'), fc.integer({ min: 1, max: 65535 }));
    const keyOf = ([a, p, port]: readonly [readonly number[], string, number]) =>
      `${dotted(a)} . ${p} . ${port}`;
    fc.assert(
      fc.property(fc.uniqueArray(element, { minLength: 1, maxLength: 30, selector: keyOf }), (elements) => {
        const text = listTable(
          tableWith({
            kind: 'map',
            name: 'm',
            type: 'ipv4_addr . inet_proto . inet_service : verdict',
            elements: new Map(
              elements.map((e) => [keyOf(e), { key: [dotted(e[0]), e[1], String(e[2])], value: ['drop'] }]),
            ),
          }),
        );
        // Register bytes: address (4, network order), proto (1 + 3 padding), port (2, network order, + 2 padding).
        const bytes = ([a, p, port]: readonly [readonly number[], string, number]) =>
          [...a, p === 'tcp' ? 6 : 17, 0, 0, 0, port >> 8, port & 255, 0, 0].reverse();
        const compare = (x: number[], y: number[]) => {
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
          return 0;
        };
        const expected = [...elements].sort((x, y) => compare(bytes(x), bytes(y))).map(keyOf);
        assert.deepEqual(listedKeys(text), expected);
      }),
    );
  });

  void it('many chains: every block once, in creation order, one blank line apart', () => {
    const names = Array.from({ length: 203 }, (_, i) => `c${i}`);
    const text = listTable({
      family: 'ip',
      name: 't',
      comment: 'c',
      chains: new Map(names.map((n) => [n, { name: n, rules: [`jump ${n}x`] }])),
      sets: new Map(),
    });
    const blocks = names.map((n) => `\tchain ${n} {\n\t\tjump ${n}x\n\t}`);
    assert.equal(text, `table ip t {\n\tcomment "c"\n${blocks.join('\n\n')}\n}\n`);
  });
});
