// The extension's kustomize side without VS Code: which files a kustomization makes the
// model read, the hover on a base (what each deploy target builds from it), and the status
// bar and picker wording, on real analyses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkspaceFile } from '../../src/engine';
import { analyzeWorkspace, builtFrom } from '../../src/engine';
import {
  clusterStatus,
  targetPicks,
  targetStatus,
  valuesCandidates,
} from '../../src/extension/deployTargetText';
import { deployTargetsHover } from '../../src/extension/hoverText';
import { summarize } from '../../src/extension/service/analysisService';
import { kustomizationFilesIn, normalise } from '../../src/extension/kustomizeFiles';
import { referencedPaths } from '../../src/extension/service/kustomizeReferences';
import { chainsForFirstNode, nftablesFor } from '../../src/extension/proxyView';

const files = (record: Record<string, string>): WorkspaceFile[] =>
  Object.entries(record).map(([path, text]) => ({ path, text }));

const BASE = {
  'base/kustomization.yaml': 'resources:\n  - svc.yaml\n',
  'base/svc.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n',
  'overlays/dev/kustomization.yaml': 'namePrefix: dev-\nresources:\n  - ../../base\n',
  'overlays/prod/kustomization.yaml':
    'namespace: prod\nresources:\n  - ../../base\nconfigMapGenerator:\n  - name: cfg\n    envs:\n      - cfg.env\n',
  'overlays/prod/cfg.env': 'A=1\n',
};

void test('referencedPaths: every name a kustomization gives, folder-relative, never above the folder', () => {
  assert.deepEqual(
    referencedPaths(
      'apps/prod/kustomization.yaml',
      [
        'resources:',
        '  - ../base',
        '  - https://github.com/x/y//z',
        '  - /etc/abs.yaml',
        '  - ../../../outside',
        'configMapGenerator:',
        '  - name: c',
        '    files:',
        '      - key=conf/app.properties',
        '    envs: [./x.env]',
        'patches:',
        '  - path: ./p.yaml',
        '',
      ].join('\n'),
    ),
    ['apps/base', 'apps/prod/p.yaml', 'apps/prod/conf/app.properties', 'apps/prod/x.env'],
  );
  assert.deepEqual(referencedPaths('kustomization.yaml', 'resources: [a, ../b]\n'), ['a']);
  assert.equal(normalise('a/./b/../c'), 'a/c');
  assert.equal(normalise('../a'), undefined);
  assert.deepEqual(kustomizationFilesIn('base'), [
    'base/kustomization.yaml',
    'base/kustomization.yml',
    'base/Kustomization',
  ]);
});

void test('hover on a base: each deploy target, the one analysed, and what its layers set', () => {
  const a = analyzeWorkspace({ files: files(BASE) });
  const md = deployTargetsHover(builtFrom(a, 'base/svc.yaml', 5));
  assert.match(md, /what each of 2 deploy targets builds from this document/);
  assert.match(md, /- `overlays\/dev` \*\(analysed\)\*: Service `dev-web`/);
  assert.match(
    md,
    /- `overlays\/prod` \*\(not analysed: \[select it\]\(command:kubepath\.selectDeployTarget\)\)\*: Service `prod\/web`/,
  );
  assert.match(md, /`metadata\.namespace` ← `overlays\/prod\/kustomization\.yaml:1`/);
  assert.match(md, /`metadata\.name` ← `overlays\/dev\/kustomization\.yaml:1`/);
  assert.equal(deployTargetsHover([]), '');
});

void test('status bar and picker: the analysed target first, the others offered with why they are not analysed', () => {
  const a = analyzeWorkspace({ files: files(BASE) });
  assert.deepEqual(targetStatus(a.deployTargets, undefined), {
    text: '$(layers) overlays/dev',
    tooltip:
      'Kubepath analyses the kustomize deploy target overlays/dev.\n' +
      '1 other target shares files with it: each is its own deployment. Click to choose.',
  });
  const picks = targetPicks(a.deployTargets, 'overlays/prod');
  assert.deepEqual(
    picks.map((p) => [p.label, p.description, p.dir, p.picked ?? false]),
    [
      ['overlays/dev', 'analysed', 'overlays/dev', false],
      ['overlays/prod', 'not analysed (shares files with an analysed target)', 'overlays/prod', true],
      ['Default', 'the kubepath.deployTarget setting, else the first target in path order', undefined, false],
    ],
  );
  // Targets sharing nothing are all analysed: "+1".
  const apart = analyzeWorkspace({
    files: files({
      'a/kustomization.yaml': 'resources: [svc.yaml]\n',
      'a/svc.yaml': BASE['base/svc.yaml'],
      'b/kustomization.yaml': 'namePrefix: b-\nresources: [svc.yaml]\n',
      'b/svc.yaml': BASE['base/svc.yaml'],
    }),
  });
  assert.equal(targetStatus(apart.deployTargets, 'repo')?.text, '$(layers) a +1');
  assert.match(
    targetStatus(apart.deployTargets, 'repo')?.tooltip ?? '',
    /targets a, b in repo\.\nClick to choose another\./,
  );
  // No kustomization: no item.
  assert.equal(
    targetStatus(
      analyzeWorkspace({ files: files({ 'svc.yaml': BASE['base/svc.yaml'] }) }).deployTargets,
      undefined,
    ),
    undefined,
  );
});

void test('cluster status item: nodes and proxy mode, findings in the tooltip, a mode not simulated says so', () => {
  const a = analyzeWorkspace({ files: files(BASE) });
  const s = clusterStatus({
    summary: summarize(a),
    analysing: false,
    profilePath: '',
    modeSetting: null,
    folderName: undefined,
  });
  assert.equal(s.text, '$(server-environment) 3 nodes · iptables');
  assert.match(
    s.tooltip,
    /cluster profile the built-in cluster \(no kubepath\.cluster\.yaml\), 3 nodes, service CIDR 10\.96\.0\.0\/16, kube-proxy iptables mode\./,
  );
  assert.match(s.tooltip, /1 service, 0 pods, 0 errors, 1 warning\./);
  const nft = clusterStatus({
    summary: summarize(a),
    analysing: true,
    profilePath: 'k/kubepath.cluster.yaml',
    modeSetting: 'nftables',
    folderName: 'repo',
  });
  assert.equal(nft.text, '$(sync~spin) 3 nodes · nftables');
  assert.match(nft.tooltip, /Kubepath \(repo\): cluster profile k\/kubepath\.cluster\.yaml/);
  assert.match(
    nft.tooltip,
    /kube-proxy nftables mode \(kubepath\.kubeProxyMode\)\. Rules are nftables mode’s; traces walk the rules of the profile’s kube-proxy mode \(iptables\)/,
  );
  const broken = analyzeWorkspace({
    files: files({ 'x.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: Bad_Name\n' }),
  });
  assert.match(
    clusterStatus({
      summary: summarize(broken),
      analysing: false,
      profilePath: '',
      modeSetting: null,
      folderName: undefined,
    }).text,
    /^\$\(error\) /,
  );
  assert.equal(
    clusterStatus({
      summary: undefined,
      analysing: true,
      profilePath: '',
      modeSetting: null,
      folderName: undefined,
    }).text,
    '$(sync~spin) Kubepath',
  );
});

void test('hover chain names follow the kube-proxy mode: KUBE-SVC-… in iptables mode, service-…/endpoint-… in nftables mode, none in ipvs', () => {
  const a = analyzeWorkspace({
    files: files({
      'web.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  replicas: 2',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: web}',
        'spec: {selector: {app: web}, ports: [{port: 80}]}',
        '',
      ].join('\n'),
    }),
  });
  const svc = a.services[0];
  assert.ok(svc);
  const ipt = chainsForFirstNode(a, 'iptables')(svc, 0)['node-1'] ?? [];
  assert.ok(
    ipt.some((c) => c.startsWith('KUBE-SVC-')),
    ipt.join(' '),
  );
  const nft = chainsForFirstNode(a, 'nftables')(svc, 0)['node-1'] ?? [];
  assert.ok(
    nft.some((c) => /^service-[A-Z0-9]{8}-default\/web\/tcp\/$/.test(c)),
    nft.join(' '),
  );
  assert.ok(
    nft.some((c) => c.startsWith('endpoint-')),
    nft.join(' '),
  );
  // Every name is a chain of that node's nftables listing.
  const listing = nftablesFor(a, 'node-1').text;
  for (const c of nft) assert.ok(listing.includes(`chain ${c} {`), c);
  assert.deepEqual(chainsForFirstNode(a, 'ipvs')(svc, 0), {});
});

void test('Helm values picker: values files besides each chart’s own values.yaml, never templates', () => {
  assert.deepEqual(
    valuesCandidates(
      [
        'shop/values.yaml',
        'shop/values-prod.yaml',
        'shop/ci/lint-values.yaml',
        'shop/templates/values-note.yaml',
        'env/prod-values.yml',
        'shop/Chart.yaml',
        'values.json',
      ],
      ['shop'],
    ),
    ['env/prod-values.yml', 'shop/ci/lint-values.yaml', 'shop/values-prod.yaml'],
  );
});

void test('status bar: the analysed target that built the active file is named first', () => {
  const a = analyzeWorkspace({
    files: files({
      ...BASE,
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
      'chart/templates/svc.yaml':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: c\nspec:\n  ports: [{port: 80}]\n',
    }),
  });
  assert.equal(targetStatus(a.deployTargets, undefined)?.text, '$(layers) chart +1');
  assert.equal(targetStatus(a.deployTargets, undefined, 'base/svc.yaml')?.text, '$(layers) overlays/dev +1');
  assert.equal(
    targetStatus(a.deployTargets, undefined, 'chart/templates/svc.yaml')?.text,
    '$(layers) chart +1',
  );
});
