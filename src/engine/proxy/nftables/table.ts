// The `kube-proxy` nftables table as data, and the two text forms upstream's tests use:
// knftables Fake.Dump() (table, chains, sets, maps, then rules chain by chain, then
// elements; loadable with `nft -f`) and sortNFTablesTransaction (helpers_test.go).
import { compareStrings } from '../endpoints';

export type NftFamily = 'ip' | 'ip6';

export interface NftChain {
  name: string;
  /** Base chains only: `type filter hook prerouting priority -110`. */
  base?: { type: 'filter' | 'nat'; hook: string; priority: number };
  comment?: string;
  /** Rule text as written after the chain name (a trailing `comment "…"` included). */
  rules: string[];
}

export interface NftElement {
  key: readonly string[];
  /** Maps only: the verdict (`goto service-…`, `drop`). */
  value?: readonly string[];
  comment?: string;
}

export interface NftSet {
  kind: 'set' | 'map';
  name: string;
  /** Sets: the key type; maps: `key : value` types. */
  type: string;
  flags?: readonly string[];
  timeoutSeconds?: number;
  comment?: string;
  /** Keyed by the joined key (`a . b . c`), in the order they were added. */
  elements: Map<string, NftElement>;
}

export interface NftTable {
  family: NftFamily;
  name: string;
  comment: string;
  chains: Map<string, NftChain>;
  /** Sets and maps share one namespace in nftables. */
  sets: Map<string, NftSet>;
}

export function joinElementKey(key: readonly string[]): string {
  return key.join(' . ');
}

export function cloneTable(table: NftTable): NftTable {
  const chains = new Map<string, NftChain>();
  for (const [name, c] of table.chains) chains.set(name, { ...c, rules: [...c.rules] });
  const sets = new Map<string, NftSet>();
  for (const [name, s] of table.sets) sets.set(name, { ...s, elements: new Map(s.elements) });
  return { ...table, chains, sets };
}

function quote(text: string): string {
  return `"${text}"`;
}

/** `ip kube-proxy`: the two tables kube-proxy writes get a constant, not a new string per statement (a 10k-Service sync writes ~240k). */
function prefix(table: NftTable): string {
  if (table.name === 'kube-proxy') return table.family === 'ip' ? 'ip kube-proxy' : 'ip6 kube-proxy';
  return `${table.family} ${table.name}`;
}

export function tableLine(table: NftTable): string {
  return `add table ${prefix(table)} { comment ${quote(table.comment)} ; }`;
}

export function chainLine(table: NftTable, chain: NftChain): string {
  if (chain.base === undefined && chain.comment === undefined)
    return `add chain ${prefix(table)} ${chain.name}`;
  const props: string[] = [];
  if (chain.base)
    props.push(`type ${chain.base.type} hook ${chain.base.hook} priority ${chain.base.priority}`);
  if (chain.comment !== undefined) props.push(`comment ${quote(chain.comment)}`);
  const tail = props.length > 0 ? ` { ${props.map((p) => `${p} ; `).join('')}}` : '';
  return `add chain ${prefix(table)} ${chain.name}${tail}`;
}

export function ruleLine(table: NftTable, chain: string, rule: string): string {
  return `add rule ${prefix(table)} ${chain} ${rule}`;
}

export function setLine(table: NftTable, set: NftSet): string {
  const props = [`type ${set.type}`];
  if (set.flags && set.flags.length > 0) props.push(`flags ${set.flags.join(',')}`);
  if (set.timeoutSeconds !== undefined) props.push(`timeout ${set.timeoutSeconds}s`);
  if (set.comment !== undefined) props.push(`comment ${quote(set.comment)}`);
  return `add ${set.kind} ${prefix(table)} ${set.name} { ${props.map((p) => `${p} ; `).join('')}}`;
}

export function elementLine(table: NftTable, set: NftSet, element: NftElement): string {
  let body = joinElementKey(element.key);
  if (element.comment !== undefined) body += ` comment ${quote(element.comment)}`;
  if (element.value !== undefined) body += ` : ${joinElementKey(element.value)}`;
  return `add element ${prefix(table)} ${set.name} { ${body} }`;
}

function byName<T extends { name: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => compareStrings(a.name, b.name));
}

/**
 * The table as knftables Fake.Dump() prints it: every statement after the objects it
 * names, so `nft -f` loads it (each line ends with "\n").
 */
export function dumpTable(table: NftTable): string {
  const chains = byName(table.chains.values());
  const sets = byName(table.sets.values());
  const lines = [tableLine(table)];
  for (const c of chains) lines.push(chainLine(table, c));
  for (const s of sets) if (s.kind === 'set') lines.push(setLine(table, s));
  for (const s of sets) if (s.kind === 'map') lines.push(setLine(table, s));
  for (const c of chains) for (const r of c.rules) lines.push(ruleLine(table, c.name, r));
  for (const s of sets)
    if (s.kind === 'set') for (const e of s.elements.values()) lines.push(elementLine(table, s, e));
  for (const s of sets)
    if (s.kind === 'map') for (const e of s.elements.values()) lines.push(elementLine(table, s, e));
  return lines.map((l) => `${l}\n`).join('');
}

/** helpers_test.go objectOrder: higher sorts first. */
const objectOrder: Readonly<Record<string, number>> = {
  table: 10,
  chain: 9,
  rule: 8,
  set: 7,
  map: 6,
  element: 5,
};

/**
 * Upstream's sortNFTablesTransaction: blank and `#` lines dropped, then a stable sort by
 * object type (table, chain, rule, set, map, element), object name (the 5th word), and the
 * whole line, except that rules keep their order within a chain. Lines joined by "\n".
 */
export function sortNFTablesTransaction(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const keyed = lines.map((line, index) => ({ line, index, ...sortWords(line) }));
  keyed.sort((a, b) => {
    const c = compareLines(a, b);
    return c !== 0 ? c : a.index - b.index;
  });
  return keyed.map((k) => k.line).join('\n');
}

/** The 2nd and 5th space-separated words (object type and name); short = fewer than 5 words. */
function sortWords(line: string): { type: string; name: string; short: boolean } {
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(' ', s2 + 1);
  const s4 = s3 < 0 ? -1 : line.indexOf(' ', s3 + 1);
  if (s4 < 0) return { type: '', name: '', short: true };
  const s5 = line.indexOf(' ', s4 + 1);
  return { type: line.slice(s1 + 1, s2), name: line.slice(s4 + 1, s5 < 0 ? line.length : s5), short: false };
}

interface SortKey {
  line: string;
  type: string;
  name: string;
  short: boolean;
}

function compareLines(a: SortKey, b: SortKey): number {
  // Upstream treats a line with fewer than 5 words as equal to everything (every real line has 5).
  if (a.short || b.short) return 0;
  if (a.type !== b.type) return (objectOrder[b.type] ?? 0) - (objectOrder[a.type] ?? 0);
  if (a.name !== b.name) return compareStrings(a.name, b.name);
  if (a.type === 'rule') return 0;
  return compareStrings(a.line, b.line);
}

/** `flush|delete chain ip kube-proxy NAME`. */
export function chainVerbLine(table: NftTable, verb: 'flush' | 'delete', chain: string): string {
  return `${verb} chain ${prefix(table)} ${chain}`;
}

/** `flush|delete set|map ip kube-proxy NAME`. */
export function setVerbLine(
  table: NftTable,
  verb: 'flush' | 'delete',
  kind: NftSet['kind'],
  set: string,
): string {
  return `${verb} ${kind} ${prefix(table)} ${set}`;
}

/** `delete element ip kube-proxy NAME { KEY }`: the key alone names the element. */
export function deleteElementLine(table: NftTable, set: string, key: string): string {
  return `delete element ${prefix(table)} ${set} { ${key} }`;
}
