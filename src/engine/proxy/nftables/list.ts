// `nft list table ip kube-proxy`: the table as nft (1.0.x) prints it back from the kernel,
// for the statements kube-proxy writes. nft normalises what it was given: sets and maps come
// first, then chains, each in the order they were created; named priorities and `policy
// accept` on base chains; `meta mark … | 0x00004000` for `mark … or 0x4000`; a one-element
// anonymous set as its element; elements sorted the way nft sorts them (a concatenated key by
// its register bytes read as one little-endian number, a single address by value), two
// addresses to a line in a set, one element to a line in a map.
import type { CIDR } from '../../net/ip';
import { formatCIDR, parseIPv4CIDR } from '../../net/ip';
import type { NftChain, NftElement, NftSet, NftTable } from './table';

/** nft's standard priorities, and the hooks (for the ip family) each name is printed for. */
const standardPriorities: readonly { name: string; value: number; hooks: readonly string[] | 'all' }[] = [
  { name: 'raw', value: -300, hooks: 'all' },
  { name: 'mangle', value: -150, hooks: 'all' },
  { name: 'dstnat', value: -100, hooks: ['prerouting'] },
  { name: 'filter', value: 0, hooks: 'all' },
  { name: 'security', value: 50, hooks: 'all' },
  { name: 'srcnat', value: 100, hooks: ['postrouting'] },
];

/** A standard name, or a name ± an offset up to 10, else the number. */
function priorityText(priority: number, hook: string): string {
  for (const p of standardPriorities) {
    if (p.hooks !== 'all' && !p.hooks.includes(hook)) continue;
    const offset = priority - p.value;
    if (offset === 0) return p.name;
    if (Math.abs(offset) <= 10) return `${p.name} ${offset > 0 ? '+' : '-'} ${Math.abs(offset)}`;
  }
  return String(priority);
}

/** nft's time format: `3h`, `1d2h`, `90s` → `1m30s`. */
function durationText(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
  return text === '' ? '0s' : text;
}

function markText(mark: string): string {
  const value = Number.parseInt(mark, mark.startsWith('0x') ? 16 : 10);
  return Number.isNaN(value) ? mark : `0x${value.toString(16).padStart(8, '0')}`;
}

/** An anonymous set's elements as nft prints them: addresses in order, a /32 as the address. */
function anonymousSetText(body: string): string {
  const items = body.split(',').map((s) => s.trim());
  const cidrs = items.map((text) => parseIPv4CIDR(text.includes('/') ? text : `${text}/32`));
  let texts = items;
  if (cidrs.every((c): c is CIDR => c !== null)) {
    cidrs.sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
    texts = cidrs.map((c) => (c.prefix === 32 ? formatCIDR(c).replace(/\/32$/, '') : formatCIDR(c)));
  }
  return texts.length === 1 ? (texts[0] ?? '') : `{ ${texts.join(', ')} }`;
}

/** One rule in nft's listing syntax (the rule shapes proxier.ts writes). */
export function listRule(rule: string): string {
  let r = rule;
  r = r.replace(
    /^mark set mark (or|xor) (\S+)$/,
    (_m, op: string, mark: string) => `meta mark set meta mark ${op === 'or' ? '|' : '^'} ${markText(mark)}`,
  );
  r = r.replace(
    /^mark and (\S+) == 0 return$/,
    (_m, mark: string) => `meta mark & ${markText(mark)} == 0x00000000 return`,
  );
  r = r.replace(
    /(daddr|saddr) (!= )?\{ ([^}]*) \}/g,
    (_m, field: string, negated: string | undefined, body: string) =>
      `${field} ${negated ?? ''}${anonymousSetText(body)}`,
  );
  return r.replaceAll(' , ', ', ');
}

const protocolNumbers: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132 };

/** The key's bytes as the kernel registers hold them (each part padded to 4 bytes). */
function keyBytes(types: readonly string[], key: readonly string[]): number[] {
  const out: number[] = [];
  types.forEach((type, i) => {
    const part = key[i] ?? '';
    if (type === 'ipv4_addr') {
      const cidr = parseIPv4CIDR(`${part}/32`);
      const v = cidr ? Number(cidr.network) : 0;
      out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    } else if (type === 'inet_proto') {
      out.push(protocolNumbers[part] ?? Number(part), 0, 0, 0);
    } else if (type === 'inet_service') {
      const port = Number(part);
      out.push((port >>> 8) & 255, port & 255, 0, 0);
    } else {
      for (const c of part) out.push(c.charCodeAt(0) & 255);
    }
  });
  return out;
}

function compareElements(set: NftSet): (a: NftElement, b: NftElement) => number {
  const types = (set.type.split(' : ')[0] ?? '').split(' . ');
  // A concatenation is one host-endian (little-endian) value; a single address is big-endian.
  const concat = types.length > 1;
  return (a, b) => {
    const x = keyBytes(types, a.key);
    const y = keyBytes(types, b.key);
    const n = Math.max(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const j = concat ? n - 1 - i : i;
      const d = (x[j] ?? 0) - (y[j] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
}

function elementText(e: NftElement): string {
  let text = e.key.join(' . ');
  if (e.comment !== undefined) text += ` comment "${e.comment}"`;
  if (e.value !== undefined) text += ` : ${e.value.join(' . ')}`;
  return text;
}

/** nft's delimiters: addresses two to a line, other single types five, maps and concatenations one. */
function elementsText(set: NftSet): string {
  const elements = [...set.elements.values()].sort(compareElements(set));
  const perLine =
    set.kind === 'map' || set.type.includes(' . ')
      ? 1
      : set.type === 'ipv4_addr' || set.type === 'ipv6_addr'
        ? 2
        : 5;
  let out = '{ ';
  elements.forEach((e, i) => {
    if (i > 0) out += i % perLine === 0 ? ',\n\t\t\t     ' : ', ';
    out += elementText(e);
  });
  return `${out} }`;
}

function setBlock(set: NftSet): string {
  const lines = [`\t${set.kind} ${set.name} {`, `\t\ttype ${set.type}`];
  const dynamic = set.flags?.includes('dynamic') ?? false;
  // nft gives a dynamic set the kernel's default size.
  if (dynamic) lines.push('\t\tsize 65535');
  if (set.flags && set.flags.length > 0) lines.push(`\t\tflags ${set.flags.join(',')}`);
  if (set.timeoutSeconds !== undefined) lines.push(`\t\ttimeout ${durationText(set.timeoutSeconds)}`);
  if (set.comment !== undefined) lines.push(`\t\tcomment "${set.comment}"`);
  if (set.elements.size > 0) lines.push(`\t\telements = ${elementsText(set)}`);
  lines.push('\t}');
  return lines.join('\n');
}

function chainBlock(chain: NftChain): string {
  const lines = [`\tchain ${chain.name} {`];
  if (chain.base)
    lines.push(
      `\t\ttype ${chain.base.type} hook ${chain.base.hook} priority ${priorityText(chain.base.priority, chain.base.hook)}; policy accept;`,
    );
  if (chain.comment !== undefined) lines.push(`\t\tcomment "${chain.comment}"`);
  for (const r of chain.rules) lines.push(`\t\t${listRule(r)}`);
  lines.push('\t}');
  return lines.join('\n');
}

/** `nft list table <family> <name>` for a table created in the order its Maps hold. */
export function listTable(table: NftTable): string {
  const blocks = [...[...table.sets.values()].map(setBlock), ...[...table.chains.values()].map(chainBlock)];
  return `table ${table.family} ${table.name} {\n\tcomment "${table.comment}"\n${blocks.join('\n\n')}\n}\n`;
}
