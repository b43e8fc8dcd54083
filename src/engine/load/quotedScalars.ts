// go-yaml's leniency for quoted scalars that span lines.
//
// go-yaml (libyaml's scanner, yaml_parser_scan_flow_scalar) reads a single- or
// double-quoted scalar up to its closing quote whatever the indentation of its
// continuation lines: it only refuses a document indicator (--- or ...) at column 0
// and the end of the stream. yaml follows the YAML spec and ends the scalar at the first
// line indented no deeper than its parent, then reports "Missing closing 'quote". Real
// manifests rely on go-yaml's reading, e.g. an annotation holding a JSON array whose
// closing `]'` sits at the key's own indentation (Sock Shop's Grafana import Job).
//
// The repair: indent those continuation lines (spaces at the start of a line inside a
// quoted scalar are dropped by line folding, so the value is what go-yaml reads) and
// parse again. Offsets in the repaired text map back with `toOriginal`.
import { Lexer } from 'yaml';
import type { Document } from 'yaml';

/** Spaces inserted into the text: `count` spaces starting at `at` in the repaired text. */
interface Insertion {
  readonly at: number;
  readonly count: number;
}

/** Markers the lexer emits that are no characters of the source (yaml's CST DOCUMENT, FLOW_END, SCALAR). */
const ZERO_WIDTH = new Set(['\x02', '\x18', '\x1f']);

/** At most this many repair rounds: a round re-lexes the whole text. */
const MAX_ROUNDS = 16;

function hasUnclosedQuote(docs: readonly Document.Parsed[]): boolean {
  return docs.some((d) => d.errors.some((e) => e.code === 'MISSING_CHAR' && /quote/.test(e.message)));
}

/**
 * Where go-yaml closes the quoted scalar that opens at `start`: the offset of its closing
 * quote, or -1 where go-yaml fails too (a document indicator at column 0, the end of input).
 */
function goYamlClose(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      const dt = text.slice(i + 1, i + 4);
      const after = text[i + 4];
      if ((dt === '---' || dt === '...') && (after === undefined || /[ \t\r\n]/.test(after))) return -1;
      continue;
    }
    if (quote === "'") {
      if (ch === "'") {
        if (text[i + 1] === "'") i++;
        else return i;
      }
    } else if (ch === '\\') {
      i++;
    } else if (ch === '"') {
      return i;
    }
  }
  return -1;
}

function columnOf(text: string, at: number): number {
  return at - (text.lastIndexOf('\n', at - 1) + 1);
}

/**
 * One round: every quoted scalar yaml's lexer ends before go-yaml's closing quote gets its
 * continuation lines indented to the column of its opening quote. Null when none needs it.
 */
function repairRound(text: string): { text: string; inserted: Insertion[] } | null {
  const edits: { at: number; count: number }[] = [];
  let offset = 0;
  let skipUntil = -1;
  for (const token of new Lexer().lex(text)) {
    const at = offset;
    if (!ZERO_WIDTH.has(token)) offset += token.length;
    if (at <= skipUntil) continue;
    const first = token[0];
    if (first !== "'" && first !== '"') continue;
    const close = goYamlClose(text, at);
    if (close < 0 || close < at + token.length - 1) continue;
    // yaml's token ends before go-yaml's closing quote: indent the lines up to it.
    const need = columnOf(text, at);
    for (let nl = text.indexOf('\n', at); nl >= 0 && nl < close; nl = text.indexOf('\n', nl + 1)) {
      let indent = 0;
      while (text[nl + 1 + indent] === ' ') indent++;
      if (indent < need) edits.push({ at: nl + 1, count: need - indent });
    }
    skipUntil = close;
  }
  if (edits.length === 0) return null;
  let out = '';
  let from = 0;
  let shift = 0;
  const inserted: Insertion[] = [];
  for (const e of edits) {
    out += text.slice(from, e.at) + ' '.repeat(e.count);
    inserted.push({ at: e.at + shift, count: e.count });
    shift += e.count;
    from = e.at;
  }
  return { text: out + text.slice(from), inserted };
}

/**
 * Parses with go-yaml's reading of multi-line quoted scalars: when yaml reports an unclosed
 * quote that go-yaml would close, the repaired text and its documents; otherwise null.
 */
export function parseWithGoYamlQuotes(
  text: string,
  docs: Document.Parsed[],
  parse: (source: string) => Document.Parsed[],
): { text: string; toOriginal: (at: number) => number; docs: Document.Parsed[] } | null {
  if (!hasUnclosedQuote(docs)) return null;
  let current = text;
  const rounds: Insertion[][] = [];
  let parsed = docs;
  for (let round = 0; round < MAX_ROUNDS && hasUnclosedQuote(parsed); round++) {
    const repaired = repairRound(current);
    if (!repaired) break;
    rounds.push(repaired.inserted);
    current = repaired.text;
    parsed = parse(current);
  }
  if (rounds.length === 0) return null;
  const maps = rounds.map(offsetMap).reverse();
  return { text: current, toOriginal: (at) => maps.reduce((x, map) => map(x), at), docs: parsed };
}

/**
 * Offsets of a repaired text mapped to the text before the round: an offset inside
 * inserted spaces maps to where they were put.
 */
function offsetMap(inserted: readonly Insertion[]): (at: number) => number {
  const before: number[] = [];
  let sum = 0;
  for (const e of inserted) {
    before.push(sum);
    sum += e.count;
  }
  return (at) => {
    // The last insertion that starts before `at`.
    let lo = 0;
    let hi = inserted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((inserted[mid] as Insertion).at < at) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return at;
    const e = inserted[lo - 1] as Insertion;
    return at - (before[lo - 1] as number) - Math.min(e.count, at - e.at);
  };
}
