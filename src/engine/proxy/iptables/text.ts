// The iptables-save / iptables-restore text format, read once for every use: the tracer
// (rules compiled into matches), upstream's canonical sort and the diff (rules kept as
// written), and the save view of a sync. Lines keep their numbers; problems are listed
// with them and the rest is still read.
import type { Token } from './tokenize';
import { tokenize } from './tokenize';

/** Chains the kernel creates in each table; they have a policy in iptables-save. */
export const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface TextRule {
  /** 1-based line in the text. */
  line: number;
  /** The line as written, without `[pkts:bytes]` counters, trimmed. */
  raw: string;
  /** Everything after `-A CHAIN` (or `-I CHAIN [n]`), as written. */
  text: string;
  /** The tokens after `-A CHAIN` (or `-I CHAIN [n]`), quotes removed. */
  args: Token[];
}

export interface TextChain {
  name: string;
  /** `ACCEPT`/`DROP` for built-in chains, null for user chains (`-` in the text). */
  policy: string | null;
  /** `[pkts:bytes]` of the declaration; `[0:0]` when it has none. */
  counters: string;
  /** Line of the `:CHAIN` or `-N CHAIN` declaration; null when only rules name it. */
  line: number | null;
  rules: TextRule[];
  /** A `-X CHAIN` line (restore input only). */
  deleted: boolean;
}

export interface TextTable {
  name: string;
  line: number;
  /** Declaration order. */
  chains: TextChain[];
}

export interface TextProblem {
  line: number;
  /** The line as written (for the range of a diagnostic). */
  raw: string;
  message: string;
  /**
   * `structure`: the text is not iptables-save output at all (outside a table, no COMMIT,
   * a line of no known kind); `rule`: a rule or declaration that iptables-restore refuses.
   */
  kind: 'structure' | 'rule';
}

export interface IptablesText {
  tables: TextTable[];
  problems: TextProblem[];
}

const COUNTERS = /^\[\d+:\d+\]\s+/;
const DECLARATION = /^:(\S+)\s+(\S+)(?:\s+(\[\d+:\d+\]))?$/;

export function parseIptablesText(text: string): IptablesText {
  const out: IptablesText = { tables: [], problems: [] };
  const lines = text.split(/\r?\n/);
  let table: TextTable | null = null;
  // Chain lookup by name per table: dumps of big clusters hold tens of thousands of chains.
  const index = new Map<TextTable, Map<string, TextChain>>();
  const problem = (line: number, raw: string, message: string, kind: TextProblem['kind']): void => {
    out.problems.push({ line, raw, message: `line ${line}: ${message}`, kind });
  };
  const chainOf = (t: TextTable, name: string, line: number | null): TextChain => {
    let chains = index.get(t);
    if (!chains) {
      chains = new Map();
      index.set(t, chains);
    }
    let chain = chains.get(name);
    if (chain === undefined) {
      chain = { name, policy: null, counters: '[0:0]', line, rules: [], deleted: false };
      t.chains.push(chain);
      chains.set(name, chain);
    }
    return chain;
  };
  const declared = (t: TextTable, name: string): TextChain | undefined => index.get(t)?.get(name);

  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const raw = lines[n] ?? '';
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // `iptables-save -c` prefixes rules with their counters.
    const counters = COUNTERS.exec(line);
    if (counters !== null) line = line.slice(counters[0].length);

    if (line.startsWith('*')) {
      if (table !== null)
        problem(
          lineNo,
          raw,
          `table ${line.slice(1)} starts before COMMIT of table ${table.name}`,
          'structure',
        );
      const name = line.slice(1).trim();
      table = out.tables.find((t) => t.name === name) ?? null;
      if (table === null) {
        table = { name, line: lineNo, chains: [] };
        out.tables.push(table);
      }
      continue;
    }
    if (table === null) {
      problem(lineNo, raw, `"${line}" is outside a table (missing "*filter"/"*nat" line?)`, 'structure');
      continue;
    }
    if (line === 'COMMIT') {
      table = null;
      continue;
    }
    if (line.startsWith(':')) {
      const m = DECLARATION.exec(line);
      if (m === null) {
        problem(lineNo, raw, `bad chain declaration "${line}"`, 'structure');
        continue;
      }
      const chain = chainOf(table, m[1] ?? '', lineNo);
      chain.line = lineNo;
      chain.policy = m[2] === '-' ? null : (m[2] ?? null);
      if (m[3] !== undefined) chain.counters = m[3];
      continue;
    }
    const { tokens, error } = tokenize(line);
    if (error !== null) problem(lineNo, raw, error, 'rule');
    const command = tokens[0]?.text ?? '';
    const chainName = tokens[1]?.text;
    if (command === '-A' || command === '--append' || command === '-I' || command === '--insert') {
      if (chainName === undefined) {
        problem(lineNo, raw, `${command} needs a chain name`, 'rule');
        continue;
      }
      const existing = declared(table, chainName);
      if (existing === undefined && !(BUILTIN_CHAINS[table.name] ?? []).includes(chainName)) {
        problem(
          lineNo,
          raw,
          `rule for chain ${chainName}, which is not declared in table ${table.name}`,
          'rule',
        );
      }
      const chain = existing ?? chainOf(table, chainName, null);
      if (chain.deleted)
        problem(lineNo, raw, `rule for chain ${chainName}, which was deleted with -X`, 'rule');
      let args = tokens.slice(2);
      let position = chain.rules.length;
      let skip = 2;
      if (command === '-I' || command === '--insert') {
        const first = args[0]?.text ?? '';
        const numbered = /^\d+$/.test(first);
        if (numbered) {
          args = args.slice(1);
          skip = 3;
        }
        position = Math.max(0, Math.min((numbered ? Number(first) : 1) - 1, chain.rules.length));
      }
      chain.rules.splice(position, 0, { line: lineNo, raw: line, text: afterWords(line, skip), args });
      continue;
    }
    if (command === '-N' || command === '--new-chain') {
      if (chainName === undefined) problem(lineNo, raw, '-N needs a chain name', 'rule');
      else chainOf(table, chainName, lineNo);
      continue;
    }
    if (command === '-X' || command === '--delete-chain') {
      if (chainName === undefined) {
        problem(lineNo, raw, '-X without a chain name is not supported', 'rule');
        continue;
      }
      const chain = chainOf(table, chainName, lineNo);
      if (chain.rules.length > 0)
        problem(lineNo, raw, `cannot delete chain ${chainName} after adding rules`, 'rule');
      chain.deleted = true;
      continue;
    }
    problem(lineNo, raw, `unsupported line "${line}"`, 'structure');
  }
  if (table !== null) {
    const open: TextTable = table;
    problem(lines.length, '', `table ${open.name} has no COMMIT line`, 'structure');
  }
  return out;
}

/** The text after the first `count` whitespace-separated words, as written. */
function afterWords(line: string, count: number): string {
  let i = 0;
  for (let w = 0; w < count; w++) {
    while (i < line.length && /\s/.test(line.charAt(i))) i++;
    while (i < line.length && !/\s/.test(line.charAt(i))) i++;
  }
  while (i < line.length && /\s/.test(line.charAt(i))) i++;
  return line.slice(i);
}
