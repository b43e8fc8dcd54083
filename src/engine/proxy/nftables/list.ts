// `nft list table ip kube-proxy`: the table as nft (1.0.x) prints it back from the kernel,
// for the statements kube-proxy writes. nft normalises what it was given: sets and maps come
// first, then chains, each in the order they were created; named priorities and `policy
// accept` on base chains; `meta mark … | 0x00004000` for `mark … or 0x4000`; a one-element
// anonymous set as its element; elements sorted the way nft sorts them (a concatenated key by
// its register bytes read as one little-endian number, a single address by value), two
// addresses to a line in a set, one element to a line in a map.
import type { CIDR } from '../../net/ip';
import { bitsOf, formatCIDR, formatIP, parseCIDR, parseIP } from '../../net/ip';
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

/** An address range as nft prints it: a prefix when it is one (a bare address for one address), else `a-b`. */
function rangeText(family: CIDR['family'], first: bigint, last: bigint): string {
  const size = last - first + 1n;
  const bits = bitsOf(family);
  let prefix = bits;
  while (prefix > 0 && 1n << BigInt(bits - prefix) < size) prefix--;
  const aligned = 1n << BigInt(bits - prefix) === size && first % size === 0n;
  if (!aligned) return `${formatIP({ family, value: first })}-${formatIP({ family, value: last })}`;
  return prefix === bits
    ? formatIP({ family, value: first })
    : formatCIDR({ family, network: first, prefix });
}

/**
 * An anonymous set's elements as nft prints them: one element given is printed bare; several are
 * an interval set, overlapping and adjacent ranges merged, in address order.
 */
function anonymousSetText(body: string): string {
  const items = body.split(',').map((s) => s.trim());
  const cidrs = items.map((text) => parseCIDR(text, { bareAddress: true }));
  if (!cidrs.every((c): c is CIDR => c !== null))
    return items.length === 1 ? (items[0] ?? '') : `{ ${items.join(', ')} }`;
  const family = cidrs[0]?.family ?? 'IPv4';
  const ranges = cidrs
    .map((c) => ({ first: c.network, last: c.network + (1n << BigInt(bitsOf(c.family) - c.prefix)) - 1n }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  if (ranges.length === 1) return rangeText(family, ranges[0]?.first ?? 0n, ranges[0]?.last ?? 0n);
  const merged: { first: bigint; last: bigint }[] = [];
  for (const r of ranges) {
    const prev = merged[merged.length - 1];
    if (prev && r.first <= prev.last + 1n) {
      if (r.last > prev.last) prev.last = r.last;
    } else merged.push({ ...r });
  }
  return `{ ${merged.map((r) => rangeText(family, r.first, r.last)).join(', ')} }`;
}

/** One rule in nft's listing syntax (the rule shapes proxier.ts writes). */
export function listRule(rule: string): string {
  // Most rules (jumps, dnat, numgen maps) need only the delimiter change: skip the patterns they cannot hold.
  if (!rule.startsWith('mark ') && !/addr (?:!= )?\{/.test(rule)) return rule.replaceAll(' , ', ', ');
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

/** A plain dotted-quad IPv4 address's value (no leading zeros), or null: then the general parser decides. */
function ipv4Value(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && octet === 0)) {
      octet = octet * 10 + (c - 48);
      digits += 1;
    } else return null;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return null;
  return value * 256 + octet;
}

/** The key's bytes as the kernel registers hold them (each part padded to 4 bytes). */
function keyBytes(types: readonly string[], key: readonly string[]): number[] {
  const out: number[] = [];
  types.forEach((type, i) => {
    const part = key[i] ?? '';
    if (type === 'ipv4_addr' && ipv4Value(part) !== null) {
      const v = ipv4Value(part) ?? 0;
      out.push(Math.floor(v / 2 ** 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    } else if (type === 'ipv4_addr' || type === 'ipv6_addr') {
      const ip = parseIP(part);
      const bytes = type === 'ipv4_addr' ? 4 : 16;
      const v = ip ? ip.value : 0n;
      for (let b = bytes - 1; b >= 0; b--) out.push(Number((v >> BigInt(8 * b)) & 255n));
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

/**
 * The elements in nft's order: a concatenation compares as one little-endian value, a single
 * address as big-endian. Each key becomes a string of its bytes (padded with zero bytes to
 * one length, as a missing byte compares as 0), so the sort compares strings.
 */
function sortedElements(set: NftSet): NftElement[] {
  const types = (set.type.split(' : ')[0] ?? '').split(' . ');
  const concat = types.length > 1;
  let width = 0;
  const keyed = [...set.elements.values()].map((e) => {
    const bytes = keyBytes(types, e.key);
    if (concat) bytes.reverse();
    width = Math.max(width, bytes.length);
    return { e, bytes };
  });
  const sortable = keyed.map(({ e, bytes }) => {
    while (bytes.length < width) bytes.push(0);
    return { e, key: String.fromCharCode(...bytes) };
  });
  sortable.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return sortable.map((k) => k.e);
}

function elementText(e: NftElement): string {
  let text = e.key.join(' . ');
  if (e.comment !== undefined) text += ` comment "${e.comment}"`;
  if (e.value !== undefined) text += ` : ${e.value.join(' . ')}`;
  return text;
}

/** nft's delimiters: IPv4 addresses two to a line, integer-like types five, anything else (maps, concatenations, IPv6) one. */
function elementsText(set: NftSet): string {
  const elements = sortedElements(set);
  const perLine =
    set.kind === 'map'
      ? 1
      : set.type === 'ipv4_addr'
        ? 2
        : ['inet_proto', 'inet_service', 'mark'].includes(set.type)
          ? 5
          : 1;
  let out = '{ ';
  elements.forEach((e, i) => {
    if (i > 0) out += i % perLine === 0 ? ',\n\t\t\t     ' : ', ';
    out += elementText(e);
  });
  return `${out} }`;
}

function setBlock(set: NftSet, updated: ReadonlySet<string>): string {
  const lines = [`\t${set.kind} ${set.name} {`, `\t\ttype ${set.type}`];
  // A set an `update` statement writes to gets the kernel's default size when nft creates it.
  if (updated.has(set.name)) lines.push('\t\tsize 65535');
  if (set.flags && set.flags.length > 0) lines.push(`\t\tflags ${set.flags.join(',')}`);
  if (set.timeoutSeconds !== undefined) lines.push(`\t\ttimeout ${durationText(set.timeoutSeconds)}`);
  if (set.comment !== undefined) lines.push(`\t\tcomment "${set.comment}"`);
  if (set.elements.size > 0) lines.push(`\t\telements = ${elementsText(set)}`);
  lines.push('\t}');
  return lines.join('\n');
}

function chainBlock(chain: NftChain): string {
  // Concatenated, not joined: the pieces are flattened once, when the chunk holding the block is.
  let text = `\tchain ${chain.name} {`;
  if (chain.base)
    text += `\n\t\ttype ${chain.base.type} hook ${chain.base.hook} priority ${priorityText(chain.base.priority, chain.base.hook)}; policy accept;`;
  if (chain.comment !== undefined) text += `\n\t\tcomment "${chain.comment}"`;
  for (const r of chain.rules) text += `\n\t\t${listRule(r)}`;
  return `${text}\n\t}`;
}

/** `nft list table <family> <name>` for a table created in the order its Maps hold. */
export function listTable(table: NftTable): string {
  const updated = new Set<string>();
  for (const chain of table.chains.values())
    for (const rule of chain.rules)
      if (rule.includes('update @'))
        for (const m of rule.matchAll(/\bupdate @(\S+) /g)) updated.add(m[1] ?? '');
  // Blocks are joined a few dozen at a time, so each block's string dies young.
  const chunks: string[] = [];
  let pending: string[] = [];
  const add = (block: string) => {
    pending.push(block);
    if (pending.length >= 64) {
      chunks.push(pending.join('\n\n'));
      pending = [];
    }
  };
  for (const s of table.sets.values()) add(setBlock(s, updated));
  for (const c of table.chains.values()) add(chainBlock(c));
  if (pending.length > 0) chunks.push(pending.join('\n\n'));
  return `table ${table.family} ${table.name} {\n\tcomment "${table.comment}"\n${chunks.join('\n\n')}\n}\n`;
}
