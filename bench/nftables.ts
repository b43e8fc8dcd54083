// Generation time of kube-proxy's nftables table (nftables mode) for 1k and 10k Services ×
// 3 endpoints on one node, median of several runs: one full sync (the transaction kube-proxy
// sends) and the table as `nft list table ip kube-proxy` shows it (`kubepath nftables`, the
// default, and what the tracer walks). Same workload as the iptables bench.
import { listTable, syncNftables } from '../src/engine/proxy/nftables';
import type { NftablesNode } from '../src/engine/proxy/nftables';
import { benchNode, iptablesWorkload } from './iptables';

const nftNode: NftablesNode = { ...benchNode, kubernetesVersion: '1.34', serviceCIDRs: ['10.96.0.0/16'] };

export interface NftablesBenchResult {
  /** Median wall time of sync + listing, ms. */
  ms: number;
  /** CPU time (user + system) of the same median run. */
  cpuMs: number;
  /** Lines of the listing. */
  lines: number;
  /** Lines of the transaction. */
  transactionLines: number;
  /** Highest heapUsed seen after a run, MB. */
  heapMB: number;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function measureNftables(count: number, runs: number): NftablesBenchResult {
  const input = iptablesWorkload(count);
  const done: { ms: number; cpuMs: number }[] = [];
  let lines = 0;
  let transactionLines = 0;
  let peak = 0;
  for (let r = 0; r < runs; r++) {
    collectGarbage();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const sync = syncNftables(input, nftNode, { transaction: true });
    const text = listTable(sync.state.table);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    done.push({ ms, cpuMs: (c.user + c.system) / 1000 });
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    lines = text.split('\n').length - 1;
    transactionLines = sync.transaction.split('\n').length - 1;
  }
  const sorted = [...done].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor(sorted.length / 2)] ?? { ms: 0, cpuMs: 0 };
  return { ms: median.ms, cpuMs: median.cpuMs, lines, transactionLines, heapMB: peak / 2 ** 20 };
}
