#!/usr/bin/env node
// Kernel check for the IPv6 proxier on a dual-stack cluster (examples/dual-stack), in two parts.
//
// 1. Load and list back, on every node, each load in a fresh network namespace
//    (`kp-<pid>-v6`): `kubepath iptables --family ipv6` loads with ip6tables-restore and
//    ip6tables-save prints it back byte for byte; the --restore-input payload loads; `kubepath
//    nftables --family ipv6 --transaction` loads with `nft -f` and `nft list table ip6
//    kube-proxy` equals `kubepath nftables --family ipv6`.
// 2. Real TCP over IPv6, in iptables mode (the example's profile: iptables-restore and
//    ip6tables-restore on every node) and in nftables mode (profiles/dual-stack-nftables:
//    the `ip` and `ip6 kube-proxy` tables with `nft -f`): ClusterIP and NodePort over IPv6
//    (scenarios.mjs defineIPv6Scenarios) to real pod processes, each outcome checked against
//    `kubepath trace '[fd00:…]:80'` (traffic.mjs).
//
// Nothing is created in the root namespace; every namespace is `kp-<pid>-…`, deleted on exit
// or signal (and swept at start if its run died).
// Needs root, ip, ip6tables-restore, nfacct and nft. Otherwise prints SKIP and exits 0
// (KUBEPATH_KERNEL_REQUIRED=1 makes that a failure).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { iptablesBackend, nftablesBackend } from './backends.mjs';
import { Checks, guardedTopology, kubepathCli, preflight, runSuite, root, secs } from './harness.mjs';
import { defineIPv6Scenarios } from './scenarios.mjs';
import { runTraffic } from './traffic.mjs';

const example = 'examples/dual-stack';
const PROFILES = {
  iptables: `${example}/kubepath.cluster.yaml`,
  nftables: 'test/kernel/profiles/dual-stack-nftables.cluster.yaml',
};
const FAMILIES = ['IPv4', 'IPv6'];
const ipt = { iptables: 'iptables-nft', restore: 'iptables-nft-restore', save: 'iptables-nft-save' };
const started = Date.now();

const skip = preflight(
  'IPv6 kernel check',
  ['ip', 'ip6tables-restore', 'ip6tables-save', 'nfacct', 'nft', ipt.restore, 'ip6tables-nft-restore'],
  'iproute2 iptables nfacct nftables',
);
const checks = new Checks();
const kubepath = kubepathCli();
const { topo, cleanup, addOrSkip } = guardedTopology(skip);
const timings = {};
await runSuite('IPv6 kernel check', { checks, cleanup, timings, started }, main);

async function main() {
  let t0 = Date.now();
  const cluster = ['--cluster', PROFILES.iptables];
  const ns = `${topo.prefix}-v6`;
  /** A fresh namespace with kube-proxy's nfacct counters (its rules name them). */
  const freshNamespace = () => {
    if (topo.namespaces.includes(ns)) topo.removeNamespace(ns);
    addOrSkip(ns);
    for (const counter of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'])
      topo.exec(ns, 'nfacct', ['add', counter]);
  };
  const inNs = (cmd, args, input) => topo.exec(ns, cmd, args, { input, allowFail: true });
  const withoutComments = (text) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
  const firstLine = (a, b, labels) => {
    const at = a.split('\n').findIndex((l, i) => l !== b.split('\n')[i]);
    return `line ${at + 1}:\n  ${labels[0]} ${a.split('\n')[at]}\n  ${labels[1]} ${b.split('\n')[at]}`;
  };

  console.log('\n== load and list back: the IPv6 proxier of every node');
  const analysis = await kubepath.json(['analyze', example, '--json', ...cluster]);
  for (const { name: node } of analysis.cluster.nodes) {
    checks.entry = `${example} --node ${node}`;
    const args = [example, ...cluster, '--node', node, '--family', 'ipv6'];
    const save = await kubepath.text(['iptables', ...args]);
    const restore = await kubepath.text(['iptables', ...args, '--restore-input']);
    checks.check(save.includes('fd00:10:96::'), `${node}: kubepath's ip6tables rules name IPv6 Services`);

    freshNamespace();
    const loaded = inNs('ip6tables-restore', [], save);
    checks.check(
      loaded.status === 0,
      `${node}: ip6tables-restore takes kubepath iptables --family ipv6`,
      loaded.stderr,
    );
    const back = withoutComments(inNs('ip6tables-save', []).stdout);
    const ours = withoutComments(save);
    checks.check(
      back === ours,
      `${node}: ip6tables-save prints it back byte for byte`,
      firstLine(back, ours, ['ip6tables-save:', 'kubepath:      ']),
    );

    freshNamespace();
    const payload = inNs('ip6tables-restore', ['--noflush'], restore);
    checks.check(
      payload.status === 0,
      `${node}: ip6tables-restore takes the --restore-input payload`,
      payload.stderr,
    );

    const transaction = await kubepath.text(['nftables', ...args, '--transaction']);
    const listing = await kubepath.text(['nftables', ...args]);
    freshNamespace();
    const nftLoaded = inNs('nft', ['-f', '-'], transaction);
    checks.check(
      nftLoaded.status === 0,
      `${node}: nft -f takes the ip6 kube-proxy transaction`,
      nftLoaded.stderr,
    );
    const listed = inNs('nft', ['list', 'table', 'ip6', 'kube-proxy']).stdout;
    checks.check(
      listed === listing,
      `${node}: nft list table ip6 kube-proxy = kubepath nftables --family ipv6`,
      firstLine(listed, listing, ['nft:     ', 'kubepath:']),
    );
  }
  topo.removeNamespace(ns);
  timings.listings = secs(t0);

  for (const mode of ['iptables', 'nftables']) {
    t0 = Date.now();
    const profile = PROFILES[mode];
    const cluster = ['--cluster', profile];
    const paths = [example];
    // Every address of each node, both families (analyze --json names the primary one).
    const nodeAddresses = new Map(
      parse(readFileSync(join(root, profile), 'utf8')).nodes.map((n) => [n.name, n.ips ?? [n.ip]]),
    );
    const backend =
      mode === 'iptables'
        ? iptablesBackend({ kubepath, paths, cluster, tools: ipt, families: FAMILIES })
        : nftablesBackend({ kubepath, paths, cluster, families: FAMILIES });
    console.log(`\n==== ${mode} mode (${profile})`);
    const phases = {};
    await runTraffic({
      checks,
      kubepath,
      topo,
      paths,
      cluster,
      defineScenarios: defineIPv6Scenarios,
      backend,
      nodeAddresses,
      timings: phases,
    });
    const failed = topo.cleanup();
    if (failed.length) checks.check(false, `${mode}: namespaces deleted`, failed.join('; '));
    timings[mode] = secs(t0);
  }
}
