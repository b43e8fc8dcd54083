// What completion should offer at a cursor in YAML that may be half-typed (so the engine's
// ranges cannot be trusted for the line being written): decided from the text by
// indentation. Pure (no vscode).

export type CompletionSite =
  | { kind: 'selectorKey'; prefix: string }
  | { kind: 'selectorValue'; key: string; prefix: string }
  | { kind: 'targetPort'; prefix: string };

function indentOf(line: string): number {
  return /^\s*/.exec(line)?.[0].length ?? 0;
}

/** Keys of the enclosing mappings, innermost first (`["selector", "spec"]`). */
function parentKeys(lines: readonly string[], lineIndex: number, indent: number): string[] {
  const keys: string[] = [];
  let current = indent;
  for (let i = lineIndex - 1; i >= 0 && current > 0; i--) {
    const text = lines[i] ?? '';
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    if (/^---/.test(text)) break;
    const ind = indentOf(text);
    if (ind < current) {
      const m = /^\s*(?:-\s+)?([^\s:#][^:#]*?)\s*:\s*$/.exec(text);
      keys.push(m?.[1] ?? '');
      current = ind;
    }
  }
  return keys;
}

/** `kind:` of the YAML document holding `lineIndex` (documents split on `---`). */
export function documentKind(lines: readonly string[], lineIndex: number): string | undefined {
  let start = lineIndex;
  while (start > 0 && !/^---/.test(lines[start] ?? '')) start--;
  for (let i = start; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (i > lineIndex && /^---/.test(text)) break;
    const m = /^kind:\s*["']?([A-Za-z]+)/.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

/** `character` is the 0-based cursor column on `lines[lineIndex]`. */
export function completionSite(
  lines: readonly string[],
  lineIndex: number,
  character: number,
): CompletionSite | undefined {
  const line = (lines[lineIndex] ?? '').slice(0, character);
  if (documentKind(lines, lineIndex) !== 'Service') return undefined;
  const indent = indentOf(line);
  const targetPort = /^\s*(?:-\s+)?targetPort:\s*["']?([\w-]*)$/.exec(line);
  if (targetPort) {
    const parents = parentKeys(lines, lineIndex, indent);
    if (parents[0] === 'ports' || parents[0] === '')
      return { kind: 'targetPort', prefix: targetPort[1] ?? '' };
  }
  const parents = parentKeys(lines, lineIndex, indent);
  if (parents[0] !== 'selector' || parents[1] !== 'spec') return undefined;
  const value = /^\s*([\w./-]+):\s*["']?([\w.-]*)$/.exec(line);
  if (value) return { kind: 'selectorValue', key: value[1] ?? '', prefix: value[2] ?? '' };
  const key = /^\s*([\w./-]*)$/.exec(line);
  if (key) return { kind: 'selectorKey', prefix: key[1] ?? '' };
  return undefined;
}
