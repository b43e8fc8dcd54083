#!/usr/bin/env node
// Kernel verification: does the Linux kernel do what `kubepath trace` says?
//
// Builds the predicted cluster in network namespaces (netns.mjs), loads each node's
// predicted `iptables-save` with iptables-restore, runs an HTTP server answering
// with its pod name in every pod, sends real connections (scenarios.mjs) and checks,
// per entry:
//   - every reply comes from a pod the tracer has a branch for (at that node, IP:port);
//     every refusal / timeout matches a rejected / dropped branch;
//   - every branch the tracer reports is reached (request counts make a miss < 1e-9);
//   - the source address the pod saw is the node's IP when the branch says
//     masquerade, the original sender's otherwise;
//   - every rule in the tracer's hops matched in the kernel (rule counters), and in
//     the service chains of the nat table each rule matched exactly as many
//     connections as the branches through it carried (so no unpredicted rule fired);
//   - branch frequencies agree with the tracer's probabilities (|z| ≤ 5);
//   - session affinity sticks per source; nfacct counters move as predicted.
//
// Needs root, ip (iproute2), iptables, nfacct. Otherwise prints SKIP and exits 0.
// Env: KUBEPATH_KERNEL_IPTABLES=nft|legacy (default nft), KUBEPATH_KERNEL_REQUIRED=1
// (fail instead of skip when the environment cannot run the suite).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepStale, Topology } from './netns.mjs';
import { defineScenarios } from './scenarios.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/cli.js');
const agent = join(here, 'agent.mjs');
const PATHS = ['examples/nginx', 'examples/named-ports', 'test/kernel/fixtures'];
const MISS_BOUND = 1e-9; // probability that a branch is never hit although the kernel takes it
const started = Date.now();
const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(2) + 's';
const required = process.env.KUBEPATH_KERNEL_REQUIRED === '1';

function skip(reason) {
  console.log(`SKIP kernel tests: ${reason}`);
  process.exit(required ? 1 : 0);
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

// ---------------------------------------------------------------- preflight
if (process.platform !== 'linux') skip('not Linux');
if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  skip('not root (network namespaces and iptables need CAP_SYS_ADMIN and CAP_NET_ADMIN)');
}
const backendName = (process.env.KUBEPATH_KERNEL_IPTABLES || 'nft').toLowerCase();
if (!['nft', 'legacy'].includes(backendName))
  skip(`KUBEPATH_KERNEL_IPTABLES=${backendName}: use nft or legacy`);
const ipt = {
  iptables: `iptables-${backendName}`,
  restore: `iptables-${backendName}-restore`,
  save: `iptables-${backendName}-save`,
};
const missingTools = ['ip', 'nfacct', ipt.iptables, ipt.restore, ipt.save].filter((t) => !has(t));
if (missingTools.length) {
  skip(`missing ${missingTools.join(', ')} (apt-get install iptables iproute2 nfacct)`);
}
if (!existsSync(cli)) skip(`${cli} is missing: run npm run build first`);

// ---------------------------------------------------------------- reporting
const failures = [];
const notes = [];
let checks = 0;
function check(ok, what, detail = '') {
  checks++;
  if (ok) {
    console.log(`      ok    ${what}`);
  } else {
    console.log(
      `      FAIL  ${what}${detail ? `\n            ${detail.split('\n').join('\n            ')}` : ''}`,
    );
    failures.push(`${currentEntry}: ${what}${detail ? ` — ${detail.split('\n')[0]}` : ''}`);
  }
  return ok;
}
let currentEntry = '(setup)';

// The CLI itself (dist/cli.js's exported `run`, what the `kubepath` binary calls),
// in-process with captured output: one process start instead of one per command.
let cliRun;
async function kubepath(args) {
  cliRun ??= createRequire(import.meta.url)(cli).run;
  let out = '';
  let err = '';
  const code = await cliRun(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: root });
  return { code, out, err };
}
async function cliJSON(args) {
  const { code, out, err } = await kubepath(args);
  try {
    return JSON.parse(out);
  } catch {
    throw new Error(`kubepath ${args.join(' ')} exited ${code}: ${err || out}`);
  }
}
async function cliText(args) {
  const { code, out, err } = await kubepath(args);
  if (code !== 0) throw new Error(`kubepath ${args.join(' ')} exited ${code}: ${err}`);
  return out;
}

// ---------------------------------------------------------------- counters
/** iptables-save -c text → Map("table\n-A …" → packets) */
function parseCounters(text) {
  const m = new Map();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const r = /^\[(\d+):(\d+)\] (-A .*)$/.exec(line);
    if (r) m.set(`${table}\n${r[3]}`, Number(r[1]));
  }
  return m;
}

/** nat rules only service-addressed traffic entering this node can match (so their
 * counters must equal the connections the tracer routes through them). */
function exactRule(key) {
  const [table, rule] = key.split('\n');
  if (table !== 'nat') return false;
  const chain = rule.split(' ')[1];
  if (/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain)) return true;
  if (['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ'].includes(chain)) return true;
  return chain === 'KUBE-POSTROUTING' && / -j (MARK|MASQUERADE)\b/.test(rule);
}

/** Rule counters of every node since the previous call (iptables-save -c, one exec per node). */
const lastCounters = new Map();
async function readCounters() {
  const delta = new Map();
  await Promise.all(
    [...topo.nodes].map(async ([name, n]) => {
      const r = await topo.execAsync(n.ns, ipt.save, ['-c']);
      if (r.status !== 0) throw new Error(`${name}: ${ipt.save} -c: ${r.stderr}`);
      const now = parseCounters(r.stdout);
      const before = lastCounters.get(name) ?? new Map();
      delta.set(name, new Map([...now].map(([k, v]) => [k, v - (before.get(k) ?? 0)])));
      lastCounters.set(name, now);
    }),
  );
  return delta;
}

function nfacctGet(topo, ns, name) {
  const r = topo.exec(ns, 'nfacct', ['get', name], { allowFail: true });
  const m = /pkts = 0*(\d+)/.exec(r.stdout || '');
  return m ? Number(m[1]) : NaN;
}

// ---------------------------------------------------------------- main
const topo = new Topology();
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  const t0 = Date.now();
  const failed = topo.cleanup();
  if (failed.length) console.log(`cleanup: could not delete ${failed.join('; ')}`);
  else console.log(`cleanup: ${secs(t0)}, no kp-${process.pid}-* namespace left`);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}
process.on('exit', cleanup);

const timings = {};
const agents = new Map(); // netns → agent
try {
  await main();
} catch (e) {
  failures.push(`aborted: ${e.stack || e}`);
  console.log(`\nABORTED: ${e.stack || e}`);
}
cleanup();
console.log(
  `\nkernel tests: ${checks - failures.length}/${checks} checks passed, ${failures.length} failed; ` +
    Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') +
    `, total ${secs(started)}`,
);
if (notes.length) console.log(`notes:\n  - ${notes.join('\n  - ')}`);
if (failures.length) {
  console.log(`FAILED:\n  - ${failures.join('\n  - ')}`);
  process.exit(1);
}

async function main() {
  const stale = sweepStale();
  if (stale.length) console.log(`removed stale namespaces of earlier runs: ${stale.join(', ')}`);
  console.log(
    `kernel ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, ${spawnSync(ipt.iptables, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  );

  // Can this kernel do what kube-proxy's rules need? One probe namespace, one rule per module.
  let t0 = Date.now();
  const probeNs = `${topo.prefix}-probe`;
  try {
    topo.addNamespace(probeNs);
  } catch (e) {
    topo.cleanup();
    cleaned = true;
    skip(`cannot create a network namespace: ${String(e.message).split('\n')[0]}`);
  }
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
    topo.cleanup();
    cleaned = true;
    skip(`this kernel or iptables lacks what kube-proxy's rules use:\n  ${missing.join('\n  ')}`);
  }
  timings.probe = secs(t0);

  // The predicted cluster.
  t0 = Date.now();
  const analysis = await cliJSON(['analyze', ...PATHS, '--json']);
  const nodes = analysis.cluster.nodes.map((n) => ({ name: n.name, ip: n.ip }));
  const allPods = [];
  for (const w of analysis.workloads) {
    for (const p of w.pods) {
      if (!p.ip || !p.node) continue;
      allPods.push({
        key: `${w.namespace}/${p.name}`,
        name: p.name,
        namespace: w.namespace,
        ip: p.ip,
        node: p.node,
      });
    }
  }
  allPods.sort((a, b) => a.key.localeCompare(b.key));
  const ports = new Map(allPods.map((p) => [p.key, new Set()]));
  for (const s of analysis.services) {
    for (const e of s.endpoints ?? []) {
      for (const p of e.ports ?? [])
        if (p.protocol === 'TCP') ports.get(`${e.namespace}/${e.pod}`)?.add(p.port);
    }
  }
  const probeTrace = await cliJSON(['trace', `${nodes[0].ip}:1`, ...PATHS, '--json']);
  const clientIP = probeTrace.packet.sourceIP;
  const base = clientIP.split('.').slice(0, 3).join('.');
  const affinitySources = Array.from({ length: 30 }, (_, i) => `${base}.${100 + i}`).filter(
    (ip) => ip !== clientIP,
  );
  const c = {
    nodeNames: nodes.map((n) => n.name),
    nodeIP: (name) => nodes.find((n) => n.name === name).ip,
    clientIP,
    affinitySources,
    allPods,
    service(ns, name) {
      const s = analysis.services.find((x) => x.namespace === ns && x.name === name);
      if (!s) throw new Error(`service ${ns}/${name} not in the analysis`);
      return s;
    },
    endpointsOf: (s) => s.endpoints ?? [],
  };
  const scenarios = defineScenarios(c);
  const entries = scenarios.flatMap((s) => s.entries);
  // Every tracer answer (the CLI is the contract under test).
  for (const e of entries) e.traceResult = await cliJSON(['trace', ...e.trace, ...PATHS, '--json']);
  const dumps = [];
  for (const n of nodes) {
    dumps.push([
      await cliText(['iptables', ...PATHS, '--node', n.name]),
      await cliText(['iptables', ...PATHS, '--node', n.name, '--restore-input']),
    ]);
  }
  timings.kubepath = secs(t0);

  // Namespaces, links, routes.
  t0 = Date.now();
  const lbRoutes = entries.filter((e) => e.lbRoute).map((e) => e.lbRoute);
  topo.build({ nodes, pods: allPods, clientIPs: [clientIP, ...affinitySources], lbRoutes });
  timings.topology = secs(t0);

  // Rules.
  t0 = Date.now();
  currentEntry = 'load rules';
  console.log(
    `\n== load: ${nodes.length} nodes, ${allPods.length} pods, ${analysis.services.length} services`,
  );
  for (const [i, n] of nodes.entries()) {
    const ns = topo.nodes.get(n.name).ns;
    const [save, restoreInput] = dumps[i];
    topo.exec(ns, 'nfacct', ['add', 'ct_state_invalid_dropped_pkts']);
    topo.exec(ns, 'nfacct', ['add', 'localhost_nps_accepted_pkts']);
    const r = topo.exec(ns, ipt.restore, [], { input: save, allowFail: true });
    check(
      r.status === 0,
      `${n.name}: iptables-restore accepts the predicted iptables-save (${save.split('\n').length} lines)`,
      (r.stderr || '').trim(),
    );
    const back = topo.exec(ns, ipt.save, []).stdout;
    // Comments dropped; tables in name order (iptables-legacy-save prints nat before filter);
    // chain packet counters zeroed: they count traffic, not rules (a stray packet reaching a
    // node's PREROUTING between restore and save turned `[0:0]` into `[1:40]` once in CI).
    const strip = (t) =>
      t
        .split(/^(?=\*)/m)
        .map((block) =>
          block
            .split('\n')
            .filter((l) => l && !l.startsWith('#'))
            .map((l) => l.replace(/^(:\S+ \S+) \[\d+:\d+\]$/, '$1 [0:0]'))
            .join('\n'),
        )
        .filter(Boolean)
        .sort()
        .join('\n');
    const same = strip(back) === strip(save);
    check(
      same,
      `${n.name}: ${ipt.save} prints the loaded rules back byte for byte (per table)`,
      same ? '' : firstDiff(strip(save), strip(back)),
    );
    // kube-proxy's own payload, applied the way kube-proxy does, on top: must load too.
    const k = topo.exec(ns, ipt.restore, ['--noflush', '--counters'], {
      input: restoreInput,
      allowFail: true,
    });
    check(
      k.status === 0,
      `${n.name}: kube-proxy's restore payload (--restore-input) loads with --noflush --counters`,
      (k.stderr || '').trim(),
    );
    const again = strip(topo.exec(ns, ipt.save, []).stdout);
    check(
      again === strip(save),
      `${n.name}: ...and leaves the rules exactly as the iptables-save view predicts`,
      again === strip(save) ? '' : firstDiff(strip(save), again),
    );
  }
  await readCounters(); // the baseline
  timings.rules = secs(t0);

  // Agents: an HTTP server in every pod (which also sends when the pod is a client),
  // a sender in every node and in the client.
  t0 = Date.now();
  const starting = [
    ...allPods.map((p) => [topo.pods.get(p.key).ns, [p.name, ...ports.get(p.key)], `pod ${p.key}`]),
    ...[...topo.nodes.values()].map((n) => [n.ns, [n.name], `node ${n.name}`]),
    [topo.client, ['client'], 'client'],
  ];
  await Promise.all(
    starting.map(async ([ns, args, label]) =>
      agents.set(ns, await topo.startAgent(ns, process.execPath, [agent, ...args], label)),
    ),
  );
  timings.agents = secs(t0);

  // Entries.
  t0 = Date.now();
  for (const s of scenarios) {
    console.log(`\n== ${s.title}`);
    for (const e of s.entries) await runEntry(e, c);
  }
  timings.requests = secs(t0);

  currentEntry = 'after all entries';
  console.log('\n== conntrack');
  for (const n of nodes) {
    const v = nfacctGet(topo, topo.nodes.get(n.name).ns, 'ct_state_invalid_dropped_pkts');
    check(
      v === 0,
      `${n.name}: no packet dropped as conntrack INVALID (nfacct ct_state_invalid_dropped_pkts = ${v})`,
    );
  }
}

function firstDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i])
      return `line ${i + 1}:\n  predicted: ${x[i] ?? '(end)'}\n  kernel:    ${y[i] ?? '(end)'}`;
  }
  return '';
}

function requestsFor(branches) {
  const reached = branches.filter((b) => b.outcome === 'reached');
  if (reached.length === 0) return 3;
  const total = branches.reduce((a, b) => a + b.probability, 0);
  const pmin = Math.min(...reached.map((b) => b.probability / total));
  if (pmin >= 1) return 20;
  const n = Math.ceil(Math.log(MISS_BOUND / branches.length) / Math.log(1 - pmin));
  return Math.min(200, Math.max(20, n));
}

async function runEntry(e, c) {
  currentEntry = e.title;
  const tr = e.traceResult;
  const branches = tr.branches;
  const show = (b) => (b.outcome === 'reached' ? `${b.pod} ${b.ip}:${b.port}` : b.outcome.toUpperCase());
  console.log(`\n  ▸ ${e.title}`);
  console.log(
    `      tracer: kubepath trace ${e.trace.join(' ')} → ${tr.outcome}, ${branches.length} branch(es)`,
  );

  // Who sends, where, how often.
  const senderNs =
    e.from === 'client'
      ? topo.client
      : e.from.pod
        ? topo.pods.get(e.from.pod).ns
        : topo.nodes.get(e.from.node).ns;
  const targets = e.send.viaLB
    ? [...new Set(branches.map((b) => b.node))].map((node) => ({
        host: c.nodeIP(node),
        port: e.send.viaLB,
        entry: node,
      }))
    : [{ host: e.send.host, port: e.send.port, entry: e.send.entry }];
  const requests = [];
  for (const t of targets) {
    const at = branches.filter((b) => b.node === t.entry);
    if (e.affinity) {
      for (const src of e.affinity.sources) {
        requests.push({
          host: t.host,
          port: t.port,
          count: e.affinity.perSource,
          sequential: true,
          localAddress: src ?? undefined,
          entry: t.entry,
        });
      }
    } else {
      requests.push({
        host: t.host,
        port: t.port,
        count: requestsFor(at.length ? at : branches),
        entry: t.entry,
      });
    }
  }
  const expectFailure = branches.some((b) => b.outcome !== 'reached');
  const timeoutMs = branches.some((b) => b.outcome === 'dropped') ? 1500 : 8000;
  const entryNodes = [...new Set(targets.map((t) => t.entry))];
  const nfBefore = e.nfacct ? nfacctGet(topo, topo.nodes.get(entryNodes[0]).ns, e.nfacct) : 0;

  const t0 = Date.now();
  const spec = { requests: requests.map(({ entry: _entry, ...r }) => r), concurrency: 12, timeoutMs };
  const results = await agents.get(senderNs).request(spec);
  const elapsed = secs(t0);
  const entryOf = (r) => requests.find((q) => q.host === r.host && q.port === r.port).entry;

  // Kernel rule counters of every node: what this entry added.
  const counters = await readCounters();
  console.log(
    `      kernel: ${results.length} connection(s) from ${e.from === 'client' ? 'the internet client' : e.from.pod ? `pod ${e.from.pod}` : `node ${e.from.node}`} to ${targets.map((t) => `${t.host}:${t.port}`).join(', ')} in ${elapsed}${expectFailure ? ` (timeout ${timeoutMs} ms)` : ''}`,
  );

  // Match each result to a branch.
  const seen = new Map(); // branch index → count
  const unexplained = [];
  const badAddr = [];
  const badSrc = [];
  const slowRefusals = [];
  const branchOf = new Map();
  for (const r of results) {
    const node = entryOf(r);
    const at = branches.map((b, i) => [b, i]).filter(([b]) => b.node === node);
    let hit;
    if (r.ok) hit = at.find(([b]) => b.outcome === 'reached' && b.pod === r.pod);
    else if (r.error === 'ECONNREFUSED') hit = at.find(([b]) => b.outcome === 'rejected');
    else if (r.error === 'TIMEOUT') hit = at.find(([b]) => b.outcome === 'dropped');
    if (!hit) {
      unexplained.push(`${node}: ${r.ok ? `reply from ${r.pod} (${r.local}:${r.localPort})` : r.error}`);
      continue;
    }
    const [b, i] = hit;
    branchOf.set(r, b);
    seen.set(i, (seen.get(i) ?? 0) + 1);
    if (r.ok) {
      if (r.local !== b.ip || r.localPort !== b.port)
        badAddr.push(`${r.pod}: answered on ${r.local}:${r.localPort}, tracer says ${b.ip}:${b.port}`);
      const original = r.localAddress ?? tr.packet.sourceIP;
      const expected = b.masquerade ? c.nodeIP(b.node) : original;
      if (r.remote !== expected) {
        badSrc.push(
          `${b.node} → ${r.pod}: pod saw ${r.remote}, tracer says masquerade=${b.masquerade} → expected ${expected}`,
        );
      }
    }
    if (r.error === 'ECONNREFUSED' && r.ms > 1000) slowRefusals.push(`${r.ms} ms`);
  }

  // The table: branch, probability, what the kernel did.
  const perNode = new Map();
  for (const q of requests) perNode.set(q.entry, (perNode.get(q.entry) ?? 0) + q.count);
  for (const [i, b] of branches.entries()) {
    const atNode = branches.filter((x) => x.node === b.node);
    const p = b.probability / atNode.reduce((a, x) => a + x.probability, 0);
    const n = seen.get(i) ?? 0;
    const sent = perNode.get(b.node) ?? 0;
    console.log(
      `        ${b.node.padEnd(7)} ${show(b).padEnd(44)} p=${p.toFixed(3)} masq=${b.masquerade ? 'yes' : 'no '}  kernel ${String(n).padStart(3)}/${sent}` +
        (sent ? ` (${(n / sent).toFixed(3)})` : ''),
    );
  }

  check(
    unexplained.length === 0,
    `every kernel outcome is one of the tracer's branches (${results.length - unexplained.length}/${results.length})`,
    unexplained.slice(0, 5).join('\n'),
  );
  const coverage = !e.affinity || e.affinity.sources.length >= 20;
  if (coverage) {
    const missed = branches.filter((b, i) => !seen.get(i)).map((b) => `${b.node}: ${show(b)}`);
    check(
      missed.length === 0,
      `every tracer branch happens in the kernel (${branches.length - missed.length}/${branches.length})`,
      missed.join('\n'),
    );
  }
  if (results.some((r) => r.ok)) {
    check(
      badAddr.length === 0,
      "each pod answered on the branch's DNAT target IP:port",
      badAddr.slice(0, 5).join('\n'),
    );
    check(
      badSrc.length === 0,
      "the source address each pod saw matches the branch's masquerade verdict",
      badSrc.slice(0, 5).join('\n'),
    );
  }
  if (results.some((r) => r.error === 'ECONNREFUSED')) {
    const worst = Math.max(...results.filter((r) => r.error === 'ECONNREFUSED').map((r) => r.ms));
    check(slowRefusals.length === 0, `refused at once (slowest ${worst} ms)`, slowRefusals.join(', '));
  }

  // Probabilities: each branch's share of its node's connections.
  if (!e.affinity) {
    const off = [];
    for (const [i, b] of branches.entries()) {
      const atNode = branches.filter((x) => x.node === b.node);
      if (atNode.length < 2) continue;
      const p = b.probability / atNode.reduce((a, x) => a + x.probability, 0);
      const n = perNode.get(b.node) ?? 0;
      const z = Math.abs((seen.get(i) ?? 0) - n * p) / Math.sqrt(n * p * (1 - p));
      if (z > 5)
        off.push(`${b.node} ${show(b)}: ${seen.get(i) ?? 0}/${n}, p=${p.toFixed(3)}, z=${z.toFixed(1)}`);
    }
    const multi = branches.some((b) => branches.filter((x) => x.node === b.node).length > 1);
    if (multi)
      check(
        off.length === 0,
        "branch frequencies agree with the tracer's probabilities (|z| ≤ 5)",
        off.join('\n'),
      );
  }

  // Session affinity: one pod per source address.
  if (e.affinity) {
    const bySource = new Map();
    for (const r of results.filter((x) => x.ok)) {
      const k = r.localAddress ?? 'default';
      bySource.set(k, new Set([...(bySource.get(k) ?? []), r.pod]));
    }
    const loose = [...bySource]
      .filter(([, pods]) => pods.size > 1)
      .map(([s, pods]) => `${s}: ${[...pods].join(', ')}`);
    check(
      loose.length === 0,
      `each source address sticks to one pod (${bySource.size} source(s))`,
      loose.join('\n'),
    );
  }

  // Rule counters: the tracer's hops matched in the kernel; nat service chains exactly.
  const expected = new Map(); // node → Map(key → {count, exact})
  const inHops = new Map(); // node → Set(key)
  for (const r of results) {
    const b = branchOf.get(r);
    if (!b) continue;
    for (const h of b.hops) {
      if (!h.rule || !h.chain) continue;
      const node = h.node ?? b.node;
      const key = `${h.chain.split(' ')[0]}\n${h.rule}`;
      if (!expected.has(node)) expected.set(node, new Map());
      if (!inHops.has(node)) inHops.set(node, new Set());
      inHops.get(node).add(key);
      const x = expected.get(node).get(key) ?? { count: 0, exact: true };
      x.count += 1;
      if (b.outcome === 'dropped') x.exact = false; // SYN retransmits pass the nat table again
      expected.get(node).set(key, x);
    }
  }
  const notHit = [];
  const unknown = [];
  for (const [node, keys] of inHops) {
    for (const key of keys) {
      const got = counters.get(node).get(key);
      if (got === undefined) unknown.push(`${node}: ${key.replace('\n', ' ')}`);
      else if (got === 0) notHit.push(`${node}: ${key.replace('\n', ' ')}`);
    }
  }
  check(
    unknown.length === 0 && notHit.length === 0,
    `every rule in the tracer's hops matched in the kernel (${[...inHops.values()].reduce((a, s) => a + s.size, 0)} rule(s), by iptables counters)`,
    [...unknown.map((u) => `not in the kernel's rules: ${u}`), ...notHit.map((u) => `counter 0: ${u}`)]
      .slice(0, 6)
      .join('\n'),
  );
  if (!e.affinity) {
    const wrong = [];
    for (const [node, table] of counters) {
      for (const [key, got] of table) {
        if (!exactRule(key)) continue;
        const want = expected.get(node)?.get(key) ?? { count: 0, exact: true };
        if (want.exact ? got !== want.count : got < want.count) {
          wrong.push(
            `${node}: ${key.split('\n')[1]}\n  kernel ${got}, tracer's branches ${want.exact ? '' : '≥ '}${want.count}`,
          );
        }
      }
    }
    check(
      wrong.length === 0,
      'nat service-chain counters on every node equal the connections the tracer routes through each rule',
      wrong.slice(0, 4).join('\n'),
    );
  }
  if (e.nfacct) {
    const after = nfacctGet(topo, topo.nodes.get(entryNodes[0]).ns, e.nfacct);
    const conns = results.filter((r) => r.ok).length;
    check(
      after - nfBefore === conns,
      `nfacct ${e.nfacct} on ${entryNodes[0]} counted ${after - nfBefore} packet(s) for ${conns} connection(s)`,
    );
  }
}
