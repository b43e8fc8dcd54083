// Line diff (Myers, O((N+M)·D)) and unified-diff rendering, for comparing a
// predicted dump with a real node's `iptables-save`.
import type { DumpTable } from './dump';
import { formatIptablesDump, parseIptablesDump, sortDumpTables } from './dump';
import { isKubeProxyChain } from './save';

type Edit = { op: ' ' | '-' | '+'; line: string };

export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))
          ? (v[offset + k + 1] ?? 0)
          : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from (n, m).
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] ?? 0);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: ' ', line: a[--x] ?? '' });
      y--;
    }
    if (d > 0) {
      if (x === prevX) edits.push({ op: '+', line: b[--y] ?? '' });
      else edits.push({ op: '-', line: a[--x] ?? '' });
    }
  }
  return edits.reverse();
}

/** `diff -u` output (3 lines of context); '' when the inputs are equal. */
export function unifiedDiff(
  a: readonly string[],
  b: readonly string[],
  fromName: string,
  toName: string,
): string {
  const edits = diffLines(a, b);
  const changed = edits.flatMap((e, i) => (e.op === ' ' ? [] : [i]));
  if (changed.length === 0) return '';
  const context = 3;
  // Changes closer than 2·context unchanged lines share a hunk.
  const groups: [number, number][] = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else groups.push([i, i]);
  }
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  for (const [first, lastChange] of groups) {
    const start = Math.max(0, first - context);
    const stop = Math.min(edits.length, lastChange + context + 1);
    let aLine = 1;
    let bLine = 1;
    for (let t = 0; t < start; t++) {
      if (edits[t]?.op !== '+') aLine++;
      if (edits[t]?.op !== '-') bLine++;
    }
    const hunk = edits.slice(start, stop);
    const aCount = hunk.filter((e) => e.op !== '+').length;
    const bCount = hunk.filter((e) => e.op !== '-').length;
    out.push(
      `@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@`,
    );
    for (const e of hunk) out.push(`${e.op}${e.line}`);
  }
  return out.join('\n') + '\n';
}

/** The filter and nat KUBE-* chains of a dump, in sortIPTablesRules order, as lines. */
export function kubeChainLines(text: string): string[] {
  const tables: DumpTable[] = sortDumpTables(parseIptablesDump(text))
    .filter((t) => t.name === 'filter' || t.name === 'nat')
    .map((t) => ({ ...t, chains: t.chains.filter(isKubeProxyChain) }));
  return formatIptablesDump(tables)
    .split('\n')
    .filter((l) => l !== '');
}
