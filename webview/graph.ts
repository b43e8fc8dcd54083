// Pure: a RequestPath (from the snapshot) + what the user expanded → the boxes and arrows
// of the diagram, before layout. No DOM, so test/unit/webview-graph.test.ts runs it in node.
import type {
  DnsPath,
  NodePath,
  PathBranch,
  PathHop,
  PathProblem,
  RequestPath,
  SourceLocation,
  Valued,
} from './protocol';

/** A run of label text; `predicted` text is drawn marked (kubepath chose it, the cluster will pick its own). */
export interface TextPart {
  text: string;
  predicted?: boolean;
  /** The journey number before a title. */
  step?: boolean;
}

export type BoxKind =
  'client' | 'dns' | 'loadbalancer' | 'node' | 'junction' | 'pods' | 'verdict' | 'external' | 'l7';
export type RowKind = 'kubeproxy' | 'chain' | 'pod' | 'value' | 'problem' | 'action';
export type Tone = 'normal' | 'error' | 'warning';

/** A line inside a box; edges can start or end at a row. */
export interface GraphRow {
  id: string;
  kind: RowKind;
  label: TextPart[];
  detail: TextPart[];
  tooltip: string[];
  source: SourceLocation | null;
  tone: Tone;
  /** A kube-proxy row toggles between one collapsed line and its chain steps. */
  toggles?: boolean;
  expanded?: boolean;
  /** The stop's number in the journey (the kube-proxy step of a node). */
  step?: number;
  /** An action row: what pressing it asks the host to do. */
  action?: RowAction;
  /** Path keys: hovering the row highlights every box and edge sharing one (a pod → its whole path). */
  paths?: string[];
}

export type RowAction =
  | { kind: 'applyFix'; source: SourceLocation; title: string }
  | { kind: 'showProblem'; source: SourceLocation };

export interface GraphBox {
  id: string;
  kind: BoxKind;
  title: TextPart[];
  subtitle: TextPart[];
  rows: GraphRow[];
  tooltip: string[];
  source: SourceLocation | null;
  tone: Tone;
  /** The stop's number in the journey: 1 client, 2 DNS, 3 load balancer, 4 node, (5 kube-proxy), 6 pods. */
  step?: number;
  /** Path keys this box lies on (see GraphRow.paths); `*` = every path. */
  paths: string[];
}

export interface GraphEnd {
  box: string;
  row?: string;
}

export interface GraphEdge {
  id: string;
  from: GraphEnd;
  to: GraphEnd;
  label: TextPart[];
  /** Where the label sits: mid-edge, or by the source (probabilities next to their branch). */
  labelAt?: 'center' | 'tail';
  tone: Tone;
  tooltip: string[];
  /** Path keys this edge lies on; `*` = every path. */
  paths: string[];
}

export interface GraphModel {
  boxes: GraphBox[];
  edges: GraphEdge[];
  /** Whether any predicted value is shown (the legend explains the mark). */
  hasPredicted: boolean;
}

export interface GraphOptions {
  /** Node names whose kube-proxy box is expanded into its chain steps. */
  expanded: ReadonlySet<string>;
  /** The engine's findings on the Service: a REJECT/DROP box names the one that explains it. */
  problems?: readonly PathProblem[];
}

/** 1/3 → `33.3%`, 1 → `100%`, 1/8 → `12.5%`. */
export function formatProbability(p: number): string {
  const percent = p * 100;
  const text = Number.isInteger(Math.round(percent * 10) / 10)
    ? String(Math.round(percent))
    : percent.toFixed(1);
  return `${text}%`;
}

function valued(v: Valued): TextPart {
  return v.origin === 'predicted' ? { text: v.value, predicted: true } : { text: v.value };
}

function originNote(label: string, v: Valued): string {
  const why =
    v.origin === 'predicted'
      ? 'predicted: the cluster picks its own value at run time; kubepath shows a stable, plausible one'
      : v.origin === 'defaulted'
        ? 'defaulted by the API server'
        : 'written in the YAML';
  return `${label}: ${v.value} (${why})`;
}

const t = (text: string): TextPart => ({ text });

function partsText(parts: TextPart[]): string {
  return parts.map((p) => p.text).join('');
}

export function boxIdOfNode(node: string): string {
  return `node:${node}`;
}

/**
 * The chain sequence of a collapsed kube-proxy row, by kind: `NODEPORTS → EXT → SVC`. The
 * hashes are noise at a glance; expanding (or the tooltip) shows the full names.
 */
export function chainSummary(hops: readonly PathHop[]): string {
  const names: string[] = [];
  for (const h of stepHops(hops)) {
    if (h.kind !== 'chain' && h.kind !== 'rule') continue;
    const name = h.name.replace(/^KUBE-/, '').replace(/^(SVC|SVL|EXT|FW|SEP)-[A-Z0-9]{16}$/, '$1');
    if (names.at(-1) !== name) names.push(name);
  }
  return names.join(' → ');
}

/**
 * The hops worth a row: kube-proxy's own chains and the verdicts. A traced path also walks
 * built-in chains and mark rules (PREROUTING, KUBE-MARK-MASQ, MARK…); those stay in tooltips.
 */
export function stepHops(hops: readonly PathHop[]): PathHop[] {
  return hops.filter(
    (h) =>
      h.kind === 'dnat' ||
      h.kind === 'reject' ||
      h.kind === 'drop' ||
      h.kind === 'unsupported' ||
      (/^KUBE-/.test(h.name) && !/^KUBE-(MARK-|POSTROUTING)/.test(h.name)),
  );
}

/** KUBE-SVC-ABCDEFGHIJKLMNOP → KUBE-SVC-ABCD…: the hash is noise at a glance, the tooltip has it whole. */
export function abbreviateChain(name: string): string {
  const m = /^(KUBE-(?:SVC|SVL|EXT|FW|SEP)-)([A-Z0-9]{16})$/.exec(name);
  return m ? `${m[1]}${m[2]?.slice(0, 4)}…` : name;
}

function hopTooltip(h: PathHop): string[] {
  const lines = [`${h.table ? `${h.table} ` : ''}${h.chain ? `${h.chain}: ` : ''}${h.name}`, h.detail];
  if (h.rule) lines.push(`-A ${h.chain ?? h.name} ${h.rule}`);
  return lines.filter((l) => l !== '');
}

function podBoxId(node: string): string {
  return `pods:${node}`;
}

function podRowId(branch: PathBranch): string {
  const pod = branch.pod;
  return pod
    ? `pod:${pod.namespace}/${pod.name}:${branch.port ?? ''}`
    : `ep:${branch.ip ?? ''}:${branch.port ?? ''}`;
}

/** A verdict's box id, also a path key: data-paths is space-separated, so the reason's spaces go. */
function verdictId(branch: PathBranch): string {
  return `verdict:${branch.verdict}:${branch.reason}`.replace(/\s+/g, '_');
}

/** A share of new connections as a fraction when it is one (`1/3`), else a percentage. */
export function formatShare(count: number, total: number): string {
  return total > 0 && count === 1 ? `1/${total}` : formatProbability(total > 0 ? count / total : 0);
}

/** Path keys: hovering a box or row highlights every box and edge sharing one of its keys. */
const EVERY_PATH = '*';

function problemRows(id: string, problems: readonly PathProblem[]): GraphRow[] {
  const rows: GraphRow[] = [];
  problems.forEach((p, i) => {
    rows.push({
      id: `${id}:problem:${i}`,
      kind: 'problem',
      label: [t(p.message)],
      detail: [t(`${p.severity} ${p.code} · ${p.source.file}:${p.source.line}`)],
      tooltip: [p.message, `${p.code} (${p.severity}) at ${p.source.file}:${p.source.line}`],
      source: p.source,
      tone: p.severity === 'error' ? 'error' : 'warning',
    });
    for (const title of p.fixes) {
      rows.push({
        id: `${id}:fix:${i}:${title}`,
        kind: 'action',
        label: [t(`Quick fix: ${title}`)],
        detail: [],
        tooltip: [`Quick fix: ${title}`, `edits ${p.source.file}:${p.source.line}`],
        source: p.source,
        tone: 'normal',
        action: { kind: 'applyFix', source: p.source, title },
      });
    }
    rows.push({
      id: `${id}:show:${i}`,
      kind: 'action',
      label: [t('Show Problem')],
      detail: [],
      tooltip: [`Go to ${p.source.file}:${p.source.line} and show the problem`],
      source: p.source,
      tone: 'normal',
      action: { kind: 'showProblem', source: p.source },
    });
  });
  return rows;
}

/**
 * The findings that explain a failed branch: for a Service with no usable endpoints, what
 * keeps pods out of it (selector, ports, readiness); for a load balancer without address,
 * none of the Service's own findings apply unless they name the load balancer.
 */
export function explainingProblems(
  problems: readonly PathProblem[],
  outcome: 'rejected' | 'dropped' | 'no-route' | 'accepted' | 'reached',
): PathProblem[] {
  if (outcome === 'reached' || outcome === 'accepted') return [];
  const relevant = problems.filter((p) => p.severity !== 'info');
  if (outcome === 'no-route')
    return relevant.filter((p) => /load.?balancer|loadBalancer/i.test(p.message + p.code));
  return relevant;
}

export function buildGraph(path: RequestPath, options: GraphOptions): GraphModel {
  const boxes: GraphBox[] = [];
  const edges: GraphEdge[] = [];
  let hasPredicted = false;
  const note = (parts: TextPart[]): TextPart[] => {
    if (parts.some((p) => p.predicted)) hasPredicted = true;
    return parts;
  };
  const service = path.service;
  const problems = options.problems ?? [];
  let step = 0;

  boxes.push({
    id: 'client',
    kind: 'client',
    title: [t(path.client.label)],
    subtitle: [t(`→ ${path.target}`)],
    rows: [],
    tooltip: [path.client.label, path.client.detail, `Request to ${path.target}`].filter((l) => l !== ''),
    source: null,
    tone: 'normal',
    step: ++step,
    paths: [EVERY_PATH],
  });
  let previous: GraphEnd = { box: 'client' };

  if (path.dns) {
    const dns = path.dns;
    boxes.push({
      id: 'dns',
      kind: 'dns',
      title: [t('DNS')],
      subtitle: note([t(dns.name)]),
      rows: [
        {
          id: 'dns:answer',
          kind: 'value',
          label: note([t('→ '), valued(dns.answer)]),
          detail: [],
          tooltip: [originNote('answer', dns.answer)],
          source: dns.source,
          tone: 'normal',
        },
      ],
      tooltip: [`DNS ${dns.name}`, dns.detail, originNote('answer', dns.answer)],
      source: dns.source,
      tone: 'normal',
      step: ++step,
      paths: [EVERY_PATH],
    });
    edges.push({
      id: 'e:client-dns',
      from: previous,
      to: { box: 'dns' },
      label: [t('lookup')],
      tone: 'normal',
      tooltip: [`resolve ${dns.name}`],
      paths: [EVERY_PATH],
    });
    previous = { box: 'dns' };
  }

  if (path.loadBalancer) {
    const lb = path.loadBalancer;
    const pending = lb.pending !== '';
    boxes.push({
      id: 'lb',
      kind: 'loadbalancer',
      title: [t('Load balancer')],
      subtitle: pending ? [t('pending')] : note([valued(lb.address), t(`:${lb.port}`)]),
      rows: [],
      tooltip: [
        pending ? `Load balancer: ${lb.pending}` : originNote('address', lb.address),
        lb.detail,
      ].filter((l) => l !== ''),
      source: lb.source,
      tone: pending ? 'error' : 'normal',
      step: ++step,
      paths: [EVERY_PATH],
    });
    edges.push({
      id: 'e:to-lb',
      from: previous,
      to: { box: 'lb' },
      // The addresses are in the boxes (LB subtitle, node subtitle): labels would only widen the drawing.
      label: [],
      tone: pending ? 'error' : 'normal',
      tooltip: [`${service.protocol} to the load balancer`],
      paths: [EVERY_PATH],
    });
    previous = { box: 'lb' };
    if (pending) {
      const id = 'verdict:no-route';
      boxes.push({
        id,
        kind: 'verdict',
        title: [t('no route')],
        subtitle: [t(lb.pending)],
        rows: problemRows(id, explainingProblems(problems, 'no-route')),
        tooltip: [lb.pending],
        source: lb.source,
        tone: 'error',
        step: step + 1,
        paths: [EVERY_PATH],
      });
      edges.push({
        id: 'e:lb-no-route',
        from: previous,
        to: { box: id },
        label: [t('✕')],
        tone: 'error',
        tooltip: [lb.pending],
        paths: [EVERY_PATH],
      });
    }
  }

  const nodeStep = ++step;
  const proxyStep = ++step;
  const targetStep = ++step;
  /** Per target (pod group or verdict): the share each node sends it, to label edges only where shares differ. */
  const podBoxes = new Map<string, GraphBox>();
  const verdicts = new Map<string, GraphBox>();
  const shares = new Map<string, Set<string>>();
  const nodeEdges: { edge: GraphEdge; target: string; share: number }[] = [];
  for (const nodePath of path.nodes) {
    const nodeKey = boxIdOfNode(nodePath.node);
    const targets = new Map<string, { share: number; reached: boolean; branches: PathBranch[] }>();
    for (const branch of nodePath.branches) {
      const reached = branch.outcome === 'reached' && branch.ip !== null;
      const key = reached ? podBoxId(branch.pod?.node || nodePath.node) : verdictId(branch);
      const target = targets.get(key) ?? { share: 0, reached, branches: [] };
      target.share += branch.probability;
      target.branches.push(branch);
      targets.set(key, target);
    }
    const reachable = [...targets.keys()];
    const nodeBox = buildNodeBox(nodePath, options.expanded.has(nodePath.node), note, {
      nodeStep,
      proxyStep,
      paths: [nodeKey, ...reachable],
      entry: entryLabelFor(path, nodePath, note),
    });
    boxes.push(nodeBox);
    edges.push({
      id: `e:to-${nodeBox.id}`,
      from: previous,
      to: { box: nodeBox.id },
      label: [],
      tone: nodePath.outcome === 'reached' ? 'normal' : 'error',
      tooltip: [`to ${nodePath.entry} on ${nodePath.node}`],
      paths: [nodeKey, ...reachable],
    });
    const fromRow = `${nodeBox.id}:kube-proxy`;
    for (const [key, target] of targets) {
      const seen = shares.get(key) ?? new Set<string>();
      seen.add(formatProbability(target.share));
      shares.set(key, seen);
      if (target.reached) {
        const podNode = key.replace(/^pods:/, '');
        let group = podBoxes.get(key);
        if (!group) {
          group = {
            id: key,
            kind: 'pods',
            title: [t(`pods on ${podNode}`)],
            subtitle: [],
            rows: [],
            tooltip: [`Pods the scheduler places on ${podNode}`],
            source: null,
            tone: 'normal',
            step: targetStep,
            paths: [key],
          };
          podBoxes.set(key, group);
        }
        group.paths.push(nodeKey);
        for (const branch of target.branches) {
          const rowId = podRowId(branch);
          if (!group.rows.some((r) => r.id === rowId)) group.rows.push(podRow(rowId, branch, note, key));
        }
        const edge: GraphEdge = {
          id: `e:${nodeBox.id}>${key}`,
          from: { box: nodeBox.id, row: fromRow },
          to: { box: key },
          label: [],
          labelAt: 'tail',
          tone: 'normal',
          tooltip: [
            `${formatProbability(target.share)} of new connections entering ${nodePath.node} go to ${target.branches.length === 1 ? 'this pod' : `these ${target.branches.length} pods`}`,
            ...target.branches.map(
              (b) =>
                `DNAT → ${b.ip ?? ''}:${b.port ?? ''}${b.masquerade ? ' (source masqueraded to the node IP)' : ''}`,
            ),
          ],
          paths: [nodeKey, key],
        };
        edges.push(edge);
        nodeEdges.push({ edge, target: key, share: target.share });
      } else {
        const branch = target.branches[0];
        if (!branch) continue;
        let box: GraphBox | undefined = verdicts.get(key);
        if (box === undefined) {
          const explaining = explainingProblems(problems, branch.outcome);
          box = {
            id: key,
            kind: 'verdict',
            title: [t(branch.verdict || branch.outcome)],
            subtitle: [t(branch.reason)],
            rows: [
              {
                id: `${key}:why`,
                kind: 'value' as const,
                label: [t(verdictExplanation(branch))],
                detail: [],
                tooltip: [
                  `${branch.verdict || branch.outcome}: ${branch.reason}`,
                  verdictExplanation(branch),
                ],
                source: null,
                tone: 'error' as const,
              },
              ...problemRows(key, explaining),
            ].filter((r) => partsText(r.label) !== ''),
            tooltip: [`${branch.verdict || branch.outcome}: ${branch.reason}`, verdictExplanation(branch)],
            source: branch.hops.find((h) => h.source)?.source ?? null,
            tone: 'error',
            step: targetStep,
            paths: [key],
          };
          verdicts.set(key, box);
        }
        box.paths.push(nodeKey);
        const partial = target.share < 1 - 1e-9;
        const edge: GraphEdge = {
          id: `e:${nodeBox.id}>${key}`,
          from: { box: nodeBox.id, row: fromRow },
          to: { box: key },
          // The node's kube-proxy step and the verdict box say what happens; the edge says how often.
          label: partial ? [t(formatProbability(target.share))] : [],
          labelAt: 'tail',
          tone: 'error',
          tooltip: [`${branch.outcome} on ${nodePath.node}: ${branch.reason}`],
          paths: [nodeKey, key],
        };
        edges.push(edge);
      }
    }
  }
  // A target every node sends the same share to says so once; edges are labelled only where
  // the shares differ (externalTrafficPolicy: Local, a node filter…).
  for (const { edge, target, share } of nodeEdges) {
    if ((shares.get(target)?.size ?? 0) > 1) edge.label = [t(formatProbability(share))];
  }
  const endpointCount = [...podBoxes.values()].reduce((n, g) => n + g.rows.length, 0);
  for (const [key, group] of podBoxes) {
    const seen = [...(shares.get(key) ?? [])];
    const count = group.rows.length;
    const of = `${count} of ${endpointCount} endpoint${endpointCount === 1 ? '' : 's'}`;
    const senders = path.nodes.filter((n) => group.paths.includes(boxIdOfNode(n.node))).length;
    group.subtitle = [
      t(
        seen.length === 1
          ? `${of} · ${seen[0] ?? ''}${senders > 1 ? ' from each node' : ' of connections'}`
          : of,
      ),
    ];
  }
  meshThroughJunction(boxes, edges, nodeEdges, podBoxes, shares, endpointCount);
  // Pod groups in node order, pods by IP: a stable picture whatever order the branches came in.
  for (const group of [...podBoxes.values()].sort((a, b) => naturalCompare(a.id, b.id))) {
    group.rows.sort((a, b) => compare(a.id, b.id));
    boxes.push(group);
  }
  boxes.push(...verdicts.values());
  return { boxes, edges, hasPredicted };
}

/** From this many node → pod group wires up, a full mesh meets in one junction. */
export const MESH_JUNCTION_EDGES = 16;

/**
 * Every node spreading alike over every pod group is N × M wires on one bus (10 × 10 for 50
 * replicas on 10 nodes) that no one can follow. From MESH_JUNCTION_EDGES wires up, the nodes'
 * lines meet in one junction that fans out to the groups: N + M wires. Only a full mesh with
 * one share per group qualifies, so no line stands for a share it does not carry; hovering a
 * pod still lights every box and line on its path.
 */
function meshThroughJunction(
  boxes: GraphBox[],
  edges: GraphEdge[],
  nodeEdges: readonly { edge: GraphEdge; target: string; share: number }[],
  podBoxes: ReadonlyMap<string, GraphBox>,
  shares: ReadonlyMap<string, ReadonlySet<string>>,
  endpointCount: number,
): void {
  const senders = new Map<string, GraphEdge>();
  for (const { edge } of nodeEdges) if (!senders.has(edge.from.box)) senders.set(edge.from.box, edge);
  const groups = [...podBoxes.keys()].sort(naturalCompare);
  if (senders.size < 2 || groups.length < 2 || nodeEdges.length < MESH_JUNCTION_EDGES) return;
  if (nodeEdges.length !== senders.size * groups.length) return;
  if (groups.some((g) => (shares.get(g)?.size ?? 0) !== 1)) return;
  const wires = new Set(nodeEdges.map((n) => n.edge));
  for (let i = edges.length - 1; i >= 0; i--) if (wires.has(edges[i] as GraphEdge)) edges.splice(i, 1);
  const nodeKeys = [...senders.values()].map((e) => e.paths[0] ?? e.from.box);
  const id = 'junction';
  const spread = `${senders.size} nodes → ${groups.length} pod groups`;
  boxes.push({
    id,
    kind: 'junction',
    title: [t('every node → every pod')],
    subtitle: [t(`${spread}, the same split on each`)],
    rows: [],
    tooltip: [
      spread,
      `Each node's kube-proxy spreads new connections over all ${endpointCount} endpoints alike, so the ${senders.size} nodes' lines meet here instead of ${nodeEdges.length} wires.`,
    ],
    source: null,
    tone: 'normal',
    paths: [EVERY_PATH],
  });
  for (const [box, first] of senders) {
    const nodeKey = first.paths[0] ?? box;
    edges.push({
      id: `e:${box}>${id}`,
      from: first.from,
      to: { box: id },
      label: [],
      tone: 'normal',
      tooltip: [
        `new connections entering ${nodeKey.replace(/^node:/, '')} spread over all ${endpointCount} endpoints`,
      ],
      paths: [nodeKey, ...groups],
    });
  }
  for (const key of groups) {
    const sample = nodeEdges.find((n) => n.target === key);
    edges.push({
      id: `e:${id}>${key}`,
      from: { box: id },
      to: { box: key },
      label: [],
      tone: 'normal',
      tooltip: [
        `${formatProbability(sample?.share ?? 0)} of new connections entering each node go to ${key.replace(/^pods:/, 'the pods on ')}`,
        ...(sample?.edge.tooltip.slice(1) ?? []),
      ],
      paths: [key, ...nodeKeys],
    });
  }
}

/** node-2 before node-10: numbers inside names compare as numbers. */
function naturalCompare(a: string, b: string): number {
  const split = (s: string): string[] => s.split(/(\d+)/);
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] ?? '';
    const q = y[i] ?? '';
    if (p === q) continue;
    if (i % 2 === 1 && p.length !== q.length) return p.length - q.length || compare(p, q);
    return compare(p, q);
  }
  return x.length - y.length;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function verdictExplanation(branch: PathBranch): string {
  if (branch.outcome === 'rejected')
    return 'kube-proxy rejects new connections to a service port with no usable endpoints (ICMP port unreachable: the client sees “connection refused”).';
  if (branch.outcome === 'dropped') return 'The packet is dropped: the client sees a timeout.';
  return '';
}

function entryLabelFor(
  path: RequestPath,
  nodePath: NodePath,
  note: (p: TextPart[]) => TextPart[],
): TextPart[] {
  const service = path.service;
  if (path.entry === 'clusterIP') return note([valued(service.clusterIP), t(`:${service.port}`)]);
  if (service.nodePort) return note([t(`${nodePath.ip}:`), valued(service.nodePort)]);
  return [t(nodePath.entry)];
}

/** What kube-proxy does with a new connection on one node, in one line. */
export function proxySummary(nodePath: NodePath): string {
  const reached = nodePath.branches.filter((b) => b.outcome === 'reached' && b.ip !== null);
  const n = nodePath.branches.length;
  if (reached.length === n && n > 0) {
    if (n === 1) return 'DNAT to the only endpoint';
    const uniform = nodePath.branches.every((b) => Math.abs(b.probability - 1 / n) < 1e-9);
    return uniform ? `1 of ${n} endpoints, 1/${n} each` : `1 of ${n} endpoints`;
  }
  const failed = nodePath.branches.find((b) => b.outcome !== 'reached');
  const verdict = failed ? `${failed.verdict || failed.outcome}: ${failed.reason}` : nodePath.outcome;
  return reached.length > 0 ? `1 of ${reached.length} endpoints, else ${verdict}` : verdict;
}

function buildNodeBox(
  nodePath: NodePath,
  expanded: boolean,
  note: (p: TextPart[]) => TextPart[],
  place: { nodeStep: number; proxyStep: number; paths: string[]; entry: TextPart[] },
): GraphBox {
  const id = boxIdOfNode(nodePath.node);
  const tone = nodePath.outcome === 'reached' ? 'normal' : 'error';
  const source = nodePath.hops.find((h) => h.source)?.source ?? null;
  const rows: GraphRow[] = [];
  const allHops = [...nodePath.hops, ...nodePath.branches.flatMap((b) => b.hops)];
  rows.push({
    id: `${id}:kube-proxy`,
    kind: 'kubeproxy',
    label: [t(`${expanded ? '▾' : '▸'} kube-proxy (iptables)`)],
    detail: [t(proxySummary(nodePath))],
    tooltip: [
      `kube-proxy's iptables rules on ${nodePath.node}: ${chainSummary(nodePath.hops)}`,
      ...stepHops(nodePath.hops).map((h) => `${h.name}: ${h.detail}`),
      expanded ? 'Click to collapse the chain steps' : 'Click to expand the KUBE-* chain steps',
    ],
    source,
    tone,
    toggles: true,
    expanded,
    step: place.proxyStep,
    paths: place.paths,
  });
  if (expanded) {
    stepHops(nodePath.hops).forEach((h, i) => rows.push(chainRow(`${id}:hop:${i}`, h)));
    // Expanded: every branch's own chain (KUBE-SEP-…) and verdict, full names.
    nodePath.branches.forEach((branch, index) => {
      const reached = branch.outcome === 'reached' && branch.ip !== null;
      const target = reached ? `${branch.ip ?? ''}:${branch.port ?? ''}` : branch.reason;
      const chain =
        branch.hops.find((h) => /^KUBE-SEP-/.test(h.name)) ??
        stepHops(branch.hops).find((h) => h.kind !== 'dnat');
      rows.push({
        id: `${id}:branch:${index}`,
        kind: 'chain',
        label: [t(chain ? chain.name : `${branch.verdict || branch.outcome}`)],
        detail: note([
          t(`${formatProbability(branch.probability)} ${branch.verdict || branch.outcome} → `),
          ...(reached && branch.pod ? [valued(branch.pod.ip), t(`:${branch.port ?? ''}`)] : [t(target)]),
        ]),
        tooltip: [
          `${formatProbability(branch.probability)} of new connections: ${branch.verdict || branch.outcome} → ${target}`,
          ...(branch.masquerade ? ['source masqueraded to the node IP (KUBE-POSTROUTING)'] : []),
          ...branch.hops.flatMap(hopTooltip),
        ],
        source: branch.pod?.source ?? chain?.source ?? branch.hops[0]?.source ?? null,
        tone: reached ? 'normal' : 'error',
        paths: [reached ? podBoxId(branch.pod?.node || nodePath.node) : verdictId(branch), id],
      });
    });
  }
  return {
    id,
    kind: 'node',
    title: [t(nodePath.node)],
    // What the packet is addressed to on arrival (the edge into the box says it too, when wide).
    subtitle: place.entry,
    rows,
    tooltip: [
      `node ${nodePath.node} (${nodePath.ip})`,
      `packet arrives for ${nodePath.entry}`,
      `${allHops.length} rule steps`,
    ],
    source,
    tone,
    step: place.nodeStep,
    paths: place.paths,
  };
}

function chainRow(id: string, h: PathHop): GraphRow {
  return {
    id,
    kind: 'chain',
    label: [t(h.name)],
    detail: [t(h.detail)],
    tooltip: hopTooltip(h),
    source: h.source,
    tone: h.kind === 'reject' || h.kind === 'drop' ? 'error' : 'normal',
  };
}

function podRow(
  id: string,
  branch: PathBranch,
  note: (p: TextPart[]) => TextPart[],
  group: string,
): GraphRow {
  const pod = branch.pod;
  const ip: Valued = pod?.ip ?? { value: branch.ip ?? '', origin: 'explicit' };
  const label = note(pod ? [{ text: pod.name, predicted: pod.nameOrigin === 'predicted' }] : [t('endpoint')]);
  return {
    id,
    kind: 'pod',
    label,
    detail: note([valued(ip), t(`:${branch.port ?? ''}`)]),
    tooltip: [
      pod
        ? `pod ${pod.namespace}/${pod.name}${pod.nameOrigin === 'predicted' ? ' (name predicted)' : ''}`
        : `endpoint ${branch.ip ?? ''}`,
      originNote('pod IP', ip),
      pod ? `on ${pod.node}${pod.ready ? '' : ' — not ready'}` : '',
      pod?.source ? `click: go to ${pod.source.file}:${pod.source.line}` : '',
    ].filter((l) => l !== ''),
    source: pod?.source ?? null,
    tone: pod && !pod.ready ? 'warning' : 'normal',
    paths: [group],
  };
}

/**
 * A headless or ExternalName Service: the client asks CoreDNS, which answers with the ready
 * pods' IPs (then the client connects to one of them directly, pods grouped by node) or with
 * a CNAME to the external name. No node or kube-proxy stop: there are no rules to walk.
 */
export function buildDnsGraph(path: DnsPath, options: Pick<GraphOptions, 'problems'> = {}): GraphModel {
  const boxes: GraphBox[] = [];
  const edges: GraphEdge[] = [];
  let hasPredicted = false;
  const note = (parts: TextPart[]): TextPart[] => {
    if (parts.some((p) => p.predicted)) hasPredicted = true;
    return parts;
  };
  boxes.push({
    id: 'client',
    kind: 'client',
    title: [t(path.client.label)],
    subtitle: [t(`→ ${path.target}`)],
    rows: [],
    tooltip: [path.client.label, path.client.detail, `Request to ${path.target}`],
    source: null,
    tone: 'normal',
    step: 1,
    paths: [EVERY_PATH],
  });
  const dns = path.dns;
  const answer: TextPart[] = [];
  dns.values.forEach((v, i) => answer.push(...(i > 0 ? [t(', ')] : []), valued(v)));
  const headless = path.kind === 'headless';
  boxes.push({
    id: 'dns',
    kind: 'dns',
    title: [t('DNS')],
    subtitle: [t(dns.name)],
    rows: [
      {
        id: 'dns:answer',
        kind: 'value',
        label: [
          t(
            headless
              ? `${dns.type} → ${dns.values.length} pod IP${dns.values.length === 1 ? '' : 's'}`
              : `${dns.type} →`,
          ),
        ],
        detail: note(answer.length > 0 ? answer : [t(path.reason)]),
        tooltip: [
          `${dns.name} ${dns.type} ${dns.values.map((v) => v.value).join(', ') || '(no answer)'}`,
          ...dns.also.map((r) => `${r.name} ${r.type} ${r.value}`),
        ],
        source: dns.source,
        tone: answer.length > 0 ? 'normal' : 'error',
      },
    ],
    tooltip: [
      `CoreDNS answers ${dns.name}`,
      headless
        ? 'Headless (clusterIP: None): one A record per ready pod, no virtual IP, no kube-proxy rules'
        : 'ExternalName: a CNAME, no virtual IP, no kube-proxy rules',
    ],
    source: dns.source,
    tone: answer.length > 0 ? 'normal' : 'error',
    step: 2,
    paths: [EVERY_PATH],
  });
  edges.push({
    id: 'e:client-dns',
    from: { box: 'client' },
    to: { box: 'dns' },
    label: [],
    tone: 'normal',
    tooltip: [`resolve ${dns.name}`],
    paths: [EVERY_PATH],
  });
  if (path.outcome !== 'reached') {
    const id = 'verdict:no-answer';
    boxes.push({
      id,
      kind: 'verdict',
      title: [t(headless ? 'no address' : 'no CNAME target')],
      subtitle: [t(path.reason)],
      rows: problemRows(id, explainingProblems(options.problems ?? [], 'rejected')),
      tooltip: [path.reason],
      source: path.service.source,
      tone: 'error',
      step: 3,
      paths: [id],
    });
    edges.push({
      id: `e:dns>${id}`,
      from: { box: 'dns' },
      to: { box: id },
      label: [],
      tone: 'error',
      tooltip: [path.reason],
      paths: [id],
    });
    return { boxes, edges, hasPredicted };
  }
  if (!headless) {
    boxes.push({
      id: 'external',
      kind: 'external',
      title: [t(path.externalName)],
      subtitle: [t('resolved and reached outside the cluster')],
      rows: [],
      tooltip: [
        `CNAME ${dns.name} → ${path.externalName}`,
        'The client’s resolver follows the CNAME; kube-proxy writes no rules for this Service.',
      ],
      source: path.service.source,
      tone: 'normal',
      step: 3,
      paths: [EVERY_PATH],
    });
    edges.push({
      id: 'e:dns>external',
      from: { box: 'dns' },
      to: { box: 'external' },
      label: [t('CNAME')],
      tone: 'normal',
      tooltip: [`CNAME → ${path.externalName}`],
      paths: [EVERY_PATH],
    });
    return { boxes, edges, hasPredicted };
  }
  const groups = new Map<string, GraphBox>();
  for (const { pod, port } of path.pods) {
    const key = podBoxId(pod.node);
    let group = groups.get(key);
    if (!group) {
      group = {
        id: key,
        kind: 'pods',
        title: [t(`pods on ${pod.node || 'no node'}`)],
        subtitle: [],
        rows: [],
        tooltip: [`Pods the scheduler places on ${pod.node}`],
        source: null,
        tone: 'normal',
        step: 3,
        paths: [key],
      };
      groups.set(key, group);
    }
    group.rows.push({
      id: `pod:${pod.namespace}/${pod.name}:${port ?? ''}`,
      kind: 'pod',
      label: note([{ text: pod.name, predicted: pod.nameOrigin === 'predicted' }]),
      detail: note([valued(pod.ip), t(`:${port ?? ''}`)]),
      tooltip: [
        `pod ${pod.namespace}/${pod.name}${pod.nameOrigin === 'predicted' ? ' (name predicted)' : ''}`,
        originNote('pod IP', pod.ip),
        `on ${pod.node}`,
        'the client connects to this address directly (no DNAT)',
        pod.source ? `click: go to ${pod.source.file}:${pod.source.line}` : '',
      ].filter((l) => l !== ''),
      source: pod.source,
      tone: pod.ready ? 'normal' : 'warning',
      paths: [key],
    });
  }
  const total = path.pods.length;
  for (const group of [...groups.values()].sort((a, b) => compare(a.id, b.id))) {
    group.subtitle = [t(`${group.rows.length} of ${total} addresses · connected to directly`)];
    group.rows.sort((a, b) => compare(a.id, b.id));
    boxes.push(group);
    edges.push({
      id: `e:dns>${group.id}`,
      from: { box: 'dns' },
      to: { box: group.id },
      label: [],
      tone: 'normal',
      tooltip: [`the client picks one of the ${total} addresses and connects to it`],
      paths: [group.id],
    });
  }
  return { boxes, edges, hasPredicted };
}
