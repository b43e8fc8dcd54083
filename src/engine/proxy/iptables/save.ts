// What `iptables-save` prints on a node after kube-proxy's sync: the built-in
// chains with the jump rules kube-proxy (and kubelet) insert outside the restore,
// then every chain in kernel order (built-ins, then user chains by name), each
// rule re-rendered the way libxtables saves it (`-d 10.96.0.1/32 -p tcp -m comment
// --comment "…" -m tcp --dport 80`, `--set-xmark 0x4000/0x4000`, 11-digit probabilities).
import type { DumpChain, DumpTable } from './dump';
import { parseIptablesDump, ruleComment } from './dump';
import {
  kubeExternalServicesChain,
  kubeForwardChain,
  kubeNodePortsChain,
  kubePostroutingChain,
  kubeProxyFirewallChain,
  kubeServicesChain,
  kubeletFirewallChain,
} from './chainNames';
import type { SyncResult } from './proxier';
import { saveRule } from './saveFormat';

interface JumpChain {
  table: 'filter' | 'nat';
  dst: string;
  src: string;
  comment: string;
  extra: string;
}

const ctNew = '-m conntrack --ctstate NEW';

/** proxier.go iptablesJumpChains, in upstream order (each is ensured with Prepend). */
const iptablesJumpChains: JumpChain[] = [
  {
    table: 'filter',
    dst: kubeExternalServicesChain,
    src: 'INPUT',
    comment: 'kubernetes externally-visible service portals',
    extra: ctNew,
  },
  {
    table: 'filter',
    dst: kubeExternalServicesChain,
    src: 'FORWARD',
    comment: 'kubernetes externally-visible service portals',
    extra: ctNew,
  },
  {
    table: 'filter',
    dst: kubeNodePortsChain,
    src: 'INPUT',
    comment: 'kubernetes health check service ports',
    extra: '',
  },
  {
    table: 'filter',
    dst: kubeServicesChain,
    src: 'FORWARD',
    comment: 'kubernetes service portals',
    extra: ctNew,
  },
  {
    table: 'filter',
    dst: kubeServicesChain,
    src: 'OUTPUT',
    comment: 'kubernetes service portals',
    extra: ctNew,
  },
  {
    table: 'filter',
    dst: kubeForwardChain,
    src: 'FORWARD',
    comment: 'kubernetes forwarding rules',
    extra: '',
  },
  {
    table: 'filter',
    dst: kubeProxyFirewallChain,
    src: 'INPUT',
    comment: 'kubernetes load balancer firewall',
    extra: ctNew,
  },
  {
    table: 'filter',
    dst: kubeProxyFirewallChain,
    src: 'OUTPUT',
    comment: 'kubernetes load balancer firewall',
    extra: ctNew,
  },
  {
    table: 'filter',
    dst: kubeProxyFirewallChain,
    src: 'FORWARD',
    comment: 'kubernetes load balancer firewall',
    extra: ctNew,
  },
  { table: 'nat', dst: kubeServicesChain, src: 'OUTPUT', comment: 'kubernetes service portals', extra: '' },
  {
    table: 'nat',
    dst: kubeServicesChain,
    src: 'PREROUTING',
    comment: 'kubernetes service portals',
    extra: '',
  },
  {
    table: 'nat',
    dst: kubePostroutingChain,
    src: 'POSTROUTING',
    comment: 'kubernetes postrouting rules',
    extra: '',
  },
];

/** iptablesKubeletJumpChains: kubelet created them first, so they end up after kube-proxy's prepends. */
const kubeletJumpChains: JumpChain[] = [
  { table: 'filter', dst: kubeletFirewallChain, src: 'INPUT', comment: '', extra: '' },
  { table: 'filter', dst: kubeletFirewallChain, src: 'OUTPUT', comment: '', extra: '' },
];

const builtinChains: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/** Empty chains kube-proxy's and kubelet's iptables monitors create to notice a flush. */
const canaryChains = ['KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY'];

function jumpRule(j: JumpChain): string {
  const parts = [`-A ${j.src}`];
  if (j.extra !== '') parts.push(j.extra);
  if (j.comment !== '') parts.push(`-m comment --comment "${j.comment}"`);
  parts.push(`-j ${j.dst}`);
  return parts.join(' ');
}

/**
 * The node's filter and nat tables as `iptables-save` shows them after kube-proxy
 * restored `restoreInput` on an otherwise empty node. Loadable with iptables-restore.
 * Given the sync itself, the rules it already rendered in save form are used
 * (SyncResult.saveChains) instead of re-parsing its restore input.
 */
export function iptablesSaveView(restoreInput: string | SyncResult): string {
  if (typeof restoreInput !== 'string') {
    if (restoreInput.saveChains !== undefined) return renderSaveView(restoreInput.saveChains);
    restoreInput = restoreInput.restoreInput;
  }
  const restored = parseIptablesDump(restoreInput);
  const tables: SaveTables = {};
  for (const tableName of tableNames) {
    const source = restored.find((t) => t.name === tableName);
    const chains = new Map<string, string[]>();
    for (const c of source?.chains ?? [])
      if (!c.deleted)
        chains.set(
          c.name,
          c.rules.map((r) => saveRule(r.raw)),
        );
    tables[tableName] = chains;
  }
  return renderSaveView(tables);
}

const tableNames = ['filter', 'nat'] as const;

type SaveTables = Partial<Record<(typeof tableNames)[number], ReadonlyMap<string, readonly string[]>>>;

/** Built-in chains' rules per table (kube-proxy's and kubelet's jumps), in save form. */
const builtinSaveRules = new Map<string, Map<string, string[]>>();

function builtinRulesOf(tableName: string): Map<string, string[]> {
  let rules = builtinSaveRules.get(tableName);
  if (rules !== undefined) return rules;
  const raw = new Map<string, string[]>((builtinChains[tableName] ?? []).map((b) => [b, []]));
  for (const j of iptablesJumpChains) if (j.table === tableName) raw.get(j.src)?.unshift(jumpRule(j));
  for (const j of kubeletJumpChains) if (j.table === tableName) raw.get(j.src)?.push(jumpRule(j));
  rules = new Map([...raw].map(([chain, list]) => [chain, list.map(saveRule)]));
  builtinSaveRules.set(tableName, rules);
  return rules;
}

/** `tables`: per table, user chain → its rules already in save form (left unchanged). */
function renderSaveView(tables: SaveTables): string {
  const out: string[] = [];
  for (const tableName of tableNames) {
    const chains = tables[tableName] ?? new Map<string, readonly string[]>();
    const names = [...chains.keys()];
    const added = new Set<string>();
    const ensure = (name: string) => {
      if (!chains.has(name) && !added.has(name)) {
        added.add(name);
        names.push(name);
      }
    };
    for (const c of canaryChains) ensure(c);
    for (const j of iptablesJumpChains) if (j.table === tableName) ensure(j.dst);
    for (const j of kubeletJumpChains) if (j.table === tableName) ensure(j.dst);
    // Default sort is UTF-16 code unit order, the same as comparing with < (names are unique).
    names.sort();
    const builtins = builtinChains[tableName] ?? [];
    const builtinRules = builtinRulesOf(tableName);
    out.push(`*${tableName}`);
    for (const b of builtins) out.push(`:${b} ACCEPT [0:0]`);
    for (const c of names) out.push(`:${c} - [0:0]`);
    for (const b of builtins) for (const r of builtinRules.get(b) ?? []) out.push(r);
    for (const c of names) for (const r of chains.get(c) ?? []) out.push(r);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/** Chains of a parsed dump that kube-proxy owns or that name a Service (for diffs against a node). */
export function isKubeProxyChain(chain: DumpChain): boolean {
  return (
    chain.name.startsWith('KUBE-') &&
    !canaryChains.includes(chain.name) &&
    chain.name !== 'KUBE-IPTABLES-HINT'
  );
}

export { saveRule, saveProbability } from './saveFormat';
export type { DumpTable };
export { ruleComment };
