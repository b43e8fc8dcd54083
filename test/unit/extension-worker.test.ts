// The analysis worker as the extension host uses it: a real worker_threads Worker running the
// service, reached through the host's WorkerClient. Its answers equal the engine's own on
// the same files, through deltas, supersession and a worker that dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWorkspace } from '../../src/engine';
import type { WorkspaceFile } from '../../src/engine';
import { WorkerClient } from '../../src/extension/analysisClient';
import type { WorkerPort } from '../../src/extension/analysisClient';
import { nodeWorkerPort } from '../../src/extension/nodeWorkerPort';
import { AnalysisService, summarize } from '../../src/extension/service/analysisService';
import { parseDiagnosticPiece } from '../../src/extension/service/protocol';
import type { AnalyzeRequest, FilesRequest, ServiceRequest } from '../../src/extension/service/protocol';
import { applyDiagnostics } from '../../src/extension/hostSync';
import type { HeldDiagnostics } from '../../src/extension/hostSync';

const WORKER = join(__dirname, '..', '..', 'src', 'extension', 'service', 'worker.js');

function exampleFiles(...names: string[]): WorkspaceFile[] {
  return names.flatMap((name) =>
    readdirSync(join('examples', name))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => ({ path: `${name}/${f}`, text: readFileSync(join('examples', name, f), 'utf8') })),
  );
}

/** The files, then an analysis: what the host's model sends. */
async function analyse(
  service: { request: <R extends ServiceRequest>(r: R) => Promise<unknown> },
  folder: string,
  change: Omit<FilesRequest, 'op' | 'folder'>,
): Promise<unknown> {
  void service.request({ op: 'files', folder, ...change });
  const analyze: AnalyzeRequest = { op: 'analyze', folder, full: true, profile: null, limits: {} };
  return service.request(analyze);
}

function summaryOf(answer: unknown): unknown {
  assert.ok(answer && typeof answer === 'object' && 'summary' in answer, 'an analysis, not cancelled');
  return answer.summary;
}

void test('worker: the summary, hover, lenses, panel and trace equal the in-process answers on the examples', async () => {
  const client = new WorkerClient(nodeWorkerPort(WORKER));
  const local = new AnalysisService({ pause: () => new Promise((r) => setTimeout(r, 0)) });
  try {
    const files = exampleFiles('nginx', 'selector-typo', 'named-ports', 'headless');
    const first = await analyse(client, 'f', { full: true, set: files, delete: [] });
    await analyse({ request: (r) => local.handle(r) }, 'f', { full: true, set: files, delete: [] });
    assert.deepEqual(summaryOf(first), JSON.parse(JSON.stringify(summarize(analyzeWorkspace({ files })))));
    const questions: ServiceRequest[] = [
      { op: 'hover', folder: 'f', path: 'nginx/service.yaml', line: 4, column: 9, kubeProxyMode: null },
      {
        op: 'hover',
        folder: 'f',
        path: 'nginx/deployment.yaml',
        line: 1,
        column: 1,
        kubeProxyMode: 'nftables',
      },
      { op: 'lenses', folder: 'f', path: 'nginx/service.yaml' },
      { op: 'locations', folder: 'f', path: 'nginx/service.yaml', line: 8, column: 10 },
      { op: 'completions', folder: 'f', site: { kind: 'selectorKey' }, namespace: 'default' },
      { op: 'panel', folders: [{ folder: 'f', name: '' }], selection: null, status: '' },
      {
        op: 'rules',
        folder: 'f',
        node: 'node-1',
        mode: 'iptables',
        profileLabel: 'built-in default profile',
      },
      { op: 'pods', folder: 'f' },
      {
        op: 'trace',
        folder: 'f',
        request: { target: 'nginx.default:8080', from: { kind: 'internet' } },
      },
      { op: 'trace', folder: 'f', request: { target: 'nope:1', from: { kind: 'internet' } } },
    ];
    for (const q of questions) {
      // The time a rules answer took is the one field that differs.
      const untimed = (v: unknown): unknown =>
        v && typeof v === 'object' && 'ms' in v ? { ...v, ms: 0 } : v;
      const remote = untimed(await client.request(q));
      const direct = untimed(JSON.parse(JSON.stringify(await local.handle(q))));
      assert.deepEqual(remote, direct, `${q.op} answers the same in the worker`);
    }
    const hover = await client.request(questions[0] as ServiceRequest & { op: 'hover' });
    assert.match(hover?.markdown ?? '', /Service/, 'a real hover came back');
    const lenses = await client.request({ op: 'lenses', folder: 'f', path: 'nginx/service.yaml' });
    assert.match(lenses[0]?.title ?? '', /endpoints?/);
  } finally {
    client.dispose();
  }
});

void test('worker: a delta (one file changed, one deleted) gives the result of analysing the new files afresh', async () => {
  const client = new WorkerClient(nodeWorkerPort(WORKER));
  try {
    const files = exampleFiles('nginx', 'selector-typo');
    await analyse(client, 'f', { full: true, set: files, delete: [] });
    const changed = files.map((f) =>
      f.path === 'nginx/service.yaml' ? { ...f, text: f.text.replace('app: nginx', 'app: ngnix') } : f,
    );
    const deleted = 'selector-typo/web.yaml';
    const edited = changed.filter((f) => f.path !== deleted);
    const answer = await analyse(client, 'f', {
      full: false,
      set: edited.filter((f) => f.path === 'nginx/service.yaml'),
      delete: [deleted],
    });
    assert.deepEqual(
      summaryOf(answer),
      JSON.parse(JSON.stringify(summarize(analyzeWorkspace({ files: edited })))),
    );
  } finally {
    client.dispose();
  }
});

void test('worker: summaries carry only the files whose diagnostics changed; applied, they hold the fresh findings', async () => {
  const client = new WorkerClient(nodeWorkerPort(WORKER));
  try {
    const files = exampleFiles('nginx', 'selector-typo', 'named-ports');
    const held: HeldDiagnostics = { diagnostics: new Map(), changedDiagnostics: 'all' };
    const step = async (
      change: Omit<FilesRequest, 'op' | 'folder'>,
      edited: WorkspaceFile[],
    ): Promise<string[]> => {
      void client.request({ op: 'files', folder: 'f', ...change });
      const answer = await client.request({
        op: 'analyze',
        folder: 'f',
        full: held.diagnostics.size === 0,
        profile: null,
        limits: {},
      });
      assert.ok('summary' in answer);
      await applyDiagnostics(held, answer.summary.diagnostics);
      const fresh = new Map<string, unknown[]>();
      for (const d of analyzeWorkspace({ files: edited }).diagnostics)
        fresh.set(d.range.file, [...(fresh.get(d.range.file) ?? []), d]);
      assert.deepEqual(
        JSON.parse(JSON.stringify([...held.diagnostics].sort())),
        JSON.parse(JSON.stringify([...fresh].sort())),
      );
      return answer.summary.diagnostics.pieces.flatMap((piece) =>
        parseDiagnosticPiece(piece).map(([file]) => file),
      );
    };
    const all = await step({ full: true, set: files, delete: [] }, files);
    assert.ok(all.includes('selector-typo/web.yaml'));
    // The typo fixed: only that file's (now empty) list travels.
    const fixed = files.map((f) =>
      f.path === 'selector-typo/web.yaml' ? { ...f, text: f.text.replace(/app: wbe/g, 'app: web') } : f,
    );
    const changed = fixed.filter((f) => f.path === 'selector-typo/web.yaml');
    assert.notEqual(changed[0]?.text, files.find((f) => f.path === 'selector-typo/web.yaml')?.text);
    assert.deepEqual(await step({ full: false, set: changed, delete: [] }, fixed), [
      'selector-typo/web.yaml',
    ]);
    assert.equal(held.diagnostics.has('selector-typo/web.yaml'), false);
    // Nothing changed: nothing travels.
    assert.deepEqual(await step({ full: false, set: [], delete: [] }, fixed), []);
  } finally {
    client.dispose();
  }
});

void test('worker: a newer analysis of the folder supersedes one still parsing', async () => {
  const client = new WorkerClient(nodeWorkerPort(WORKER));
  try {
    // Enough files that the first run needs several slices of parsing.
    const many: WorkspaceFile[] = [];
    const base = exampleFiles('nginx');
    for (let i = 0; i < 400; i++)
      for (const f of base)
        many.push({ path: `copy${i}/${f.path}`, text: f.text.replace(/name: nginx/g, `name: nginx-${i}`) });
    const first = analyse(client, 'f', { full: true, set: many, delete: [] });
    const second = analyse(client, 'f', { full: true, set: base, delete: [] });
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(a, { cancelled: true });
    assert.deepEqual(summaryOf(b), JSON.parse(JSON.stringify(summarize(analyzeWorkspace({ files: base })))));
  } finally {
    client.dispose();
  }
});

void test('client: a worker that dies fails what is pending, and the next request starts a new worker', async () => {
  const started: string[] = [];
  let fail: ((why: string) => void) | undefined;
  const failures: string[] = [];
  const fake = (): WorkerPort => {
    started.push('worker');
    return {
      post: () => undefined,
      listen: (_onMessage, onFailure) => {
        fail = onFailure;
      },
      terminate: () => undefined,
    };
  };
  const client = new WorkerClient(fake, (why) => failures.push(why));
  const pending = client.request({ op: 'pods', folder: 'f' });
  assert.equal(client.epoch, 1);
  fail?.('out of memory');
  await assert.rejects(pending, /the analysis worker stopped: out of memory/);
  assert.deepEqual(failures, ['out of memory']);
  void client.request({ op: 'pods', folder: 'f' }).catch(() => undefined);
  assert.equal(client.epoch, 2, 'a new worker: the model sends every file again');
  assert.equal(started.length, 2);
  client.dispose();
});
