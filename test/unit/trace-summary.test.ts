// The trace summary the CLI prints by default (issue 21 item 5): one screen, branches grouped
// by node and chains; --verbose is the full hop list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeWorkspace, renderTrace, renderTraceSummary, traceRequest } from '../../src/engine';
import { run } from '../../src/cli/main';

const ROOT = join(__dirname, '..', '..', '..');
const nginx = analyzeWorkspace({
  files: ['deployment.yaml', 'service.yaml'].map((f) => ({
    path: `examples/nginx/${f}`,
    text: readFileSync(join(ROOT, 'examples/nginx', f), 'utf8'),
  })),
});

async function cli(argv: string[]): Promise<string> {
  let out = '';
  await run(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), cwd: ROOT });
  return out;
}

void test('the demo trace fits one screen: outcome first, one group per node, one line per branch', () => {
  const trace = traceRequest(nginx, 'nginx:8080', { from: { kind: 'internet' } });
  const text = renderTraceSummary(trace);
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.length <= 60, `${lines.length} lines`);
  assert.match(
    lines[4] ?? '',
    /^outcome: reached \(9\/9 branches, 100\.0% of new connections reach a pod\)$/,
  );
  const groups = lines.filter((l) => l.startsWith('via '));
  assert.deepEqual(
    groups.map((g) => g.split(' ')[1]),
    ['node-1', 'node-2', 'node-3'],
  );
  for (const g of groups)
    assert.match(g, /: KUBE-SERVICES → KUBE-NODEPORTS → KUBE-EXT-\w+ → KUBE-SVC-\w+ {2}\(source masqueraded/);
  const pods = lines.filter((l) => /^ {3}11\.1% {2}pod nginx-\S+ {2}10\.244\.\d+\.\d+:80$/.test(l));
  assert.equal(pods.length, 9);
  assert.equal(new Set(pods.map((l) => l.trim())).size, 3);
});

void test('a failed path says why on its branch line', () => {
  const text = renderTraceSummary(
    traceRequest(
      analyzeWorkspace({
        files: [
          {
            path: 'svc.yaml',
            text: 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: none}, ports: [{port: 80}]}\n',
          },
        ],
      }),
      'web:80',
    ),
  );
  assert.match(text, /^ {2}100\.0% {2}rejected \(REJECT\): default\/web has no endpoints/m);
  assert.match(text, /^outcome: rejected/m);
});

void test('CLI: the summary by default, every hop with --verbose', async () => {
  const argv = ['trace', 'nginx:8080', 'examples/nginx', '--from', 'internet'];
  const trace = traceRequest(nginx, 'nginx:8080', { from: { kind: 'internet' } });
  assert.equal(await cli(argv), renderTraceSummary(trace));
  assert.equal(await cli([...argv, '--verbose']), renderTrace(trace));
});
