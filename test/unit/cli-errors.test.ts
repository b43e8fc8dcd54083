// Bad usage and unreadable input through `run(argv, io)`: each case is one line on
// stderr naming the problem, nothing on stdout, exit code 2, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCommand, run } from '../../src/cli/main';

const SERVICE =
  'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n';
const BAD_PROFILE =
  'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nserviceCIDR: 10.96.0.0/33\nnodes: 5\n';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubepath-cli-'));
  writeFileSync(join(dir, 'svc.yaml'), SERVICE);
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs', 'README.md'), '# not yaml\n');
  writeFileSync(join(dir, 'bad-profile.yaml'), BAD_PROFILE);
  writeFileSync(join(dir, 'broken-profile.yaml'), 'apiVersion: kubepath.dev/v1alpha1\nkind: [\n');
  writeFileSync(join(dir, 'not-a-profile.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  symlinkSync(join(dir, 'gone.yaml'), join(dir, 'dangling.yaml'));
  // A repository can commit a symlink to a device.
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
  mkdirSync(join(dir, 'with-profile'));
  writeFileSync(join(dir, 'with-profile', 'kubepath.cluster.yaml'), BAD_PROFILE);
  writeFileSync(join(dir, 'with-profile', 'svc.yaml'), SERVICE);
  return dir;
}

async function runCli(
  argv: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}

interface ErrorCase {
  name: string;
  argv: string[];
  /** The one line expected on stderr. */
  stderr: RegExp;
}

const cases: ErrorCase[] = [
  {
    name: 'path that does not exist',
    argv: ['analyze', 'nope.yaml'],
    stderr: /^kubepath analyze: cannot read nope\.yaml: no such file or directory$/,
  },
  {
    name: 'dangling symlink',
    argv: ['analyze', 'dangling.yaml'],
    stderr: /^kubepath analyze: cannot read dangling\.yaml: no such file or directory$/,
  },
  {
    name: 'empty directory',
    argv: ['analyze', 'empty'],
    stderr: /^kubepath analyze: no \*\.yaml, \*\.yml or \*\.json files found in empty$/,
  },
  {
    name: 'directory without YAML',
    argv: ['iptables', 'docs'],
    stderr: /^kubepath iptables: no \*\.yaml, \*\.yml or \*\.json files found in docs$/,
  },
  {
    name: 'invalid cluster profile: file:line:column and the expected shape',
    argv: ['analyze', 'svc.yaml', '--cluster', 'bad-profile.yaml'],
    stderr:
      /^kubepath analyze: invalid cluster profile bad-profile\.yaml:3:14: serviceCIDR must be a CIDR such as 10\.96\.0\.0\/16, or one CIDR of each family for dual-stack \(10\.96\.0\.0\/16,fd00:10:96::\/112\), got "10\.96\.0\.0\/33" \(and 1 more\); expected: apiVersion: kubepath\.dev\/v1alpha1, kind: ClusterProfile, .*nodes: \[\{name, ip\}\]/,
  },
  {
    name: 'cluster profile that is not YAML',
    argv: ['trace', 'web:80', 'svc.yaml', '--cluster', 'broken-profile.yaml'],
    stderr:
      /^kubepath trace: invalid cluster profile broken-profile\.yaml:\d+:\d+: YAML syntax error: .*; expected: /,
  },
  {
    name: 'cluster profile of another kind',
    argv: ['iptables', 'svc.yaml', '--cluster=not-a-profile.yaml'],
    stderr:
      /^kubepath iptables: invalid cluster profile not-a-profile\.yaml:1:1: not-a-profile\.yaml is not a cluster profile; expected: /,
  },
  {
    name: 'invalid kubepath.cluster.yaml found in the folder',
    argv: ['analyze', '.'],
    stderr: /^kubepath analyze: invalid cluster profile with-profile\/kubepath\.cluster\.yaml:3:14: /,
  },
  {
    name: 'cluster profile that does not exist',
    argv: ['analyze', 'svc.yaml', '--cluster', 'missing.yaml'],
    stderr: /^kubepath analyze: cannot read cluster profile missing\.yaml: .*no such file or directory/,
  },
  {
    name: 'unreadable trace target',
    argv: ['trace', 'http://', 'svc.yaml'],
    stderr: /^kubepath trace: cannot read trace target "http:\/\/": expected /,
  },
  {
    name: 'unknown flag',
    argv: ['analyze', 'svc.yaml', '--bogus'],
    stderr: /^kubepath analyze: unknown option --bogus$/,
  },
  {
    name: 'flag missing its value',
    argv: ['analyze', 'svc.yaml', '--cluster'],
    stderr: /^kubepath analyze: --cluster needs a value$/,
  },
  {
    name: 'flag with an empty value',
    argv: ['trace', 'web:80', 'svc.yaml', '--node='],
    stderr: /^kubepath trace: --node needs a value$/,
  },
  {
    name: 'value given to a boolean flag',
    argv: ['analyze', 'svc.yaml', '--json=yes'],
    stderr: /^kubepath analyze: --json takes no value$/,
  },
  {
    name: 'bad --from',
    argv: ['trace', 'web:80', 'svc.yaml', '--from', 'mars'],
    stderr:
      /^kubepath trace: --from mars: expected internet, node:NAME, pod:NAMESPACE\/NAME \(a pod, or a workload: deployment\/NAME, statefulset\/NAME, a bare workload name\) or ip:ADDRESS$/,
  },
  {
    name: '--from a pod that is not predicted',
    argv: ['trace', 'web:80', 'svc.yaml', '--from', 'pod:default/ghost'],
    stderr:
      /^kubepath trace: --from pod:default\/ghost: no such pod or workload is predicted in namespace default/,
  },
  {
    name: 'bad --protocol',
    argv: ['trace', 'web:80', 'svc.yaml', '--protocol', 'icmp'],
    stderr: /^kubepath trace: --protocol ICMP: expected TCP, UDP or SCTP$/,
  },
  {
    name: 'unknown node (trace)',
    argv: ['trace', 'web:80', 'svc.yaml', '--node', 'node-9'],
    stderr: /^kubepath trace: --node node-9: no such node \(nodes: node-1, node-2, node-3\)$/,
  },
  {
    name: 'unknown node (iptables)',
    argv: ['iptables', 'svc.yaml', '--node', 'node-9'],
    stderr: /^kubepath iptables: no node "node-9" in the cluster profile \(nodes: node-1, node-2, node-3\)$/,
  },
  {
    name: 'unreadable --iptables-save',
    argv: ['trace', 'web:80', 'svc.yaml', '--iptables-save', 'nope.txt'],
    stderr: /^kubepath trace: cannot read nope\.txt: /,
  },
  {
    name: 'unreadable --diff',
    argv: ['iptables', 'svc.yaml', '--diff', 'nope.txt'],
    stderr: /^kubepath iptables: cannot read nope\.txt: /,
  },
  {
    name: 'a device given as input (never read)',
    argv: ['analyze', 'zero.yaml'],
    stderr: /^kubepath analyze: cannot read zero\.yaml: not a regular file \(a character device\)$/,
  },
  {
    name: 'no input paths',
    argv: ['analyze'],
    stderr: /^kubepath analyze: no input paths given$/,
  },
];

void test('CLI errors: one line, exit code 2, no stack trace', async (t) => {
  const dir = workspace();
  try {
    for (const c of cases) {
      await t.test(c.name, async () => {
        const cwd = c.name.includes('found in the folder') ? dir : dir;
        const r = await runCli(c.argv, cwd);
        assert.equal(r.code, 2, `exit code for ${c.argv.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '', 'nothing on stdout');
        assert.ok(r.stderr.endsWith('\n'), 'ends with a newline');
        const lines = r.stderr.slice(0, -1).split('\n');
        assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
        assert.match(lines[0]!, c.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal/, 'no stack trace');
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test(
  'CLI errors: an unreadable file (EACCES) is one line, exit 2',
  { skip: process.getuid?.() === 0 ? 'running as root: every file is readable' : false },
  async () => {
    const dir = workspace();
    try {
      const locked = join(dir, 'locked.yaml');
      writeFileSync(locked, SERVICE);
      chmodSync(locked, 0o000);
      const r = await runCli(['analyze', 'locked.yaml'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^kubepath analyze: cannot read locked\.yaml: .*permission denied.*\n$/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test('CLI: a missing target and an unknown command name the problem first, then the usage', async () => {
  const dir = workspace();
  try {
    const missing = await runCli(['trace'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^kubepath trace: missing target\nusage: kubepath trace <target>/);
    const unknown = await runCli(['frobnicate'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^kubepath: unknown command "frobnicate"\nusage:/);
    for (const r of [missing, unknown]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('CLI: an internal error is one line without a stack (KUBEPATH_DEBUG unset)', async () => {
  registerCommand('explode-for-test', () => {
    throw new TypeError('Cannot read properties of undefined');
  });
  const saved = process.env['KUBEPATH_DEBUG'];
  delete process.env['KUBEPATH_DEBUG'];
  try {
    const r = await runCli(['explode-for-test'], tmpdir());
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'kubepath explode-for-test: internal error: Cannot read properties of undefined\n',
    );
  } finally {
    if (saved !== undefined) process.env['KUBEPATH_DEBUG'] = saved;
  }
});

void test('CLI: a valid profile next to the manifests still works (exit 0 or 1, never 2)', async () => {
  const dir = workspace();
  try {
    writeFileSync(
      join(dir, 'good-profile.yaml'),
      'apiVersion: kubepath.dev/v1alpha1\nkind: ClusterProfile\nserviceCIDR: 10.96.0.0/16\nnodes:\n  - {name: n1, ip: 172.18.0.2}\n',
    );
    const r = await runCli(['analyze', 'svc.yaml', '--cluster', 'good-profile.yaml'], dir);
    assert.equal(r.stderr, '');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}`);
    assert.match(r.stdout, /cluster good-profile\.yaml: 1 nodes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('CLI: what a folder walk finds but cannot read is a finding on that file; the rest is analysed once', async () => {
  const dir = workspace();
  try {
    mkdirSync(join(dir, 'repo'));
    writeFileSync(join(dir, 'repo', 'svc.yaml'), SERVICE);
    symlinkSync('/dev/zero', join(dir, 'repo', 'evil.yaml'));
    execFileSync('mkfifo', [join(dir, 'repo', 'pipe.yaml')]);
    // Sparse: over the 20 MiB limit without writing 20 MiB.
    writeFileSync(join(dir, 'repo', 'huge.yaml'), '');
    truncateSync(join(dir, 'repo', 'huge.yaml'), 21 * 1024 * 1024);
    // Two loops back to the folder and a second name for svc.yaml: walked and read once.
    mkdirSync(join(dir, 'repo', 'sub'));
    symlinkSync('.', join(dir, 'repo', 'loop-a'));
    symlinkSync('..', join(dir, 'repo', 'sub', 'up'));
    symlinkSync('svc.yaml', join(dir, 'repo', 'svc-again.yaml'));
    const out = await runCli(['analyze', 'repo', '--json'], dir);
    assert.equal(out.stderr, '');
    assert.equal(out.code, 1);
    const json = JSON.parse(out.stdout) as {
      services: { name: string }[];
      diagnostics: { file: string; code: string; severity: string; message: string }[];
    };
    assert.deepEqual(
      json.services.map((s) => s.name),
      ['web'],
    );
    const unreadable = json.diagnostics
      .filter((d) => d.code === 'file-unreadable')
      .map((d) => [d.file, d.severity, d.message]);
    assert.deepEqual(unreadable, [
      ['repo/evil.yaml', 'error', 'not analysed: not a regular file (a character device)'],
      ['repo/huge.yaml', 'error', 'not analysed: 22020096 bytes is more than the 20971520-byte limit'],
      ['repo/pipe.yaml', 'error', 'not analysed: not a regular file (a FIFO)'],
    ]);
    // svc.yaml read once: its one finding (no pods) is not repeated for its other names.
    assert.equal(json.diagnostics.filter((d) => d.code === 'service-selector-no-match').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a name that does not resolve is an NXDOMAIN outcome (exit 1, DESIGN.md), not bad usage', async () => {
  const dir = workspace();
  try {
    const text = await runCli(['trace', 'wbe:80', 'svc.yaml'], dir);
    assert.equal(text.stderr, '');
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /dns +wbe +NXDOMAIN: "wbe" is not a Service or pod name in the analysed files \(cluster\.local\)/,
    );
    assert.match(text.stdout, /Services in the analysed files: web\.default/);
    const json = await runCli(['trace', 'wbe:80', 'svc.yaml', '--json'], dir);
    assert.equal(json.code, 1);
    const trace = JSON.parse(json.stdout) as { outcome: string; hops: { kind: string }[] };
    assert.equal(trace.outcome, 'no-route');
    assert.deepEqual(
      trace.hops.map((h) => h.kind),
      ['dns'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
