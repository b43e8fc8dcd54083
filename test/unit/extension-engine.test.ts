import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeWorkspace } from '../../src/engine';
import type { WorkspaceInput } from '../../src/engine';
import { analyzeInSlices } from '../../src/extension/analyzeInSlices';
import { createFolderAnalyzer } from '../../src/extension/engineLoader';
import type { Analyzer } from '../../src/extension/analyzeInSlices';

/** update + analyze in one go. */
function folderAnalyzer(): (input: WorkspaceInput) => ReturnType<Analyzer['analyze']> {
  const analyzer = createFolderAnalyzer();
  return (input) => {
    analyzer.update(input);
    return analyzer.analyze();
  };
}

void test("the extension's per-folder analyzer gives analyzeWorkspace's result through edits and deletions", () => {
  const analyze = folderAnalyzer();
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
  const analyze = folderAnalyzer();
  const file = { path: 'two.yaml', text: readFileSync('examples/named-ports/api.yaml', 'utf8') };
  assert.equal(analyze({ files: [file] }).services.length, 1);
  const capped = analyze({ files: [file], limits: { maxDocuments: 1 } });
  assert.equal(capped.services.length, 0);
  assert.ok(capped.diagnostics.some((d) => d.code === 'file-too-large' && /first 1 of 3/.test(d.message)));
});

/** Twelve files: the examples plus copies in other namespaces. */
function manyFiles(): WorkspaceInput['files'] {
  const deployment = readFileSync('examples/nginx/deployment.yaml', 'utf8');
  const service = readFileSync('examples/nginx/service.yaml', 'utf8');
  const files: WorkspaceInput['files'] = [];
  for (let i = 0; i < 6; i++) {
    const ns = (text: string): string => text.replace('metadata:\n', `metadata:\n  namespace: team-${i}\n`);
    files.push({ path: `team-${i}/deployment.yaml`, text: ns(deployment) });
    files.push({ path: `team-${i}/service.yaml`, text: ns(service) });
  }
  return files;
}

void test('analysis in slices: one file or object per slice when every slice is used up, same result as analyzeWorkspace', async () => {
  const files = manyFiles();
  let pauses = 0;
  let clock = 0;
  const result = await analyzeInSlices(
    createFolderAnalyzer(),
    { files },
    {
      sliceMs: 10,
      // Every look at the clock spends a slice: each slice parses exactly one file.
      now: () => (clock += 10),
      pause: () => {
        pauses++;
        return Promise.resolve();
      },
      cancelled: () => false,
    },
  );
  assert.equal(JSON.stringify(result), JSON.stringify(analyzeWorkspace({ files })));
  // One object per file: a pause after each parsed file, then after each object's
  // per-object reconcile work (admission, workload plan).
  assert.equal(pauses, files.length * 2);
});

void test('analysis in slices: a cancelled run gives undefined; the next run reuses what it parsed', async () => {
  const files = manyFiles();
  const analyzer = createFolderAnalyzer();
  let loaded = 0;
  const counting: Analyzer = {
    update: (input) => analyzer.update(input),
    loadSome: (stop) =>
      analyzer.loadSome(() => {
        loaded++;
        return stop();
      }),
    analyze: () => analyzer.analyze(),
  };
  let clock = 0;
  const options = { sliceMs: 10, now: () => (clock += 10), pause: () => Promise.resolve() };
  let pauses = 0;
  const cancelled = await analyzeInSlices(
    counting,
    { files },
    { ...options, cancelled: () => ++pauses === 3 },
  );
  assert.equal(cancelled, undefined);
  assert.equal(loaded, 3, 'three files parsed before the cancel');
  const edited = files.map((f, i) =>
    i === 0 ? { ...f, text: f.text.replace('replicas: 3', 'replicas: 2') } : f,
  );
  const result = await analyzeInSlices(counting, { files: edited }, { ...options, cancelled: () => false });
  // The second run parsed the 9 files left and file 0 again (it changed), then prepared the
  // 13 objects read (file 0's first object too): 3 + 10 + 13 slices in all. Parsing
  // everything again would have been 3 + 12 + 15.
  assert.equal(loaded, 3 + 10 + 13);
  assert.equal(JSON.stringify(result), JSON.stringify(analyzeWorkspace({ files: edited })));
});

void test('analysis in slices: a fast clock parses everything in one slice without pausing', async () => {
  const files = manyFiles();
  let pauses = 0;
  const result = await analyzeInSlices(
    createFolderAnalyzer(),
    { files },
    {
      now: () => 0,
      pause: () => {
        pauses++;
        return Promise.resolve();
      },
      cancelled: () => false,
    },
  );
  assert.equal(pauses, 0);
  assert.equal(result?.services.length, files.length / 2);
});
