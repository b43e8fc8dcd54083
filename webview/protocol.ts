// The one message protocol between the extension host (src/extension/requestPathView.ts)
// and the side-panel app (webview/main.ts). Both sides import this file; it imports
// nothing, so the webview bundle never pulls in engine or vscode code.
//
// The exchange is GitLens-style: the webview posts `ready` once its script runs, and the
// host answers every `ready`/`select` (and every re-analysis) with a full `snapshot`.
// There are no incremental patches: a snapshot alone fully describes what to draw.

/** Where the request enters: from the internet through the cloud LB, at a node's NodePort, or to the ClusterIP from a pod. */
export type EntryKind = 'internet' | 'nodePort' | 'clusterIP';

/** Where a value came from (DESIGN.md invariant): written in YAML, an API-server default, or picked by kubepath. */
export type ValueOrigin = 'explicit' | 'defaulted' | 'predicted';

/** What happened to the packet (the `trace --json` outcomes). */
export type PathOutcome = 'reached' | 'rejected' | 'dropped' | 'accepted' | 'no-route';

/** A span in a workspace file, 1-based, as the engine reports it. */
export interface SourceLocation {
  /** Path relative to the workspace folder of the selected service, '/'-separated. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Valued {
  value: string;
  origin: ValueOrigin;
}

export interface PortSummary {
  /** Stable key of the port within its service: `PROTOCOL/port`. */
  key: string;
  name: string;
  protocol: string;
  port: number;
  /** As written (number or name), after defaulting. */
  targetPort: string;
  /** 0 = none. */
  nodePort: number;
}

export interface ServiceSummary {
  /** Stable key: `folder|namespace/name` (folder = workspace folder name, '' for a single root). */
  id: string;
  folder: string;
  namespace: string;
  name: string;
  type: string;
  ports: PortSummary[];
}

/** A way the selected Service can be entered (only those that exist for it are offered). */
export interface EntryOption {
  entry: EntryKind;
  label: string;
  /** Always true in a snapshot: entries a Service cannot be reached by are left out. */
  available: boolean;
}

/** What the user picked. The host normalises it (e.g. fills in the first port) and echoes it back. */
export interface Selection {
  serviceId: string | null;
  portKey: string | null;
  entry: EntryKind;
  /** The node the request enters at (nodePort), the client pod's node (clusterIP), or a display filter (internet); null = every node. */
  node: string | null;
}

export interface PathHop {
  kind: 'chain' | 'rule' | 'dnat' | 'drop' | 'reject' | 'unsupported';
  /** A chain name or a target. */
  name: string;
  detail: string;
  table?: string;
  chain?: string;
  /** The iptables rule as written, without `-A CHAIN`. */
  rule?: string;
  source: SourceLocation | null;
}

export interface PodRef {
  namespace: string;
  name: string;
  nameOrigin: ValueOrigin;
  node: string;
  ip: Valued;
  ready: boolean;
  /** The containerPort the target port resolves to, else the pod template. */
  source: SourceLocation | null;
}

/** One way the packet can go on a node after kube-proxy's probabilistic choice. */
export interface PathBranch {
  /** 0..1; the branches of a node sum to 1. */
  probability: number;
  outcome: PathOutcome;
  /** `DNAT`, `REJECT`, `DROP`, `ACCEPT`, … */
  verdict: string;
  /** Why the packet was rejected/dropped (empty when it reached a pod). */
  reason: string;
  /** DNAT target. */
  ip: string | null;
  port: number | null;
  masquerade: boolean;
  /** Chain steps specific to this branch (the KUBE-SEP chain…). */
  hops: readonly PathHop[];
  pod: PodRef | null;
}

/** The request's journey through one node's kube-proxy rules. */
export interface NodePath {
  node: string;
  ip: string;
  /** What the packet is addressed to when it reaches this node, e.g. `172.18.0.2:31234`. */
  entry: string;
  /** Chain steps every branch shares (KUBE-NODEPORTS → KUBE-EXT-… → KUBE-SVC-…). */
  hops: readonly PathHop[];
  branches: readonly PathBranch[];
  outcome: PathOutcome;
}

export interface RequestPath {
  /** What was traced, e.g. `nginx.default.svc.cluster.local:8080`. */
  target: string;
  entry: EntryKind;
  service: {
    namespace: string;
    name: string;
    type: string;
    clusterIP: Valued;
    dns: string;
    port: number;
    protocol: string;
    targetPort: string;
    nodePort: Valued | null;
    source: SourceLocation | null;
  };
  client: { label: string; detail: string };
  dns: { name: string; answer: Valued; detail: string; source: SourceLocation | null } | null;
  loadBalancer: {
    address: Valued;
    port: number;
    detail: string;
    /** Why there is no address (no cloud controller…), or ''. */
    pending: string;
    source: SourceLocation | null;
  } | null;
  nodes: readonly NodePath[];
  outcome: PathOutcome;
  /** Shown under the diagram (session affinity, assumptions…). */
  notes: readonly string[];
}

/**
 * A headless or ExternalName Service: no kube-proxy rules, only CoreDNS's answer (the pods'
 * IPs, or a CNAME to the external name) and, headless, the pods the client connects to.
 */
export interface DnsPath {
  kind: 'headless' | 'externalName';
  target: string;
  service: {
    namespace: string;
    name: string;
    type: string;
    dns: string;
    port: number | null;
    protocol: string;
    targetPort: string;
    source: SourceLocation | null;
  };
  client: { label: string; detail: string };
  dns: {
    name: string;
    type: 'A' | 'AAAA' | 'CNAME';
    values: readonly Valued[];
    also: readonly { name: string; type: string; value: string }[];
    source: SourceLocation | null;
  };
  pods: readonly { pod: PodRef; port: number | null }[];
  externalName: string;
  outcome: PathOutcome;
  reason: string;
  notes: readonly string[];
}

/** A finding of the engine about the selected Service (its Problems entry), with the titles of its quick fixes. */
export interface PathProblem {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The diagnostic's range: "Show Problem" reveals it, a quick fix is looked up there. */
  source: SourceLocation;
  fixes: string[];
}

/** One backend of a route rule: its share of the rule's requests, and whether it can take them. */
export interface L7BackendView {
  /** `namespace/name` of the Service. */
  service: string;
  port: number | null;
  weight: number;
  /** 0..1 of the rule's requests. */
  share: number;
  readyEndpoints: number;
  /** Why requests for it fail (BackendNotFound…), or null. */
  problem: string | null;
  /** The Service the panel shows. */
  current: boolean;
  source: SourceLocation | null;
}

/**
 * One HTTPRoute rule or Ingress path that sends requests to the shown Service: where the
 * requests come in (listener or ingress controller), the route, the rule and its matches,
 * and its weighted backends (the engine's l7Routes answer).
 */
export interface L7RouteView {
  kind: 'gateway' | 'ingress';
  /** Where the requests come in, one per listener: `Gateway shop/web · http (HTTP :80)`. */
  listeners: readonly { label: string; address: string | null; source: SourceLocation | null }[];
  /** `HTTPRoute shop/storefront` or `Ingress store/api`. */
  route: string;
  /** `rule 2`, `rule 1 path 2`, `defaultBackend`. */
  rule: string;
  /** Host names the rule serves (`*` for any). */
  hosts: readonly string[];
  /** The rule's matches as text (`PathPrefix /cart, header X-Canary: true`). */
  matches: readonly string[];
  /** What a request the rule takes gets (200, 500, 503). */
  httpStatus: number;
  /** Non-null: no request reaches the rule; the rule that takes them (`HTTPRoute a/b rule 1`). */
  shadowedBy: string | null;
  source: SourceLocation;
  backends: readonly L7BackendView[];
}

export interface Snapshot {
  services: ServiceSummary[];
  nodes: { name: string; ip: string }[];
  selection: Selection;
  entries: EntryOption[];
  /** The path for the selection, or null (then `dnsPath` or `empty` says why). */
  path: RequestPath | null;
  /** A headless or ExternalName Service's path through DNS (then `path` is null). */
  dnsPath: DnsPath | null;
  /** The engine's findings on the selected Service (they explain a REJECT or DROP). */
  problems: PathProblem[];
  empty: { title: string; hint: string } | null;
  /** One line about where the data comes from (analysis running, file count…). */
  status: string;
  /** The Service at the editor's cursor (the host follows it), or null. */
  atCursor: string | null;
  /** The Gateway and Ingress rules that lead to the selected Service (drawn above its path). */
  l7: readonly L7RouteView[];
}

export type WebviewToHost =
  | { type: 'ready'; selection: Selection | null }
  | { type: 'select'; selection: Selection }
  | { type: 'revealSource'; source: SourceLocation }
  /** Reveal a problem's range and show its message in the editor. */
  | { type: 'showProblem'; source: SourceLocation }
  /** Run the quick fix titled `title` of the problem at `source` (the editor's own code action). */
  | { type: 'applyFix'; source: SourceLocation; title: string }
  /** Open the same diagram in an editor tab. */
  | { type: 'openInEditor' };

export type HostToWebview = { type: 'snapshot'; snapshot: Snapshot };

export const ENTRY_KINDS: readonly EntryKind[] = ['internet', 'nodePort', 'clusterIP'];

export function isEntryKind(value: unknown): value is EntryKind {
  return typeof value === 'string' && (ENTRY_KINDS as readonly string[]).includes(value);
}

/**
 * The host must not trust what a webview posts (the webview renders workspace text), so every
 * message is checked for shape before use.
 */
export function parseWebviewMessage(message: unknown): WebviewToHost | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready': {
      const selection =
        m.selection === null || m.selection === undefined ? null : parseSelection(m.selection);
      return { type: 'ready', selection };
    }
    case 'select': {
      const selection = parseSelection(m.selection);
      return selection ? { type: 'select', selection } : undefined;
    }
    case 'revealSource':
    case 'showProblem': {
      const source = parseSource(m.source);
      return source ? { type: m.type, source } : undefined;
    }
    case 'openInEditor':
      return { type: 'openInEditor' };
    case 'applyFix': {
      const source = parseSource(m.source);
      return source && typeof m.title === 'string' ? { type: 'applyFix', source, title: m.title } : undefined;
    }
    default:
      return undefined;
  }
}

function parseSource(value: unknown): SourceLocation | undefined {
  const s = value as Record<string, unknown> | null | undefined;
  if (typeof s !== 'object' || s === null || typeof s.file !== 'string') return undefined;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : 1);
  const line = num(s.line);
  const column = num(s.column);
  return {
    file: s.file,
    line,
    column,
    endLine: typeof s.endLine === 'number' ? Math.max(line, num(s.endLine)) : line,
    endColumn: typeof s.endColumn === 'number' ? num(s.endColumn) : column,
  };
}

function parseSelection(value: unknown): Selection | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
  return {
    serviceId: str(v.serviceId),
    portKey: str(v.portKey),
    entry: isEntryKind(v.entry) ? v.entry : 'internet',
    node: str(v.node),
  };
}
