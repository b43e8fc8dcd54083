// The lexer of Go's text/template (parse/lex.go): turns template text into items, with the
// trim markers `{{- ` / ` -}}`, comments, and the action tokens. Positions are UTF-16 offsets
// into the text; lines are 1-based and count the newlines before the item.

export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'comment'
  | 'complex'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', 'dot'],
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['range', 'range'],
  ['nil', 'nil'],
  ['template', 'template'],
  ['with', 'with'],
]);

export function isKeyword(t: ItemType): boolean {
  return t === 'dot' || t === 'nil' || [...KEYWORDS.values()].includes(t);
}

export interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

export interface LexOptions {
  /** `break` / `continue` are keywords unless a function of that name exists. */
  readonly breakOK: boolean;
  readonly continueOK: boolean;
}

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) {
    return (
      code === 95 || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
    );
  }
  return /^[\p{L}\p{Nd}]$/u.test(c);
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === '-';
}

/** Lexes the whole text eagerly (templates are small; the parser backs up at most three items). */
export function lex(text: string, options: LexOptions): Item[] {
  return new Lexer(text, options).run();
}

class Lexer {
  private pos = 0;
  private start = 0;
  private parenDepth = 0;
  private readonly newlines: number[] = [];
  private readonly items: Item[] = [];
  private failed = false;

  constructor(
    private readonly input: string,
    private readonly options: LexOptions,
  ) {
    for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) this.newlines.push(i);
  }

  /** 1-based line of an offset: one plus the newlines before it. */
  private lineOf(pos: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  run(): Item[] {
    let state: (() => unknown) | null = () => this.lexText();
    while (state !== null && !this.failed) {
      state = state.call(this) as (() => unknown) | null;
    }
    return this.items;
  }

  private next(): string | undefined {
    if (this.pos >= this.input.length) {
      this.pos = this.input.length + 1; // mark EOF so backup is a no-op
      return undefined;
    }
    const c = this.charAt(this.pos);
    this.pos += c.length;
    return c;
  }

  private peek(): string | undefined {
    if (this.pos >= this.input.length) return undefined;
    return this.charAt(this.pos);
  }

  /** The code point at an offset as a string (one code unit unless a surrogate pair). */
  private charAt(pos: number): string {
    const u = this.input.charCodeAt(pos);
    if (u < 0xd800 || u > 0xdbff) return this.input[pos]!;
    return String.fromCodePoint(this.input.codePointAt(pos)!);
  }

  private backup(c: string | undefined): void {
    if (c === undefined) {
      this.pos = this.input.length;
      return;
    }
    this.pos -= c.length;
  }

  private emit(type: ItemType, val = this.input.slice(this.start, this.pos)): void {
    this.items.push({ type, pos: this.start, val, line: this.lineOf(this.start) });
    this.start = this.pos;
  }

  private ignore(): void {
    this.start = this.pos;
  }

  private accept(valid: string): boolean {
    const c = this.next();
    if (c !== undefined && valid.includes(c)) return true;
    this.backup(c);
    return false;
  }

  private acceptRun(valid: string): void {
    let c = this.next();
    while (c !== undefined && valid.includes(c)) c = this.next();
    this.backup(c);
  }

  private errorf(message: string): null {
    this.items.push({ type: 'error', pos: this.start, val: message, line: this.lineOf(this.start) });
    this.failed = true;
    return null;
  }

  private lexText(): (() => unknown) | null {
    const x = this.input.indexOf(LEFT, this.pos);
    if (x >= 0) {
      if (x > this.pos) {
        this.pos = x;
        let trim = 0;
        const delimEnd = x + LEFT.length;
        if (hasLeftTrimMarker(this.input, delimEnd)) {
          trim = rightTrimLength(this.input, this.start, this.pos);
        }
        this.pos -= trim;
        const val = this.input.slice(this.start, this.pos);
        const startPos = this.start;
        this.pos += trim;
        this.ignore();
        if (val.length > 0) {
          this.items.push({ type: 'text', pos: startPos, val, line: this.lineOf(startPos) });
        }
      }
      return () => this.lexLeftDelim();
    }
    this.pos = this.input.length;
    if (this.pos > this.start) this.emit('text');
    this.emit('eof', '');
    return null;
  }

  /** [at a right delimiter, with a trim marker]. */
  private atRightDelim(): [boolean, boolean] {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) {
      return [true, true];
    }
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    return [false, false];
  }

  private lexLeftDelim(): (() => unknown) | null {
    this.pos += LEFT.length;
    const trimSpace = hasLeftTrimMarker(this.input, this.pos);
    const afterMarker = trimSpace ? 2 : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.ignore();
      return () => this.lexComment();
    }
    this.emit('leftDelim');
    this.pos += afterMarker;
    this.ignore();
    this.parenDepth = 0;
    return () => this.lexInsideAction();
  }

  private lexComment(): (() => unknown) | null {
    this.pos += LEFT_COMMENT.length;
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) return this.errorf('unclosed comment');
    this.pos = x + RIGHT_COMMENT.length;
    const [delim, trimSpace] = this.atRightDelim();
    if (!delim) return this.errorf('comment ends before closing delimiter');
    if (trimSpace) this.pos += 2;
    this.pos += RIGHT.length;
    if (trimSpace) this.pos += leftTrimLength(this.input, this.pos);
    this.ignore();
    return () => this.lexText();
  }

  private lexRightDelim(): (() => unknown) | null {
    const [, trimSpace] = this.atRightDelim();
    if (trimSpace) {
      this.pos += 2;
      this.ignore();
    }
    this.pos += RIGHT.length;
    this.emit('rightDelim');
    if (trimSpace) {
      this.pos += leftTrimLength(this.input, this.pos);
      this.ignore();
    }
    return () => this.lexText();
  }

  private lexInsideAction(): (() => unknown) | null {
    const [delim] = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return () => this.lexRightDelim();
      return this.errorf('unclosed left paren');
    }
    const c = this.next();
    if (c === undefined) return this.errorf('unclosed action');
    if (isSpace(c)) {
      this.backup(c);
      return () => this.lexSpace();
    }
    switch (c) {
      case '=':
        this.emit('assign');
        return () => this.lexInsideAction();
      case ':':
        if (this.next() !== '=') return this.errorf('expected :=');
        this.emit('declare');
        return () => this.lexInsideAction();
      case '|':
        this.emit('pipe');
        return () => this.lexInsideAction();
      case '"':
        return () => this.lexQuote();
      case '`':
        return () => this.lexRawQuote();
      case '$':
        return () => this.lexVariable();
      case "'":
        return () => this.lexChar();
      case '(':
        this.emit('leftParen');
        this.parenDepth++;
        return () => this.lexInsideAction();
      case ')':
        this.emit('rightParen');
        this.parenDepth--;
        if (this.parenDepth < 0) return this.errorf('unexpected right paren');
        return () => this.lexInsideAction();
    }
    if (c === '.') {
      const n = this.input[this.pos];
      if (n === undefined || n < '0' || n > '9') return () => this.lexField();
    }
    if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
      this.backup(c);
      return () => this.lexNumber();
    }
    if (isAlphaNumeric(c)) {
      this.backup(c);
      return () => this.lexIdentifier();
    }
    const cp = c.codePointAt(0)!;
    if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
      this.emit('char');
      return () => this.lexInsideAction();
    }
    return this.errorf(`unrecognized character in action: ${formatRune(cp)}`);
  }

  private lexSpace(): (() => unknown) | null {
    let spaces = 0;
    while (isSpace(this.peek())) {
      this.next();
      spaces++;
    }
    // A space before a trim-marked right delimiter belongs to the delimiter.
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT, this.pos + 1)) {
      this.backup(this.input[this.pos - 1]);
      if (spaces === 1) return () => this.lexInsideAction();
    }
    this.emit('space');
    return () => this.lexInsideAction();
  }

  private lexIdentifier(): (() => unknown) | null {
    let c: string | undefined;
    for (;;) {
      c = this.next();
      if (!isAlphaNumeric(c)) {
        this.backup(c);
        break;
      }
    }
    const word = this.input.slice(this.start, this.pos);
    if (!this.atTerminator()) return this.errorf(`bad character ${formatRune(c?.codePointAt(0) ?? -1)}`);
    const kw = KEYWORDS.get(word);
    if (kw !== undefined && kw !== 'dot') {
      if ((kw === 'break' && !this.options.breakOK) || (kw === 'continue' && !this.options.continueOK)) {
        this.emit('identifier');
      } else this.emit(kw);
    } else if (word === 'true' || word === 'false') this.emit('bool');
    else this.emit('identifier');
    return () => this.lexInsideAction();
  }

  private lexField(): (() => unknown) | null {
    return this.lexFieldOrVariable('field');
  }

  private lexVariable(): (() => unknown) | null {
    if (this.atTerminator()) {
      this.emit('variable');
      return () => this.lexInsideAction();
    }
    return this.lexFieldOrVariable('variable');
  }

  private lexFieldOrVariable(type: 'field' | 'variable'): (() => unknown) | null {
    if (this.atTerminator()) {
      this.emit(type === 'variable' ? 'variable' : 'dot');
      return () => this.lexInsideAction();
    }
    let c: string | undefined;
    for (;;) {
      c = this.next();
      if (!isAlphaNumeric(c)) {
        this.backup(c);
        break;
      }
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${formatRune(c?.codePointAt(0) ?? -1)}`);
    this.emit(type);
    return () => this.lexInsideAction();
  }

  private atTerminator(): boolean {
    const c = this.peek();
    if (isSpace(c)) return true;
    switch (c) {
      case undefined:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return this.input.startsWith(RIGHT, this.pos);
  }

  private lexChar(): (() => unknown) | null {
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        const d = this.next();
        if (d !== undefined && d !== '\n') continue;
        return this.errorf('unterminated character constant');
      }
      if (c === undefined || c === '\n') return this.errorf('unterminated character constant');
      if (c === "'") break;
    }
    this.emit('charConstant');
    return () => this.lexInsideAction();
  }

  private lexQuote(): (() => unknown) | null {
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        const d = this.next();
        if (d !== undefined && d !== '\n') continue;
        return this.errorf('unterminated quoted string');
      }
      if (c === undefined || c === '\n') return this.errorf('unterminated quoted string');
      if (c === '"') break;
    }
    this.emit('string');
    return () => this.lexInsideAction();
  }

  private lexRawQuote(): (() => unknown) | null {
    for (;;) {
      const c = this.next();
      if (c === undefined) return this.errorf('unterminated raw quoted string');
      if (c === '`') break;
    }
    this.emit('rawString');
    return () => this.lexInsideAction();
  }

  private lexNumber(): (() => unknown) | null {
    if (!this.scanNumber())
      return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === '+' || sign === '-') {
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') {
        return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
      }
      this.emit('complex');
    } else this.emit('number');
    return () => this.lexInsideAction();
  }

  private scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

/** Length of the whitespace run ending at `to` (for `{{- `). */
function rightTrimLength(s: string, from: number, to: number): number {
  let i = to;
  while (i > from && isSpace(s[i - 1])) i--;
  return to - i;
}

/** Length of the whitespace run starting at `from` (for ` -}}`). */
function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i - from;
}

/** Go's %#U: U+0041 'A'. */
export function formatRune(cp: number): string {
  if (cp < 0) return 'U+FFFFFFFFFFFFFFFF';
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return isPrintable(cp) ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}

/** An approximation of Go's unicode.IsPrint (letters, marks, numbers, punctuation, symbols, ASCII space). */
export function isPrintable(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(cp));
}

/** Go's strconv.Quote (QuoteToASCII with `ascii`). */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (isPrintable(cp) && (!ascii || cp < 0x80)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp === 0xfffd) out += '\\ufffd';
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}
