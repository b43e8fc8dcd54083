// Upstream pkg/proxy/nftables/proxier_test.go cases (test/fixtures/conformance/nftables)
// through src/engine/proxy/nftables: the table as knftables' fake dumps it, compared after
// upstream's sortNFTablesTransaction, byte for byte; the packet flows through the engine's
// nftables tracer (src/engine/trace/nft) over the table as nft lists it. Every case is a subtest; a case listed
// in nftables-known-gaps.json runs too, is skipped with its reason, and fails the suite if it
// now passes (so the list only shrinks).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { NftTable, NftablesNode, NftablesState } from '../../src/engine/proxy/nftables';
import {
  dumpTable,
  listTable,
  servicePortChainNameBase,
  servicePortEndpointChainNameBase,
  sortNFTablesTransaction,
  syncNftables,
} from '../../src/engine/proxy/nftables';
import type { FixtureService, FixtureSlice, NftablesFakeProxier } from './proxyFixtures';
import { loadNftablesFixture, nftablesFixtureDir, toService, toSlice } from './proxyFixtures';
import { parseNftRuleset, traceNftPacket } from '../../src/engine/trace';
import type { NftRuleset } from '../../src/engine/trace';
import type { PacketTrace, Protocol } from '../../src/engine/model';

const knownGaps = JSON.parse(
  readFileSync(join(nftablesFixtureDir, '..', '..', '..', 'unit', 'nftables-known-gaps.json'), 'utf8'),
) as Record<string, string>;

/** Every case name the suite runs (checked against the known-gaps list). */
const allCases = new Set<string>();

type Outcome = string | null;

function check(t: TestContext, name: string, run: () => Outcome): void {
  const gap = knownGaps[name];
  let outcome: Outcome;
  try {
    outcome = run();
  } catch (e) {
    outcome = `threw: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (gap !== undefined) {
    assert.notEqual(outcome, null, `${name} is listed in nftables-known-gaps.json but now passes: remove it`);
    t.skip(gap);
    return;
  }
  assert.equal(outcome, null, outcome ?? '');
}

function conformanceCase(name: string, run: () => Outcome): void {
  allCases.add(name);
  void it(name, (t) => check(t, name, run));
}

interface Base {
  fakeProxier: NftablesFakeProxier & { ipFamily: string };
  services?: FixtureService[];
  endpointSlices?: FixtureSlice[];
}

function fakeNode(fake: NftablesFakeProxier, overrides: Partial<NftablesNode> = {}): NftablesNode {
  return {
    name: fake.nodeName,
    ips: fake.nodeIPs,
    labels: fake.nodeLabels ?? {},
    localDetectorCIDR: fake.localDetector.cidr,
    masqueradeAll: fake.masqueradeAll,
    masqueradeMark: fake.masqueradeMark,
    localhostNodePorts: false,
    nodePortAddresses: fake.nodePortAddresses,
    randomFully: true,
    conntrackTCPBeLiberal: false,
    kubernetesVersion: '1.34',
    serviceCIDRs: fake.serviceCIDRs.split(','),
    ...overrides,
  };
}

function input(services: readonly FixtureService[] = [], slices: readonly FixtureSlice[] = []) {
  return { services: services.map(toService), endpointSlices: slices.map(toSlice) };
}

/** assertNFTablesTransactionEqual: both sides through sortNFTablesTransaction. */
function compareDump(actual: string, expected: string): Outcome {
  const got = sortNFTablesTransaction(actual);
  const want = sortNFTablesTransaction(expected);
  if (got === want) return null;
  const g = got.split('\n');
  const w = want.split('\n');
  const missing = w.filter((l) => !g.includes(l));
  const extra = g.filter((l) => !w.includes(l));
  const detail =
    missing.length + extra.length > 0
      ? [...missing.map((l) => `- ${l}`), ...extra.map((l) => `+ ${l}`)].join('\n')
      : 'same lines, different order within a chain';
  return `table differs from upstream:\n${detail}`;
}

/** The same table as if every chain, set and map had been created in Fake.Dump() order. */
function inNameOrder(table: NftTable): NftTable {
  const byName = <T>(m: Map<string, T>) => new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  // Dump() writes the sets before the maps.
  const sets = byName(table.sets);
  const kinds = [...sets]
    .filter(([, v]) => v.kind === 'set')
    .concat([...sets].filter(([, v]) => v.kind === 'map'));
  return { ...table, chains: byName(table.chains), sets: new Map(kinds) };
}

function firstDifference(got: string, want: string): string {
  const g = got.split('\n');
  const w = want.split('\n');
  const i = g.findIndex((line, k) => line !== w[k]);
  const at = i === -1 ? Math.min(g.length, w.length) : i;
  return `line ${at + 1}: got ${JSON.stringify(g[at])}, want ${JSON.stringify(w[at])}`;
}

void describe('conformance: nftables corpus files', () => {
  void it('every fixture file is covered by this suite', () => {
    const covered = [
      'TestOverallNFTablesRules',
      'TestSyncProxyRulesRepeated',
      'Test_servicePortChainNameBase',
      'Test_servicePortEndpointChainNameBase',
      'TestClusterIPGeneral',
      'TestExternalTrafficPolicyCluster',
      'TestExternalTrafficPolicyLocal',
      'TestInternalTrafficPolicy',
      'TestInternalExternalMasquerade',
      'TestLoadBalancer',
      'TestNoEndpointsReject',
      'TestNodePorts',
      'TestTerminatingEndpointsTrafficPolicyCluster',
      'TestTerminatingEndpointsTrafficPolicyLocal',
    ];
    const files = readdirSync(nftablesFixtureDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual(files.sort(), [...covered].sort());
  });
});

void describe('conformance: nftables chain names (hashAndTruncate)', () => {
  interface NameCase {
    name: string;
    namespace: string;
    service: string;
    port: string;
    protocol: string;
    endpoint?: string;
    expected: string;
  }
  const svc = loadNftablesFixture<{ expected: NameCase[] }>('Test_servicePortChainNameBase');
  for (const c of svc.expected) {
    conformanceCase(`Test_servicePortChainNameBase/${c.name}`, () => {
      const got = servicePortChainNameBase(c.namespace, c.service, c.port, c.protocol);
      return got === c.expected ? null : `got ${got}, want ${c.expected}`;
    });
  }
  const ep = loadNftablesFixture<{ expected: NameCase[] }>('Test_servicePortEndpointChainNameBase');
  for (const c of ep.expected) {
    conformanceCase(`Test_servicePortEndpointChainNameBase/${c.name}`, () => {
      const got = servicePortEndpointChainNameBase(
        c.namespace,
        c.service,
        c.port,
        c.protocol,
        c.endpoint ?? '',
      );
      return got === c.expected ? null : `got ${got}, want ${c.expected}`;
    });
  }
});

void describe('conformance: TestOverallNFTablesRules (full dump)', () => {
  const f = loadNftablesFixture<
    Base & { expectedTransaction: string; expectedTransactionSorted: string; expectedNftList: string }
  >('TestOverallNFTablesRules');
  conformanceCase('TestOverallNFTablesRules', () => {
    const sync = syncNftables(input(f.services, f.endpointSlices), fakeNode(f.fakeProxier));
    return compareDump(dumpTable(sync.state.table), f.expectedTransaction);
  });
  conformanceCase('TestOverallNFTablesRules/nft list', () => {
    // expectedNftList is nft's listing after loading the Dump order, which creates every
    // object in name order: list the same table created in that order.
    const table = syncNftables(input(f.services, f.endpointSlices), fakeNode(f.fakeProxier)).state.table;
    const got = listTable(inNameOrder(table));
    return got === f.expectedNftList ? null : `listing differs:\n${firstDifference(got, f.expectedNftList)}`;
  });
  void it('the fixture sorted by our sortNFTablesTransaction is its expectedTransactionSorted', () => {
    assert.equal(sortNFTablesTransaction(f.expectedTransaction), f.expectedTransactionSorted.trim());
  });
});

void describe('conformance: TestSyncProxyRulesRepeated (partial syncs, stale chains)', () => {
  interface Step {
    step: number;
    expectedNumOperations: number | null;
    expectedTransaction: string;
  }
  const f = loadNftablesFixture<Base & { steps: Step[] }>('TestSyncProxyRulesRepeated');
  const node = fakeNode(f.fakeProxier);
  const services = new Map((f.services ?? []).map((s) => [s.name, s]));
  const slices = new Map((f.endpointSlices ?? []).map((s) => [s.serviceName, s]));
  const svc = (name: string): FixtureService => services.get(name) as FixtureService;
  const slice = (name: string, ips?: string[]): FixtureSlice => {
    const s = slices.get(name) as FixtureSlice;
    if (ips === undefined) return s;
    return {
      ...s,
      endpoints: ips.map((ip) => ({
        addresses: [ip],
        nodeName: null,
        ready: null,
        serving: null,
        terminating: null,
      })),
    };
  };
  // The steps' actions (the fixture's `action` texts) as the objects kube-proxy sees after each.
  // `age` = ageStaleChains() before the sync; `between` = a sync of that state first (step 11).
  interface Action {
    services: string[];
    slices: FixtureSlice[];
    age?: boolean;
    between?: { services: string[]; slices: FixtureSlice[]; ageAfter: boolean };
  }
  const svc3Two = () => slice('svc3', ['10.0.3.2', '10.0.3.3']);
  const actions: Action[] = [
    { services: ['svc1', 'svc2'], slices: [slice('svc1'), slice('svc2')] },
    { services: ['svc1', 'svc2', 'svc3'], slices: [slice('svc1'), slice('svc2'), slice('svc3')] },
    { services: ['svc1', 'svc3'], slices: [slice('svc1'), slice('svc2'), slice('svc3')] },
    { services: ['svc1', 'svc3'], slices: [slice('svc1'), slice('svc2'), slice('svc3')], age: true },
    { services: ['svc1', 'svc3', 'svc4'], slices: [slice('svc1'), slice('svc2'), slice('svc3')] },
    {
      services: ['svc1', 'svc3', 'svc4'],
      slices: [slice('svc1'), slice('svc2'), slice('svc3'), slice('svc4')],
    },
    {
      services: ['svc1', 'svc3', 'svc4'],
      slices: [slice('svc1'), slice('svc2'), slice('svc3', ['10.0.3.2']), slice('svc4')],
    },
    {
      services: ['svc1', 'svc3', 'svc4'],
      slices: [slice('svc1'), slice('svc2'), svc3Two(), slice('svc4')],
      age: true,
    },
    {
      services: ['svc1', 'svc3', 'svc4'],
      slices: [slice('svc1'), slice('svc2'), slice('svc3', []), slice('svc4')],
    },
    { services: ['svc1', 'svc3', 'svc4'], slices: [slice('svc1'), slice('svc2'), svc3Two(), slice('svc4')] },
    {
      services: ['svc1', 'svc3', 'svc4'],
      slices: [slice('svc1'), slice('svc2'), svc3Two(), slice('svc4')],
      between: {
        services: ['svc1', 'svc3', 'svc4'],
        slices: [slice('svc1'), slice('svc2'), slice('svc3', []), slice('svc4')],
        ageAfter: true,
      },
    },
    { services: ['svc1', 'svc3', 'svc4'], slices: [slice('svc1'), slice('svc2'), svc3Two(), slice('svc4')] },
  ];

  void it('has one action per upstream step', () => {
    assert.equal(actions.length, f.steps.length);
  });

  // One proxier replayed through all steps; each case checks the state after its step.
  const results: { dump: string; operations: number }[] = [];
  let previous: NftablesState | undefined;
  let now = 10_000;
  for (const a of actions) {
    if (a.between) {
      previous = syncNftables(input(a.between.services.map(svc), a.between.slices), node, {
        previous,
        now,
      }).state;
      if (a.between.ageAfter) now += 2000;
    }
    if (a.age) now += 2000;
    const sync = syncNftables(input(a.services.map(svc), a.slices), node, { previous, now });
    previous = sync.state;
    results.push({ dump: dumpTable(sync.state.table), operations: sync.operations });
  }

  for (const s of f.steps) {
    const r = results[s.step - 1];
    conformanceCase(`TestSyncProxyRulesRepeated/step ${s.step}`, () =>
      r === undefined ? 'no result' : compareDump(r.dump, s.expectedTransaction),
    );
    if (s.expectedNumOperations !== null) {
      const want = s.expectedNumOperations;
      conformanceCase(`TestSyncProxyRulesRepeated/step ${s.step} operations`, () =>
        r === undefined || r.operations === want ? null : `${r.operations} operations, want ${want}`,
      );
    }
  }
});

interface PacketFlow {
  name: string;
  sourceIP: string;
  protocol: string;
  destIP: string;
  destPort: number;
  output: string;
  masq: boolean;
}

interface FlowSubtest {
  name: string;
  ipFamily?: string;
  podCIDR?: string;
  serviceCIDRs?: string;
  nodePortAddresses?: string[];
  services?: FixtureService[];
  endpointSlices?: FixtureSlice[];
  packetFlows: PacketFlow[];
  afterSliceDeletedPacketFlows?: PacketFlow[];
}

interface FlowFixture extends Base {
  upstreamTest: string;
  packetFlows?: PacketFlow[];
  subtests?: FlowSubtest[];
}

/**
 * upstream's tracePacket result from the engine's trace: every DNAT target the `numgen` map
 * can reach (in map order, `[ip6]:port`), or DROP / REJECT, or '' when nothing matched; masq
 * = some branch was masqueraded.
 */
function upstreamOutput(trace: PacketTrace): { output: string; masq: boolean } {
  const masq = trace.branches.some((b) => b.masquerade);
  const stopped = trace.branches.find((b) => b.outcome === 'dropped' || b.outcome === 'rejected');
  if (stopped) return { output: stopped.outcome === 'dropped' ? 'DROP' : 'REJECT', masq };
  const targets = trace.branches
    .filter((b) => b.ip !== null)
    .map((b) => (b.ip?.includes(':') ? `[${b.ip}]:${b.port}` : `${b.ip}:${b.port}`));
  return { output: targets.join(', '), masq };
}

function hopsText(trace: PacketTrace): string {
  return [...trace.hops, ...trace.branches.flatMap((b) => b.hops)]
    .map((h) => `${h.kind} ${h.chain ?? ''} line ${h.line ?? '-'}: ${h.rule ?? h.detail}`)
    .join('\n');
}

/** The table as `nft list table` shows it, parsed: what the engine's tracer walks on a node. */
const listed = new WeakMap<NftTable, NftRuleset>();
function rulesetOf(table: NftTable): NftRuleset {
  let r = listed.get(table);
  if (r === undefined) {
    r = parseNftRuleset(listTable(table), 'nft list table');
    listed.set(table, r);
  }
  return r;
}

/**
 * runPacketFlowTests through the engine's nftables tracer (src/engine/trace/nft) over the
 * table as nft lists it: output and masquerade compared, and no hop may be uncertain. A flow
 * from a node address enters at the output hook, as the kernel sends it (upstream's tracer
 * runs every flow through prerouting; the verdicts agree).
 */
function flowCases(
  prefix: string,
  table: () => NftTable,
  nodeIPs: readonly string[],
  flows: readonly PacketFlow[],
) {
  const seen = new Map<string, number>();
  for (const flow of flows) {
    const n = (seen.get(flow.name) ?? 0) + 1;
    seen.set(flow.name, n);
    const name = `${prefix}/${flow.name}${n > 1 ? ` (${n})` : ''}`;
    conformanceCase(name, () => {
      const ruleset = rulesetOf(table());
      if (ruleset.errors.length > 0) return `listing does not parse: ${ruleset.errors[0]?.message ?? ''}`;
      const packet = {
        sourceIP: flow.sourceIP,
        destinationIP: flow.destIP,
        destinationPort: flow.destPort,
        protocol: (flow.protocol === '' ? 'TCP' : flow.protocol.toUpperCase()) as Protocol,
      };
      const trace = traceNftPacket(
        ruleset,
        packet,
        nodeIPs.includes(flow.sourceIP) ? 'output' : 'prerouting',
        { localAddresses: [...nodeIPs] },
      );
      const r = upstreamOutput(trace);
      const errors: string[] = [];
      if (r.output !== flow.output)
        errors.push(`output ${JSON.stringify(r.output)}, want ${JSON.stringify(flow.output)}`);
      if (r.masq !== flow.masq) errors.push(`masq ${r.masq}, want ${flow.masq}`);
      if (trace.uncertain) errors.push('uncertain trace');
      return errors.length === 0 ? null : `${errors.join('; ')}\nhops:\n${hopsText(trace)}`;
    });
  }
}

for (const file of [
  'TestClusterIPGeneral',
  'TestExternalTrafficPolicyCluster',
  'TestExternalTrafficPolicyLocal',
  'TestInternalTrafficPolicy',
  'TestLoadBalancer',
  'TestNoEndpointsReject',
  'TestNodePorts',
  'TestTerminatingEndpointsTrafficPolicyCluster',
  'TestTerminatingEndpointsTrafficPolicyLocal',
]) {
  void describe(`conformance: ${file} (packet flows)`, () => {
    const f = loadNftablesFixture<FlowFixture>(file);
    const nodeIPs = f.fakeProxier.nodeIPs;
    if (f.packetFlows) {
      const node = fakeNode(f.fakeProxier);
      let table: NftTable | undefined;
      const tableOf = () => (table ??= syncNftables(input(f.services, f.endpointSlices), node).state.table);
      flowCases(f.upstreamTest, tableOf, nodeIPs, f.packetFlows);
    }
    for (const sub of f.subtests ?? []) {
      const node = fakeNode(f.fakeProxier, {
        ...(sub.ipFamily === 'IPv6' ? { ipFamily: 'IPv6' as const } : {}),
        ...(sub.podCIDR !== undefined ? { localDetectorCIDR: sub.podCIDR } : {}),
        ...(sub.serviceCIDRs !== undefined ? { serviceCIDRs: sub.serviceCIDRs.split(',') } : {}),
        ...(sub.nodePortAddresses !== undefined ? { nodePortAddresses: sub.nodePortAddresses } : {}),
      });
      const services = sub.services ?? f.services ?? [];
      const slices = sub.endpointSlices ?? [];
      // One proxier per subtest: the flows, then the slice deleted and a (partial) sync, then the rest.
      let synced: { before: NftTable; after: NftTable } | undefined;
      const tables = () => {
        if (!synced) {
          const first = syncNftables(input(services, slices), node, { now: 0 });
          const second = syncNftables(input(services, []), node, { previous: first.state, now: 0 });
          synced = { before: first.state.table, after: second.state.table };
        }
        return synced;
      };
      flowCases(`${f.upstreamTest}/${sub.name}`, () => tables().before, nodeIPs, sub.packetFlows);
      flowCases(
        `${f.upstreamTest}/${sub.name}`,
        () => tables().after,
        nodeIPs,
        sub.afterSliceDeletedPacketFlows ?? [],
      );
    }
  });
}

void describe('conformance: TestInternalExternalMasquerade (packet flows, four proxier variants)', () => {
  interface Variant {
    name: string;
    masqueradeAll: boolean;
    localDetector: boolean;
    overrides: Record<string, { output?: string; masq?: boolean }>;
  }
  const f = loadNftablesFixture<FlowFixture & { packetFlows: PacketFlow[]; variants: Variant[] }>(
    'TestInternalExternalMasquerade',
  );
  for (const v of f.variants) {
    const node = fakeNode(f.fakeProxier, {
      masqueradeAll: v.masqueradeAll,
      ...(v.localDetector ? {} : { localDetectorCIDR: '' }),
    });
    let table: NftTable | undefined;
    const tableOf = () => (table ??= syncNftables(input(f.services, f.endpointSlices), node).state.table);
    void it(`${v.name}: every override names a flow`, () => {
      for (const name of Object.keys(v.overrides))
        assert.ok(
          f.packetFlows.some((fl) => fl.name === name),
          name,
        );
    });
    const flows = f.packetFlows.map((fl) => ({ ...fl, ...v.overrides[fl.name] }));
    flowCases(`${f.upstreamTest}/${v.name}`, tableOf, f.fakeProxier.nodeIPs, flows);
  }
});

void describe('conformance: nftables-known-gaps.json', () => {
  void it('lists only cases that exist, each with a reason', () => {
    for (const [name, reason] of Object.entries(knownGaps)) {
      assert.ok(allCases.has(name), `nftables-known-gaps.json lists unknown case ${name}`);
      assert.ok(reason.length > 20, `nftables-known-gaps.json: ${name} needs a specific reason`);
    }
  });
});
