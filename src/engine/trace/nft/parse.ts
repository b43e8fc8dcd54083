// Parser of `nft list ruleset` / `nft list table …` output (nft 1.0.x syntax): the block
// structure only. It never throws: a problem becomes an `nft-parse` diagnostic naming the
// line and column, and the parser resumes at the next line (or closing brace).
import type { Diagnostic } from '../../model';
import type {
  NftBaseChain,
  NftRuleset,
  NftRulesetChain,
  NftRulesetElement,
  NftRulesetSet,
  NftRulesetTable,
  NftTableFamily,
  NftToken,
} from './ruleset';

const FAMILIES: readonly string[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/** nft's standard priority names (ip, ip6 and inet families). */
const PRIORITY_NAMES: Readonly<Record<string, number>> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

/** Named objects a table may hold that the tracer does not need: their blocks are skipped. */
const SKIPPED_OBJECTS = new Set(['counter', 'quota', 'limit', 'ct', 'secmark', 'synproxy', 'flowtable']);

function tokenize(text: string, error: (line: number, column: number, message: string) => void): NftToken[] {
  const tokens: NftToken[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] ?? '';
    if (c === '\n') {
      tokens.push({ text: '\n', kind: 'punct', line, column: i - lineStart + 1, start: i, end: i + 1 });
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const column = i - lineStart + 1;
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j++;
      if (text[j] !== '"') {
        error(line, column, 'unterminated string');
        tokens.push({ text: text.slice(i + 1, j), kind: 'string', line, column, start: i, end: j });
        i = j;
        continue;
      }
      tokens.push({ text: text.slice(i + 1, j), kind: 'string', line, column, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '}' || c === ';' || c === ',') {
      tokens.push({ text: c, kind: 'punct', line, column, start: i, end: i + 1 });
      i++;
      continue;
    }
    let j = i;
    while (j < n && !' \t\r\n{};,"'.includes(text[j] ?? ' ')) j++;
    tokens.push({ text: text.slice(i, j), kind: 'word', line, column, start: i, end: j });
    i = j;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  readonly errors: Diagnostic[] = [];
  readonly tables: NftRulesetTable[] = [];
  private tokens: NftToken[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string | null,
  ) {}

  error(line: number, column: number, message: string): void {
    this.errors.push({
      range: { file: this.file ?? '', line, column, endLine: line, endColumn: column + 1 },
      severity: 'error',
      code: 'nft-parse',
      message: `line ${line}:${column}: ${message}`,
    });
  }

  private errorAt(t: NftToken | undefined, message: string): void {
    const last = this.tokens[this.tokens.length - 1];
    this.error(t?.line ?? last?.line ?? 1, t?.column ?? last?.column ?? 1, message);
  }

  private peek(offset = 0): NftToken | undefined {
    return this.tokens[this.pos + offset];
  }

  private next(): NftToken | undefined {
    return this.tokens[this.pos++];
  }

  private is(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind !== 'string' && t.text === text;
  }

  private skipBlank(): void {
    while (this.is('\n') || this.is(';')) this.pos++;
  }

  /** The rest of the line (depth-0 newline, or `;` when `semicolon`), braces balanced. */
  private lineTokens(semicolon: boolean): NftToken[] {
    const out: NftToken[] = [];
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t === undefined) break;
      if (t.kind === 'punct') {
        if (depth === 0 && (t.text === '\n' || (semicolon && t.text === ';'))) break;
        if (depth === 0 && t.text === '}') break;
        if (t.text === '{') depth++;
        if (t.text === '}') depth--;
        if (t.text === '\n') {
          this.pos++;
          continue;
        }
      }
      out.push(t);
      this.pos++;
    }
    return out;
  }

  /** Skips a `{ … }` block, the opening brace next. */
  private skipBlock(): void {
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t === undefined) return;
      if (t.kind !== 'punct') continue;
      if (t.text === '{') depth++;
      if (t.text === '}' && --depth <= 0) return;
    }
  }

  /** Skips to the end of the line, or to (not past) a closing brace of the enclosing block. */
  private recover(): void {
    this.lineTokens(false);
  }

  private expectOpen(what: string): boolean {
    if (this.is('{')) {
      this.pos++;
      return true;
    }
    this.errorAt(this.peek(), `expected "{" after ${what}, found ${describe(this.peek())}`);
    this.recover();
    return false;
  }

  parse(): NftRuleset {
    this.tokens = tokenize(this.text, (l, c, m) => this.error(l, c, m));
    for (;;) {
      this.skipBlank();
      const t = this.peek();
      if (t === undefined) break;
      if (t.kind === 'word' && t.text === 'table') {
        this.pos++;
        this.table(t);
        continue;
      }
      if (t.kind === 'word' && ['add', 'insert', 'create', 'flush', 'delete', 'replace'].includes(t.text)) {
        this.errorAt(
          t,
          `"${t.text} …" is a command of an nft -f script; paste what \`nft list ruleset\` prints (tables as blocks)`,
        );
      } else {
        this.errorAt(t, `expected "table", found ${describe(t)}`);
      }
      this.pos++;
      this.recover();
    }
    return { file: this.file, tables: this.tables, errors: this.errors };
  }

  private table(start: NftToken): void {
    let family: NftTableFamily = 'ip';
    const first = this.peek();
    if (first && first.kind !== 'punct' && FAMILIES.includes(first.text) && this.peek(1)?.kind !== 'punct') {
      family = first.text as NftTableFamily;
      this.pos++;
    }
    const nameToken = this.next();
    if (nameToken === undefined || nameToken.kind === 'punct') {
      this.errorAt(nameToken, `expected a table name, found ${describe(nameToken)}`);
      this.recover();
      return;
    }
    if (!this.expectOpen(`table ${family} ${nameToken.text}`)) return;
    const table: NftRulesetTable = {
      family,
      name: nameToken.text,
      line: start.line,
      chains: new Map(),
      sets: new Map(),
    };
    this.tables.push(table);
    for (;;) {
      this.skipBlank();
      const t = this.peek();
      if (t === undefined) {
        this.errorAt(start, `table ${family} ${table.name} is not closed (missing "}")`);
        return;
      }
      if (this.is('}')) {
        this.pos++;
        return;
      }
      this.pos++;
      if (t.kind === 'word' && t.text === 'chain') this.chain(table, t);
      else if (t.kind === 'word' && (t.text === 'set' || t.text === 'map')) this.set(table, t);
      else if (t.kind === 'word' && (t.text === 'comment' || t.text === 'flags')) this.recover();
      else if (t.kind === 'word' && SKIPPED_OBJECTS.has(t.text)) {
        this.lineTokensUntilBlock();
        if (this.is('{')) this.skipBlock();
      } else {
        this.errorAt(t, `expected chain, set, map or another table object, found ${describe(t)}`);
        this.recover();
      }
    }
  }

  /** Advances to the next `{` on this line (a named object's block). */
  private lineTokensUntilBlock(): void {
    while (this.peek() !== undefined && !this.is('{') && !this.is('\n')) this.pos++;
  }

  private chain(table: NftRulesetTable, start: NftToken): void {
    const nameToken = this.next();
    if (nameToken === undefined || nameToken.kind === 'punct') {
      this.errorAt(nameToken, `expected a chain name, found ${describe(nameToken)}`);
      this.recover();
      return;
    }
    if (!this.expectOpen(`chain ${nameToken.text}`)) return;
    const chain: NftRulesetChain = {
      name: nameToken.text,
      line: start.line,
      base: null,
      comment: null,
      rules: [],
    };
    if (table.chains.has(chain.name)) this.errorAt(nameToken, `chain ${chain.name} is defined twice`);
    table.chains.set(chain.name, chain);
    for (;;) {
      this.skipBlank();
      const t = this.peek();
      if (t === undefined) {
        this.errorAt(start, `chain ${chain.name} is not closed (missing "}")`);
        return;
      }
      if (this.is('}')) {
        this.pos++;
        return;
      }
      if (t.kind === 'word' && t.text === 'type' && chain.rules.length === 0) {
        this.baseChain(chain);
        continue;
      }
      if (t.kind === 'word' && t.text === 'policy' && chain.rules.length === 0) {
        this.pos++;
        this.policy(chain);
        continue;
      }
      if (
        t.kind === 'word' &&
        t.text === 'comment' &&
        this.peek(1)?.kind === 'string' &&
        chain.rules.length === 0
      ) {
        chain.comment = this.peek(1)?.text ?? '';
        this.pos += 2;
        continue;
      }
      if (t.kind === 'word' && t.text === 'devices' && chain.rules.length === 0) {
        this.lineTokens(true);
        continue;
      }
      const tokens = this.lineTokens(true);
      const last = tokens[tokens.length - 1];
      if (tokens.length === 0 || last === undefined) {
        this.errorAt(t, `unexpected ${describe(t)}`);
        this.pos++;
        continue;
      }
      chain.rules.push({
        chain: chain.name,
        line: t.line,
        column: t.column,
        text: this.text.slice(t.start, last.end).replace(/\s+/g, ' '),
        tokens,
      });
    }
  }

  private baseChain(chain: NftRulesetChain): void {
    const start = this.peek();
    const words = this.lineTokens(true).map((w) => w.text);
    // type T hook H [device D] priority P
    const type = words[1] ?? '';
    const hookAt = words.indexOf('hook');
    const priorityAt = words.indexOf('priority');
    if (hookAt < 0 || priorityAt < 0) {
      this.errorAt(start, `base chain ${chain.name}: expected "type T hook H priority P"`);
      this.recover();
      return;
    }
    const priorityWords = words.slice(priorityAt + 1);
    const priority = priorityValue(priorityWords);
    if (priority === null) {
      this.errorAt(start, `base chain ${chain.name}: unknown priority "${priorityWords.join(' ')}"`);
      this.recover();
      return;
    }
    const base: NftBaseChain = {
      type,
      hook: words[hookAt + 1] ?? '',
      priority,
      priorityText: priorityWords.join(' '),
      policy: 'accept',
    };
    chain.base = base;
    if (this.is(';')) this.pos++;
    if (this.is('policy')) {
      this.pos++;
      this.policy(chain);
    }
  }

  private policy(chain: NftRulesetChain): void {
    const t = this.next();
    if (t?.text === 'accept' || t?.text === 'drop') {
      if (chain.base) chain.base.policy = t.text;
      else this.errorAt(t, `chain ${chain.name} has a policy but no hook`);
    } else {
      this.errorAt(t, `expected policy accept or drop, found ${describe(t)}`);
    }
    if (this.is(';')) this.pos++;
  }

  private set(table: NftRulesetTable, start: NftToken): void {
    const nameToken = this.next();
    if (nameToken === undefined || nameToken.kind === 'punct') {
      this.errorAt(nameToken, `expected a ${start.text} name, found ${describe(nameToken)}`);
      this.recover();
      return;
    }
    if (!this.expectOpen(`${start.text} ${nameToken.text}`)) return;
    const set: NftRulesetSet = {
      kind: start.text === 'map' ? 'map' : 'set',
      name: nameToken.text,
      line: start.line,
      keyTypes: [],
      valueType: null,
      flags: [],
      elements: [],
    };
    table.sets.set(set.name, set);
    for (;;) {
      this.skipBlank();
      const t = this.peek();
      if (t === undefined) {
        this.errorAt(start, `${set.kind} ${set.name} is not closed (missing "}")`);
        return;
      }
      if (this.is('}')) {
        this.pos++;
        return;
      }
      if (t.kind === 'word' && t.text === 'elements') {
        this.pos++;
        if (this.is('=')) this.pos++;
        if (!this.expectOpen(`elements of ${set.name}`)) continue;
        this.elements(set);
        continue;
      }
      const words = this.lineTokens(true).map((w) => w.text);
      if (t.text === 'type' || t.text === 'typeof') {
        const colon = words.indexOf(':');
        const key = colon < 0 ? words.slice(1) : words.slice(1, colon);
        set.keyTypes = t.text === 'type' ? key.filter((w) => w !== '.') : [];
        set.valueType = colon < 0 ? null : words.slice(colon + 1).join(' ');
        if (set.kind === 'map' && colon < 0) this.errorAt(t, `map ${set.name}: expected "type KEY : VALUE"`);
      } else if (t.text === 'flags') {
        set.flags = words.slice(1).filter((w) => w !== ',');
      }
      // size, timeout, gc-interval, policy, counter, comment, auto-merge: not needed to trace.
    }
  }

  /** `{ e, e, … }` after `elements =`, the opening brace consumed. */
  private elements(set: NftRulesetSet): void {
    let current: NftToken[] = [];
    const flush = (): void => {
      if (current.length > 0) set.elements.push(element(current));
      current = [];
    };
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t === undefined) {
        this.errorAt(undefined, `elements of ${set.name} are not closed (missing "}")`);
        return;
      }
      if (t.kind === 'punct') {
        if (t.text === '\n') continue;
        if (t.text === '}' && depth === 0) {
          flush();
          return;
        }
        if (t.text === ',' && depth === 0) {
          flush();
          continue;
        }
        if (t.text === '{') depth++;
        if (t.text === '}') depth--;
      }
      current.push(t);
    }
  }
}

/** One element: key parts split on ` . `, then optional options, then ` : value`. */
function element(tokens: readonly NftToken[]): NftRulesetElement {
  const key: string[] = [];
  let value: string[] | null = null;
  let comment: string | null = null;
  let part = '';
  let i = 0;
  let inKey = true;
  while (i < tokens.length) {
    const t = tokens[i] ?? { text: '', kind: 'word' };
    if (value !== null) {
      value.push(t.text);
      i++;
      continue;
    }
    if (t.kind === 'word' && t.text === ':') {
      value = [];
      i++;
      continue;
    }
    if (t.kind === 'word' && t.text === 'comment' && tokens[i + 1]?.kind === 'string') {
      comment = tokens[i + 1]?.text ?? '';
      inKey = false;
      i += 2;
      continue;
    }
    if (t.kind === 'word' && ['timeout', 'expires', 'counter', 'packets', 'bytes'].includes(t.text)) {
      inKey = false;
      i += t.text === 'counter' ? 1 : 2;
      continue;
    }
    if (inKey) {
      if (t.text === '.') {
        key.push(part);
        part = '';
      } else {
        part = part === '' ? t.text : `${part} ${t.text}`;
      }
    }
    i++;
  }
  key.push(part);
  return { key, value, comment, line: tokens[0]?.line ?? 0 };
}

function priorityValue(words: readonly string[]): number | null {
  const [first = '', sign, offset] = words;
  const base = /^-?\d+$/.test(first) ? Number(first) : PRIORITY_NAMES[first];
  if (base === undefined) return null;
  if (sign === undefined) return base;
  if ((sign !== '+' && sign !== '-') || offset === undefined || !/^\d+$/.test(offset)) return null;
  return sign === '+' ? base + Number(offset) : base - Number(offset);
}

function describe(t: NftToken | undefined): string {
  if (t === undefined) return 'the end of the text';
  if (t.text === '\n') return 'the end of the line';
  return t.kind === 'string' ? `"${t.text}"` : `"${t.text}"`;
}

/** Parses `nft list ruleset` (or `nft list table …`) output. Never throws; problems are `errors`. */
export function parseNftRuleset(text: string, file: string | null = null): NftRuleset {
  return new Parser(text, file).parse();
}
