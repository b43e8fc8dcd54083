#!/usr/bin/env node
// Kernel check for the IPv6 proxier: on a dual-stack cluster (examples/dual-stack), on every
// node, does real ip6tables-restore take `kubepath iptables --family ipv6` (and its
// --restore-input payload), and does ip6tables-save print it back byte for byte? Does
// `nft -f` take `kubepath nftables --family ipv6 --transaction`, and does `nft list table
// ip6 kube-proxy` equal `kubepath nftables --family ipv6`? Each load in a fresh network
// namespace `kp-<pid>-v6` (swept at start if its run died); nothing in the root namespace.
//
// Needs root, ip, ip6tables-restore, nfacct and nft. Otherwise prints SKIP and exits 0
// (KUBEPATH_KERNEL_REQUIRED=1 makes that a failure).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStale } from './netns.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/cli.js');
const example = 'examples/dual-stack';
const cluster = ['--cluster', `${example}/kubepath.cluster.yaml`];
const required = process.env.KUBEPATH_KERNEL_REQUIRED === '1';

function skip(reason) {
  console.log(`SKIP IPv6 kernel check: ${reason}`);
  process.exit(required ? 1 : 0);
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

function run(cmd, args, input) {
  return spawnSync(cmd, args, { encoding: 'utf8', input, cwd: root, maxBuffer: 64 * 1024 * 1024 });
}

if (process.platform !== 'linux') skip('not Linux');
if (typeof process.getuid === 'function' && process.getuid() !== 0)
  skip('not root (network namespaces need it)');
const missing = ['ip', 'ip6tables-restore', 'ip6tables-save', 'nfacct', 'nft'].filter((t) => !has(t));
if (missing.length) skip(`missing ${missing.join(', ')} (apt-get install iproute2 iptables nfacct nftables)`);
if (!existsSync(cli)) skip(`${cli} is missing: run npm run build first`);

sweepStale();
const ns = `kp-${process.pid}-v6`;
const cleanup = () => run('ip', ['netns', 'del', ns]);
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

/** A fresh namespace with kube-proxy's nfacct counters (its rules name them). */
function freshNamespace() {
  cleanup();
  const created = run('ip', ['netns', 'add', ns]);
  if (created.status !== 0) skip(`cannot create a network namespace: ${created.stderr.trim()}`);
  for (const counter of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'])
    run('ip', ['netns', 'exec', ns, 'nfacct', 'add', counter]);
}
const inNs = (cmd, args, input) => run('ip', ['netns', 'exec', ns, cmd, ...args], input);
const withoutComments = (text) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

const failures = [];
let checks = 0;
const check = (what, ok, detail) => {
  checks++;
  if (ok) console.log(`  ok    ${what}`);
  else {
    console.log(`  FAIL  ${what}`);
    failures.push(`${what}: ${detail}`);
  }
};

const analysis = run('node', [cli, 'analyze', example, '--json', ...cluster]);
const nodes = JSON.parse(analysis.stdout).cluster.nodes.map((n) => n.name);
for (const node of nodes) {
  const args = [example, ...cluster, '--node', node, '--family', 'ipv6'];
  const save = run('node', [cli, 'iptables', ...args]).stdout;
  const restore = run('node', [cli, 'iptables', ...args, '--restore-input']).stdout;
  if (!save.includes('fd00:10:96::')) failures.push(`${node}: no IPv6 Service rules in kubepath's output`);

  freshNamespace();
  const loaded = inNs('ip6tables-restore', [], save);
  check(
    `${node}: ip6tables-restore takes kubepath iptables --family ipv6`,
    loaded.status === 0,
    loaded.stderr,
  );
  const back = withoutComments(inNs('ip6tables-save', []).stdout);
  const ours = withoutComments(save);
  const line = back.split('\n').findIndex((l, i) => l !== ours.split('\n')[i]);
  check(
    `${node}: ip6tables-save prints it back byte for byte`,
    back === ours,
    `line ${line + 1}:\n  ip6tables-save: ${back.split('\n')[line]}\n  kubepath:       ${ours.split('\n')[line]}`,
  );

  freshNamespace();
  const payload = inNs('ip6tables-restore', ['--noflush'], restore);
  check(`${node}: ip6tables-restore takes the --restore-input payload`, payload.status === 0, payload.stderr);

  const transaction = run('node', [cli, 'nftables', ...args, '--transaction']).stdout;
  const listing = run('node', [cli, 'nftables', ...args]).stdout;
  freshNamespace();
  const nftLoaded = inNs('nft', ['-f', '-'], transaction);
  check(`${node}: nft -f takes the ip6 kube-proxy transaction`, nftLoaded.status === 0, nftLoaded.stderr);
  const listed = inNs('nft', ['list', 'table', 'ip6', 'kube-proxy']).stdout;
  const at = listed.split('\n').findIndex((l, i) => l !== listing.split('\n')[i]);
  check(
    `${node}: nft list table ip6 kube-proxy = kubepath nftables --family ipv6`,
    listed === listing,
    `line ${at + 1}:\n  nft:      ${listed.split('\n')[at]}\n  kubepath: ${listing.split('\n')[at]}`,
  );
}
console.log(`\n${checks} checks, ${failures.length} failed`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
