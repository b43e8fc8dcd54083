// What both packet tracers (iptables rules, nftables rulesets) make of the states their walk
// ends in: one branch per state, the hops all branches share from the start split off, and the
// trace's outcome by priority. Pure.
import type { IP } from '../net/ip';
import type {
  Diagnostic,
  PacketTrace,
  TraceBranch,
  TraceEntry,
  TraceHop,
  TraceOutcome,
  TracePacket,
} from '../model';

/** One branch of a walk while it runs: the packet as rules have changed it so far. */
export interface BranchState {
  src: IP;
  dst: IP;
  dport: number;
  protocol: string;
  mark: number;
  dnat: { ip: string; port: number | null } | null;
  masquerade: boolean;
  probability: number;
  hops: TraceHop[];
  notes: string[];
  uncertain: boolean;
  /** Set once a DROP/REJECT (rule, verdict or policy) ended the branch. */
  stopped: 'dropped' | 'rejected' | null;
  verdict: string;
  accepted: boolean;
  /** Set when the walk's budget ran out on this branch: its fate is not known. */
  truncated: boolean;
}

/** Walk budgets both tracers default to. */
export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_BRANCHES = 10_000;
export const DEFAULT_MAX_STEPS = 1_000_000;
/** The target of a branch the walk did not follow to its end (budget spent). */
export const TRUNCATED = 'TRUNCATED';

/**
 * Ends a branch whose walk ran out of budget (`after` says which) at rule `line`: it is
 * truncated and uncertain. Returns the name and detail of the uncertain hop that shows it.
 */
export function truncateBranch(
  s: BranchState,
  budget: { spent: string | null },
  after: string,
  line: number,
): { name: string; detail: string } {
  budget.spent ??= after;
  s.truncated = true;
  s.verdict = TRUNCATED;
  s.notes.push(
    `trace truncated ${budget.spent}: this branch (probability ${s.probability}) was not followed further`,
  );
  return {
    name: 'trace truncated',
    detail: `trace truncated ${budget.spent} at line ${line}: the rest of this branch is not followed; its outcome is unknown`,
  };
}

/** The end of one walked branch, as both tracers keep it. */
export interface WalkedState {
  readonly probability: number;
  readonly dnat: { readonly ip: string; readonly port: number | null } | null;
  readonly masquerade: boolean;
  readonly hops: TraceHop[];
  readonly notes: readonly string[];
  readonly uncertain: boolean;
  /** Set once a DROP/REJECT (rule, verdict or policy) ended the branch. */
  readonly stopped: 'dropped' | 'rejected' | null;
  readonly verdict: string;
  readonly accepted: boolean;
  /** The walk's budget ran out on this branch: its fate is not known. */
  readonly truncated: boolean;
}

/** When branches end differently, the trace's outcome is the first of these any branch has. */
const OUTCOME_PRIORITY: readonly TraceOutcome[] = ['reached', 'rejected', 'dropped', 'accepted', 'no-route'];

function branchOf(s: WalkedState): TraceBranch {
  // A truncated branch was not followed to a verdict: it reaches nothing the trace can name.
  const outcome: TraceOutcome = s.truncated
    ? 'no-route'
    : (s.stopped ?? (s.dnat !== null ? 'reached' : 'accepted'));
  const verdict =
    s.truncated || s.stopped !== null ? s.verdict : s.dnat !== null ? 'DNAT' : s.accepted ? 'ACCEPT' : '';
  return {
    probability: s.probability,
    ip: s.dnat?.ip ?? null,
    port: s.dnat?.port ?? null,
    masquerade: s.masquerade,
    hops: s.hops,
    outcome,
    verdict,
    uncertain: s.uncertain,
    notes: [...new Set(s.notes)],
  };
}

export interface TraceHead {
  readonly packet: TracePacket;
  readonly entry: TraceEntry;
  readonly node: string | null;
  readonly diagnostics: Diagnostic[];
}

/** The trace of the walked states; `spent` names the budget that ran out, if one did. */
export function assembleTrace(
  head: TraceHead,
  finals: readonly WalkedState[],
  spent: string | null,
): PacketTrace {
  const branches = finals.map(branchOf);
  const shared = commonPrefix(branches.map((b) => b.hops));
  for (const b of branches) b.hops = b.hops.slice(shared.length);
  return {
    packet: head.packet,
    entry: head.entry,
    node: head.node,
    hops: shared,
    branches,
    outcome: OUTCOME_PRIORITY.find((o) => branches.some((b) => b.outcome === o)) ?? 'no-route',
    uncertain: branches.some((b) => b.uncertain),
    truncated: spent,
    diagnostics: head.diagnostics,
  };
}

/** The trace of a packet the tracer could not walk (its diagnostics say why): one uncertain no-route branch. */
export function unwalkedTrace(head: TraceHead): PacketTrace {
  return {
    packet: head.packet,
    entry: head.entry,
    node: head.node,
    hops: [],
    branches: [
      {
        probability: 1,
        ip: null,
        port: null,
        masquerade: false,
        hops: [],
        outcome: 'no-route',
        verdict: '',
        uncertain: true,
        notes: [],
      },
    ],
    outcome: 'no-route',
    uncertain: true,
    truncated: null,
    diagnostics: head.diagnostics,
  };
}

/** An address as a trace request writes it, without the brackets of an IPv6 literal (`[fd00::1]`). */
export function unbracketed(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

/** The hops every branch shares from the start (both tracers split a trace this way). */
export function commonPrefix(lists: TraceHop[][]): TraceHop[] {
  const first = lists[0];
  if (first === undefined) return [];
  let n = first.length;
  for (const l of lists) {
    let i = 0;
    while (i < n && i < l.length && l[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}
