// The predicted cluster as network namespaces, Calico-style routing:
//
//   client ns ──veth── router ns (br0) ──veth── node ns ──veth── pod ns
//   198.51.100.23        169.254.0.1        172.18.0.2   (no IP,   10.244.1.19/32
//                        routes node IPs,   /32 eth0     proxy_arp) default via 169.254.1.1
//                        LB IPs via a node
//
// Every address is a /32 with on-link routes, so no subnet of the profile is assumed.
// Nothing is created in the root namespace: veths are made inside their namespace
// (`ip -n NS link add … peer … netns OTHER`), so deleting the namespaces removes all.
import { spawn, spawnSync } from 'node:child_process';

const GATEWAY = '169.254.0.1'; // the router, as seen by nodes and the client
const POD_GATEWAY = '169.254.1.1'; // answered by the node's proxy_arp on the pod's veth

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
   * @param nodes [{name, ip}]
   * @param pods [{key, name, namespace, ip, node}]
   * @param clientIPs addresses of the internet client (the first is its main one)
   * @param lbRoutes [{ip, node}] load-balancer addresses the router sends to a node as they are
   */
  build({ nodes, pods, clientIPs, lbRoutes }) {
    this.addNamespace(this.router);
    this.addNamespace(this.client);
    nodes.forEach((n, i) => {
      const ns = `${this.prefix}-n${i + 1}`;
      this.addNamespace(ns);
      this.nodes.set(n.name, { ...n, ns, index: i + 1 });
    });
    pods.forEach((p, i) => {
      const ns = `${this.prefix}-p${i + 1}`;
      this.addNamespace(ns);
      this.pods.set(p.key, { ...p, ns, index: i + 1 });
    });

    const noRpFilter = { 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.conf.default.rp_filter': 0 };
    this.sysctl(this.router, { 'net.ipv4.ip_forward': 1, ...noRpFilter });
    for (const n of this.nodes.values()) {
      // what kube-proxy (route_localnet for localhost node ports) and the CNI set
      this.sysctl(n.ns, {
        'net.ipv4.ip_forward': 1,
        'net.ipv4.conf.all.route_localnet': 1,
        ...noRpFilter,
      });
    }

    const r = [
      'link add br0 type bridge',
      'link set lo up',
      'link set br0 up',
      `addr add ${GATEWAY}/32 dev br0`,
    ];
    for (const n of this.nodes.values()) {
      r.push(`link add n${n.index} type veth peer name eth0 netns ${n.ns}`);
      r.push(`link set n${n.index} master br0`, `link set n${n.index} up`);
    }
    r.push(
      `link add c0 type veth peer name eth0 netns ${this.client}`,
      'link set c0 up',
      `addr add ${GATEWAY}/32 dev c0`,
    );
    for (const n of this.nodes.values()) r.push(`route add ${n.ip}/32 dev br0 scope link`);
    for (const ip of clientIPs) r.push(`route add ${ip}/32 dev c0 scope link`);
    for (const lb of lbRoutes) r.push(`route add ${lb.ip}/32 via ${this.nodes.get(lb.node).ip} dev br0`);
    this.batch(this.router, r);

    const c = ['link set lo up', 'link set eth0 up'];
    for (const ip of clientIPs) c.push(`addr add ${ip}/32 dev eth0`);
    c.push(
      `route add ${GATEWAY} dev eth0 scope link`,
      `route add default via ${GATEWAY} dev eth0 src ${clientIPs[0]}`,
    );
    this.batch(this.client, c);

    for (const n of this.nodes.values()) {
      const b = ['link set lo up', 'link set eth0 up', `addr add ${n.ip}/32 dev eth0`];
      b.push(`route add ${GATEWAY} dev eth0 scope link`, `route add default via ${GATEWAY} dev eth0`);
      for (const o of this.nodes.values()) if (o !== n) b.push(`route add ${o.ip}/32 dev eth0 scope link`);
      const proxyArp = {};
      for (const p of this.pods.values()) {
        if (p.node === n.name) {
          b.push(`link add p${p.index} type veth peer name eth0 netns ${p.ns}`, `link set p${p.index} up`);
          b.push(`route add ${p.ip}/32 dev p${p.index} scope link`);
          proxyArp[`net.ipv4.conf.p${p.index}.proxy_arp`] = 1;
        } else {
          b.push(`route add ${p.ip}/32 via ${this.nodes.get(p.node).ip} dev eth0`);
        }
      }
      this.batch(n.ns, b);
      if (Object.keys(proxyArp).length) this.sysctl(n.ns, proxyArp);
    }
    for (const p of this.pods.values()) {
      this.batch(p.ns, [
        'link set lo up',
        'link set eth0 up',
        `addr add ${p.ip}/32 dev eth0`,
        `route add ${POD_GATEWAY} dev eth0 scope link`,
        `route add default via ${POD_GATEWAY} dev eth0`,
      ]);
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

  /** Ends our own processes (by their pids) and deletes every namespace we created. */
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
    return failed;
  }
}
