// The Service hover by context, through the worker's `hover` op on the examples: a port entry
// shows that port (where its targetPort lands on the selected pods, grouped when pods agree),
// the selector the pods it selects or why none, the name the summary card; and the CodeLens
// marks the values the cluster picks at run time as predicted.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { analyzeWorkspace, endpointsOfPort, selection } from '../../src/engine';
import { chainList, serviceLensTitle } from '../../src/extension/hoverText';
import { AnalysisService } from '../../src/extension/service/analysisService';

function exampleFiles(name: string): WorkspaceFile[] {
  return readdirSync(join('examples', name))
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kubepath.cluster.yaml')
    .sort()
    .map((f) => ({ path: `${name}/${f}`, text: readFileSync(join('examples', name, f), 'utf8') }));
}

/** A service holding one example folder, analysed. */
async function serviceFor(name: string): Promise<{ service: AnalysisService; files: WorkspaceFile[] }> {
  const service = new AnalysisService({ pause: () => Promise.resolve() });
  const files = exampleFiles(name);
  await service.handle({ op: 'files', folder: 'f', full: true, set: files, delete: [] });
  const answer = await service.handle({ op: 'analyze', folder: 'f', full: true, profile: null, limits: {} });
  assert.ok('summary' in answer, 'analysed');
  return { service, files };
}

/** The 1-based position of `inLine` on the first line of `file` after `kind: Service` that contains `needle`. */
function at(file: WorkspaceFile, needle: string, inLine: string): { line: number; column: number } {
  const lines = file.text.split('\n');
  const kind = lines.indexOf('kind: Service');
  const found = lines.map((l, i) => (i > kind && l.includes(needle) ? i : -1)).filter((i) => i >= 0);
  const index = found[0];
  assert.ok(index !== undefined, `${file.path} has "${needle}"`);
  const column = (lines[index] ?? '').indexOf(inLine, (lines[index] ?? '').indexOf(needle)) + 1;
  assert.ok(column > 0, `"${inLine}" on the line`);
  return { line: index + 1, column };
}

async function hover(service: AnalysisService, path: string, pos: { line: number; column: number }) {
  const answer = await service.handle({ op: 'hover', folder: 'f', path, ...pos, kubeProxyMode: null });
  assert.ok(answer, `a hover at ${path}:${pos.line}:${pos.column}`);
  return answer;
}

function analysisOf(name: string): Analysis {
  return analyzeWorkspace({ files: exampleFiles(name) });
}

function serviceNamed(analysis: Analysis, name: string) {
  const s = analysis.services.find((x) => x.service.metadata.name === name);
  assert.ok(s, `Service ${name}`);
  return s;
}

const re = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

void describe('Service hover by context', () => {
  void it('on a port entry of examples/nginx: that port, where targetPort 80 lands, its NodePort and endpoints', async () => {
    const { service, files } = await serviceFor('nginx');
    const file = files.find((f) => f.path === 'nginx/service.yaml')!;
    const analysis = analysisOf('nginx');
    const svc = serviceNamed(analysis, 'nginx');
    const port = svc.service.ports[0]!;
    const pods = selection(analysis, svc).pods;
    assert.equal(pods.length, 3, 'the nginx Deployment has 3 replicas');
    for (const pos of [at(file, '- port: 8080', '8080'), at(file, 'targetPort: 80', '80')]) {
      const { markdown, commands } = await hover(service, file.path, pos);
      assert.match(markdown, /^\*\*Service default\/nginx\*\* · port `8080\/TCP`/);
      // All 3 pods agree: one line for them.
      const landing = markdown.split('\n').filter((l) => l.startsWith('- targetPort'));
      assert.equal(landing.length, 1, markdown);
      assert.match(landing[0]!, /^- targetPort `80` → `80` of container `nginx` on 3 pods: /);
      assert.match(markdown, new RegExp(`NodePort \`${port.nodePort}\` \\*\\(predicted\\)\\*`));
      assert.match(
        markdown,
        new RegExp(`Reached at \`${re(svc.service.clusterIP)}:8080\` \\*\\(predicted\\)\\*`),
      );
      const endpoints = endpointsOfPort(svc, port);
      assert.match(markdown, new RegExp(`· ${endpoints.length} endpoints\\*\\*`));
      for (const e of endpoints) assert.ok(markdown.includes(`\`${e.ip}:80\``), e.ip);
      const chains = /^Chains on node-1:\n\n((?:- .*\n?)+)/m.exec(markdown)?.[1] ?? '';
      assert.match(chains, /^- `KUBE-SVC-[A-Z0-9]{16}`$/m, 'one chain name a line, as written in the rules');
      assert.ok(!/[^\x20-\x7e\n…]/.test(chains), `only ASCII names: ${chains}`);
      assert.ok(!markdown.includes('DNS `'), 'not the summary card');
      assert.deepEqual(commands, ['kubepath.traceRequest']);
    }
  });

  void it('on the name: the summary card with every port', async () => {
    const { service, files } = await serviceFor('named-ports');
    const file = files[0]!;
    const { markdown } = await hover(service, file.path, at(file, 'name: api', 'api'));
    assert.match(markdown, /^\*\*Service shop\/api\*\* · NodePort/);
    assert.match(markdown, /DNS `api\.shop\.svc\.cluster\.local`/);
    assert.match(markdown, /port `80\/TCP \(http\)`/);
    assert.match(markdown, /port `9100\/TCP \(metrics\)`/);
  });

  void it('named targetPort: pods that disagree are grouped by where the port lands', async () => {
    const { service, files } = await serviceFor('named-ports');
    const file = files[0]!;
    const analysis = analysisOf('named-ports');
    const svc = serviceNamed(analysis, 'api');
    const landing = selection(analysis, svc).ports;
    const http = await hover(service, file.path, at(file, 'port: 80', '80'));
    const lines = http.markdown.split('\n').filter((l) => l.startsWith('- targetPort'));
    const stable = landing[0]!.filter((t) => t.port === 8080).length;
    const canary = landing[0]!.filter((t) => t.port === 9090).length;
    assert.deepEqual([stable, canary], [2, 1]);
    assert.deepEqual(
      lines.map((l) => l.replace(/: `.*$/, '')),
      [
        '- targetPort `http` → `8080` of container `api` on 2 pods',
        '- targetPort `http` → `9090` of container `api` on 1 pod',
      ],
    );
    const metrics = await hover(service, file.path, at(file, 'targetPort: metrics', 'metrics'));
    assert.match(metrics.markdown, /· port `9100\/TCP \(metrics\)`/);
    assert.match(metrics.markdown, /- targetPort `metrics` → `9100` of container `api` on 2 pods/);
    assert.match(
      metrics.markdown,
      /- targetPort `metrics` → \*nothing\*: no container declares a TCP port named `metrics` on 1 pod: `api-canary-/,
    );
  });

  void it('on the selector: the pods it selects, by workload', async () => {
    const { service, files } = await serviceFor('named-ports');
    const file = files[0]!;
    const analysis = analysisOf('named-ports');
    const svc = serviceNamed(analysis, 'api');
    const { markdown, commands } = await hover(service, file.path, at(file, '    app: api', 'api'));
    assert.match(markdown, /^\*\*Service shop\/api\*\* · selector `app=api`/);
    assert.match(markdown, /Selects 3 pods of 2 workloads in namespace `shop`:/);
    assert.match(markdown, /^- Deployment `api`: 2 pods$/m);
    assert.match(markdown, /^- Deployment `api-canary`: 1 pod$/m);
    for (const p of selection(analysis, svc).pods)
      assert.ok(
        markdown.includes(`  - \`${p.metadata.name}\` \`${p.podIP}\` on ${p.nodeName}`),
        p.metadata.name,
      );
    assert.deepEqual(commands, []);
  });

  void it('on a selector that selects nothing: why, with the did-you-mean of its diagnostic', async () => {
    const { service, files } = await serviceFor('selector-typo');
    const file = files[0]!;
    const { markdown } = await hover(service, file.path, at(file, 'app: wbe', 'wbe'));
    assert.match(markdown, /selector `app=wbe`/);
    assert.match(markdown, /Selects 0 pods in namespace `typo`$/m);
    const analysis = analysisOf('selector-typo');
    const finding = analysis.diagnostics.find((d) => d.code === 'service-selector-no-match');
    assert.ok(finding?.message.includes('did you mean app=web'), finding?.message);
    assert.match(markdown, /did you mean app=web/);
    assert.match(markdown, /A quick fix is offered on the selector/);
  });
});

void describe('CodeLens marks predicted values', () => {
  void it('allocated ClusterIP, NodePort and LB address are "(predicted)"', () => {
    const analysis = analysisOf('nginx');
    const svc = serviceNamed(analysis, 'nginx');
    assert.equal(svc.clusterIPSource, 'predicted');
    const lb = svc.loadBalancer?.ingress[0]?.ip;
    assert.ok(lb);
    assert.equal(
      serviceLensTitle(svc),
      `▶ Trace request · 3 endpoints · ClusterIP ${svc.service.clusterIP} (predicted) · NodePort ${svc.service.ports[0]!.nodePort} (predicted) · LB ${lb} (predicted)`,
    );
  });

  void it('values written in the YAML are not marked', () => {
    const text = `apiVersion: v1
kind: Service
metadata:
  name: fixed
spec:
  type: NodePort
  clusterIP: 10.96.0.12
  selector:
    app: x
  ports:
    - name: a
      port: 80
      nodePort: 30080
    - name: b
      port: 81
`;
    const analysis = analyzeWorkspace({ files: [{ path: 's.yaml', text }] });
    const svc = serviceNamed(analysis, 'fixed');
    const second = svc.service.ports[1]!.nodePort;
    assert.deepEqual(
      [svc.clusterIPSource, svc.nodePortSources[0], svc.nodePortSources[1]],
      ['explicit', 'explicit', 'predicted'],
    );
    assert.equal(
      serviceLensTitle(svc),
      `▶ Trace request · 0 endpoints · ClusterIP 10.96.0.12 · NodePorts 30080, ${second} (predicted)`,
    );
  });

  void it('chain names are listed one a line as their real names (copying gives the name)', () => {
    assert.deepEqual(chainList(['KUBE-SVC-ABC', 'KUBE-SEP-DEF', 'KUBE-SEP-GHI'], 2), [
      '- `KUBE-SVC-ABC`',
      '- `KUBE-SEP-DEF`',
      '- … 1 more',
    ]);
  });
});
