#!/usr/bin/env node
// Kernel check for nftables mode: does real nft take `kubepath nftables --transaction` and
// list back exactly what `kubepath nftables` prints?
//
// For every example and kernel fixture, on every node: a fresh network namespace, the
// predicted transaction loaded with `nft -f` (it must load), then `nft list table ip
// kube-proxy` compared byte for byte with the default output. Nothing is created in the
// root namespace; the namespace is `kp-<pid>-nft` (swept at start if its run died).
//
// Needs root, ip (iproute2) and nft (nftables). Otherwise prints SKIP and exits 0
// (KUBEPATH_KERNEL_REQUIRED=1 makes that a failure).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStale } from './netns.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/cli.js');
const PATHS = [
  'examples/nginx',
  'examples/named-ports',
  'examples/headless',
  'examples/selector-typo',
  'examples/externalname',
  'test/kernel/fixtures/etp-local.yaml',
  'test/kernel/fixtures/no-endpoints.yaml',
  'test/kernel/fixtures/affinity.yaml',
];
const required = process.env.KUBEPATH_KERNEL_REQUIRED === '1';

function skip(reason) {
  console.log(`SKIP nftables kernel check: ${reason}`);
  process.exit(required ? 1 : 0);
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

function run(cmd, args, input) {
  return spawnSync(cmd, args, { encoding: 'utf8', input, cwd: root, maxBuffer: 64 * 1024 * 1024 });
}

if (process.platform !== 'linux') skip('not Linux');
if (typeof process.getuid === 'function' && process.getuid() !== 0)
  skip('not root (network namespaces need it)');
const missing = ['ip', 'nft'].filter((t) => !has(t));
if (missing.length) skip(`missing ${missing.join(', ')} (apt-get install iproute2 nftables)`);
if (!existsSync(cli)) skip(`${cli} is missing: run npm run build first`);

sweepStale();
const ns = `kp-${process.pid}-nft`;
const cleanup = () => run('ip', ['netns', 'del', ns]);
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));
const created = run('ip', ['netns', 'add', ns]);
if (created.status !== 0) skip(`cannot create a network namespace: ${created.stderr.trim()}`);
const nft = (args, input) => run('ip', ['netns', 'exec', ns, 'nft', ...args], input);
console.log(`nft: ${nft(['--version']).stdout.trim()}`);

const failures = [];
let checks = 0;
for (const path of PATHS) {
  const analysis = run('node', [cli, 'analyze', path, '--json']);
  const nodes = JSON.parse(analysis.stdout).cluster.nodes.map((n) => n.name);
  for (const node of nodes) {
    const what = `${path} --node ${node}`;
    const transaction = run('node', [cli, 'nftables', path, '--node', node, '--transaction']);
    const listing = run('node', [cli, 'nftables', path, '--node', node]);
    if (transaction.status !== 0 || listing.status !== 0) {
      failures.push(`${what}: kubepath failed: ${transaction.stderr}${listing.stderr}`);
      continue;
    }
    nft(['delete', 'table', 'ip', 'kube-proxy']);
    checks++;
    const loaded = nft(['-f', '-'], transaction.stdout);
    if (loaded.status !== 0) {
      failures.push(`${what}: nft -f refused the transaction:\n${loaded.stderr}`);
      console.log(`  FAIL  ${what}: nft -f`);
      continue;
    }
    checks++;
    const listed = nft(['list', 'table', 'ip', 'kube-proxy']).stdout;
    if (listed !== listing.stdout) {
      const a = listed.split('\n');
      const b = listing.stdout.split('\n');
      const i = a.findIndex((line, k) => line !== b[k]);
      failures.push(`${what}: nft list differs at line ${i + 1}:\n  nft:      ${a[i]}\n  kubepath: ${b[i]}`);
      console.log(`  FAIL  ${what}: nft list`);
      continue;
    }
    console.log(`  ok    ${what}: loads, nft list = kubepath nftables`);
  }
}
nft(['delete', 'table', 'ip', 'kube-proxy']);
console.log(`\n${checks} checks, ${failures.length} failed`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
