// The parsed form of an iptables-save dump (or of iptables-restore input).
import type { Diagnostic, SourceRange } from '../model';

export interface IptablesDump {
  /** File name used for source ranges; null when the text came from elsewhere. */
  file: string | null;
  tables: IptablesTable[];
  /** Parse problems, with line numbers; the parser never throws. */
  errors: Diagnostic[];
}

export interface IptablesTable {
  name: string;
  line: number;
  /** Declaration order. */
  chains: IptablesChain[];
}

export interface IptablesChain {
  name: string;
  /** `ACCEPT`/`DROP` for built-in chains, null for user chains (`-` in the dump). */
  policy: string | null;
  /** Line of the `:CHAIN` declaration; null if the chain was only referenced by `-A`/`-N`. */
  line: number | null;
  rules: IptablesRule[];
  /** A `-X CHAIN` line (restore input only). */
  deleted: boolean;
}

export interface IptablesRule {
  chain: string;
  line: number;
  /** Everything after `-A CHAIN`, as written. */
  text: string;
  /** Tokens after `-A CHAIN`, quotes removed. */
  args: string[];
  matches: RuleMatch[];
  target: RuleTarget | null;
  source: SourceRange | null;
}

export type AddressField = 'source' | 'destination';

/** One condition of a rule; `text` is how it was written (for messages). */
export type RuleMatch =
  | { kind: 'address'; field: AddressField; negated: boolean; value: string; text: string }
  | { kind: 'protocol'; negated: boolean; protocol: string; text: string }
  | { kind: 'port'; negated: boolean; from: number; to: number; text: string }
  | { kind: 'syn'; negated: boolean; text: string }
  | { kind: 'addrtype'; field: AddressField; negated: boolean; types: string[]; text: string }
  | { kind: 'comment'; comment: string; text: string }
  | { kind: 'statistic'; negated: boolean; probability: number; text: string }
  | {
      kind: 'recent';
      negated: boolean;
      mode: 'set' | 'rcheck' | 'update' | 'remove';
      name: string;
      text: string;
    }
  | { kind: 'mark'; negated: boolean; value: number; mask: number; text: string }
  | { kind: 'ctstate'; negated: boolean; states: string[]; text: string }
  | { kind: 'nfacct'; name: string; text: string }
  | { kind: 'unsupported'; what: string; text: string };

export interface RuleTarget {
  /** `-g` jumps without a return to this chain. */
  goto: boolean;
  name: string;
  /** Target options in order, e.g. `--to-destination` → [`10.0.0.1:80`]. */
  options: { name: string; values: string[] }[];
}

export function findTable(dump: IptablesDump, name: string): IptablesTable | undefined {
  return dump.tables.find((t) => t.name === name);
}

export function findChain(table: IptablesTable | undefined, name: string): IptablesChain | undefined {
  return table?.chains.find((c) => c.name === name && !c.deleted);
}
