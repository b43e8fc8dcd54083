import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { findChain, findTable, parseIptablesSave } from '../../src/engine/trace';
import type { IptablesRule } from '../../src/engine/trace';

const root = path.join(__dirname, '../../..');
const fullText = readFileSync(path.join(root, 'test/fixtures/trace/overall-node.iptables-save'), 'utf8');

function onlyRule(text: string): IptablesRule {
  const dump = parseIptablesSave(`*nat\n:X - [0:0]\n-A X ${text}\nCOMMIT\n`);
  assert.deepEqual(dump.errors, []);
  const rule = findChain(findTable(dump, 'nat'), 'X')?.rules[0];
  assert.ok(rule);
  return rule;
}

void test('a full iptables-save: tables, built-in policies, counters, comments, line numbers', () => {
  const dump = parseIptablesSave(fullText, 'node.txt');
  assert.deepEqual(dump.errors, []);
  assert.deepEqual(
    dump.tables.map((t) => t.name),
    ['raw', 'mangle', 'filter', 'nat'],
  );
  const filter = findTable(dump, 'filter');
  assert.equal(findChain(filter, 'INPUT')?.policy, 'ACCEPT');
  assert.equal(findChain(filter, 'KUBE-SERVICES')?.policy, null);
  const lines = fullText.split('\n');
  for (const table of dump.tables) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        assert.equal(lines[rule.line - 1], `-A ${chain.name} ${rule.text}`);
        assert.deepEqual(rule.source, {
          file: 'node.txt',
          line: rule.line,
          column: 1,
          endLine: rule.line,
          endColumn: (lines[rule.line - 1] ?? '').length + 1,
        });
      }
    }
  }
  const nat = findTable(dump, 'nat');
  assert.equal(findChain(nat, 'KUBE-SERVICES')?.rules.length, 10);
  assert.equal(findChain(nat, 'PREROUTING')?.rules.length, 2);
});

void test('rule words: quoted comments with spaces and escapes, negation, double spaces', () => {
  const r = onlyRule(
    '! -s 10.0.0.0/8 -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 \\"cluster\\" IP" -m tcp --dport 80 -m nfacct --nfacct-name  x -j KUBE-SVC-A',
  );
  assert.deepEqual(
    r.matches.map((m) => m.kind),
    ['address', 'address', 'protocol', 'comment', 'port', 'nfacct'],
  );
  assert.deepEqual(r.matches[0], {
    kind: 'address',
    field: 'source',
    negated: true,
    value: '10.0.0.0/8',
    text: '! -s 10.0.0.0/8',
  });
  const comment = r.matches[3];
  assert.equal(comment?.kind === 'comment' ? comment.comment : '', 'ns1/svc1:p80 "cluster" IP');
  assert.deepEqual(r.target, { goto: false, name: 'KUBE-SVC-A', options: [] });
});

void test('match modules and targets kube-proxy writes', () => {
  const table: [string, string[], string | null][] = [
    [
      '-m tcp -p tcp -d 1.2.3.4 --dport 80 -j DNAT --to-destination 10.0.0.1:8080',
      ['protocol', 'address', 'port'],
      'DNAT',
    ],
    ['-p udp --dport 30000:30100 -j ACCEPT', ['protocol', 'port'], 'ACCEPT'],
    [
      '-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
      ['addrtype', 'address'],
      'KUBE-NODEPORTS',
    ],
    ['-m statistic --mode random --probability 0.2500000000 -j KUBE-SEP-X', ['statistic'], 'KUBE-SEP-X'],
    ['-m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap -j KUBE-SEP-X', ['recent'], 'KUBE-SEP-X'],
    ['-m mark ! --mark 0x4000/0x4000 -j RETURN', ['mark'], 'RETURN'],
    ['-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP', ['ctstate'], 'DROP'],
    ['-m comment --comment "other traffic will be dropped"', ['comment'], null],
    ['-m multiport --dports 80,443 -j ACCEPT', ['unsupported', 'unsupported'], 'ACCEPT'],
    ['-i eth0 -j ACCEPT', ['unsupported'], 'ACCEPT'],
    [
      '-m comment --comment kubernetes health check service ports -j KUBE-NODEPORTS',
      ['comment'],
      'KUBE-NODEPORTS',
    ],
  ];
  for (const [text, kinds, target] of table) {
    const r = onlyRule(text);
    assert.deepEqual(
      r.matches.map((m) => m.kind),
      kinds,
      text,
    );
    assert.equal(r.target?.name ?? null, target, text);
  }
  const stat = onlyRule('-m statistic --mode random --probability 0.2500000000 -j KUBE-SEP-X').matches[0];
  assert.equal(stat?.kind === 'statistic' ? stat.probability : -1, 0.25);
  const mark = onlyRule('-m mark ! --mark 0x4000/0x4000 -j RETURN').matches[0];
  assert.deepEqual(mark, {
    kind: 'mark',
    negated: true,
    value: 0x4000,
    mask: 0x4000,
    text: '! --mark 0x4000/0x4000',
  });
  const comment = onlyRule('-m comment --comment kubernetes health check service ports -j KUBE-NODEPORTS')
    .matches[0];
  assert.equal(comment?.kind === 'comment' ? comment.comment : '', 'kubernetes health check service ports');
  assert.deepEqual(onlyRule('-j MARK --set-xmark 0x4000/0x4000').target?.options, [
    { name: '--set-xmark', values: ['0x4000/0x4000'] },
  ]);
  assert.deepEqual(onlyRule('-j MASQUERADE --random-fully').target?.options, [
    { name: '--random-fully', values: [] },
  ]);
});

void test('iptables-save -c counters, -N/-X/-I lines and restore input parse', () => {
  const dump = parseIptablesSave(
    [
      '*nat',
      ':PREROUTING ACCEPT [5:300]',
      ':KUBE-SVC-OLD - [0:0]',
      '-N KUBE-NEW',
      '[12:720] -A PREROUTING -j KUBE-NEW',
      '[0:0] -I PREROUTING 1 -j RETURN',
      '-X KUBE-SVC-OLD',
      'COMMIT',
    ].join('\n'),
  );
  assert.deepEqual(dump.errors, []);
  const nat = findTable(dump, 'nat');
  assert.deepEqual(
    findChain(nat, 'PREROUTING')?.rules.map((r) => [r.line, r.target?.name]),
    [
      [6, 'RETURN'],
      [5, 'KUBE-NEW'],
    ],
  );
  assert.equal(findChain(nat, 'KUBE-SVC-OLD'), undefined);
  assert.ok(findChain(nat, 'KUBE-NEW'));
});

void test('errors are reported with line numbers, never thrown', () => {
  const cases: [string, RegExp][] = [
    ['-A FOO -j ACCEPT', /line 1: .*outside a table/],
    ['*nat\n-A KUBE-X -m comment --comment "open -j ACCEPT\nCOMMIT', /line 2: unterminated double quote/],
    ['*nat\n-A KUBE-X -j ACCEPT\nCOMMIT', /line 2: rule for chain KUBE-X, which is not declared/],
    ['*filter\n:INPUT ACCEPT [0:0]\n', /has no COMMIT line/],
    ['*filter\nbogus line\nCOMMIT', /line 2: unsupported line "bogus line"/],
    ['*filter\n:X - [0:0]\n-A X -j\nCOMMIT', /line 3: -j needs a target/],
    ['*filter\n:X bad decl [0:0]\nCOMMIT', /line 2: bad chain declaration/],
  ];
  for (const [text, message] of cases) {
    const dump = parseIptablesSave(text, 'f');
    assert.ok(
      dump.errors.some((e) => message.test(e.message)),
      `${JSON.stringify(text)}: ${dump.errors.map((e) => e.message).join('; ')}`,
    );
    for (const e of dump.errors) assert.equal(e.range.file, 'f');
  }
});

void test('arbitrary text never throws', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(fc.string(), fc.constantFrom('*nat', 'COMMIT', ':X - [0:0]', '-A X', '-j', '!', '"')),
      ),
      (parts) => {
        const dump = parseIptablesSave(parts.join('\n'));
        return Array.isArray(dump.errors);
      },
    ),
    { numRuns: 300 },
  );
});
