// How the predicted rules get into each node's namespace, per proxy mode, for traffic.mjs.
//
// iptables: `kubepath iptables --node N --family F` (the iptables-save view) loads with
// iptables-restore and must save back byte for byte; kube-proxy's own --restore-input payload
// loads on top with --noflush --counters and must leave the rules as they were. Rule counters
// (iptables-save -c) prove the tracer's hops; nfacct counters come with the rules.
//
// nftables: `kubepath nftables --node N --transaction` (every family's table: the transaction
// kube-proxy sends) loads with `nft -f`, and `nft list table ip|ip6 kube-proxy` must print
// exactly what `kubepath nftables --node N --family F` prints.
import { firstDiff } from './harness.mjs';

const flag = (family) => (family === 'IPv6' ? 'ipv6' : 'ipv4');

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

/** Comments dropped; tables in name order (iptables-legacy-save prints nat before filter);
 * chain packet counters zeroed: they count traffic, not rules (a stray packet reaching a
 * node's PREROUTING between restore and save turned `[0:0]` into `[1:40]` once in CI). */
function comparable(text) {
  return text
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
}

/**
 * @param o.tools   {iptables, restore, save} of the IPv4 backend (iptables-nft-…); IPv6 uses ip6…
 * @param o.families the families whose rules are loaded, e.g. ['IPv4'] or ['IPv4', 'IPv6']
 */
export function iptablesBackend({ kubepath, paths, cluster = [], tools, families }) {
  const toolsOf = (family) =>
    family === 'IPv6'
      ? Object.fromEntries(Object.entries(tools).map(([k, v]) => [k, v.replace(/^iptables/, 'ip6tables')]))
      : tools;
  let topo = null;
  let nodes = [];
  const last = new Map();
  const nfacctGet = (ns, name) => {
    const r = topo.exec(ns, 'nfacct', ['get', name], { allowFail: true });
    const m = /pkts = 0*(\d+)/.exec(r.stdout || '');
    return m ? Number(m[1]) : NaN;
  };
  return {
    mode: 'iptables',
    label: `iptables-restore (${tools.restore}${families.includes('IPv6') ? ', ip6tables' : ''})`,
    nfacct: true,
    nfacctGet,
    counterSource: 'iptables counters',
    async load(o) {
      ({ topo, nodes } = o);
      const { checks } = o;
      for (const n of nodes) {
        const ns = topo.nodes.get(n.name).ns;
        topo.exec(ns, 'nfacct', ['add', 'ct_state_invalid_dropped_pkts']);
        topo.exec(ns, 'nfacct', ['add', 'localhost_nps_accepted_pkts']);
        for (const family of families) {
          const t = toolsOf(family);
          const args = ['iptables', ...paths, ...cluster, '--node', n.name, '--family', flag(family)];
          const save = await kubepath.text(args);
          const restoreInput = await kubepath.text([...args, '--restore-input']);
          const r = topo.exec(ns, t.restore, [], { input: save, allowFail: true });
          checks.check(
            r.status === 0,
            `${n.name}: ${t.restore} accepts the predicted ${family} rules (${save.split('\n').length} lines)`,
            (r.stderr || '').trim(),
          );
          const back = comparable(topo.exec(ns, t.save, []).stdout);
          const same = back === comparable(save);
          checks.check(
            same,
            `${n.name}: ${t.save} prints the loaded rules back byte for byte (per table)`,
            same ? '' : firstDiff(comparable(save), back),
          );
          // kube-proxy's own payload, applied the way kube-proxy does, on top: must load too.
          const k = topo.exec(ns, t.restore, ['--noflush', '--counters'], {
            input: restoreInput,
            allowFail: true,
          });
          checks.check(
            k.status === 0,
            `${n.name}: kube-proxy's ${family} restore payload (--restore-input) loads with --noflush --counters`,
            (k.stderr || '').trim(),
          );
          const again = comparable(topo.exec(ns, t.save, []).stdout);
          checks.check(
            again === comparable(save),
            `${n.name}: ...and leaves the rules exactly as the ${t.save} view predicts`,
            again === comparable(save) ? '' : firstDiff(comparable(save), again),
          );
        }
      }
    },
    /** Rule counters of every node since the previous call (… -save -c, per family). */
    async readCounters() {
      const delta = new Map();
      await Promise.all(
        [...topo.nodes].map(async ([name, n]) => {
          const now = new Map();
          for (const family of families) {
            const r = await topo.execAsync(n.ns, toolsOf(family).save, ['-c']);
            if (r.status !== 0) throw new Error(`${name}: ${toolsOf(family).save} -c: ${r.stderr}`);
            for (const [k, v] of parseCounters(r.stdout)) now.set(k, (now.get(k) ?? 0) + v);
          }
          const before = last.get(name) ?? new Map();
          delta.set(name, new Map([...now].map(([k, v]) => [k, v - (before.get(k) ?? 0)])));
          last.set(name, now);
        }),
      );
      return delta;
    },
    hopKey: (h) => (h.rule && h.chain ? `${h.chain.split(' ')[0]}\n${h.rule}` : null),
    /** nat rules only service-addressed traffic entering this node can match (so their
     * counters must equal the connections the tracer routes through them). */
    exactRule(key) {
      const [table, rule] = key.split('\n');
      if (table !== 'nat') return false;
      const chain = rule.split(' ')[1];
      if (/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain)) return true;
      if (['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ'].includes(chain)) return true;
      return chain === 'KUBE-POSTROUTING' && / -j (MARK|MASQUERADE)\b/.test(rule);
    },
    async after({ checks }) {
      console.log('\n== conntrack');
      for (const n of nodes) {
        const v = nfacctGet(topo.nodes.get(n.name).ns, 'ct_state_invalid_dropped_pkts');
        checks.check(
          v === 0,
          `${n.name}: no packet dropped as conntrack INVALID (nfacct ct_state_invalid_dropped_pkts = ${v})`,
        );
      }
    },
  };
}

/** @param o.families the families whose `kube-proxy` tables are compared after the load */
export function nftablesBackend({ kubepath, paths, cluster = [], families }) {
  return {
    mode: 'nftables',
    label: 'nft -f',
    nfacct: false,
    async load({ topo, nodes, checks }) {
      for (const n of nodes) {
        const ns = topo.nodes.get(n.name).ns;
        const base = ['nftables', ...paths, ...cluster, '--node', n.name];
        const transaction = await kubepath.text([...base, '--transaction']);
        const r = topo.exec(ns, 'nft', ['-f', '-'], { input: transaction, allowFail: true });
        checks.check(
          r.status === 0,
          `${n.name}: nft -f loads kubepath nftables --transaction (${transaction.split('\n').length} lines)`,
          (r.stderr || '').trim(),
        );
        for (const family of families) {
          const table = family === 'IPv6' ? 'ip6' : 'ip';
          const listing = await kubepath.text([...base, '--family', flag(family)]);
          const listed = topo.exec(ns, 'nft', ['list', 'table', table, 'kube-proxy'], { allowFail: true });
          checks.check(
            listed.stdout === listing,
            `${n.name}: nft list table ${table} kube-proxy = kubepath nftables --family ${flag(family)}`,
            listed.stdout === listing ? '' : firstDiff(listing, listed.stdout || listed.stderr),
          );
        }
      }
    },
  };
}
