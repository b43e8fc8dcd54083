#!/usr/bin/env node
// Kernel verification, iptables mode: does the Linux kernel do what `kubepath trace` says?
//
// Builds the predicted cluster in network namespaces (netns.mjs), loads each node's
// predicted `iptables-save` with iptables-restore (and kube-proxy's --restore-input payload
// on top, as kube-proxy applies it), then sends the real connections of scenarios.mjs and
// checks them against the tracer's branches (traffic.mjs), with iptables rule counters:
// every rule in the tracer's hops matched, and in the service chains of the nat table each
// rule matched exactly as many connections as the branches through it carried; nfacct
// counters move as predicted.
//
// Needs root, ip (iproute2), iptables, nfacct. Otherwise prints SKIP and exits 0.
// Env: KUBEPATH_KERNEL_IPTABLES=nft|legacy (default nft), KUBEPATH_KERNEL_REQUIRED=1
// (fail instead of skip when the environment cannot run the suite).
import { spawnSync } from 'node:child_process';
import { iptablesBackend } from './backends.mjs';
import { Checks, guardedTopology, kubepathCli, preflight, runSuite, secs, skipper } from './harness.mjs';
import { defineScenarios } from './scenarios.mjs';
import { runTraffic } from './traffic.mjs';

const PATHS = ['examples/nginx', 'examples/named-ports', 'test/kernel/fixtures'];
const started = Date.now();

const backendName = (process.env.KUBEPATH_KERNEL_IPTABLES || 'nft').toLowerCase();
if (!['nft', 'legacy'].includes(backendName))
  skipper('kernel tests')(`KUBEPATH_KERNEL_IPTABLES=${backendName}: use nft or legacy`);
const ipt = {
  iptables: `iptables-${backendName}`,
  restore: `iptables-${backendName}-restore`,
  save: `iptables-${backendName}-save`,
};
const skip = preflight(
  'kernel tests',
  ['ip', 'nfacct', ipt.iptables, ipt.restore, ipt.save],
  'iptables iproute2 nfacct',
);

const checks = new Checks();
const kubepath = kubepathCli();
const { topo, cleanup, addOrSkip } = guardedTopology(skip);
const timings = {};
await runSuite('kernel tests', { checks, cleanup, timings, started }, main);

async function main() {
  console.log(
    `kernel ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, ${spawnSync(ipt.iptables, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  );

  // Can this kernel do what kube-proxy's rules need? One probe namespace, one rule per module.
  const t0 = Date.now();
  const probeNs = `${topo.prefix}-probe`;
  addOrSkip(probeNs);
  const I = ipt.iptables;
  const probes = {
    'nfacct object': 'nfacct add kp_probe',
    'tcp --dport': `${I} -A INPUT -p tcp -m tcp --dport 80 -j ACCEPT`,
    comment: `${I} -A INPUT -m comment --comment x -j ACCEPT`,
    conntrack: `${I} -A INPUT -m conntrack --ctstate NEW -j ACCEPT`,
    mark: `${I} -A INPUT -m mark --mark 0x4000/0x4000 -j ACCEPT`,
    addrtype: `${I} -A INPUT -m addrtype --dst-type LOCAL -j ACCEPT`,
    statistic: `${I} -A INPUT -m statistic --mode random --probability 0.5 -j ACCEPT`,
    'recent --set': `${I} -A INPUT -m recent --set --name KP --mask 255.255.255.255 --rsource -j ACCEPT`,
    'recent --rcheck': `${I} -A INPUT -m recent --rcheck --seconds 10800 --reap --name KP --mask 255.255.255.255 --rsource -j ACCEPT`,
    'nfacct match': `${I} -A INPUT -m nfacct --nfacct-name kp_probe -j ACCEPT`,
    REJECT: `${I} -A INPUT -j REJECT --reject-with icmp-port-unreachable`,
    DROP: `${I} -A INPUT -j DROP`,
    MARK: `${I} -t nat -A PREROUTING -j MARK --set-xmark 0x4000/0x4000`,
    DNAT: `${I} -t nat -A PREROUTING -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:80`,
    'MASQUERADE --random-fully': `${I} -t nat -A POSTROUTING -j MASQUERADE --random-fully`,
  };
  const script = Object.entries(probes)
    .map(
      ([name, cmd]) =>
        `if out=$(${cmd} 2>&1); then echo "ok ${name}"; else echo "missing ${name}: $out" | head -1; fi`,
    )
    .join('\n');
  const probe = topo.exec(probeNs, 'sh', ['-c', script], { allowFail: true }).stdout.trim().split('\n');
  const missing = probe.filter((l) => l.startsWith('missing'));
  console.log(
    `netfilter features (${backendName} backend): ${probe
      .filter((l) => l.startsWith('ok'))
      .map((l) => l.slice(3))
      .join(', ')}`,
  );
  if (missing.length) {
    cleanup();
    skip(`this kernel or iptables lacks what kube-proxy's rules use:\n  ${missing.join('\n  ')}`);
  }
  topo.removeNamespace(probeNs);
  timings.probe = secs(t0);

  await runTraffic({
    checks,
    kubepath,
    topo,
    paths: PATHS,
    defineScenarios,
    backend: iptablesBackend({ kubepath, paths: PATHS, tools: ipt, families: ['IPv4'] }),
    timings,
  });
}
