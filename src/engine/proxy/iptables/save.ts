// What `iptables-save` prints on a node after kube-proxy's sync: the built-in
// chains with the jump rules kube-proxy (and kubelet) insert outside the restore,
// then every chain in kernel order (built-ins, then user chains by name), each
// rule re-rendered the way libxtables saves it (`-d 10.96.0.1/32 -p tcp -m comment
// --comment "…" -m tcp --dport 80`, `--set-xmark 0x4000/0x4000`, 11-digit probabilities).
import type { IPFamily } from '../../model';
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
import { sortedOrder } from './chainOrder';
import { ChainTexts, LineBuffer } from './lineBuffer';
import type { SavedTable, SyncResult } from './proxier';
import { saveRule } from './saveFormat';
import { memo } from '../../util/memo';

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
 * Given the sync itself, the rules it already has in save form are used
 * (SyncResult.saveChains) instead of re-parsing its restore input.
 */
export function iptablesSaveView(restoreInput: string | SyncResult, ipFamily: IPFamily = 'IPv4'): string {
  let family = ipFamily;
  if (typeof restoreInput !== 'string') {
    family = restoreInput.ipFamily;
    if (restoreInput.saveChains !== undefined) return renderSaveView(restoreInput.saveChains, family);
    if (restoreInput.restoreInput === '')
      throw new Error('iptablesSaveView: the sync rendered neither form (see SyncOptions.output)');
    restoreInput = restoreInput.restoreInput;
  }
  const restored = parseIptablesDump(restoreInput);
  const tables: SaveTables = {};
  for (const tableName of tableNames) {
    const source = restored.find((t) => t.name === tableName);
    const chains = new Map<string, LineBuffer>();
    for (const c of source?.chains ?? []) {
      if (c.deleted) continue;
      const rules = new LineBuffer();
      for (const r of c.rules) rules.push(saveRule(r.raw, family));
      chains.set(c.name, rules);
    }
    tables[tableName] = { chains, portChains: new ChainTexts(), deleted: new Set() };
  }
  return renderSaveView(tables, family);
}

const tableNames = ['filter', 'nat'] as const;

type SaveTables = Partial<Record<(typeof tableNames)[number], SavedTable>>;

/** The kubelet's jumps: its KUBE-FIREWALL (martian localhost protection) exists for IPv4 only. */
function kubeletJumpChainsOf(family: IPFamily): readonly JumpChain[] {
  return family === 'IPv4' ? kubeletJumpChains : [];
}

/** Built-in chains' rules per table (kube-proxy's and kubelet's jumps), in save form. */
function builtinRulesOf(tableName: string, family: IPFamily): Map<string, string[]> {
  return memo(builtinChains, `save:builtinRules:${tableName}:${family}`, () => {
    const raw = new Map<string, string[]>((builtinChains[tableName] ?? []).map((b) => [b, []]));
    for (const j of iptablesJumpChains) if (j.table === tableName) raw.get(j.src)?.unshift(jumpRule(j));
    for (const j of kubeletJumpChainsOf(family)) if (j.table === tableName) raw.get(j.src)?.push(jumpRule(j));
    return new Map([...raw].map(([chain, list]) => [chain, list.map((r) => saveRule(r, family))]));
  });
}

/** The tables' user chains (with the canary and jump-target chains) in name order, then their rules. */
function renderSaveView(tables: SaveTables, family: IPFamily): string {
  const out: string[] = [];
  for (const tableName of tableNames) {
    const table = tables[tableName];
    const shared = [...(table?.chains ?? [])];
    const portChains = table?.portChains;
    const portNames = portChains?.names ?? [];
    // Index i names shared[i], then portNames[i - shared.length], then a chain without rules.
    const names = shared.map(([name]) => name).concat(portNames);
    for (const c of canaryChains) names.push(c);
    for (const j of iptablesJumpChains) if (j.table === tableName) names.push(j.dst);
    for (const j of kubeletJumpChainsOf(family)) if (j.table === tableName) names.push(j.dst);
    // Stable: a name listed twice (a chain two ports wrote, or a jump target the sync also
    // declared) comes out as adjacent entries, in the order above; it is declared once.
    const order = sortedOrder(names);
    const deleted = table?.deleted ?? new Set<string>();
    const listed = (k: number): boolean => {
      const name = names[order[k] ?? 0] ?? '';
      return !(k > 0 && names[order[k - 1] ?? 0] === name) && !(deleted.size > 0 && deleted.has(name));
    };
    const builtins = builtinChains[tableName] ?? [];
    const builtinRules = builtinRulesOf(tableName, family);
    out.push(`*${tableName}`);
    for (const b of builtins) out.push(`:${b} ACCEPT [0:0]`);
    const declarations = new LineBuffer();
    for (let k = 0; k < order.length; k++)
      if (listed(k)) declarations.push(`:${names[order[k] ?? 0] ?? ''} - [0:0]`);
    declarations.appendTo(out);
    for (const b of builtins) for (const r of builtinRules.get(b) ?? []) out.push(r);
    for (const i of order) {
      if (deleted.size > 0 && deleted.has(names[i] ?? '')) continue;
      if (i < shared.length) shared[i]?.[1].appendTo(out);
      else if (portChains !== undefined && i < shared.length + portNames.length) {
        const text = portChains.text(i - shared.length);
        if (text !== '') out.push(text);
      }
    }
    out.push('COMMIT');
  }
  out.push('');
  return out.join('\n');
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
