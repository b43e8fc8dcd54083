// Results of tracing one packet through a node's iptables rules. Shaped for the
// `trace --json` contract in DESIGN.md; the front door (DNS, load balancer) adds
// its own hops in front of these.
import type { Protocol } from './k8s';
import type { Diagnostic, SourceRange } from './source';

/** The first packet of a new connection, as the node sees it. */
export interface TracePacket {
  sourceIP: string;
  destinationIP: string;
  destinationPort: number;
  protocol: Protocol;
}

/**
 * Where the packet enters the node's netfilter hooks: `prerouting` for a packet that
 * arrives from the network or from a local pod, `output` for one the node itself sends.
 */
export type TraceEntry = 'prerouting' | 'output';

export type TraceHopKind =
  | 'dns'
  | 'loadbalancer'
  | 'node'
  /** A Gateway's or ingress controller's decision: listener, route, rule, match, backend, endpoint. */
  | 'l7'
  | 'chain'
  | 'rule'
  | 'dnat'
  | 'pod'
  | 'drop'
  | 'reject'
  | 'unsupported';

export interface TraceHop {
  kind: TraceHopKind;
  /** Short label: a chain, a target or an address. */
  name: string;
  detail: string;
  node?: string;
  /** iptables table of `chain`. */
  table?: string;
  chain?: string;
  /** The rule as written in the dump (without the leading `-A CHAIN`). */
  rule?: string;
  /** 1-based line in the dump; absent for rules kube-proxy installs outside the dump. */
  line?: number;
  source?: SourceRange | null;
}

/**
 * `reached`: DNAT'd to a backend and not dropped; `accepted`: the rules let the packet
 * through without a DNAT; `no-route`: nothing delivers it (decided by callers).
 */
export type TraceOutcome = 'reached' | 'rejected' | 'dropped' | 'accepted' | 'no-route';

export interface TraceBranch {
  /** Probability of this branch for a new connection; all branches sum to 1. */
  probability: number;
  /** DNAT target, or null when the packet was not DNAT'd. */
  ip: string | null;
  port: number | null;
  /** The packet leaves with its source rewritten to the node's address. */
  masquerade: boolean;
  /** Hops of this branch after the trace's shared hops. */
  hops: TraceHop[];
  outcome: TraceOutcome;
  /** The target that decided the outcome: `DNAT`, `ACCEPT`, `DROP`, `REJECT`, or `policy ACCEPT`/`policy DROP` of a built-in chain, `TRUNCATED` when the walk's budget ended it (outcome `no-route`, uncertain), or `` when rules just fell through. */
  verdict: string;
  /** An unsupported match or target was on the way: the outcome may be wrong. */
  uncertain: boolean;
  /** Facts the caller may want to show (e.g. session affinity on later packets). */
  notes: string[];
}

export interface PacketTrace {
  packet: TracePacket;
  entry: TraceEntry;
  node: string | null;
  /** Hops every branch shares (before the first probabilistic split). */
  hops: TraceHop[];
  /** In rule order; deterministic. */
  branches: TraceBranch[];
  outcome: TraceOutcome;
  uncertain: boolean;
  /**
   * Null when every branch was followed to its end; else why the walk stopped early
   * (`after 10000 branches`, `after 1000000 rule evaluations`): a dump whose chains
   * branch in a loop has more paths than can be walked.
   */
  truncated: string | null;
  /** Problems in the dump itself (parse errors) and notes about emulated rules. */
  diagnostics: Diagnostic[];
}
