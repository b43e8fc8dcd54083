// The l7Routes query against the data plane it describes: every request it offers for a rule
// is routed to that rule by the Gateway or ingress controller, every rule it calls shadowed
// loses each of its matches' requests to a rule it names, the rules the Gateway API
// conformance expectations route to (test/fixtures/l7/gateway-api) are never called shadowed
// and list the backends the decision uses, and a Service lists the rules that send to it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis, L7Rule, L7RuleRef } from '../../src/engine';
import { analyzeWorkspace, l7Routes } from '../../src/engine';
import { chooseFrontDoor, decideRequest } from '../../src/engine/l7';
import type { L7Decision } from '../../src/engine/l7';
import { knownGaps } from './knownGaps';

const ROOT = join(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'l7', 'gateway-api');

function exampleFiles(dir: string): { path: string; text: string }[] {
  return ['apps.yaml', dir === 'gateway' ? 'gateway.yaml' : 'ingress.yaml', 'routes.yaml']
    .filter((f) => dir === 'gateway' || f !== 'routes.yaml')
    .map((f) => ({
      path: `examples/${dir}/${f}`,
      text: readFileSync(join(ROOT, 'examples', dir, f), 'utf8'),
    }));
}

const GATEWAY_CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: kubepath-conformance
spec:
  controllerName: kubepath.dev/conformance
`;

function withClass(text: string): string {
  return text.replaceAll('{GATEWAY_CLASS_NAME}', 'kubepath-conformance');
}

/** Every HTTPRoute of a manifest again, as `<name>-copy`: namespace/name makes the original win every tie. */
function withCopies(text: string): string {
  return text
    .split(/^---$/m)
    .filter((doc) => /^kind: HTTPRoute$/m.test(doc))
    .map((doc) => doc.replace(/^( {2}name: )(\S+)$/m, '$1$2-copy'))
    .join('---\n');
}

function conformanceAnalysis(manifest: string, copies = false): Analysis {
  const text = withClass(readFileSync(join(DIR, manifest), 'utf8'));
  return analyzeWorkspace({
    files: [
      {
        path: 'base-manifests.yaml',
        text: withClass(readFileSync(join(DIR, 'base-manifests.yaml'), 'utf8')),
      },
      { path: 'gatewayclass.yaml', text: GATEWAY_CLASS },
      { path: manifest, text },
      ...(copies ? [{ path: `copy-${manifest}`, text: `---\n${withCopies(text)}` }] : []),
    ],
  });
}

function allRules(analysis: Analysis): L7Rule[] {
  const seen = new Set<string>();
  const out: L7Rule[] = [];
  for (const o of analysis.objects) {
    const kind = o.kind === 'HTTPRoute' ? 'httproute' : o.kind === 'Ingress' ? 'ingress' : null;
    if (kind === null || seen.has(`${kind}:${o.namespace}/${o.name}`)) continue;
    seen.add(`${kind}:${o.namespace}/${o.name}`);
    out.push(...l7Routes(analysis, { route: { kind, namespace: o.namespace, name: o.name } }));
  }
  return out;
}

interface Probe {
  url: string;
  method: string;
  headers: [string, string][];
  gateway: string | null;
  /** The listener the probe is meant for (null: Ingress). */
  listener?: string | null;
}

function send(analysis: Analysis, probe: Probe): L7Decision {
  const url = new URL(probe.url);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const choice = chooseFrontDoor(analysis, { scheme, host: url.hostname, port }, probe.gateway ?? undefined);
  assert.ok(choice && !('error' in choice), `a front door for ${probe.url}`);
  return decideRequest(analysis, choice, {
    scheme,
    host: url.host,
    port,
    path: url.pathname,
    query: url.search.slice(1),
    method: probe.method,
    headers: probe.headers,
    sni: null,
  });
}

/** The rule a decision took, as l7Routes names rules. */
function decidedRef(d: L7Decision): Omit<L7RuleRef, 'source' | 'ruleName'> | null {
  if (d.kind === 'gateway') {
    return d.route && d.rule
      ? {
          kind: 'httproute',
          namespace: d.route.namespace,
          name: d.route.name,
          rule: d.rule.index,
          path: null,
        }
      : null;
  }
  if (d.entry) {
    return {
      kind: 'ingress',
      namespace: d.entry.ingress.namespace,
      name: d.entry.ingress.name,
      rule: d.entry.path.rule,
      path: d.entry.path.index,
    };
  }
  return null;
}

function sameRule(a: Omit<L7RuleRef, 'source' | 'ruleName'> | null, b: L7RuleRef): boolean {
  return (
    a !== null &&
    a.kind === b.kind &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.rule === b.rule &&
    a.path === b.path
  );
}

function refText(r: Omit<L7RuleRef, 'source' | 'ruleName'> | null): string {
  return r
    ? `${r.kind} ${r.namespace}/${r.name} #${r.rule}${r.path === null ? '' : `/${r.path}`}`
    : 'no rule';
}

/** Requests built from a match (its path and a deeper one, each method when it names none). */
function probesOf(rule: L7Rule, match: L7Rule['matches'][number]): Probe[] {
  const out: Probe[] = [];
  for (const a of rule.attachments) {
    for (const pattern of a.hostnames ?? [a.address]) {
      if (pattern === null) continue;
      const host = pattern.startsWith('*.') ? `www${pattern.slice(1)}` : pattern;
      const scheme = a.protocol === 'HTTPS' ? 'https' : 'http';
      const query = match.queryParams.map((q) => `${q.name}=${q.value}`).join('&');
      const paths =
        match.pathType === 'Exact' ? [match.path] : [match.path, `${match.path.replace(/\/+$/, '')}/x`];
      for (const path of paths) {
        for (const method of match.method ? [match.method] : ['GET', 'POST', 'DELETE']) {
          out.push({
            url: `${scheme}://${host}:${a.port}${path}${query ? `?${query}` : ''}`,
            method,
            headers: match.headers.map((h): [string, string] => [h.name, h.value]),
            gateway: a.gateway,
            listener: a.listener,
          });
        }
      }
    }
  }
  return out;
}

/** What l7Routes says about every rule, checked against the data plane. */
function checkAgainstDataPlane(analysis: Analysis, rules: readonly L7Rule[]): void {
  for (const rule of rules) {
    for (const request of rule.requests) {
      const d = send(analysis, request);
      assert.ok(
        sameRule(decidedRef(d), rule.ref),
        `${rule.label}: ${request.method} ${request.url} is routed to ${refText(decidedRef(d))}`,
      );
    }
    for (const match of rule.matches) {
      if (match.shadowedBy.length === 0) continue;
      for (const probe of probesOf(rule, match)) {
        const d = send(analysis, probe);
        // A host another listener serves never meets this one (listener isolation).
        if (d.kind === 'gateway' && (d.listener?.name ?? null) !== probe.listener) continue;
        const taken = decidedRef(d);
        // The shadowing rule, or one that comes before it for this request.
        assert.ok(
          taken !== null,
          `${rule.label} is shadowed by ${match.shadowedBy.map((s) => refText(s)).join(', ')}, but no rule takes ${probe.method} ${probe.url}`,
        );
        assert.ok(!sameRule(taken, rule.ref), `${rule.label}: a shadowed rule takes ${probe.url}`);
      }
    }
  }
}

void describe('l7Routes on examples/gateway', () => {
  const analysis = analyzeWorkspace({ files: exampleFiles('gateway') });
  const routes = readFileSync(join(ROOT, 'examples', 'gateway', 'routes.yaml'), 'utf8').split('\n');
  const lineOf = (text: string, from = 0): number =>
    routes.findIndex((l, i) => i >= from && l.includes(text)) + 1;

  void it('a backendRef line names its rule: the 90/10 split with each Service’s ready endpoints', () => {
    const line = lineOf('weight: 90');
    const [rule, ...more] = l7Routes(analysis, { file: 'examples/gateway/routes.yaml', line });
    assert.ok(rule);
    assert.equal(more.length, 0);
    assert.equal(rule.ref.rule, 1);
    const services = new Map(analysis.services.map((s) => [s.service.metadata.name, s]));
    assert.deepEqual(
      rule.backends.map((b) => [b.service.name, b.port, b.share, b.problem]),
      [
        ['cart', 8080, 0.9, null],
        ['cart-canary', 8080, 0.1, null],
      ],
    );
    for (const b of rule.backends) {
      const pods = analysis.workloads.find((w) => w.name === b.service.name)?.pods.length;
      assert.equal(b.readyEndpoints, pods, `${b.service.name}: one ready endpoint per pod`);
      assert.ok(services.has(b.service.name));
    }
    assert.deepEqual(
      rule.attachments.map((a) => [a.gateway, a.listener, a.protocol, a.port, a.hostnames]),
      [
        ['shop/web', 'http', 'HTTP', 80, ['shop.example.com']],
        ['shop/web', 'https', 'HTTPS', 443, ['shop.example.com']],
      ],
    );
    assert.equal(rule.httpStatus, 200);
    assert.deepEqual(rule.shadowedBy, []);
  });

  void it('the route’s name line gives all its rules; a Service lists the rules that send to it', () => {
    assert.equal(
      l7Routes(analysis, { file: 'examples/gateway/routes.yaml', line: lineOf('name: storefront') }).length,
      3,
    );
    const canary = l7Routes(analysis, { service: { namespace: 'shop', name: 'cart-canary' } });
    assert.deepEqual(
      canary.map((r) => r.ref.rule),
      [0, 1],
    );
    assert.deepEqual(
      l7Routes(analysis, { service: { namespace: 'shop', name: 'frontend' } }).map((r) => r.ref.rule),
      [2],
    );
    assert.deepEqual(l7Routes(analysis, { service: { namespace: 'shop', name: 'nope' } }), []);
  });

  void it('requests offered for each rule reach it; the header rule needs its header', () => {
    const rules = allRules(analysis);
    assert.equal(rules.length, 3);
    for (const r of rules) assert.ok(r.requests.length > 0, `${r.label} offers a request`);
    const canary = rules[0]?.requests[0];
    assert.deepEqual(canary?.headers, [['X-Canary', 'true']]);
    checkAgainstDataPlane(analysis, rules);
  });

  void it('a copy of the route (newer by name) is shadowed rule by rule by the original', () => {
    const copy = routes.join('\n').replace('name: storefront', 'name: storefront-copy');
    const both = analyzeWorkspace({ files: [...exampleFiles('gateway'), { path: 'copy.yaml', text: copy }] });
    const rules = l7Routes(both, {
      route: { kind: 'httproute', namespace: 'shop', name: 'storefront-copy' },
    });
    assert.equal(rules.length, 3);
    for (const r of rules) {
      assert.deepEqual(
        r.shadowedBy.map((s) => [s.name, s.rule]),
        [['storefront', r.ref.rule]],
        r.label,
      );
      assert.deepEqual(r.requests, []);
    }
    checkAgainstDataPlane(both, allRules(both));
  });
});

void describe('l7Routes on examples/ingress', () => {
  const analysis = analyzeWorkspace({ files: exampleFiles('ingress') });
  const rules = allRules(analysis);

  void it('each path reaches its Service port with its endpoints, on the default class', () => {
    assert.deepEqual(
      rules.map((r) => [
        r.label,
        r.backends.map((b) => `${b.service.name}:${b.port}`),
        r.attachments.map((a) => a.ingressClass),
      ]),
      [
        ['Ingress store/storefront shop.example.com/ (Prefix)', ['web:80'], ['nginx']],
        ['Ingress store/api shop.example.com/api (Prefix)', ['api:8080'], ['nginx']],
        ['Ingress store/api shop.example.com/api/healthz (Exact)', ['api:8080'], ['nginx']],
      ],
    );
    for (const r of rules) {
      const service = analysis.services.find((s) => s.service.metadata.name === r.backends[0]?.service.name);
      assert.ok(service);
      assert.ok((r.backends[0]?.readyEndpoints ?? 0) > 0, `${r.label} has ready endpoints`);
      assert.deepEqual(r.shadowedBy, []);
    }
    checkAgainstDataPlane(analysis, rules);
  });

  void it('a path defined again by a newer Ingress is shadowed by the older one', () => {
    const text = readFileSync(join(ROOT, 'examples', 'ingress', 'ingress.yaml'), 'utf8');
    const api = text.slice(text.lastIndexOf('---'));
    const both = analyzeWorkspace({
      files: [
        ...exampleFiles('ingress'),
        { path: 'copy.yaml', text: api.replace('name: api', 'name: api-v2') },
      ],
    });
    const copies = l7Routes(both, { route: { kind: 'ingress', namespace: 'store', name: 'api-v2' } });
    assert.deepEqual(
      copies.map((r) => r.shadowedBy.map((s) => `${s.name} ${s.rule}/${s.path ?? ''}`)),
      [['api 0/0'], ['api 0/1']],
    );
    checkAgainstDataPlane(both, allRules(both));
  });
});

const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as {
  tests: {
    name: string;
    manifest: string;
    requests: {
      gateway: string;
      scheme?: 'http' | 'https';
      host?: string;
      port?: number;
      sni?: string;
      path: string;
      method?: string;
      headers?: Record<string, string>;
      without?: unknown[];
      expect: { status: number };
    }[];
  }[];
};

const gaps = knownGaps(join(DIR, 'routes-known-gaps.json'));

void describe('l7Routes on the Gateway API conformance manifests', () => {
  for (const test of cases.tests) {
    void describe(test.name, () => {
      const analysis = conformanceAnalysis(test.manifest);
      gaps.conformance(
        `${test.name}: requests offered reach their rule; shadowed rules lose every request`,
        () => checkAgainstDataPlane(analysis, allRules(analysis)),
      );
      test.requests.forEach((r, i) => {
        if (r.expect.status !== 200 || r.without) return;
        gaps.conformance(
          `${test.name} #${i + 1}: the rule taking ${r.method ?? 'GET'} ${r.host ?? ''}${r.path} is not shadowed and lists its backends`,
          () => {
            const scheme = r.scheme ?? 'http';
            const port = r.port ?? (scheme === 'https' ? 443 : 80);
            const choice = chooseFrontDoor(analysis, { scheme, host: r.host ?? '', port }, r.gateway);
            assert.ok(choice && !('error' in choice));
            const [path = '/', query = ''] = r.path.split('?', 2);
            const d = decideRequest(analysis, choice, {
              scheme,
              host: r.host ?? choice.address?.address ?? '',
              port,
              path,
              query,
              method: r.method ?? 'GET',
              headers: Object.entries(r.headers ?? {}),
              sni: r.sni ?? null,
            });
            const ref = decidedRef(d);
            assert.ok(ref && d.kind === 'gateway');
            const [rule] = l7Routes(analysis, {
              route: { kind: 'httproute', namespace: ref.namespace, name: ref.name },
              rule: ref.rule,
            });
            assert.ok(rule, refText(ref));
            assert.deepEqual(rule.shadowedBy, [], `${rule.label} takes this request`);
            const served = rule.matches.filter((m) => m.shadowedBy.length === 0);
            assert.ok(served.length > 0);
            assert.deepEqual(
              rule.backends.map((b) => [b.service.namespace, b.service.name, b.share]),
              d.backends.map((b) => [b.backend.ref.namespace, b.backend.ref.name, b.share]),
            );
            for (const b of d.backends) {
              if (b.backend.problem) continue;
              const back = l7Routes(analysis, {
                service: { namespace: b.backend.ref.namespace, name: b.backend.ref.name },
              });
              assert.ok(
                back.some((x) => sameRule(ref, x.ref)),
                `the Service ${b.backend.ref.name} lists ${rule.label}`,
              );
            }
          },
        );
      });
      const copied = conformanceAnalysis(test.manifest, true);
      gaps.conformance(`${test.name}: each rule of a copied route is shadowed by the original`, () => {
        const rules = allRules(copied);
        const copies = rules.filter((r) => r.ref.name.endsWith('-copy'));
        assert.ok(copies.length > 0);
        for (const r of copies) {
          if (r.attachments.length === 0) continue;
          assert.ok(r.shadowedBy.length > 0, `${r.label} is shadowed`);
          for (const s of r.shadowedBy) assert.equal(`${s.name}-copy`, r.ref.name, r.label);
        }
        checkAgainstDataPlane(copied, rules);
      });
    });
  }
  gaps.checkListed('l7Routes conformance');
});
