// Ingress path and host semantics: KEP-1453's path matching table and hostname examples
// (test/fixtures/l7/ingress/kep-1453-paths.json), then what an ingress controller adds:
// classes, rules merged across Ingresses, defaultBackend, ImplementationSpecific, and the
// findings on backends and shadowed paths.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Analysis } from '../../src/engine';
import { analyzeWorkspace } from '../../src/engine';
import { chooseFrontDoor, decideRequest, l7Diagnostics } from '../../src/engine/l7';

const TABLE = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', '..', 'test', 'fixtures', 'l7', 'ingress', 'kep-1453-paths.json'),
    'utf8',
  ),
) as {
  paths: { kind: string; paths: string[]; requests: string[]; matches: boolean; winner?: string }[];
  hosts: { host: string; request: string; matches: boolean }[];
};

const SERVICES = ['svc-0', 'svc-1', 'svc-2', 'fallback', 'web', 'api', 'other']
  .map(
    (name) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: nginx, ports: [{containerPort: 8080}]}]}
`,
  )
  .join('---\n');

const CLASS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
`;

function ingress(
  name: string,
  rules: { host?: string; paths: { path: string; type: string; service: string; port?: string }[] }[],
  extra = '',
): string {
  const body = rules
    .map(
      (r) =>
        `  - ${r.host !== undefined ? `host: "${r.host}"\n    ` : ''}http:
      paths:
${r.paths
  .map(
    (p) => `      - path: ${p.path}
        pathType: ${p.type}
        backend: {service: {name: ${p.service}, port: {${p.port ?? 'number: 80'}}}}`,
  )
  .join('\n')}`,
    )
    .join('\n');
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: shop
${extra}spec:
  rules:
${body}
`;
}

function analyse(...docs: string[]): Analysis {
  return analyzeWorkspace({
    files: [
      { path: 'services.yaml', text: SERVICES },
      { path: 'class.yaml', text: CLASS },
      ...docs.map((text, i) => ({ path: `ingress-${i}.yaml`, text })),
    ],
  });
}

function route(analysis: Analysis, host: string, path: string): ReturnType<typeof decideRequest> {
  const choice = chooseFrontDoor(analysis, { scheme: 'http', host, port: 80 });
  assert.ok(choice && !('error' in choice), `a front door for ${host}`);
  return decideRequest(analysis, choice, {
    scheme: 'http',
    host,
    port: 80,
    path,
    query: '',
    method: 'GET',
    headers: [],
    sni: null,
  });
}

function servedBy(analysis: Analysis, host: string, path: string): string | null {
  const d = route(analysis, host, path);
  assert.equal(d.kind, 'ingress');
  if (d.kind !== 'ingress' || !d.entry) return null;
  return `${d.entry.path.path} ${d.entry.path.pathType}`;
}

void describe('KEP-1453 path matching table', () => {
  for (const row of TABLE.paths) {
    const paths = row.paths.map((p) => {
      const [path = '', type = row.kind] = p.split(' ');
      return { path, type };
    });
    for (const request of row.requests) {
      void it(`${row.kind} ${row.paths.join(', ')} ← ${request}: ${row.matches ? 'matches' : 'no match'}`, () => {
        const analysis = analyse(
          ingress('table', [
            { host: 'foo.com', paths: paths.map((p, i) => ({ ...p, service: `svc-${i}` })) },
          ]),
        );
        const served = servedBy(analysis, 'foo.com', request);
        if (!row.matches) {
          assert.equal(served, null);
          assert.equal(route(analysis, 'foo.com', request).httpStatus, 404);
          return;
        }
        const winner = row.winner ?? `${paths[0]?.path ?? ''} ${paths[0]?.type ?? ''}`;
        const [path = '', type = row.kind] = winner.split(' ');
        assert.equal(served, `${path} ${type}`);
        assert.equal(route(analysis, 'foo.com', request).httpStatus, 200);
      });
    }
  }
});

void describe('KEP-1453 hostname wildcards', () => {
  for (const row of TABLE.hosts) {
    void it(`${row.host} ${row.matches ? 'matches' : 'does not match'} ${row.request}`, () => {
      const analysis = analyse(
        ingress('hosts', [
          { host: row.host, paths: [{ path: '/', type: 'Prefix', service: 'svc-0' }] },
          { host: 'other.example', paths: [{ path: '/', type: 'Prefix', service: 'other' }] },
        ]),
      );
      const choice = chooseFrontDoor(analysis, { scheme: 'http', host: 'other.example', port: 80 });
      assert.ok(choice && !('error' in choice));
      const d = decideRequest(analysis, choice, {
        scheme: 'http',
        host: row.request,
        port: 80,
        path: '/',
        query: '',
        method: 'GET',
        headers: [],
        sni: null,
      });
      assert.equal(d.kind === 'ingress' && d.entry !== null, row.matches);
    });
  }
});

void describe('ingress controller semantics', () => {
  void it('merges the rules of one host across the Ingresses of a class', () => {
    const analysis = analyse(
      ingress('web', [{ host: 'shop.example.com', paths: [{ path: '/', type: 'Prefix', service: 'web' }] }]),
      ingress('api', [
        { host: 'shop.example.com', paths: [{ path: '/api', type: 'Prefix', service: 'api' }] },
      ]),
    );
    assert.equal(servedBy(analysis, 'shop.example.com', '/api/cart'), '/api Prefix');
    assert.equal(servedBy(analysis, 'shop.example.com', '/cart'), '/ Prefix');
  });

  void it('an exact host beats a wildcard, which beats the rules without a host', () => {
    const analysis = analyse(
      ingress('hosts', [
        { paths: [{ path: '/', type: 'Prefix', service: 'fallback' }] },
        { host: '*.example.com', paths: [{ path: '/', type: 'Prefix', service: 'api' }] },
        { host: 'shop.example.com', paths: [{ path: '/', type: 'Prefix', service: 'web' }] },
      ]),
    );
    const service = (host: string): string | undefined => {
      const d = route(analysis, host, '/');
      return d.kind === 'ingress' ? d.backend?.service?.service.metadata.name : undefined;
    };
    assert.equal(service('shop.example.com'), 'web');
    assert.equal(service('api.example.com'), 'api');
    assert.equal(service('a.b.example.com'), 'fallback');
  });

  void it('ImplementationSpecific is matched as Prefix and marked as such', () => {
    const analysis = analyse(
      ingress('impl', [
        {
          host: 'shop.example.com',
          paths: [{ path: '/shop', type: 'ImplementationSpecific', service: 'web' }],
        },
      ]),
    );
    const d = route(analysis, 'shop.example.com', '/shop/cart');
    assert.equal(d.httpStatus, 200);
    assert.match(d.notes.join('\n'), /ImplementationSpecific .* treated as Prefix/);
  });

  void it('no path: the defaultBackend; no defaultBackend: 404', () => {
    const withDefault = analyse(
      ingress('web', [
        { host: 'shop.example.com', paths: [{ path: '/api', type: 'Prefix', service: 'api' }] },
      ]).replace('spec:\n', 'spec:\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n'),
    );
    const d = route(withDefault, 'shop.example.com', '/other');
    assert.equal(d.kind === 'ingress' ? d.backend?.service?.service.metadata.name : '', 'fallback');
    const none = analyse(
      ingress('web', [
        { host: 'shop.example.com', paths: [{ path: '/api', type: 'Prefix', service: 'api' }] },
      ]),
    );
    assert.equal(route(none, 'shop.example.com', '/other').httpStatus, 404);
  });

  void it('the backend port by name, and a missing Service or port as findings (503 at run time)', () => {
    const analysis = analyse(
      ingress('web', [
        {
          host: 'shop.example.com',
          paths: [
            { path: '/', type: 'Prefix', service: 'web', port: 'name: http' },
            { path: '/gone', type: 'Prefix', service: 'gone' },
            { path: '/bad', type: 'Prefix', service: 'api', port: 'number: 9999' },
          ],
        },
      ]),
    );
    assert.equal(route(analysis, 'shop.example.com', '/').httpStatus, 200);
    assert.equal(route(analysis, 'shop.example.com', '/gone').httpStatus, 503);
    const codes = l7Diagnostics(analysis).map((d) => `${d.code} ${d.range.file}:${d.range.line}`);
    assert.deepEqual(codes, [
      'ingress-backend-service-not-found ingress-0.yaml:16',
      'ingress-backend-port-not-found ingress-0.yaml:19',
    ]);
    assert.ok(
      analysis.diagnostics.some((d) => d.code === 'ingress-backend-port-not-found' && d.severity === 'error'),
    );
  });

  void it('a path defined twice for one host: the older Ingress wins, the other is shadowed', () => {
    const older = ingress(
      'a-first',
      [{ host: 'shop.example.com', paths: [{ path: '/cart', type: 'Prefix', service: 'web' }] }],
      '  creationTimestamp: "2024-01-01T00:00:00Z"\n',
    );
    const newer = ingress(
      'b-second',
      [{ host: 'shop.example.com', paths: [{ path: '/cart/', type: 'Prefix', service: 'api' }] }],
      '  creationTimestamp: "2025-01-01T00:00:00Z"\n',
    );
    const analysis = analyse(newer, older);
    const d = route(analysis, 'shop.example.com', '/cart');
    assert.equal(d.kind === 'ingress' ? d.entry?.ingress.name : '', 'a-first');
    const shadowed = l7Diagnostics(analysis).filter((x) => x.code === 'ingress-rule-shadowed');
    assert.equal(shadowed.length, 1);
    assert.equal(shadowed[0]?.range.file, 'ingress-0.yaml');
  });

  void it('the class: the annotation over the field, the default class for neither, others ignored', () => {
    const other = ingress(
      'other-class',
      [{ host: 'shop.example.com', paths: [{ path: '/', type: 'Prefix', service: 'other' }] }],
      '  annotations: {kubernetes.io/ingress.class: traefik}\n',
    );
    const mine = ingress('mine', [
      { host: 'shop.example.com', paths: [{ path: '/', type: 'Prefix', service: 'web' }] },
    ]);
    const analysis = analyse(other, mine);
    const choice = chooseFrontDoor(analysis, { scheme: 'http', host: 'shop.example.com', port: 80 });
    assert.ok(choice && !('error' in choice) && choice.kind === 'ingress');
    // Both classes serve the host; each controller sees only its own Ingresses.
    const d = route(analysis, 'shop.example.com', '/');
    assert.ok(d.kind === 'ingress');
    const expected = choice.className === 'nginx' ? 'web' : 'other';
    assert.equal(d.backend?.service?.service.metadata.name, expected);
  });
});
