// Generation time of kube-proxy's nftables table (nftables mode) for 1k and 10k Services ×
// 3 endpoints on one node, median of several runs, in each form kubepath generates it
// (nftablesRulesOfNode): `list`, the table as `nft list table ip kube-proxy` shows it (one full
// sync, then the listing: `kubepath nftables`, the default, and what the tracer walks), and
// `transaction`, the sync's text as kube-proxy sends it (`kubepath nftables --transaction`).
// Same workload as the iptables bench.
import { listTable, syncNftables } from '../src/engine/proxy/nftables';
import type { NftablesNode } from '../src/engine/proxy/nftables';
import { benchNode, iptablesWorkload } from './iptables';

const nftNode: NftablesNode = { ...benchNode, kubernetesVersion: '1.34', serviceCIDRs: ['10.96.0.0/16'] };

export type NftablesBenchForm = 'list' | 'transaction';

export interface NftablesBenchResult {
  form: NftablesBenchForm;
  /** Median wall time of generating the form, ms. */
  ms: number;
  /** CPU time (user + system) of the same median run. */
  cpuMs: number;
  /** Lines of the generated text. */
  lines: number;
  /** Highest heapUsed seen after a run, MB. */
  heapMB: number;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function measureNftables(count: number, runs: number, form: NftablesBenchForm): NftablesBenchResult {
  const input = iptablesWorkload(count);
  const done: { ms: number; cpuMs: number }[] = [];
  let lines = 0;
  let peak = 0;
  for (let r = 0; r < runs; r++) {
    collectGarbage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const sync = syncNftables(input, nftNode, { transaction: form === 'transaction' });
    const text = form === 'transaction' ? sync.transaction : listTable(sync.state.table);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    done.push({ ms, cpuMs: (c.user + c.system) / 1000 });
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    lines = text.split('\n').length - 1;
  }
  const sorted = [...done].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor(sorted.length / 2)] ?? { ms: 0, cpuMs: 0 };
  return { form, ms: median.ms, cpuMs: median.cpuMs, lines, heapMB: peak / 2 ** 20 };
}
