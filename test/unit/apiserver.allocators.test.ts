// The ClusterIP and NodePort allocators: bands, offsets, errors, determinism.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calculateIPRangeOffset, calculatePortRangeOffset } from '../../src/engine/reconcile/apiserver';
import { formatIP, parseCIDR, parseIP } from '../../src/engine/reconcile/apiserver/ip';
import { ServiceIPAllocator, serviceIPRange } from '../../src/engine/reconcile/apiserver/ipAllocator';
import { NodePortAllocator } from '../../src/engine/reconcile/apiserver/nodePortAllocator';

function ipAllocator(cidr: string): ServiceIPAllocator {
  const parsed = parseCIDR(cidr);
  assert.ok(parsed);
  return new ServiceIPAllocator(serviceIPRange(parsed));
}

function ip(text: string) {
  const parsed = parseIP(text);
  assert.ok(parsed, text);
  return parsed;
}

void test('calculateRangeOffset for service CIDRs (SPEC-NOTES c.1, bitmap.go)', () => {
  const cases: [string, number][] = [
    ['10.0.0.0/24', 16],
    ['10.0.0.0/28', 0],
    ['10.0.0.0/27', 16],
    ['10.0.0.0/25', 16],
    ['10.0.0.0/20', 256],
    ['10.0.0.0/16', 256],
    ['10.0.0.0/12', 256],
    ['10.0.0.0/32', 0],
    ['fd00::/120', 16],
    ['fd00::/112', 256],
    ['fd00::/64', 256],
  ];
  for (const [cidr, offset] of cases) {
    const parsed = parseCIDR(cidr);
    assert.ok(parsed);
    assert.equal(serviceIPRange(parsed).rangeOffset, offset, cidr);
  }
  assert.equal(calculateIPRangeOffset(16n), 0);
  assert.equal(calculateIPRangeOffset(17n), 16);
});

void test('calculateRangeOffset for node ports (portallocator)', () => {
  const cases: [number, number][] = [
    [2768, 86], // 30000-32767: static band 30000-30085
    [16, 0],
    [17, 16],
    [201, 16],
    [4096, 128],
    [10000, 128],
  ];
  for (const [size, offset] of cases) assert.equal(calculatePortRangeOffset(size), offset, String(size));
});

void test('service IP range bounds: network and (IPv4) broadcast are never handed out', () => {
  const cases: { cidr: string; first: string; last: string; outside: string[] }[] = [
    {
      cidr: '10.96.0.0/16',
      first: '10.96.0.1',
      last: '10.96.255.254',
      outside: ['10.96.0.0', '10.96.255.255', '10.97.0.1'],
    },
    {
      cidr: '192.168.1.0/24',
      first: '192.168.1.1',
      last: '192.168.1.254',
      outside: ['192.168.1.0', '192.168.1.255'],
    },
    {
      cidr: 'fd00:10:96::/112',
      first: 'fd00:10:96::1',
      last: 'fd00:10:96::ffff',
      outside: ['fd00:10:96::', 'fd00:10:97::1'],
    },
  ];
  for (const c of cases) {
    const allocator = ipAllocator(c.cidr);
    assert.equal(formatIP(allocator.range.family, allocator.range.first), c.first, c.cidr);
    assert.equal(formatIP(allocator.range.family, allocator.range.last), c.last, c.cidr);
    for (const text of c.outside) {
      assert.equal(allocator.allocate(ip(text)), `provided IP ${text} is not in the valid range`, text);
    }
  }
});

void test('Allocate: explicit IPs are taken once (ipallocator TestAllocate)', () => {
  const allocator = ipAllocator('192.168.1.0/24');
  assert.equal(allocator.allocate(ip('192.168.1.10')), null);
  assert.equal(allocator.allocate(ip('192.168.1.10')), 'provided IP is already allocated');
  // Sloppy parsing: leading zeros name the same address.
  assert.equal(allocator.allocate(ip('192.168.1.010')), 'provided IP is already allocated');
  assert.equal(allocator.allocate(ip('2001:db8::1')), 'provided IP 2001:db8::1 is not in the valid range');
});

void test('AllocateNext fills the dynamic band first, then the static band, then is full', () => {
  // /25: 126 usable addresses, static band .1-.16, dynamic .17-.126 (TestAllocateReserved shape).
  const allocator = ipAllocator('192.168.1.0/25');
  const picks: bigint[] = [];
  for (let i = 0; i < 126; i++) {
    const value = allocator.allocateNext(`svc-${i}`);
    assert.ok(value !== null, `pick ${i}`);
    picks.push(value);
  }
  const base = allocator.range.cidr.network;
  const offsets = picks.map((value) => Number(value - base));
  assert.ok(
    offsets.slice(0, 110).every((o) => o >= 17 && o <= 126),
    'first 110 from the dynamic band',
  );
  assert.ok(
    offsets.slice(110).every((o) => o >= 1 && o <= 16),
    'last 16 from the static band',
  );
  assert.equal(new Set(offsets).size, 126);
  assert.equal(allocator.allocateNext('one-more'), null);
});

void test('AllocateNext on tiny ranges (TestAllocateTiny, /28 has no static band)', () => {
  assert.equal(ipAllocator('192.168.1.0/32').allocateNext('x'), null);
  assert.equal(ipAllocator('192.168.1.0/31').allocateNext('x'), null);
  const small = ipAllocator('192.168.1.0/28');
  const seen = new Set<bigint>();
  for (let i = 0; i < 14; i++) {
    const value = small.allocateNext(`s${i}`);
    assert.ok(value !== null);
    seen.add(value);
  }
  assert.equal(seen.size, 14);
  assert.equal(small.allocateNext('full'), null);
});

void test('AllocateNext is a pure function of the key and what is taken', () => {
  const a = ipAllocator('10.96.0.0/16');
  const b = ipAllocator('10.96.0.0/16');
  assert.equal(a.allocateNext('default/web'), b.allocateNext('default/web'));
  // A collision probes upward to the next free address.
  const c = ipAllocator('10.96.0.0/16');
  const d = ipAllocator('10.96.0.0/16');
  const first = c.allocateNext('default/web');
  assert.ok(first !== null);
  d.allocate({ family: 'IPv4', value: first });
  assert.equal(d.allocateNext('default/web'), first + 1n);
});

void test('node port allocator: range errors, duplicates regardless of protocol, bands', () => {
  const ports = new NodePortAllocator({ min: 30000, max: 32767 });
  assert.equal(ports.rangeOffset, 86);
  assert.equal(
    ports.allocate(8888),
    'provided port is not in the valid range. The range of valid ports is 30000-32767',
  );
  assert.equal(
    ports.allocate(32768),
    'provided port is not in the valid range. The range of valid ports is 30000-32767',
  );
  assert.equal(ports.allocate(30000), null);
  assert.equal(ports.allocate(32767), null);
  assert.equal(ports.allocate(30000), 'provided port is already allocated');
  for (let i = 0; i < 50; i++) {
    const port = ports.allocateNext(`ns/svc-${i}:80`);
    assert.ok(port !== null && port >= 30086 && port <= 32767, `dynamic pick ${String(port)}`);
  }
});

void test('node port allocator drains dynamic then static, then is full (portallocator TestAllocate shape)', () => {
  const ports = new NodePortAllocator({ min: 10000, max: 10200 });
  assert.equal(ports.rangeOffset, 16);
  const picks: number[] = [];
  for (let i = 0; i < 201; i++) {
    const port = ports.allocateNext(`k${i}`);
    assert.ok(port !== null);
    picks.push(port);
  }
  assert.ok(picks.slice(0, 185).every((p) => p >= 10016));
  assert.ok(picks.slice(185).every((p) => p < 10016));
  assert.equal(new Set(picks).size, 201);
  assert.equal(ports.allocateNext('more'), null);
});

void test('IP parsing and formatting follow Go (sloppy IPv4, RFC 5952 IPv6, v4-mapped is IPv4)', () => {
  const cases: [string, string | null][] = [
    ['10.96.0.10', '10.96.0.10'],
    ['010.096.000.010', '10.96.0.10'],
    ['256.1.1.1', null],
    ['1.2.3', null],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['fe80::1%eth0', null],
    ['abc', null],
  ];
  for (const [input, output] of cases) {
    const parsed = parseIP(input);
    assert.equal(parsed === null ? null : formatIP(parsed.family, parsed.value), output, input);
  }
});
