// HTTPRouteRule precedence beyond what the conformance suite exercises: ties between routes
// (the oldest creationTimestamp, then namespace/name), a PathPrefix's ignored trailing `/`,
// and the order of the match criteria (httproute_types.go, HTTPRouteRule.Matches).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../src/engine';
import { analyzeWorkspace } from '../../src/engine';
import { chooseFrontDoor, decideRequest } from '../../src/engine/l7';

const BASE = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: any
  listeners: [{name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}]
${['one', 'two', 'three']
  .map(
    (name) => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: apps}
spec: {selector: {app: ${name}}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: apps}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: nginx}]}`,
  )
  .join('\n')}
`;

function route(name: string, match: string, backend: string, extra = '', namespace = 'apps'): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: ${namespace}
${extra}spec:
  parentRefs: [{name: gw, namespace: apps}]
  rules:
    - matches: [${match}]
      backendRefs: [{name: ${backend}, namespace: apps, port: 80}]
`;
}

function backendFor(
  routes: string[],
  request: { path: string; method?: string; headers?: [string, string][]; query?: string },
): string | null {
  const analysis: Analysis = analyzeWorkspace({
    files: [{ path: 'all.yaml', text: BASE + routes.join('') }],
  });
  const choice = chooseFrontDoor(analysis, { scheme: 'http', host: 'any.example', port: 80 }, 'apps/gw');
  assert.ok(choice && !('error' in choice));
  const d = decideRequest(analysis, choice, {
    scheme: 'http',
    host: 'any.example',
    port: 80,
    path: request.path,
    query: request.query ?? '',
    method: request.method ?? 'GET',
    headers: request.headers ?? [],
    sni: null,
  });
  return d.kind === 'gateway' && d.httpStatus !== 404 ? (d.backends[0]?.backend.ref.name ?? null) : null;
}

const ZZZ_NAMESPACE = `---
apiVersion: v1
kind: Namespace
metadata: {name: zzz}
`;

void describe('HTTPRoute precedence', () => {
  void it('a tie between routes: the oldest creationTimestamp wins, whatever the names', () => {
    const older = route(
      'b-older',
      '{path: {type: PathPrefix, value: /}}',
      'one',
      '  creationTimestamp: "2024-01-01T00:00:00Z"\n',
    );
    const newer = route(
      'a-newer',
      '{path: {type: PathPrefix, value: /}}',
      'two',
      '  creationTimestamp: "2025-01-01T00:00:00Z"\n',
    );
    assert.equal(backendFor([newer, older], { path: '/x' }), 'one');
  });

  void it('then the first by namespace/name', () => {
    const b = route('b', '{path: {type: PathPrefix, value: /}}', 'one');
    const a = route('a', '{path: {type: PathPrefix, value: /}}', 'two', '', 'zzz');
    const c = route('c', '{path: {type: PathPrefix, value: /}}', 'three');
    // apps/b < apps/c < zzz/a
    assert.equal(backendFor([ZZZ_NAMESPACE, c, a, b], { path: '/x' }), 'one');
  });

  void it("a PathPrefix's trailing / is ignored: /foo/ matches /foo and counts as /foo", () => {
    assert.equal(
      backendFor([route('r', '{path: {type: PathPrefix, value: /foo/}}', 'one')], { path: '/foo' }),
      'one',
    );
    const slash = route('b-slash', '{path: {type: PathPrefix, value: /foo/}}', 'one');
    const bare = route('a-bare', '{path: {type: PathPrefix, value: /foo}}', 'two');
    // Equally long once the / is dropped: the tie goes to the first by name.
    assert.equal(backendFor([slash, bare], { path: '/foo/x' }), 'two');
  });

  void it('the criteria in order: Exact, longest prefix, method, headers, query parameters', () => {
    const exact = route('z-exact', '{path: {type: Exact, value: /a}}', 'one');
    const longer = route(
      'a-prefix',
      '{path: {type: PathPrefix, value: /a}, method: GET, headers: [{name: x, value: "1"}]}',
      'two',
    );
    assert.equal(backendFor([exact, longer], { path: '/a', headers: [['x', '1']] }), 'one');
    const method = route('z-method', '{path: {type: PathPrefix, value: /}, method: GET}', 'one');
    const headers = route(
      'a-headers',
      '{path: {type: PathPrefix, value: /}, headers: [{name: x, value: "1"}, {name: y, value: "2"}]}',
      'two',
    );
    assert.equal(
      backendFor([method, headers], {
        path: '/',
        headers: [
          ['x', '1'],
          ['y', '2'],
        ],
      }),
      'one',
    );
    const header = route(
      'z-header',
      '{path: {type: PathPrefix, value: /}, headers: [{name: x, value: "1"}]}',
      'one',
    );
    const query = route(
      'a-query',
      '{path: {type: PathPrefix, value: /}, queryParams: [{name: q, value: "1"}, {name: r, value: "2"}]}',
      'two',
    );
    assert.equal(backendFor([header, query], { path: '/', headers: [['X', '1']], query: 'q=1&r=2' }), 'one');
  });
});
