// `kubepath trace <target> <paths…> [--from …] [--node N] [--protocol P] [--iptables-save FILE] [--json]`
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeWorkspace } from '../../engine';
import type { Protocol, TraceHop } from '../../engine/model';
import type { RequestOrigin, RequestTrace } from '../../engine/trace/request';
import { TraceTargetError, traceRequest } from '../../engine/trace/request';
import { parseArgs, stringFlag } from '../args';
import { collectFiles } from '../files';
import type { CliIO } from '../io';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../io';

export const TRACE_USAGE =
  'kubepath trace <target> <paths…> [--cluster F] [--from internet|node:NAME|pod:NS/NAME|ip:ADDR] [--node NAME] [--protocol TCP|UDP|SCTP] [--iptables-save FILE] [--json]';

export function parseOrigin(text: string): RequestOrigin {
  if (text === 'internet') return { kind: 'internet' };
  const [kind, value = ''] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (kind === 'node' && value) return { kind: 'node', node: value };
  if (kind === 'ip' && /^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return { kind: 'ip', ip: value };
  if (kind === 'pod') {
    const [namespace, name] = value.includes('/') ? value.split('/', 2) : ['default', value];
    if (namespace && name) return { kind: 'pod', namespace, name };
  }
  throw new UsageError(`--from ${text}: expected internet, node:NAME, pod:NAMESPACE/NAME or ip:ADDRESS`);
}

export function traceCommand(argv: string[], io: CliIO): number {
  const args = parseArgs(argv, ['cluster', 'from', 'node', 'protocol', 'iptables-save'], ['json']);
  const [target, ...paths] = args.positionals;
  if (!target) throw new UsageError(`missing target\nusage: ${TRACE_USAGE}`);
  const protocolFlag = stringFlag(args, 'protocol')?.toUpperCase();
  if (protocolFlag !== undefined && !['TCP', 'UDP', 'SCTP'].includes(protocolFlag)) {
    throw new UsageError(`--protocol ${protocolFlag}: expected TCP, UDP or SCTP`);
  }
  const fromFlag = stringFlag(args, 'from');
  const node = stringFlag(args, 'node');
  const dumpPath = stringFlag(args, 'iptables-save');
  let iptablesSave: { file: string; text: string } | undefined;
  if (dumpPath !== undefined) {
    try {
      iptablesSave = { file: dumpPath, text: readFileSync(resolve(io.cwd, dumpPath), 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read ${dumpPath}: ${(err as Error).message}`);
    }
  }
  const input = collectFiles(paths.length > 0 ? paths : ['.'], io.cwd, stringFlag(args, 'cluster'));
  const analysis = analyzeWorkspace(input);
  if (node !== undefined && !analysis.profile.nodes.some((n) => n.name === node)) {
    throw new UsageError(
      `--node ${node}: no such node (nodes: ${analysis.profile.nodes.map((n) => n.name).join(', ')})`,
    );
  }
  let trace: RequestTrace;
  try {
    trace = traceRequest(analysis, target, {
      ...(fromFlag !== undefined ? { from: parseOrigin(fromFlag) } : {}),
      ...(node !== undefined ? { node } : {}),
      ...(protocolFlag !== undefined ? { protocol: protocolFlag as Protocol } : {}),
      ...(iptablesSave ? { iptablesSave } : {}),
    });
  } catch (err) {
    if (err instanceof TraceTargetError) throw new UsageError(err.message);
    throw err;
  }
  const [dns] = trace.hops;
  if (
    trace.packet === null &&
    trace.hops.length === 1 &&
    dns?.kind === 'dns' &&
    dns.detail.startsWith('NXDOMAIN')
  ) {
    // A name that is no Service in the files is a typo in the command, not a finding.
    const known = analysis.services.map((s) => `${s.service.metadata.name}.${s.service.metadata.namespace}`);
    throw new UsageError(
      `unknown trace target "${target}": ${dns.detail}; Services: ${known.slice(0, 10).join(', ') || 'none'}${known.length > 10 ? ', …' : ''}`,
    );
  }
  io.stdout(args.flags.has('json') ? JSON.stringify(traceJson(trace), null, 2) + '\n' : renderTrace(trace));
  // DESIGN.md: exit 1 when the request does not reach a pod.
  return trace.branches.some((b) => b.outcome === 'reached') ? EXIT_OK : EXIT_FINDINGS;
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
    ...(t.notes.length > 0 ? { notes: t.notes } : {}),
  };
}

function hopLine(h: TraceHop): string {
  const places = [
    h.line !== undefined ? `${h.node ? `${h.node} ` : ''}iptables:${h.line}` : '',
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

export function renderTrace(t: RequestTrace): string {
  const out: string[] = [];
  const p = t.packet;
  out.push(
    `trace ${t.target} from ${t.from}${p ? ` (${p.protocol} ${p.sourceIP} → ${p.destinationIP}:${p.destinationPort})` : ''}\n`,
  );
  for (const h of t.hops) out.push(hopLine(h));
  t.branches.forEach((b, i) => {
    const end =
      b.outcome === 'reached'
        ? `${b.pod ? `pod ${b.pod}` : 'endpoint'} ${b.ip ?? ''}:${b.port ?? ''}`
        : b.outcome;
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
  for (const n of t.notes) out.push(`note: ${n}\n`);
  const reached = t.branches.filter((b) => b.outcome === 'reached');
  const share = reached.reduce((sum, b) => sum + b.probability, 0);
  out.push(
    `\noutcome: ${t.outcome}${t.branches.length > 0 ? ` (${reached.length}/${t.branches.length} branches, ${(share * 100).toFixed(1)}% of new connections reach a pod)` : ''}\n`,
  );
  return out.join('');
}
