// Prints a resource as kustomize's resmap.AsYaml does: resource.AsYAML marshals it to JSON and
// converts that with sigs.k8s.io/yaml JSONToYAML, i.e. the goyaml.v2 encoder over a generic map:
// keys sorted by v2's keyList order, 2-space indent, sequences not indented under their key,
// strings quoted only where v2's resolver would read them as another type, and long scalars
// folded at libyaml's default width of 80 columns.
import { formatFloat } from '../gotemplate/floatFormat';
import type { Value, ValueMap } from './value';
import { isValueMap } from './value';

const BEST_WIDTH = 80;
const INDENT = 2;

/** The YAML text of one resource (no document marker). */
export function emitYaml(v: Value, options: { indentSequences?: boolean } = {}): string {
  const out = new Emitter(options.indentSequences ?? false);
  out.node(v, 0, 'root');
  return out.text.endsWith('\n') ? out.text : `${out.text}\n`;
}

/** Joins resources as resmap.AsYaml does: `---\n` between documents. */
export function emitStream(values: readonly Value[]): string {
  return values.map((v) => emitYaml(v)).join('---\n');
}

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/** goyaml.v2 keyList.Less for string keys: letters compare as runes, digit runs numerically. */
export function v2KeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i] ?? '';
    const y = br[i] ?? '';
    if (x === y) continue;
    const al = isLetter(x);
    const bl = isLetter(y);
    if (al && bl) return x < y;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] ?? ''); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] ?? ''); ai++) an = an * 10 + (ar[ai] ?? '0').charCodeAt(0) - 48;
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] ?? ''); bi++) bn = bn * 10 + (br[bi] ?? '0').charCodeAt(0) - 48;
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return x < y;
  }
  return ar.length < br.length;
}

export function sortedKeys(m: ValueMap): string[] {
  return Object.keys(m).sort((a, b) => (v2KeyLess(a, b) ? -1 : v2KeyLess(b, a) ? 1 : 0));
}

// goyaml.v2 resolve(): the plain scalars that do not read back as strings.
const V2_SPECIAL = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'off',
  'Off',
  'OFF',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '',
  '~',
  'null',
  'Null',
  'NULL',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
  '<<',
]);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$/;

function goParseIntBase0(s: string): boolean {
  return /^[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.test(s);
}

/** Whether goyaml.v2 would write `s` plain (it resolves to a string and is no base-60 float). */
function resolvesToString(s: string): boolean {
  if (V2_SPECIAL.has(s)) return false;
  const c = s.charAt(0);
  if ('+-.0123456789'.includes(c)) {
    const plain = s.replace(/_/g, '');
    if (goParseIntBase0(plain)) return false;
    if (plain.startsWith('-0b') || plain.startsWith('+0b') ? /^[-+]0b[01]+$/.test(plain) : false)
      return false;
    if (YAML_FLOAT.test(plain)) return false;
    if (TIMESTAMP.test(s)) return false;
  }
  if (BASE60_FLOAT.test(s)) return false;
  return true;
}

interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  flowPlain: boolean;
  single: boolean;
  block: boolean;
}

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const isBreakCh = (c: string): boolean =>
  c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlankz = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || isBreakCh(c) || c === '\0';

/** libyaml yaml_emitter_analyze_scalar. */
function analyze(value: string): Analysis {
  if (value.length === 0)
    return { multiline: false, flowPlain: false, blockPlain: true, single: true, block: false };
  const ch = Array.from(value);
  let blockInd = false;
  let flowInd = false;
  if (value.startsWith('---') || value.startsWith('...')) {
    blockInd = true;
    flowInd = true;
  }
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWs = true;
  let followedByWs = isBlankz(ch[1]);
  for (let i = 0; i < ch.length; i++) {
    const c = ch[i] ?? '';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) {
        flowInd = true;
        blockInd = true;
      } else if (c === '?' || c === ':') {
        flowInd = true;
        if (followedByWs) blockInd = true;
      } else if (c === '-' && followedByWs) {
        flowInd = true;
        blockInd = true;
      }
    } else if (',?[]{}'.includes(c)) {
      flowInd = true;
    } else if (c === ':') {
      flowInd = true;
      if (followedByWs) blockInd = true;
    } else if (c === '#' && precededByWs) {
      flowInd = true;
      blockInd = true;
    }
    if (!isPrintable(c.codePointAt(0) ?? 0)) special = true;
    if (isBreakCh(c)) lineBreaks = true;
    const last = i === ch.length - 1;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreakCh(c)) {
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevBreak = true;
      prevSpace = false;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWs = isBlankz(c);
    followedByWs = isBlankz(ch[i + 2]);
  }
  const a: Analysis = { multiline: lineBreaks, flowPlain: true, blockPlain: true, single: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    a.flowPlain = false;
    a.blockPlain = false;
  }
  if (trailingSpace) a.block = false;
  if (breakSpace) {
    a.flowPlain = false;
    a.blockPlain = false;
    a.single = false;
  }
  if (spaceBreak || special) {
    a.flowPlain = false;
    a.blockPlain = false;
    a.single = false;
    a.block = false;
  }
  if (lineBreaks) {
    a.flowPlain = false;
    a.blockPlain = false;
  }
  if (flowInd) a.flowPlain = false;
  if (blockInd) a.blockPlain = false;
  return a;
}

export type Style = 'plain' | 'single' | 'double' | 'literal';

/** The style the printer writes a string in (a key when `simpleKey`). */
export function scalarStyle(s: string, simpleKey: boolean): Style {
  let style: Style = s.includes('\n') ? 'literal' : resolvesToString(s) ? 'plain' : 'double';
  const a = analyze(s);
  if (simpleKey && a.multiline) return 'double';
  if (style === 'plain') {
    if (!a.blockPlain) style = 'single';
    if (s.length === 0 && simpleKey) style = 'single';
  }
  if (style === 'single' && !a.single) style = 'double';
  if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
  return style;
}

/** How the printer writes a number. */
export function formatNumber(n: number): string {
  // JSON carries integral numbers as digits (Go's encoding/json 'f' below 1e21), which
  // goyaml.v2 reads back as an int while int64/uint64 hold it; any other number is a float,
  // written as strconv.FormatFloat(f, 'g', -1, 64) (1.5, 1e+21, 1.2345675e+06).
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 64) return BigInt(n).toString();
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  return formatFloat(n, 'g', -1);
}

class Emitter {
  /** goyaml.v3's encoder indents a sequence under its mapping key (Helm's toYamlPretty). */
  constructor(private readonly indentSequences: boolean) {}

  text = '';
  column = 0;
  /** Whether the last thing written was whitespace (libyaml's emitter.whitespace). */
  whitespace = true;
  indention = true;

  write(s: string): void {
    this.text += s;
    this.column += Array.from(s).length;
    this.whitespace = false;
    this.indention = false;
  }

  space(): void {
    this.write(' ');
    this.whitespace = true;
  }

  writeIndent(indent: number): void {
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.text += '\n';
      this.column = 0;
    }
    if (this.column < indent) {
      this.text += ' '.repeat(indent - this.column);
      this.column = indent;
    }
    this.whitespace = true;
    this.indention = true;
  }

  /** Writes `:`/`-` indicators (need_whitespace before them unless at line start). */
  indicator(s: string, needWs: boolean): void {
    if (needWs && !this.whitespace) this.space();
    this.write(s);
    this.whitespace = false;
    this.indention = this.indention && false;
  }

  node(v: Value, indent: number, ctx: 'root' | 'mapValue' | 'seqItem'): void {
    if (Array.isArray(v)) {
      if (v.length === 0) return this.flowEmpty('[]');
      // Sequences in a mapping are indentless; in a sequence or at the root they are indented.
      const itemIndent = ctx === 'mapValue' && !this.indentSequences ? indent - INDENT : indent;
      for (const item of v) {
        this.writeIndent(Math.max(itemIndent, 0));
        this.indicator('-', true);
        this.indention = true;
        this.whitespace = false;
        this.node(item, Math.max(itemIndent, 0) + INDENT, 'seqItem');
      }
      return;
    }
    if (isValueMap(v)) {
      const keys = sortedKeys(v);
      if (keys.length === 0) return this.flowEmpty('{}');
      let first = true;
      for (const k of keys) {
        if (!(first && ctx === 'seqItem')) this.writeIndent(indent);
        else if (!this.whitespace) this.space();
        first = false;
        this.scalar(k, indent, true);
        this.write(':');
        const child = v[k] ?? null;
        if (
          (Array.isArray(child) && child.length > 0) ||
          (isValueMap(child) && Object.keys(child).length > 0)
        ) {
          this.node(child, indent + INDENT, 'mapValue');
        } else {
          this.node(child, indent + INDENT, 'mapValue');
        }
      }
      return;
    }
    if (ctx === 'root') {
      this.scalarValue(v, 0);
      return;
    }
    this.scalarValue(v, indent);
  }

  flowEmpty(s: string): void {
    if (!this.whitespace) this.space();
    this.write(s);
  }

  scalarValue(v: null | boolean | number | string, indent: number): void {
    if (typeof v === 'string') return this.scalar(v, indent, false);
    if (!this.whitespace) this.space();
    this.write(v === null ? 'null' : typeof v === 'boolean' ? String(v) : formatNumber(v));
  }

  /** A string scalar; `indent` is where folded continuation lines start. */
  scalar(s: string, indent: number, simpleKey: boolean): void {
    const style = scalarStyle(s, simpleKey);
    const allowBreaks = !simpleKey;
    if (style === 'literal') return this.literal(s, indent);
    if (!this.whitespace) this.space();
    const ch = Array.from(s);
    if (style === 'plain') {
      let spaces = false;
      for (let i = 0; i < ch.length; i++) {
        const c = ch[i] ?? '';
        if (c === ' ') {
          if (allowBreaks && !spaces && this.column > BEST_WIDTH && ch[i + 1] !== ' ') {
            this.writeIndent(indent);
          } else {
            this.write(c);
          }
          spaces = true;
        } else {
          this.write(c);
          spaces = false;
        }
      }
      return;
    }
    if (style === 'single') {
      this.write("'");
      let spaces = false;
      let breaks = false;
      for (let i = 0; i < ch.length; i++) {
        const c = ch[i] ?? '';
        if (c === ' ') {
          if (
            allowBreaks &&
            !spaces &&
            this.column > BEST_WIDTH &&
            i !== 0 &&
            i !== ch.length - 1 &&
            ch[i + 1] !== ' '
          ) {
            this.writeIndent(indent);
          } else {
            this.write(c);
          }
          spaces = true;
        } else if (isBreakCh(c)) {
          if (!breaks && c === '\n') {
            this.text += '\n';
            this.column = 0;
          }
          this.text += '\n';
          this.column = 0;
          this.indention = true;
          this.whitespace = true;
          breaks = true;
        } else {
          if (breaks) this.writeIndent(indent);
          this.write(c === "'" ? "''" : c);
          spaces = false;
          breaks = false;
        }
      }
      this.write("'");
      return;
    }
    this.doubleQuoted(ch, indent, allowBreaks);
  }

  doubleQuoted(ch: string[], indent: number, allowBreaks: boolean): void {
    this.write('"');
    let spaces = false;
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i] ?? '';
      const cp = c.codePointAt(0) ?? 0;
      if (!isPrintable(cp) || c === '\ufeff' || isBreakCh(c) || c === '"' || c === '\\') {
        this.write(escape(c, cp));
        spaces = false;
      } else if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== ch.length - 1) {
          this.writeIndent(indent);
          if (ch[i + 1] === ' ') this.write('\\');
        } else {
          this.write(c);
        }
        spaces = true;
      } else {
        this.write(c);
        spaces = false;
      }
    }
    this.write('"');
  }

  literal(s: string, indent: number): void {
    if (!this.whitespace) this.space();
    let hints = '';
    const first = s.charAt(0);
    if (first === ' ' || isBreakCh(first)) hints += String(INDENT);
    if (!s.endsWith('\n')) hints += '-';
    else if (s.length === 1 || isBreakCh(s.charAt(s.length - 2))) hints += '+';
    this.write(`|${hints}`);
    // write_block_scalar_hints then a break; every line at `indent`.
    this.text += '\n';
    this.column = 0;
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const c of Array.from(s)) {
      if (isBreakCh(c)) {
        this.text += '\n';
        this.column = 0;
        this.indention = true;
        this.whitespace = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent(indent);
        this.write(c);
        breaks = false;
      }
    }
  }
}

function escape(c: string, cp: number): string {
  switch (c) {
    case '\0':
      return '\\0';
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\x0b':
      return '\\v';
    case '\f':
      return '\\f';
    case '\r':
      return '\\r';
    case '\x1b':
      return '\\e';
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\u0085':
      return '\\N';
    case '\u00a0':
      return '\\_';
    case '\u2028':
      return '\\L';
    case '\u2029':
      return '\\P';
  }
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}
