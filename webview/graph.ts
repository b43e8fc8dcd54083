// Pure: a RequestPath (from the snapshot) + what the user expanded → the boxes and arrows
// of the diagram, before layout. No DOM, so test/unit/webview-graph.test.ts runs it in node.
import type { NodePath, PathBranch, PathHop, RequestPath, SourceLocation, Valued } from './protocol';

/** A run of label text; `predicted` text is drawn marked (kubepath chose it, the cluster will pick its own). */
export interface TextPart {
  text: string;
  predicted?: boolean;
}

export type BoxKind = 'client' | 'dns' | 'loadbalancer' | 'node' | 'pods' | 'verdict';
export type RowKind = 'kubeproxy' | 'chain' | 'pod' | 'value';
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
}

export interface GraphBox {
  id: string;
  kind: BoxKind;
  title: TextPart[];
  subtitle: TextPart[];
  rows: GraphRow[];
  tooltip: string[];
  source: SourceLocation | null;
  tone: Tone;
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

function verdictId(branch: PathBranch): string {
  return `verdict:${branch.verdict}:${branch.reason}`;
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

  boxes.push({
    id: 'client',
    kind: 'client',
    title: [t(path.client.label)],
    subtitle: [],
    rows: [],
    tooltip: [path.client.label, path.client.detail, `Request to ${path.target}`].filter((l) => l !== ''),
    source: null,
    tone: 'normal',
  });
  let previous: GraphEnd = { box: 'client' };
  let previousLabel: TextPart[] = [];

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
    });
    edges.push({
      id: 'e:client-dns',
      from: previous,
      to: { box: 'dns' },
      label: [t('lookup')],
      tone: 'normal',
      tooltip: [`resolve ${dns.name}`],
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
    });
    edges.push({
      id: 'e:to-lb',
      from: previous,
      to: { box: 'lb' },
      label: pending ? [] : note([valued(lb.address), t(`:${lb.port}`)]),
      tone: pending ? 'error' : 'normal',
      tooltip: [`${service.protocol} to the load balancer`],
    });
    previous = { box: 'lb' };
    if (pending) {
      boxes.push({
        id: 'verdict:no-route',
        kind: 'verdict',
        title: [t('no route')],
        subtitle: [t(lb.pending)],
        rows: [],
        tooltip: [lb.pending],
        source: lb.source,
        tone: 'error',
      });
      edges.push({
        id: 'e:lb-no-route',
        from: previous,
        to: { box: 'verdict:no-route' },
        label: [t('✕')],
        tone: 'error',
        tooltip: [lb.pending],
      });
    } else if (service.nodePort) {
      previousLabel = note([t(':'), valued(service.nodePort)]);
    }
  }

  const podBoxes = new Map<string, GraphBox>();
  const verdicts = new Map<string, GraphBox>();
  for (const nodePath of path.nodes) {
    const nodeBox = buildNodeBox(nodePath, options.expanded.has(nodePath.node), note);
    boxes.push(nodeBox);
    const entryLabel = previousLabel.length > 0 ? previousLabel : entryLabelFor(path, nodePath, note);
    edges.push({
      id: `e:to-${nodeBox.id}`,
      from: previous,
      to: { box: nodeBox.id },
      label: entryLabel,
      tone: nodePath.outcome === 'reached' ? 'normal' : 'error',
      tooltip: [`to ${nodePath.entry} on ${nodePath.node}`],
    });
    const collapsedRow = `${nodeBox.id}:kube-proxy`;
    nodePath.branches.forEach((branch, index) => {
      const fromRow = nodeBox.rows.find((r) => r.id === branchRowId(nodeBox.id, index))?.id ?? collapsedRow;
      const probability = t(formatProbability(branch.probability));
      if (branch.outcome === 'reached' && branch.ip !== null) {
        const podNode = branch.pod?.node || nodePath.node;
        let group = podBoxes.get(podNode);
        if (!group) {
          group = {
            id: podBoxId(podNode),
            kind: 'pods',
            title: [t(`pods on ${podNode}`)],
            subtitle: [],
            rows: [],
            tooltip: [`Pods the scheduler places on ${podNode}`],
            source: null,
            tone: 'normal',
          };
          podBoxes.set(podNode, group);
        }
        const rowId = podRowId(branch);
        if (!group.rows.some((r) => r.id === rowId)) group.rows.push(podRow(rowId, branch, note));
        edges.push({
          id: `e:${nodeBox.id}:${index}`,
          from: { box: nodeBox.id, row: fromRow },
          to: { box: group.id, row: rowId },
          label: [probability],
          labelAt: 'tail',
          tone: 'normal',
          tooltip: [
            `${formatProbability(branch.probability)} of new connections entering ${nodePath.node}`,
            `DNAT → ${branch.ip}:${branch.port ?? ''}${branch.masquerade ? ' (source masqueraded to the node IP)' : ''}`,
          ],
        });
      } else {
        const id = verdictId(branch);
        let box = verdicts.get(id);
        if (!box) {
          box = {
            id,
            kind: 'verdict',
            title: [t(branch.verdict || branch.outcome)],
            subtitle: [t(branch.reason)],
            rows: [],
            tooltip: [`${branch.verdict || branch.outcome}: ${branch.reason}`, verdictExplanation(branch)],
            source: branch.hops.find((h) => h.source)?.source ?? null,
            tone: 'error',
          };
          verdicts.set(id, box);
        }
        edges.push({
          id: `e:${nodeBox.id}:${index}`,
          from: { box: nodeBox.id, row: fromRow },
          to: { box: id },
          label: [probability, t(` ${branch.outcome}`)],
          labelAt: 'tail',
          tone: 'error',
          tooltip: [`${branch.outcome} on ${nodePath.node}: ${branch.reason}`],
        });
      }
    });
  }
  // Pod groups in node order, pods by IP: a stable picture whatever order the branches came in.
  for (const group of [...podBoxes.values()].sort((a, b) => compare(a.id, b.id))) {
    group.rows.sort((a, b) => compare(a.id, b.id));
    boxes.push(group);
  }
  boxes.push(...verdicts.values());
  return { boxes, edges, hasPredicted };
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

function branchRowId(boxId: string, index: number): string {
  return `${boxId}:branch:${index}`;
}

function buildNodeBox(nodePath: NodePath, expanded: boolean, note: (p: TextPart[]) => TextPart[]): GraphBox {
  const id = boxIdOfNode(nodePath.node);
  const tone = nodePath.outcome === 'reached' ? 'normal' : 'error';
  const source = nodePath.hops.find((h) => h.source)?.source ?? null;
  const rows: GraphRow[] = [];
  const allHops = [...nodePath.hops, ...nodePath.branches.flatMap((b) => b.hops)];
  rows.push({
    id: `${id}:kube-proxy`,
    kind: 'kubeproxy',
    label: [t(`${expanded ? '▾' : '▸'} kube-proxy (iptables)`)],
    detail: expanded ? [] : [t(chainSummary(nodePath.hops))],
    tooltip: [
      `kube-proxy's iptables rules on ${nodePath.node}`,
      ...stepHops(nodePath.hops).map((h) => `${h.name}: ${h.detail}`),
      expanded ? 'Click to collapse the chain steps' : 'Click to expand the KUBE-* chain steps',
    ],
    source,
    tone,
    toggles: true,
    expanded,
  });
  if (expanded) stepHops(nodePath.hops).forEach((h, i) => rows.push(chainRow(`${id}:hop:${i}`, h)));
  // One row per branch, always: each edge to a pod leaves from its own row, so the
  // probabilities sit next to the node instead of piling up where edges share a segment.
  nodePath.branches.forEach((branch, index) => {
    const reached = branch.outcome === 'reached' && branch.ip !== null;
    const target = reached ? `${branch.ip ?? ''}:${branch.port ?? ''}` : branch.reason;
    const chain =
      branch.hops.find((h) => /^KUBE-SEP-/.test(h.name)) ??
      stepHops(branch.hops).find((h) => h.kind !== 'dnat');
    const row: GraphRow = {
      id: branchRowId(id, index),
      kind: 'chain',
      label:
        expanded && chain
          ? [t(abbreviateChain(chain.name))]
          : note([
              t(`${branch.verdict || branch.outcome} → `),
              ...(reached && branch.pod ? [valued(branch.pod.ip), t(`:${branch.port ?? ''}`)] : [t(target)]),
            ]),
      detail: expanded && chain ? [t(`${branch.verdict || branch.outcome} → ${target}`)] : [],
      tooltip: [
        `${formatProbability(branch.probability)} of new connections: ${branch.verdict || branch.outcome} → ${target}`,
        ...(branch.masquerade ? ['source masqueraded to the node IP (KUBE-POSTROUTING)'] : []),
        ...branch.hops.flatMap(hopTooltip),
      ],
      source: branch.pod?.source ?? chain?.source ?? branch.hops[0]?.source ?? null,
      tone: reached ? 'normal' : 'error',
    };
    rows.push(row);
  });
  return {
    id,
    kind: 'node',
    title: [t(nodePath.node)],
    subtitle: note([t(nodePath.entry)]),
    rows,
    tooltip: [
      `node ${nodePath.node} (${nodePath.ip})`,
      `packet arrives for ${nodePath.entry}`,
      `${allHops.length} rule steps`,
    ],
    source,
    tone,
  };
}

function chainRow(id: string, h: PathHop): GraphRow {
  return {
    id,
    kind: 'chain',
    label: [t(abbreviateChain(h.name))],
    detail: [t(h.detail)],
    tooltip: hopTooltip(h),
    source: h.source,
    tone: h.kind === 'reject' || h.kind === 'drop' ? 'error' : 'normal',
  };
}

function podRow(id: string, branch: PathBranch, note: (p: TextPart[]) => TextPart[]): GraphRow {
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
  };
}
