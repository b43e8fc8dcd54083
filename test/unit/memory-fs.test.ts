// The in-memory KustomizeFs (tests, the web worker): directories derived from the paths,
// listings sorted, text read back as UTF-8 bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFs } from '../../src/engine/render/kustomize';

void test('memoryFs: directories come from the paths, listings are sorted and hold files and directories', () => {
  const fs = memoryFs(
    {
      '/ws/app/base/b.yaml': 'b',
      '/ws/app/base/a.yaml': 'a',
      '/ws/app/kustomization.yaml': 'k',
      '/top.yaml': 't',
    },
    { '/ws/app/charts/c.tgz': '\x1f\x8b' },
  );
  assert.deepEqual(fs.listDir('/'), ['top.yaml', 'ws']);
  assert.deepEqual(fs.listDir('/ws/app'), ['base', 'charts', 'kustomization.yaml']);
  assert.deepEqual(fs.listDir('/ws/app/base/'), ['a.yaml', 'b.yaml']);
  assert.deepEqual(fs.listDir('/ws/app/base/a.yaml'), []);
  assert.deepEqual(fs.listDir('/nowhere'), []);
  const listing = fs.listDir('/ws/app');
  listing.pop();
  assert.deepEqual(
    fs.listDir('/ws/app'),
    ['base', 'charts', 'kustomization.yaml'],
    'a caller cannot change a listing',
  );
  assert.equal(fs.isDir('/ws'), true);
  assert.equal(fs.isDir('/ws/app/base'), true);
  assert.equal(fs.isDir('/ws/app/base/a.yaml'), false);
  assert.equal(fs.exists('/ws/app/charts/c.tgz'), true);
  assert.equal(fs.exists('/ws/app/missing.yaml'), false);
});

void test('memoryFs: readBinary gives a text file as its UTF-8 bytes, one char per byte', () => {
  const fs = memoryFs({ '/a.txt': 'plain ascii', '/b.txt': 'café ✓ 😀', '/c.txt': 'x'.repeat(20000) + 'é' });
  assert.equal(fs.readBinary?.('/a.txt'), 'plain ascii');
  assert.equal(fs.readBinary?.('/b.txt'), 'caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80');
  assert.equal(fs.readBinary?.('/c.txt'), `${'x'.repeat(20000)}\xc3\xa9`, 'longer than one chunk');
  assert.equal(fs.readBinary?.('/b.txt'), fs.readBinary?.('/b.txt'));
  assert.equal(fs.readBinary?.('/missing'), undefined);
  assert.equal(fs.readFile('/b.txt'), 'café ✓ 😀');
});
