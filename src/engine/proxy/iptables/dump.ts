// iptables-save / iptables-restore text as data (after upstream's
// pkg/util/iptables/testing/parse.go), and proxier_test.go sortIPTablesRules:
// the canonical order that makes two dumps comparable regardless of the order
// kube-proxy happened to walk its Service map in.
import { kubeNodePortsChain, kubeServicesChain } from './chainNames';
import { parseIptablesText } from './text';
import { tokenize } from './tokenize';

export interface DumpRule {
  /** The rule line as written, `-A CHAIN …` (counters stripped). */
  raw: string;
  /** `--comment` value without quotes, or null; filled on first use (see commentOf). */
  comment?: string | null;
}

export interface DumpChain {
  name: string;
  /** `-` for user chains; ACCEPT/DROP for built-in ones. */
  policy: string;
  counters: string;
  rules: DumpRule[];
  deleted: boolean;
}

export interface DumpTable {
  name: string;
  chains: DumpChain[];
}

/** The words of a rule as iptables-restore reads them (quotes removed). */
export function ruleWords(rule: string): string[] {
  return tokenize(rule).tokens.map((t) => t.text);
}

export function ruleComment(rule: string): string | null {
  const words = ruleWords(rule);
  const i = words.indexOf('--comment');
  return i >= 0 ? (words[i + 1] ?? null) : null;
}

/**
 * Parses iptables-save output or iptables-restore input (the one reader, text.ts), for
 * sorting and diffing: rules are kept as written. Like a real node's dump, it may have
 * built-in chains with a policy, `[pkts:bytes]` counters, `#` lines and rules for chains
 * that were not declared; text that is not iptables-save output at all throws.
 */
export function parseIptablesDump(text: string): DumpTable[] {
  const parsed = parseIptablesText(text);
  const broken = parsed.problems.find((p) => p.kind === 'structure');
  if (broken) throw new Error(broken.message);
  return parsed.tables.map((t) => ({
    name: t.name,
    chains: t.chains.map((c) => ({
      name: c.name,
      policy: c.policy ?? '-',
      counters: c.counters,
      rules: c.rules.map((r) => ({ raw: r.raw })),
      deleted: c.deleted,
    })),
  }));
}

/** Upstream's IPTablesDump.String(): chain lines, then rules chain by chain, then `-X` lines. */
export function formatIptablesDump(tables: readonly DumpTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`*${t.name}`);
    for (const c of t.chains) out.push(`:${c.name} ${c.policy} ${c.counters}`);
    for (const c of t.chains) for (const r of c.rules) out.push(r.raw);
    for (const c of t.chains) if (c.deleted) out.push(`-X ${c.name}`);
    out.push('COMMIT');
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

function serviceNameOf(comment: string): string {
  const i = comment.search(/[ :]/);
  return i === -1 ? comment : comment.slice(0, i);
}

export function commentOf(rule: DumpRule): string | null {
  if (rule.comment === undefined) rule.comment = ruleComment(rule.raw);
  return rule.comment;
}

/** orderByCommentServiceName: rules without a comment compare as "not less" both ways. */
function byServiceName(a: DumpRule, b: DumpRule): boolean {
  const ca = commentOf(a);
  const cb = commentOf(b);
  if (ca === null || cb === null) return false;
  return serviceNameOf(ca) < serviceNameOf(cb);
}

function chainLess(a: string, b: string): boolean {
  if (a === kubeNodePortsChain) return b !== kubeNodePortsChain;
  if (b === kubeNodePortsChain) return false;
  if (a === kubeServicesChain) return b !== kubeServicesChain;
  if (b === kubeServicesChain) return false;
  const ka = a.startsWith('KUBE-');
  const kb = b.startsWith('KUBE-');
  if (ka !== kb) return ka;
  return a < b;
}

/** sortIPTablesRules over parsed tables (mutates and returns them). */
export function sortDumpTables(tables: DumpTable[]): DumpTable[] {
  tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of tables)
    t.chains.sort((a, b) => (chainLess(a.name, b.name) ? -1 : chainLess(b.name, a.name) ? 1 : 0));
  const find = (table: string, chain: string) =>
    tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain);
  for (const [table, chain] of [
    ['filter', kubeNodePortsChain],
    ['nat', kubeNodePortsChain],
    ['filter', kubeServicesChain],
  ] as const) {
    const c = find(table, chain);
    if (c) goSliceStable(c.rules, byServiceName);
  }
  const natServices = find('nat', kubeServicesChain);
  if (natServices) {
    const last = (r: DumpRule) => commentOf(r)?.includes('must be the last rule') === true;
    goSliceStable(natServices.rules, (a, b) => {
      if (last(a)) return false;
      if (last(b)) return true;
      return byServiceName(a, b);
    });
  }
  return tables;
}

/** Canonical order (upstream's sortIPTablesRules) of any iptables-save or restore text. */
export function sortIPTablesRules(text: string): string {
  return formatIptablesDump(sortDumpTables(parseIptablesDump(text)));
}

/**
 * Go's sort.SliceStable (insertion-sorted blocks of 20, then SymMerge). Ported rather than
 * using Array.prototype.sort because upstream's comparator is not a strict weak order for
 * rules without comments, and only the same algorithm gives the same result then.
 */
export function goSliceStable<T>(data: T[], less: (a: T, b: T) => boolean): void {
  const n = data.length;
  const lessAt = (i: number, j: number) => less(data[i] as T, data[j] as T);
  const swap = (i: number, j: number) => {
    const t = data[i] as T;
    data[i] = data[j] as T;
    data[j] = t;
  };
  const insertionSort = (a: number, b: number) => {
    for (let i = a + 1; i < b; i++) for (let j = i; j > a && lessAt(j, j - 1); j--) swap(j, j - 1);
  };
  const swapRange = (a: number, b: number, count: number) => {
    for (let i = 0; i < count; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number) => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (lessAt(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!lessAt(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!lessAt(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };

  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}
