// Host side of the request-path panel: cluster state → snapshot (no vscode, no browser).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeWorkspace } from '../../src/engine';
import { buildSnapshot, type FolderAnalysis } from '../../src/extension/panelSnapshot';
import { contentSecurityPolicy, createNonce, requestPathHtml } from '../../src/extension/requestPathHtml';
import { parseWebviewMessage } from '../../webview/protocol';
import type { Selection } from '../../webview/protocol';

const root = path.resolve(__dirname, '../../..');

function folder(dir: string, edit: (file: string, text: string) => string = (_f, t) => t): FolderAnalysis {
  const files = fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ path: `${dir}/${f}`, text: edit(f, fs.readFileSync(path.join(root, dir, f), 'utf8')) }));
  return { folder: '', state: analyzeWorkspace({ files }) };
}

function folderFiles(dir: string): { path: string; text: string }[] {
  return fs
    .readdirSync(path.join(root, dir))
    .map((f) => ({ path: `${dir}/${f}`, text: fs.readFileSync(path.join(root, dir, f), 'utf8') }));
}

function inline(text: string): FolderAnalysis {
  return { folder: '', state: analyzeWorkspace({ files: [{ path: 'app.yaml', text }] }) };
}

const nginx: Selection = { serviceId: '|default/nginx', portKey: null, entry: 'internet', node: null };

const app = (service: string, replicas = 3): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
${service}`;

void describe('request path snapshot', () => {
  void test('nginx example: LB → 3 nodes → 3 pods each at 1/3, predicted values marked', () => {
    const snapshot = buildSnapshot({ folders: [folder('examples/nginx')], selection: nginx, status: 'ok' });
    assert.deepEqual(snapshot.selection, { ...nginx, portKey: 'TCP/8080' });
    assert.equal(snapshot.services.length, 1);
    assert.equal(snapshot.nodes.length, 3);
    const p = snapshot.path;
    assert.ok(p);
    assert.equal(p.outcome, 'reached');
    assert.equal(p.loadBalancer?.address.origin, 'predicted');
    assert.equal(p.service.nodePort?.origin, 'predicted');
    assert.equal(p.nodes.length, 3);
    const deployment = fs.readFileSync(path.join(root, 'examples/nginx/deployment.yaml'), 'utf8').split('\n');
    const containerPortLine = deployment.findIndex((l) => l.includes('containerPort')) + 1;
    for (const node of p.nodes) {
      assert.equal(node.outcome, 'reached');
      assert.equal(node.entry, `${node.ip}:${p.service.nodePort?.value}`);
      assert.deepEqual(
        node.hops.map((h) => h.name.replace(/-[A-Z0-9]{16}$/, '')),
        [
          'nat PREROUTING',
          'KUBE-SERVICES',
          'KUBE-NODEPORTS',
          'KUBE-EXT',
          'KUBE-MARK-MASQ',
          'MARK',
          'KUBE-SVC',
        ],
      );
      assert.equal(node.branches.length, 3);
      for (const b of node.branches) {
        // iptables-save prints the probability kube-proxy wrote (0.33333333349 for 1/3).
        assert.ok(Math.abs(b.probability - 1 / 3) < 1e-9, String(b.probability));
        assert.equal(b.port, 80);
        assert.equal(b.verdict, 'DNAT');
        assert.match(b.hops[0]?.name ?? '', /^KUBE-SEP-[A-Z2-7]{16}$/);
        assert.equal(b.pod?.ip.origin, 'predicted');
        assert.equal(b.pod?.source?.file, 'examples/nginx/deployment.yaml');
        assert.equal(b.pod?.source?.line, containerPortLine);
      }
    }
    // Each node's kube-proxy spreads over the same pods: one on each node.
    assert.deepEqual(p.nodes[0]?.branches.map((b) => b.pod?.node).sort(), ['node-1', 'node-2', 'node-3']);
  });

  void test('selector typo: every node rejects with "has no endpoints"', () => {
    const typo = folder('examples/nginx', (f, t) =>
      f === 'service.yaml' ? t.replace(/app: nginx/, 'app: ngnix') : t,
    );
    const p = buildSnapshot({ folders: [typo], selection: nginx, status: '' }).path;
    assert.ok(p);
    assert.equal(p.outcome, 'rejected');
    for (const node of p.nodes) {
      assert.equal(node.outcome, 'rejected');
      assert.deepEqual(
        node.branches.map((b) => [b.verdict, b.reason, b.probability]),
        [['REJECT', 'default/nginx has no endpoints: rejected', 1]],
      );
      assert.ok(node.hops.some((h) => h.name === 'KUBE-EXTERNAL-SERVICES'));
    }
  });

  void test('empty states say why and what to do', () => {
    const none = buildSnapshot({ folders: [], selection: null, status: '' });
    assert.equal(none.path, null);
    assert.match(none.empty?.title ?? '', /No Kubernetes YAML/);
    const noServices = buildSnapshot({
      folders: [inline('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n')],
      selection: null,
      status: '',
    });
    assert.match(noServices.empty?.title ?? '', /No Services/);
    assert.match(noServices.empty?.hint ?? '', /selector/);
    const unselected = buildSnapshot({ folders: [folder('examples/nginx')], selection: null, status: '' });
    assert.match(unselected.empty?.title ?? '', /No Service selected/);
    const gone = buildSnapshot({
      folders: [folder('examples/nginx')],
      selection: { ...nginx, serviceId: '|default/deleted' },
      status: '',
    });
    assert.equal(gone.selection.serviceId, null);
  });

  void test('ClusterIP Service: only the ClusterIP entry is offered; internet falls back to it, with CoreDNS', () => {
    const f = inline(app('  selector: { app: web }\n  ports: [{ port: 80, targetPort: http }]\n'));
    const s = buildSnapshot({
      folders: [f],
      selection: { serviceId: '|default/web', portKey: null, entry: 'internet', node: null },
      status: '',
    });
    // Entry points that do not exist for a ClusterIP Service are not offered at all.
    assert.deepEqual(
      s.entries.map((e) => [e.entry, e.available]),
      [['clusterIP', true]],
    );
    assert.equal(s.selection.entry, 'clusterIP');
    const nodePort = buildSnapshot({
      folders: [
        inline(
          app('  type: NodePort\n  selector: { app: web }\n  ports: [{ port: 80, targetPort: http }]\n'),
        ),
      ],
      selection: { serviceId: '|default/web', portKey: null, entry: 'internet', node: null },
      status: '',
    });
    assert.deepEqual(
      nodePort.entries.map((e) => e.entry),
      ['nodePort', 'clusterIP'],
    );
    assert.equal(nodePort.selection.entry, 'nodePort');
    const p = s.path;
    assert.ok(p);
    assert.equal(p.loadBalancer, null);
    assert.equal(p.dns?.name, 'web.default.svc.cluster.local');
    assert.equal(p.dns?.answer.value, p.service.clusterIP.value);
    // From a pod, KUBE-SERVICES matches the ClusterIP and jumps straight to the Service chain.
    const jump = p.nodes[0]?.hops.find((h) => h.chain === 'KUBE-SERVICES');
    assert.match(jump?.name ?? '', /^KUBE-SVC-/);
    assert.match(jump?.rule ?? '', /-d 10\.96\.\d+\.\d+\/32 .*--dport 80 /);
    // Named targetPort resolves to the containerPort named http.
    assert.equal(p.nodes[0]?.branches[0]?.port, 8080);
  });

  void test('node filter: only that node; externalTrafficPolicy Local drops where no pod runs', () => {
    const f = inline(
      app(
        '  type: NodePort\n  externalTrafficPolicy: Local\n  selector: { app: web }\n  ports: [{ port: 80, targetPort: 8080 }]\n',
        1,
      ),
    );
    const base: Selection = { serviceId: '|default/web', portKey: null, entry: 'nodePort', node: null };
    const all = buildSnapshot({ folders: [f], selection: base, status: '' }).path;
    assert.ok(all);
    assert.equal(all.nodes.length, 3);
    const podNode = all.nodes.find((n) => n.outcome === 'reached');
    assert.ok(podNode, 'the node running the pod reaches it');
    assert.equal(podNode.branches[0]?.masquerade, false, 'Local keeps the client source address');
    for (const n of all.nodes.filter((x) => x !== podNode)) {
      assert.equal(n.outcome, 'dropped');
      assert.match(n.branches[0]?.reason ?? '', /no local endpoints/);
    }
    const one = buildSnapshot({ folders: [f], selection: { ...base, node: 'node-2' }, status: '' }).path;
    assert.deepEqual(
      one?.nodes.map((n) => n.node),
      ['node-2'],
    );
  });

  void test('pending load balancer (cloud provider none) ends with no route', () => {
    const files = fs
      .readdirSync(path.join(root, 'examples/nginx'))
      .map((f) => ({ path: f, text: fs.readFileSync(path.join(root, 'examples/nginx', f), 'utf8') }));
    const profile = {
      path: 'kubepath.cluster.yaml',
      text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\ncloud:\n  provider: none\n',
    };
    const state = analyzeWorkspace({ files, profile });
    const p = buildSnapshot({ folders: [{ folder: '', state }], selection: nginx, status: '' }).path;
    assert.equal(p?.outcome, 'no-route');
    assert.match(p?.loadBalancer?.pending ?? '', /./);
    assert.deepEqual(p?.nodes, []);
  });

  void test("headless Service: DNS answers with the ready pods' IPs, then those pods; no kube-proxy path", () => {
    const s = buildSnapshot({
      folders: [folder('examples/headless')],
      selection: { serviceId: '|data/db', portKey: null, entry: 'clusterIP', node: null },
      status: '',
    });
    assert.equal(s.path, null);
    assert.equal(s.empty, null);
    assert.deepEqual(s.entries, [], 'no kube-proxy entry exists for a headless Service');
    const d = s.dnsPath;
    assert.ok(d);
    assert.equal(d.kind, 'headless');
    assert.equal(d.target, 'db.data.svc.cluster.local:5432');
    assert.equal(d.dns.type, 'A');
    // The answer is the DNS reconciler's record: the pods' IPs, the same the pods carry.
    const state = folder('examples/headless').state;
    const record = state.dns.find((r) => r.name === 'db.data.svc.cluster.local' && r.type === 'A');
    assert.deepEqual(
      d.dns.values.map((v) => v.value),
      record?.values,
    );
    assert.equal(d.pods.length, 2);
    assert.deepEqual(d.pods.map((p) => p.pod.ip.value).sort(), [...(record?.values ?? [])].sort());
    for (const p of d.pods) {
      assert.match(p.pod.name, /^db-[01]$/);
      assert.equal(p.port, 5432);
      assert.equal(p.pod.source?.file, 'examples/headless/statefulset.yaml');
    }
    assert.ok(d.dns.also.some((r) => r.name === 'db-0.db.data.svc.cluster.local' && r.type === 'A'));
    assert.equal(d.outcome, 'reached');
  });

  void test('ExternalName Service: DNS answers with a CNAME to the external name', () => {
    const s = buildSnapshot({
      folders: [folder('examples/externalname')],
      selection: { serviceId: '|billing/billing-db', portKey: null, entry: 'internet', node: null },
      status: '',
    });
    assert.equal(s.path, null);
    const d = s.dnsPath;
    assert.ok(d);
    assert.equal(d.kind, 'externalName');
    assert.equal(d.dns.type, 'CNAME');
    assert.deepEqual(
      d.dns.values.map((v) => v.value),
      ['billing.db.example.com'],
    );
    assert.equal(d.externalName, 'billing.db.example.com');
    assert.equal(d.pods.length, 0);
    assert.equal(d.outcome, 'reached');
  });

  void test('follows the Service at the cursor, or the only Service of the file; a pick stays until the cursor moves to another', () => {
    const two = `apiVersion: v1
kind: Service
metadata: { name: a }
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: b }
spec:
  selector: { app: web }
  ports: [{ port: 81 }]
`;
    const state = analyzeWorkspace({
      files: [{ path: 'two.yaml', text: two }, ...folderFiles('examples/nginx')],
    });
    const folders = [{ folder: '', state }];
    const picked: Selection = { serviceId: '|default/nginx', portKey: null, entry: 'clusterIP', node: null };
    const at = (file: string, line: number, followed: string | null = null) =>
      buildSnapshot({ folders, selection: picked, status: '', cursor: { folder: '', file, line }, followed });
    // Line 3 is Service a's document, line 10 Service b's.
    assert.equal(at('two.yaml', 3).selection.serviceId, '|default/a');
    assert.equal(at('two.yaml', 10).selection.serviceId, '|default/b');
    assert.equal(at('two.yaml', 10).atCursor, '|default/b');
    assert.equal(at('two.yaml', 10).selection.entry, 'clusterIP', 'the entry is kept');
    // The only Service of a file is followed from anywhere in it (the Deployment's file has none).
    assert.equal(at('examples/nginx/service.yaml', 1).selection.serviceId, '|default/nginx');
    assert.equal(at('examples/nginx/deployment.yaml', 5).atCursor, null);
    assert.equal(at('examples/nginx/deployment.yaml', 5).selection.serviceId, '|default/nginx');
    // Already followed there: the user's pick (nginx) stays while the cursor stays in b.
    assert.equal(at('two.yaml', 11, '|default/b').selection.serviceId, '|default/nginx');
  });

  void test('the client box names the chosen node', () => {
    const snap = (entry: Selection['entry'], node: string | null) =>
      buildSnapshot({
        folders: [folder('examples/nginx')],
        selection: { ...nginx, entry, node },
        status: '',
      }).path?.client.label;
    assert.equal(snap('clusterIP', 'node-2'), 'pod on node-2');
    assert.equal(snap('clusterIP', null), 'pod on any node');
    assert.equal(snap('nodePort', 'node-3'), 'client → node-3');
    assert.equal(snap('internet', null), 'Internet client');
  });

  void test('snapshots are deterministic', () => {
    const a = JSON.stringify(
      buildSnapshot({ folders: [folder('examples/nginx')], selection: nginx, status: '' }),
    );
    const b = JSON.stringify(
      buildSnapshot({ folders: [folder('examples/nginx')], selection: nginx, status: '' }),
    );
    assert.equal(a, b);
  });
});

void describe('request path protocol and HTML', () => {
  void test('webview messages are checked for shape', () => {
    assert.equal(parseWebviewMessage(null), undefined);
    assert.equal(parseWebviewMessage({ type: 'eval', code: 'x' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'select' }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready', selection: null });
    assert.deepEqual(
      parseWebviewMessage({
        type: 'select',
        selection: { serviceId: 'a', portKey: 7, entry: 'bogus', node: null },
      }),
      { type: 'select', selection: { serviceId: 'a', portKey: null, entry: 'internet', node: null } },
    );
    assert.deepEqual(
      parseWebviewMessage({ type: 'revealSource', source: { file: 'a.yaml', line: -4, column: 2.5 } }),
      {
        type: 'revealSource',
        source: { file: 'a.yaml', line: 1, column: 1, endLine: 1, endColumn: 1 },
      },
    );
    assert.deepEqual(parseWebviewMessage({ type: 'openInEditor', extra: 1 }), { type: 'openInEditor' });
    assert.equal(parseWebviewMessage({ type: 'applyFix', source: { file: 'a.yaml' } }), undefined);
    const source = { file: 'a.yaml', line: 3, column: 2, endLine: 3, endColumn: 9 };
    assert.deepEqual(parseWebviewMessage({ type: 'applyFix', source, title: 'Change selector to app=web' }), {
      type: 'applyFix',
      source,
      title: 'Change selector to app=web',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'showProblem', source }), { type: 'showProblem', source });
  });

  void test('the editor tab loads the same app, marked as the editor surface', () => {
    const page = (surface?: 'view' | 'editor') =>
      requestPathHtml({
        cspSource: 'x',
        nonce: 'n',
        scriptUri: 's.js',
        styleUris: [],
        ...(surface ? { surface } : {}),
      });
    assert.match(page(), /<div id="app" data-surface="view">/);
    assert.match(page('editor'), /<div id="app" data-surface="editor">/);
    assert.equal(page('editor').replace('editor', 'view'), page());
  });

  void test('CSP: default-src none, nonce scripts, no unsafe-inline/eval, styles from the extension', () => {
    const nonce = createNonce();
    assert.match(nonce, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(nonce, createNonce());
    const html = requestPathHtml({
      cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
      nonce,
      scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
      styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/requestPath.css'],
    });
    const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', nonce);
    assert.ok(html.includes(`content="${csp}"`));
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'$`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts, [
      `<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js">`,
    ]);
    assert.doesNotMatch(html, /<style|style=/);
  });
});
