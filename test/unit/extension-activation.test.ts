// Pure helpers of the extension host side: the cheap "is this Kubernetes?" check that
// gates activation work, and the include/exclude glob matching of the workspace model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAnalysisInput, looksLikeKubernetes } from '../../src/extension/detect';
import { fileRole } from '../../src/engine';
import { globToRegExp, isIncluded, joinGlobs } from '../../src/extension/glob';

void describe('looksLikeKubernetes', () => {
  const cases: [string, string, boolean][] = [
    ['Deployment', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n', true],
    ['second document', 'foo: 1\n---\napiVersion: v1\nkind: Service\n', true],
    ['List item', 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n', true],
    ['GitHub workflow', 'name: build\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n', false],
    ['docker-compose', 'services:\n  web:\n    image: nginx\n', false],
    ['kind without apiVersion', 'kind: Deployment\n', false],
    ['lower-case kind', 'apiVersion: x\nkind: thing\n', false],
    ['JSON object', '{ "apiVersion": "v1", "kind": "Service", "metadata": {} }', true],
    ['package.json', '{ "name": "x", "version": "1.0.0" }', false],
    ['profile', 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\n', true],
  ];
  for (const [name, text, expected] of cases) {
    void it(name, () => assert.equal(looksLikeKubernetes(text), expected));
  }

  void it('looks only at the head of huge files', () => {
    const text = `${'# filler\n'.repeat(20000)}apiVersion: v1\nkind: Service\n`;
    assert.equal(looksLikeKubernetes(text), false);
  });
});

void describe('which file is what (one rule: the engine model fileRole)', () => {
  void it('manifests by extension, the profile by name, the rest not read', () => {
    const paths = [
      'a.yaml',
      'b.YML',
      'c.json',
      'd.txt',
      'e.yaml.bak',
      'kubepath.cluster.yaml',
      'x/kubepath.cluster.yaml',
      'my-kubepath.cluster.yaml',
    ];
    assert.deepEqual(paths.map(fileRole), [
      'manifest',
      'manifest',
      'manifest',
      'other',
      'other',
      'profile',
      'profile',
      'manifest',
    ]);
    assert.deepEqual(paths.map(isAnalysisInput), [true, true, true, false, false, true, true, true]);
  });
});

void describe('glob matching', () => {
  const cases: [string, string, boolean][] = [
    ['**/*.yaml', 'a.yaml', true],
    ['**/*.yaml', 'k8s/app/a.yaml', true],
    ['**/*.yaml', 'k8s/a.yml', false],
    ['**/node_modules/**', 'node_modules/x/a.json', true],
    ['**/node_modules/**', 'web/node_modules/x/a.json', true],
    ['**/node_modules/**', 'web/node_modules_x/a.json', false],
    ['k8s/*.yaml', 'k8s/a.yaml', true],
    ['k8s/*.yaml', 'k8s/sub/a.yaml', false],
    ['**/*.{yaml,yml}', 'x/a.yml', true],
    ['deploy/?.yaml', 'deploy/a.yaml', true],
    ['deploy/[ab].yaml', 'deploy/c.yaml', false],
    ['charts/**', 'charts/web/templates/svc.yaml', true],
  ];
  for (const [glob, path, expected] of cases) {
    void it(`${glob} ${expected ? 'matches' : 'does not match'} ${path}`, () =>
      assert.equal(globToRegExp(glob).test(path), expected));
  }

  void it('include minus exclude', () => {
    assert.equal(isIncluded('k8s/a.yaml', ['**/*.yaml'], ['**/node_modules/**']), true);
    assert.equal(isIncluded('node_modules/a.yaml', ['**/*.yaml'], ['**/node_modules/**']), false);
    assert.equal(isIncluded('a.txt', ['**/*.yaml'], []), false);
  });

  void it('joins globs for findFiles unless braces would nest', () => {
    assert.equal(joinGlobs([]), undefined);
    assert.equal(joinGlobs(['**/a/**']), '**/a/**');
    assert.equal(joinGlobs(['**/a/**', '**/b/**']), '{**/a/**,**/b/**}');
    assert.equal(joinGlobs(['**/*.{yaml,yml}', '**/b/**']), undefined);
  });
});
