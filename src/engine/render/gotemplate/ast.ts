// The parse tree of a template (parse/node.go's node kinds) and its printer, which prints a
// tree back as Go's Node.String() does (error contexts `at <.X>` and the parse tests use it).
import { goQuote } from './lex';

/** Every node knows its offset in the text of the tree that holds it. */
interface At {
  readonly pos: number;
}

export interface TextNode extends At {
  readonly type: 'text';
  readonly text: string;
}
export interface CommentNode extends At {
  readonly type: 'comment';
  readonly text: string;
}
export interface ActionNode extends At {
  readonly type: 'action';
  readonly line: number;
  readonly pipe: PipeNode;
}
export interface IfNode extends At {
  readonly type: 'if' | 'with' | 'range';
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | null;
}
export interface TemplateNode extends At {
  readonly type: 'template';
  readonly line: number;
  readonly name: string;
  readonly pipe: PipeNode | null;
}
export interface BreakNode extends At {
  readonly type: 'break' | 'continue';
  readonly line: number;
}
export interface ListNode extends At {
  readonly type: 'list';
  readonly nodes: Node[];
}

export interface PipeNode extends At {
  readonly type: 'pipe';
  readonly line: number;
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface CommandNode extends At {
  readonly type: 'command';
  readonly args: ArgNode[];
}

export interface FieldNode extends At {
  readonly type: 'field';
  readonly ident: readonly string[];
}
export interface VariableNode extends At {
  readonly type: 'variable';
  readonly ident: readonly string[];
}
export interface ChainNode extends At {
  readonly type: 'chain';
  readonly node: ArgNode;
  readonly field: readonly string[];
}
export interface IdentifierNode extends At {
  readonly type: 'identifier';
  readonly ident: string;
}
export interface DotNode extends At {
  readonly type: 'dot';
}
export interface NilNode extends At {
  readonly type: 'nil';
}
export interface BoolNode extends At {
  readonly type: 'bool';
  readonly value: boolean;
}
export interface StringNode extends At {
  readonly type: 'string';
  /** The quoted form as written. */
  readonly quoted: string;
  readonly text: string;
}
export interface NumberNode extends At {
  readonly type: 'number';
  readonly text: string;
  readonly isInt: boolean;
  readonly isUint: boolean;
  readonly isFloat: boolean;
  readonly isComplex: boolean;
  readonly int64: bigint;
  readonly uint64: bigint;
  readonly float64: number;
}

/** What may appear as an operand of a command. */
export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | StringNode
  | NumberNode
  | PipeNode;

/** What may appear in a list. */
export type Node = TextNode | CommentNode | ActionNode | IfNode | TemplateNode | BreakNode | ListNode;

/** Any node that can be printed or located. */
export type AnyNode = Node | ArgNode | CommandNode;

/** Go's Node.String(); `quoteText` prints text nodes with %q as the parse tests do. */
export function nodeString(n: AnyNode, quoteText = false): string {
  const s = (m: AnyNode): string => nodeString(m, quoteText);
  switch (n.type) {
    case 'text':
      return quoteText ? goQuote(n.text) : n.text;
    case 'comment':
      return `{{${n.text}}}`;
    case 'action':
      return `{{${s(n.pipe)}}}`;
    case 'if':
    case 'with':
    case 'range': {
      const elsePart = n.elseList !== null ? `{{else}}${s(n.elseList)}` : '';
      return `{{${n.type} ${s(n.pipe)}}}${s(n.list)}${elsePart}{{end}}`;
    }
    case 'template':
      return n.pipe === null
        ? `{{template ${goQuote(n.name)}}}`
        : `{{template ${goQuote(n.name)} ${s(n.pipe)}}}`;
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'list':
      return n.nodes.map(s).join('');
    case 'pipe': {
      let out = '';
      if (n.decl.length > 0) {
        out = n.decl.map(s).join(', ') + (n.isAssign ? ' = ' : ' := ');
      }
      return out + n.cmds.map(s).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${s(a)})` : s(a))).join(' ');
    case 'field':
      return n.ident.map((i) => `.${i}`).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain': {
      const head = n.node.type === 'pipe' ? `(${s(n.node)})` : s(n.node);
      return head + n.field.map((f) => `.${f}`).join('');
    }
    case 'identifier':
      return n.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
  }
}
