// The pure side of the VS Code adapter on a real analysis: position → target, the
// Service ↔ workload cross references, hover markdown, CodeLens titles, completion sites
// and trace entry points.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeWorkspace, endpointsOfPort, selection, servicesSelecting } from '../../src/engine';
import { completionSite, documentKind } from '../../src/extension/completionContext';
import {
  containerPortHover,
  serviceHover,
  serviceLensTitle,
  traceCommandUri,
  workloadHover,
} from '../../src/extension/hoverText';
import { containerPortAt, fieldPathAt, objectAt, targetAt } from '../../src/extension/lookup';
import { chainsForFirstNode, iptablesFor } from '../../src/extension/proxyView';
import { entryPointsFor, originText } from '../../src/extension/traceText';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
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
          ports:
            - name: http
              containerPort: 8080
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
`;

const analysis = analyzeWorkspace({
  files: [
    { path: 'k8s/deploy.yaml', text: DEPLOYMENT },
    { path: 'k8s/svc.yaml', text: SERVICE },
  ],
});

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

function at(file: string, text: string, needle: string, inLine: string) {
  const line = lineOf(text, needle);
  const column = (text.split('\n')[line - 1] ?? '').indexOf(inLine) + 1;
  return { line, column };
}

void describe('position lookup', () => {
  void it('finds the Service object and the field under the cursor', () => {
    const pos = at('k8s/svc.yaml', SERVICE, 'name: web', 'web');
    const object = objectAt(analysis, 'k8s/svc.yaml', pos);
    assert.equal(object?.kind, 'Service');
    assert.equal(fieldPathAt(object, pos), 'metadata.name');
  });

  void it('classifies name, port, targetPort and selector positions of a Service', () => {
    const name = targetAt(analysis, 'k8s/svc.yaml', at('', SERVICE, 'name: web', 'web'));
    assert.equal(name?.kind, 'service');
    const port = targetAt(analysis, 'k8s/svc.yaml', at('', SERVICE, '- port: 80', '80'));
    assert.deepEqual([port?.kind, port?.kind === 'service' ? port.portIndex : -1], ['service', 0]);
    const targetPort = targetAt(analysis, 'k8s/svc.yaml', at('', SERVICE, 'targetPort', 'http'));
    assert.equal(targetPort?.kind, 'targetPort');
    const selector = targetAt(analysis, 'k8s/svc.yaml', at('', SERVICE, 'app: web', 'web'));
    assert.deepEqual(
      [selector?.kind, selector?.kind === 'selectorLabel' ? selector.key : ''],
      ['selectorLabel', 'app'],
    );
    assert.equal(targetAt(analysis, 'k8s/svc.yaml', at('', SERVICE, 'apiVersion', 'v1')), undefined);
  });

  void it('classifies workload name, template labels and containerPort positions', () => {
    const name = targetAt(analysis, 'k8s/deploy.yaml', at('', DEPLOYMENT, 'name: web', 'web'));
    assert.equal(name?.kind, 'workload');
    const label = targetAt(analysis, 'k8s/deploy.yaml', {
      line: lineOf(DEPLOYMENT, '        app: web'),
      column: 14,
    });
    assert.equal(label?.kind, 'workload');
    const pos = at('', DEPLOYMENT, 'containerPort: 8080', '8080');
    const cpTarget = targetAt(analysis, 'k8s/deploy.yaml', pos);
    assert.equal(cpTarget?.kind, 'containerPort');
    if (cpTarget?.kind !== 'containerPort') return;
    const cp = containerPortAt(
      cpTarget.workload,
      'k8s/deploy.yaml',
      pos,
      cpTarget.containerIndex,
      cpTarget.portIndex,
    );
    assert.deepEqual([cp?.name, cp?.containerPort], ['http', 8080]);
  });

  void it('links Services and workloads both ways', () => {
    const svc = analysis.services[0]!;
    assert.equal(selection(analysis, svc).pods.length, 3);
    assert.deepEqual(
      selection(analysis, svc).workloads.map((o) => `${o.kind}/${o.name}`),
      ['Deployment/web'],
    );
    const deploy = analysis.objects.find((o) => o.kind === 'Deployment')!;
    assert.deepEqual(
      servicesSelecting(analysis, deploy).map((s) => s.service.metadata.name),
      ['web'],
    );
  });
});

void describe('hover and CodeLens text', () => {
  const svc = analysis.services[0]!;

  void it('Service hover: ClusterIP with its origin, DNS, NodePort, the 3 endpoints on the named port, chains, trace link', () => {
    const md = serviceHover(svc, null, { folder: 'file:///w', chainsFor: chainsForFirstNode(analysis) });
    assert.match(
      md,
      new RegExp(`ClusterIP \`${svc.service.clusterIP.replace(/\./g, '\\.')}\` \\*\\(predicted\\)\\*`),
    );
    assert.match(md, /DNS `web\.default\.svc\.cluster\.local`/);
    assert.match(md, new RegExp(`NodePort \`${svc.service.ports[0]!.nodePort}\``));
    assert.match(md, /3 endpoints/);
    const endpoints = md.split('\n').filter((l) => /`10\.244\.\d+\.\d+:8080`/.test(l));
    assert.equal(endpoints.length, 3);
    assert.match(
      md,
      /Chains on node-1:\n\n(- `KUBE-[A-Z]+-[A-Z0-9]{16}`\n)+/,
      'chain names as written, one a line',
    );
    assert.match(md, /^- `KUBE-SVC-[A-Z0-9]{16}`$/m);
    assert.match(md, /\[▶ Trace request\]\(command:kubepath\.traceRequest\?/);
  });

  void it('endpointsOfPort resolves the named targetPort through the slice port', () => {
    const eps = endpointsOfPort(svc, svc.service.ports[0]!);
    assert.equal(eps.length, 3);
    assert.ok(eps.every((e) => e.port === 8080 && e.ready && e.pod?.startsWith('web-')));
  });

  void it('trace links carry their arguments as JSON', () => {
    const uri = traceCommandUri({ namespace: 'default', name: 'web', port: 80 });
    const args: unknown = JSON.parse(decodeURIComponent(uri.split('?')[1]!));
    assert.deepEqual(args, [{ namespace: 'default', name: 'web', port: 80 }]);
  });

  void it('workload and containerPort hovers name the Service ports that reach them', () => {
    const deploy = analysis.objects.find((o) => o.kind === 'Deployment')!;
    const workload = analysis.workloads[0] ?? null;
    assert.match(workloadHover(analysis, deploy, workload), /Service `web`: 80 → `http` \(8080\)/);
    const cp = workload!.pods[0]!.containers[0]!.ports[0]!;
    assert.match(
      containerPortHover(analysis, deploy, workload, cp),
      /Service `web` port `80\/TCP` → targetPort `http`/,
    );
  });

  void it('CodeLens title', () => {
    assert.equal(
      serviceLensTitle(svc),
      `▶ Trace request · 3 endpoints · ClusterIP ${svc.service.clusterIP} (predicted) · NodePort ${svc.service.ports[0]!.nodePort} (predicted)`,
    );
    assert.equal(svc.clusterIPSource, 'predicted');
  });
});

void describe('kube-proxy view', () => {
  void it('caches rules per analysis and node, and names the chains the hover shows', () => {
    const a = iptablesFor(analysis, 'node-1');
    assert.equal(iptablesFor(analysis, 'node-1'), a);
    const chains = chainsForFirstNode(analysis)(analysis.services[0]!, 0)['node-1'] ?? [];
    assert.ok(chains.some((c) => c.startsWith('KUBE-SVC-')));
    for (const c of chains) assert.ok(a.text.includes(`:${c} `), c);
  });
});

void describe('completion sites', () => {
  const lines = (text: string) => text.split('\n');

  void it('selector keys and values inside spec.selector of a Service', () => {
    const doc = lines('apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  selector:\n    ap\n');
    assert.deepEqual(completionSite(doc, 6, 6), { kind: 'selectorKey', prefix: 'ap' });
    const value = lines('apiVersion: v1\nkind: Service\nspec:\n  selector:\n    app: we\n');
    assert.deepEqual(completionSite(value, 4, 11), { kind: 'selectorValue', key: 'app', prefix: 'we' });
  });

  void it('targetPort values in a ports list item', () => {
    const doc = lines('kind: Service\nspec:\n  ports:\n    - port: 80\n      targetPort: ht\n');
    assert.deepEqual(completionSite(doc, 4, 20), { kind: 'targetPort', prefix: 'ht' });
  });

  void it('nothing outside Services or outside the selector', () => {
    const deploy = lines('kind: Deployment\nspec:\n  selector:\n    ap\n');
    assert.equal(completionSite(deploy, 3, 6), undefined);
    const meta = lines('kind: Service\nmetadata:\n  labels:\n    ap\n');
    assert.equal(completionSite(meta, 3, 6), undefined);
  });

  void it('documentKind looks only at the current YAML document', () => {
    const doc = lines('kind: Deployment\n---\nkind: Service\nspec:\n');
    assert.equal(documentKind(doc, 0), 'Deployment');
    assert.equal(documentKind(doc, 3), 'Service');
  });
});

void describe('trace entry points', () => {
  void it('NodePort Service: via node:nodePort and via ClusterIP (from a pod, from a node)', () => {
    const svc = analysis.services[0]!;
    const entries = entryPointsFor(analysis, svc, svc.service.ports[0]!);
    assert.deepEqual(
      entries.map((e) => [e.entry, originText(e.request.from)]),
      [
        ['nodePort', 'internet'],
        ['clusterIP', 'a pod'],
        ['clusterIP', 'node:node-1'],
      ],
    );
    assert.equal(entries[0]!.request.target, `172.18.0.2:${svc.service.ports[0]!.nodePort}`);
    assert.equal(entries[1]!.request.target, 'web.default:80');
  });
});
