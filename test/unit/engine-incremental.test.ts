// The incremental analyzer and the speed-ups behind it give exactly what the
// one-shot paths give: createWorkspaceAnalyzer ≡ analyzeWorkspace after any edit
// sequence, on-demand field ranges ≡ the full maps, label indexes ≡ scans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { analyzeWorkspace, createWorkspaceAnalyzer, sortDiagnostics, toAnalyzeJson } from '../../src/engine';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { loadYamlFile } from '../../src/engine/load';
import { appendFieldPathKey, fieldRangePaths } from '../../src/engine/load/yamlDocuments';
import { formatFieldPath } from '../../src/engine/model';
import type { Diagnostic, Pod } from '../../src/engine/model';
import { PodLabelIndex, selectedPods } from '../../src/engine/reconcile/endpointSlices';
import { serviceSelectorMatches } from '../../src/engine/reconcile/labels';
import { byteLength } from '../../src/engine/reconcile/apiserver/apimachineryValidation';
import { editOneLine, generateWorkspace } from '../../bench/generate';
import { canonicalJson, canonicalJsonHash, fnv32a } from '../../src/engine/util/hash';

/** Everything in an Analysis, field ranges included, as text. */
function snapshot(analysis: Analysis): string {
  return JSON.stringify(analysis, (_key, value: unknown) =>
    value instanceof Map ? { map: [...(value as Map<unknown, unknown>)] } : value,
  );
}

const service = (name: string, selector: string, extra = ''): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${selector}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n${extra}`;
const deployment = (name: string, replicas: number, port = 'http'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: c\n          image: nginx:1.${replicas}\n          ports:\n            - name: ${port}\n              containerPort: 8080\n`;

const hpa = (target: string, minReplicas: number): string =>
  `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${target}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${target}}\n  minReplicas: ${minReplicas}\n  maxReplicas: 5\n`;
/** An EndpointSlice of the selector-less Service ext (in a file of its own: its edit alone). */
const userSlice = (ip: string, port: number): string =>
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: ext-1\n  labels: {kubernetes.io/service-name: ext}\naddressType: IPv4\nports: [{name: http, port: ${port}}]\nendpoints:\n  - addresses: [${ip}]\n`;

/** A Deployment whose placement depends on other workloads' pods (anti-affinity, host port, cpu). */
const coupled = (name: string, replicas: number, spec: string): string =>
  deployment(name, replicas).replace(
    '    spec:\n      containers:\n',
    `    spec:\n${spec}      containers:\n`,
  );
const antiAffinity =
  '      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - labelSelector: {matchExpressions: [{key: app, operator: In, values: [db, web]}]}\n              topologyKey: kubernetes.io/hostname\n';
const hostPort =
  '      hostNetwork: false\n      initContainers:\n        - name: side\n          image: proxy\n          restartPolicy: Always\n          ports: [{containerPort: 9000, hostPort: 9000}]\n          resources: {requests: {cpu: 600m}}\n';

const TEXTS = [
  coupled('db', 3, antiAffinity),
  coupled('web', 2, hostPort),
  coupled('api', 2, hostPort),
  service('web', 'web'),
  service('web', 'wbe', '  type: NodePort\n'),
  service('api', 'api', '  type: LoadBalancer\n'),
  service('api', 'api', '  type: NodePort\n  ports:\n    - port: 81\n      nodePort: 30080\n'),
  deployment('web', 2),
  deployment('web', 3, 'web'),
  deployment('api', 1),
  `${service('db', 'db', '  clusterIP: None\n')}---\n${deployment('db', 2)}`,
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: ext\nspec:\n  ports:\n    - port: 5432\n---\napiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ext\nsubsets:\n  - addresses: [{ip: 192.0.2.10}]\n    ports: [{port: 5432}]\n',
  'apiVersion: v1\nkind: Service\nmetadata: {name: broken\nspec: [\n',
  'kind: ConfigMap\n',
  '',
  // Each names a dependency edge between steps: a Service's selector that default topology
  // spreading reads (reschedules the coupled workloads), an HPA's replica count (the
  // workload's pods), two Services asking for the same node port (allocation order), a user
  // EndpointSlice edited (the selector-less Service's slices).
  service('spread', 'db'),
  service('spread', 'web'),
  service('spread', 'api'),
  hpa('web', 3),
  hpa('web', 1),
  hpa('db', 4),
  service('clash', 'web', '  type: NodePort\n  ports:\n    - port: 82\n      nodePort: 30080\n'),
  service('clash', 'api', '  type: NodePort\n  ports:\n    - port: 83\n      nodePort: 30081\n'),
  service('ext', 'x').replace('  selector:\n    app: x\n', ''),
  userSlice('192.0.2.20', 5432),
  userSlice('192.0.2.21', 5433),
];
const PATHS = ['a.yaml', 'b/web.yaml', 'b/api.yaml', 'c.yaml', 'kubepath.cluster.yaml'];
const PROFILES: (WorkspaceFile | null)[] = [
  null,
  {
    path: 'kubepath.cluster.yaml',
    text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:\n  - {name: n1, ip: 172.18.0.2}\n  - {name: n2, ip: 172.18.0.3}\n',
  },
  {
    path: 'cluster/kubepath.cluster.yaml',
    text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\n',
  },
  {
    path: 'kubepath.cluster.yaml',
    text: "apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:\n  - {name: n1, ip: 172.18.0.2, allocatable: {cpu: '1', pods: 3}}\n  - {name: n2, ip: 172.18.0.3, taints: [{key: k, effect: NoSchedule}]}\n  - {name: n3, ip: 172.18.0.4, unschedulable: true}\n",
  },
];

type Edit =
  | { op: 'set'; path: string; text: string }
  | { op: 'delete'; path: string }
  | { op: 'profile'; profile: WorkspaceFile | null }
  | { op: 'loadSome'; files: number }
  | { op: 'analyze' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      path: fc.constantFrom(...PATHS),
      text: fc.constantFrom(...TEXTS),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('profile' as const), profile: fc.constantFrom(...PROFILES) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('loadSome' as const), files: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'analyze' as const }) },
);

void test('createWorkspaceAnalyzer equals analyzeWorkspace after any sequence of edits (and partial loadSome)', () => {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 25 }), (edits) => {
      const analyzer = createWorkspaceAnalyzer();
      const files = new Map<string, string>();
      let profile: WorkspaceFile | null = null;
      const check = (): void => {
        const incremental = analyzer.analyze();
        const oneShot = analyzeWorkspace({
          files: [...files].map(([path, text]) => ({ path, text })),
          profile,
        });
        assert.equal(snapshot(incremental), snapshot(oneShot));
        assert.deepEqual(toAnalyzeJson(incremental), toAnalyzeJson(oneShot));
      };
      for (const e of edits) {
        if (e.op === 'set') {
          analyzer.setFile(e.path, e.text);
          files.set(e.path, e.text);
        } else if (e.op === 'delete') {
          analyzer.deleteFile(e.path);
          files.delete(e.path);
        } else if (e.op === 'profile') {
          analyzer.setProfile(e.profile);
          profile = e.profile;
        } else if (e.op === 'loadSome') {
          // Parsing part of the changed files ahead of analyze() changes nothing in the result.
          let left = e.files;
          analyzer.loadSome(() => --left === 0);
        } else check();
      }
      check();
      assert.deepEqual(analyzer.paths(), [...files.keys()].sort());
    }),
    { numRuns: 200, seed: 9 },
  );
});

/** Few texts, each on one dependency edge between reconcile's steps, so edits meet each other. */
const EDGE_TEXTS = [
  coupled('db', 3, antiAffinity),
  coupled('web', 2, hostPort),
  deployment('api', 1),
  deployment('web', 3),
  deployment('db', 2),
  service('spread', 'db'),
  service('spread', 'web'),
  service('spread', 'api'),
  hpa('web', 3),
  hpa('web', 1),
  hpa('db', 4),
  service('clash', 'web', '  type: NodePort\n  ports:\n    - port: 82\n      nodePort: 30080\n'),
  service('clash', 'api', '  type: NodePort\n  ports:\n    - port: 83\n      nodePort: 30081\n'),
  service('api', 'api', '  type: NodePort\n  ports:\n    - port: 81\n      nodePort: 30080\n'),
  service('ext', 'x').replace('  selector:\n    app: x\n', ''),
  userSlice('192.0.2.20', 5432),
  userSlice('192.0.2.21', 5433),
  '',
];

void test("the incremental analyzer equals analyzeWorkspace after each edit on reconcile's dependency edges", () => {
  // Selector change -> reschedule (default spreading), HPA edit -> the workload's pods, two
  // Services on one node port -> allocation order, user EndpointSlice edit -> its Service.
  const paths = ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml'];
  const profile = PROFILES[1] ?? null;
  const step = fc.record({ path: fc.constantFrom(...paths), text: fc.constantFrom(...EDGE_TEXTS) });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (edits) => {
      const analyzer = createWorkspaceAnalyzer();
      analyzer.setProfile(profile);
      const files = new Map<string, string>();
      for (const e of edits) {
        analyzer.setFile(e.path, e.text);
        files.set(e.path, e.text);
        const oneShot = analyzeWorkspace({
          files: [...files].map(([path, text]) => ({ path, text })),
          profile,
        });
        assert.equal(snapshot(analyzer.analyze()), snapshot(oneShot));
      }
    }),
    { numRuns: 150, seed: 17 },
  );
});

void test('a Service that comes back after its duplicate is deleted is the one analyzed (found by the property above)', () => {
  const analyzer = createWorkspaceAnalyzer();
  const text = service('web', 'web');
  analyzer.setFile('a.yaml', text);
  analyzer.analyze();
  analyzer.setFile('c.yaml', text);
  assert.equal(analyzer.analyze().services[0]?.source.file, 'c.yaml', 'the later definition wins');
  analyzer.deleteFile('c.yaml');
  const after = analyzer.analyze();
  assert.equal(after.services[0]?.source.file, 'a.yaml');
  assert.equal(snapshot(after), snapshot(analyzeWorkspace({ files: [{ path: 'a.yaml', text }] })));
});

void test('the incremental analyzer reuses unchanged files and returns the same result when nothing changed', () => {
  const analyzer = createWorkspaceAnalyzer();
  analyzer.setFile('web.yaml', `${service('web', 'web')}---\n${deployment('web', 2)}`);
  analyzer.setFile('api.yaml', `${service('api', 'api')}---\n${deployment('api', 1)}`);
  const first = analyzer.analyze();
  assert.equal(analyzer.analyze(), first);
  analyzer.setFile('api.yaml', `${service('api', 'api')}---\n${deployment('api', 1)}`);
  assert.equal(analyzer.analyze(), first, 'same text: nothing to do');
  analyzer.setFile('api.yaml', `${service('api', 'api')}---\n${deployment('api', 3)}`);
  const second = analyzer.analyze();
  assert.notEqual(second, first);
  const web = (a: Analysis): unknown => a.objects.find((o) => o.file === 'web.yaml');
  assert.equal(web(second), web(first), 'web.yaml was not parsed again');
  assert.equal(second.workloads.find((w) => w.name === 'api')?.pods.length, 3);
});

/** Nested JSON-ish values whose keys exercise every form formatFieldPath writes. */
const key = fc.oneof(
  fc.constantFrom(
    'a',
    'spec',
    'ports',
    'x-y',
    '_k',
    '0',
    '1',
    'app.kubernetes.io/name',
    "it's",
    'a"b',
    '',
    'a]b',
    "a']['b",
  ),
  fc.string({ maxLength: 4 }),
);
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
}));

void test('field ranges resolved on demand equal the full maps, for present and absent paths', () => {
  fc.assert(
    fc.property(
      fc.dictionary(key, tree.node, { maxKeys: 5 }),
      fc.array(fc.string({ maxLength: 12 })),
      (body, extra) => {
        const text = stringify({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n' }, ...body });
        const lazy = loadYamlFile('t.yaml', text).objects;
        const full = loadYamlFile('t.yaml', text).objects;
        assert.equal(lazy.length, full.length);
        lazy.forEach((object, i) => {
          const reference = full[i];
          assert.ok(reference);
          const values = new Map(reference.ranges);
          const keys = new Map(reference.keyRanges);
          // The paths alone (the render stage's loader asks only which fields have a place).
          assert.deepEqual([...fieldRangePaths(object.ranges)], [...values.keys()]);
          assert.deepEqual([...fieldRangePaths(object.keyRanges)], [...keys.keys()]);
          for (const path of [...values.keys(), ...keys.keys(), ...extra, 'spec.nope', '[0]']) {
            assert.deepEqual(object.ranges.get(path), values.get(path), `value ${path}`);
            assert.deepEqual(object.keyRanges.get(path), keys.get(path), `key ${path}`);
            assert.equal(object.ranges.has(path), values.has(path));
          }
          assert.deepEqual([...object.ranges], [...values]);
          assert.equal(object.keyRanges.size, keys.size);
        });
      },
    ),
    { numRuns: 200, seed: 9 },
  );
});

void test('field range paths of empty values and items and of quoted keys equal the full maps and the lookups', () => {
  const text =
    'apiVersion: v1\nkind: T\nmetadata:\n  name: x\nspec:\n  empty:\n  list:\n    -\n    - x:\n' +
    '  "a.b": 1\n  "": 2\n  on: 3\n';
  const [lazy] = loadYamlFile('t.yaml', text).objects;
  const [full] = loadYamlFile('t.yaml', text).objects;
  assert.ok(lazy && full);
  const values = new Map(full.ranges);
  const keys = new Map(full.keyRanges);
  const valuePaths = fieldRangePaths(lazy.ranges);
  const keyPaths = fieldRangePaths(lazy.keyRanges);
  assert.deepEqual([...valuePaths], [...values.keys()]);
  assert.deepEqual([...keyPaths], [...keys.keys()]);
  // Against lookups path by path (the on-demand walk, not the one that fills).
  const [probe] = loadYamlFile('t.yaml', text).objects;
  assert.ok(probe);
  const candidates = ['spec.empty', 'spec.list', 'spec.list[0]', 'spec.list[1]', 'spec.list[1].x'];
  for (const path of [...candidates, "spec['a.b']", "spec['']", 'spec.true', 'spec.on', 'metadata.name']) {
    assert.equal(probe.ranges.has(path), valuePaths.has(path), `value ${path}`);
    assert.equal(probe.keyRanges.has(path), keyPaths.has(path), `key ${path}`);
  }
  for (const path of candidates) assert.ok(valuePaths.has(path), path);
});

void test('appendFieldPathKey extends a formatted path as formatFieldPath would', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(key, fc.nat(20)), { maxLength: 5 }), key, (segments, last) => {
      assert.equal(appendFieldPathKey(formatFieldPath(segments), last), formatFieldPath([...segments, last]));
    }),
    { seed: 9 },
  );
});

void test('a Service selector matches as every one of its pairs being present (an empty one matches nothing)', () => {
  const pairs = fc.dictionary(
    fc.constantFrom('app', 'tier', '__proto__', 'constructor', ''),
    fc.constantFrom('a', 'b', ''),
    {
      maxKeys: 4,
    },
  );
  fc.assert(
    fc.property(pairs, pairs, (selector, labels) => {
      const entries = Object.entries(selector);
      const expected = entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
      assert.equal(serviceSelectorMatches(selector, labels), expected);
    }),
    { seed: 9, numRuns: 500 },
  );
});

void test('PodLabelIndex selects the pods a scan selects, in the same order', () => {
  const labels = fc.dictionary(
    fc.constantFrom('app', 'tier', 'v', '__proto__'),
    fc.constantFrom('a', 'b', ''),
    {
      maxKeys: 3,
    },
  );
  fc.assert(
    fc.property(
      fc.array(fc.record({ namespace: fc.constantFrom('default', 'x'), labels }), { maxLength: 12 }),
      labels,
      fc.constantFrom('default', 'x', 'y'),
      (specs, selector, namespace) => {
        const pods = specs.map(
          (s, i) =>
            ({ metadata: { namespace: s.namespace, name: `p${i}`, labels: s.labels } }) as unknown as Pod,
        );
        const svc = { metadata: { namespace }, selector } as unknown as Parameters<typeof selectedPods>[0];
        // The first selections go through the pods, later ones use the index: both ways.
        const index = new PodLabelIndex(pods);
        const scan = selectedPods(svc, pods);
        for (let i = 0; i < 6; i++) assert.deepEqual(selectedPods(svc, index), scan, `selection ${i}`);
      },
    ),
    { seed: 9 },
  );
});

void test('byteLength counts UTF-8 bytes as TextEncoder does (lone surrogates included)', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }),
      (a, b) => {
        for (const s of [a, b, a + b]) assert.equal(byteLength(s), new TextEncoder().encode(s).length);
      },
    ),
    { seed: 9 },
  );
});

/**
 * Edits a user makes in a generated monorepo (bench/generate.ts), chosen to reach every
 * incremental path: rollouts and replica changes (pods, pod IPs on crowded nodes), port
 * and type changes (allocation), selector typos and workloads moved to another
 * namespace (no-match findings), deleted and duplicated files, user Endpoints, profiles.
 * Half the pairs keep their Deployment in a file of its own, so a workload can change
 * while the Services that select it do not.
 */
type WorkspaceEdit =
  | { op: 'line'; pair: number; k: number }
  | { op: 'typo'; pair: number }
  | { op: 'type'; pair: number; type: string }
  | { op: 'nodePort'; pair: number; port: number }
  | { op: 'namespace'; pair: number; team: number }
  | { op: 'replicas'; pair: number; replicas: number }
  | { op: 'delete'; pair: number }
  | { op: 'restore'; pair: number }
  | { op: 'copy'; pair: number }
  | { op: 'endpoints'; on: boolean }
  | { op: 'kustomize'; pair: number | null }
  | { op: 'profile'; profile: number };

const PAIRS = 8;
/** Mostly the first few pairs, so edits meet each other. */
const pair = fc.oneof(fc.nat(3), fc.nat(PAIRS - 1));
const workspaceEdit: fc.Arbitrary<WorkspaceEdit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('line' as const), pair, k: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('typo' as const), pair }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('type' as const),
      pair,
      type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('nodePort' as const), pair, port: fc.constantFrom(30080, 30081) }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('namespace' as const), pair, team: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replicas' as const), pair, replicas: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), pair }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restore' as const), pair }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copy' as const), pair }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('endpoints' as const), on: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('kustomize' as const), pair: fc.option(pair, { nil: null }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('profile' as const), profile: fc.nat(2) }) },
);

/** Two nodes with /28 pod ranges: pods collide and ranges fill up, so IPs move on edits. */
const CROWDED: WorkspaceFile = {
  path: 'kubepath.cluster.yaml',
  text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodePortRange: 30000-30100\nnodes:\n  - {name: n1, ip: 172.18.0.2, podCIDR: 10.244.1.0/28}\n  - {name: n2, ip: 172.18.0.3, podCIDR: 10.244.2.0/28}\ncloud: {provider: generic, loadBalancerIPPool: 203.0.113.0/29}\n',
};

const ENDPOINTS =
  'apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: team-000}\nspec:\n  ports: [{port: 5432}]\n---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: db, namespace: team-000}\nsubsets:\n  - addresses: [{ip: 192.0.2.10}]\n    ports: [{port: 5432}]\n';

interface PairFiles {
  path: string;
  service: string;
  deployment: string;
  split: boolean;
  present: boolean;
  copied: boolean;
}

function pairFiles(ws: WorkspaceFile[]): PairFiles[] {
  return ws.map((f, i) => {
    const [service = '', deployment = ''] = f.text.split('\n---\n');
    return { path: f.path, service, deployment, split: i % 2 === 1, present: true, copied: false };
  });
}

/** A kustomization listing one pair's file as a patch (which is then skipped). */
function kustomization(p: PairFiles): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\npatches:\n  - path: ${p.path}\n`;
}

function workspaceTexts(
  pairs: PairFiles[],
  endpoints: boolean,
  patched: number | null = null,
): Map<string, string> {
  const texts = new Map<string, string>();
  for (const p of pairs) {
    if (!p.present) continue;
    if (p.split) {
      texts.set(p.path, p.service);
      texts.set(p.path.replace('.yaml', '-deployment.yaml'), p.deployment);
    } else texts.set(p.path, `${p.service}\n---\n${p.deployment}`);
    if (p.copied) texts.set(`copies/${p.path}`, `${p.service}\n---\n${p.deployment}`);
  }
  if (endpoints) texts.set('external/db.yaml', ENDPOINTS);
  const target = patched === null ? undefined : pairs[patched];
  if (target) texts.set('kustomization.yaml', kustomization(target));
  return texts;
}

function applyWorkspaceEdit(pairs: PairFiles[], originals: PairFiles[], e: WorkspaceEdit): void {
  if (e.op === 'endpoints' || e.op === 'profile' || e.op === 'kustomize') return;
  const p = pairs[e.pair] as PairFiles;
  switch (e.op) {
    case 'line': {
      // editOneLine touches the Deployment (k = 0, 1) or the Service (k = 2).
      const edited = editOneLine(`${p.service}\n---\n${p.deployment}`, e.k).split('\n---\n');
      p.service = edited[0] ?? p.service;
      p.deployment = edited[1] ?? p.deployment;
      break;
    }
    case 'typo':
      p.service = p.service.replace(
        /(selector:\n {4}app\.kubernetes\.io\/name: )(\S+)/,
        (_, head: string, v: string) =>
          head + (v.startsWith('app-') ? v.replace('app-', 'ap-') : v.replace('ap-', 'app-')),
      );
      break;
    case 'type': {
      const body = p.service.replace(/\n {2}type: \w+/, '').replace(/\n {2}externalName: \S+/, '');
      const extra = e.type === 'ExternalName' ? '\n  externalName: db.example.com' : '';
      p.service = body.replace('\nspec:', `\nspec:\n  type: ${e.type}${extra}`);
      break;
    }
    case 'nodePort':
      p.service = p.service.replace(
        /\n( {6})port: (\d+)\n/,
        (m, indent: string) => `${m}${indent}nodePort: ${e.port}\n`,
      );
      break;
    case 'namespace':
      p.deployment = p.deployment.replace(/namespace: \S+/, `namespace: team-00${e.team}`);
      break;
    case 'replicas':
      p.deployment = p.deployment.replace(/replicas: \d+/, `replicas: ${e.replicas}`);
      break;
    case 'delete':
      p.present = false;
      break;
    case 'restore':
      Object.assign(p, originals[e.pair], { present: true });
      break;
    case 'copy':
      p.copied = !p.copied;
      break;
  }
}

void test('on a generated workspace, the incremental analyzer equals analyzeWorkspace after any sequence of edits', () => {
  const ws = generateWorkspace(PAIRS);
  const profiles = [ws.profile, CROWDED, null];
  fc.assert(
    fc.property(fc.array(workspaceEdit, { minLength: 1, maxLength: 10 }), (edits) => {
      const analyzer = createWorkspaceAnalyzer();
      const originals = pairFiles(ws.files);
      const pairs = pairFiles(ws.files);
      let endpoints = false;
      let patched: number | null = null;
      let texts = workspaceTexts(pairs, endpoints);
      let profile: WorkspaceFile | null = ws.profile;
      analyzer.setProfile(profile);
      for (const [path, text] of texts) analyzer.setFile(path, text);
      analyzer.analyze();
      for (const e of edits) {
        applyWorkspaceEdit(pairs, originals, e);
        if (e.op === 'endpoints') endpoints = e.on;
        if (e.op === 'kustomize') patched = e.pair;
        if (e.op === 'profile') {
          profile = profiles[e.profile] ?? null;
          analyzer.setProfile(profile);
        }
        const next = workspaceTexts(pairs, endpoints, patched);
        for (const path of texts.keys()) if (!next.has(path)) analyzer.deleteFile(path);
        for (const [path, text] of next) analyzer.setFile(path, text);
        texts = next;
        const incremental = analyzer.analyze();
        const oneShot = analyzeWorkspace({
          files: [...texts].map(([path, text]) => ({ path, text })),
          profile,
        });
        // Each file's parse is the loader's (compared in full above); here, what reconcile made of them.
        const reconciled = (a: Analysis): string =>
          snapshot({
            ...a,
            objects: a.objects.map((o) => ({ ...o, ranges: new Map(), keyRanges: new Map() })),
          });
        assert.equal(reconciled(incremental), reconciled(oneShot));
      }
    }),
    { numRuns: 40, seed: 9 },
  );
});

void test('canonicalJsonHash hashes what canonicalJson writes', () => {
  const text = fc.string({ unit: 'binary', maxLength: 6 });
  const value = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(text, tie('node'), { maxKeys: 4 }),
    ),
  }));
  fc.assert(
    fc.property(value.node, (v) => {
      assert.equal(canonicalJsonHash(v), fnv32a(canonicalJson(v)));
    }),
    { numRuns: 2000, seed: 9 },
  );
});

void test('sortDiagnostics orders by file, line, column and code as one stable sort does', () => {
  const diagnostic = fc.record({
    file: fc.constantFrom('a.yaml', 'b/a.yaml', 'b.yaml', 'B.yaml', 'a.yml', ''),
    line: fc.nat(4),
    column: fc.nat(2),
    code: fc.constantFrom('x', 'y', 'service-selector-no-match'),
    message: fc.string({ maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.array(diagnostic, { maxLength: 40 }), (specs) => {
      const list: Diagnostic[] = specs.map((s) => ({
        range: { file: s.file, line: s.line, column: s.column, endLine: s.line, endColumn: s.column },
        severity: 'warning',
        code: s.code,
        message: s.message,
      }));
      const expected = list
        .slice()
        .sort(
          (a, b) =>
            (a.range.file < b.range.file ? -1 : a.range.file > b.range.file ? 1 : 0) ||
            a.range.line - b.range.line ||
            a.range.column - b.range.column ||
            a.code.localeCompare(b.code),
        );
      const sorted = sortDiagnostics(list);
      assert.equal(sorted, list, 'sorted in place');
      assert.equal(sorted.length, expected.length);
      sorted.forEach((d, i) => assert.equal(d, expected[i], `position ${i}`));
    }),
    { seed: 7 },
  );
});
