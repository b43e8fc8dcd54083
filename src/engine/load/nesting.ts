// A linear pre-scan for YAML nested too deeply to parse safely. The yaml parser
// takes time quadratic in the nesting depth (100,000 `[` cost seconds) and its
// composer recurses once per level (a stack overflow near 1,000 levels), so a
// planted `[[[[…` or `- - - -…` would stall the editor before failing. Kubernetes
// objects nest a few dozen levels at most (deep CRD schemas: about 60).
//
// The count is an upper-bound estimate, not a YAML parser: block levels are the
// stack of increasing indentations (plus compact `- ` / `? ` indicators on one
// line), flow levels the open `[` and `{` outside quoted scalars and comments.
// Block scalar bodies (`|`, `>`) are skipped, so embedded JSON or scripts do not
// count. It resets at document markers.

export interface NestingExcess {
  /** Offset of the first character past the limit. */
  offset: number;
  depth: number;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;

/** The first place `text` nests deeper than `limit` levels, or null. */
export function findExcessiveNesting(text: string, limit: number): NestingExcess | null {
  const n = text.length;
  const indents: number[] = [];
  let flow = 0;
  /** Indentation of the line that opened a block scalar; deeper lines are its text. */
  let scalarParent = -1;
  let lineStart = 0;
  while (lineStart < n) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = n;
    let j = lineStart;
    while (j < lineEnd && text.charCodeAt(j) === SPACE) j++;
    const indent = j - lineStart;
    const first = text.charCodeAt(j);
    const blank = j >= lineEnd || first === CR || (first === 35 && flow === 0); // '#'
    if (scalarParent >= 0) {
      if (blank || indent > scalarParent) {
        lineStart = lineEnd + 1;
        continue;
      }
      scalarParent = -1;
    }
    if (blank) {
      lineStart = lineEnd + 1;
      continue;
    }
    if (indent === 0 && (text.startsWith('---', j) || text.startsWith('...', j))) {
      const next = text.charCodeAt(j + 3);
      if (Number.isNaN(next) || next === SPACE || next === TAB || next === CR || j + 3 === lineEnd) {
        indents.length = 0;
        flow = 0;
        lineStart = lineEnd + 1;
        continue;
      }
    }
    let k = j;
    if (flow === 0) {
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= indent) indents.pop();
      indents.push(indent);
      // Compact nesting on one line: `- - - x`, `? - x`.
      while (
        k + 1 < lineEnd &&
        (text[k] === '-' || text[k] === '?') &&
        (text.charCodeAt(k + 1) === SPACE || text.charCodeAt(k + 1) === TAB)
      ) {
        k += 2;
        while (k < lineEnd && text.charCodeAt(k) === SPACE) k++;
        indents.push(k - lineStart - 1);
        if (indents.length + flow > limit) return { offset: k, depth: indents.length + flow };
      }
      if (indents.length > limit) return { offset: j, depth: indents.length };
    }
    // Flow collections and quoted scalars within the line.
    let tokenStart = true;
    for (; k < lineEnd; k++) {
      const c = text[k];
      if (c === '[' || c === '{') {
        flow++;
        if (indents.length + flow > limit) return { offset: k, depth: indents.length + flow };
        tokenStart = true;
        continue;
      }
      if (c === ']' || c === '}') {
        if (flow > 0) flow--;
        tokenStart = false;
        continue;
      }
      if ((c === '"' || c === "'") && tokenStart) {
        const close = c === '"' ? findDoubleQuoteEnd(text, k + 1, lineEnd) : text.indexOf("'", k + 1);
        if (close < 0 || close >= lineEnd) break; // a multi-line quoted scalar: ignore the rest of the line
        k = close;
        tokenStart = false;
        continue;
      }
      if (
        c === '#' &&
        (k === lineStart || text.charCodeAt(k - 1) === SPACE || text.charCodeAt(k - 1) === TAB)
      ) {
        break;
      }
      tokenStart = c === ' ' || c === '\t' || c === ',' || c === ':' || c === '-' || c === '?';
    }
    if (flow === 0 && /(?:^|[\s:-])[|>][-+0-9]*[ \t]*(?:#.*)?\r?$/.test(text.slice(j, lineEnd))) {
      scalarParent = indent;
    }
    lineStart = lineEnd + 1;
  }
  return null;
}

function findDoubleQuoteEnd(text: string, from: number, lineEnd: number): number {
  for (let i = from; i < lineEnd; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i;
  }
  return -1;
}
