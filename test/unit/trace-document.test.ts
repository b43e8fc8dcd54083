// The extension's trace text (issue 21 item 5): the worker answers the CLI's summary and the
// full hop list; the notification and the kubepath-trace: document are cut from those texts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeWorkspace, renderTrace, renderTraceSummary, traceRequest } from '../../src/engine';
import type { WorkspaceFile } from '../../src/engine';
import type { RequestOrigin } from '../../src/engine/trace/request';
import { AnalysisService } from '../../src/extension/service/analysisService';
import type { AnalyzeRequest } from '../../src/extension/service/protocol';
import {
  groupsOf,
  outcomeOf,
  traceDocumentPath,
  traceDocumentText,
  traceNotice,
} from '../../src/extension/traceDocumentText';
import type { TraceTexts } from '../../src/extension/traceDocumentText';

const ROOT = join(__dirname, '..', '..', '..');

function example(name: string): WorkspaceFile[] {
  return readdirSync(join(ROOT, 'examples', name))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({
      path: `${name}/${f}`,
      text: readFileSync(join(ROOT, 'examples', name, f), 'utf8'),
    }));
}

function texts(
  files: WorkspaceFile[],
  target: string,
  from: RequestOrigin = { kind: 'internet' },
): TraceTexts {
  const trace = traceRequest(analyzeWorkspace({ files }), target, { from });
  return {
    summary: renderTraceSummary(trace),
    text: renderTrace(trace),
    from: trace.from,
    outcome: trace.outcome,
  };
}

void test('the worker answers a trace with the CLI summary and the --verbose hop list', async () => {
  const service = new AnalysisService({ pause: () => new Promise((r) => setTimeout(r, 0)) });
  const files = example('nginx');
  void service.handle({ op: 'files', folder: 'f', full: true, set: files, delete: [] });
  const analyze: AnalyzeRequest = { op: 'analyze', folder: 'f', full: true, profile: null, limits: {} };
  await service.handle(analyze);
  const answer = await service.handle({
    op: 'trace',
    folder: 'f',
    request: { target: 'nginx.default:8080', from: { kind: 'internet' } },
  });
  assert.ok(answer.ok);
  const trace = traceRequest(analyzeWorkspace({ files }), 'nginx.default:8080', {
    from: { kind: 'internet' },
  });
  assert.equal(answer.summary, renderTraceSummary(trace));
  assert.equal(answer.text, renderTrace(trace));
  assert.equal(answer.outcome, 'reached');
  assert.equal(answer.from, 'internet');
});

void test('nginx: the notice says reached, 100% and three paths (one per node); the document is summary then hops', () => {
  const t = texts(example('nginx'), 'nginx:8080');
  const notice = traceNotice('nginx:8080', t);
  assert.equal(
    notice,
    `Kubepath: nginx:8080 from internet: ${outcomeOf(t.summary)}; 3 paths, grouped by node and kube-proxy chains`,
  );
  assert.match(outcomeOf(t.summary), /^reached \(9\/9 branches, 100\.0% of new connections reach a pod\)$/);
  assert.deepEqual(
    groupsOf(t.summary).map((g) => g.split(' ')[1]),
    ['node-1', 'node-2', 'node-3'],
  );
  const doc = traceDocumentText(t);
  const summaryAt = doc.indexOf('# summary');
  const hopsAt = doc.indexOf('# every hop of every branch');
  assert.ok(summaryAt === 0 && hopsAt > summaryAt, 'summary first, then the hops');
  // The summary part is the CLI's summary, less its pointer to --verbose (the hops follow).
  assert.ok(doc.includes(t.summary.replace(/\nevery hop of every branch: --verbose\n$/, '').trimEnd()));
  assert.doesNotMatch(doc, /: --verbose\n/);
  assert.ok(doc.includes(t.text.trimEnd()), 'every hop, as --verbose prints it');
  assert.equal(doc.match(/^branch \d+\/9 /gm)?.length, 9);
  assert.ok(doc.split('\n').indexOf('# every hop of every branch (`kubepath trace --verbose`)') <= 25);
});

void test('a rejected request: the notice names the failed branch and its reason', () => {
  const t = texts(example('selector-typo'), 'web.typo:80', { kind: 'node', node: 'node-1' });
  assert.equal(t.outcome, 'rejected');
  const notice = traceNotice('web.typo:80', t);
  assert.match(notice, /^Kubepath: web\.typo:80 from node:node-1: rejected \(0\/1 branches/);
  assert.match(notice, /; 100\.0% {2}rejected \(REJECT\): typo\/web has no endpoints/);
  assert.doesNotMatch(notice, /paths, grouped/);
});

void test("a ClusterIP from the internet (no branch): the notice gives the summary's note", () => {
  const t = texts(example('selector-typo'), 'web.typo:80');
  assert.equal(t.outcome, 'no-route');
  assert.match(
    traceNotice('web.typo:80', t),
    /^Kubepath: web\.typo:80 from internet: no-route; 10\.96\.\d+\.\d+ is the ClusterIP of typo\/web: it is only reachable from inside the cluster/,
  );
});

void test('trace document paths hold no separator, query or fragment characters', () => {
  assert.equal(
    traceDocumentPath('http://shop.example.com/cart?x=1#y', 'pod:shop/web-0', 1),
    '/trace http:-shop.example.com-cart-x=1-y from pod:shop-web-0.txt',
  );
  assert.equal(traceDocumentPath('nginx:8080', 'internet', 3), '/trace nginx:8080 from internet (3).txt');
});
