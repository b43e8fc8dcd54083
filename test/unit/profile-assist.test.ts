// Completion and hover in kubepath.cluster.yaml come from the profile schema: the fields valid
// at the cursor (top level, a node, kubeProxy, cloud, a taint), not those already written; after
// `key:` the values the field takes (ipvs, accepted only with a not-modelled note, is not
// offered); a hover names the field, its type, default and values, and in a node the labels the
// node effectively carries.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  kubeletLabels,
  PROFILE_SCHEMA,
  profileCompletions,
  profileFieldsAt,
  profileHoverAt,
} from '../../src/engine';
import type { ProfileCompletion } from '../../src/engine';
import { AnalysisService } from '../../src/extension/service/analysisService';

/** Completions where `|` marks the cursor. */
function at(marked: string): ProfileCompletion[] {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0, 'the text marks the cursor with |');
  return profileCompletions(marked.slice(0, offset) + marked.slice(offset + 1), offset);
}
const labels = (items: ProfileCompletion[]): string[] => items.map((i) => i.label);
const names = (path: (string | number)[]): string[] => (profileFieldsAt(path) ?? []).map((f) => f.name);

const HEAD = 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\n';

void describe('profile completion: the fields valid at the cursor', () => {
  void it('top level: every top-level field not written yet, with its description', () => {
    const items = at(`${HEAD}serviceCIDR: 10.96.0.0/16\n|`);
    assert.deepEqual(
      labels(items),
      PROFILE_SCHEMA.map((f) => f.name).filter((n) => !['apiVersion', 'kind', 'serviceCIDR'].includes(n)),
    );
    const kubeProxy = items.find((i) => i.label === 'kubeProxy');
    assert.equal(kubeProxy?.documentation, PROFILE_SCHEMA.find((f) => f.name === 'kubeProxy')?.description);
    assert.equal(kubeProxy?.insertText, 'kubeProxy:\n  ');
    assert.equal(items.find((i) => i.label === 'nodes')?.insertText, 'nodes:\n  - ');
    assert.equal(items.find((i) => i.label === 'podCIDR')?.insertText, 'podCIDR: ');
    assert.match(items.find((i) => i.label === 'podCIDR')?.detail ?? '', /default 10\.244\.0\.0\/16/);
  });

  void it('an empty file offers apiVersion and kind first (required)', () => {
    const items = at('|');
    assert.deepEqual(
      [...items]
        .sort((a, b) => a.sortText.localeCompare(b.sortText))
        .map((i) => i.label)
        .slice(0, 2),
      ['apiVersion', 'kind'],
    );
  });

  void it('under kubeProxy: its fields, not mode once written (above or below the cursor)', () => {
    const above = at(`${HEAD}kubeProxy:\n  mode: iptables\n  |\ncloud:\n  provider: none\n`);
    assert.deepEqual(
      labels(above),
      names(['kubeProxy']).filter((n) => n !== 'mode'),
    );
    const below = at(`${HEAD}kubeProxy:\n  |\n  mode: iptables\n`);
    assert.ok(!labels(below).includes('mode'));
    assert.ok(labels(below).includes('detectLocalMode'));
    // The prefix typed is what the item replaces.
    const typed = `${HEAD}kubeProxy:\n  det|`;
    const [first] = at(typed);
    assert.equal(first?.replace.start, typed.indexOf('det'));
    assert.equal(first?.replace.end, typed.indexOf('|'));
  });

  void it('in cloud: its fields', () => {
    assert.deepEqual(labels(at(`${HEAD}cloud:\n  |`)), names(['cloud']));
  });

  void it('in a node item (block and new item after `- `): node fields minus those written', () => {
    const block = at(
      `${HEAD}nodes:\n  - name: node-1\n    ip: 172.18.0.2\n    |\n  - name: node-2\n    zone: b\n`,
    );
    assert.deepEqual(
      labels(block),
      names(['nodes', 0]).filter((n) => n !== 'name' && n !== 'ip'),
    );
    assert.ok(labels(block).includes('zone'), 'the next node’s zone is not this one’s');
    const item = at(`${HEAD}nodes:\n  - name: node-1\n  - |`);
    assert.deepEqual(labels(item), names(['nodes', 0]));
    // A sequence at the key's own indentation.
    assert.deepEqual(labels(at(`${HEAD}nodes:\n- name: a\n  |`)), names(['nodes', 0]).slice(1));
  });

  void it('in a flow node `- { name: a, |`: node fields minus those written', () => {
    const items = at(`${HEAD}nodes:\n  - { name: node-1, ips: [172.18.0.2, fc00::2], | }\n`);
    assert.deepEqual(
      labels(items),
      names(['nodes', 0]).filter((n) => n !== 'name' && n !== 'ips'),
    );
  });

  void it('in a taint and in allocatable', () => {
    assert.deepEqual(
      labels(at(`${HEAD}nodes:\n  - name: a\n    taints:\n      - key: dedicated\n        |`)),
      ['value', 'effect'],
    );
    assert.deepEqual(labels(at(`${HEAD}nodes:\n  - name: a\n    taints: [{ key: x, | }]\n`)), [
      'value',
      'effect',
    ]);
    // allocatable and labels are free-form: nothing to offer inside.
    assert.deepEqual(labels(at(`${HEAD}nodes:\n  - name: a\n    allocatable:\n      |`)), []);
  });

  void it('a key already followed by its colon is replaced by the name alone', () => {
    const [item] = at(`${HEAD}kubeProxy:\n  mo|: iptables\n`).filter((i) => i.label === 'mode');
    assert.equal(item?.insertText, 'mode');
  });

  void it('nothing in comments, under unknown keys, or in strings', () => {
    assert.deepEqual(at(`${HEAD}# |`), []);
    assert.deepEqual(at(`${HEAD}kubeProxyy:\n  |`), []);
    assert.deepEqual(at(`${HEAD}clusterDomain: "a |`), []);
  });
});

void describe('profile completion: values after `key: `', () => {
  void it('kubeProxy.mode: iptables and nftables, ipvs not offered; default first', () => {
    const items = at(`${HEAD}kubeProxy:\n  mode: |`);
    assert.deepEqual(labels(items), ['iptables', 'nftables']);
    assert.ok(items.every((i) => i.kind === 'value'));
    assert.equal(items[0]?.detail, 'kubeProxy.mode · default');
    assert.equal(items[1]?.detail, 'kubeProxy.mode');
    assert.ok((items[0]?.sortText ?? '') < (items[1]?.sortText ?? ''));
    assert.match(items[1]?.documentation ?? '', /--proxy-mode/);
  });

  void it('right after the colon (the `:` trigger) the value comes with its space', () => {
    const items = at(`${HEAD}kubeProxy:\n  mode:|`);
    assert.deepEqual(
      items.map((i) => i.insertText),
      [' iptables', ' nftables'],
    );
  });

  void it('a partly typed value is replaced whole', () => {
    const text = `${HEAD}kubeProxy:\n  mode: nft|ables\n`;
    const items = at(text);
    assert.deepEqual(labels(items), ['iptables', 'nftables']);
    assert.equal(items[0]?.replace.start, text.indexOf('nft'));
    assert.equal(items[0]?.replace.end, text.indexOf('ables') + 'ables'.length - 1);
  });

  void it('detectLocalMode, cloud.provider, taint effect, booleans, literal defaults', () => {
    assert.deepEqual(labels(at(`${HEAD}kubeProxy:\n  detectLocalMode: |`)), [
      'ClusterCIDR',
      'NodeCIDR',
      'None',
    ]);
    assert.deepEqual(labels(at(`${HEAD}cloud:\n  provider: |`)), [
      'generic',
      'aws',
      'gcp',
      'azure',
      'metallb',
      'none',
    ]);
    assert.deepEqual(labels(at(`${HEAD}nodes:\n  - name: a\n    taints:\n      - effect: |`)), [
      'NoSchedule',
      'PreferNoSchedule',
      'NoExecute',
    ]);
    assert.deepEqual(labels(at(`${HEAD}nodes:\n  - { name: a, taints: [{ key: k, effect: No| }] }`)), [
      'NoSchedule',
      'PreferNoSchedule',
      'NoExecute',
    ]);
    assert.deepEqual(labels(at(`${HEAD}kubeProxy:\n  masqueradeAll: |`)), ['true', 'false']);
    assert.deepEqual(labels(at(`${HEAD}serviceCIDR: |`)), ['10.96.0.0/16']);
    assert.deepEqual(labels(at(`apiVersion: |`)), ['kubepath.dev/v1alpha1']);
    assert.deepEqual(labels(at(`${HEAD}nodes:\n  - name: |`)), []);
  });

  void it('a key whose value has choices asks for completion again after it is inserted', () => {
    const items = at(`${HEAD}kubeProxy:\n  |`);
    assert.equal(items.find((i) => i.label === 'mode')?.retrigger, true);
    assert.equal(items.find((i) => i.label === 'masqueradeMark')?.retrigger, false);
  });

  void it('the example dual-stack profile: under kubeProxy, nftables is offered', () => {
    const text = readFileSync('examples/dual-stack/kubepath.cluster.yaml', 'utf8');
    const offset = text.indexOf('mode: iptables') + 'mode: '.length;
    assert.deepEqual(labels(profileCompletions(text, offset)), ['iptables', 'nftables']);
    // A new line under `mode: iptables`, indented as kubeProxy's fields.
    const end = text.indexOf('\n', text.indexOf('mode: iptables')) + 1;
    const edited = `${text.slice(0, end)}  \n${text.slice(end)}`;
    const keys = profileCompletions(edited, end + 2);
    assert.ok(labels(keys).includes('detectLocalMode') && !labels(keys).includes('mode'));
  });

  void it('any offset of any text answers without throwing', () => {
    const text =
      readFileSync('test/fixtures/profile/design-profile.yaml', 'utf8') + '\n  - { a: [x, "y' + '\r\n';
    for (let offset = 0; offset <= text.length; offset++) profileCompletions(text, offset);
    assert.deepEqual(labels(profileCompletions('', -5)), labels(profileCompletions('', 0)));
  });
});

void describe('profile hover', () => {
  const text = `${HEAD}kubeProxy:
  mode: iptables
nodes:
  - name: node-1
    ip: 172.18.0.2
    zone: us-east-1a
    labels:
      disk: ssd
  - { name: node-2, ip: 172.18.0.3 }
`;
  const hoverOn = (needle: string, delta = 0) => {
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.includes(needle));
    return profileHoverAt(
      'kubepath.cluster.yaml',
      text,
      index + 1,
      (lines[index] ?? '').indexOf(needle) + 1 + delta,
    );
  };

  void it('on a key: its path, type, default, values and the not-modelled ones', () => {
    const h = hoverOn('mode');
    assert.equal(h?.path, 'kubeProxy.mode');
    assert.equal(h?.field.default, 'iptables');
    assert.deepEqual(h?.values, ['iptables', 'nftables']);
    assert.match(h?.notModelled['ipvs'] ?? '', /not modelled/);
    assert.equal(h?.written, 'iptables');
    assert.equal(h?.range.line, 4);
    assert.equal(h?.range.column, 3);
  });

  void it('on a value: the field it is the value of', () => {
    assert.equal(hoverOn('iptables', 2)?.path, 'kubeProxy.mode');
  });

  void it("in a node: the node's effective labels (kubelet's, zone, the profile's)", () => {
    const h = hoverOn('zone');
    assert.equal(h?.path, 'nodes[0].zone');
    assert.equal(h?.node?.name, 'node-1');
    assert.deepEqual(h?.node?.labels, {
      ...kubeletLabels('node-1'),
      'topology.kubernetes.io/zone': 'us-east-1a',
      'failure-domain.beta.kubernetes.io/zone': 'us-east-1a',
      disk: 'ssd',
    });
    // A free-form label key answers for its labels field.
    assert.equal(hoverOn('disk')?.path, 'nodes[0].labels');
    // A flow node.
    const flow = hoverOn('node-2');
    assert.equal(flow?.path, 'nodes[1].name');
    assert.deepEqual(flow?.node?.labels, kubeletLabels('node-2'));
    assert.deepEqual(flow?.node?.ips, ['172.18.0.3']);
  });

  void it('every position of the documented profile, and of broken texts, answers without throwing', () => {
    const texts = [
      readFileSync('test/fixtures/profile/design-profile.yaml', 'utf8'),
      `${HEAD}nodes:\n  - { name: a, ips: [1.2.3.4\n  - [\nkubeProxy: {mode: \n`,
      `${HEAD}nodes: 3\nkubeProxy: [a, b]\ncloud:\n  - x\n`,
    ];
    for (const t of texts) {
      const lines = t.split('\n');
      lines.forEach((l, i) => {
        for (let c = 1; c <= l.length + 1; c++) profileHoverAt('p.yaml', t, i + 1, c);
      });
    }
  });

  void it('nothing on unknown fields, blank lines, or a file that is not a profile', () => {
    assert.equal(profileHoverAt('p.yaml', `${HEAD}bogus: 1\n`, 3, 2), null);
    assert.equal(profileHoverAt('p.yaml', 'a: [', 1, 1), null);
    assert.equal(profileHoverAt('p.yaml', `${HEAD}\n\n`, 4, 1), null);
  });
});

void describe('the analysis worker answers profile completion and hover', () => {
  const text = readFileSync('examples/dual-stack/kubepath.cluster.yaml', 'utf8');
  const service = new AnalysisService({ pause: () => Promise.resolve() });

  void it('completion: the engine’s items, from the text alone (no analysis needed)', async () => {
    const offset = text.indexOf('mode: iptables') + 'mode: '.length;
    const items = await service.handle({ op: 'profileCompletions', text, offset });
    assert.deepEqual(items, profileCompletions(text, offset));
    assert.deepEqual(labels(items), ['iptables', 'nftables']);
  });

  void it('hover on `mode`: path, type, description, values, ipvs not modelled', async () => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('mode: iptables')) + 1;
    const answer = await service.handle({
      op: 'profileHover',
      file: 'dual-stack/kubepath.cluster.yaml',
      text,
      line,
      column: 4,
    });
    assert.equal(answer?.range.line, line);
    const markdown = answer?.markdown ?? '';
    assert.match(markdown, /^\*\*kubeProxy\\\.mode\*\* · one of iptables \\\| nftables · default iptables\n/);
    assert.match(markdown, /--proxy-mode/);
    assert.match(markdown, /Values: `iptables` \(default\) · `nftables`/);
    assert.match(markdown, /Not modelled: `ipvs`: ipvs mode is deprecated upstream/);
  });

  void it('diagnostics of a profile no folder analyses: the loader’s, on the field’s line', async () => {
    const edited = text.replace('mode: iptables', 'mode: ipvs').replace('provider: none', 'provder: none');
    const found = await service.handle({
      op: 'profileDiagnostics',
      file: 'dual-stack/kubepath.cluster.yaml',
      text: edited,
    });
    const line = (needle: string): number => edited.split('\n').findIndex((l) => l.includes(needle)) + 1;
    assert.deepEqual(
      found
        .map((d) => [d.range.file, d.range.line, d.severity, d.code])
        .sort((a, b) => Number(a[1]) - Number(b[1])),
      [
        ['dual-stack/kubepath.cluster.yaml', line('provder'), 'warning', 'profile-unknown-field'],
        ['dual-stack/kubepath.cluster.yaml', line('mode: ipvs'), 'warning', 'profile-not-modelled'],
      ].sort((a, b) => Number(a[1]) - Number(b[1])),
    );
    assert.deepEqual(await service.handle({ op: 'profileDiagnostics', file: 'p.yaml', text }), []);
  });

  void it("hover in a node: the node's labels, each a code span of the real label", async () => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('name: node-2')) + 1;
    const column = (lines[line - 1] ?? '').indexOf('node-2') + 2;
    const answer = await service.handle({ op: 'profileHover', file: 'p.yaml', text, line, column });
    const markdown = answer?.markdown ?? '';
    assert.match(markdown, /\*\*Node node\\-2\*\*/);
    assert.match(markdown, /IP `172\.18\.0\.3`, `fc00:f853:ccd:e793::3`/);
    assert.match(markdown, /^- `kubernetes\.io\/hostname=node-2`$/m);
    assert.match(markdown, /^- `beta\.kubernetes\.io\/arch=amd64`$/m);
  });
});
