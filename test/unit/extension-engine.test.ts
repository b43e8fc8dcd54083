import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeWorkspace } from '../../src/engine';
import { createFolderAnalyzer } from '../../src/extension/engine';

void test("the extension's per-folder analyzer gives analyzeWorkspace's result through edits and deletions", () => {
  const analyze = createFolderAnalyzer();
  const deployment = {
    path: 'deployment.yaml',
    text: readFileSync('examples/nginx/deployment.yaml', 'utf8'),
  };
  const service = { path: 'service.yaml', text: readFileSync('examples/nginx/service.yaml', 'utf8') };
  const steps = [
    { files: [deployment, service] },
    { files: [deployment, { ...service, text: service.text.replace('app: nginx', 'app: ngnix') }] },
    { files: [service] },
    {
      files: [deployment, service],
      profile: {
        path: 'kubepath.cluster.yaml',
        text: 'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nnodes: [{name: a, ip: 10.0.0.1}]\n',
      },
    },
  ];
  for (const input of steps) {
    assert.equal(JSON.stringify(analyze(input)), JSON.stringify(analyzeWorkspace(input)));
  }
});

void test('loader limits from the settings reach the analysis, and changing them re-analyses', () => {
  const analyze = createFolderAnalyzer();
  const file = { path: 'two.yaml', text: readFileSync('examples/named-ports/api.yaml', 'utf8') };
  assert.equal(analyze({ files: [file] }).services.length, 1);
  const capped = analyze({ files: [file], limits: { maxDocuments: 1 } });
  assert.equal(capped.services.length, 0);
  assert.ok(capped.diagnostics.some((d) => d.code === 'file-too-large' && /first 1 of 3/.test(d.message)));
});
