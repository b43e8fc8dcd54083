// Golden `analyze --json` output for every example, through the CLI as a user runs it.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm test
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/cli/main';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const examples = readdirSync('examples').filter((e) => !e.includes('.'));

for (const example of examples) {
  void test(`analyze --json examples/${example} matches its golden file`, async () => {
    // An example with its own cluster profile is analysed on that cluster (as from inside its folder).
    const profile = join('examples', example, 'kubepath.cluster.yaml');
    const cluster = existsSync(profile) ? ['--cluster', profile] : [];
    const { code, stdout, stderr } = await cli(['analyze', `examples/${example}`, '--json', ...cluster]);
    assert.equal(stderr, '');
    assert.equal(code, 0, 'the examples hold warnings at most');
    const golden = join('test/fixtures/golden', `${example}.json`);
    if (process.env['UPDATE_GOLDEN'] || !existsSync(golden)) writeFileSync(golden, stdout);
    assert.equal(stdout, readFileSync(golden, 'utf8'));
  });
}

void test('analyze --json follows the DESIGN.md contract for the nginx scenario', async () => {
  const { stdout } = await cli(['analyze', 'examples/nginx', '--json']);
  const json = JSON.parse(stdout) as Record<string, unknown> & {
    services: Record<string, unknown>[];
    workloads: Record<string, unknown>[];
  };
  assert.equal(json['schemaVersion'], 1);
  assert.deepEqual(Object.keys(json), ['schemaVersion', 'cluster', 'services', 'workloads', 'diagnostics']);
  const svc = json.services[0] as Record<string, unknown> & {
    ports: Record<string, unknown>[];
    endpoints: Record<string, unknown>[];
  };
  for (const key of [
    'namespace',
    'name',
    'type',
    'clusterIP',
    'clusterIPSource',
    'dns',
    'externalTrafficPolicy',
    'internalTrafficPolicy',
    'sessionAffinity',
    'healthCheckNodePort',
    'ports',
    'loadBalancer',
    'endpoints',
    'source',
  ]) {
    assert.ok(key in svc, key);
  }
  assert.equal(svc['type'], 'LoadBalancer');
  assert.match(String(svc['clusterIP']), /^10\.96\.\d+\.\d+$/);
  assert.equal(svc['clusterIPSource'], 'predicted');
  assert.equal(svc['dns'], 'nginx.default.svc.cluster.local');
  const port = svc.ports[0]!;
  assert.equal(port['port'], 8080);
  assert.equal(port['targetPort'], 80);
  assert.equal(port['protocol'], 'TCP');
  assert.ok(Number(port['nodePort']) >= 30000 && Number(port['nodePort']) <= 32767);
  assert.equal(port['nodePortSource'], 'predicted');
  assert.deepEqual(Object.keys(port['chains'] as object), ['node-1', 'node-2', 'node-3']);
  assert.equal(svc.endpoints.length, 3);
  for (const e of svc.endpoints) {
    assert.deepEqual(Object.keys(e), [
      'pod',
      'namespace',
      'ip',
      'node',
      'ready',
      'serving',
      'terminating',
      'ports',
    ]);
    assert.match(String(e['pod']), /^nginx-[a-z0-9]+-[a-z0-9]{5}$/);
    assert.deepEqual(e['ports'], [{ name: '', port: 80, protocol: 'TCP' }]);
  }
  const lb = svc['loadBalancer'] as { ingress: { ip: string }[]; nodes: string[] };
  assert.match(lb.ingress[0]?.ip ?? '', /^203\.0\.113\.\d+$/);
  assert.deepEqual(lb.nodes, ['node-1', 'node-2', 'node-3']);
  assert.deepEqual(svc['source'], { file: 'examples/nginx/service.yaml', line: 1, column: 1 });
  assert.equal((json.workloads[0]?.['pods'] as unknown[]).length, 3);
});

void test('a broken file gives yaml-syntax with line and column and the other files are still analysed', async () => {
  const { code, stdout } = await cli([
    'analyze',
    'examples/nginx',
    'test/fixtures/broken/broken.yaml',
    '--json',
  ]);
  const json = JSON.parse(stdout) as {
    services: unknown[];
    diagnostics: { file: string; code: string; line: number }[];
  };
  assert.equal(code, 1);
  assert.equal(json.services.length, 1);
  assert.deepEqual(
    json.diagnostics.map((d) => [d.file, d.code, d.line]),
    [['test/fixtures/broken/broken.yaml', 'yaml-syntax', 5]],
  );
});
