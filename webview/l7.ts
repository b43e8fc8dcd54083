// The L7 section above the request path: for each HTTPRoute rule or Ingress path that sends
// requests to the shown Service, where they come in (Gateway listener, ingress controller)
// → the route → the rule and its matches → its weighted backends, the shown Service
// highlighted. Plain HTML that wraps at any width; colours only from --vscode-* variables
// (media/requestPath.css). Text only via textContent (the names come from workspace files).
import type { L7BackendView, L7RouteView, Snapshot, SourceLocation } from './protocol';
import { displayText } from './render';

function element<K extends keyof HTMLElementTagNameMap>(
  name: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(name);
  node.className = className;
  if (text !== undefined) node.textContent = displayText(text);
  return node;
}

/** A name that reveals its source line when clicked (a plain span without one). */
function sourceLink(
  text: string,
  source: SourceLocation | null,
  reveal: (source: SourceLocation) => void,
  className = '',
): HTMLElement {
  if (!source) return element('span', className, text);
  const link = element('button', `l7-link ${className}`.trim(), text);
  link.type = 'button';
  link.title = `${source.file}:${source.line}`;
  link.addEventListener('click', () => reveal(source));
  return link;
}

function percent(share: number): string {
  const p = share * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/** One step of the chain: a small caption (`listener`, `route`, `rule`) and its content. */
function stop(kind: string, ...content: HTMLElement[]): HTMLElement {
  const row = element('div', `l7-stop l7-stop-${kind}`);
  row.append(element('span', 'l7-caption', kind), ...content);
  return row;
}

function backendRow(b: L7BackendView, many: boolean, reveal: (s: SourceLocation) => void): HTMLElement {
  const row = element('li', `l7-backend${b.current ? ' current' : ''}${b.problem ? ' invalid' : ''}`);
  if (b.current) row.setAttribute('aria-current', 'true');
  const head = element('div', 'l7-backend-head');
  if (many) head.append(element('span', 'l7-share', percent(b.share)));
  head.append(
    sourceLink(`${b.service}${b.port === null ? '' : ` :${b.port}`}`, b.source, reveal, 'l7-service'),
  );
  const detail = b.problem
    ? b.problem
    : `${many ? `weight ${b.weight} · ` : ''}${b.readyEndpoints === 0 ? 'no ready endpoints' : `${b.readyEndpoints} ready endpoint${b.readyEndpoints === 1 ? '' : 's'}`}`;
  row.append(head, element('div', 'l7-detail', detail));
  if (many) {
    const bar = element('div', 'l7-bar');
    bar.setAttribute('aria-hidden', 'true');
    const fill = element('div', 'l7-bar-fill');
    // CSSOM, not a style attribute: the CSP allows no inline styles.
    fill.style.width = `${Math.round(b.share * 1000) / 10}%`;
    bar.append(fill);
    row.append(bar);
  }
  return row;
}

function routeCard(r: L7RouteView, reveal: (s: SourceLocation) => void): HTMLElement {
  const card = element('li', `l7-route${r.shadowedBy ? ' shadowed' : ''}`);
  const listeners = element('div', 'l7-listeners');
  if (r.listeners.length === 0) listeners.append(element('div', 'l7-detail', 'attached to no listener'));
  for (const l of r.listeners) {
    const line = element('div', 'l7-listener-line');
    line.append(sourceLink(l.label, l.source, reveal));
    line.append(element('span', 'l7-address', l.address ?? 'address pending'));
    listeners.append(line);
  }
  card.append(stop('listener', listeners));
  const route = element('div', 'l7-content');
  route.append(sourceLink(r.route, r.source, reveal, 'l7-route-name'), element('span', 'l7-rule', r.rule));
  card.append(stop('route', route));
  const rule = element('div', 'l7-content');
  rule.append(element('div', 'l7-hosts', r.hosts.join(', ')));
  for (const m of r.matches) rule.append(element('div', 'l7-match', m));
  if (r.shadowedBy)
    rule.append(element('div', 'l7-warning', `shadowed: every request goes to ${r.shadowedBy}`));
  else if (r.httpStatus !== 200)
    rule.append(
      element(
        'div',
        'l7-warning',
        `HTTP ${r.httpStatus}${r.httpStatus === 500 ? ': no valid backend' : ': no ready endpoint'}`,
      ),
    );
  card.append(stop('rule', rule));
  const backends = element('ul', 'l7-backends');
  backends.setAttribute('aria-label', 'Backends');
  const many = r.backends.length > 1;
  for (const b of r.backends) backends.append(backendRow(b, many, reveal));
  card.append(stop('backends', backends));
  return card;
}

/**
 * The slot above the client and DNS stops: the Gateway and Ingress rules that lead to the
 * Service, or nothing (hidden) when none does. One call per redraw.
 */
export function renderL7Slot(
  host: HTMLElement,
  snapshot: Snapshot,
  reveal: (source: SourceLocation) => void,
): void {
  const routes = snapshot.path || snapshot.dnsPath ? snapshot.l7 : [];
  host.replaceChildren();
  host.hidden = routes.length === 0;
  if (routes.length === 0) return;
  const section = element('section', 'l7');
  section.setAttribute('aria-label', 'HTTP routing to this Service');
  const title = element('h3', 'l7-title', 'HTTP routing');
  const note = element(
    'span',
    'l7-note',
    ` · ${routes.length} rule${routes.length === 1 ? '' : 's'} lead${routes.length === 1 ? 's' : ''} here`,
  );
  title.append(note);
  const list = element('ol', 'l7-routes');
  for (const r of routes) list.append(routeCard(r, reveal));
  section.append(title, list);
  host.append(section);
}
