// A dump for the tracer: iptables-save output or iptables-restore input, read by the one
// reader of the format (proxy/iptables/text.ts) and each rule compiled into matches.
// Problems become diagnostics with line numbers and the rest is kept, so a pasted dump
// with one odd line still traces.
import type { Diagnostic, SourceRange } from '../model';
import { parseIptablesText } from '../proxy/iptables/text';
import type { IptablesDump } from './dump';
import { compileRule } from './ruleSpec';

export { BUILTIN_CHAINS } from '../proxy/iptables/text';

export function parseIptablesSave(text: string, file?: string): IptablesDump {
  const fileName = file ?? null;
  const rangeOf = (line: number, raw: string): SourceRange => ({
    file: fileName ?? '',
    line,
    column: 1,
    endLine: line,
    endColumn: raw.length + 1,
  });
  const errors: Diagnostic[] = [];
  const error = (line: number, raw: string, message: string): void => {
    errors.push({ range: rangeOf(line, raw), severity: 'error', code: 'iptables-parse', message });
  };
  const parsed = parseIptablesText(text);
  for (const p of parsed.problems) error(p.line, p.raw, p.message);
  const dump: IptablesDump = {
    file: fileName,
    errors,
    tables: parsed.tables.map((t) => ({
      name: t.name,
      line: t.line,
      chains: t.chains.map((c) => ({
        name: c.name,
        policy: c.policy,
        line: c.line,
        deleted: c.deleted,
        rules: c.rules.map((r) => {
          const compiled = compileRule(r.args);
          for (const e of compiled.errors) error(r.line, r.raw, `line ${r.line}: ${e}`);
          return {
            chain: c.name,
            line: r.line,
            text: r.text,
            args: r.args.map((a) => a.text),
            matches: compiled.matches,
            target: compiled.target,
            source: fileName === null ? null : rangeOf(r.line, r.raw),
          };
        }),
      })),
    })),
  };
  errors.sort((a, b) => a.range.line - b.range.line);
  return dump;
}

/** A Diagnostic-free summary helper for callers that only want to know whether parsing was clean. */
export function hasParseErrors(dump: IptablesDump): boolean {
  return dump.errors.some((d: Diagnostic) => d.severity === 'error');
}
