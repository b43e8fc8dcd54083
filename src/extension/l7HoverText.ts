// Hover markdown, CodeLens titles and Trace Request arguments for the L7 hop: an HTTPRoute
// rule or an Ingress path (the engine's l7Routes answer) and the routes that lead to a
// Service. Pure (no vscode) so the wording is unit-tested; the facts are the engine's.
import type { L7Attachment, L7Backend, L7Match, L7RequestExample, L7Rule, L7RuleRef } from '../engine';
import type { SourceRange } from '../engine/model';
import { TRACE_COMMAND } from './commands';
import { engine } from './engineLoader';
import type { UrlTraceArgs } from './commands';
import { code, escape } from './markdown';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `file:line`, a link into the folder when its URI is known. */
export function sourceLink(source: SourceRange, folder?: string): string {
  const text = `${source.file}:${source.line}`;
  if (folder === undefined) return code(text);
  const path = source.file.split('/').map(encodeURIComponent).join('/');
  return `[${escape(text)}](${folder.replace(/\/$/, '')}/${path}#L${source.line})`;
}

function ruleRefText(ref: L7RuleRef): string {
  return engine().l7RuleRefText(ref);
}

function matchText(m: L7Match): string {
  return engine().l7MatchText(m);
}

/**
 * Where a rule's requests come in, one line per Gateway (or ingress class) and host set:
 * `Gateway shop/web listeners http (HTTP :80), https (HTTPS :443) for shop.example.com · 203.0.113.219`.
 */
export function attachmentLines(attachments: readonly L7Attachment[]): string[] {
  const groups = new Map<string, L7Attachment[]>();
  for (const a of attachments) {
    const key = JSON.stringify([a.kind, a.gateway, a.ingressClass, a.hostnames, a.address]);
    const group = groups.get(key);
    if (group) group.push(a);
    else groups.set(key, [a]);
  }
  return [...groups.values()].map((group) => {
    const a = group[0] as L7Attachment;
    const ports = group.map((l) =>
      a.kind === 'gateway'
        ? `${code(l.listener ?? '')} (${l.protocol} :${l.port})`
        : `(${l.protocol} :${l.port})`,
    );
    const where =
      a.kind === 'gateway'
        ? `Gateway ${code(a.gateway ?? '')} listener${group.length === 1 ? '' : 's'} ${ports.join(', ')}`
        : `ingress class ${code(a.ingressClass ?? '')} ${ports.join(', ')}`;
    const hosts = a.hostnames === null ? 'any host' : a.hostnames.map(code).join(', ');
    const address =
      a.address === null
        ? ' · address *pending*'
        : ` · ${code(a.address)}${a.addressOrigin === 'predicted' ? ' *(predicted)*' : ''}`;
    return `${where} for ${hosts}${address}`;
  });
}

function percent(share: number): string {
  const p = share * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/** One backend: `Service shop/cart port 8080 · weight 90 (90%) · 2 ready endpoints`, or why it fails. */
export function backendText(b: L7Backend, rule: Pick<L7Rule, 'backends'>): string {
  const name = code(`${b.service.namespace}/${b.service.name}`);
  const parts = [`Service ${name}${b.port === null ? '' : ` port ${code(b.port)}`}`];
  if (rule.backends.length > 1 || b.weight !== 1) parts.push(`weight ${b.weight} (${percent(b.share)})`);
  if (b.problem !== null) parts.push(`*${escape(b.problem)}*`);
  else
    parts.push(b.readyEndpoints === 0 ? '*no ready endpoints*' : plural(b.readyEndpoints, 'ready endpoint'));
  return parts.join(' · ');
}

function curl(example: L7RequestExample): string {
  const headers = example.headers.map(([k, v]) => ` -H '${k}: ${v}'`).join('');
  return `${example.method === 'GET' ? '' : `-X ${example.method} `}${example.url}${headers}`;
}

/** The Trace Request arguments for one example request of a rule. */
export function traceArgsFor(example: L7RequestExample, folder?: string): UrlTraceArgs {
  return {
    ...(folder !== undefined ? { folder } : {}),
    url: example.url,
    method: example.method,
    headers: example.headers.map(([k, v]): [string, string] => [k, v]),
    ...(example.gateway !== null ? { gateway: example.gateway } : {}),
  };
}

function traceUri(args: UrlTraceArgs): string {
  return `command:${TRACE_COMMAND}?${encodeURIComponent(JSON.stringify([args]))}`;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200',
  500: '500: no valid backend',
  503: '503: no ready endpoint',
};

/** Markdown for one HTTPRoute rule or Ingress path. */
export function l7RuleHover(rule: L7Rule, folder?: string): string {
  const outcome =
    rule.shadowedBy.length > 0
      ? 'shadowed: no request reaches it'
      : rule.attachments.length === 0
        ? 'not served'
        : `HTTP ${STATUS_TEXT[rule.httpStatus] ?? rule.httpStatus}`;
  const lines: string[] = [`**${escape(ruleRefText(rule.ref))}** · ${outcome}`, ''];
  if (rule.matches.length > 0) {
    lines.push('Matches:');
    for (const m of rule.matches) {
      const shadow =
        m.shadowedBy.length > 0 && rule.shadowedBy.length === 0
          ? ` · *taken by ${m.shadowedBy.map((r) => `${escape(ruleRefText(r))} (${sourceLink(r.source, folder)})`).join(', ')}*`
          : '';
      lines.push(`- ${code(matchText(m))}${shadow}`);
    }
    lines.push('');
  }
  lines.push(rule.backends.length > 0 ? 'Backends:' : '*No backendRefs: requests get 500.*');
  for (const b of rule.backends) lines.push(`- ${backendText(b, rule)}`);
  lines.push('');
  if (rule.attachments.length > 0) {
    lines.push('Serves:');
    for (const line of attachmentLines(rule.attachments)) lines.push(`- ${line}`);
    lines.push('');
  }
  if (rule.shadowedBy.length > 0) {
    lines.push(
      `**Shadowed:** every request this rule matches is taken by a rule that comes first: ${rule.shadowedBy
        .map((r) => `${escape(ruleRefText(r))} (${sourceLink(r.source, folder)})`)
        .join(', ')}`,
      '',
    );
  }
  for (const n of rule.notes) lines.push(`*${escape(n)}*`, '');
  const example = rule.requests[0];
  if (example) {
    lines.push(
      `Example: ${code(curl(example))}${example.gateway ? ` to Gateway ${code(example.gateway)}` : ''}`,
      '',
      `[▶ Trace request](${traceUri(traceArgsFor(example, folder))} "Trace ${example.method} ${example.url}")`,
    );
  }
  return lines.join('\n').trimEnd();
}

/** Markdown for the rules a hover position names (one rule: its card; several: one card each). */
export function l7RulesHover(rules: readonly L7Rule[], folder?: string): string {
  return rules.map((r) => l7RuleHover(r, folder)).join('\n\n---\n\n');
}

/** `shop.example.com/cart` for each host and path a rule takes (`*` when any host). */
export function hostPaths(rule: L7Rule): string[] {
  const hosts = new Set<string>();
  for (const a of rule.attachments) for (const h of a.hostnames ?? ['*']) hosts.add(h);
  if (hosts.size === 0) hosts.add('*');
  const paths = rule.matches.length === 0 ? ['(default backend)'] : rule.matches.map((m) => m.path);
  const out: string[] = [];
  for (const h of hosts) for (const p of new Set(paths)) out.push(`${h}${p.startsWith('/') ? p : ` ${p}`}`);
  return out;
}

/**
 * The lines a Service hover adds for the routes that send to it: rule, host and path, the
 * share of the rule's requests this Service gets (on `port` when given).
 */
export function serviceRoutesLines(
  rules: readonly L7Rule[],
  service: { namespace: string; name: string },
  port: number | null,
  folder?: string,
): string[] {
  const lines: string[] = [];
  for (const rule of rules) {
    const mine = rule.backends.filter(
      (b) =>
        b.service.namespace === service.namespace &&
        b.service.name === service.name &&
        (port === null || b.port === port),
    );
    if (mine.length === 0) continue;
    const share = mine.reduce((sum, b) => sum + b.share, 0);
    const parts = [`${escape(ruleRefText(rule.ref))} (${sourceLink(rule.ref.source, folder)})`];
    parts.push(hostPaths(rule).map(code).join(', '));
    if (rule.backends.length > 1) parts.push(`${percent(share)} of its requests`);
    if (rule.shadowedBy.length > 0) parts.push('*shadowed: no request reaches it*');
    else if (mine.some((b) => b.problem !== null)) parts.push('*the reference does not resolve*');
    lines.push(`- ${parts.join(' · ')}`);
  }
  return lines.length > 0 ? ['Routes leading here:', ...lines] : [];
}

function lensBackends(rule: L7Rule): string {
  if (rule.backends.length === 0) return 'no backends';
  return rule.backends
    .map((b) => `${b.service.name}${rule.backends.length > 1 ? ` ${percent(b.share)}` : ''}`)
    .join(', ');
}

/** The CodeLens above a rule: its example request to trace, or what takes its requests. */
export function l7LensOf(
  rule: L7Rule,
  folder?: string,
): { line: number; title: string; args: UrlTraceArgs | null } {
  const line = Math.max(0, rule.ref.source.line - 1);
  const example = rule.requests[0];
  if (example) {
    return {
      line,
      title: `▶ Trace request · ${example.method} ${example.url}${example.headers.map(([k, v]) => ` ${k}: ${v}`).join('')} → ${lensBackends(rule)}`,
      args: traceArgsFor(example, folder),
    };
  }
  if (rule.shadowedBy.length > 0)
    return { line, title: `Shadowed by ${rule.shadowedBy.map(ruleRefText).join(', ')}`, args: null };
  return {
    line,
    title: rule.attachments.length === 0 ? 'No request reaches this rule' : 'No example request',
    args: null,
  };
}

/** One line per rule (hover on an HTTPRoute's or Ingress's name, parentRefs, hostnames). */
export function l7SummaryHover(rules: readonly L7Rule[], folder?: string): string {
  const first = rules[0];
  if (!first) return '';
  const kind = first.ref.kind === 'httproute' ? 'HTTPRoute' : 'Ingress';
  const lines = [
    `**${kind} ${escape(`${first.ref.namespace}/${first.ref.name}`)}** · ${plural(rules.length, 'rule')}`,
    '',
  ];
  for (const r of rules) {
    const to = r.backends.map(
      (b) => `${b.service.name}${r.backends.length > 1 ? ` ${percent(b.share)}` : ''}`,
    );
    const state =
      r.shadowedBy.length > 0 ? ' · *shadowed*' : r.httpStatus === 200 ? '' : ` · HTTP ${r.httpStatus}`;
    lines.push(
      `- ${sourceLink(r.ref.source, folder)} ${hostPaths(r).map(code).join(', ')} → ${to.map(code).join(', ') || '*no backends*'}${state}`,
    );
  }
  return lines.join('\n');
}
