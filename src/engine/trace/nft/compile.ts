// A rule's tokens → the statements the tracer evaluates, in order. Only the expressions and
// statements a trace of a first packet needs are understood (see README.md); anything else
// becomes an `unsupported` statement carrying the text from there on, which the
// interpreter shows as an uncertain hop instead of skipping it.
import type { NftRulesetElement, NftToken } from './ruleset';

/** What a packet expression reads. */
export type NftExpr =
  | { kind: 'addr'; family: 'ip' | 'ip6'; field: 'saddr' | 'daddr' }
  | { kind: 'l4proto' }
  | { kind: 'dport'; protocol: string | null }
  | { kind: 'mark'; op: { op: '&' | '|' | '^'; value: number } | null }
  | { kind: 'ctstate' }
  | { kind: 'fib'; field: 'saddr' | 'daddr' }
  | { kind: 'nfproto' }
  | { kind: 'numgen'; mode: 'random' | 'inc'; mod: number; offset: number }
  | { kind: 'concat'; parts: NftExpr[] };

export type NftVerdict =
  { kind: 'accept' | 'drop' | 'reject' | 'return' | 'continue' } | { kind: 'jump' | 'goto'; chain: string };

/** The right side of a comparison or a map: a named set/map, an anonymous one, or a value. */
export type NftOperand =
  | { kind: 'named'; name: string }
  | { kind: 'anonymous'; elements: NftRulesetElement[] }
  | { kind: 'value'; parts: string[] };

export type NftStatement =
  | {
      kind: 'match';
      expr: NftExpr;
      op: '==' | '!=' | '<' | '>' | '<=' | '>=';
      operand: NftOperand;
      text: string;
    }
  | { kind: 'vmap'; expr: NftExpr; map: NftOperand & { kind: 'named' | 'anonymous' }; text: string }
  | { kind: 'verdict'; verdict: NftVerdict; text: string }
  | { kind: 'mark'; op: 'set' | '|' | '^' | '&'; value: number; text: string }
  | { kind: 'dnat' | 'snat'; to: string; text: string }
  | { kind: 'masquerade'; text: string }
  | { kind: 'setUpdate'; set: string; text: string }
  | { kind: 'noop'; text: string }
  | { kind: 'unsupported'; text: string };

const OPERATORS: Readonly<Record<string, '==' | '!=' | '<' | '>' | '<=' | '>='>> = {
  '==': '==',
  eq: '==',
  '!=': '!=',
  ne: '!=',
  '<': '<',
  lt: '<',
  '>': '>',
  gt: '>',
  '<=': '<=',
  le: '<=',
  '>=': '>=',
  ge: '>=',
};

/** Words that start a statement and are never a value (a comparison cannot end in them). */
const STATEMENT_WORDS = new Set([
  'accept',
  'drop',
  'reject',
  'return',
  'continue',
  'jump',
  'goto',
  'counter',
  'log',
  'comment',
  'dnat',
  'snat',
  'masquerade',
  'update',
  'add',
  'delete',
  'vmap',
  'limit',
  'queue',
  'notrack',
  'redirect',
]);

export function parseNumber(text: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

class RuleCompiler {
  private pos = 0;
  readonly out: NftStatement[] = [];

  constructor(private readonly tokens: readonly NftToken[]) {}

  private peek(offset = 0): NftToken | undefined {
    return this.tokens[this.pos + offset];
  }

  private word(offset = 0): string {
    const t = this.peek(offset);
    return t === undefined || t.kind === 'string' ? '' : t.text;
  }

  private textFrom(start: number): string {
    return this.tokens
      .slice(start, this.pos)
      .map((t) => (t.kind === 'string' ? `"${t.text}"` : t.text))
      .join(' ')
      .replaceAll(' ,', ',');
  }

  private unsupported(start: number): void {
    this.pos = this.tokens.length;
    this.out.push({ kind: 'unsupported', text: this.textFrom(start) });
  }

  compile(): NftStatement[] {
    while (this.pos < this.tokens.length) {
      const start = this.pos;
      if (!this.statement(start)) {
        this.unsupported(start);
        break;
      }
    }
    return this.out;
  }

  /** One statement from `start`; false when it is not understood. */
  private statement(start: number): boolean {
    const w = this.word();
    switch (w) {
      case 'comment':
        if (this.peek(1)?.kind !== 'string') return false;
        this.pos += 2;
        this.out.push({ kind: 'noop', text: this.textFrom(start) });
        return true;
      case 'counter':
        this.pos++;
        if (this.word() === 'packets' && this.word(2) === 'bytes') this.pos += 4;
        else if (this.word() === 'name') this.pos += 2;
        this.out.push({ kind: 'noop', text: this.textFrom(start) });
        return true;
      case 'log':
        this.pos++;
        while (['prefix', 'level', 'group', 'snaplen', 'queue-threshold', 'flags'].includes(this.word()))
          this.pos += 2;
        this.out.push({ kind: 'noop', text: this.textFrom(start) });
        return true;
      case 'accept':
      case 'drop':
      case 'return':
      case 'continue':
        this.pos++;
        this.out.push({ kind: 'verdict', verdict: { kind: w }, text: w });
        return true;
      case 'reject':
        this.pos++;
        if (this.word() === 'with') {
          this.pos += 2;
          if (this.word() === 'type') this.pos += 2;
        }
        this.out.push({ kind: 'verdict', verdict: { kind: 'reject' }, text: this.textFrom(start) });
        return true;
      case 'jump':
      case 'goto': {
        const chain = this.peek(1);
        if (chain === undefined || chain.kind !== 'word') return false;
        this.pos += 2;
        this.out.push({
          kind: 'verdict',
          verdict: { kind: w, chain: chain.text },
          text: this.textFrom(start),
        });
        return true;
      }
      case 'dnat':
      case 'snat': {
        this.pos++;
        if (this.word() === 'ip' || this.word() === 'ip6') this.pos++;
        if (this.word() !== 'to') return false;
        const to = this.peek(1);
        // `dnat to ip daddr map { … }` and other computed targets are not modelled.
        if (to === undefined || to.kind !== 'word' || STATEMENT_WORDS.has(to.text) || this.word(2) === 'map')
          return false;
        this.pos += 2;
        this.natFlags();
        this.out.push({ kind: w, to: to.text, text: this.textFrom(start) });
        return true;
      }
      case 'masquerade':
        this.pos++;
        if (this.word() === 'to') return false;
        this.natFlags();
        this.out.push({ kind: 'masquerade', text: this.textFrom(start) });
        return true;
      case 'update':
      case 'add': {
        const set = this.word(1);
        if (!set.startsWith('@') || this.word(2) !== '{') return false;
        this.pos += 3;
        while (this.pos < this.tokens.length && this.word() !== '}') this.pos++;
        if (this.word() !== '}') return false;
        this.pos++;
        this.out.push({ kind: 'setUpdate', set: set.slice(1), text: this.textFrom(start) });
        return true;
      }
      default:
        break;
    }
    if (
      (w === 'meta' && this.word(1) === 'mark' && this.word(2) === 'set') ||
      (w === 'mark' && this.word(1) === 'set')
    ) {
      this.pos += w === 'meta' ? 3 : 2;
      return this.markSet(start);
    }
    const expr = this.expression();
    if (expr === null) return false;
    if (this.word() === 'vmap') {
      this.pos++;
      const map = this.operand(true);
      if (map === null || map.kind === 'value') return false;
      this.out.push({ kind: 'vmap', expr, map, text: this.textFrom(start) });
      return true;
    }
    if (expr.kind === 'numgen') return false;
    let op: '==' | '!=' | '<' | '>' | '<=' | '>=' = '==';
    const written = OPERATORS[this.word()];
    if (written !== undefined) {
      op = written;
      this.pos++;
    }
    const operand = this.operand(false);
    if (operand === null) return false;
    this.out.push({ kind: 'match', expr, op, operand, text: this.textFrom(start) });
    return true;
  }

  private natFlags(): void {
    while (['random', 'fully-random', 'persistent', ','].includes(this.word())) this.pos++;
  }

  /** After `meta mark set`: a value, or the mark combined with a value. */
  private markSet(start: number): boolean {
    const first = parseNumber(this.word());
    if (first !== null) {
      this.pos++;
      this.out.push({ kind: 'mark', op: 'set', value: first, text: this.textFrom(start) });
      return true;
    }
    let at = 0;
    if (this.word() === 'meta' && this.word(1) === 'mark') at = 2;
    else if (this.word() === 'mark') at = 1;
    else return false;
    const opWord = this.word(at);
    const op = ({ '|': '|', or: '|', '^': '^', xor: '^', '&': '&', and: '&' } as const)[opWord];
    const value = parseNumber(this.word(at + 1));
    if (op === undefined || value === null) return false;
    this.pos += at + 2;
    this.out.push({ kind: 'mark', op, value, text: this.textFrom(start) });
    return true;
  }

  /** A packet expression, possibly concatenated with ` . `. */
  private expression(): NftExpr | null {
    const first = this.primary();
    if (first === null) return null;
    if (this.word() !== '.') return first;
    const parts = [first];
    while (this.word() === '.') {
      this.pos++;
      const next = this.primary();
      if (next === null) return null;
      parts.push(next);
    }
    return { kind: 'concat', parts };
  }

  private primary(): NftExpr | null {
    const a = this.word();
    const b = this.word(1);
    const take = (n: number, e: NftExpr): NftExpr => {
      this.pos += n;
      return e;
    };
    if ((a === 'ip' || a === 'ip6') && (b === 'saddr' || b === 'daddr'))
      return take(2, { kind: 'addr', family: a, field: b });
    if ((a === 'ip' && b === 'protocol') || (a === 'ip6' && b === 'nexthdr'))
      return take(2, { kind: 'l4proto' });
    if (a === 'meta' && b === 'l4proto') return take(2, { kind: 'l4proto' });
    if (a === 'l4proto') return take(1, { kind: 'l4proto' });
    if (a === 'meta' && b === 'nfproto') return take(2, { kind: 'nfproto' });
    if (a === 'th' && b === 'dport') return take(2, { kind: 'dport', protocol: null });
    if ((a === 'tcp' || a === 'udp' || a === 'sctp') && b === 'dport')
      return take(2, { kind: 'dport', protocol: a });
    if (a === 'ct' && b === 'state') return take(2, { kind: 'ctstate' });
    if (a === 'fib' && (b === 'saddr' || b === 'daddr') && this.word(2) === 'type')
      return take(3, { kind: 'fib', field: b });
    if (a === 'numgen' && (b === 'random' || b === 'inc') && this.word(2) === 'mod') {
      const mod = parseNumber(this.word(3));
      if (mod === null || mod <= 0) return null;
      let offset = 0;
      let n = 4;
      if (this.word(4) === 'offset') {
        const o = parseNumber(this.word(5));
        if (o === null) return null;
        offset = o;
        n = 6;
      }
      return take(n, { kind: 'numgen', mode: b, mod, offset });
    }
    if ((a === 'meta' && b === 'mark') || a === 'mark') {
      const n = a === 'meta' ? 2 : 1;
      const opWord = this.word(n);
      const op = ({ '&': '&', and: '&', '|': '|', or: '|', '^': '^', xor: '^' } as const)[opWord];
      if (op !== undefined) {
        const value = parseNumber(this.word(n + 1));
        if (value === null) return null;
        return take(n + 2, { kind: 'mark', op: { op, value } });
      }
      return take(n, { kind: 'mark', op: null });
    }
    return null;
  }

  /** `@name`, `{ … }`, or a value (`a . b . c`, or `a, b` as an anonymous set). */
  private operand(map: boolean): NftOperand | null {
    const t = this.peek();
    if (t === undefined) return null;
    if (t.kind === 'word' && t.text.startsWith('@') && t.text.length > 1) {
      this.pos++;
      return { kind: 'named', name: t.text.slice(1) };
    }
    if (t.kind === 'punct' && t.text === '{') {
      this.pos++;
      const elements: NftToken[][] = [[]];
      let depth = 0;
      for (;;) {
        const x = this.peek();
        if (x === undefined) return null;
        this.pos++;
        if (x.kind === 'punct' && x.text === '}' && depth === 0) break;
        if (x.kind === 'punct' && x.text === ',' && depth === 0) {
          elements.push([]);
          continue;
        }
        if (x.kind === 'punct' && x.text === '{') depth++;
        if (x.kind === 'punct' && x.text === '}') depth--;
        elements[elements.length - 1]?.push(x);
      }
      return { kind: 'anonymous', elements: elements.filter((e) => e.length > 0).map(anonymousElement) };
    }
    if (map || t.kind !== 'word' || STATEMENT_WORDS.has(t.text)) return null;
    const parts = [t.text];
    this.pos++;
    while (this.word() === '.' && this.peek(1)?.kind === 'word') {
      parts.push(this.word(1));
      this.pos += 2;
    }
    // `ct state established,related`: a list is an anonymous set.
    if (this.peek()?.kind === 'punct' && this.peek()?.text === ',') {
      const elements: NftRulesetElement[] = [{ key: parts, value: null, comment: null, line: t.line }];
      while (this.peek()?.kind === 'punct' && this.peek()?.text === ',' && this.peek(1)?.kind === 'word') {
        elements.push({ key: [this.word(1)], value: null, comment: null, line: t.line });
        this.pos += 2;
      }
      return { kind: 'anonymous', elements };
    }
    return { kind: 'value', parts };
  }
}

function anonymousElement(tokens: readonly NftToken[]): NftRulesetElement {
  const key: string[] = [];
  let value: string[] | null = null;
  let part: string[] = [];
  for (const t of tokens) {
    if (value !== null) value.push(t.text);
    else if (t.kind === 'word' && t.text === ':') value = [];
    else if (t.kind === 'word' && t.text === '.') {
      key.push(part.join(' '));
      part = [];
    } else part.push(t.text);
  }
  key.push(part.join(' '));
  return { key, value, comment: null, line: tokens[0]?.line ?? 0 };
}

/** A map element's value as a verdict (`goto X`, `drop`, …); null when it is not one. */
export function verdictOf(value: readonly string[] | null): NftVerdict | null {
  if (value === null) return null;
  const [w = '', chain] = value;
  if ((w === 'goto' || w === 'jump') && chain !== undefined && value.length === 2) return { kind: w, chain };
  if (['accept', 'drop', 'return', 'continue'].includes(w) && value.length === 1)
    return { kind: w as 'accept' | 'drop' | 'return' | 'continue' };
  return null;
}

export function verdictText(v: NftVerdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind;
}

export function compileRule(tokens: readonly NftToken[]): NftStatement[] {
  return new RuleCompiler(tokens).compile();
}
