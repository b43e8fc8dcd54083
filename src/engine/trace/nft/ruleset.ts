// An nftables ruleset as `nft list ruleset` / `nft list table` print it, as plain data:
// tables → chains (base chain hook, priority, policy) → rules (their tokens, with line and
// column), and named sets and maps with their elements. What a rule means is decided by the
// interpreter (`compile.ts`); the parser only knows the block structure.
import type { Diagnostic } from '../../model';

export type NftTableFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface NftToken {
  /** The text; a quoted string without its quotes. */
  text: string;
  kind: 'word' | 'string' | 'punct';
  line: number;
  column: number;
  /** Offsets of the token in the text (quotes included). */
  start: number;
  end: number;
}

export interface NftRulesetRule {
  chain: string;
  /** 1-based line and column of the rule's first token in the ruleset text. */
  line: number;
  column: number;
  /** The rule as written (runs of white space as one space). */
  text: string;
  tokens: readonly NftToken[];
}

export interface NftBaseChain {
  type: string;
  hook: string;
  /** The priority as a number (`dstnat - 10` → -110). */
  priority: number;
  /** As written (`dstnat - 10`). */
  priorityText: string;
  policy: 'accept' | 'drop';
}

export interface NftRulesetChain {
  name: string;
  line: number;
  base: NftBaseChain | null;
  comment: string | null;
  rules: NftRulesetRule[];
}

export interface NftRulesetElement {
  /** One text per part of a concatenated key (`172.30.0.41 . tcp . 80` → three). */
  key: readonly string[];
  /** Maps: the value tokens (`goto`, `service-…`); null for sets. */
  value: readonly string[] | null;
  comment: string | null;
  line: number;
}

export interface NftRulesetSet {
  kind: 'set' | 'map';
  name: string;
  line: number;
  /** The key's types (`ipv4_addr`, `inet_proto`, …), one per concatenated part; [] with `typeof`. */
  keyTypes: readonly string[];
  /** Maps: `verdict`, `ipv4_addr`, …; null for sets. */
  valueType: string | null;
  flags: readonly string[];
  elements: NftRulesetElement[];
}

export interface NftRulesetTable {
  family: NftTableFamily;
  name: string;
  line: number;
  chains: Map<string, NftRulesetChain>;
  sets: Map<string, NftRulesetSet>;
}

export interface NftRuleset {
  file: string | null;
  tables: NftRulesetTable[];
  /** Problems in the text (code `nft-parse`, message `line L:C: …`); parsing goes on after them. */
  errors: Diagnostic[];
}

/** The parts of a ruleset a family's packets traverse: `ip`/`ip6` tables, and `inet` for both. */
export function tablesForFamily(ruleset: NftRuleset, family: 'IPv4' | 'IPv6'): NftRulesetTable[] {
  const own = family === 'IPv4' ? 'ip' : 'ip6';
  return ruleset.tables.filter((t) => t.family === own || t.family === 'inet');
}
