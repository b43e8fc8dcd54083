// The incremental analyzer and the speed-ups behind it give exactly what the
// one-shot paths give: createWorkspaceAnalyzer ≡ analyzeWorkspace after any edit
// sequence, on-demand field ranges ≡ the full maps, label indexes ≡ scans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { analyzeWorkspace, createWorkspaceAnalyzer, toAnalyzeJson } from '../../src/engine';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { loadYamlFile } from '../../src/engine/load';
import { appendFieldPathKey } from '../../src/engine/load/yamlDocuments';
import { formatFieldPath } from '../../src/engine/model';
import type { Pod } from '../../src/engine/model';
import { PodLabelIndex, selectedPods } from '../../src/engine/reconcile/endpointSlices';
import { byteLength } from '../../src/engine/reconcile/apiserver/apimachineryValidation';

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

const TEXTS = [
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
];

type Edit =
  | { op: 'set'; path: string; text: string }
  | { op: 'delete'; path: string }
  | { op: 'profile'; profile: WorkspaceFile | null }
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
  { weight: 2, arbitrary: fc.constant({ op: 'analyze' as const }) },
);

void test('createWorkspaceAnalyzer equals analyzeWorkspace after any sequence of edits', () => {
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
        } else check();
      }
      check();
      assert.deepEqual(analyzer.paths(), [...files.keys()].sort());
    }),
    { numRuns: 60, seed: 9 },
  );
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

void test('appendFieldPathKey extends a formatted path as formatFieldPath would', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(key, fc.nat(20)), { maxLength: 5 }), key, (segments, last) => {
      assert.equal(appendFieldPathKey(formatFieldPath(segments), last), formatFieldPath([...segments, last]));
    }),
    { seed: 9 },
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
        assert.deepEqual(selectedPods(svc, new PodLabelIndex(pods)), selectedPods(svc, pods));
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
