// fast-check generators for hostile workspaces: plausible Kubernetes objects
// (so the reconcilers, kube-proxy and the tracer have real work to do), then
// field mutations (wrong types, huge and negative numbers, unicode, deletions,
// shared subtrees that become YAML aliases, deep nesting), several
// serialisations (block, flow, JSON, CRLF) and random text mutations.
import fc from 'fast-check';
import { stringify } from 'yaml';

export interface FuzzFile {
  path: string;
  text: string;
}

export interface FuzzCase {
  files: FuzzFile[];
  profile: FuzzFile | null;
  /** Extra trace targets (free text); the pipeline adds targets derived from the analysis. */
  targets: string[];
  /** Picks the request origin for derived targets. */
  originPick: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const LABEL_KEYS = ['app', 'tier', 'version', 'app.kubernetes.io/name'];
const LABEL_VALUES = ['web', 'api', 'db', 'v1', 'v2', 'nginx'];
const NAMES = ['web', 'api', 'db', 'nginx', 'a', 'web-v2', 'redis-0'];
const NAMESPACES = ['default', 'default', 'prod', 'kube-system'];
const PORT_NAMES = ['', 'http', 'https', 'metrics', 'grpc'];

const nameArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);
const namespaceArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMESPACES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const labelsArb = fc.dictionary(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES), {
  maxKeys: 3,
});
const portNumberArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(80, 443, 8080, 9090, 53, 6379) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
);
const protocolArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('TCP') },
  { weight: 2, arbitrary: fc.constantFrom('UDP', 'SCTP') },
  { weight: 1, arbitrary: fc.constantFrom('tcp', 'HTTP', '') },
);
const serviceIPArb = fc.oneof(
  fc.constantFrom('None', '', '10.96.0.10', '10.96.0.1', '10.96.255.255', '10.0.0.5', '::1', '10.96.0.0'),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
    .map(([a, b]) => `10.96.${a}.${b}`),
);

const containerPortArb = fc.record(
  {
    name: fc.constantFrom(...PORT_NAMES),
    containerPort: portNumberArb,
    protocol: protocolArb,
    hostPort: portNumberArb,
  },
  { requiredKeys: ['containerPort'] },
);

const containerArb = fc.record(
  {
    name: fc.constantFrom('app', 'sidecar', 'c'),
    image: fc.constantFrom('nginx:1.27', 'redis', 'ghcr.io/x/y@sha256:abc'),
    ports: fc.array(containerPortArb, { maxLength: 3 }),
    readinessProbe: fc.record({ httpGet: fc.record({ path: fc.constant('/'), port: portNumberArb }) }),
  },
  { requiredKeys: ['name', 'image'] },
);

const podSpecArb = fc.record(
  {
    containers: fc.array(containerArb, { minLength: 1, maxLength: 2 }),
    initContainers: fc.array(
      containerArb.map((c) => ({ ...c, restartPolicy: 'Always' })),
      { maxLength: 1 },
    ),
    nodeName: fc.constantFrom('node-1', 'node-2', 'node-9', ''),
    nodeSelector: fc.dictionary(
      fc.constantFrom('kubernetes.io/hostname', 'disk'),
      fc.constantFrom('node-1', 'ssd'),
      {
        maxKeys: 1,
      },
    ),
    hostname: nameArb,
    subdomain: nameArb,
    hostNetwork: fc.boolean(),
  },
  { requiredKeys: ['containers'] },
);

function metadata(kind: string): fc.Arbitrary<Record<string, Json>> {
  return fc.record(
    {
      name: nameArb,
      namespace: namespaceArb,
      labels: labelsArb,
      annotations: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
    },
    { requiredKeys: kind === 'Pod' || kind === 'Service' ? ['name'] : [] },
  );
}

const serviceArb = fc
  .record(
    {
      metadata: metadata('Service'),
      type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'clusterip'),
      clusterIP: serviceIPArb,
      selector: labelsArb,
      ports: fc.array(
        fc.record(
          {
            name: fc.constantFrom(...PORT_NAMES),
            protocol: protocolArb,
            port: portNumberArb,
            targetPort: fc.oneof(portNumberArb, fc.constantFrom(...PORT_NAMES)),
            nodePort: fc.oneof(fc.integer({ min: 30000, max: 32767 }), fc.constantFrom(30080, 0, 80, 40000)),
          },
          { requiredKeys: ['port'] },
        ),
        { maxLength: 3 },
      ),
      externalTrafficPolicy: fc.constantFrom('Cluster', 'Local', 'local'),
      internalTrafficPolicy: fc.constantFrom('Cluster', 'Local'),
      sessionAffinity: fc.constantFrom('None', 'ClientIP'),
      externalName: fc.constantFrom('example.com', 'db.internal', '-bad-'),
      externalIPs: fc.array(fc.constantFrom('192.0.2.10', '10.96.0.20', 'x'), { maxLength: 2 }),
      loadBalancerSourceRanges: fc.array(fc.constantFrom('198.51.100.0/24', '0.0.0.0/0', '1.2.3.4'), {
        maxLength: 2,
      }),
      publishNotReadyAddresses: fc.boolean(),
      ipFamilyPolicy: fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack'),
      healthCheckNodePort: fc.integer({ min: 30000, max: 32767 }),
    },
    { requiredKeys: ['metadata', 'ports'] },
  )
  .map(({ metadata: md, ...spec }): Record<string, Json> => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: md,
    spec,
  }));

const workloadArb = fc
  .record({
    kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'),
    metadata: metadata('Deployment'),
    // Rarely over the 1,000-pod cap: a big workload makes every step of the case slow.
    replicas: fc.oneof(
      { weight: 30, arbitrary: fc.integer({ min: 0, max: 5 }) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 1500) },
    ),
    labels: labelsArb,
    selectorMatches: fc.boolean(),
    serviceName: nameArb,
    podSpec: podSpecArb,
  })
  .map(
    ({
      kind,
      metadata: md,
      replicas,
      labels,
      selectorMatches,
      serviceName,
      podSpec,
    }): Record<string, Json> => {
      const spec: Record<string, Json> = {
        selector: { matchLabels: selectorMatches ? labels : { app: 'other' } },
        template: { metadata: { labels }, spec: podSpec },
      };
      if (kind !== 'DaemonSet') spec['replicas'] = replicas;
      if (kind === 'StatefulSet') spec['serviceName'] = serviceName;
      return { apiVersion: 'apps/v1', kind, metadata: md, spec };
    },
  );

const podArb = fc
  .record({ metadata: metadata('Pod'), spec: podSpecArb })
  .map((p): Record<string, Json> => ({ apiVersion: 'v1', kind: 'Pod', ...p }));

const endpointSliceArb = fc
  .record({
    metadata: metadata('EndpointSlice'),
    service: nameArb,
    addressType: fc.constantFrom('IPv4', 'IPv6', 'FQDN'),
    endpoints: fc.array(
      fc.record(
        {
          addresses: fc.array(fc.constantFrom('10.244.1.7', '10.244.2.9', '192.0.2.1', 'fd00::1', 'nope'), {
            minLength: 1,
            maxLength: 2,
          }),
          conditions: fc.record(
            { ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() },
            { requiredKeys: [] },
          ),
          nodeName: fc.constantFrom('node-1', 'node-2', 'node-x'),
          zone: fc.constantFrom('a', 'b'),
        },
        { requiredKeys: ['addresses'] },
      ),
      { maxLength: 3 },
    ),
    ports: fc.array(
      fc.record({ name: fc.constantFrom(...PORT_NAMES), port: portNumberArb, protocol: protocolArb }),
      { maxLength: 2 },
    ),
  })
  .map(({ metadata: md, service, ...rest }): Record<string, Json> => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      ...md,
      labels: { ...(md['labels'] as Record<string, Json>), 'kubernetes.io/service-name': service },
    },
    ...rest,
  }));

const endpointsArb = fc
  .record({
    metadata: metadata('Endpoints'),
    subsets: fc.array(
      fc.record(
        {
          addresses: fc.array(
            fc.record({
              ip: fc.constantFrom('10.244.1.7', '192.0.2.1', 'bad'),
              nodeName: fc.constantFrom('node-1', 'zz'),
            }),
            {
              maxLength: 2,
            },
          ),
          notReadyAddresses: fc.array(fc.record({ ip: fc.constantFrom('10.244.3.3') }), { maxLength: 1 }),
          ports: fc.array(
            fc.record({ name: fc.constantFrom(...PORT_NAMES), port: portNumberArb, protocol: protocolArb }),
            {
              maxLength: 2,
            },
          ),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
  })
  .map((e): Record<string, Json> => ({ apiVersion: 'v1', kind: 'Endpoints', ...e }));

const otherArb = fc.constantFrom<Record<string, Json>>(
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ing' }, spec: {} },
  { foo: 'bar' },
  {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'in-list' }, spec: { ports: [{ port: 80 }] } },
    ],
  },
);

const objectArb: fc.Arbitrary<Record<string, Json>> = fc.oneof(
  { weight: 4, arbitrary: serviceArb },
  { weight: 4, arbitrary: workloadArb },
  { weight: 1, arbitrary: podArb },
  { weight: 1, arbitrary: endpointSliceArb },
  { weight: 1, arbitrary: endpointsArb },
  { weight: 1, arbitrary: otherArb },
);

/** Values of the wrong type, out of range, unicode, deeply nested. */
export const wildValueArb: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: -10, max: 70000 }),
  fc.constantFrom<Json>(
    0,
    -1,
    65536,
    2147483648,
    9007199254740992,
    1e308,
    -1e308,
    1.5,
    1e-9,
    Infinity,
    -Infinity,
    NaN,
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom<Json>(
    '\u202eevil\u202c',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    'ünïcødé-名前',
    '😀',
    '\u0000',
    'x'.repeat(300),
    '10.96.0.1',
    '10.96.0.0/12',
    '999.1.1.1',
    '::ffff:10.96.0.1',
    'http',
    '80',
    '0x50',
    'TCP',
    'None',
    '',
    ' ',
  ),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.integer({ min: 1, max: 300 }).map((depth) => {
    let v: Json = 'deep';
    for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
    return v;
  }),
);

export interface FieldMutation {
  pick: number;
  op: 'replace' | 'delete' | 'share' | 'add';
  value: Json;
  key: string;
}

const fieldMutationArb: fc.Arbitrary<FieldMutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'delete', 'share', 'add'),
  value: wildValueArb,
  key: fc.oneof(
    fc.constantFrom('extra', 'spec', 'ports', 'selector', 'replicas', 'metadata'),
    fc.string({ maxLength: 6 }),
  ),
});

type Slot = { parent: Json[] | { [key: string]: Json }; key: string | number };

function slots(value: Json, out: Slot[] = [], seen = new Set<unknown>()): Slot[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ parent: value, key: i });
      slots(v, out, seen);
    });
  } else {
    for (const [k, v] of Object.entries(value)) {
      out.push({ parent: value, key: k });
      slots(v, out, seen);
    }
  }
  return out;
}

/** Applies mutations in place (deterministically from the generated picks). */
export function applyFieldMutations(object: Record<string, Json>, mutations: readonly FieldMutation[]): void {
  for (const m of mutations) {
    const all = slots(object);
    if (all.length === 0) return;
    const slot = all[m.pick % all.length]!;
    const parent = slot.parent as Record<string | number, Json>;
    switch (m.op) {
      case 'replace':
        parent[slot.key] = m.value;
        break;
      case 'delete':
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else delete parent[slot.key];
        break;
      case 'share': {
        // The same subtree in two places: yaml's stringify writes an anchor and an alias.
        const other = all[(m.pick * 7 + 3) % all.length]!;
        const shared = (other.parent as Record<string | number, Json>)[other.key];
        if (
          shared !== undefined &&
          typeof shared === 'object' &&
          shared !== null &&
          !contains(shared, slot.parent)
        ) {
          parent[slot.key] = shared;
        }
        break;
      }
      case 'add': {
        const target = parent[slot.key];
        if (target && typeof target === 'object' && !Array.isArray(target)) target[m.key] = m.value;
        else if (Array.isArray(target)) target.push(m.value);
        break;
      }
    }
  }
}

function contains(haystack: Json, needle: unknown, seen = new Set<unknown>()): boolean {
  if (haystack === needle) return true;
  if (haystack === null || typeof haystack !== 'object' || seen.has(haystack)) return false;
  seen.add(haystack);
  return Object.values(haystack).some((v) => contains(v, needle, seen));
}

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ': ',
  '- ',
  '-',
  ',',
  '#',
  '&a ',
  '*a',
  '*zz',
  '!!str ',
  '!!int ',
  '!foo ',
  '|',
  '>-',
  "'",
  '"',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\u0000',
  '\ufeff',
  '---\n',
  '\n...\n',
  '%YAML 1.2\n---\n',
  '{{ .Values.x }}',
  '<<: *a\n',
  '? ',
  '@',
  '`',
  '\u2028',
  '\\',
  '  ',
  '\n  ',
  '0o777',
  '.inf',
  '.nan',
  '~',
  'null',
  '1e400',
  '99999999999999999999999',
  '-0',
  '0x',
  'true',
  'yes',
  // go-yaml v2 scalars (issue 18): YAML 1.1 booleans, Go integer syntax, merge keys.
  'on',
  'Off',
  'y',
  'N',
  '0120',
  '0b1010',
  '0x_1F',
  '8_0',
  '1e3',
  '80.0',
  '1:30',
  '2001-12-14',
  '<<: [*a, *a]\n',
  '<<: 1\n',
  // Encodings and JSON as kubectl reads them.
  '\ufffd\ufffd',
  '\udc00',
  '\u0085',
  '\u007f',
  '// c\n',
  '/* c */',
  ',}',
  '}{',
];

export interface TextMutation {
  pos: number;
  op: 'insert' | 'delete' | 'replace' | 'dupLine' | 'delLine' | 'swapLines' | 'truncate' | 'indent';
  token: string;
  len: number;
}

const textMutationArb: fc.Arbitrary<TextMutation> = fc.record({
  pos: fc.nat(),
  op: fc.constantFrom(
    'insert',
    'insert',
    'delete',
    'replace',
    'dupLine',
    'delLine',
    'swapLines',
    'truncate',
    'indent',
  ),
  token: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...TOKENS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  ),
  len: fc.integer({ min: 1, max: 8 }),
});

export function applyTextMutations(text: string, mutations: readonly TextMutation[]): string {
  let t = text;
  for (const m of mutations) {
    const at = t.length === 0 ? 0 : m.pos % (t.length + 1);
    const lines = t.split('\n');
    const li = m.pos % lines.length;
    switch (m.op) {
      case 'insert':
        t = t.slice(0, at) + m.token + t.slice(at);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + m.len);
        break;
      case 'replace':
        t = t.slice(0, at) + m.token + t.slice(at + m.len);
        break;
      case 'dupLine': // duplicate keys, mostly
        lines.splice(li, 0, lines[li] ?? '');
        t = lines.join('\n');
        break;
      case 'delLine':
        lines.splice(li, 1);
        t = lines.join('\n');
        break;
      case 'swapLines': {
        const lj = (li + m.len) % lines.length;
        [lines[li], lines[lj]] = [lines[lj] ?? '', lines[li] ?? ''];
        t = lines.join('\n');
        break;
      }
      case 'truncate':
        t = t.slice(0, at);
        break;
      case 'indent':
        lines[li] = ' '.repeat(m.len) + (lines[li] ?? '');
        t = lines.join('\n');
        break;
    }
  }
  return t;
}

type Style = 'block' | 'flow' | 'json' | 'crlf' | 'jsonl' | 'jsonStream' | 'jsonArray' | 'utf16';

function serialise(objects: Json[], style: Style): string {
  switch (style) {
    case 'json':
      return objects.length === 1
        ? JSON.stringify(objects[0], null, 2)
        : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2);
    case 'jsonl':
      // JSON is YAML: several JSON documents separated by '---'.
      return objects.map((o) => JSON.stringify(o)).join('\n---\n');
    case 'flow':
      return objects.map((o) => stringify(o, { collectionStyle: 'flow' })).join('---\n');
    case 'crlf':
      return objects
        .map((o) => stringify(o))
        .join('---\n')
        .replace(/\n/g, '\r\n');
    case 'jsonStream':
      // kubectl's JSON stream: objects one after another, no '---'.
      return objects.map((o) => JSON.stringify(o)).join('\n');
    case 'jsonArray':
      return JSON.stringify(objects);
    case 'utf16': {
      // A UTF-16LE file as a UTF-8 reader gives it: "\uFFFD\uFFFD", then every other character NUL.
      let out = '\ufffd\ufffd';
      for (const c of objects.map((o) => stringify(o)).join('---\n')) out += `${c}\0`;
      return out;
    }
    case 'block':
      return objects.map((o) => stringify(o)).join('---\n');
  }
}

const fileArb = fc
  .record({
    objects: fc.array(
      fc.record({ object: objectArb, mutations: fc.array(fieldMutationArb, { maxLength: 4 }) }),
      { minLength: 0, maxLength: 5 },
    ),
    style: fc.constantFrom<Style>(
      'block',
      'block',
      'block',
      'flow',
      'json',
      'jsonl',
      'crlf',
      'jsonStream',
      'jsonArray',
      'utf16',
    ),
    textMutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(textMutationArb, { minLength: 1, maxLength: 4 }) },
    ),
    prefix: fc.constantFrom('', '', '', '# comment\n', '---\n', '\ufeff', '%YAML 1.2\n---\n'),
  })
  .map(({ objects, style, textMutations, prefix }) => {
    // Mutate copies: fast-check may map the same generated value again while shrinking.
    const values = objects.map(({ object, mutations }) => {
      const copy = structuredClone(object);
      applyFieldMutations(copy, mutations);
      return copy;
    });
    let text: string;
    try {
      text = serialise(values, style);
    } catch {
      text = values.map((v) => String(JSON.stringify(v))).join('\n---\n');
    }
    return { text: applyTextMutations(prefix + text, textMutations), json: style === 'json' };
  });

const profileArb: fc.Arbitrary<FuzzFile | null> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        serviceCIDR: fc.constantFrom(
          '10.96.0.0/16',
          '10.96.0.0/28',
          '10.96.0.0/30',
          '10.0.0.0/8',
          '10.96.0.0/12',
          'fd00::/108',
          'bad',
        ),
        podCIDR: fc.constantFrom('10.244.0.0/16', '10.244.0.0/24', '10.244.0.0/30'),
        clusterDomain: fc.constantFrom('cluster.local', 'example.org'),
        nodePortRange: fc.constantFrom('30000-32767', '30000-30002', '30080-30080', '32767-30000', 'x'),
        nodes: fc.array(
          fc.record(
            {
              name: fc.constantFrom('node-1', 'node-2', 'worker-a', 'node-1'),
              ip: fc.constantFrom('172.18.0.2', '172.18.0.3', '10.0.0.4', 'nope'),
              podCIDR: fc.constantFrom('10.244.1.0/24', '10.244.9.0/30'),
              labels: fc.dictionary(fc.constantFrom('disk', 'zone'), fc.constantFrom('ssd', 'a'), {
                maxKeys: 1,
              }),
            },
            { requiredKeys: ['name', 'ip'] },
          ),
          { minLength: 0, maxLength: 4 },
        ),
        kubeProxy: fc.record(
          {
            mode: fc.constantFrom('iptables', 'nftables', 'ipvs'),
            masqueradeAll: fc.boolean(),
            masqueradeBit: fc.constantFrom(14, 0, 31, 40),
            localhostNodePorts: fc.boolean(),
            nodePortAddresses: fc.constantFrom([], ['172.18.0.0/16'], ['primary']),
          },
          { requiredKeys: [] },
        ),
        kubernetesVersion: fc.constantFrom('1.33', '1.34', '1.28', 'x'),
        cloud: fc.record(
          {
            provider: fc.constantFrom('generic', 'aws', 'gcp', 'azure', 'metallb', 'none', 'mars'),
            loadBalancerIPPool: fc.constantFrom('203.0.113.0/24', '203.0.113.0/31'),
          },
          { requiredKeys: ['provider'] },
        ),
        mutations: fc.array(fieldMutationArb, { maxLength: 3 }),
        textMutations: fc.array(textMutationArb, { maxLength: 2 }),
      })
      .map(({ mutations, textMutations, ...fields }) => {
        const object = structuredClone({
          apiVersion: 'kubepath.dev/v1alpha1',
          kind: 'ClusterProfile',
          ...fields,
        }) as unknown as Record<string, Json>;
        applyFieldMutations(object, mutations);
        return { path: 'kubepath.cluster.yaml', text: applyTextMutations(stringify(object), textMutations) };
      }),
  },
);

/** A whole workspace: a few files, maybe a profile, a few trace targets. */
export const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc
  .record({
    files: fc.array(fileArb, { minLength: 1, maxLength: 3 }),
    profile: profileArb,
    targets: fc.array(
      fc.oneof(
        fc.constantFrom(
          'web',
          'web.default:80',
          'http://api.prod.svc.cluster.local/',
          '10.96.0.10:80',
          'https://[::1]:443',
          ':80',
          'web:99999',
          'x.y.z.w.v:1',
        ),
        fc.string({ maxLength: 16 }),
      ),
      { maxLength: 2 },
    ),
    originPick: fc.nat(),
  })
  .map(({ files, profile, targets, originPick }) => ({
    files: files.map((f, i) => ({ path: `k8s/f${i}.${f.json ? 'json' : 'yaml'}`, text: f.text })),
    profile,
    targets,
    originPick,
  }));
