// Real TCP against the tracer, whatever the proxy mode: builds the predicted cluster in
// network namespaces (netns.mjs), lets a backend load each node's predicted rules
// (iptables-restore in run.mjs, nft -f in nftables.mjs, both families in ipv6.mjs), runs
// an HTTP server answering with its pod name in every pod, sends the scenarios' real
// connections and checks, per entry:
//   - every reply comes from a pod the tracer has a branch for (at that node, IP:port);
//     every refusal / timeout matches a rejected / dropped branch (or, for a destination
//     the node itself owns, a branch the rules let through without a DNAT: nothing
//     listens there, so the node's TCP stack answers with a reset);
//   - every branch the tracer reports is reached (request counts make a miss < 1e-9);
//   - the source address the pod saw is the node's IP when the branch says
//     masquerade, the original sender's otherwise;
//   - branch frequencies agree with the tracer's probabilities (|z| ≤ 5);
//   - session affinity sticks per source;
//   - when the backend reads rule counters (iptables): every rule in the tracer's hops
//     matched, and the counters of the rules only service traffic can match equal the
//     connections the branches route through them; nfacct counters move as predicted.
import { join } from 'node:path';
import { here, secs } from './harness.mjs';

const agent = join(here, 'agent.mjs');
const MISS_BOUND = 1e-9; // probability that a branch is never hit although the kernel takes it

const isIPv6 = (ip) => ip.includes(':');

/**
 * @param o.checks       Checks (harness.mjs)
 * @param o.kubepath     kubepathCli() (harness.mjs)
 * @param o.topo         the Topology to build in (its namespaces are cleaned up by the caller)
 * @param o.paths        what every kubepath command analyses (plus o.cluster: ['--cluster', F])
 * @param o.defineScenarios (c) → [{title, entries}] (scenarios.mjs)
 * @param o.backend      { label, async load({topo, nodes, checks}), readCounters?(), exactRule?(key),
 *                         hopKey?(hop) → counter key, nfacct: boolean, async after?() }
 * @param o.nodeAddresses optional Map node name → every address of the node (default: its IP)
 * @param o.timings      an object the phases' durations are written to
 */
export async function runTraffic(o) {
  const { checks, kubepath, topo, paths, backend, timings } = o;
  const cluster = o.cluster ?? [];
  let t0 = Date.now();
  const analysis = await kubepath.json(['analyze', ...paths, ...cluster, '--json']);
  const nodes = analysis.cluster.nodes.map((n) => ({
    name: n.name,
    ip: n.ip,
    ips: o.nodeAddresses?.get(n.name) ?? [n.ip],
  }));
  const allPods = [];
  for (const w of analysis.workloads) {
    for (const p of w.pods) {
      if (!p.ip || !p.node) continue;
      allPods.push({
        key: `${w.namespace}/${p.name}`,
        name: p.name,
        namespace: w.namespace,
        ip: p.ip,
        ips: p.ips ?? [p.ip],
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
  // The internet client's address as the tracer picks it, per family the nodes have.
  const clientIPs = [];
  for (const v6 of [false, true]) {
    const address = nodes.flatMap((n) => n.ips).find((a) => isIPv6(a) === v6);
    if (!address) continue;
    const target = v6 ? `[${address}]:1` : `${address}:1`;
    clientIPs.push((await kubepath.json(['trace', target, ...paths, ...cluster, '--json'])).packet.sourceIP);
  }
  const clientIP = clientIPs.find((ip) => !isIPv6(ip)) ?? clientIPs[0];
  const base = clientIP.split('.').slice(0, 3).join('.');
  const affinitySources = isIPv6(clientIP)
    ? []
    : Array.from({ length: 30 }, (_, i) => `${base}.${100 + i}`).filter((ip) => ip !== clientIP);
  const nodeOf = (name) => nodes.find((n) => n.name === name);
  const c = {
    proxyMode: backend.mode,
    nodeNames: nodes.map((n) => n.name),
    nodeIP: (name) => nodeOf(name).ip,
    nodeIPv6: (name) => nodeOf(name).ips.find(isIPv6),
    clientIP,
    clientIPv6: clientIPs.find(isIPv6),
    affinitySources,
    allPods,
    service(ns, name) {
      const s = analysis.services.find((x) => x.namespace === ns && x.name === name);
      if (!s) throw new Error(`service ${ns}/${name} not in the analysis`);
      return s;
    },
    endpointsOf: (s) => s.endpoints ?? [],
  };
  const scenarios = o.defineScenarios(c);
  const entries = scenarios.flatMap((s) => s.entries);
  // Every tracer answer (the CLI is the contract under test).
  for (const e of entries) {
    e.traceResult = await kubepath.json(['trace', ...e.trace, ...paths, ...cluster, '--json']);
    checks.entry = e.title;
    checks.check(
      e.traceResult.proxyMode === backend.mode,
      `kubepath trace answers in ${backend.mode} mode (proxyMode ${e.traceResult.proxyMode})`,
    );
  }
  timings.kubepath = secs(t0);

  // Namespaces, links, routes.
  t0 = Date.now();
  const lbRoutes = entries.filter((e) => e.lbRoute).map((e) => e.lbRoute);
  topo.build({ nodes, pods: allPods, clientIPs: [...clientIPs, ...affinitySources], lbRoutes });
  timings.topology = secs(t0);

  // Rules.
  t0 = Date.now();
  checks.entry = 'load rules';
  console.log(
    `\n== load (${backend.label}): ${nodes.length} nodes, ${allPods.length} pods, ${analysis.services.length} services`,
  );
  await backend.load({ topo, nodes, checks });
  if (backend.readCounters) await backend.readCounters(); // the baseline
  timings.rules = secs(t0);

  // Agents: an HTTP server in every pod (which also sends when the pod is a client),
  // a sender in every node and in the client.
  t0 = Date.now();
  const agents = new Map(); // netns → agent
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
  const ctx = { c, checks, topo, agents, backend, nodes };
  for (const s of scenarios) {
    console.log(`\n== ${s.title}`);
    for (const e of s.entries) await runEntry(e, ctx);
  }
  timings.requests = secs(t0);
  checks.entry = 'after all entries';
  await backend.after?.({ topo, nodes, checks });
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

/** What the kernel does with a connection a branch describes. */
function kernelOutcome(b, destinationIsLocal) {
  if (b.outcome === 'reached') return 'reply';
  if (b.outcome === 'rejected') return 'ECONNREFUSED';
  if (b.outcome === 'dropped') return 'TIMEOUT';
  // Let through without a DNAT to an address of the node itself: no process listens
  // there, so the node's own TCP stack resets the connection.
  if ((b.outcome === 'no-route' || b.outcome === 'accepted') && destinationIsLocal) return 'ECONNREFUSED';
  return `(${b.outcome})`;
}

async function runEntry(e, { c, checks, topo, agents, backend, nodes }) {
  checks.entry = e.title;
  const check = checks.check.bind(checks);
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
        host: e.send.family === 'IPv6' ? c.nodeIPv6(node) : c.nodeIP(node),
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
        localAddress: e.send.localAddress,
        entry: t.entry,
      });
    }
  }
  const expectFailure = branches.some((b) => b.outcome !== 'reached');
  const timeoutMs = branches.some((b) => b.outcome === 'dropped') ? 1500 : 8000;
  const entryNodes = [...new Set(targets.map((t) => t.entry))];
  const nfacct = backend.nfacct && e.nfacct;
  const nfBefore = nfacct ? backend.nfacctGet(topo.nodes.get(entryNodes[0]).ns, e.nfacct) : 0;
  const isLocal = (node, host) =>
    host === '127.0.0.1' || host === '::1' || nodes.find((n) => n.name === node).ips.includes(host);

  const t0 = Date.now();
  const spec = { requests: requests.map(({ entry: _entry, ...r }) => r), concurrency: 12, timeoutMs };
  const results = await agents.get(senderNs).request(spec);
  const elapsed = secs(t0);
  const entryOf = (r) => requests.find((q) => q.host === r.host && q.port === r.port).entry;

  const counters = backend.readCounters ? await backend.readCounters() : null;
  console.log(
    `      kernel: ${results.length} connection(s) from ${e.from === 'client' ? 'the internet client' : e.from.pod ? `pod ${e.from.pod}` : `node ${e.from.node}`}${e.send.localAddress ? ` (source ${e.send.localAddress})` : ''} to ${targets.map((t) => `${t.host}:${t.port}`).join(', ')} in ${elapsed}${expectFailure ? ` (timeout ${timeoutMs} ms)` : ''}`,
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
    const local = isLocal(node, r.host);
    const hit = r.ok
      ? at.find(([b]) => b.outcome === 'reached' && b.pod === r.pod)
      : at.find(([b]) => kernelOutcome(b, local) === r.error);
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
      const nodeAddress = isIPv6(b.ip) ? c.nodeIPv6(b.node) : c.nodeIP(b.node);
      const expected = b.masquerade ? nodeAddress : original;
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

  if (counters) checkCounters(e, { results, branchOf, counters, backend, check });
  if (nfacct) {
    const after = backend.nfacctGet(topo.nodes.get(entryNodes[0]).ns, e.nfacct);
    const conns = results.filter((r) => r.ok).length;
    check(
      after - nfBefore === conns,
      `nfacct ${e.nfacct} on ${entryNodes[0]} counted ${after - nfBefore} packet(s) for ${conns} connection(s)`,
    );
  }
}

/** Rule counters: the tracer's hops matched in the kernel; the exact rules exactly. */
function checkCounters(e, { results, branchOf, counters, backend, check }) {
  const expected = new Map(); // node → Map(key → {count, exact})
  const inHops = new Map(); // node → Set(key)
  for (const r of results) {
    const b = branchOf.get(r);
    if (!b) continue;
    for (const h of b.hops) {
      const key = backend.hopKey(h);
      if (key === null) continue;
      const node = h.node ?? b.node;
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
    `every rule in the tracer's hops matched in the kernel (${[...inHops.values()].reduce((a, s) => a + s.size, 0)} rule(s), by ${backend.counterSource})`,
    [...unknown.map((u) => `not in the kernel's rules: ${u}`), ...notHit.map((u) => `counter 0: ${u}`)]
      .slice(0, 6)
      .join('\n'),
  );
  if (!e.affinity && backend.exactRule) {
    const wrong = [];
    for (const [node, table] of counters) {
      for (const [key, got] of table) {
        if (!backend.exactRule(key)) continue;
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
      'service-chain counters on every node equal the connections the tracer routes through each rule',
      wrong.slice(0, 4).join('\n'),
    );
  }
}
