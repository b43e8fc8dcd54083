// The request path of one Service port, as the side panel draws it: the engine's request
// trace (DNS → load balancer → node → kube-proxy rules → pod) grouped by node, with the
// hops every branch of a node shares drawn once. Plain data: it crosses to the webview.
import type { SourceRange, ValueSource } from './source';
import type { TraceOutcome } from './trace';

/** Where the request enters: from the internet through the cloud LB, at a node's NodePort, or to the ClusterIP from a pod. */
export type EntryKind = 'internet' | 'nodePort' | 'clusterIP';

export interface EntryPoint {
  readonly entry: EntryKind;
  readonly label: string;
  /** False when the Service cannot be reached that way (a ClusterIP Service from the internet). */
  readonly available: boolean;
}

export interface Valued {
  readonly value: string;
  readonly origin: ValueSource;
}

export interface PathHop {
  readonly kind: 'chain' | 'rule' | 'dnat' | 'drop' | 'reject' | 'unsupported';
  /** A chain name or a target. */
  readonly name: string;
  readonly detail: string;
  readonly table?: string;
  readonly chain?: string;
  /** The iptables rule as written, without `-A CHAIN`. */
  readonly rule?: string;
  readonly source: SourceRange | null;
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly nameOrigin: ValueSource;
  readonly node: string;
  readonly ip: Valued;
  readonly ready: boolean;
  /** The containerPort the target port resolves to, else the pod template. */
  readonly source: SourceRange | null;
}

/** One way the packet can go on a node after kube-proxy's probabilistic choice. */
export interface PathBranch {
  /** 0..1; the branches of a node sum to 1. */
  readonly probability: number;
  readonly outcome: TraceOutcome;
  /** `DNAT`, `REJECT`, `DROP`, `ACCEPT`, … */
  readonly verdict: string;
  /** Why the packet was rejected or dropped ('' when it reached a pod). */
  readonly reason: string;
  /** DNAT target. */
  readonly ip: string | null;
  readonly port: number | null;
  readonly masquerade: boolean;
  /** Steps of this branch alone (its KUBE-SEP chain, its DNAT or verdict). */
  readonly hops: readonly PathHop[];
  readonly pod: PodRef | null;
}

/** The request's journey through one node's kube-proxy rules. */
export interface NodePath {
  readonly node: string;
  readonly ip: string;
  /** What the packet is addressed to when it reaches this node, e.g. `172.18.0.2:31234`. */
  readonly entry: string;
  /** Steps every branch shares (KUBE-NODEPORTS → KUBE-EXT-… → KUBE-SVC-…). */
  readonly hops: readonly PathHop[];
  readonly branches: readonly PathBranch[];
  readonly outcome: TraceOutcome;
}

export interface RequestPath {
  /** What was traced, e.g. `nginx.default.svc.cluster.local:8080`. */
  readonly target: string;
  readonly entry: EntryKind;
  readonly service: {
    readonly namespace: string;
    readonly name: string;
    readonly type: string;
    readonly clusterIP: Valued;
    readonly dns: string;
    readonly port: number;
    readonly protocol: string;
    readonly targetPort: string;
    readonly nodePort: Valued | null;
    readonly source: SourceRange | null;
  };
  readonly client: { readonly label: string; readonly detail: string };
  readonly dns: {
    readonly name: string;
    readonly answer: Valued;
    readonly detail: string;
    readonly source: SourceRange | null;
  } | null;
  readonly loadBalancer: {
    readonly address: Valued;
    readonly port: number;
    readonly detail: string;
    /** Why there is no address (no cloud controller…), or ''. */
    readonly pending: string;
    readonly source: SourceRange | null;
  } | null;
  readonly nodes: readonly NodePath[];
  readonly outcome: TraceOutcome;
  /** Shown under the diagram (session affinity, what was traced, why nothing was). */
  readonly notes: readonly string[];
}

/**
 * A Service kube-proxy writes no rules for: a headless Service (CoreDNS answers the name with
 * the ready pods' IPs and the client connects to one of them directly) or an ExternalName
 * Service (CoreDNS answers with a CNAME to the external name; nothing in the cluster proxies).
 */
export interface DnsPath {
  readonly kind: 'headless' | 'externalName';
  /** What the client looks up and connects to, e.g. `db.data.svc.cluster.local:5432`. */
  readonly target: string;
  readonly service: {
    readonly namespace: string;
    readonly name: string;
    readonly type: string;
    readonly dns: string;
    readonly port: number | null;
    readonly protocol: string;
    readonly targetPort: string;
    readonly source: SourceRange | null;
  };
  readonly client: { readonly label: string; readonly detail: string };
  /** CoreDNS's answer for the Service name: A records (headless) or a CNAME (ExternalName). */
  readonly dns: {
    readonly name: string;
    readonly type: 'A' | 'AAAA' | 'CNAME';
    readonly values: readonly Valued[];
    /** Other names CoreDNS serves for the Service: per-pod A records, SRV records. */
    readonly also: readonly { readonly name: string; readonly type: string; readonly value: string }[];
    readonly source: SourceRange | null;
  };
  /** Headless: the pods behind the answer, with the port the client connects to. */
  readonly pods: readonly { readonly pod: PodRef; readonly port: number | null }[];
  /** ExternalName: the name the CNAME points to (resolved outside the cluster). */
  readonly externalName: string;
  /** `reached` when the answer leads somewhere; `no-route` when CoreDNS has no address to give. */
  readonly outcome: TraceOutcome;
  /** Why the answer is empty, or ''. */
  readonly reason: string;
  readonly notes: readonly string[];
}
