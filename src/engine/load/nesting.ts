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
const HASH = 35;
const DOUBLE_QUOTE = 34;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const SPECIAL = /[[\]{}"'#]/g;

const isBlank = (c: number): boolean => c === SPACE || c === TAB;
/** After these a quote starts a quoted scalar: blanks, `,` `:` `-` `?` and flow openers. */
const startsToken = (c: number): boolean =>
  c === SPACE ||
  c === TAB ||
  c === 44 ||
  c === 58 ||
  c === 45 ||
  c === 63 ||
  c === OPEN_BRACKET ||
  c === OPEN_BRACE;

function indexOrEnd(text: string, c: string, from: number): number {
  const i = text.indexOf(c, from);
  return i < 0 ? text.length : i;
}

/** The first place `text` nests deeper than `limit` levels, or null. */
export function findExcessiveNesting(text: string, limit: number): NestingExcess | null {
  const n = text.length;
  const indents: number[] = [];
  let flow = 0;
  /** Indentation of the line that opened a block scalar; deeper lines are its text. */
  let scalarParent = -1;
  let lineStart = 0;
  // Next positions of a character that matters in a line, of `|` and of `>` (each search
  // runs again only once the scan has passed it: linear overall).
  let nextSpecial = -1;
  let nextBar = -1;
  let nextAngle = -1;
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
    // Flow collections and quoted scalars within the line: jump from one character that
    // matters ([ ] { } quotes #) to the next instead of looking at every character.
    const scanStart = k;
    while (k < lineEnd) {
      if (nextSpecial < k) {
        SPECIAL.lastIndex = k;
        nextSpecial = SPECIAL.exec(text)?.index ?? n;
      }
      if (nextSpecial >= lineEnd) break;
      k = nextSpecial;
      const c = text.charCodeAt(k);
      if (c === OPEN_BRACKET || c === OPEN_BRACE) {
        flow++;
        if (indents.length + flow > limit) return { offset: k, depth: indents.length + flow };
      } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
        if (flow > 0) flow--;
      } else if (c === HASH) {
        if (k === lineStart || isBlank(text.charCodeAt(k - 1))) break;
      } else if (k === scanStart || startsToken(text.charCodeAt(k - 1))) {
        // A quoted scalar (a quote inside a word is just a character).
        const close =
          c === DOUBLE_QUOTE ? findDoubleQuoteEnd(text, k + 1, lineEnd) : text.indexOf("'", k + 1);
        if (close < 0 || close >= lineEnd) break; // a multi-line quoted scalar: ignore the rest of the line
        k = close;
      }
      k++;
    }
    if (flow === 0) {
      // Only a line with | or > can open a block scalar.
      if (nextBar < j) nextBar = indexOrEnd(text, '|', j);
      if (nextAngle < j) nextAngle = indexOrEnd(text, '>', j);
      if (
        (nextBar < lineEnd || nextAngle < lineEnd) &&
        /(?:^|[\s:-])[|>][-+0-9]*[ \t]*(?:#.*)?\r?$/.test(text.slice(j, lineEnd))
      ) {
        scalarParent = indent;
      }
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
