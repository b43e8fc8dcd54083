// The parser of Go's text/template (parse/parse.go): items → trees. One call parses one text
// into its main tree plus every {{define}} and {{block}} in it. Errors read as Go's:
// `template: NAME:LINE: message`, where NAME is the name the text was parsed under.
import type {
  ActionNode,
  ArgNode,
  BreakNode,
  CommandNode,
  IfNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from './ast';
import { nodeString } from './ast';
import type { Item, ItemType } from './lex';
import { goQuote, isKeyword, lex } from './lex';
import { parseGoFloat, parseGoInteger, unquote } from './literals';

/** A parsed template: its name, the file it came from, its root and its text (for locations). */
export interface Tree {
  readonly name: string;
  /** The name of the top-level template whose text holds this tree (Go's ParseName). */
  readonly parseName: string;
  readonly root: ListNode;
  readonly text: string;
}

export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
  constructor(
    message: string,
    /** The template (file) name and 1-based line, as in the message. */
    readonly template: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Nesting caps. Go's parser allows 10000 nested parentheses (parse.go maxStackDepth) and no
 * cap on control nesting, on a growable stack; a JavaScript stack is fixed, so both are
 * capped at 1000 here, with Go's message for parentheses.
 */
export const MAX_PAREN_DEPTH = 1000;
export const MAX_CONTROL_DEPTH = 1000;

interface ItemNode {
  readonly type: 'end' | 'else';
  readonly pos: number;
  readonly line: number;
  readonly marker: true;
}

function isMarker(n: Node | ItemNode): n is ItemNode {
  return 'marker' in n;
}

/**
 * Parses `text` as template `name`. `hasFunction` answers whether a function name is defined
 * (parse fails on an unknown one, as Go's does). Returns the trees by name, main tree first;
 * trees whose body is empty (whitespace only) are marked so a set does not let them replace
 * a definition (Go's IsEmptyTree).
 */
export function parseTemplate(
  name: string,
  text: string,
  hasFunction: (name: string) => boolean,
): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const p = new Parser(name, name, text, hasFunction, treeSet, tokensOf(text, hasFunction));
  try {
    p.parseMain();
  } catch (e) {
    if (e instanceof RangeError) {
      throw new TemplateParseError(
        `template: ${name}:1: template nesting exceeds the JavaScript stack`,
        name,
        1,
      );
    }
    throw e;
  }
  return treeSet;
}

function tokensOf(text: string, hasFunction: (name: string) => boolean): Item[] {
  return lex(text, { breakOK: !hasFunction('break'), continueOK: !hasFunction('continue') });
}

/** Go's IsEmptyTree: only whitespace text, comments and empty lists. */
export function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'text':
      return n.text.trim() === '';
    case 'comment':
      return true;
    case 'list':
      return n.nodes.every(isEmptyTree);
    default:
      return false;
  }
}

/** A cursor shared by the trees of one text (define bodies continue the same item stream). */
class Tokens {
  index = 0;
  constructor(readonly items: Item[]) {}
}

class Parser {
  private readonly tokens: Tokens;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private parenDepth = 0;
  private controlDepth = 0;
  private actionLine = 0;
  private lastLine = 1;

  constructor(
    private treeName: string,
    private readonly parseName: string,
    private readonly text: string,
    private readonly hasFunction: (name: string) => boolean,
    private readonly treeSet: Map<string, Tree>,
    items: Item[] | Tokens,
  ) {
    this.tokens = items instanceof Tokens ? items : new Tokens(items);
  }

  // ---- token stream ----

  private next(): Item {
    const it = this.tokens.items[this.tokens.index] ?? this.tokens.items[this.tokens.items.length - 1]!;
    if (this.tokens.index < this.tokens.items.length) this.tokens.index++;
    this.lastLine = it.line;
    return it;
  }
  private backup(n = 1): void {
    this.tokens.index -= n;
  }
  private peek(): Item {
    const it = this.next();
    this.backup();
    return it;
  }
  private nextNonSpace(): Item {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  /** As Go's: skips the spaces for good and leaves the next token unread. */
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // ---- errors ----

  private errorf(message: string): never {
    throw new TemplateParseError(
      `template: ${this.parseName}:${this.lastLine}: ${message}`,
      this.parseName,
      this.lastLine,
    );
  }

  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${token.val}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private expect(type: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  // ---- trees ----

  parseMain(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.tokens.index;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          const def = new Parser(
            'definition',
            this.parseName,
            this.text,
            this.hasFunction,
            this.treeSet,
            this.tokens,
          );
          def.parseDefinition();
          continue;
        }
        this.tokens.index = save;
      }
      const n = this.textOrAction();
      if (isMarker(n)) this.errorf(`unexpected ${n.type === 'end' ? '{{end}}' : '{{else}}'}`);
      root.nodes.push(n);
    }
    this.add(root);
  }

  private add(root: ListNode): void {
    const tree: Tree = { name: this.treeName, parseName: this.parseName, root, text: this.text };
    const existing = this.treeSet.get(this.treeName);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.treeSet.set(this.treeName, tree);
      return;
    }
    if (!isEmptyTree(root))
      this.errorf(`template: multiple definition of template ${goQuote(this.treeName)}`);
  }

  parseDefinition(): void {
    const context = 'define clause';
    const name = this.nextNonSpace();
    if (name.type !== 'string' && name.type !== 'rawString') this.unexpected(name, context);
    const unq = unquote(name.val);
    if (unq === null) this.errorf('invalid syntax');
    this.treeName = unq;
    this.expect('rightDelim', context);
    const [root, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeDesc(end)} in ${context}`);
    this.add(root);
  }

  private itemList(): [ListNode, Node | ItemNode] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (isMarker(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | ItemNode {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.val };
      case 'leftDelim': {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case 'comment':
        return { type: 'comment', pos: token.pos, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | ItemNode {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue':
        return this.breakControl(token);
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos, line: token.line, marker: true };
      case 'if':
      case 'with':
      case 'range':
        return this.control(token.type);
      case 'template':
        return this.templateControl();
    }
    this.backup();
    const t = this.peek();
    const action: ActionNode = {
      type: 'action',
      pos: t.pos,
      line: t.line,
      pipe: this.pipeline('command', 'rightDelim'),
    };
    return action;
  }

  private breakControl(token: Item): BreakNode {
    const t = this.nextNonSpace();
    if (t.type !== 'rightDelim') this.unexpected(t, `{{${token.type}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${token.type}}} outside {{range}}`);
    return { type: token.type as 'break' | 'continue', pos: token.pos, line: token.line };
  }

  private elseControl(): ItemNode {
    const peek = this.peekNonSpace();
    // {{else if …}} and {{else with …}} read as {{else}}{{if …}}…{{end}}.
    if (peek.type === 'if' || peek.type === 'with')
      return { type: 'else', pos: peek.pos, line: peek.line, marker: true };
    const t = this.expect('rightDelim', 'else');
    return { type: 'else', pos: t.pos, line: t.line, marker: true };
  }

  private control(context: 'if' | 'with' | 'range'): IfNode {
    const mark = this.vars.length;
    if (++this.controlDepth > MAX_CONTROL_DEPTH) this.errorf('max control nesting depth exceeded');
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, first] = this.itemList();
      let next = first;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        const nextPeek = this.peek().type;
        if ((context === 'if' && nextPeek === 'if') || (context === 'with' && nextPeek === 'with')) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.control(context)] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf(`expected end; found ${nodeDesc(next)}`);
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
      this.controlDepth--;
    }
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const block = new Parser(name, this.parseName, this.text, this.hasFunction, this.treeSet, this.tokens);
    const [root, end] = block.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeDesc(end)} in ${context}`);
    block.add(root);
    return { type: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  private templateName(token: Item, context: string): string {
    if (token.type === 'string' || token.type === 'rawString') {
      const s = unquote(token.val);
      if (s === null) this.errorf('invalid syntax');
      return s;
    }
    this.unexpected(token, context);
  }

  // ---- pipelines ----

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = {
      type: 'pipe',
      pos: token.pos,
      line: token.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const before = this.tokens.index;
      this.nextNonSpace();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else {
        void tokenAfterVariable;
        this.tokens.index = before;
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().type !== 'field') return node;
    const fields: string[] = [];
    const pos = this.peek().pos;
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      // falls through: errorf never returns
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorf(`function ${goQuote(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        return this.useVar(t.pos, t.val);
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        return this.newNumber(t);
      case 'leftParen': {
        if (this.parenDepth >= MAX_PAREN_DEPTH) this.errorf('max expression depth exceeded');
        this.parenDepth++;
        try {
          return this.pipeline('parenthesized pipeline', 'rightParen');
        } finally {
          this.parenDepth--;
        }
      }
      case 'string':
      case 'rawString': {
        const s = unquote(t.val);
        if (s === null) this.errorf('invalid syntax');
        return { type: 'string', pos: t.pos, quoted: t.val, text: s };
      }
    }
    this.backup();
    return null;
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, ident: name.split('.') };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
    return v;
  }

  private newNumber(t: Item): NumberNode {
    const text = t.val;
    const base = { type: 'number' as const, pos: t.pos, text };
    if (t.type === 'charConstant') {
      const s = unquote(text);
      if (s === null || [...s].length !== 1) this.errorf(`malformed character constant: ${text}`);
      const cp = BigInt(s.codePointAt(0)!);
      return {
        ...base,
        isInt: true,
        isUint: true,
        isFloat: true,
        isComplex: false,
        int64: cp,
        uint64: cp,
        float64: Number(cp),
      };
    }
    if (t.type === 'complex' || text.endsWith('i')) {
      // Complex constants parse (Go accepts them) but this port does not evaluate them.
      const imag = parseGoFloat(
        text.endsWith('i') ? text.slice(0, -1).replace(/^.*?(?=[+-][^+-]*$)/, '') : text,
      );
      if (t.type !== 'complex' && imag === null) this.errorf(`illegal number syntax: ${goQuote(text)}`);
      return {
        ...base,
        isInt: false,
        isUint: false,
        isFloat: false,
        isComplex: true,
        int64: 0n,
        uint64: 0n,
        float64: 0,
      };
    }
    let isInt = false;
    let isUint = false;
    let isFloat = false;
    let int64 = 0n;
    let uint64 = 0n;
    let float64 = 0;
    const u = parseGoInteger(text, true);
    if (u !== null) [isUint, uint64] = [true, u];
    const i = parseGoInteger(text, false);
    if (i !== null) {
      [isInt, int64] = [true, i];
      if (i === 0n) [isUint, uint64] = [true, 0n];
    }
    if (isInt) [isFloat, float64] = [true, Number(int64)];
    else if (isUint) [isFloat, float64] = [true, Number(uint64)];
    else {
      const f = parseGoFloat(text);
      if (f !== null) {
        if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
        [isFloat, float64] = [true, f];
        if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) [isInt, int64] = [true, BigInt(f)];
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) [isUint, uint64] = [true, BigInt(f)];
      }
    }
    if (!isInt && !isUint && !isFloat) this.errorf(`illegal number syntax: ${goQuote(text)}`);
    return { ...base, isInt, isUint, isFloat, isComplex: false, int64, uint64, float64 };
  }
}

function nodeDesc(n: Node | ItemNode): string {
  if (isMarker(n)) return n.type === 'end' ? '{{end}}' : '{{else}}';
  return nodeString(n);
}

/** Go's item.String(). */
function itemString(t: Item): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (isKeyword(t.type)) return `<${t.val}>`;
  if ([...t.val].length > 10) return `${goQuote([...t.val].slice(0, 10).join('')).slice(0, -1)}"...`;
  return goQuote(t.val);
}
