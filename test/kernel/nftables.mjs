#!/usr/bin/env node
// Kernel check for nftables mode, in two parts.
//
// 1. Load and list back: for every example and kernel fixture, on every node, in a fresh
//    network namespace (`kp-<pid>-nft`), the predicted transaction (`kubepath nftables
//    --transaction`) must load with `nft -f`, and `nft list table ip kube-proxy` must then
//    print exactly what `kubepath nftables` prints.
// 2. Real TCP: the kernel suite's cluster and scenarios (scenarios.mjs: seed nginx, ETP
//    Local, no endpoints, named ports, session affinity, loadBalancerSourceRanges) with
//    kube-proxy in nftables mode (profiles/nftables.cluster.yaml): each node's transaction
//    loaded with `nft -f` in the node's namespace, real connections to real pod processes,
//    each outcome checked against `kubepath trace` in nftables mode (traffic.mjs).
//
// Nothing is created in the root namespace; every namespace is `kp-<pid>-…`, deleted on
// exit or signal (and swept at start if its run died).
// Needs root, ip (iproute2) and nft (nftables). Otherwise prints SKIP and exits 0
// (KUBEPATH_KERNEL_REQUIRED=1 makes that a failure).
import { nftablesBackend } from './backends.mjs';
import { Checks, guardedTopology, kubepathCli, preflight, runSuite, secs } from './harness.mjs';
import { defineScenarios } from './scenarios.mjs';
import { runTraffic } from './traffic.mjs';

const LISTED = [
  'examples/nginx',
  'examples/named-ports',
  'examples/headless',
  'examples/selector-typo',
  'examples/externalname',
  'test/kernel/fixtures/etp-local.yaml',
  'test/kernel/fixtures/no-endpoints.yaml',
  'test/kernel/fixtures/affinity.yaml',
  'test/kernel/fixtures/source-ranges.yaml',
];
const TRAFFIC = ['examples/nginx', 'examples/named-ports', 'test/kernel/fixtures'];
const CLUSTER = ['--cluster', 'test/kernel/profiles/nftables.cluster.yaml'];
const started = Date.now();

const skip = preflight('nftables kernel check', ['ip', 'nft'], 'iproute2 nftables');
const checks = new Checks();
const kubepath = kubepathCli();
const { topo, cleanup, addOrSkip } = guardedTopology(skip);
const timings = {};
await runSuite('nftables kernel check', { checks, cleanup, timings, started }, main);

async function main() {
  let t0 = Date.now();
  const ns = `${topo.prefix}-nft`;
  addOrSkip(ns);
  const nft = (args, input) => topo.exec(ns, 'nft', args, { input, allowFail: true });
  console.log(`nft: ${nft(['--version']).stdout.trim()}`);
  console.log('\n== every example and fixture: nft -f loads the transaction, nft list = kubepath nftables');
  for (const path of LISTED) {
    const analysis = await kubepath.json(['analyze', path, '--json']);
    for (const { name: node } of analysis.cluster.nodes) {
      checks.entry = `${path} --node ${node}`;
      const transaction = await kubepath.text(['nftables', path, '--node', node, '--transaction']);
      const listing = await kubepath.text(['nftables', path, '--node', node]);
      nft(['delete', 'table', 'ip', 'kube-proxy']);
      const loaded = nft(['-f', '-'], transaction);
      if (!checks.check(loaded.status === 0, `${checks.entry}: nft -f loads the transaction`, loaded.stderr))
        continue;
      const listed = nft(['list', 'table', 'ip', 'kube-proxy']).stdout;
      checks.check(
        listed === listing,
        `${checks.entry}: nft list table ip kube-proxy = kubepath nftables`,
        listed === listing ? '' : firstLine(listed, listing),
      );
    }
  }
  topo.removeNamespace(ns);
  timings.listings = secs(t0);

  t0 = Date.now();
  await runTraffic({
    checks,
    kubepath,
    topo,
    paths: TRAFFIC,
    cluster: CLUSTER,
    defineScenarios,
    backend: nftablesBackend({ kubepath, paths: TRAFFIC, cluster: CLUSTER, families: ['IPv4'] }),
    timings,
  });
  timings.traffic = secs(t0);
}

function firstLine(listed, listing) {
  const a = listed.split('\n');
  const b = listing.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  return `line ${i + 1}:\n  nft:      ${a[i]}\n  kubepath: ${b[i]}`;
}
