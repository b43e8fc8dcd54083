import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeWorkspace } from '../../src/engine';
import { traceRequest } from '../../src/engine/trace/request';
import { parseOrigin } from '../../src/cli/commands/trace';
import type { RequestTrace } from '../../src/engine/trace/request';
import { generateIptables, kubeProxyNodeFor } from '../../src/engine/proxy/iptables';

const nginx = [
  { path: 'examples/nginx/deployment.yaml', text: readFileSync('examples/nginx/deployment.yaml', 'utf8') },
  { path: 'examples/nginx/service.yaml', text: readFileSync('examples/nginx/service.yaml', 'utf8') },
];

function app(
  name: string,
  replicas: number,
  serviceSpec: string,
  extraPod = '',
): { path: string; text: string } {
  return {
    path: `${name}.yaml`,
    text: `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${extraPod}      containers:
      - name: c
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
${serviceSpec}`,
  };
}

function total(t: RequestTrace): number {
  return t.branches.reduce((s, b) => s + b.probability, 0);
}

void test('nginx from the internet: DNS → LB → each node:nodePort → 3 pods at :80, masqueraded', () => {
  const a = analyzeWorkspace({ files: nginx });
  const t = traceRequest(a, 'nginx:8080', { from: { kind: 'internet' } });
  const svc = a.services[0]!;
  const lbIP = svc.loadBalancer?.ingress[0]?.ip;
  assert.equal(t.outcome, 'reached');
  assert.deepEqual(
    t.hops.map((h) => h.kind),
    ['dns', 'loadbalancer'],
  );
  assert.equal(t.packet?.destinationIP, lbIP);
  assert.equal(t.branches.length, 9);
  assert.ok(Math.abs(total(t) - 1) < 1e-9);
  const podIPs = a.pods.map((p) => p.podIP).sort();
  for (const node of ['node-1', 'node-2', 'node-3']) {
    const fromNode = t.branches.filter((b) => b.node === node);
    assert.deepEqual(fromNode.map((b) => b.ip).sort(), podIPs, node);
    for (const b of fromNode) {
      assert.equal(b.outcome, 'reached');
      assert.equal(b.port, 80);
      assert.equal(b.masquerade, true);
      assert.ok(b.pod?.startsWith('nginx-'));
      const last = b.hops.at(-1);
      assert.equal(last?.kind, 'pod');
      assert.equal(last?.source?.file, 'examples/nginx/deployment.yaml');
      assert.equal(last?.source?.line, 21, 'the containerPort line');
      assert.equal(
        b.hops[0]?.name,
        `${node} ${a.profile.nodes.find((n) => n.name === node)?.ips[0]}:${svc.service.ports[0]?.nodePort}`,
      );
    }
  }
  // Same request by IP gives the same branches.
  const byIP = traceRequest(a, `http://${lbIP}:8080/index.html`);
  assert.deepEqual(
    byIP.branches.map((b) => [b.node, b.ip, b.probability]),
    t.branches.map((b) => [b.node, b.ip, b.probability]),
  );
});

void test('rule hops point at the Service port in the YAML and keep their line in the dump', () => {
  const a = analyzeWorkspace({ files: nginx });
  const t = traceRequest(a, 'nginx:8080', { from: { kind: 'internet' } });
  const sep = t.branches[0]!.hops.find((h) => h.kind === 'rule' && h.rule?.includes('KUBE-NODEPORTS -p tcp'));
  assert.ok(sep);
  assert.equal(sep.source?.file, 'examples/nginx/service.yaml');
  assert.equal(sep.source?.line, 10);
  assert.ok(typeof sep.line === 'number' && sep.line > 0);
});

void test('ClusterIP from a pod: the pod node rules split 1/3 each; from the internet there is no route', () => {
  const a = analyzeWorkspace({ files: nginx });
  const pod = a.pods[0]!;
  const t = traceRequest(a, 'nginx.default.svc.cluster.local:8080', {
    from: { kind: 'pod', namespace: 'default', name: pod.metadata.name },
  });
  assert.equal(t.branches.length, 3);
  assert.ok(t.branches.every((b) => b.node === pod.nodeName && b.outcome === 'reached'));
  // The pod reaching itself through the Service is hairpinned: masqueraded.
  assert.deepEqual(
    t.branches.filter((b) => b.masquerade).map((b) => b.ip),
    [pod.podIP],
  );
  const outside = traceRequest(a, `${a.services[0]!.service.clusterIP}:8080`, { from: { kind: 'internet' } });
  assert.equal(outside.outcome, 'no-route');
});

void test('externalTrafficPolicy Local: the LB only uses nodes with a local endpoint; a node without one drops', () => {
  const a = analyzeWorkspace({
    files: [
      app(
        'web',
        1,
        '  type: LoadBalancer\n  externalTrafficPolicy: Local\n  ports: [{port: 80, targetPort: http}]\n',
      ),
    ],
  });
  const svc = a.services[0]!;
  const podNode = a.pods[0]!.nodeName;
  const t = traceRequest(a, 'web:80', { from: { kind: 'internet' } });
  assert.equal(t.outcome, 'reached');
  assert.deepEqual(
    t.branches.map((b) => [b.node, b.ip, b.port, b.masquerade]),
    [[podNode, a.pods[0]!.podIP, 8080, false]],
  );
  assert.match(t.hops[1]?.detail ?? '', /health check on node port \d+ passes on/);
  const other = a.profile.nodes.find((n) => n.name !== podNode)!;
  const direct = traceRequest(a, `${other.ips[0]}:${svc.service.ports[0]!.nodePort}`, {
    from: { kind: 'internet' },
  });
  assert.equal(direct.outcome, 'dropped');
  assert.equal(direct.branches[0]?.hops.at(-1)?.kind, 'drop');
});

void test('no endpoints: REJECT, with the reason and the Service line', () => {
  const a = analyzeWorkspace({ files: [app('web', 0, '  ports: [{port: 80}]\n')] });
  const t = traceRequest(a, 'web:80');
  assert.equal(t.outcome, 'rejected');
  const last = t.branches[0]?.hops.at(-1);
  assert.equal(last?.kind, 'reject');
  assert.match(last?.detail ?? '', /has no endpoints/);
  assert.equal(last?.source?.file, 'web.yaml');
});

void test('named targetPort resolving differently in two versions: each pod at its own port', () => {
  const files = [{ path: 'api.yaml', text: readFileSync('examples/named-ports/api.yaml', 'utf8') }];
  const a = analyzeWorkspace({ files });
  const t = traceRequest(a, 'api.shop:80');
  const ports = new Map(t.branches.map((b) => [b.pod?.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''), b.port]));
  assert.deepEqual([...ports.entries()].sort(), [
    ['api', 8080],
    ['api-canary', 9090],
  ]);
  assert.equal(t.branches.length, 3);
});

void test('headless: DNS answers pod IPs and kube-proxy is not involved; ExternalName leaves the cluster', () => {
  const files = [
    { path: 'db.yaml', text: readFileSync('examples/headless/statefulset.yaml', 'utf8') },
    { path: 'ext.yaml', text: readFileSync('examples/externalname/external-db.yaml', 'utf8') },
  ];
  const a = analyzeWorkspace({ files });
  const h = traceRequest(a, 'db.data:5432');
  assert.equal(h.outcome, 'reached');
  assert.deepEqual(h.branches.map((b) => b.pod).sort(), ['db-0', 'db-1']);
  assert.ok(h.branches.every((b) => b.port === 5432 && !b.hops.some((x) => x.kind === 'rule')));
  const e = traceRequest(a, 'billing-db.billing:5432');
  assert.equal(e.outcome, 'accepted');
  assert.match(e.hops[0]?.detail ?? '', /CNAME billing\.db\.example\.com/);
});

void test('loadBalancerSourceRanges: a client outside the ranges is dropped at the load balancer', () => {
  const a = analyzeWorkspace({
    files: [
      app(
        'web',
        1,
        '  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 80, targetPort: http}]\n',
      ),
    ],
  });
  const t = traceRequest(a, 'web:80', { from: { kind: 'internet' } });
  assert.equal(t.outcome, 'dropped');
  assert.match(t.hops.at(-1)?.detail ?? '', /outside loadBalancerSourceRanges/);
});

void test('session affinity: the first packet still spreads over all endpoints', () => {
  const a = analyzeWorkspace({
    files: [app('web', 2, '  sessionAffinity: ClientIP\n  ports: [{port: 80, targetPort: http}]\n')],
  });
  const t = traceRequest(a, 'web:80');
  assert.equal(t.branches.length, 2);
  assert.ok(Math.abs(total(t) - 1) < 1e-9);
  // Each branch records the client in its endpoint's `recent` list so later packets stick to it.
  for (const b of t.branches) {
    assert.ok(
      b.hops.some((h) => h.kind === 'dnat' || (h.rule?.includes('--set') && h.rule.includes('-j DNAT'))),
    );
    assert.ok(
      b.hops.some((h) => h.rule?.includes('-m recent') && h.rule.includes('--set')),
      'recent --set on the way',
    );
  }
});

void test('unknown names are NXDOMAIN; a pasted iptables-save replaces the predicted rules', () => {
  const a = analyzeWorkspace({ files: nginx });
  assert.equal(traceRequest(a, 'nope:80').outcome, 'no-route');
  const node = kubeProxyNodeFor(a.profile, 'node-1');
  const rules = generateIptables(
    { services: a.services.map((s) => s.service), endpointSlices: a.endpointSlices },
    node,
  );
  // A node whose rules lost one endpoint: only two pods remain reachable through it.
  const lost = a.pods[0]!.podIP;
  const text = rules.iptablesSave
    .split('\n')
    .filter((l) => !(l.includes('-A KUBE-SVC-') && l.includes(`${lost}:80`)))
    .join('\n');
  const t = traceRequest(a, `${a.services[0]!.service.clusterIP}:8080`, {
    from: { kind: 'node', node: 'node-1' },
    iptablesSave: { file: 'node-1.txt', text },
  });
  assert.ok(!t.branches.some((b) => b.ip === lost));
  assert.ok(t.branches.some((b) => b.outcome === 'reached'));
});

void test('large workspaces: a trace over the matching Services only gives the full dump verdicts', () => {
  const files = Array.from({ length: 210 }, (_, i) =>
    app(
      `app${i}`,
      1 + (i % 3),
      `  type: ${i % 2 ? 'NodePort' : 'ClusterIP'}\n  ports: [{port: 80, targetPort: http}]\n`,
    ),
  );
  // 420 pods: more than the built-in nodes' 3 × 110 (kubelet maxPods), so room for 200 each.
  const roomy = [1, 2, 3].map(
    (i) => `  - {name: node-${i}, ip: 172.18.0.${i + 1}, allocatable: {pods: 200}}\n`,
  );
  const profile = {
    path: 'kubepath.cluster.yaml',
    text: `apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes:\n${roomy.join('')}`,
  };
  const a = analyzeWorkspace({ files, profile });
  assert.equal(a.services.length, 210);
  const svc = a.services.find((s) => s.service.metadata.name === 'app7')!;
  const nodePort = svc.service.ports[0]!.nodePort;
  const node = a.profile.nodes[1]!;
  for (const [target, from] of [
    [`${svc.service.clusterIP}:80`, { kind: 'node', node: node.name }],
    [`${node.ips[0]}:${nodePort}`, { kind: 'internet' }],
  ] as const) {
    const scoped = traceRequest(a, target, { from, node: node.name });
    assert.match(scoped.notes.join(' '), /the rules traced are those of the 1 that can match/);
    const full = generateIptables(
      { services: a.services.map((s) => s.service), endpointSlices: a.endpointSlices },
      kubeProxyNodeFor(a.profile, node.name),
    );
    const unscoped = traceRequest(a, target, {
      from,
      node: node.name,
      iptablesSave: { file: 'full', text: full.iptablesSave },
    });
    const summary = (t: RequestTrace) =>
      t.branches.map((b) => [b.ip, b.port, b.outcome, b.masquerade, b.probability]);
    assert.deepEqual(summary(scoped), summary(unscoped), target);
    assert.equal(scoped.outcome, 'reached');
  }
});

void test('a LoadBalancer Service without a cloud controller: from the internet the trace ends at the pending load balancer', () => {
  const a = analyzeWorkspace({
    files: nginx,
    profile: {
      path: 'kubepath.cluster.yaml',
      text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\ncloud:\n  provider: none\n',
    },
  });
  const t = traceRequest(a, 'nginx:8080', { from: { kind: 'internet' } });
  assert.equal(t.outcome, 'no-route');
  assert.deepEqual(
    t.hops.map((h) => [h.kind, h.detail]),
    [['loadbalancer', 'load balancer pending: no cloud controller']],
  );
  assert.deepEqual(t.notes, ['load balancer pending: no cloud controller']);
  assert.equal(t.branches.length, 0);
  // Its NodePort still answers from outside, and its ClusterIP from inside.
  const svc = a.services[0]!;
  const node = a.profile.nodes[0]!;
  assert.equal(
    traceRequest(a, `${node.ips[0]}:${svc.service.ports[0]!.nodePort}`, { from: { kind: 'internet' } })
      .outcome,
    'reached',
  );
  assert.equal(traceRequest(a, 'nginx:8080').outcome, 'reached');
});

void test('pod DNS names resolve as CoreDNS serves them: StatefulSet hostnames and a-b-c-d.ns.pod', () => {
  const files = [
    {
      path: 'db.yaml',
      text: `apiVersion: v1
kind: Service
metadata: { name: db, namespace: data }
spec:
  clusterIP: None
  selector: { app: db }
  ports: [{ port: 5432 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: data }
spec:
  serviceName: db
  replicas: 2
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers: [{ name: pg, ports: [{ containerPort: 5432 }] }]
`,
    },
  ];
  const a = analyzeWorkspace({ files });
  const db1 = a.pods.find((p) => p.metadata.name === 'db-1')!;
  for (const [target, from] of [
    ['db-1.db.data:5432', undefined],
    ['db-1.db.data.svc.cluster.local:5432', undefined],
    ['db-1.db:5432', { kind: 'pod', namespace: 'data', name: 'db-0' } as const],
    [`${db1.podIP.replace(/\./g, '-')}.data.pod.cluster.local:5432`, undefined],
  ] as const) {
    const t = traceRequest(a, target, from ? { from } : {});
    assert.equal(t.outcome, 'reached', target);
    assert.equal(t.hops[0]?.kind, 'dns', target);
    assert.match(
      t.hops[0]?.detail ?? '',
      new RegExp(`^A ${db1.podIP.replace(/\./g, '\\.')} \\(pod data/db-1`),
      target,
    );
    // Straight to the pod: no Service rules rewrite the destination (no DNAT target).
    assert.deepEqual(
      [t.packet?.destinationIP, t.packet?.destinationPort, t.branches.map((b) => [b.pod, b.ip])],
      [db1.podIP, 5432, [['db-1', null]]],
      target,
    );
  }
  // Not served: a pod IP name in the wrong namespace (CoreDNS `pods verified`), a hostname that no pod has.
  for (const target of [
    `${db1.podIP.replace(/\./g, '-')}.default.pod.cluster.local:5432`,
    'db-7.db.data:5432',
  ]) {
    const t = traceRequest(a, target);
    assert.equal(t.outcome, 'no-route', target);
    assert.match(t.notes[0] ?? '', /^NXDOMAIN: /, target);
  }
});

void test('--from pod: also takes a workload and uses its first predicted pod; a typo lists the closest names', () => {
  const a = analyzeWorkspace({ files: nginx });
  const first = a.workloads.find((w) => w.name === 'nginx')!.pods[0]!;
  for (const name of ['deployment/nginx', 'nginx', 'Deployment/nginx']) {
    const t = traceRequest(a, 'nginx:8080', { from: { kind: 'pod', namespace: 'default', name } });
    assert.equal(t.from, `pod:default/${name}`);
    assert.equal(t.packet?.sourceIP, first.podIP, name);
    assert.ok(
      t.notes.includes(`sent from pod default/${first.metadata.name}, the first predicted pod of ${name}`),
      name,
    );
  }
  assert.throws(
    () => traceRequest(a, 'nginx:8080', { from: { kind: 'pod', namespace: 'default', name: 'ngnix' } }),
    /no such pod or workload is predicted in namespace default \(closest: deployment\/nginx, /,
  );
  assert.throws(
    () =>
      traceRequest(a, 'nginx:8080', {
        from: { kind: 'pod', namespace: 'default', name: 'statefulset/nginx' },
      }),
    /no such pod or workload/,
  );
});

void test('--from pod: spellings of a workload on the command line', () => {
  assert.deepEqual(
    ['pod:web', 'pod:shop/web', 'pod:deployment/web', 'pod:shop/statefulset/db'].map(parseOrigin),
    [
      { kind: 'pod', namespace: 'default', name: 'web' },
      { kind: 'pod', namespace: 'shop', name: 'web' },
      { kind: 'pod', namespace: 'default', name: 'deployment/web' },
      { kind: 'pod', namespace: 'shop', name: 'statefulset/db' },
    ],
  );
  assert.throws(() => parseOrigin('pod:a/b/c/d'), /expected internet/);
});

void test('a name that does not resolve gets a did-you-mean: the same name in another namespace, or a typo', () => {
  const files = [
    {
      path: 'a.yaml',
      text: 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80}]}\n',
    },
  ];
  const analysis = analyzeWorkspace({ files });
  const other = traceRequest(analysis, 'web:80');
  assert.equal(other.outcome, 'no-route');
  assert.ok(other.notes.includes('did you mean web.shop:80?'), other.notes.join(' | '));
  const typo = traceRequest(analysis, 'wbe.shop:80');
  assert.ok(typo.notes.includes('did you mean web.shop:80?'), typo.notes.join(' | '));
  assert.ok(!traceRequest(analysis, 'zzzzzz:80').notes.some((n) => n.startsWith('did you mean')));
  // From the internet, a NodePort Service is pointed to its NodePort on a node's address.
  const internet = traceRequest(analysis, 'web.shop:80', { from: { kind: 'internet' } });
  const nodePort = analysis.services[0]?.service.ports[0]?.nodePort;
  assert.ok(
    internet.notes.some((n) =>
      n.endsWith(`trace ${analysis.profile.nodes[0]?.ips[0]}:${nodePort} --from internet`),
    ),
    internet.notes.join(' | '),
  );
});
