// The cluster profile's one schema: every field the design document and the README name is
// in it, its defaults are the built-in cluster's, and the loader reports through it (unknown
// fields with did-you-mean at every level, wrong types, bad CIDRs, enum values) on the line
// of the field. kubeProxy.detectLocalMode changes the local-traffic rules as kube-proxy's does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Validator } from '@cfworker/json-schema';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  analyzeWorkspace,
  defaultClusterProfile,
  loadClusterProfile,
  PROFILE_SCHEMA,
  profileFieldAt,
  profileFieldsAt,
  profileJsonSchema,
  rules,
} from '../../src/engine';
import type { ProfileField } from '../../src/engine';

/** Every field path a YAML text writes (list items by `[]`), and the field names its comments list for nodes. */
function writtenPaths(text: string): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, at: string): void => {
    if (Array.isArray(value)) for (const item of value) walk(item, `${at}[]`);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const path = at ? `${at}.${k}` : k;
        out.add(path);
        if (path !== 'metadata' && !path.endsWith('labels') && !path.endsWith('allocatable')) walk(v, path);
      }
    }
  };
  for (const doc of parseAllDocuments(text)) walk(doc.toJS(), '');
  return [...out];
}

function schemaHas(path: string): boolean {
  const segments = path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), 0] : [s]));
  return profileFieldAt(segments) !== undefined;
}

/** The ```yaml blocks of a Markdown text that hold a ClusterProfile. */
function profileBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((b) => b.includes('kind: ClusterProfile'));
}

void describe('the profile schema covers the documented profile', () => {
  void it("every field of DESIGN.md's profile and of its node comment is in the schema", () => {
    const text = readFileSync('test/fixtures/profile/design-profile.yaml', 'utf8');
    const paths = writtenPaths(text);
    assert.ok(paths.includes('kubeProxy.detectLocalMode') && paths.includes('cloud.loadBalancerIPPool'));
    for (const path of paths) assert.ok(schemaHas(path), path);
    // "a node may list several IPs (ips: [...]), labels, podCIDR, taints, allocatable …, zone, region, unschedulable"
    const comment = /nodes:\s+#([^\n]*\n\s+#[^\n]*)/.exec(text)?.[1] ?? '';
    const named = [
      ...comment.matchAll(/\b(ips|labels|podCIDR|taints|allocatable|zone|region|unschedulable)\b/g),
    ];
    assert.equal(new Set(named.map((m) => m[1])).size, 8, comment);
    for (const m of named) assert.ok(schemaHas(`nodes[].${m[1]}`), m[1]);
  });

  void it("every field of the README's profile and of the node fields its prose names is in the schema", () => {
    const readme = readFileSync('README.md', 'utf8');
    const blocks = profileBlocks(readme);
    assert.ok(blocks.length > 0, 'the README shows a profile');
    for (const block of blocks) for (const path of writtenPaths(block)) assert.ok(schemaHas(path), path);
    for (const field of [
      'taints',
      'allocatable',
      'unschedulable',
      'zone',
      'region',
      'labels',
      'ips',
      'podCIDRs',
    ])
      if (readme.includes(`\`${field}\``)) assert.ok(schemaHas(`nodes[].${field}`), field);
    for (const path of [...readme.matchAll(/`(kubeProxy\.\w+)`/g)].map((m) => m[1] ?? ''))
      assert.ok(schemaHas(path), path);
  });

  void it('the example profiles use only schema fields and load without findings', () => {
    const text = readFileSync('examples/dual-stack/kubepath.cluster.yaml', 'utf8');
    for (const path of writtenPaths(text)) assert.ok(schemaHas(path), path);
    assert.deepEqual(loadClusterProfile('kubepath.cluster.yaml', text).diagnostics, []);
  });

  void it("the schema's defaults are the built-in cluster's values", () => {
    const d = defaultClusterProfile();
    const defaults: Record<string, unknown> = {
      serviceCIDR: d.serviceCIDR,
      podCIDR: d.podCIDR,
      clusterDomain: d.clusterDomain,
      nodePortRange: `${d.nodePortRange.min}-${d.nodePortRange.max}`,
      kubernetesVersion: JSON.stringify(d.kubernetesVersion),
      'kubeProxy.mode': d.kubeProxy.mode,
      'kubeProxy.masqueradeAll': String(d.kubeProxy.masqueradeAll),
      'kubeProxy.masqueradeBit': String(d.kubeProxy.masqueradeBit),
      'kubeProxy.localhostNodePorts': String(d.kubeProxy.localhostNodePorts),
      'kubeProxy.nodePortAddresses': JSON.stringify(d.kubeProxy.nodePortAddresses),
      'kubeProxy.randomFully': String(d.kubeProxy.randomFully),
      'kubeProxy.conntrackTCPBeLiberal': String(d.kubeProxy.conntrackTCPBeLiberal),
      'cloud.provider': d.cloud.provider,
      'cloud.loadBalancerIPPool': d.cloud.loadBalancerIPPool,
      'cloud.region': d.cloud.region,
    };
    for (const [path, value] of Object.entries(defaults))
      assert.equal(profileFieldAt(path.split('.'))?.default, value, path);
  });

  void it('every field has a description, and enum fields their default among the values', () => {
    const all = (fields: readonly ProfileField[]): ProfileField[] =>
      fields.flatMap((f) => [f, ...all(f.fields ?? [])]);
    for (const f of all(PROFILE_SCHEMA)) {
      assert.ok(f.description.length > 10, f.name);
      if (f.enum && f.default !== undefined) assert.ok(f.enum.includes(f.default), f.name);
    }
    assert.deepEqual(
      profileFieldsAt(['nodes', 0])
        ?.map((f) => f.name)
        .slice(0, 2),
      ['name', 'ip'],
    );
    assert.equal(profileFieldsAt(['nodes']), null, 'a list has items, not fields');
  });
});

const PROFILE = `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
serviceCIDR: 10.96.0.0/33
podCIDRs: 10.244.0.0/16
nodes:
  - name: node-1
    ip: 172.18.0.2
    zon: us-east-1a
    taints:
      - { key: dedicated, effect: NoSchedul }
kubeProxy:
  mode: iptable
  mdoe: nftables
  masqueradeAll: "yes"
  detectLocalMode: nodecidr
cloud:
  provider: AWS
`;

void describe('the loader reports through the schema', () => {
  const { diagnostics, profile } = loadClusterProfile('kubepath.cluster.yaml', PROFILE);
  const line = (needle: string): number => PROFILE.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const at = (needle: string) => diagnostics.filter((d) => d.range.line === line(needle));

  void it('unknown fields at every level, with the nearest known name, on the key', () => {
    const expected: [string, string][] = [
      ['podCIDRs:', 'unknown field "podCIDRs" in the cluster profile; did you mean "podCIDR"?'],
      ['zon:', 'unknown field "zon" in nodes[0]; did you mean "zone"?'],
      ['mdoe:', 'unknown field "mdoe" in kubeProxy; did you mean "mode"?'],
    ];
    for (const [needle, message] of expected) {
      const found = at(needle).find((d) => d.code === 'profile-unknown-field');
      assert.equal(found?.message, message, needle);
      assert.equal(found?.severity, 'warning');
      assert.equal(
        found?.range.column,
        PROFILE.split('\n')[line(needle) - 1]!.indexOf(needle.slice(0, -1)) + 1,
      );
    }
  });

  void it('enum values not accepted, with the nearest one (case included), and the default used', () => {
    assert.deepEqual(
      at('mode: iptable').map((d) => d.message),
      ['kubeProxy.mode must be one of iptables, nftables, got "iptable"; did you mean "iptables"?'],
    );
    assert.deepEqual(
      at('provider: AWS').map((d) => d.message),
      [
        'cloud.provider must be one of generic, aws, gcp, azure, metallb, none, got "AWS"; did you mean "aws"?',
      ],
    );
    assert.deepEqual(
      at('detectLocalMode').map((d) => d.message),
      [
        'kubeProxy.detectLocalMode must be one of ClusterCIDR, NodeCIDR, None, got "nodecidr"; did you mean "NodeCIDR"?',
      ],
    );
    assert.deepEqual(
      at('NoSchedul').map((d) => d.message),
      [
        'nodes[0].taints[0].effect must be one of NoSchedule, PreferNoSchedule, NoExecute, got "NoSchedul"; did you mean "NoSchedule"?',
      ],
    );
    assert.equal(profile.kubeProxy.mode, 'iptables');
    assert.equal(profile.cloud.provider, 'generic');
    assert.equal(profile.kubeProxy.detectLocalMode, undefined);
  });

  void it('wrong types and bad CIDRs are errors on the value', () => {
    assert.deepEqual(
      at('masqueradeAll').map((d) => [d.severity, d.message]),
      [['error', 'kubeProxy.masqueradeAll must be true or false, got "yes"']],
    );
    const cidr = at('serviceCIDR');
    assert.equal(cidr.length, 1);
    assert.match(cidr[0]!.message, /^serviceCIDR must be a CIDR such as 10\.96\.0\.0\/16/);
    assert.equal(cidr[0]!.range.column, 'serviceCIDR: '.length + 1);
  });

  void it('a scalar where a mapping belongs is reported once', () => {
    const { diagnostics: d } = loadClusterProfile(
      'p.yaml',
      'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nkubeProxy: iptables\ncloud: aws\n',
    );
    assert.deepEqual(
      d.map((x) => [x.range.line, x.message]),
      [
        [3, 'kubeProxy must be a mapping'],
        [4, 'cloud must be a mapping'],
      ],
    );
  });

  void it('the documented profile loads without findings', () => {
    const text = readFileSync('test/fixtures/profile/design-profile.yaml', 'utf8');
    assert.deepEqual(loadClusterProfile('kubepath.cluster.yaml', text).diagnostics, []);
  });
});

void describe('kubeProxy.detectLocalMode', () => {
  const files = [
    {
      path: 'web.yaml',
      text: `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx
`,
    },
  ];
  const rulesWith = (detect: string | null): string => {
    const text = `apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\n${detect ? `kubeProxy:\n  detectLocalMode: ${detect}\n` : ''}`;
    const analysis = analyzeWorkspace({ files, profile: { path: 'kubepath.cluster.yaml', text } });
    return rules(analysis, 'node-2', 'iptables-save').text;
  };
  // kube-proxy's local detector writes "! -s CIDR -j KUBE-MARK-MASQ" on each ClusterIP (proxier.go).
  const masq = (text: string): string[] =>
    [...text.matchAll(/^-A KUBE-SVC-\S+ .*! -s (\S+) .*-j KUBE-MARK-MASQ$/gm)].map((m) => m[1] ?? '');

  void it('ClusterCIDR (the default) matches the cluster pod CIDR', () => {
    assert.deepEqual(masq(rulesWith(null)), ['10.244.0.0/16']);
    assert.deepEqual(masq(rulesWith('ClusterCIDR')), ['10.244.0.0/16']);
  });

  void it("NodeCIDR matches the node's own pod CIDR", () => {
    const node2 = defaultClusterProfile().nodes.find((n) => n.name === 'node-2')!;
    assert.deepEqual(masq(rulesWith('NodeCIDR')), [node2.podCIDR]);
  });

  void it('None writes no local-traffic rule', () => {
    assert.deepEqual(masq(rulesWith('None')), []);
  });

  void it('BridgeInterface is not modelled: said so, ClusterCIDR used', () => {
    const { diagnostics, profile } = loadClusterProfile(
      'p.yaml',
      'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nkubeProxy:\n  detectLocalMode: BridgeInterface\n',
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.range.line, d.severity, d.code]),
      [[4, 'warning', 'profile-not-modelled']],
    );
    assert.match(diagnostics[0]!.message, /not modelled .*; ClusterCIDR is used$/);
    assert.equal(profile.kubeProxy.detectLocalMode, undefined);
  });
});

void describe('profile diagnostics land on the field that caused them', () => {
  const TEXT = `apiVersion: kubepath.dev/v1alpha1
kind: ClusterProfile
kubernetesVersion: 1.30
nodes:
  - { name: node-1, ip: 172.18.0.300, zome: a }
  - name: node-2
    ip: 172.18.0.3
    taints: [{ key: k, effect: NoSchedul }]
kubeProxy:
  mode: ipvs
  clusterCIDR: 10.244.0.0/33
  masqueradeBit: x
  nodePortAddresses: [10.0.0.0/8, nope]
cloud:
  loadBalancerIPPool: 203.0.113.0/24,
`;
  const { diagnostics } = loadClusterProfile('kubepath.cluster.yaml', TEXT);
  const lines = TEXT.split('\n');
  /** [line, column of `needle` on it, severity, code] of the diagnostic whose message matches. */
  const where = (message: RegExp): [number, number, string, string][] =>
    diagnostics
      .filter((d) => message.test(d.message))
      .map((d) => [d.range.line, d.range.column, d.severity, d.code]);
  const cell = (needle: string): [number, number] => {
    const i = lines.findIndex((l) => l.includes(needle));
    return [i + 1, (lines[i] ?? '').indexOf(needle) + 1];
  };

  void it('flow-style nodes: a bad IP and an unknown key (did you mean) on their own columns', () => {
    assert.deepEqual(where(/not an IP address/), [[...cell('172.18.0.300'), 'error', 'profile-invalid']]);
    assert.deepEqual(where(/unknown field "zome" in nodes\[0\]; did you mean "zone"\?/), [
      [...cell('zome'), 'warning', 'profile-unknown-field'],
    ]);
    assert.deepEqual(where(/effect must be one of .*did you mean "NoSchedule"/), [
      [...cell('NoSchedul'), 'error', 'profile-invalid'],
    ]);
  });

  void it('ipvs is refused on the mode line: not modelled, what happens instead', () => {
    assert.deepEqual(where(/^kubeProxy\.mode ipvs is not modelled/), [
      [...cell('ipvs'), 'warning', 'profile-not-modelled'],
    ]);
  });

  void it('bad CIDRs, a wrong type and a bad list item in kubeProxy and cloud', () => {
    assert.deepEqual(where(/^kubeProxy\.clusterCIDR must be a CIDR/), [
      [...cell('10.244.0.0/33'), 'error', 'profile-invalid'],
    ]);
    const bit = cell('masqueradeBit: x');
    assert.deepEqual(where(/^kubeProxy\.masqueradeBit must be an integer/), [
      [bit[0], bit[1] + 'masqueradeBit: '.length, 'error', 'profile-invalid'],
    ]);
    assert.deepEqual(where(/^not a CIDR: "nope"/), [[...cell('nope'), 'error', 'profile-invalid']]);
    assert.deepEqual(where(/^cloud\.loadBalancerIPPool must be an IPv4 CIDR/), [
      [...cell('203.0.113.0/24,'), 'error', 'profile-invalid'],
    ]);
  });

  void it('an unquoted kubernetesVersion is said to be read as a number', () => {
    assert.deepEqual(where(/^kubernetesVersion is the number 1\.3 /), [
      [...cell('1.30'), 'warning', 'profile-invalid'],
    ]);
  });
});

void describe('the JSON Schema the extension contributes (yamlValidation)', () => {
  void it('is generated from the profile schema (regenerate: the message says how)', () => {
    const shipped: unknown = JSON.parse(readFileSync('media/kubepath.cluster.schema.json', 'utf8'));
    assert.deepEqual(
      shipped,
      profileJsonSchema(),
      'media/kubepath.cluster.schema.json differs from profileJsonSchema(): write JSON.stringify(profileJsonSchema()) to it, then prettier --write',
    );
  });

  void it('the documented and example profiles validate against it; an unknown field and a bad enum value do not', () => {
    const validator = new Validator(profileJsonSchema(), '7');
    for (const file of [
      'test/fixtures/profile/design-profile.yaml',
      'examples/dual-stack/kubepath.cluster.yaml',
    ]) {
      const result = validator.validate(parseYaml(readFileSync(file, 'utf8')));
      assert.ok(result.valid, `${file}: ${JSON.stringify(result.errors.slice(0, 3))}`);
    }
    const node = {
      name: 'a',
      ip: '172.18.0.2',
      zone: 'z',
      taints: [{ key: 'k', effect: 'NoSchedule' }],
      allocatable: { cpu: 4 },
    };
    const base = { apiVersion: 'kubepath.dev/v1alpha1', kind: 'ClusterProfile', nodes: [node] };
    assert.ok(
      validator.validate({ ...base, kubeProxy: { mode: 'ipvs', detectLocalMode: 'NodeCIDR' } }).valid,
    );
    assert.ok(!validator.validate({ ...base, kubeProxy: { mdoe: 'iptables' } }).valid);
    assert.ok(!validator.validate({ ...base, cloud: { provider: 'AWS' } }).valid);
  });

  void it('accepts what the loader accepts: every node field, ipvs (with its note), detectLocalMode', () => {
    const schema = profileJsonSchema() as {
      properties: Record<
        string,
        {
          properties?: Record<string, { enum?: string[]; description?: string }>;
          items?: { properties: Record<string, unknown> };
        }
      >;
    };
    assert.deepEqual(
      Object.keys(schema.properties['nodes']?.items?.properties ?? {}),
      (profileFieldsAt(['nodes', 0]) ?? []).map((f) => f.name),
    );
    const mode = schema.properties['kubeProxy']?.properties?.['mode'];
    assert.deepEqual(mode?.enum, ['iptables', 'nftables', 'ipvs']);
    assert.match(mode?.description ?? '', /ipvs: ipvs mode is deprecated upstream and not modelled/);
    assert.ok(schema.properties['kubeProxy']?.properties?.['detectLocalMode']);
  });
});
