// The Gateway API conformance suite's HTTPRoute routing and status expectations (v1.6.1;
// test/fixtures/l7/gateway-api, README there) through the engine's L7 front door: each
// upstream manifest is analysed with the suite's base manifests, each request is routed by
// the Gateway the Go test sends it to, and each asserted route condition is compared. A case
// listed in known-gaps.json runs too, is skipped with its reason, and fails if it now passes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import type { Analysis } from '../../src/engine';
import { analyzeWorkspace } from '../../src/engine';
import { chooseFrontDoor, decideRequest, l7Analysis, routeConditions } from '../../src/engine/l7';
import type { L7Decision } from '../../src/engine/l7';

const DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'l7', 'gateway-api');

interface ConformanceRequest {
  gateway: string;
  scheme?: 'http' | 'https';
  host?: string;
  port?: number;
  sni?: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  without?: { kind: string; namespace: string; name: string }[];
  expect: {
    status: number;
    backend?: { namespace: string; name: string };
    weights?: Record<string, number>;
  };
}

interface ConformanceCondition {
  route: string;
  gateway: string;
  type: string;
  status: string;
  reason: string;
}

/** GatewayStatusMustHaveListeners' AttachedRoutes; listener null: GatewayMustHaveZeroRoutes (all of them). */
interface ConformanceListener {
  gateway: string;
  listener: string | null;
  attachedRoutes: number;
}

interface ConformanceTest {
  name: string;
  manifest: string;
  requests: ConformanceRequest[];
  conditions: ConformanceCondition[];
  listeners: ConformanceListener[];
}

const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { tests: ConformanceTest[] };
const knownGaps = JSON.parse(readFileSync(join(DIR, 'known-gaps.json'), 'utf8')) as Record<string, string>;

/** What the suite's `--gateway-class` flag provides: a GatewayClass the controller accepts. */
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

/** The manifest without the documents the Go test deletes before a request. */
function without(text: string, objects: ConformanceRequest['without']): string {
  if (!objects) return text;
  return text
    .split(/^---$/m)
    .filter(
      (doc) =>
        !objects.some(
          (o) =>
            new RegExp(`^kind: ${o.kind}$`, 'm').test(doc) &&
            new RegExp(`^ {2}name: ${o.name}$`, 'm').test(doc) &&
            new RegExp(`^ {2}namespace: ${o.namespace}$`, 'm').test(doc),
        ),
    )
    .join('---');
}

const analyses = new Map<string, Analysis>();
function analysisFor(test: ConformanceTest, drop?: ConformanceRequest['without']): Analysis {
  const key = `${test.manifest}|${JSON.stringify(drop ?? [])}`;
  let analysis = analyses.get(key);
  if (!analysis) {
    const manifest = readFileSync(join(DIR, test.manifest), 'utf8');
    analysis = analyzeWorkspace({
      files: [
        {
          path: 'base-manifests.yaml',
          text: withClass(readFileSync(join(DIR, 'base-manifests.yaml'), 'utf8')),
        },
        { path: 'gatewayclass.yaml', text: GATEWAY_CLASS },
        { path: test.manifest, text: withClass(without(manifest, drop)) },
      ],
    });
    analyses.set(key, analysis);
  }
  return analysis;
}

/** The workloads whose pods the decision's backends reach (the suite identifies a backend by its pod). */
function reachedWorkloads(analysis: Analysis, decision: L7Decision): Map<string, number> {
  const out = new Map<string, number>();
  if (decision.kind !== 'gateway') return out;
  for (const b of decision.backends) {
    if (b.share === 0 || b.backend.problem !== null || !b.backend.service) continue;
    const pods = b.backend.service.endpointSlices.flatMap((s) =>
      s.endpoints.filter((e) => e.conditions.ready !== false).map((e) => e.targetRef?.name ?? ''),
    );
    for (const pod of new Set(pods)) {
      const workload = analysis.workloads.find((w) => w.pods.some((p) => p.metadata.name === pod));
      const name = workload ? `${workload.namespace}/${workload.name}` : pod;
      out.set(name, (out.get(name) ?? 0) + b.share / new Set(pods).size);
    }
  }
  return out;
}

/** Null when the engine answers as the suite expects, else what differed. */
function runRequest(test: ConformanceTest, r: ConformanceRequest): string | null {
  const analysis = analysisFor(test, r.without);
  const scheme = r.scheme ?? 'http';
  const port = r.port ?? (scheme === 'https' ? 443 : 80);
  const choice = chooseFrontDoor(analysis, { scheme, host: r.host ?? '', port }, r.gateway);
  if (choice === null || 'error' in choice) return `no front door: ${choice ? choice.error : 'none'}`;
  const address = choice.address?.address ?? '';
  const [path = '/', query = ''] = r.path.split('?', 2);
  const decision = decideRequest(analysis, choice, {
    scheme,
    host: r.host ?? address,
    port,
    path,
    query,
    method: r.method ?? 'GET',
    headers: Object.entries(r.headers ?? {}),
    sni: r.sni ?? null,
  });
  if (decision.httpStatus !== r.expect.status) {
    return `status ${decision.httpStatus} (${decision.reason}), want ${r.expect.status}`;
  }
  const reached = reachedWorkloads(analysis, decision);
  if (r.expect.backend) {
    const want = `${r.expect.backend.namespace}/${r.expect.backend.name}`;
    if (reached.size !== 1 || !reached.has(want)) {
      return `reaches ${[...reached.keys()].join(', ') || 'nothing'}, want ${want}`;
    }
  }
  if (r.expect.weights) {
    for (const [name, weight] of Object.entries(r.expect.weights)) {
      const got = reached.get(`gateway-conformance-infra/${name}`) ?? 0;
      if (Math.abs(got - weight) > 1e-9) return `${name} gets ${got}, want ${weight}`;
    }
  }
  return null;
}

function runCondition(test: ConformanceTest, c: ConformanceCondition): string | null {
  const [rns = '', rname = ''] = c.route.split('/');
  const [gns = '', gname = ''] = c.gateway.split('/');
  const conditions = routeConditions(
    analysisFor(test),
    { namespace: rns, name: rname },
    { namespace: gns, name: gname },
  );
  const found = conditions.find((x) => x.type === c.type);
  if (!found) return `no ${c.type} condition (conditions: ${JSON.stringify(conditions)})`;
  if (found.status !== c.status || found.reason !== c.reason) {
    return `${c.type} ${found.status} ${found.reason}, want ${c.status} ${c.reason}`;
  }
  return null;
}

function runListener(test: ConformanceTest, l: ConformanceListener): string | null {
  const [ns = '', name = ''] = l.gateway.split('/');
  const status = l7Analysis(analysisFor(test)).gateways.gateways.find(
    (g) => g.gateway.namespace === ns && g.gateway.name === name,
  );
  if (!status) return `no Gateway ${l.gateway}`;
  const listeners = status.listeners.filter((x) => l.listener === null || x.listener.name === l.listener);
  if (listeners.length === 0) return `no listener ${l.listener ?? ''}`;
  const attached = listeners.reduce((sum, x) => sum + x.attachedRoutes, 0);
  return attached === l.attachedRoutes ? null : `${attached} attached routes, want ${l.attachedRoutes}`;
}

function check(t: TestContext, name: string, outcome: string | null): void {
  const gap = knownGaps[name];
  if (gap !== undefined) {
    assert.notEqual(outcome, null, `${name} is listed in known-gaps.json but now passes: remove it`);
    t.skip(gap);
    return;
  }
  assert.equal(outcome, null, outcome ?? '');
}

function caseNames(test: ConformanceTest): { requests: string[]; conditions: string[]; listeners: string[] } {
  return {
    requests: test.requests.map(
      (r, i) =>
        `${test.name} #${i + 1} ${r.scheme === 'https' ? `https sni=${r.sni ?? ''} ` : ''}${r.method ?? 'GET'} ${r.host ?? ''}${r.path}`,
    ),
    conditions: test.conditions.map((c, i) => `${test.name} condition #${i + 1} ${c.route} ${c.type}`),
    listeners: test.listeners.map(
      (l, i) => `${test.name} listener #${i + 1} ${l.gateway} ${l.listener ?? '(all)'} attachedRoutes`,
    ),
  };
}

let passed = 0;
let total = 0;
for (const test of cases.tests) {
  void describe(`conformance: ${test.name}`, () => {
    const names = caseNames(test);
    test.requests.forEach((r, i) => {
      const name = names.requests[i] ?? '';
      void it(name, (t) => {
        const outcome = runRequest(test, r);
        total++;
        if (outcome === null) passed++;
        check(t, name, outcome);
      });
    });
    test.conditions.forEach((c, i) => {
      const name = names.conditions[i] ?? '';
      void it(name, (t) => {
        const outcome = runCondition(test, c);
        total++;
        if (outcome === null) passed++;
        check(t, name, outcome);
      });
    });
    test.listeners.forEach((l, i) => {
      const name = names.listeners[i] ?? '';
      void it(name, (t) => {
        const outcome = runListener(test, l);
        total++;
        if (outcome === null) passed++;
        check(t, name, outcome);
      });
    });
  });
}

void describe('conformance: known-gaps.json', () => {
  void it('lists only cases that exist, each with a reason', () => {
    const all = new Set(cases.tests.flatMap((t) => Object.values(caseNames(t)).flat()));
    for (const [name, reason] of Object.entries(knownGaps)) {
      assert.ok(all.has(name), `known-gaps.json lists unknown case ${name}`);
      assert.ok(reason.length > 20, `known-gaps.json: ${name} needs a specific reason`);
    }
  });
  void it('reports the pass count', (t) => {
    t.diagnostic(
      `Gateway API conformance (v1.6.1, HTTPRoute routing and status): ${passed}/${total} expectations pass`,
    );
    assert.ok(total > 0);
  });
});
