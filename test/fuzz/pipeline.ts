// One fuzz case through the whole engine: load → reconcile → diagnose (analyzeWorkspace),
// the analyze JSON, kube-proxy iptables on every node, and a few request traces.
// Checks the properties every input must keep: nothing throws (except the documented
// TraceTargetError for a target that names nothing) and nothing prints, every diagnostic range lies inside
// its file, and the output is the same bytes when run again and when the files come in
// reverse order.
import { analyzeWorkspace, toAnalyzeJson } from '../../src/engine';
import type { Analysis, WorkspaceInput } from '../../src/engine';
import type { Diagnostic } from '../../src/engine/model';
import { generateIptables, iptablesRules, kubeProxyNodeFor } from '../../src/engine/proxy/iptables';
import { TraceTargetError, traceRequest } from '../../src/engine/trace/request';
import type { RequestOptions } from '../../src/engine/trace/request';
import { chainsForJson } from '../../src/cli/chains';
import { traceJson } from '../../src/engine/report/traceText';
import type { FuzzCase } from './arbitraries';
import { applyTextMutations } from './arbitraries';

export class PropertyViolation extends Error {}

export interface CaseTimings {
  /** Slowest single engine call (analyzeWorkspace, generateIptables for one node, traceRequest), ms. */
  maxCallMs: number;
  slowestCall: string;
  totalMs: number;
}

interface Output {
  text: string;
  timings: CaseTimings;
}

/** Lines as the loader counts them (yaml's LineCounter breaks on '\n' only). */
function linesOf(text: string): string[] {
  return text.split('\n');
}

export function checkDiagnosticRange(d: Diagnostic, texts: ReadonlyMap<string, string>): string | null {
  const r = d.range;
  const text = texts.get(r.file);
  if (text === undefined)
    return `diagnostic ${d.code} names a file not in the input: ${JSON.stringify(r.file)}`;
  const lines = linesOf(text);
  const bad = (why: string): string =>
    `diagnostic ${d.code} (${d.message.slice(0, 80)}) has an invalid range ${JSON.stringify(r)}: ${why} (file has ${lines.length} lines)`;
  for (const k of ['line', 'column', 'endLine', 'endColumn'] as const) {
    if (!Number.isInteger(r[k])) return bad(`${k} is not an integer`);
  }
  if (r.line < 1 || r.line > lines.length) return bad('line outside the file');
  if (r.endLine < r.line || r.endLine > lines.length) return bad('endLine outside the file or before line');
  const startLine = lines[r.line - 1] ?? '';
  const endLine = lines[r.endLine - 1] ?? '';
  if (r.column < 1 || r.column > startLine.length + 1) return bad('column outside its line');
  if (r.endColumn < 1 || r.endColumn > endLine.length + 1) return bad('endColumn outside its line');
  if (r.endLine === r.line && r.endColumn < r.column) return bad('ends before it starts');
  if (!['error', 'warning', 'info'].includes(d.severity)) return bad(`severity ${d.severity}`);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(d.code)) return bad('code is not kebab-case');
  return null;
}

function timed<T>(label: string, t: CaseTimings, fn: () => T): T {
  const start = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - start;
    t.totalMs += ms;
    if (ms > t.maxCallMs) {
      t.maxCallMs = ms;
      t.slowestCall = label;
    }
  }
}

function deriveTargets(a: Analysis, extra: readonly string[]): string[] {
  const targets: string[] = [...extra];
  for (const s of a.services.slice(0, 2)) {
    const { namespace, name } = s.service.metadata;
    const port = s.service.ports[0];
    targets.push(`${name}.${namespace}${port ? `:${port.port}` : ''}`);
    if (port && s.service.clusterIP && s.service.clusterIP !== 'None')
      targets.push(`${s.service.clusterIP}:${port.port}`);
    const node = a.profile.nodes[0];
    if (port?.nodePort && node?.ips[0]) targets.push(`${node.ips[0]}:${port.nodePort}`);
    const lb = s.loadBalancer?.ingress[0];
    if (port && lb) targets.push(`http://${lb.ip ?? lb.hostname ?? ''}:${port.port}/`);
  }
  return targets;
}

function originFor(a: Analysis, pick: number): RequestOptions {
  const node = a.profile.nodes[pick % Math.max(1, a.profile.nodes.length)]?.name;
  const pod = a.pods[pick % Math.max(1, a.pods.length)];
  switch (pick % 5) {
    case 0:
      return {};
    case 1:
      return node ? { from: { kind: 'node', node } } : {};
    case 2:
      return pod ? { from: { kind: 'pod', namespace: pod.metadata.namespace, name: pod.metadata.name } } : {};
    case 3:
      return { from: { kind: 'ip', ip: '10.244.1.77' }, ...(node ? { node } : {}), protocol: 'UDP' };
    default:
      return { from: { kind: 'internet' }, protocol: 'SCTP' };
  }
}

/** The engine must not print: it runs in the extension host, a web worker and the CLI. */
function silently<T>(fn: () => T): T {
  const printed: string[] = [];
  const saved = {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- saved to be put back as is
    emitWarning: process.emitWarning,
    log: console.log,
    warn: console.warn,
    error: console.error,
    info: console.info,
  };
  const record =
    (channel: string) =>
    (...args: unknown[]): void => {
      printed.push(`${channel}: ${args.map(String).join(' ')}`);
    };
  process.emitWarning = record('process.emitWarning');
  console.log = record('console.log');
  console.warn = record('console.warn');
  console.error = record('console.error');
  console.info = record('console.info');
  try {
    const result = fn();
    if (printed.length > 0) throw new PropertyViolation(`the engine printed: ${printed[0]?.slice(0, 200)}`);
    return result;
  } finally {
    Object.assign(console, { log: saved.log, warn: saved.warn, error: saved.error, info: saved.info });
    process.emitWarning = saved.emitWarning;
  }
}

function runOnce(c: FuzzCase, reverse: boolean): Output {
  return silently(() => runPipeline(c, reverse));
}

function runPipeline(c: FuzzCase, reverse: boolean): Output {
  const timings: CaseTimings = { maxCallMs: 0, slowestCall: '', totalMs: 0 };
  const files = reverse ? [...c.files].reverse() : c.files;
  const input: WorkspaceInput = { files, profile: c.profile };
  const texts = new Map<string, string>(c.files.map((f) => [f.path, f.text]));
  if (c.profile) texts.set(c.profile.path, c.profile.text);

  const analysis = timed('analyzeWorkspace', timings, () => analyzeWorkspace(input));
  for (const d of analysis.diagnostics) {
    const problem = checkDiagnosticRange(d, texts);
    if (problem) throw new PropertyViolation(problem);
  }
  const out: string[] = [];
  out.push(JSON.stringify(toAnalyzeJson(analysis, { chainsFor: chainsForJson(analysis) })));

  const proxyInput = {
    services: analysis.services.map((s) => s.service),
    endpointSlices: analysis.endpointSlices,
  };
  let firstSave = '';
  for (const n of analysis.profile.nodes) {
    const rules = timed(`generateIptables(${n.name})`, timings, () =>
      generateIptables(proxyInput, kubeProxyNodeFor(analysis.profile, n.name)),
    );
    if (firstSave === '') {
      // One form alone (what the commands render) is the same text as both at once.
      const node = kubeProxyNodeFor(analysis.profile, n.name);
      for (const [form, text] of [
        ['iptables-save', rules.iptablesSave],
        ['restore-input', rules.restoreInput],
      ] as const) {
        if (iptablesRules(proxyInput, node, form).text !== text)
          throw new PropertyViolation(`iptablesRules(${form}) differs from generateIptables on ${n.name}`);
      }
    }
    firstSave ||= rules.iptablesSave;
    out.push(rules.restoreInput, rules.iptablesSave);
  }

  const options = originFor(analysis, c.originPick);
  const traces: { target: string; options: RequestOptions }[] = deriveTargets(analysis, c.targets).map(
    (target) => ({
      target,
      options,
    }),
  );
  // A hostile "real" dump: the generated rules with text mutations.
  const node = analysis.profile.nodes[0]?.name;
  if (firstSave && node && traces[0]) {
    const mutated = applyTextMutations(firstSave, [
      { pos: c.originPick, op: 'dupLine', token: '', len: 1 },
      { pos: c.originPick * 31, op: 'replace', token: '-j ', len: 3 },
    ]);
    traces.push({
      target: traces[0].target,
      options: { node, iptablesSave: { file: 'dump.txt', text: mutated } },
    });
  }
  for (const { target, options: o } of traces) {
    try {
      const trace = timed(`traceRequest(${JSON.stringify(target)})`, timings, () =>
        traceRequest(analysis, target, o),
      );
      out.push(JSON.stringify(traceJson(trace)));
    } catch (err) {
      if (!(err instanceof TraceTargetError)) throw err;
      if (err.message.includes('\n') || err.message.length === 0) {
        throw new PropertyViolation(
          `TraceTargetError message is not one line: ${JSON.stringify(err.message)}`,
        );
      }
      out.push(`TraceTargetError: ${err.message}`);
    }
  }
  return { text: out.join('\n'), timings };
}

/**
 * Runs the case twice, the second time with the files in reverse order (same paths):
 * equal output shows both determinism and independence from file order. On a
 * difference a third, in-order run tells the two apart. Throws on any violation.
 */
export function checkCase(c: FuzzCase): CaseTimings {
  const first = runOnce(c, false);
  const distinctPaths = new Set(c.files.map((f) => f.path)).size === c.files.length;
  const second = runOnce(c, distinctPaths);
  if (second.text !== first.text) {
    const again = distinctPaths ? runOnce(c, false) : second;
    if (again.text !== first.text) {
      throw new PropertyViolation(`not deterministic:\n${firstDifference(first.text, again.text)}`);
    }
    throw new PropertyViolation(`output depends on file order:\n${firstDifference(first.text, second.text)}`);
  }
  return first.timings;
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `  first: …${a.slice(Math.max(0, i - 120), i + 120)}\n  again: …${b.slice(Math.max(0, i - 120), i + 120)}`;
}
