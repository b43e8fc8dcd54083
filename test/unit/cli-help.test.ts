// `kubepath --version` and `kubepath <command> --help` (issue 21 item 8).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../src/cli/main';

const ROOT = join(__dirname, '..', '..', '..');

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT });
  return { code, stdout, stderr };
}

void test('--version prints the package version, exit 0', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await runCli(['--version']), { code: 0, stdout: `kubepath ${pkg.version}\n`, stderr: '' });
});

for (const command of ['analyze', 'iptables', 'nftables', 'trace', 'render']) {
  void test(`${command} --help: usage, every option with its default, examples; exit 0`, async () => {
    for (const flag of ['--help', '-h']) {
      const out = await runCli([command, flag]);
      assert.equal(out.code, 0);
      assert.equal(out.stderr, '');
      assert.match(out.stdout, new RegExp(`^usage: kubepath ${command} `));
      assert.match(out.stdout, /\nexamples:\n {2}kubepath /);
    }
    const text = (await runCli([command, '--help'])).stdout;
    const flags = [...text.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1] ?? '');
    assert.equal(flags.includes('--cluster'), command !== 'render');
    // Every option the help lists is one the command accepts, and every example is one it runs.
    for (const flag of flags) {
      if (flag === '--help') continue;
      const out = await runCli([command, flag]);
      assert.doesNotMatch(out.stderr, /unknown option/, `${command} ${flag}`);
    }
    for (const example of [...text.matchAll(/^ {2}kubepath (.+)$/gm)].map((m) => m[1] ?? '')) {
      const argv = example.split(' ').map((a) => (a === 'k8s/' ? 'examples/nginx' : a));
      const out = await runCli(argv);
      assert.doesNotMatch(out.stderr, /unknown option|expected|usage/, example);
    }
  });
}

void test('--help after -- is a path, not a request for help', async () => {
  const out = await runCli(['analyze', '--', '--help']);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /cannot read --help/);
});
