// Parses iptables-save output or iptables-restore input. Reports problems as
// diagnostics with line numbers and keeps going, so a pasted dump with one odd
// line still traces.
import type { Diagnostic, SourceRange } from '../model';
import type { IptablesChain, IptablesDump, IptablesRule, IptablesTable } from './dump';
import { compileRule } from './ruleSpec';
import { tokenize } from './tokenize';

/** Chains the kernel creates in each table; they have a policy in iptables-save. */
export const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function parseIptablesSave(text: string, file?: string): IptablesDump {
  const fileName = file ?? null;
  const dump: IptablesDump = { file: fileName, tables: [], errors: [] };
  const lines = text.split(/\r?\n/);
  let table: IptablesTable | null = null;
  const index = new Map<IptablesTable, Map<string, IptablesChain>>();
  const chainsOf = (t: IptablesTable): Map<string, IptablesChain> => {
    let m = index.get(t);
    if (m === undefined) {
      m = new Map();
      index.set(t, m);
    }
    return m;
  };

  const rangeOf = (lineNo: number, raw: string): SourceRange | null =>
    fileName === null
      ? null
      : { file: fileName, line: lineNo, column: 1, endLine: lineNo, endColumn: raw.length + 1 };
  const error = (lineNo: number, raw: string, message: string): void => {
    dump.errors.push({
      range: rangeOf(lineNo, raw) ?? {
        file: '',
        line: lineNo,
        column: 1,
        endLine: lineNo,
        endColumn: raw.length + 1,
      },
      severity: 'error',
      code: 'iptables-parse',
      message: `line ${lineNo}: ${message}`,
    });
  };
  const chainOf = (t: IptablesTable, name: string, lineNo: number | null): IptablesChain => {
    let chain = chainsOf(t).get(name);
    if (chain === undefined) {
      chain = { name, policy: null, line: lineNo, rules: [], deleted: false };
      t.chains.push(chain);
      chainsOf(t).set(name, chain);
    }
    return chain;
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    // `iptables-save -c` prefixes rules with their counters.
    const counters = /^\[\d+:\d+\]\s+/.exec(line);
    if (counters !== null) line = line.slice(counters[0].length);

    if (line.startsWith('*')) {
      if (table !== null)
        error(lineNo, raw, `table ${line.slice(1)} starts before COMMIT of table ${table.name}`);
      const name = line.slice(1).trim();
      table = dump.tables.find((t) => t.name === name) ?? null;
      if (table === null) {
        table = { name, line: lineNo, chains: [] };
        dump.tables.push(table);
      }
      return;
    }
    if (table === null) {
      error(lineNo, raw, `"${line}" outside a table (missing "*filter"/"*nat" line?)`);
      return;
    }
    if (line === 'COMMIT') {
      table = null;
      return;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?$/.exec(line);
      if (m === null) {
        error(lineNo, raw, `bad chain declaration "${line}"`);
        return;
      }
      const chain = chainOf(table, m[1] ?? '', lineNo);
      chain.line = lineNo;
      chain.policy = m[2] === '-' ? null : (m[2] ?? null);
      return;
    }
    const { tokens, error: tokenError } = tokenize(line);
    if (tokenError !== null) error(lineNo, raw, tokenError);
    const command = tokens[0]?.text ?? '';
    const chainName = tokens[1]?.text;
    if (command === '-A' || command === '--append' || command === '-I' || command === '--insert') {
      if (chainName === undefined) {
        error(lineNo, raw, `${command} needs a chain name`);
        return;
      }
      const existing = chainsOf(table).get(chainName);
      if (existing === undefined && !(BUILTIN_CHAINS[table.name] ?? []).includes(chainName)) {
        error(lineNo, raw, `rule for chain ${chainName}, which is not declared in table ${table.name}`);
      }
      const chain = existing ?? chainOf(table, chainName, null);
      if (chain.deleted) error(lineNo, raw, `rule for chain ${chainName}, which was deleted with -X`);
      let argTokens = tokens.slice(2);
      let position = chain.rules.length;
      if (command === '-I' || command === '--insert') {
        const n = /^\d+$/.test(argTokens[0]?.text ?? '') ? Number(argTokens[0]?.text) : 1;
        if (/^\d+$/.test(argTokens[0]?.text ?? '')) argTokens = argTokens.slice(1);
        position = Math.max(0, Math.min(n - 1, chain.rules.length));
      }
      const compiled = compileRule(argTokens);
      for (const e of compiled.errors) error(lineNo, raw, e);
      const rule: IptablesRule = {
        chain: chainName,
        line: lineNo,
        text: line.replace(/^\S+\s+\S+\s*/, ''),
        args: argTokens.map((t) => t.text),
        matches: compiled.matches,
        target: compiled.target,
        source: rangeOf(lineNo, raw),
      };
      chain.rules.splice(position, 0, rule);
      return;
    }
    if (command === '-N' || command === '--new-chain') {
      if (chainName === undefined) error(lineNo, raw, '-N needs a chain name');
      else chainOf(table, chainName, lineNo);
      return;
    }
    if (command === '-X' || command === '--delete-chain') {
      if (chainName === undefined) {
        error(lineNo, raw, '-X without a chain name is not supported');
        return;
      }
      const chain = chainOf(table, chainName, lineNo);
      if (chain.rules.length > 0) error(lineNo, raw, `cannot delete chain ${chainName} after adding rules`);
      chain.deleted = true;
      return;
    }
    error(lineNo, raw, `unsupported line "${line}"`);
  });
  if (table !== null) {
    const open: IptablesTable = table;
    error(lines.length, '', `table ${open.name} has no COMMIT line`);
  }
  return dump;
}

/** A Diagnostic-free summary helper for callers that only want to know whether parsing was clean. */
export function hasParseErrors(dump: IptablesDump): boolean {
  return dump.errors.some((d: Diagnostic) => d.severity === 'error');
}
