// `kubepath trace http(s)://…` through a Gateway or an ingress controller (issue 19 item 3):
// the bundled examples through the CLI as a user runs it, and the L7 findings on the lines
// that cause them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from '../../src/cli/main';
import { analyzeWorkspace, traceRequest } from '../../src/engine';
import { gatewayConditions } from '../../src/engine/l7';

const ROOT = join(__dirname, '..', '..', '..');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT });
  return { code, stdout, stderr };
}

interface TraceJson {
  outcome: string;
  hops: { kind: string; name: string; source: { file: string; line: number } | null }[];
  branches: { probability: number; pod: string | null; namespace: string | null; outcome: string }[];
  l7?: {
    kind: string;
    gateway: string | null;
    ingressClass: string | null;
    listener: string | null;
    route: string | null;
    rule: number | null;
    match: number | null;
    httpStatus: number;
    backend: { service: { namespace: string; name: string }; port: number } | null;
    backends: { service: { namespace: string; name: string }; port: number | null; weight: number }[];
  };
}

async function traceJson(...argv: string[]): Promise<{ code: number; json: TraceJson }> {
  const out = await cli(['trace', ...argv, '--json']);
  assert.equal(out.stderr, '');
  return { code: out.code, json: JSON.parse(out.stdout) as TraceJson };
}

/** The 1-based line of the first line of `file` containing `text` at or after line `from`. */
function lineOf(file: string, text: string, from = 1): number {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const i = lines.findIndex((l, n) => n + 1 >= from && l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

function share(json: TraceJson, prefix: string): number {
  return json.branches
    .filter((b) => b.outcome === 'reached' && b.pod?.startsWith(prefix))
    .reduce((sum, b) => sum + b.probability, 0);
}

void describe('trace through a Gateway (examples/gateway)', () => {
  void it('DNS → the Gateway load balancer → listener, route, rule, match → weighted backends → pods', async () => {
    const { code, json } = await traceJson('http://shop.example.com/cart/items', 'examples/gateway');
    assert.equal(code, 0);
    assert.equal(json.outcome, 'reached');
    assert.deepEqual(json.l7, {
      kind: 'gateway',
      gateway: 'shop/web',
      ingressClass: null,
      listener: 'http',
      route: 'shop/storefront',
      rule: 1,
      match: 0,
      httpStatus: 200,
      backend: { service: { namespace: 'shop', name: 'cart' }, port: 8080 },
      backends: [
        { service: { namespace: 'shop', name: 'cart' }, port: 8080, weight: 90 },
        { service: { namespace: 'shop', name: 'cart-canary' }, port: 8080, weight: 10 },
      ],
    });
    assert.ok(Math.abs(share(json, 'cart-canary-') - 0.1) < 1e-9);
    assert.ok(Math.abs(share(json, 'cart-') - 1) < 1e-9);
    const kinds = json.hops.map((h) => h.kind);
    assert.deepEqual(kinds.slice(0, 3), ['dns', 'loadbalancer', 'node']);
    const l7 = json.hops.filter((h) => h.kind === 'l7');
    const lines = l7.map((h) => `${h.name} ${h.source?.file ?? ''}:${h.source?.line ?? ''}`);
    const routes = 'examples/gateway/routes.yaml';
    const cartRule = lineOf(routes, '- matches:', lineOf(routes, 'value: "true"'));
    assert.deepEqual(lines, [
      `data plane examples/gateway/gateway.yaml:${lineOf('examples/gateway/gateway.yaml', 'name: web')}`,
      `listener http examples/gateway/gateway.yaml:${lineOf('examples/gateway/gateway.yaml', '- name: http')}`,
      `HTTPRoute shop/storefront ${routes}:${lineOf(routes, 'name: storefront')}`,
      `rule 1 ${routes}:${cartRule}`,
      `match 0 ${routes}:${cartRule + 1}`,
      `backend shop/cart:8080 ${routes}:${lineOf(routes, '- name: cart', cartRule)}`,
      `backend shop/cart-canary:8080 ${routes}:${lineOf(routes, '- name: cart-canary', cartRule)}`,
    ]);
  });

  void it('a header match takes precedence (more header matches win)', async () => {
    const { json } = await traceJson(
      'http://shop.example.com/cart',
      'examples/gateway',
      '--header',
      'X-Canary: true',
    );
    assert.equal(json.l7?.rule, 0);
    assert.equal(json.l7?.backend?.service.name, 'cart-canary');
    assert.ok(Math.abs(share(json, 'cart-canary-') - 1) < 1e-9);
  });

  void it('the text output has a short L7 section before the Service path', async () => {
    const out = await cli(['trace', 'https://shop.example.com/', 'examples/gateway']);
    assert.equal(out.code, 0);
    assert.match(
      out.stdout,
      /\nL7: Gateway shop\/web listener https → HTTPRoute shop\/storefront rule 2 match 0 → HTTP 200\n/,
    );
    assert.ok(out.stdout.indexOf('\nL7: ') < out.stdout.indexOf('\noutcome: '));
  });

  void it('a request no route takes: 404, no backend, exit 1', async () => {
    const { code, json } = await traceJson('http://blog.example.com/', 'examples/gateway');
    assert.equal(code, 1);
    assert.equal(json.l7?.httpStatus, 404);
    assert.equal(json.l7?.backend, null);
    assert.equal(json.branches.length, 0);
    assert.equal(json.outcome, 'no-route');
  });

  void it('--gateway names an unknown Gateway: usage error', async () => {
    const out = await cli([
      'trace',
      'http://shop.example.com/',
      'examples/gateway',
      '--gateway',
      'shop/nope',
    ]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /no such Gateway .*shop\/web/);
  });

  void it("a Service's own name keeps its Service trace", async () => {
    const { json } = await traceJson(
      'http://frontend.shop/',
      'examples/gateway',
      '--from',
      'pod:shop/deployment/cart',
    );
    assert.equal(json.l7, undefined);
    assert.equal(json.outcome, 'reached');
  });
});

void describe('trace through an ingress controller (examples/ingress)', () => {
  void it('rules merged across Ingresses: the longest prefix, Exact over Prefix, else /', async () => {
    const api = await traceJson('http://shop.example.com/api/orders?id=1', 'examples/ingress');
    assert.equal(api.code, 0);
    assert.equal(api.json.l7?.kind, 'ingress');
    assert.equal(api.json.l7?.ingressClass, 'nginx');
    assert.equal(api.json.l7?.route, 'store/api');
    assert.deepEqual(api.json.l7?.backend, { service: { namespace: 'store', name: 'api' }, port: 8080 });
    const health = await traceJson('http://shop.example.com/api/healthz', 'examples/ingress');
    assert.equal(health.json.l7?.match, 1);
    const web = await traceJson('http://shop.example.com/account', 'examples/ingress');
    assert.equal(web.json.l7?.route, 'store/storefront');
    assert.deepEqual(web.json.l7?.backend, { service: { namespace: 'store', name: 'web' }, port: 80 });
    assert.ok(Math.abs(share(web.json, 'web-') - 1) < 1e-9);
  });
});

void describe('an ingress controller told to use the Service (service-upstream)', () => {
  void it("follows the ClusterIP: kube-proxy's rules pick the endpoint", () => {
    const dir = join(ROOT, 'examples/ingress');
    const ingress = readFileSync(join(dir, 'ingress.yaml'), 'utf8').replace(
      '  name: api\n  namespace: store\n',
      '  name: api\n  namespace: store\n  annotations:\n    nginx.ingress.kubernetes.io/service-upstream: "true"\n',
    );
    const analysis = analyzeWorkspace({
      files: [
        { path: 'apps.yaml', text: readFileSync(join(dir, 'apps.yaml'), 'utf8') },
        { path: 'ingress.yaml', text: ingress },
      ],
    });
    const viaService = traceRequest(analysis, 'http://shop.example.com/api/orders');
    assert.equal(viaService.outcome, 'reached');
    const api = analysis.services.find((s) => s.service.metadata.name === 'api');
    for (const b of viaService.branches) {
      assert.ok(b.hops.some((h) => h.kind === 'rule' && h.name.startsWith('KUBE-SVC-')));
      assert.ok(b.hops.some((h) => h.kind === 'dnat'));
    }
    assert.match(viaService.notes.join('\n'), /ClusterIP \(service-upstream\)/);
    // Without the annotation the controller picks the endpoint itself.
    const direct = traceRequest(analysis, 'http://shop.example.com/');
    assert.ok(direct.branches.every((b) => !b.hops.some((h) => h.kind === 'dnat')));
    assert.ok(api && api.service.clusterIP !== '');
  });
});

const SHOP = readFileSync(join(ROOT, 'examples/gateway/apps.yaml'), 'utf8');
const GATEWAY = readFileSync(join(ROOT, 'examples/gateway/gateway.yaml'), 'utf8');

void describe('trace an HTTPS request whose server name another listener serves', () => {
  void it('--sni selects the listener; a Host of another listener is misdirected: 421', () => {
    const dir = join(ROOT, 'test/fixtures/l7/gateway-api');
    const read = (f: string): string =>
      readFileSync(join(dir, f), 'utf8').replaceAll('{GATEWAY_CLASS_NAME}', 'conformance');
    const analysis = analyzeWorkspace({
      files: [
        { path: 'base.yaml', text: read('base-manifests.yaml') },
        { path: 'routes.yaml', text: read('httproute-https-listener-detect-misdirected-requests.yaml') },
      ],
    });
    const target = 'https://second-example.org/detect-misdirected-requests';
    const gateway = 'gateway-conformance-infra/same-namespace-with-https-listener';
    const ok = traceRequest(analysis, target, { gateway, sni: 'second-example.org' });
    assert.equal(ok.l7?.httpStatus, 200);
    assert.equal(ok.l7?.listener, 'https-with-hostname');
    assert.equal(ok.l7?.backend?.service.name, 'infra-backend-v2');
    const misdirected = traceRequest(analysis, target, { gateway, sni: 'example.org' });
    assert.equal(misdirected.l7?.httpStatus, 421);
    assert.equal(misdirected.outcome, 'no-route');
  });
});

void describe('L7 findings and statuses through the analysis', () => {
  void it('a Gateway is Accepted and Programmed with an address; without a cloud controller, AddressNotAssigned', () => {
    const files = [
      { path: 'apps.yaml', text: SHOP },
      { path: 'gateway.yaml', text: GATEWAY },
    ];
    const web = { namespace: 'shop', name: 'web' };
    assert.deepEqual(gatewayConditions(analyzeWorkspace({ files }), web), [
      { type: 'Accepted', status: 'True', reason: 'Accepted' },
      { type: 'Programmed', status: 'True', reason: 'Programmed' },
    ]);
    const profile = {
      path: 'kubepath.cluster.yaml',
      text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\ncloud:\n  provider: none\n',
    };
    const pending = analyzeWorkspace({ files, profile });
    assert.deepEqual(gatewayConditions(pending, web)[1], {
      type: 'Programmed',
      status: 'False',
      reason: 'AddressNotAssigned',
    });
    assert.ok(pending.diagnostics.some((d) => d.code === 'gateway-not-programmed' && d.severity === 'info'));
    const trace = traceRequest(pending, 'http://shop.example.com/');
    assert.equal(trace.outcome, 'no-route');
    assert.match(trace.notes.join('\n'), /no cloud controller/);
  });

  void it('route status becomes diagnostics on the parentRef and backendRef lines', () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: broken
  namespace: shop
spec:
  parentRefs:
    - name: web
      sectionName: grpc
    - name: web
  rules:
    - backendRefs:
        - name: checkout
          port: 8080
        - name: cart
          port: 9999
        - name: cart
          namespace: other
          port: 8080
`;
    const analysis = analyzeWorkspace({
      files: [
        { path: 'apps.yaml', text: SHOP },
        { path: 'gateway.yaml', text: GATEWAY },
        { path: 'route.yaml', text: route },
      ],
    });
    const found = analysis.diagnostics
      .filter((d) => d.range.file === 'route.yaml')
      .map((d) => `${d.range.line} ${d.severity} ${d.code}`);
    assert.deepEqual(found, [
      '8 error httproute-no-matching-parent',
      '13 warning httproute-backend-not-found',
      '15 error httproute-backend-port-not-found',
      '17 warning httproute-ref-not-permitted',
    ]);
    // Every backend invalid: the rule answers 500.
    const trace = traceRequest(analysis, 'http://shop.example.com/');
    assert.equal(trace.l7?.httpStatus, 500);
    assert.equal(trace.outcome, 'no-route');
  });

  void it("the Gateway's predicted address does not collide with the files' load balancers and is stable", () => {
    const lb = `apiVersion: v1
kind: Service
metadata: {name: edge, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: frontend}
  ports: [{port: 80}]
`;
    const files = [
      { path: 'apps.yaml', text: SHOP },
      { path: 'gateway.yaml', text: GATEWAY },
      { path: 'routes.yaml', text: readFileSync(join(ROOT, 'examples/gateway/routes.yaml'), 'utf8') },
    ];
    const address = (extra: { path: string; text: string }[]): string | undefined =>
      traceRequest(analyzeWorkspace({ files: [...files, ...extra] }), 'http://shop.example.com/').packet
        ?.destinationIP;
    const alone = address([]);
    assert.match(alone ?? '', /^203\.0\.113\.\d+$/);
    const analysis = analyzeWorkspace({ files: [...files, { path: 'lb.yaml', text: lb }] });
    const edge = analysis.services.find((s) => s.service.metadata.name === 'edge')?.loadBalancer?.ingress[0]
      ?.ip;
    assert.notEqual(address([{ path: 'lb.yaml', text: lb }]), edge);
    assert.equal(address([]), alone);
  });
});
