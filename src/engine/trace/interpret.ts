// Walks one new connection's first packet through a node's nat and filter
// tables the way netfilter does, splitting on `-m statistic` into weighted
// branches. Pure: the dump, packet and options are the whole input.
import type { Diagnostic, PacketTrace, TraceEntry, TraceHop, TraceHopKind, TracePacket } from '../model';
import type { IptablesChain, IptablesDump, IptablesRule, RuleMatch } from './dump';
import { findChain, findTable } from './dump';
import type { CIDR, IP } from '../net/ip';
import { cidrContains, formatIP, parseCIDR, parseIP } from '../net/ip';
import { EMULATED_BUILTIN_RULES } from './kubeJumps';
import { BUILTIN_CHAINS, parseIptablesSave } from './parse';
import { compileRule, parseMarkValue } from './ruleSpec';
import { tokenize } from '../proxy/iptables/tokenize';
import { memoized } from '../util/memo';
import type { BranchState } from './assemble';
import {
  assembleTrace,
  commonPrefix,
  DEFAULT_MAX_BRANCHES,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_STEPS,
  TRUNCATED,
  truncateBranch,
  unbracketed,
  unwalkedTrace,
} from './assemble';

export interface TraceOptions {
  /**
   * Addresses (or CIDRs) that are LOCAL on this node for `-m addrtype`: its node IPs,
   * external IPs bound to it… 127.0.0.0/8 and ::1 are always added.
   */
  localAddresses: string[];
  /** Labels every hop (`node` field). */
  node?: string;
  /** Nested jumps before the walk gives up (loops); default 64. */
  maxDepth?: number;
  /**
   * Branches (`-m statistic` splits) followed before the walk stops splitting; default
   * 10,000 (a Service with that many endpoints still traces in full).
   */
  maxBranches?: number;
  /** Rules evaluated before the walk stops; default 1,000,000 (well under a second). */
  maxSteps?: number;
}

/**
 * Hops all branches may hold together (each split copies the path so far): bounds memory
 * when every branch is long. 10,000 branches of 25 hops fit; a loop of 64 nested splits
 * stops after about 4,000 branches.
 */
const MAX_BRANCH_HOPS = 250_000;
/** Targets that only observe the packet; the walk continues after them. */
const OBSERVING_TARGETS = new Set(['LOG', 'NFLOG', 'TRACE', 'ULOG']);

interface State extends BranchState {
  ctstates: Set<string>;
}

/** How the packet leaves a rule or chain: next rule, back to the caller, or decided. */
type ChainResult =
  | { state: State; end: 'continue' }
  | { state: State; end: 'return' }
  | { state: State; end: 'terminal'; target: string };

interface Walk {
  dump: IptablesDump;
  local: CIDR[];
  node: string | undefined;
  maxDepth: number;
  emulated: Map<string, IptablesChain>;
  /** `table/chain` → chain, for O(1) jumps in dumps with thousands of chains. */
  chains: Map<string, IptablesChain>;
  /** What the walk may still spend, shared by all its branches. */
  budget: {
    maxBranches: number;
    maxSteps: number;
    branches: number;
    steps: number;
    /** Hops copied into new branches so far: what the branches hold in memory. */
    hops: number;
    spent: string | null;
  };
}

function clone(s: State): State {
  return { ...s, ctstates: new Set(s.ctstates), hops: [...s.hops], notes: [...s.notes] };
}

function hop(walk: Walk, h: TraceHop): TraceHop {
  if (walk.node !== undefined) h.node = walk.node;
  return h;
}

/** `-A CHAIN text` of a rule, once per rule of a dump (traces of one dump share it). */
const ruleText = memoized((rule: IptablesRule): string => `-A ${rule.chain} ${rule.text}`);

function ruleHop(
  walk: Walk,
  kind: TraceHopKind,
  table: string,
  rule: IptablesRule,
  name: string,
  detail: string,
): TraceHop {
  const h: TraceHop = {
    kind,
    name,
    detail: rule.line > 0 ? detail : `${detail} (${EMULATED_NOTE})`,
    table,
    chain: rule.chain,
    rule: ruleText(rule),
    source: rule.source,
  };
  if (rule.line > 0) h.line = rule.line;
  return hop(walk, h);
}

function isLocal(walk: Walk, ip: IP): boolean {
  return walk.local.some((c) => cidrContains(c, ip));
}

function commentOf(rule: IptablesRule): string {
  const c = rule.matches.find((m) => m.kind === 'comment');
  return c?.kind === 'comment' ? c.comment : '';
}

type MatchVerdict =
  { kind: 'no' } | { kind: 'unsupported'; what: string[] } | { kind: 'yes'; probability: number };

function evaluate(
  walk: Walk,
  rule: IptablesRule,
  s: State,
): { verdict: MatchVerdict; affinity: string | null } {
  let probability = 1;
  const unsupported: string[] = [];
  let failed = false;
  let affinity: string | null = null;
  let failedOnlyByAffinity = true;
  const fail = (): void => {
    failed = true;
    failedOnlyByAffinity = false;
  };
  for (const m of rule.matches) {
    const r = matchOne(walk, m, s);
    if (r === 'unsupported') unsupported.push(m.kind === 'unsupported' ? m.what : m.text);
    else if (typeof r === 'number') probability *= r;
    else if (!r) {
      if (m.kind === 'recent' && (m.mode === 'rcheck' || m.mode === 'update')) {
        failed = true;
        affinity = m.name;
      } else {
        fail();
      }
    }
  }
  if (failed) return { verdict: { kind: 'no' }, affinity: failedOnlyByAffinity ? affinity : null };
  if (unsupported.length > 0) return { verdict: { kind: 'unsupported', what: unsupported }, affinity: null };
  return { verdict: { kind: 'yes', probability }, affinity: null };
}

/** true/false, a probability for `-m statistic`, or 'unsupported'. */
function matchOne(walk: Walk, m: RuleMatch, s: State): boolean | number | 'unsupported' {
  switch (m.kind) {
    case 'address': {
      const cidr = cidrOf(m);
      if (cidr === null) return 'unsupported';
      return cidrContains(cidr, m.field === 'source' ? s.src : s.dst) !== m.negated;
    }
    case 'protocol':
      return (m.protocol === 'all' || m.protocol === '0' || m.protocol === s.protocol) !== m.negated;
    case 'port':
      return (s.dport >= m.from && s.dport <= m.to) !== m.negated;
    case 'syn':
      // The first packet of a TCP connection is a SYN.
      return (s.protocol === 'tcp') !== m.negated;
    case 'addrtype': {
      if (m.types.some((t) => t !== 'LOCAL')) return 'unsupported';
      return isLocal(walk, m.field === 'source' ? s.src : s.dst) !== m.negated;
    }
    case 'comment':
    case 'nfacct':
      return true;
    case 'statistic':
      return m.negated ? 1 - m.probability : m.probability;
    case 'recent':
      // A first connection has no entry in the recent list yet; --set only records it.
      if (m.mode === 'set') return !m.negated;
      return m.negated;
    case 'mark':
      return ((s.mark & m.mask) >>> 0 === m.value >>> 0) !== m.negated;
    case 'ctstate':
      return m.states.some((st) => s.ctstates.has(st)) !== m.negated;
    case 'unsupported':
      return 'unsupported';
  }
}

/** An address or CIDR as iptables reads it after -s/-d: a bare address is a /32 or /128, a dotted mask is allowed. */
function iptablesAddress(text: string): CIDR | null {
  return parseCIDR(unbracketed(text), { bareAddress: true, dottedMask: true });
}

/** Parsed `-s`/`-d` values, once per rule of a dump (traces of one dump share them). */
const cidrOf = memoized((m: RuleMatch & { kind: 'address' }): CIDR | null => iptablesAddress(m.value));

function chainIn(walk: Walk, tableName: string, name: string): IptablesChain | undefined {
  return walk.emulated.get(`${tableName}/${name}`) ?? walk.chains.get(`${tableName}/${name}`);
}

function applyMark(rule: IptablesRule, s: State): boolean {
  const opt = rule.target?.options[0];
  const mv = parseMarkValue(opt?.values[0] ?? '');
  if (opt === undefined || mv === null) return false;
  switch (opt.name) {
    case '--set-xmark':
      s.mark = ((s.mark & ~mv.mask) ^ mv.value) >>> 0;
      return true;
    case '--set-mark':
      s.mark = ((s.mark & ~mv.mask) | mv.value) >>> 0;
      return true;
    case '--or-mark':
      s.mark = (s.mark | mv.value) >>> 0;
      return true;
    case '--xor-mark':
      s.mark = (s.mark ^ mv.value) >>> 0;
      return true;
    case '--and-mark':
      s.mark = (s.mark & mv.value) >>> 0;
      return true;
    default:
      return false;
  }
}

function parseDnatTarget(text: string): { ip: IP; port: number | null } | null {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(text);
  const m = v6 ?? (text.split(':').length > 2 ? ([text, text] as const) : v4);
  if (m === null) return null;
  const ip = parseIP(unbracketed(m[1] ?? ''));
  if (ip === null) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  return { ip, port };
}

/**
 * Runs `chain` from rule `start`. Returns every way the packet leaves the chain,
 * in rule order: statistic splits put the taken branch before the rest.
 */
function runChain(
  walk: Walk,
  tableName: string,
  chain: IptablesChain,
  start: number,
  input: State,
  depth: number,
): ChainResult[] {
  const results: ChainResult[] = [];
  let s = input;
  const continueFrom = (next: number, rs: ChainResult[]): void => {
    for (const r of rs) {
      if (r.end === 'continue') results.push(...runChain(walk, tableName, chain, next, r.state, depth));
      else results.push(r);
    }
  };
  for (let i = start; i < chain.rules.length; i++) {
    const rule = chain.rules[i];
    if (rule === undefined) continue;
    if (++walk.budget.steps > walk.budget.maxSteps) {
      results.push(truncate(walk, tableName, rule, s, `after ${walk.budget.maxSteps} rule evaluations`));
      return results;
    }
    const { verdict, affinity } = evaluate(walk, rule, s);
    if (affinity !== null) {
      s.notes.push(
        `session affinity: a later connection from ${formatIP(s.src)} recorded in ${affinity} within its timeout skips the random choice (${rule.chain} line ${rule.line})`,
      );
    }
    if (verdict.kind === 'no') continue;
    if (verdict.kind === 'unsupported') {
      uncertainHop(
        walk,
        tableName,
        rule,
        s,
        verdict.what.join(', '),
        `unsupported match ${verdict.what.join(', ')} at line ${rule.line}: assumed not to match; the outcome is uncertain`,
      );
      continue;
    }
    if (verdict.probability < 1) {
      if (verdict.probability <= 0) continue;
      const b = walk.budget;
      b.hops += s.hops.length;
      if (++b.branches > b.maxBranches || b.hops > MAX_BRANCH_HOPS) {
        results.push(truncate(walk, tableName, rule, s, `after ${b.branches - 1} branches`));
        return results;
      }
      const taken = clone(s);
      taken.probability *= verdict.probability;
      s.probability *= 1 - verdict.probability;
      continueFrom(i + 1, applyTarget(walk, tableName, rule, taken, depth, verdict.probability));
      continue;
    }
    const outcome = applyTarget(walk, tableName, rule, s, depth, 1);
    const first = outcome[0];
    if (outcome.length === 1 && first !== undefined && first.end === 'continue') {
      s = first.state;
      continue;
    }
    continueFrom(i + 1, outcome);
    return results;
  }
  results.push({ state: s, end: 'return' });
  return results;
}

/**
 * Applies a matched rule. A result `{end:'return', state}` with the same state object
 * that came in means "continue with the next rule"; anything else leaves the chain.
 */
function applyTarget(
  walk: Walk,
  tableName: string,
  rule: IptablesRule,
  s: State,
  depth: number,
  probability: number,
): ChainResult[] {
  const comment = commentOf(rule);
  const why = (text: string): string => (comment === '' ? text : `${comment}: ${text}`);
  const prob = probability < 1 ? `random choice taken with probability ${probability}; ` : '';
  const target = rule.target;
  if (target === null) {
    s.hops.push(ruleHop(walk, 'rule', tableName, rule, '(no target)', why('matched; no target, continues')));
    return [{ state: s, end: 'continue' }];
  }
  const name = target.name;
  const sub = chainIn(walk, tableName, name);
  if (sub !== undefined) {
    s.hops.push(
      ruleHop(walk, 'rule', tableName, rule, name, why(`${prob}${target.goto ? 'goto' : 'jump to'} ${name}`)),
    );
    if (depth >= walk.maxDepth) {
      uncertainHop(
        walk,
        tableName,
        rule,
        s,
        'jump depth limit',
        `more than ${walk.maxDepth} nested jumps at line ${rule.line} (a jump loop?); the walk stops here and the outcome is uncertain`,
      );
      return [{ state: s, end: 'continue' }];
    }
    // Falling off (or RETURN from) a jumped-to chain continues here; from a goto'd chain it leaves this chain too.
    return runChain(walk, tableName, sub, 0, s, depth + 1).map((r) =>
      r.end === 'return' && !target.goto ? { state: r.state, end: 'continue' } : r,
    );
  }
  switch (name) {
    case 'ACCEPT':
      s.hops.push(
        ruleHop(
          walk,
          'rule',
          tableName,
          rule,
          'ACCEPT',
          why(`${prob}accepted by ${tableName} ${rule.chain}`),
        ),
      );
      if (tableName === 'filter') s.accepted = true;
      return [{ state: s, end: 'terminal', target: 'ACCEPT' }];
    case 'DROP':
      s.hops.push(ruleHop(walk, 'drop', tableName, rule, 'DROP', why(`${prob}dropped`)));
      return [{ state: s, end: 'terminal', target: 'DROP' }];
    case 'REJECT':
      s.hops.push(ruleHop(walk, 'reject', tableName, rule, 'REJECT', why(`${prob}rejected`)));
      return [{ state: s, end: 'terminal', target: 'REJECT' }];
    case 'RETURN':
      s.hops.push(ruleHop(walk, 'rule', tableName, rule, 'RETURN', why(`${prob}return from ${rule.chain}`)));
      return [{ state: s, end: 'return' }];
    case 'DNAT': {
      const to = target.options.find((o) => o.name === '--to-destination')?.values[0] ?? '';
      const parsed = tableName === 'nat' ? parseDnatTarget(to) : null;
      if (parsed === null) {
        return unsupportedTarget(walk, tableName, rule, s, `DNAT ${to}`);
      }
      const ipText = formatIP(parsed.ip);
      s.dst = parsed.ip;
      if (parsed.port !== null) s.dport = parsed.port;
      s.dnat = { ip: ipText, port: parsed.port ?? s.dport };
      s.ctstates.add('DNAT');
      s.hops.push(ruleHop(walk, 'dnat', tableName, rule, to, why(`${prob}destination rewritten to ${to}`)));
      return [{ state: s, end: 'terminal', target: 'DNAT' }];
    }
    case 'MARK': {
      const before = s.mark;
      if (!applyMark(rule, s))
        return unsupportedTarget(walk, tableName, rule, s, `MARK ${rule.target?.options[0]?.name ?? ''}`);
      s.hops.push(
        ruleHop(
          walk,
          'rule',
          tableName,
          rule,
          'MARK',
          why(`${prob}mark 0x${before.toString(16)} -> 0x${s.mark.toString(16)}`),
        ),
      );
      return [{ state: s, end: 'continue' }];
    }
    case 'MASQUERADE':
    case 'SNAT':
      if (tableName !== 'nat') return unsupportedTarget(walk, tableName, rule, s, name);
      s.masquerade = true;
      s.hops.push(
        ruleHop(
          walk,
          'rule',
          tableName,
          rule,
          name,
          why(`${prob}source rewritten to the node's address (${name})`),
        ),
      );
      return [{ state: s, end: 'terminal', target: name }];
    default:
      if (OBSERVING_TARGETS.has(name)) {
        s.hops.push(ruleHop(walk, 'rule', tableName, rule, name, why(`${prob}${name} (observes only)`)));
        return [{ state: s, end: 'continue' }];
      }
      return unsupportedTarget(walk, tableName, rule, s, name);
  }
}

/**
 * Ends a branch the walk has no budget left to follow (a dump whose chains branch on
 * `-m statistic` in a loop has 2^64 paths): what it holds so far is kept, marked
 * uncertain, and the trace says after how much work it stopped.
 */
function truncate(walk: Walk, tableName: string, rule: IptablesRule, s: State, after: string): ChainResult {
  const { name, detail } = truncateBranch(s, walk.budget, after, rule.line);
  uncertainHop(walk, tableName, rule, s, name, detail);
  return { state: s, end: 'terminal', target: TRUNCATED };
}

/** A hop the walk could not model: it is shown, and the branch's outcome becomes uncertain. */
function uncertainHop(
  walk: Walk,
  tableName: string,
  rule: IptablesRule,
  s: State,
  name: string,
  detail: string,
): void {
  s.uncertain = true;
  s.hops.push(ruleHop(walk, 'unsupported', tableName, rule, name, detail));
}

function unsupportedTarget(
  walk: Walk,
  tableName: string,
  rule: IptablesRule,
  s: State,
  what: string,
): ChainResult[] {
  // Targets are upper-case words (DNAT, CONNMARK); anything else was meant to be a chain.
  const undefinedChain = !/^[A-Z0-9]+$/.test(what) || what.startsWith('KUBE-');
  uncertainHop(
    walk,
    tableName,
    rule,
    s,
    what,
    undefinedChain && rule.target?.name === what
      ? `jump to ${what} at line ${rule.line}, which is not a chain of table ${tableName}; assumed to continue, the outcome is uncertain`
      : `unsupported target ${what} at line ${rule.line}: assumed to continue; the outcome is uncertain`,
  );
  return [{ state: s, end: 'continue' }];
}

const EMULATED_NOTE = 'jump rule kube-proxy installs outside its restore input (not in this dump)';

/** Built-in chains for a restore-input dump: the jump rules kube-proxy would have installed. */
function emulateBuiltins(dump: IptablesDump): {
  chains: Map<string, IptablesChain>;
  emulatedTables: string[];
} {
  const chains = new Map<string, IptablesChain>();
  const emulatedTables: string[] = [];
  for (const [tableName, hooks] of Object.entries(EMULATED_BUILTIN_RULES)) {
    const table = findTable(dump, tableName);
    if (table === undefined) continue;
    const builtins = BUILTIN_CHAINS[tableName] ?? [];
    const hasBuiltins = table.chains.some(
      (c) => builtins.includes(c.name) && (c.policy !== null || c.rules.length > 0),
    );
    if (hasBuiltins) continue;
    emulatedTables.push(tableName);
    for (const [hook, texts] of Object.entries(hooks)) {
      const rules: IptablesRule[] = [];
      for (const text of texts) {
        const compiled = compileRule(tokenize(text).tokens);
        // Only chains kube-proxy wrote into this dump get a jump (e.g. no KUBE-FIREWALL for IPv6).
        if (compiled.target === null || findChain(table, compiled.target.name) === undefined) continue;
        rules.push({
          chain: hook,
          line: 0,
          text,
          args: tokenize(text).tokens.map((t) => t.text),
          matches: compiled.matches,
          target: compiled.target,
          source: null,
        });
      }
      chains.set(`${tableName}/${hook}`, { name: hook, policy: 'ACCEPT', line: null, rules, deleted: false });
    }
  }
  return { chains, emulatedTables };
}

function runHook(walk: Walk, tableName: string, hook: string, states: State[]): State[] {
  const out: State[] = [];
  for (const s of states) {
    if (s.stopped !== null || s.truncated) {
      out.push(s);
      continue;
    }
    const chain = chainIn(walk, tableName, hook);
    if (chain === undefined) {
      out.push(s);
      continue;
    }
    const emulated = walk.emulated.has(`${tableName}/${hook}`);
    const entry: TraceHop = {
      kind: 'chain',
      name: `${tableName} ${hook}`,
      detail: emulated
        ? `${tableName} ${hook} (built-in chain not in the dump: kube-proxy's jump rules emulated)`
        : `${tableName} ${hook}${chain.policy === null ? '' : ` (policy ${chain.policy})`}`,
      table: tableName,
      chain: hook,
      source: null,
    };
    if (chain.line !== null) {
      entry.line = chain.line;
      if (walk.dump.file !== null) {
        entry.source = {
          file: walk.dump.file,
          line: chain.line,
          column: 1,
          endLine: chain.line + 1,
          endColumn: 1,
        };
      }
    }
    s.hops.push(hop(walk, entry));
    for (const r of runChain(walk, tableName, chain, 0, s, 0)) {
      const st = r.state;
      if (r.end === 'terminal') {
        if (r.target === TRUNCATED) {
          // Nothing is known past here: no policy applies, no later hook runs.
        } else if (r.target === 'DROP' || r.target === 'REJECT') {
          st.stopped = r.target === 'DROP' ? 'dropped' : 'rejected';
          st.verdict = r.target;
        }
      } else if (chain.policy === 'DROP' || chain.policy === 'REJECT') {
        st.stopped = 'dropped';
        st.verdict = `policy ${chain.policy}`;
        st.hops.push(
          hop(walk, {
            kind: 'drop',
            name: `policy ${chain.policy}`,
            detail: `no rule of ${tableName} ${hook} decided; the chain policy drops the packet`,
            table: tableName,
            chain: hook,
            ...(chain.line === null ? {} : { line: chain.line }),
            source: entry.source ?? null,
          }),
        );
      }
      out.push(st);
    }
  }
  return out;
}

/** A dump's chains by `table/chain` and its emulated built-ins: the same for every trace of it. */
function prepared(dump: IptablesDump): {
  chains: Map<string, IptablesChain>;
  emulated: Map<string, IptablesChain>;
  emulatedTables: string[];
} {
  return preparedOf(dump);
}

const preparedOf = memoized((dump: IptablesDump) => {
  const { chains: emulated, emulatedTables } = emulateBuiltins(dump);
  const chains = new Map(
    dump.tables.flatMap((t) =>
      t.chains.filter((c) => !c.deleted).map((c) => [`${t.name}/${c.name}`, c] as const),
    ),
  );
  return { chains, emulated, emulatedTables };
});

/**
 * Traces the first packet of a new connection through the nat and filter tables of a
 * dump (iptables-save output of a node, or kube-proxy's restore input, whose missing
 * built-in chains are emulated). Returns one branch per way the packet can go.
 */
export function tracePacket(
  dumpOrText: IptablesDump | string,
  packet: TracePacket,
  entry: TraceEntry,
  options: TraceOptions,
): PacketTrace {
  const dump = typeof dumpOrText === 'string' ? parseIptablesSave(dumpOrText) : dumpOrText;
  const diagnostics: Diagnostic[] = [...dump.errors];
  const head = { packet, entry, node: options.node ?? null, diagnostics };
  const range = { file: dump.file ?? '', line: 1, column: 1, endLine: 1, endColumn: 1 };
  const local = [...options.localAddresses, '127.0.0.0/8', '::1/128']
    .map((a) => iptablesAddress(a))
    .filter((c): c is CIDR => c !== null);
  const { emulated, emulatedTables, chains } = prepared(dump);
  for (const t of emulatedTables) {
    diagnostics.push({
      range,
      severity: 'info',
      code: 'iptables-builtins-emulated',
      message: `table ${t} has no built-in chains (iptables-restore input): kube-proxy's jump rules into KUBE-* chains are emulated`,
    });
  }
  const walk: Walk = {
    dump,
    local,
    node: options.node,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    emulated,
    chains,
    budget: {
      maxBranches: options.maxBranches ?? DEFAULT_MAX_BRANCHES,
      maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
      branches: 0,
      steps: 0,
      hops: 0,
      spent: null,
    },
  };
  const src = parseIP(unbracketed(packet.sourceIP));
  const dst = parseIP(unbracketed(packet.destinationIP));
  if (src === null || dst === null) {
    diagnostics.push({
      range,
      severity: 'error',
      code: 'trace-bad-packet',
      message: `not an IP address: ${src === null ? packet.sourceIP : packet.destinationIP}`,
    });
    return unwalkedTrace(head);
  }
  const initial: State = {
    src,
    dst,
    dport: packet.destinationPort,
    protocol: packet.protocol.toLowerCase(),
    mark: 0,
    ctstates: new Set(['NEW']),
    dnat: null,
    masquerade: false,
    probability: 1,
    hops: [],
    notes: [],
    uncertain: false,
    stopped: null,
    verdict: '',
    accepted: false,
    truncated: false,
  };

  // Each branch is routed on its own (possibly DNAT'd) destination; order stays rule order.
  const finals: State[] = [];
  if (entry === 'prerouting') {
    for (const s of runHook(walk, 'nat', 'PREROUTING', [initial])) {
      if (isLocal(walk, s.dst)) finals.push(...runHook(walk, 'filter', 'INPUT', [s]));
      else finals.push(...runHook(walk, 'nat', 'POSTROUTING', runHook(walk, 'filter', 'FORWARD', [s])));
    }
  } else {
    for (const s of runHook(walk, 'nat', 'OUTPUT', [initial])) {
      for (const o of runHook(walk, 'nat', 'POSTROUTING', runHook(walk, 'filter', 'OUTPUT', [s]))) {
        // Loopback delivery: a packet for a local address comes back in through filter INPUT.
        finals.push(...(isLocal(walk, o.dst) ? runHook(walk, 'filter', 'INPUT', [o]) : [o]));
      }
    }
  }

  return assembleTrace(head, finals, walk.budget.spent);
}

export { commonPrefix };
