// scheduleCluster with the last run keeps the placements of the workloads before and after
// the edited ones when they would land where they did (scheduler/replay.ts), and only then;
// a pod that fits nowhere spares the filters for the next pods like it. After any sequence
// of edits the placements and warnings are those of a run from scratch that filters every pod.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadYamlFile } from '../../src/engine/load';
import { loadClusterProfile } from '../../src/engine/load/profile';
import type { ClusterProfile, Diagnostic } from '../../src/engine/model';
import type { ClusterSchedule, SpreadService, WorkloadSchedule } from '../../src/engine/reconcile/scheduler';
import { scheduleCluster, spreadServices } from '../../src/engine/reconcile/scheduler';
import type { PlannedWorkload } from '../../src/engine/reconcile/workloads';
import { planWorkloads } from '../../src/engine/reconcile/workloads';

/** The nodes of a cluster profile whose `nodes:` list is `list`. */
function profileNodes(list: string): ClusterProfile['nodes'] {
  return loadClusterProfile(
    'kubepath.cluster.yaml',
    `apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:${list}`,
  ).profile.nodes;
}

/** Three small nodes (one tainted): a few pods fill them, so later pods stay Pending and edits move pods. */
const PROFILE = loadClusterProfile(
  'kubepath.cluster.yaml',
  `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
nodes:
  - { name: n1, ip: 10.0.0.1, allocatable: { cpu: '1', pods: 4 } }
  - { name: n2, ip: 10.0.0.2, allocatable: { cpu: 1500m, pods: 12 }, labels: { zone: a } }
  - { name: n3, ip: 10.0.0.3, allocatable: { cpu: '2', pods: 12 }, labels: { zone: b }, taints: [{ key: dedicated, value: x, effect: NoSchedule }] }
`,
).profile;

/** One workload slot's variant: what an edit changes in its Deployment. */
interface Variant {
  replicas: number;
  image: number;
  cpu: string;
  tier: string | null;
  /** Tolerates n3's taint. */
  tolerates: boolean;
  /** Labelled by group, not by name: two such workloads with one variant have one pod-template-hash. */
  shared: boolean;
  /** Required anti-affinity, preferred affinity or a spread constraint (with matchLabelKeys). */
  coupling: 'none' | 'anti' | 'preferred' | 'spread' | 'spread-hash' | 'spread-tier' | 'hostPort';
}

const variant: fc.Arbitrary<Variant> = fc.record({
  replicas: fc.nat(5),
  image: fc.nat(2),
  cpu: fc.constantFrom('100m', '300m', '600m'),
  tier: fc.constantFrom(null, 'a', 'b'),
  shared: fc.boolean(),
  tolerates: fc.boolean(),
  coupling: fc.constantFrom(
    'none',
    'none',
    'anti',
    'preferred',
    'spread',
    'spread-hash',
    'spread-tier',
    'hostPort',
  ),
});

function deployment(name: string, v: Variant): string {
  const own = v.shared ? '{group: g}' : `{app: ${name}}`;
  const labels = `${own.slice(0, -1)}${v.tier ? `, tier: ${v.tier}` : ''}}`;
  const coupling = {
    none: '',
    anti: '      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector: {matchLabels: {tier: a}}\n              topologyKey: kubernetes.io/hostname\n',
    preferred:
      '      affinity:\n        podAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n            - weight: 50\n              podAffinityTerm:\n                labelSelector: {matchExpressions: [{key: tier, operator: In, values: [b]}]}\n                topologyKey: zone\n',
    spread:
      '      topologySpreadConstraints:\n        - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {tier: b}}}\n',
    'spread-hash': `      topologySpreadConstraints:\n        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: ${own}}, matchLabelKeys: [pod-template-hash]}\n`,
    'spread-tier': `      topologySpreadConstraints:\n        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: ${own}}, matchLabelKeys: [tier]}\n`,
    hostPort: '',
  }[v.coupling];
  const tolerations = v.tolerates
    ? '      tolerations: [{key: dedicated, operator: Equal, value: x, effect: NoSchedule}]\n'
    : '';
  const ports = v.coupling === 'hostPort' ? '          ports: [{containerPort: 80, hostPort: 8080}]\n' : '';
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${v.replicas}\n  selector:\n    matchLabels: ${own}\n  template:\n    metadata:\n      labels: ${labels}\n    spec:\n${coupling}${tolerations}      containers:\n        - name: c\n          image: nginx:1.${v.image}\n${ports}          resources: {requests: {cpu: ${v.cpu}}}\n`;
}

type Edit =
  | { op: 'set'; slot: number; variant: Variant }
  | { op: 'remove'; slot: number }
  | { op: 'insert'; slot: number; variant: Variant };

const SLOTS = 8;
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), slot: fc.nat(SLOTS - 1), variant }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), slot: fc.nat(SLOTS - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('insert' as const), slot: fc.nat(SLOTS - 1), variant }),
  },
);

/** Services that default spreading reads: one on a label edits change, one on pod-template-hash. */
const SERVICES: SpreadService[][] = [
  [],
  [{ namespace: 'default', selector: { tier: 'b' } }],
  [{ namespace: 'default', selector: { 'pod-template-hash': '5d8b6f9c7' } }],
];

/** A workload's plan, the same object while its text is (as the reconciler keeps it). */
function planner(): (text: string) => PlannedWorkload {
  const plans = new Map<string, PlannedWorkload>();
  return (text) => {
    let plan = plans.get(text);
    if (!plan) {
      const diagnostics: Diagnostic[] = [];
      plan = planWorkloads(loadYamlFile('w.yaml', text).objects, PROFILE.nodes, diagnostics)[0];
      assert.ok(plan, diagnostics.map((d) => d.message).join('; '));
      plans.set(text, plan);
    }
    return plan;
  };
}

const view = (schedules: readonly WorkloadSchedule[]): unknown =>
  schedules.map((s) => ({
    placements: s.placements.map((p) => [p.pod.name, p.nodeName, p.source, p.score]),
    diagnostics: s.diagnostics.map((d) => [d.code, d.message, d.range.line]),
  }));

void test('scheduleCluster with the last run places as a run from scratch after any sequence of edits', () => {
  let replayedSuffixes = 0;
  let rescoredSuffixes = 0;
  fc.assert(
    fc.property(
      fc.array(variant, { minLength: SLOTS, maxLength: SLOTS }),
      fc.array(edit, { minLength: 1, maxLength: 12 }),
      fc.nat(SERVICES.length - 1),
      (initial, edits, s) => {
        const services = SERVICES[s] as SpreadService[];
        const plan = planner();
        const slots = initial.map((v, i) => ({ name: `w${i}`, variant: v }));
        let next = SLOTS;
        const workloadsOf = (): PlannedWorkload[] => slots.map((x) => plan(deployment(x.name, x.variant)));
        let workloads = workloadsOf();
        let last: ClusterSchedule = {
          workloads,
          nodes: PROFILE.nodes,
          services,
          schedules: scheduleCluster(workloads, PROFILE.nodes, services),
        };
        for (const e of edits) {
          const at = Math.min(e.slot, slots.length - 1);
          if (e.op === 'set' && at >= 0) (slots[at] as { variant: Variant }).variant = e.variant;
          if (e.op === 'remove' && at >= 0) slots.splice(at, 1);
          if (e.op === 'insert') slots.splice(e.slot, 0, { name: `w${next++}`, variant: e.variant });
          workloads = workloadsOf();
          const incremental = scheduleCluster(workloads, PROFILE.nodes, services, last);
          const fresh = scheduleCluster(workloads, PROFILE.nodes, services, undefined, false);
          assert.deepEqual(view(incremental), view(fresh));
          // A workload the last run placed too, after the first one it placed differently: kept
          // placement objects say its placements were replayed, not scored again.
          const lastIndex = new Map(last.workloads.map((w, i) => [w, i]));
          const firstChanged = workloads.findIndex((w, i) => last.workloads[i] !== w);
          const tail = workloads.length - 1;
          const j = lastIndex.get(workloads[tail] as PlannedWorkload);
          const tailPlacements = incremental[tail]?.placements ?? [];
          if (firstChanged >= 0 && firstChanged < tail && j !== undefined && tailPlacements.length > 0) {
            const kept = last.schedules[j]?.placements[0] === tailPlacements[0];
            if (kept) replayedSuffixes++;
            else rescoredSuffixes++;
          }
          last = { workloads, nodes: PROFILE.nodes, services, schedules: incremental };
        }
      },
    ),
    { numRuns: 300, seed: 14 },
  );
  // Both ways are taken: the property above checks each against a run from scratch.
  assert.ok(replayedSuffixes > 100, `suffix replayed ${replayedSuffixes} times`);
  assert.ok(rescoredSuffixes > 100, `suffix scored again ${rescoredSuffixes} times`);
});

void test('an edit of a label a later pod reads through matchLabelKeys: the later pods are scored again', () => {
  // n1 is large, so resource scores put each pod there; b spreads the pods of its tier
  // (matchLabelKeys: [tier]) over the hosts. Once a is in b's tier, a's pod counts for b's
  // spreading: b's pod cannot join it on n1.
  const nodes = profileNodes(`
  - { name: n1, ip: 10.0.0.1, allocatable: { cpu: '8' } }
  - { name: n2, ip: 10.0.0.2, allocatable: { cpu: '1' } }
  - { name: n3, ip: 10.0.0.3, allocatable: { cpu: '1' } }
`);
  const plan = planner();
  const NONE: SpreadService[] = [];
  const v = (tier: string, coupling: Variant['coupling']): Variant => ({
    replicas: 1,
    image: 0,
    cpu: '100m',
    tier,
    shared: true,
    tolerates: false,
    coupling,
  });
  const b = plan(deployment('b', v('b', 'spread-tier')));
  const before = [plan(deployment('a', v('a', 'none'))), b];
  const last: ClusterSchedule = {
    workloads: before,
    nodes,
    services: NONE,
    schedules: scheduleCluster(before, nodes, NONE),
  };
  assert.deepEqual(
    last.schedules.map((s) => s.placements.map((p) => p.nodeName)),
    [['n1'], ['n1']],
  );
  const after = [plan(deployment('a', v('b', 'none'))), b];
  const incremental = scheduleCluster(after, nodes, NONE, last);
  assert.deepEqual(view(incremental), view(scheduleCluster(after, nodes)));
  assert.equal(incremental[0]?.placements[0]?.nodeName, 'n1');
  assert.notEqual(incremental[1]?.placements[0]?.nodeName, 'n1');
});

void test('a pod that fits nowhere spares the filters only for the next pods that ask for the same', () => {
  // n1 is tainted and nearly full: after a's pod, 200m are left. b asks for more (Pending),
  // c for less (fits), d does not tolerate the taint (Pending), e tolerates it and fits.
  const nodes = profileNodes(`
  - { name: n1, ip: 10.0.0.1, allocatable: { cpu: '1' }, taints: [{ key: dedicated, value: x, effect: NoSchedule }] }
`);
  const plan = planner();
  const v = (cpu: string, tolerates: boolean): Variant => ({
    replicas: 1,
    image: 0,
    cpu,
    tier: null,
    shared: false,
    tolerates,
    coupling: 'none',
  });
  const workloads = [
    plan(deployment('a', v('800m', true))),
    plan(deployment('b', v('300m', true))),
    plan(deployment('c', v('100m', true))),
    plan(deployment('d', v('100m', false))),
    plan(deployment('e', v('100m', true))),
  ];
  const reused = scheduleCluster(workloads, nodes);
  assert.deepEqual(view(reused), view(scheduleCluster(workloads, nodes, [], undefined, false)));
  assert.deepEqual(
    reused.map((s) => s.placements.map((p) => p.nodeName)),
    [['n1'], [''], ['n1'], [''], ['n1']],
  );
});

void test('spreadServices keeps the last list only while each Service with a selector is the one at its place', () => {
  const svc = (selector: Record<string, string> | null) => ({
    service: { metadata: { namespace: 'default' }, selector },
  });
  const a = svc({ app: 'a' });
  const b = svc({ app: 'b' });
  const read = [a, b, svc(null)];
  const previous = spreadServices(read, []);
  assert.deepEqual(previous, [
    { namespace: 'default', selector: { app: 'a' } },
    { namespace: 'default', selector: { app: 'b' } },
  ]);
  // The same objects, and equal copies: the last list itself.
  assert.equal(spreadServices(read, previous, read), previous);
  assert.equal(spreadServices([svc({ app: 'a' }), b, svc(null)], previous, read), previous);
  // b is the same object but moved to the first entry: compared, and the list is new.
  const moved = spreadServices([svc(null), b, svc({ app: 'b' })], previous, read);
  assert.notEqual(moved, previous);
  assert.deepEqual(moved, [
    { namespace: 'default', selector: { app: 'b' } },
    { namespace: 'default', selector: { app: 'b' } },
  ]);
});
