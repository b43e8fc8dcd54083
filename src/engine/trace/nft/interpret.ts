// Walks one new connection's first packet through an nftables ruleset the way netfilter
// does: at each hook the base chains of every table of the packet's family (and inet), in
// priority order; verdict maps and sets looked up on the packet; a `numgen` verdict map
// splits the walk into one branch per element with its share of the modulus. Pure: the
// ruleset, packet and options are the whole input. Same result shape as the iptables
// interpreter (`PacketTrace`).
import type { Diagnostic, PacketTrace, TraceEntry, TraceHop, TraceHopKind, TracePacket } from '../../model';
import type { CIDR, IP } from '../../net/ip';
import { cidrContains, formatIP, parseCIDR, parseIP } from '../../net/ip';
import { memoized } from '../../util/memo';
import type { BranchState } from '../assemble';
import {
  assembleTrace,
  DEFAULT_MAX_BRANCHES,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_STEPS,
  TRUNCATED,
  truncateBranch,
  unbracketed,
  unwalkedTrace,
} from '../assemble';
import type { NftExpr, NftOperand, NftStatement, NftVerdict } from './compile';
import { compileRule, parseNumber, verdictOf, verdictText } from './compile';
import { parseNftRuleset } from './parse';
import type {
  NftRuleset,
  NftRulesetChain,
  NftRulesetElement,
  NftRulesetRule,
  NftRulesetSet,
  NftRulesetTable,
} from './ruleset';
import { tablesForFamily } from './ruleset';

export interface NftTraceOptions {
  /** Addresses (or CIDRs) local to the node for `fib … type local`; 127.0.0.0/8 and ::1 are added. */
  localAddresses: string[];
  /** Labels every hop (`node` field). */
  node?: string;
  /** Nested jumps before the walk gives up (a loop); default 64. */
  maxDepth?: number;
  /** `numgen` splits followed before the walk stops splitting; default 10,000. */
  maxBranches?: number;
  /** Rules evaluated before the walk stops; default 1,000,000. */
  maxSteps?: number;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  icmpv6: 58,
  sctp: 132,
};

interface State extends BranchState {
  family: 'IPv4' | 'IPv6';
}

type ChainResult =
  | { state: State; end: 'continue' }
  | { state: State; end: 'return' }
  | { state: State; end: 'terminal'; target: 'accept' | 'drop' | 'reject' | 'nat' | typeof TRUNCATED };

interface Walk {
  ruleset: NftRuleset;
  local: CIDR[];
  node: string | undefined;
  maxDepth: number;
  budget: { maxBranches: number; maxSteps: number; branches: number; steps: number; spent: string | null };
}

const compiled = memoized((rule: NftRulesetRule): NftStatement[] => compileRule(rule.tokens));

function clone(s: State): State {
  return { ...s, hops: [...s.hops], notes: [...s.notes] };
}

function tableLabel(table: NftRulesetTable): string {
  return `${table.family} ${table.name}`;
}

function ruleHop(
  walk: Walk,
  kind: TraceHopKind,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  name: string,
  detail: string,
): TraceHop {
  const h: TraceHop = {
    kind,
    name,
    detail,
    table: tableLabel(table),
    chain: rule.chain,
    rule: rule.text,
    line: rule.line,
    source: walk.ruleset.file
      ? {
          file: walk.ruleset.file,
          line: rule.line,
          column: rule.column,
          endLine: rule.line + 1,
          endColumn: 1,
        }
      : null,
  };
  if (walk.node !== undefined) h.node = walk.node;
  return h;
}

function uncertain(
  walk: Walk,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  s: State,
  name: string,
  detail: string,
): void {
  s.uncertain = true;
  s.hops.push(ruleHop(walk, 'unsupported', table, rule, name, detail));
}

function isLocal(walk: Walk, ip: IP): boolean {
  return walk.local.some((c) => cidrContains(c, ip));
}

/** A value read from the packet: an address, or a number with the names nft prints for it. */
type Value = { kind: 'ip'; ip: IP } | { kind: 'num'; n: number; names: readonly string[] };

/** The packet's value of an expression; null when it has none (an `ip` match on an IPv6 packet). */
function evaluate(walk: Walk, expr: NftExpr, s: State): Value[] | null {
  switch (expr.kind) {
    case 'addr':
      if ((expr.family === 'ip') !== (s.family === 'IPv4')) return null;
      return [{ kind: 'ip', ip: expr.field === 'saddr' ? s.src : s.dst }];
    case 'l4proto':
      return [{ kind: 'num', n: PROTOCOL_NUMBERS[s.protocol] ?? -1, names: [s.protocol] }];
    case 'dport':
      if (expr.protocol !== null && expr.protocol !== s.protocol) return null;
      return [{ kind: 'num', n: s.dport, names: [] }];
    case 'mark': {
      let v = s.mark;
      if (expr.op?.op === '&') v = (v & expr.op.value) >>> 0;
      if (expr.op?.op === '|') v = (v | expr.op.value) >>> 0;
      if (expr.op?.op === '^') v = (v ^ expr.op.value) >>> 0;
      return [{ kind: 'num', n: v, names: [] }];
    }
    case 'ctstate':
      // The first packet of a connection: conntrack state new (bit 8 in nft's ct_state).
      return [{ kind: 'num', n: 8, names: ['new'] }];
    case 'fib': {
      const local = isLocal(walk, expr.field === 'saddr' ? s.src : s.dst);
      return [{ kind: 'num', n: local ? 2 : 1, names: [local ? 'local' : 'unicast'] }];
    }
    case 'nfproto':
      return [
        { kind: 'num', n: s.family === 'IPv4' ? 2 : 10, names: [s.family === 'IPv4' ? 'ipv4' : 'ipv6'] },
      ];
    case 'numgen':
      return null;
    case 'concat': {
      const out: Value[] = [];
      for (const p of expr.parts) {
        const v = evaluate(walk, p, s);
        if (v === null) return null;
        out.push(...v);
      }
      return out;
    }
  }
}

/** An element part (or a compared value) read once: an address range, a number range or a name. */
type Part =
  | { kind: 'ip'; first: IP; last: IP }
  | { kind: 'num'; lo: number; hi: number }
  | { kind: 'name'; text: string }
  | { kind: 'other' };

function parsePart(text: string): Part {
  const n = parseNumber(text);
  if (n !== null) return { kind: 'num', lo: n, hi: n };
  const numbers = /^(\w+)-(\w+)$/.exec(text);
  if (numbers) {
    const lo = parseNumber(numbers[1] ?? '');
    const hi = parseNumber(numbers[2] ?? '');
    if (lo !== null && hi !== null) return { kind: 'num', lo, hi };
  }
  const dash = text.indexOf('-');
  if (dash > 0 && !text.includes('/')) {
    const a = parseIP(text.slice(0, dash));
    const b = parseIP(text.slice(dash + 1));
    if (a && b && a.family === b.family) return { kind: 'ip', first: a, last: b };
  }
  const cidr = parseCIDR(text, { bareAddress: true });
  if (cidr !== null) {
    const size = 1n << BigInt((cidr.family === 'IPv4' ? 32 : 128) - cidr.prefix);
    return {
      kind: 'ip',
      first: { family: cidr.family, value: cidr.network },
      last: { family: cidr.family, value: cidr.network + size - 1n },
    };
  }
  return /^[a-z][a-z0-9-]*$/.test(text) ? { kind: 'name', text } : { kind: 'other' };
}

/** Each element's key parts parsed once per element (the elements of a parse are shared by its traces). */
const partsOf = memoized((holder: { key: readonly string[] }): Part[] => holder.key.map(parsePart));

/** Does the packet's value equal (or fall in) the part; null when the part is not a value of that kind. */
function partMatches(value: Value, part: Part): boolean | null {
  if (value.kind === 'ip') {
    if (part.kind !== 'ip') return null;
    return (
      part.first.family === value.ip.family &&
      value.ip.value >= part.first.value &&
      value.ip.value <= part.last.value
    );
  }
  if (part.kind === 'num') return value.n >= part.lo && value.n <= part.hi;
  if (part.kind !== 'name') return null;
  if (value.names.includes(part.text)) return true;
  const proto = PROTOCOL_NUMBERS[part.text];
  if (proto !== undefined) return proto === value.n;
  // Another name of the same kind (ct state `established`, fib type `unicast`, nfproto `ipv6`…).
  return false;
}

function keyMatches(values: readonly Value[], holder: { key: readonly string[] }): boolean | null {
  const key = partsOf(holder);
  if (values.length !== key.length) return null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const p = key[i];
    const r = v === undefined || p === undefined ? null : partMatches(v, p);
    if (r !== true) return r;
  }
  return true;
}

type Lookup =
  | { kind: 'found'; element: NftRulesetElement | null; set: NftRulesetSet | null }
  | { kind: 'missing'; set: NftRulesetSet | null }
  | { kind: 'unsupported'; why: string };

function lookup(table: NftRulesetTable, operand: NftOperand, values: readonly Value[]): Lookup {
  let elements: readonly NftRulesetElement[];
  let set: NftRulesetSet | null = null;
  if (operand.kind === 'named') {
    set = table.sets.get(operand.name) ?? null;
    if (set === null)
      return { kind: 'unsupported', why: `no set or map @${operand.name} in table ${tableLabel(table)}` };
    elements = set.elements;
  } else if (operand.kind === 'anonymous') {
    elements = operand.elements;
  } else {
    const r = keyMatches(values, valueKey(operand));
    if (r === null) return { kind: 'unsupported', why: `cannot compare with ${operand.parts.join(' . ')}` };
    return r ? { kind: 'found', element: null, set } : { kind: 'missing', set };
  }
  for (const e of elements) {
    const r = keyMatches(values, e);
    if (r === null) return { kind: 'unsupported', why: `cannot compare with element ${e.key.join(' . ')}` };
    if (r) return { kind: 'found', element: e, set };
  }
  return { kind: 'missing', set };
}

const valueKey = memoized((operand: NftOperand & { kind: 'value' }) => ({ key: operand.parts }));

function chainOf(table: NftRulesetTable, name: string): NftRulesetChain | undefined {
  return table.chains.get(name);
}

function dnatTarget(text: string): { ip: IP; port: number | null } | null {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    const ip = parseIP(v6[1] ?? '');
    return ip ? { ip, port: v6[2] === undefined ? null : Number(v6[2]) } : null;
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) {
    const ip = parseIP(text);
    return ip ? { ip, port: null } : null;
  }
  const [host = '', port] = text.split(':');
  const ip = parseIP(host);
  if (ip === null || (port !== undefined && !/^\d+$/.test(port))) return null;
  return { ip, port: port === undefined ? null : Number(port) };
}

/** Runs `chain` from rule `start`; every way the packet leaves it, in rule order. */
function runChain(
  walk: Walk,
  table: NftRulesetTable,
  chain: NftRulesetChain,
  natChain: boolean,
  start: number,
  input: State,
  depth: number,
): ChainResult[] {
  const results: ChainResult[] = [];
  let s = input;
  for (let i = start; i < chain.rules.length; i++) {
    const rule = chain.rules[i];
    if (rule === undefined) continue;
    if (++walk.budget.steps > walk.budget.maxSteps) {
      results.push(truncate(walk, table, rule, s, `after ${walk.budget.maxSteps} rule evaluations`));
      return results;
    }
    const outcome = runRule(walk, table, rule, natChain, compiled(rule), 0, s, depth);
    const first = outcome[0];
    if (outcome.length === 1 && first !== undefined && first.end === 'continue') {
      s = first.state;
      continue;
    }
    for (const r of outcome) {
      if (r.end === 'continue')
        results.push(...runChain(walk, table, chain, natChain, i + 1, r.state, depth));
      else results.push(r);
    }
    return results;
  }
  results.push({ state: s, end: 'return' });
  return results;
}

/** Runs a rule's statements from `index`: `continue` = on to the next rule. */
function runRule(
  walk: Walk,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  natChain: boolean,
  statements: readonly NftStatement[],
  index: number,
  s: State,
  depth: number,
): ChainResult[] {
  for (let i = index; i < statements.length; i++) {
    const st = statements[i];
    if (st === undefined) continue;
    switch (st.kind) {
      case 'noop':
        continue;
      case 'unsupported':
        uncertain(
          walk,
          table,
          rule,
          s,
          st.text,
          `unsupported expression or statement "${st.text}" at line ${rule.line}: the rule is assumed not to match; the outcome is uncertain`,
        );
        return [{ state: s, end: 'continue' }];
      case 'match': {
        const values = evaluate(walk, st.expr, s);
        if (values === null) return [{ state: s, end: 'continue' }];
        let hit: boolean;
        if (st.op === '==' || st.op === '!=') {
          const found = lookup(table, st.operand, values);
          if (found.kind === 'unsupported') {
            uncertain(
              walk,
              table,
              rule,
              s,
              st.text,
              `${found.why} (line ${rule.line}): the rule is assumed not to match; the outcome is uncertain`,
            );
            return [{ state: s, end: 'continue' }];
          }
          if (found.kind === 'missing' && found.set?.flags.includes('dynamic') && st.op === '==') {
            s.notes.push(
              `session affinity: a later connection from ${formatIP(s.src)} recorded in @${found.set.name} within its timeout skips the random choice (${rule.chain} line ${rule.line})`,
            );
          }
          hit = (found.kind === 'found') === (st.op === '==');
        } else {
          const [v] = values;
          const n = st.operand.kind === 'value' ? parseNumber(st.operand.parts[0] ?? '') : null;
          if (values.length !== 1 || v === undefined || v.kind !== 'num' || n === null) {
            uncertain(
              walk,
              table,
              rule,
              s,
              st.text,
              `comparison "${st.text}" at line ${rule.line} is not modelled: the rule is assumed not to match; the outcome is uncertain`,
            );
            return [{ state: s, end: 'continue' }];
          }
          hit = st.op === '<' ? v.n < n : st.op === '>' ? v.n > n : st.op === '<=' ? v.n <= n : v.n >= n;
        }
        if (!hit) return [{ state: s, end: 'continue' }];
        continue;
      }
      case 'vmap':
        return vmap(walk, table, rule, natChain, st, s, depth);
      case 'verdict':
        return applyVerdict(walk, table, rule, natChain, st.verdict, s, depth, '');
      case 'mark': {
        const before = s.mark;
        if (st.op === 'set') s.mark = st.value >>> 0;
        else if (st.op === '|') s.mark = (s.mark | st.value) >>> 0;
        else if (st.op === '^') s.mark = (s.mark ^ st.value) >>> 0;
        else s.mark = (s.mark & st.value) >>> 0;
        s.hops.push(
          ruleHop(
            walk,
            'rule',
            table,
            rule,
            'mark',
            `mark 0x${before.toString(16)} -> 0x${s.mark.toString(16)}`,
          ),
        );
        continue;
      }
      case 'setUpdate':
        s.notes.push(
          `session affinity: this connection's source ${formatIP(s.src)} is recorded in @${st.set}; later connections from it within the timeout go to the same endpoint (${rule.chain} line ${rule.line})`,
        );
        continue;
      case 'masquerade':
        if (!natChain) {
          uncertain(
            walk,
            table,
            rule,
            s,
            st.text,
            `masquerade outside a nat chain at line ${rule.line}: not modelled; the outcome is uncertain`,
          );
          return [{ state: s, end: 'continue' }];
        }
        s.masquerade = true;
        s.hops.push(
          ruleHop(
            walk,
            'rule',
            table,
            rule,
            'masquerade',
            "source rewritten to the node's address (masquerade)",
          ),
        );
        return [{ state: s, end: 'terminal', target: 'nat' }];
      case 'snat':
        if (!natChain) {
          uncertain(
            walk,
            table,
            rule,
            s,
            st.text,
            `snat outside a nat chain at line ${rule.line}: not modelled; the outcome is uncertain`,
          );
          return [{ state: s, end: 'continue' }];
        }
        s.masquerade = true;
        s.hops.push(ruleHop(walk, 'rule', table, rule, 'snat', `source rewritten to ${st.to}`));
        return [{ state: s, end: 'terminal', target: 'nat' }];
      case 'dnat': {
        const to = dnatTarget(st.to);
        if (!natChain || to === null) {
          uncertain(
            walk,
            table,
            rule,
            s,
            st.text,
            `dnat to ${st.to} at line ${rule.line} is not modelled (${natChain ? 'target' : 'not a nat chain'}); the outcome is uncertain`,
          );
          return [{ state: s, end: 'continue' }];
        }
        s.dst = to.ip;
        if (to.port !== null) s.dport = to.port;
        s.dnat = { ip: formatIP(to.ip), port: to.port ?? s.dport };
        s.hops.push(ruleHop(walk, 'dnat', table, rule, st.to, `destination rewritten to ${st.to}`));
        return [{ state: s, end: 'terminal', target: 'nat' }];
      }
    }
  }
  return [{ state: s, end: 'continue' }];
}

function vmap(
  walk: Walk,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  natChain: boolean,
  st: NftStatement & { kind: 'vmap' },
  s: State,
  depth: number,
): ChainResult[] {
  if (st.expr.kind === 'numgen') return numgen(walk, table, rule, natChain, st, st.expr, s, depth);
  const values = evaluate(walk, st.expr, s);
  if (values === null) return [{ state: s, end: 'continue' }];
  const found = lookup(table, st.map, values);
  if (found.kind === 'unsupported') {
    uncertain(
      walk,
      table,
      rule,
      s,
      st.text,
      `${found.why} (line ${rule.line}): the rule is assumed not to match; the outcome is uncertain`,
    );
    return [{ state: s, end: 'continue' }];
  }
  if (found.kind === 'missing' || found.element === null) return [{ state: s, end: 'continue' }];
  const verdict = verdictOf(found.element.value);
  const key = found.element.key.join(' . ');
  const where = st.map.kind === 'named' ? `@${st.map.name}` : 'the map';
  if (verdict === null) {
    uncertain(
      walk,
      table,
      rule,
      s,
      st.text,
      `element ${key} of ${where} has no verdict the tracer knows: the outcome is uncertain`,
    );
    return [{ state: s, end: 'continue' }];
  }
  const comment = found.element.comment === null ? '' : ` "${found.element.comment}"`;
  const line = found.set ? `, line ${found.element.line}` : '';
  return applyVerdict(
    walk,
    table,
    rule,
    natChain,
    verdict,
    s,
    depth,
    `${key}${comment} in ${where}${line}: `,
  );
}

/** `numgen random mod N vmap { … }`: one branch per element, with its share of N. */
function numgen(
  walk: Walk,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  natChain: boolean,
  st: NftStatement & { kind: 'vmap' },
  gen: NftExpr & { kind: 'numgen' },
  s: State,
  depth: number,
): ChainResult[] {
  const elements =
    st.map.kind === 'named' ? (table.sets.get(st.map.name)?.elements ?? null) : st.map.elements;
  if (elements === null) {
    uncertain(
      walk,
      table,
      rule,
      s,
      st.text,
      `no map @${st.map.kind === 'named' ? st.map.name : ''} in table ${tableLabel(table)}: the outcome is uncertain`,
    );
    return [{ state: s, end: 'continue' }];
  }
  const shares = new Map<NftRulesetElement, number>();
  let unmatched = 0;
  for (let v = gen.offset; v < gen.offset + gen.mod; v++) {
    const value: Value = { kind: 'num', n: v, names: [] };
    const e = elements.find((x) => keyMatches([value], x) === true);
    if (e === undefined) unmatched++;
    else shares.set(e, (shares.get(e) ?? 0) + 1);
  }
  const results: ChainResult[] = [];
  const note = gen.mode === 'inc' ? ' (numgen inc: round robin, shown as equal shares)' : '';
  const entries = [...shares];
  for (let i = 0; i < entries.length; i++) {
    const [e, count] = entries[i] ?? [];
    if (e === undefined || count === undefined) continue;
    const b = walk.budget;
    if (i > 0 && ++b.branches > b.maxBranches) {
      const rest = clone(s);
      rest.probability = s.probability * (entries.slice(i).reduce((sum, [, c]) => sum + c, 0) / gen.mod);
      results.push(truncate(walk, table, rule, rest, `after ${b.branches - 1} branches`));
      break;
    }
    const verdict = verdictOf(e.value);
    const taken = clone(s);
    taken.probability = s.probability * (count / gen.mod);
    if (verdict === null) {
      uncertain(
        walk,
        table,
        rule,
        taken,
        st.text,
        `element ${e.key.join(' . ')} has no verdict the tracer knows: the outcome is uncertain`,
      );
      results.push({ state: taken, end: 'continue' });
      continue;
    }
    const why = `random choice ${count}/${gen.mod} (numgen ${gen.mode} mod ${gen.mod} = ${e.key[0] ?? ''})${note}: `;
    results.push(...applyVerdict(walk, table, rule, natChain, verdict, taken, depth, why));
  }
  if (unmatched > 0) {
    const rest = clone(s);
    rest.probability = s.probability * (unmatched / gen.mod);
    results.push({ state: rest, end: 'continue' });
  }
  return results;
}

function applyVerdict(
  walk: Walk,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  natChain: boolean,
  v: NftVerdict,
  s: State,
  depth: number,
  why: string,
): ChainResult[] {
  const name = verdictText(v);
  switch (v.kind) {
    case 'accept':
      s.hops.push(ruleHop(walk, 'rule', table, rule, 'accept', `${why}accepted by ${rule.chain}`));
      if (!natChain) s.accepted = true;
      return [{ state: s, end: 'terminal', target: 'accept' }];
    case 'drop':
      s.hops.push(ruleHop(walk, 'drop', table, rule, 'drop', `${why}dropped`));
      return [{ state: s, end: 'terminal', target: 'drop' }];
    case 'reject':
      s.hops.push(ruleHop(walk, 'reject', table, rule, 'reject', `${why}rejected`));
      return [{ state: s, end: 'terminal', target: 'reject' }];
    case 'return':
      s.hops.push(ruleHop(walk, 'rule', table, rule, 'return', `${why}return from ${rule.chain}`));
      return [{ state: s, end: 'return' }];
    case 'continue':
      return [{ state: s, end: 'continue' }];
    case 'jump':
    case 'goto': {
      const sub = chainOf(table, v.chain);
      if (sub === undefined) {
        uncertain(
          walk,
          table,
          rule,
          s,
          name,
          `${why}${name} at line ${rule.line}: no chain ${v.chain} in table ${tableLabel(table)}; assumed to continue, the outcome is uncertain`,
        );
        return [{ state: s, end: 'continue' }];
      }
      s.hops.push(
        ruleHop(
          walk,
          'rule',
          table,
          rule,
          name,
          `${why}${v.kind === 'goto' ? 'goto' : 'jump to'} ${v.chain}`,
        ),
      );
      if (depth >= walk.maxDepth) {
        uncertain(
          walk,
          table,
          rule,
          s,
          'jump depth limit',
          `more than ${walk.maxDepth} nested jumps at line ${rule.line} (a jump loop?); the walk stops here and the outcome is uncertain`,
        );
        return [{ state: s, end: 'continue' }];
      }
      // The end of (or return from) a jumped-to chain continues here; from a goto'd chain it returns to this chain's caller.
      return runChain(walk, table, sub, natChain, 0, s, depth + 1).map((r) =>
        r.end === 'return' && v.kind === 'jump' ? { state: r.state, end: 'continue' } : r,
      );
    }
  }
}

function truncate(
  walk: Walk,
  table: NftRulesetTable,
  rule: NftRulesetRule,
  s: State,
  after: string,
): ChainResult {
  const { name, detail } = truncateBranch(s, walk.budget, after, rule.line);
  uncertain(walk, table, rule, s, name, detail);
  return { state: s, end: 'terminal', target: TRUNCATED };
}

/** Base chains of a hook for a family, in priority order (ties: as listed). */
const hookChains = memoized((ruleset: NftRuleset) => {
  const byKey = new Map<string, { table: NftRulesetTable; chain: NftRulesetChain }[]>();
  for (const family of ['IPv4', 'IPv6'] as const) {
    for (const table of tablesForFamily(ruleset, family)) {
      for (const chain of table.chains.values()) {
        if (chain.base === null) continue;
        const key = `${family}/${chain.base.hook}`;
        const list = byKey.get(key) ?? [];
        list.push({ table, chain });
        byKey.set(key, list);
      }
    }
  }
  for (const list of byKey.values())
    list.sort((a, b) => (a.chain.base?.priority ?? 0) - (b.chain.base?.priority ?? 0));
  return byKey;
});

function runHook(walk: Walk, hook: string, states: State[]): State[] {
  let current = states;
  const chains = (family: 'IPv4' | 'IPv6') => hookChains(walk.ruleset).get(`${family}/${hook}`) ?? [];
  // nat chains see a connection until one of them binds a NAT mapping for this hook.
  const natDone = new Set<State>();
  for (const family of ['IPv4', 'IPv6'] as const) {
    for (const { table, chain } of chains(family)) {
      const base = chain.base;
      if (base === null) continue;
      const next: State[] = [];
      for (const s of current) {
        if (
          s.family !== family ||
          s.stopped !== null ||
          s.truncated ||
          (base.type === 'nat' && natDone.has(s))
        ) {
          next.push(s);
          continue;
        }
        if (base.type !== 'filter' && base.type !== 'nat' && base.type !== 'route') {
          next.push(s);
          continue;
        }
        const entry: TraceHop = {
          kind: 'chain',
          name: `${tableLabel(table)} ${chain.name}`,
          detail: `${tableLabel(table)} ${chain.name}: type ${base.type} hook ${base.hook} priority ${base.priorityText} (policy ${base.policy})`,
          table: tableLabel(table),
          chain: chain.name,
          line: chain.line,
          source: walk.ruleset.file
            ? { file: walk.ruleset.file, line: chain.line, column: 1, endLine: chain.line + 1, endColumn: 1 }
            : null,
        };
        if (walk.node !== undefined) entry.node = walk.node;
        s.hops.push(entry);
        for (const r of runChain(walk, table, chain, base.type === 'nat', 0, s, 0)) {
          const st = r.state;
          if (r.end === 'terminal') {
            if (r.target === 'drop' || r.target === 'reject') {
              st.stopped = r.target === 'drop' ? 'dropped' : 'rejected';
              st.verdict = r.target === 'drop' ? 'DROP' : 'REJECT';
            } else if (r.target === 'nat') natDone.add(st);
          } else if (base.policy === 'drop') {
            st.stopped = 'dropped';
            st.verdict = 'policy DROP';
            st.hops.push({
              kind: 'drop',
              name: 'policy drop',
              detail: `no rule of ${chain.name} decided; the chain's policy drops the packet`,
              table: tableLabel(table),
              chain: chain.name,
              line: chain.line,
              source: entry.source ?? null,
              ...(walk.node !== undefined ? { node: walk.node } : {}),
            });
          }
          next.push(st);
        }
      }
      current = next;
    }
  }
  return current;
}

/**
 * Traces the first packet of a new connection through an nftables ruleset (`nft list
 * ruleset` text or its parse). One branch per way the packet can go, in rule order.
 */
export function traceNftPacket(
  rulesetOrText: NftRuleset | string,
  packet: TracePacket,
  entry: TraceEntry,
  options: NftTraceOptions,
): PacketTrace {
  const ruleset = typeof rulesetOrText === 'string' ? parseNftRuleset(rulesetOrText) : rulesetOrText;
  const diagnostics: Diagnostic[] = [...ruleset.errors];
  const head = { packet, entry, node: options.node ?? null, diagnostics };
  const local = [...options.localAddresses, '127.0.0.0/8', '::1/128']
    .map((a) => parseCIDR(a, { bareAddress: true }))
    .filter((c): c is CIDR => c !== null);
  const walk: Walk = {
    ruleset,
    local,
    node: options.node,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    budget: {
      maxBranches: options.maxBranches ?? DEFAULT_MAX_BRANCHES,
      maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
      branches: 0,
      steps: 0,
      spent: null,
    },
  };
  const src = parseIP(unbracketed(packet.sourceIP));
  const dst = parseIP(unbracketed(packet.destinationIP));
  if (src === null || dst === null || src.family !== dst.family) {
    diagnostics.push({
      range: { file: ruleset.file ?? '', line: 1, column: 1, endLine: 1, endColumn: 1 },
      severity: 'error',
      code: 'trace-bad-packet',
      message:
        src === null || dst === null
          ? `not an IP address: ${src === null ? packet.sourceIP : packet.destinationIP}`
          : `source ${packet.sourceIP} and destination ${packet.destinationIP} are of different families`,
    });
    return unwalkedTrace(head);
  }
  const initial: State = {
    family: src.family,
    src,
    dst,
    dport: packet.destinationPort,
    protocol: packet.protocol.toLowerCase(),
    mark: 0,
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
  const finals: State[] = [];
  if (entry === 'prerouting') {
    for (const s of runHook(walk, 'prerouting', [initial])) {
      if (isLocal(walk, s.dst)) finals.push(...runHook(walk, 'input', [s]));
      else finals.push(...runHook(walk, 'postrouting', runHook(walk, 'forward', [s])));
    }
  } else {
    for (const o of runHook(walk, 'postrouting', runHook(walk, 'output', [initial]))) {
      // Loopback delivery: a packet for a local address comes back in through the input hook.
      finals.push(...(isLocal(walk, o.dst) ? runHook(walk, 'input', [o]) : [o]));
    }
  }
  return assembleTrace(head, finals, walk.budget.spent);
}
