// Text and JSON forms of a request trace (DESIGN.md `trace --json`), shared by the CLI
// and the editor's output channel.
import type { TraceHop } from '../model';
import type { RequestBranch, RequestTrace } from '../trace/request';

/** net.JoinHostPort: `ip:port`, `[ip]:port` for IPv6. */
function hostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function hopJson(h: TraceHop): Record<string, unknown> {
  return {
    kind: h.kind,
    name: h.name,
    detail: h.detail,
    node: h.node ?? null,
    chain: h.chain ? `${h.table ? `${h.table} ` : ''}${h.chain}` : null,
    rule: h.rule ?? null,
    ...(h.line !== undefined ? { line: h.line } : {}),
    source: h.source ? { file: h.source.file, line: h.source.line, column: h.source.column } : null,
  };
}

export function traceJson(t: RequestTrace): Record<string, unknown> {
  return {
    target: t.target,
    from: t.from,
    fromDefault: t.fromDefault,
    proxyMode: t.proxyMode,
    ...(t.packet ? { packet: t.packet } : {}),
    hops: t.hops.map(hopJson),
    branches: t.branches.map((b) => ({
      probability: Number(b.probability.toFixed(10)),
      pod: b.pod,
      namespace: b.namespace,
      ip: b.ip,
      port: b.port,
      node: b.node,
      masquerade: b.masquerade,
      outcome: b.outcome,
      verdict: b.verdict,
      ...(b.uncertain ? { uncertain: true } : {}),
      hops: b.hops.map(hopJson),
    })),
    outcome: t.outcome,
    ...(t.l7 ? { l7: t.l7 } : {}),
    ...(t.notes.length > 0 ? { notes: t.notes } : {}),
  };
}

/** The L7 decision in a few lines, before the Service path. */
function l7Section(t: RequestTrace): string[] {
  const l7 = t.l7;
  if (!l7) return [];
  const via =
    l7.kind === 'gateway'
      ? `Gateway ${l7.gateway ?? ''}${l7.listener !== null ? ` listener ${l7.listener}` : ''}`
      : `IngressClass ${l7.ingressClass ?? ''}`;
  const route =
    l7.route !== null
      ? ` → ${l7.kind === 'gateway' ? 'HTTPRoute' : 'Ingress'} ${l7.route}${l7.rule !== null ? ` rule ${l7.rule}` : ''}${l7.match !== null ? ` ${l7.kind === 'gateway' ? 'match' : 'path'} ${l7.match}` : ''}`
      : '';
  const out = [`\nL7: ${via}${route} → HTTP ${l7.httpStatus}\n`];
  const total = l7.backends.reduce((sum, b) => sum + b.weight, 0);
  for (const b of l7.backends) {
    const share = total > 0 ? `${((b.weight / total) * 100).toFixed(1)}%` : '0%';
    out.push(`  ${share.padStart(6)}  ${b.service.namespace}/${b.service.name}:${b.port ?? ''}\n`);
  }
  return out;
}

/** nftables hops name their table (`ip kube-proxy`); iptables hops name `nat` or `filter`. */
function isNftHop(h: TraceHop): boolean {
  return h.table !== undefined && h.table.includes(' ');
}

function hopLine(h: TraceHop): string {
  const places = [
    h.line !== undefined ? `${h.node ? `${h.node} ` : ''}${isNftHop(h) ? 'nft' : 'iptables'}:${h.line}` : '',
    h.source ? `${h.source.file}:${h.source.line}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const where = places ? `  [${places}]` : '';
  if (h.kind === 'rule') return `  ${h.kind.padEnd(12)} ${h.rule ?? h.name}${where}\n`;
  if (h.kind === 'chain') return `  ${h.kind.padEnd(12)} ${h.name}${where}\n`;
  return `  ${h.kind.padEnd(12)} ${h.name}${h.detail ? `  ${h.detail}` : ''}${where}\n`;
}

function sameHop(a: TraceHop | undefined, b: TraceHop | undefined): boolean {
  return (
    !!a &&
    !!b &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.line === b.line &&
    a.node === b.node &&
    a.rule === b.rule
  );
}

/** Branches printed hop by hop; the rest are counted (a Service with 5,000 endpoints has 5,000). */
const PRINTED_BRANCHES = 50;

/** The first lines of both forms: the request, the client if it was the default, the shared hops. */
function header(t: RequestTrace): string[] {
  const out: string[] = [];
  const p = t.packet;
  out.push(
    `trace ${t.target} from ${t.from}${p ? ` (${p.protocol} ${p.sourceIP} → ${hostPort(p.destinationIP, p.destinationPort)})` : ''}\n`,
  );
  if (t.fromDefault) {
    out.push(
      `  (no --from given: ${t.from === 'internet' ? 'a client on the internet' : `a client ${t.from.startsWith('ip:') ? 'pod with an unused address of the node’s pod CIDR' : t.from}`}, the default for this target; choose with --from internet|node:NAME|pod:NS/NAME|ip:ADDR)\n`,
    );
  }
  for (const h of t.hops) out.push(hopLine(h));
  return out;
}

function outcomeLine(t: RequestTrace): string {
  const reached = t.branches.filter((b) => b.outcome === 'reached');
  const share = reached.reduce((sum, b) => sum + b.probability, 0);
  return `outcome: ${t.outcome}${t.branches.length > 0 ? ` (${reached.length}/${t.branches.length} branches, ${(share * 100).toFixed(1)}% of new connections reach a pod)` : ''}\n`;
}

/** Where a branch ends, in a few words: the pod and address, or the verdict and why. */
function branchEnd(t: RequestTrace, b: RequestBranch): string {
  const p = t.packet;
  const address =
    b.ip !== null ? hostPort(b.ip, b.port ?? '') : p ? hostPort(p.destinationIP, p.destinationPort) : '';
  if (b.outcome === 'reached') return `${b.pod ? `pod ${b.pod}` : 'endpoint'}  ${address}`;
  const last = [...b.hops]
    .reverse()
    .find((h) => h.kind === 'reject' || h.kind === 'drop' || h.kind === 'unsupported');
  return `${b.outcome}${b.verdict ? ` (${b.verdict})` : ''}${last?.detail ? `: ${last.detail}` : ''}`;
}

/** The kube-proxy chains a branch passes before its endpoint is chosen (the per-endpoint KUBE-SEP-* left out). */
function chainPath(b: RequestBranch): string[] {
  const path: string[] = [];
  for (const h of b.hops) {
    if (h.kind === 'dnat' || h.kind === 'reject' || h.kind === 'drop') break;
    if (h.kind === 'rule' && isNftHop(h)) {
      // nftables: the dispatch chain and the per-Service chains (the per-endpoint chains left out).
      const m = /^(?:jump|goto) ((?:services|service-|external-|local-|firewall-)\S*)$/.exec(h.name);
      if (m?.[1] !== undefined && path.at(-1) !== m[1]) path.push(m[1]);
      continue;
    }
    if (h.kind !== 'rule' || !h.name.startsWith('KUBE-') || h.name.startsWith('KUBE-SEP-')) continue;
    // Chain names repeat across tables (nat and filter both have KUBE-SERVICES): name the table unless nat.
    const name = h.table && h.table !== 'nat' ? `${h.table} ${h.name}` : h.name;
    if (h.name === 'KUBE-MARK-MASQ' || path.at(-1) === name) continue;
    path.push(name);
  }
  return path;
}

/**
 * The trace in one screen: the request and its shared hops, the outcome, then the branches
 * grouped by the node and chains they pass (identical up to the endpoint choice), one line
 * each. `renderTrace` has every hop.
 */
export function renderTraceSummary(t: RequestTrace): string {
  const out = header(t);
  out.push(...l7Section(t));
  out.push(`\n${outcomeLine(t)}`);
  const groups = new Map<string, RequestBranch[]>();
  for (const b of t.branches) {
    const via = b.hops.find((h) => h.kind === 'node');
    const key = `via ${via?.name ?? b.node ?? '-'}: ${chainPath(b).join(' → ') || (t.l7 ? '(endpoint picked by the L7 data plane)' : '(no kube-proxy chain)')}${b.masquerade ? '  (source masqueraded to the node IP)' : ''}${b.uncertain ? '  (uncertain)' : ''}`;
    const group = groups.get(key);
    if (group) group.push(b);
    else groups.set(key, [b]);
  }
  let printed = 0;
  for (const [key, branches] of groups) {
    if (printed >= PRINTED_BRANCHES) break;
    out.push(`\n${key}\n`);
    for (const b of branches.slice(0, PRINTED_BRANCHES - printed)) {
      out.push(`  ${`${(b.probability * 100).toFixed(1)}%`.padStart(6)}  ${branchEnd(t, b)}\n`);
      printed++;
    }
  }
  if (printed < t.branches.length) {
    out.push(`\n… ${t.branches.length - printed} more branches not printed; --json lists every branch\n`);
  }
  for (const n of t.notes) out.push(`note: ${n}\n`);
  if (t.branches.length > 0) out.push('\nevery hop of every branch: --verbose\n');
  return out.join('');
}

/** The trace with every hop of every branch (`trace --verbose`, the editor's output channel). */
export function renderTrace(t: RequestTrace): string {
  const out = header(t);
  out.push(...l7Section(t));
  const p = t.packet;
  t.branches.slice(0, PRINTED_BRANCHES).forEach((b, i) => {
    // Without a DNAT the packet keeps its destination (a pod addressed directly).
    const address =
      b.ip !== null ? hostPort(b.ip, b.port ?? '') : p ? hostPort(p.destinationIP, p.destinationPort) : '';
    const end = b.outcome === 'reached' ? `${b.pod ? `pod ${b.pod}` : 'endpoint'} ${address}` : b.outcome;
    out.push(
      `\nbranch ${i + 1}/${t.branches.length}  ${(b.probability * 100).toFixed(1)}%  via ${b.node ?? '-'} → ${end}${b.masquerade ? '  (source masqueraded to the node IP)' : ''}${b.uncertain ? '  (uncertain: unsupported rule on the way)' : ''}\n`,
    );
    // Branches through one node share their first hops; print them once.
    const previous = t.branches[i - 1]?.hops ?? [];
    let shared = 0;
    while (sameHop(previous[shared], b.hops[shared])) shared++;
    if (shared > 2) out.push(`  …            the first ${shared} hops are those of branch ${i}\n`);
    for (const h of b.hops.slice(shared > 2 ? shared : 0)) out.push(hopLine(h));
  });
  const unprinted = t.branches.slice(PRINTED_BRANCHES);
  if (unprinted.length > 0) {
    const byOutcome = new Map<string, number>();
    for (const b of unprinted) byOutcome.set(b.outcome, (byOutcome.get(b.outcome) ?? 0) + 1);
    const counts = [...byOutcome].map(([o, n]) => `${o} ${n}`).join(', ');
    out.push(`\n… ${unprinted.length} more branches not printed (${counts}); --json lists every branch\n`);
  }
  for (const n of t.notes) out.push(`note: ${n}\n`);
  out.push(`\n${outcomeLine(t)}`);
  return out.join('');
}
