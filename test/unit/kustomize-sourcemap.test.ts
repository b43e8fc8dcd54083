// The kustomize render stage's provenance: where each built resource came from and which
// patch or kustomization line set a field (what diagnostics on built objects point at).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKustomization, memoryFs } from '../../src/engine/render/kustomize';

const base = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- deploy.yaml
`;
const deploy = `# a comment first
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.0
`;
const overlay = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: prod-
resources:
- ../base
patches:
- path: replicas.yaml
images:
- name: nginx
  newTag: "1.27"
`;
const patch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
`;

void describe('kustomize source map', () => {
  const fs = memoryFs({
    '/base/kustomization.yaml': base,
    '/base/deploy.yaml': deploy,
    '/prod/kustomization.yaml': overlay,
    '/prod/replicas.yaml': patch,
  });
  const result = buildKustomization(fs, '/prod');

  void it('builds the overlay', () => {
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.match(result.yaml, /name: prod-web/);
    assert.match(result.yaml, /replicas: 3/);
    assert.match(result.yaml, /image: nginx:1.27/);
  });

  void it('keeps the base document as the origin (file, first line of the object)', () => {
    assert.ok(result.ok);
    assert.deepEqual(result.resources[0]?.origin, { file: '/base/deploy.yaml', line: 2 });
  });

  void it('points patched and transformed fields at the patch line and the kustomization line', () => {
    assert.ok(result.ok);
    const fields = result.resources[0]?.fields;
    assert.deepEqual(fields?.get('spec.replicas'), { file: '/prod/replicas.yaml', line: 6 });
    assert.deepEqual(fields?.get('metadata.name'), { file: '/prod/kustomization.yaml', line: 3 });
    assert.deepEqual(fields?.get('spec.template.spec.containers[0].image'), {
      file: '/prod/kustomization.yaml',
      line: 8,
    });
  });

  void it('returns errors as data with the file', () => {
    const broken = buildKustomization(
      memoryFs({ '/k/kustomization.yaml': 'resources:\n- missing.yaml\n' }),
      '/k',
    );
    assert.equal(broken.ok, false);
    if (broken.ok) return;
    assert.equal(broken.error.file, '/k/kustomization.yaml');
    assert.match(broken.error.message, /accumulating resources/);
  });

  void it('leaves remote bases out with a note on their line, and builds the rest', () => {
    const built = buildKustomization(
      memoryFs({
        '/k/kustomization.yaml':
          'resources:\n- deploy.yaml\n- https://github.com/example/repo//base?ref=v1\n',
        '/k/deploy.yaml': deploy,
      }),
      '/k',
    );
    assert.ok(built.ok);
    assert.equal(built.resources.length, 1);
    assert.deepEqual(
      built.notes.map((n) => [n.file, n.line]),
      [['/k/kustomization.yaml', 3]],
    );
    assert.match(built.notes[0]?.message ?? '', /not fetched/);
  });

  void it('reports a resource cycle instead of recursing', () => {
    const cyclic = buildKustomization(
      memoryFs({
        '/a/kustomization.yaml': 'resources:\n- ../b\n',
        '/b/kustomization.yaml': 'resources:\n- ../a\n',
      }),
      '/a',
    );
    assert.equal(cyclic.ok, false);
    if (!cyclic.ok) assert.match(cyclic.error.message, /cycle detected/);
  });
});
