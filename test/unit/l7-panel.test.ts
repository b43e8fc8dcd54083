// The side panel's L7 section, as the snapshot carries it (webview/protocol.ts L7RouteView):
// for the shown Service, each HTTPRoute rule or Ingress path that sends to it, with its
// listeners, route, rule, matches and weighted backends (the shown one marked), taken from
// the engine's l7Routes; shadowed rules last; nothing for a Service no route sends to.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { WorkspaceFile } from '../../src/engine';
import { analyzeWorkspace, l7Routes } from '../../src/engine';
import { buildSnapshot } from '../../src/extension/panelSnapshot';
import type { Snapshot } from '../../webview/protocol';

function folderFiles(dir: string): WorkspaceFile[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${dir}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
}

function snapshot(files: WorkspaceFile[], serviceId: string, portKey: string | null = null): Snapshot {
  const state = analyzeWorkspace({ files });
  return buildSnapshot({
    folders: [{ folder: '', state }],
    selection: { serviceId, portKey, entry: 'internet', node: null },
    status: '',
  });
}

const SHADOWING = 'test/fixtures/l7/shadowing';

void describe('panel snapshot: the L7 section', () => {
  void it('examples/gateway, shop/cart: listeners → HTTPRoute shop/storefront rule 2 → cart 90% (shown) and cart-canary 10%', () => {
    const files = folderFiles('examples/gateway');
    const s = snapshot(files, '|shop/cart');
    assert.ok(s.path, 'the Service path is drawn below');
    assert.equal(s.l7.length, 1);
    const [view] = s.l7;
    assert.ok(view);
    assert.equal(view.kind, 'gateway');
    assert.deepEqual(
      view.listeners.map((l) => l.label),
      ['Gateway shop/web · http (HTTP :80)', 'Gateway shop/web · https (HTTPS :443)'],
    );
    const engineRule = l7Routes(analyzeWorkspace({ files }), {
      route: { kind: 'httproute', namespace: 'shop', name: 'storefront' },
      rule: 1,
    })[0];
    assert.ok(engineRule);
    assert.deepEqual(
      view.listeners.map((l) => l.address),
      engineRule.attachments.map((a) => a.address),
    );
    assert.equal(view.route, 'HTTPRoute shop/storefront');
    assert.equal(view.rule, 'rule 2');
    assert.deepEqual(view.hosts, ['shop.example.com']);
    assert.deepEqual(view.matches, ['PathPrefix /cart']);
    assert.equal(view.httpStatus, 200);
    assert.equal(view.shadowedBy, null);
    assert.deepEqual(view.source, engineRule.ref.source);
    assert.deepEqual(
      view.backends.map((b) => [b.service, b.port, b.weight, b.share, b.current, b.readyEndpoints]),
      engineRule.backends.map((b) => [
        `${b.service.namespace}/${b.service.name}`,
        b.port,
        b.weight,
        b.share,
        b.service.name === 'cart',
        b.readyEndpoints,
      ]),
    );
    assert.deepEqual(
      view.backends.map((b) => [b.service, b.weight, b.current]),
      [
        ['shop/cart', 90, true],
        ['shop/cart-canary', 10, false],
      ],
    );
  });

  void it('examples/gateway, shop/cart-canary: the header rule and the weighted rule, both marking it', () => {
    const s = snapshot(folderFiles('examples/gateway'), '|shop/cart-canary');
    assert.deepEqual(
      s.l7.map((v) => [v.rule, v.matches.join(' | ')]),
      [
        ['rule 1', 'PathPrefix /cart, header X-Canary: true'],
        ['rule 2', 'PathPrefix /cart'],
      ],
    );
    for (const v of s.l7)
      assert.deepEqual(
        v.backends.filter((b) => b.current).map((b) => b.service),
        ['shop/cart-canary'],
      );
  });

  void it('examples/ingress, store/api: both paths through the nginx class, the Exact one included', () => {
    const s = snapshot(folderFiles('examples/ingress'), '|store/api');
    assert.deepEqual(
      s.l7.map((v) => [v.kind, v.route, v.rule, v.matches[0], v.listeners[0]?.label]),
      [
        ['ingress', 'Ingress store/api', 'rule 1 path 1', 'Prefix /api', 'IngressClass nginx (HTTP :80)'],
        [
          'ingress',
          'Ingress store/api',
          'rule 1 path 2',
          'Exact /api/healthz',
          'IngressClass nginx (HTTP :80)',
        ],
      ],
    );
  });

  void it('shadowed rules come last and say what takes their requests; a backend that does not resolve says why', () => {
    const files = [
      ...folderFiles('examples/gateway'),
      ...folderFiles(SHADOWING).filter((f) => f.path.endsWith('gateway-routes.yaml')),
    ];
    const frontend = snapshot(files, '|shop/frontend');
    assert.deepEqual(
      frontend.l7.map((v) => [v.route, v.rule, v.shadowedBy]),
      [
        ['HTTPRoute shop/storefront', 'rule 3', null],
        ['HTTPRoute shop/storefront-v2', 'rule 1', 'HTTPRoute shop/storefront rule 2'],
      ],
    );
    const cart = snapshot(files, '|shop/cart');
    const exact = cart.l7.find((v) => v.route === 'HTTPRoute shop/storefront-v2');
    assert.ok(exact);
    assert.match(
      exact.backends.find((b) => b.service === 'shop/missing')?.problem ?? '',
      /^BackendNotFound: /,
    );
  });

  void it('nothing for a Service no route sends to, nor for another port of a routed Service', () => {
    assert.deepEqual(snapshot(folderFiles('examples/nginx'), '|default/nginx').l7, []);
    const extraPort = folderFiles('examples/gateway').map((f) =>
      f.path.endsWith('apps.yaml')
        ? {
            ...f,
            text: f.text.replace(
              '    - port: 8080\n      targetPort: 8080\n',
              '    - port: 8080\n      targetPort: 8080\n      name: http\n    - port: 9090\n      name: metrics\n',
            ),
          }
        : f,
    );
    const other = snapshot(extraPort, '|shop/cart', 'TCP/9090');
    assert.equal(other.selection.portKey, 'TCP/9090');
    assert.deepEqual(other.l7, []);
    assert.equal(snapshot(extraPort, '|shop/cart', 'TCP/8080').l7.length, 1);
  });
});
