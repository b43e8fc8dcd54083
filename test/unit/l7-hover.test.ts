// The L7 hop in the extension, through the worker's `hover` and `lenses` ops on
// examples/gateway and examples/ingress (plus test/fixtures/l7/shadowing): an HTTPRoute rule
// or Ingress path shows where it is served, its backends with weight, port and ready
// endpoints (or why not), what shadows it (file:line) and an example request that the
// tracer routes to that very rule; the Service hover lists the routes leading to it; the
// CodeLens on a rule runs Trace Request with that request.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis, WorkspaceFile } from '../../src/engine';
import { analyzeWorkspace, endpointsOfPort, traceRequest } from '../../src/engine';
import { TRACE_COMMAND, urlTraceArgsOf, urlTraceRequest } from '../../src/extension/commands';
import type { UrlTraceArgs } from '../../src/extension/commands';
import { AnalysisService } from '../../src/extension/service/analysisService';

const FOLDER = 'file:///ws';

function exampleFiles(name: string): WorkspaceFile[] {
  return readdirSync(join('examples', name))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${name}/${f}`, text: readFileSync(join('examples', name, f), 'utf8') }));
}

function shadowing(file: string): WorkspaceFile {
  return {
    path: `shadowing/${file}`,
    text: readFileSync(join('test', 'fixtures', 'l7', 'shadowing', file), 'utf8'),
  };
}

interface Workspace {
  service: AnalysisService;
  files: WorkspaceFile[];
  analysis: Analysis;
}

async function workspace(files: WorkspaceFile[]): Promise<Workspace> {
  const service = new AnalysisService({ pause: () => Promise.resolve() });
  await service.handle({ op: 'files', folder: FOLDER, full: true, set: files, delete: [] });
  const answer = await service.handle({
    op: 'analyze',
    folder: FOLDER,
    full: true,
    profile: null,
    limits: {},
  });
  assert.ok('summary' in answer, 'analysed');
  return { service, files, analysis: analyzeWorkspace({ files }) };
}

/** The 1-based line of the `nth` line of `path` containing `needle`. */
function lineOf(ws: Workspace, path: string, needle: string, nth = 0): number {
  const file = ws.files.find((f) => f.path === path);
  assert.ok(file, path);
  const hits = file.text
    .split('\n')
    .map((l, i) => (l.includes(needle) ? i + 1 : 0))
    .filter((i) => i > 0);
  const line = hits[nth];
  assert.ok(line !== undefined, `${path} has "${needle}" #${nth + 1}`);
  return line;
}

async function hoverAt(ws: Workspace, path: string, line: number): Promise<string> {
  const answer = await ws.service.handle({
    op: 'hover',
    folder: FOLDER,
    path,
    line,
    column: 12,
    kubeProxyMode: null,
  });
  assert.ok(answer, `a hover at ${path}:${line}`);
  assert.ok(answer.commands.includes(TRACE_COMMAND), 'the trace link is trusted');
  return answer.markdown;
}

/** The Trace Request arguments of the hover's `▶ Trace request` link. */
function traceLink(markdown: string): UrlTraceArgs {
  const m = /\]\(command:kubepath\.traceRequest\?([^ )]+)/.exec(markdown);
  assert.ok(m?.[1], `a trace link in\n${markdown}`);
  const args = JSON.parse(decodeURIComponent(m[1])) as unknown[];
  const parsed = urlTraceArgsOf(args[0]);
  assert.ok(parsed, 'URL arguments');
  return parsed;
}

/** The rule the engine's tracer routes the request of `args` to (`ns/name` and index). */
function tracedRule(analysis: Analysis, args: UrlTraceArgs): { route: string | null; rule: number | null } {
  const request = urlTraceRequest(args);
  const trace = traceRequest(analysis, request.target, {
    from: { kind: 'internet' },
    ...(request.method ? { method: request.method } : {}),
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.gateway ? { gateway: request.gateway } : {}),
  });
  assert.ok(trace.l7, `an L7 hop for ${request.target}`);
  return { route: trace.l7.route, rule: trace.l7.rule };
}

function readyOf(analysis: Analysis, namespace: string, name: string, port: number): number {
  const s = analysis.services.find(
    (x) => x.service.metadata.namespace === namespace && x.service.metadata.name === name,
  );
  const p = s?.service.ports.find((x) => x.port === port);
  assert.ok(s && p, `Service ${namespace}/${name} port ${port}`);
  return new Set(
    endpointsOfPort(s, p)
      .filter((e) => e.ready)
      .map((e) => e.ip),
  ).size;
}

void describe('hover on an HTTPRoute rule (examples/gateway)', () => {
  void it('the weighted rule: both listeners, each backend with weight, port and ready endpoints, a request that reaches it', async () => {
    const ws = await workspace(exampleFiles('gateway'));
    const md = await hoverAt(ws, 'gateway/routes.yaml', lineOf(ws, 'gateway/routes.yaml', 'weight: 90'));
    assert.match(md, /^\*\*HTTPRoute shop\/storefront rule 2\*\* · HTTP 200/);
    assert.match(md, /- `PathPrefix \/cart`/);
    assert.match(
      md,
      /- Gateway `shop\/web` listeners `http` \(HTTP :80\), `https` \(HTTPS :443\) for `shop\.example\.com` · `[\d.]+` \*\(predicted\)\*$/m,
    );
    // Backends come first (a hover shows its top without scrolling).
    assert.ok(md.indexOf('Backends:') < md.indexOf('Serves:'), md);
    const cart = readyOf(ws.analysis, 'shop', 'cart', 8080);
    const canary = readyOf(ws.analysis, 'shop', 'cart-canary', 8080);
    assert.ok(cart > 0 && canary > 0, 'both backends have ready pods');
    assert.ok(
      md.includes(`- Service \`shop/cart\` port \`8080\` · weight 90 (90%) · ${cart} ready endpoints`),
      md,
    );
    assert.ok(
      md.includes(
        `- Service \`shop/cart-canary\` port \`8080\` · weight 10 (10%) · ${canary} ready endpoint${canary === 1 ? '' : 's'}`,
      ),
      md,
    );
    assert.doesNotMatch(md, /Shadowed/);
    const args = traceLink(md);
    assert.equal(args.url, 'http://shop.example.com/cart');
    assert.equal(args.folder, FOLDER);
    assert.equal(args.gateway, 'shop/web');
    assert.deepEqual(tracedRule(ws.analysis, args), { route: 'shop/storefront', rule: 1 });
  });

  void it('the header rule: its example carries the header, and the tracer takes it to that rule', async () => {
    const ws = await workspace(exampleFiles('gateway'));
    const md = await hoverAt(ws, 'gateway/routes.yaml', lineOf(ws, 'gateway/routes.yaml', 'name: X-Canary'));
    assert.match(md, /^\*\*HTTPRoute shop\/storefront rule 1\*\*/);
    assert.match(md, /`PathPrefix \/cart, header X-Canary: true`/);
    assert.match(md, /Example: `http:\/\/shop\.example\.com\/cart -H 'X-Canary: true'`/);
    const args = traceLink(md);
    assert.deepEqual(args.headers, [['X-Canary', 'true']]);
    assert.deepEqual(tracedRule(ws.analysis, args), { route: 'shop/storefront', rule: 0 });
    // Its single backend has no weight to show.
    assert.match(md, /- Service `shop\/cart-canary` port `8080` · \d+ ready endpoints?$/m);
  });

  void it('on a backendRef line: the rule that holds it; on the route name: one line per rule', async () => {
    const ws = await workspace(exampleFiles('gateway'));
    const md = await hoverAt(ws, 'gateway/routes.yaml', lineOf(ws, 'gateway/routes.yaml', 'name: frontend'));
    assert.match(md, /^\*\*HTTPRoute shop\/storefront rule 3\*\*/);
    assert.match(md, /- `PathPrefix \/`/);
    const summary = await ws.service.handle({
      op: 'hover',
      folder: FOLDER,
      path: 'gateway/routes.yaml',
      line: lineOf(ws, 'gateway/routes.yaml', 'name: storefront'),
      column: 9,
      kubeProxyMode: null,
    });
    assert.ok(summary);
    assert.match(summary.markdown, /^\*\*HTTPRoute shop\/storefront\*\* · 3 rules/);
    assert.match(summary.markdown, /`shop\.example\.com\/cart` → `cart 90%`, `cart-canary 10%`/);
  });
});

void describe('hover on an Ingress path (examples/ingress)', () => {
  void it('the /api path: the class that serves the host, the backend port and endpoints, a request routed there', async () => {
    const ws = await workspace(exampleFiles('ingress'));
    const md = await hoverAt(ws, 'ingress/ingress.yaml', lineOf(ws, 'ingress/ingress.yaml', 'path: /api'));
    assert.match(md, /^\*\*Ingress store\/api rule 1 path 1\*\* · HTTP 200/);
    assert.match(md, /- `Prefix \/api`/);
    assert.match(md, /ingress class `nginx` \(HTTP :80\) for `shop\.example\.com`/);
    const ready = readyOf(ws.analysis, 'store', 'api', 8080);
    assert.ok(md.includes(`- Service \`store/api\` port \`8080\` · ${ready} ready endpoint`), md);
    const args = traceLink(md);
    assert.equal(args.url, 'http://shop.example.com/api');
    assert.equal(args.gateway, undefined);
    const trace = traceRequest(ws.analysis, args.url, { from: { kind: 'internet' } });
    assert.equal(trace.l7?.kind, 'ingress');
    assert.equal(trace.l7?.route, 'store/api');
    assert.deepEqual(trace.l7?.backend?.service, { namespace: 'store', name: 'api' });
  });

  void it('the named port of the / path resolves to the Service port number', async () => {
    const ws = await workspace(exampleFiles('ingress'));
    const md = await hoverAt(ws, 'ingress/ingress.yaml', lineOf(ws, 'ingress/ingress.yaml', 'name: http'));
    assert.match(md, /^\*\*Ingress store\/storefront rule 1 path 1\*\*/);
    const web = ws.analysis.services.find((s) => s.service.metadata.name === 'web');
    const port = web?.service.ports.find((p) => p.name === 'http')?.port;
    assert.ok(port !== undefined);
    assert.ok(md.includes(`- Service \`store/web\` port \`${port}\``), md);
  });
});

void describe('shadowed rules (test/fixtures/l7/shadowing)', () => {
  void it('an HTTPRoute rule whose every request an older rule takes says which, with file:line, and offers no request', async () => {
    const ws = await workspace([...exampleFiles('gateway'), shadowing('gateway-routes.yaml')]);
    const path = 'shadowing/gateway-routes.yaml';
    const md = await ws.service.handle({
      op: 'hover',
      folder: FOLDER,
      path,
      line: lineOf(ws, path, 'value: /cart'),
      column: 12,
      kubeProxyMode: null,
    });
    assert.ok(md);
    const winner = lineOf(ws, 'gateway/routes.yaml', '- matches:', 1);
    assert.match(
      md.markdown,
      /^\*\*HTTPRoute shop\/storefront\\-v2 rule 1\*\* · shadowed: no request reaches it/,
    );
    assert.ok(
      md.markdown.includes(
        `taken by a rule that comes first: HTTPRoute shop/storefront rule 2 ([gateway/routes\\.yaml:${winner}](${FOLDER}/gateway/routes.yaml#L${winner}))`,
      ),
      md.markdown,
    );
    assert.doesNotMatch(md.markdown, /Trace request/);
    // The Exact rule beside it wins over both prefixes; its missing backend says why.
    const exact = await hoverAt(ws, path, lineOf(ws, path, 'value: /cart/checkout'));
    assert.doesNotMatch(exact, /Shadowed/);
    assert.match(exact, /- Service `shop\/missing` port `8080` · weight 1 \(50%\) · \*BackendNotFound: /);
    assert.deepEqual(tracedRule(ws.analysis, traceLink(exact)), { route: 'shop/storefront-v2', rule: 1 });
  });

  void it('an Ingress path defined again by a newer Ingress names the path that wins', async () => {
    const ws = await workspace([...exampleFiles('ingress'), shadowing('ingress-copy.yaml')]);
    const path = 'shadowing/ingress-copy.yaml';
    const md = await ws.service.handle({
      op: 'hover',
      folder: FOLDER,
      path,
      line: lineOf(ws, path, 'path: /api'),
      column: 12,
      kubeProxyMode: null,
    });
    assert.ok(md);
    const winner = lineOf(ws, 'ingress/ingress.yaml', 'path: /api', 0);
    assert.match(md.markdown, /^\*\*Ingress store\/api\\-v2 rule 1 path 1\*\* · shadowed/);
    assert.ok(
      md.markdown.includes(`Ingress store/api rule 1 path 1 ([ingress/ingress\\.yaml:${winner}]`),
      md.markdown,
    );
    const fallback = await ws.service.handle({
      op: 'hover',
      folder: FOLDER,
      path,
      line: lineOf(ws, path, 'defaultBackend'),
      column: 5,
      kubeProxyMode: null,
    });
    assert.ok(fallback);
    assert.match(fallback.markdown, /^\*\*Ingress store\/api\\-v2 defaultBackend\*\*/);
    assert.match(fallback.markdown, /for any host/);
  });
});

void describe('the Service hover lists the routes leading to it', () => {
  void it('cart: the weighted rule with its host, path and share; frontend: the shadowed rule marked', async () => {
    const ws = await workspace([...exampleFiles('gateway'), shadowing('gateway-routes.yaml')]);
    const cart = await hoverAt(ws, 'gateway/apps.yaml', lineOf(ws, 'gateway/apps.yaml', 'name: cart', 0));
    assert.match(cart, /^\*\*Service shop\/cart\*\*/);
    const routes = cart.slice(cart.indexOf('Routes leading here:')).split('\n');
    assert.ok(routes.length > 1, cart);
    assert.match(
      routes[1] ?? '',
      /^- HTTPRoute shop\/storefront rule 2 \(\[gateway\/routes\\\.yaml:\d+\]\(.*\)\) · `shop\.example\.com\/cart` · 90% of its requests$/,
    );
    assert.match(
      routes[2] ?? '',
      /^- HTTPRoute shop\/storefront\\-v2 rule 2 .* · `shop\.example\.com\/cart\/checkout` · 50% of its requests$/,
    );
    const frontend = await hoverAt(
      ws,
      'gateway/apps.yaml',
      lineOf(ws, 'gateway/apps.yaml', 'name: frontend', 0),
    );
    assert.match(frontend, /- HTTPRoute shop\/storefront rule 3 .* · `shop\.example\.com\/`$/m);
    assert.match(
      frontend,
      /- HTTPRoute shop\/storefront\\-v2 rule 1 .* · \*shadowed: no request reaches it\*$/m,
    );
  });

  void it('a Service no route sends to has no routes section', async () => {
    const ws = await workspace(exampleFiles('nginx'));
    const md = await hoverAt(ws, 'nginx/service.yaml', lineOf(ws, 'nginx/service.yaml', 'name: nginx'));
    assert.doesNotMatch(md, /Routes leading here/);
  });
});

void describe('CodeLens "Trace request" on each rule and path', () => {
  void it('examples/gateway: one lens per rule, on its line, whose URL, method and headers the trace command routes to that rule', async () => {
    const ws = await workspace(exampleFiles('gateway'));
    const lenses = await ws.service.handle({ op: 'lenses', folder: FOLDER, path: 'gateway/routes.yaml' });
    const ruleLines = [
      lineOf(ws, 'gateway/routes.yaml', '- matches:', 0),
      lineOf(ws, 'gateway/routes.yaml', '- matches:', 1),
      lineOf(ws, 'gateway/routes.yaml', '- backendRefs:', 0),
    ];
    assert.deepEqual(
      lenses.map((l) => l.line + 1),
      ruleLines,
      'a lens on the first line of each rule',
    );
    assert.equal(
      lenses[0]?.title,
      '▶ Trace request · GET http://shop.example.com/cart X-Canary: true → cart-canary',
    );
    assert.equal(
      lenses[1]?.title,
      '▶ Trace request · GET http://shop.example.com/cart → cart 90%, cart-canary 10%',
    );
    for (const [i, lens] of lenses.entries()) {
      const args = urlTraceArgsOf(lens.args);
      assert.ok(args, `lens ${i + 1} carries URL arguments`);
      assert.equal(args.folder, FOLDER);
      assert.equal(args.gateway, 'shop/web');
      assert.deepEqual(tracedRule(ws.analysis, args), { route: 'shop/storefront', rule: i });
      // What Trace Request sends the worker for these arguments, and what it answers.
      const request = urlTraceRequest(args);
      assert.deepEqual(request.from, { kind: 'internet' });
      assert.equal(request.target, args.url);
      const answer = await ws.service.handle({ op: 'trace', folder: FOLDER, request });
      assert.ok(answer.ok, `traced ${args.url}`);
      assert.equal(answer.outcome, 'reached');
      assert.match(answer.text, /shop\/storefront/);
      assert.ok(answer.backend, 'the backend the L7 hop chose');
      assert.equal(answer.backend.namespace, 'shop');
    }
    assert.deepEqual(urlTraceArgsOf(lenses[0]?.args)?.headers, [['X-Canary', 'true']]);
    assert.equal(urlTraceRequest(urlTraceArgsOf(lenses[0]?.args)!).headers?.[0]?.[0], 'X-Canary');
  });

  void it('a shadowed rule gets a lens that names what shadows it, with no command; an Ingress path a plain http URL', async () => {
    const ws = await workspace([...exampleFiles('gateway'), shadowing('gateway-routes.yaml')]);
    const lenses = await ws.service.handle({
      op: 'lenses',
      folder: FOLDER,
      path: 'shadowing/gateway-routes.yaml',
    });
    assert.equal(lenses.length, 2);
    assert.equal(lenses[0]?.args, null);
    assert.equal(lenses[0]?.title, 'Shadowed by HTTPRoute shop/storefront rule 2');
    assert.equal(urlTraceArgsOf(lenses[1]?.args)?.url, 'http://shop.example.com/cart/checkout');
    const ing = await workspace(exampleFiles('ingress'));
    const paths = await ing.service.handle({ op: 'lenses', folder: FOLDER, path: 'ingress/ingress.yaml' });
    assert.deepEqual(
      paths.map((l) => urlTraceArgsOf(l.args)?.url),
      ['http://shop.example.com/', 'http://shop.example.com/api', 'http://shop.example.com/api/healthz'],
    );
    for (const l of paths) {
      const args = urlTraceArgsOf(l.args)!;
      assert.equal(args.gateway, undefined);
      const answer = await ing.service.handle({
        op: 'trace',
        folder: FOLDER,
        request: urlTraceRequest(args),
      });
      assert.ok(answer.ok && answer.outcome === 'reached', `traced ${args.url}`);
    }
  });

  void it('the trace command refuses arguments that are not an http(s) URL, and keeps only well-formed headers', () => {
    assert.equal(urlTraceArgsOf({ url: 'file:///etc/passwd' }), undefined);
    assert.equal(urlTraceArgsOf({ namespace: 'shop', name: 'cart' }), undefined);
    assert.deepEqual(
      urlTraceArgsOf({ url: 'https://a.example/x', method: 'GET; rm', headers: [['A', 'b'], ['bad'], 3] }),
      { url: 'https://a.example/x', headers: [['A', 'b']] },
    );
  });
});
