// The predicted cluster as network namespaces, Calico-style routing:
//
//   client ns ──veth── router ns (br0) ──veth── node ns ──veth── pod ns
//   198.51.100.23        169.254.0.1        172.18.0.2   (no IP,   10.244.1.19/32
//                        routes node IPs,   /32 eth0     proxy_arp) default via 169.254.1.1
//                        LB IPs via a node
//
// Every address is a /32 (IPv6: a /128) with on-link routes, so no subnet of the profile
// is assumed.
// Nothing is created in the root namespace: veths are made inside their namespace
// (`ip -n NS link add … peer … netns OTHER`), so deleting the namespaces removes all.
import { spawn, spawnSync } from 'node:child_process';

const GATEWAY = '169.254.0.1'; // the router, as seen by nodes and the client
const POD_GATEWAY = '169.254.1.1'; // answered by the node's proxy_arp on the pod's veth
// IPv6: a link-local gateway on the router's links and on the node's end of each pod veth
// (Calico's way too), so no global prefix of the profile is assumed either.
const GATEWAY6 = 'fe80::1';

const isIPv6 = (ip) => ip.includes(':');

export const PREFIX = 'kp-';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r;
}

/** Deletes kp-<pid>-* namespaces whose creating process is gone (a crashed earlier run),
 * ending the servers that run inside them first. Returns the names removed. */
export function sweepStale() {
  const removed = [];
  const list = run('ip', ['netns', 'list'], { allowFail: true }).stdout || '';
  for (const line of list.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    const m = /^kp-(\d+)-/.exec(name ?? '');
    if (!m) continue;
    if (pidAlive(Number(m[1]))) continue;
    const pids = (run('ip', ['netns', 'pids', name], { allowFail: true }).stdout || '')
      .split(/\s+/)
      .filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    run('ip', ['netns', 'del', name], { allowFail: true });
    removed.push(name);
  }
  return removed;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export class Topology {
  constructor() {
    this.prefix = `${PREFIX}${process.pid}`;
    this.namespaces = [];
    this.children = new Set();
    this.router = `${this.prefix}-net`;
    this.client = `${this.prefix}-client`;
    /** node name -> {ns, ip} ; pod key ns/name -> {ns, ip, node} */
    this.nodes = new Map();
    this.pods = new Map();
  }

  addNamespace(ns) {
    run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
  }

  /** Deletes one namespace this Topology created (a scratch namespace done with). */
  removeNamespace(ns) {
    run('ip', ['netns', 'del', ns]);
    this.namespaces = this.namespaces.filter((n) => n !== ns);
  }

  /** Runs a command inside a namespace (synchronously). */
  exec(ns, cmd, args, opts = {}) {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** Runs a command inside a namespace, asynchronously; resolves {status, stdout, stderr}. */
  execAsync(ns, cmd, args) {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (status) => {
        this.children.delete(child);
        resolve({ status, stdout, stderr });
      });
    });
  }

  batch(ns, lines) {
    run('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
  }

  /** Writes /proc/sys inside the namespace (no dependency on procps' sysctl). */
  sysctl(ns, settings) {
    const script = Object.entries(settings)
      .map(([k, v]) => `echo ${v} > /proc/sys/${k.replaceAll('.', '/')}`)
      .join(' && ');
    this.exec(ns, 'sh', ['-c', script]);
  }

  /**
   * @param nodes [{name, ip, ips?}]  ips: every address of the node (IPv4 and IPv6), default [ip]
   * @param pods [{key, name, namespace, ip, ips?, node}]
   * @param clientIPs addresses of the internet client (the first of each family is its main one)
   * @param lbRoutes [{ip, node}] load-balancer addresses the router sends to a node as they are
   */
  build({ nodes, pods, clientIPs, lbRoutes }) {
    this.addNamespace(this.router);
    this.addNamespace(this.client);
    nodes.forEach((n, i) => {
      const ns = `${this.prefix}-n${i + 1}`;
      this.addNamespace(ns);
      this.nodes.set(n.name, { ...n, ips: n.ips ?? [n.ip], ns, index: i + 1 });
    });
    pods.forEach((p, i) => {
      const ns = `${this.prefix}-p${i + 1}`;
      this.addNamespace(ns);
      this.pods.set(p.key, { ...p, ips: p.ips ?? [p.ip], ns, index: i + 1 });
    });

    // IPv6: no duplicate address detection (an address is usable at once, not after ~1 s
    // of DAD), forwarding on the router and the nodes. Set before any link exists, so the
    // defaults apply to every interface made afterwards.
    const noDad = { 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 };
    const noRpFilter = { 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.conf.default.rp_filter': 0 };
    for (const ns of [this.client, ...[...this.pods.values()].map((p) => p.ns)]) this.sysctl(ns, noDad);
    const forwarding = {
      'net.ipv4.ip_forward': 1,
      'net.ipv6.conf.all.forwarding': 1,
      ...noDad,
      ...noRpFilter,
    };
    this.sysctl(this.router, forwarding);
    for (const n of this.nodes.values()) {
      // what kube-proxy (route_localnet for localhost node ports) and the CNI set
      this.sysctl(n.ns, { ...forwarding, 'net.ipv4.conf.all.route_localnet': 1 });
    }
    const addr = (ip) => (isIPv6(ip) ? `addr add ${ip}/128 dev eth0 nodad` : `addr add ${ip}/32 dev eth0`);
    const host = (ip) => (isIPv6(ip) ? `${ip}/128` : `${ip}/32`);
    const sameFamily = (ips, ip) => ips.find((a) => isIPv6(a) === isIPv6(ip));

    const r = [
      'link add br0 type bridge',
      'link set lo up',
      'link set br0 up',
      `addr add ${GATEWAY}/32 dev br0`,
      `addr add ${GATEWAY6}/64 dev br0 nodad`,
    ];
    for (const n of this.nodes.values()) {
      r.push(`link add n${n.index} type veth peer name eth0 netns ${n.ns}`);
      r.push(`link set n${n.index} master br0`, `link set n${n.index} up`);
    }
    r.push(
      `link add c0 type veth peer name eth0 netns ${this.client}`,
      'link set c0 up',
      `addr add ${GATEWAY}/32 dev c0`,
      `addr add ${GATEWAY6}/64 dev c0 nodad`,
    );
    for (const n of this.nodes.values())
      for (const ip of n.ips) r.push(`route add ${host(ip)} dev br0 scope link`);
    for (const ip of clientIPs) r.push(`route add ${host(ip)} dev c0 scope link`);
    const lbSeen = new Set();
    for (const lb of lbRoutes) {
      if (lbSeen.has(lb.ip)) continue;
      lbSeen.add(lb.ip);
      r.push(`route add ${host(lb.ip)} via ${sameFamily(this.nodes.get(lb.node).ips, lb.ip)} dev br0`);
    }
    this.batch(this.router, r);

    const c = ['link set lo up', 'link set eth0 up'];
    for (const ip of clientIPs) c.push(addr(ip));
    c.push(`route add ${GATEWAY} dev eth0 scope link`);
    const client4 = clientIPs.find((ip) => !isIPv6(ip));
    const client6 = clientIPs.find(isIPv6);
    if (client4) c.push(`route add default via ${GATEWAY} dev eth0 src ${client4}`);
    if (client6) c.push(`route add ::/0 via ${GATEWAY6} dev eth0 src ${client6}`);
    this.batch(this.client, c);

    for (const n of this.nodes.values()) {
      const b = ['link set lo up', 'link set eth0 up', ...n.ips.map(addr)];
      b.push(`route add ${GATEWAY} dev eth0 scope link`, `route add default via ${GATEWAY} dev eth0`);
      if (n.ips.some(isIPv6)) b.push(`route add ::/0 via ${GATEWAY6} dev eth0`);
      for (const o of this.nodes.values())
        if (o !== n) for (const ip of o.ips) b.push(`route add ${host(ip)} dev eth0 scope link`);
      const proxyArp = {};
      for (const p of this.pods.values()) {
        if (p.node === n.name) {
          b.push(`link add p${p.index} type veth peer name eth0 netns ${p.ns}`, `link set p${p.index} up`);
          // the pod's IPv6 gateway: a link-local address on the node's end of the veth
          if (p.ips.some(isIPv6)) b.push(`addr add ${GATEWAY6}/64 dev p${p.index} nodad`);
          for (const ip of p.ips) b.push(`route add ${host(ip)} dev p${p.index} scope link`);
          proxyArp[`net.ipv4.conf.p${p.index}.proxy_arp`] = 1;
        } else {
          const other = this.nodes.get(p.node).ips;
          for (const ip of p.ips) b.push(`route add ${host(ip)} via ${sameFamily(other, ip)} dev eth0`);
        }
      }
      this.batch(n.ns, b);
      if (Object.keys(proxyArp).length) this.sysctl(n.ns, proxyArp);
    }
    for (const p of this.pods.values()) {
      const b = ['link set lo up', 'link set eth0 up', ...p.ips.map(addr)];
      b.push(`route add ${POD_GATEWAY} dev eth0 scope link`, `route add default via ${POD_GATEWAY} dev eth0`);
      if (p.ips.some(isIPv6)) b.push(`route add ::/0 via ${GATEWAY6} dev eth0`);
      this.batch(p.ns, b);
    }
  }

  /** Starts a long-running agent (agent.mjs) in a namespace; resolves, once it prints
   * `ready`, to {request(spec) → Promise<results>} (one job at a time, answers in order). */
  startAgent(ns, cmd, args, label) {
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      this.children.add(child);
      let buf = '';
      let err = '';
      let ready = false;
      const waiting = [];
      const timer = setTimeout(() => reject(new Error(`${label}: not ready after 60s: ${err}`)), 60000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c) => {
        buf += c;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!ready && line === 'ready') {
            ready = true;
            clearTimeout(timer);
            resolve({
              request(spec) {
                return new Promise((res) => {
                  waiting.push(res);
                  child.stdin.write(JSON.stringify(spec) + '\n');
                });
              },
            });
          } else if (ready) {
            waiting.shift()?.(JSON.parse(line));
          }
        }
      });
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => {
        this.children.delete(child);
        clearTimeout(timer);
        const e = new Error(`${label}: exited ${code}: ${err.trim()}`);
        if (!ready) reject(e);
        for (const w of waiting.splice(0)) w(Promise.reject(e));
      });
    });
  }

  /** Ends our own processes (by their pids) and deletes every namespace we created; the
   * Topology can then be built again. */
  cleanup() {
    for (const child of this.children) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.children.clear();
    const failed = [];
    for (const ns of this.namespaces.reverse()) {
      const r = run('ip', ['netns', 'del', ns], { allowFail: true });
      if (r.status !== 0) failed.push(`${ns}: ${(r.stderr || '').trim()}`);
    }
    this.namespaces = [];
    this.nodes.clear();
    this.pods.clear();
    return failed;
  }
}
