// The executor of Go's text/template (exec.go): walks a tree with dot and the variable stack,
// evaluates pipelines, fields, functions and their Go-typed arguments, and raises errors with
// Go's wording and location. Work is bounded: template depth (Go's maxExecDepth, at the value
// Go uses on wasm), a step budget and an output cap, each ending in a TemplateBudgetError.
import type {
  AnyNode,
  ArgNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  IfNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from './ast';
import { nodeString } from './ast';
import { TemplateBudgetError, TemplateExecError } from './errors';
import { formatV } from './fmt';
import { goQuote } from './lex';
import type { Tree } from './parse';
import type { FuncContext, GoFunc, GoType, OriginOf, Value, ValueOrigin } from './value';
import {
  GoObject,
  GoStruct,
  GoTyped,
  isGoFunc,
  isTrue,
  mapElemZero,
  sortedKeys,
  typeName,
  utf8Length,
} from './value';

/** Go's Option("missingkey=…"): default and invalid print `<no value>`; zero gives the element zero (nil); error fails. */
export type MissingKey = 'default' | 'invalid' | 'zero' | 'error';

export interface ExecLimits {
  /** Nested {{template}} / include depth (Go: maxExecDepth, 100000; 1000 on wasm, as here). */
  readonly maxDepth: number;
  /** Evaluation steps (nodes walked and commands evaluated) per execution. */
  readonly maxSteps: number;
  /** Output size in UTF-16 code units per execution. */
  readonly maxOutput: number;
}

export const DEFAULT_LIMITS: ExecLimits = {
  maxDepth: 1000,
  maxSteps: 10_000_000,
  maxOutput: 64 * 1024 * 1024,
};

/** What the executor needs from a template set. */
export interface ExecEnv {
  readonly trees: ReadonlyMap<string, Tree>;
  lookupFunc(name: string): GoFunc | undefined;
  isBuiltin(name: string, fn: GoFunc): boolean;
  readonly missingKey: MissingKey;
  readonly limits: ExecLimits;
  /** Where values read from maps and slices came from; absent: origins are not tracked. */
  readonly originOf?: OriginOf;
}

/**
 * Where a piece of the final output came from: the tree and offset of the text or action
 * node that wrote it (for source maps). Output produced inside a function (include) is
 * reported as the action that printed the function's result.
 */
export interface OutputOrigin {
  readonly tree: Tree;
  readonly pos: number;
  readonly kind: 'text' | 'action';
  /**
   * For an action, where the values it printed came from (ExecEnv.originOf of the fields,
   * variables, dot and range elements it read, through includes and pipelines).
   */
  readonly values?: readonly ValueOrigin[];
}

export type OnWrite = (chunk: string, origin: OutputOrigin) => void;

/** Shared across nested executions of one run (include/tpl share the budgets). */
interface Budget {
  steps: number;
  output: number;
  /** The origins read by the action being printed (null outside one, or untracked). */
  collect: ValueOrigin[] | null;
}

interface Var {
  readonly name: string;
  value: Value;
  /** Where its value came from (the origins its declaration read). */
  origins?: readonly ValueOrigin[];
}

const NO_ORIGINS: readonly ValueOrigin[] = [];

const MISSING = Symbol('missing');
type Final = Value | typeof MISSING;

type Flow = 'normal' | 'break' | 'continue';

/** Executes template `name` of `env` with `data` as dot; throws TemplateExecError. */
export function executeTree(env: ExecEnv, name: string, data: Value, onWrite?: OnWrite): string {
  const tree = env.trees.get(name);
  if (tree === undefined) {
    throw new TemplateExecError(
      `template: no template ${goQuote(name)} associated with template ${goQuote(name)}`,
      name,
      `no template ${goQuote(name)}`,
      null,
      '',
    );
  }
  const out: string[] = [];
  // Go's Execute takes dot as interface{}: a nil one is no value at all.
  const dot = data === null ? undefined : data;
  const state = new State(env, tree, out, { steps: 0, output: 0, collect: null }, 0, dot, onWrite);
  try {
    state.walk(dot, tree.root);
  } catch (e) {
    // Depth is bounded by maxDepth, but a chain of includes inside nested blocks can use
    // up a fixed JavaScript stack first: that ends as a budget error too, never a crash.
    if (e instanceof RangeError) state.budgetError('template nesting exceeds the JavaScript stack');
    throw e;
  }
  return out.join('');
}

class State implements FuncContext {
  private vars: Var[];
  private node: AnyNode | null = null;
  /** Where dot came from (a `with` pipeline's reads, a range element). */
  private dotOrigins: readonly ValueOrigin[] = NO_ORIGINS;
  private readonly tracking: boolean;

  constructor(
    private readonly env: ExecEnv,
    private readonly tree: Tree,
    private readonly out: string[],
    private readonly budget: Budget,
    private readonly depth: number,
    dollar: Value,
    /** Only the states writing the final output report their writes. */
    private readonly onWrite?: OnWrite,
  ) {
    this.vars = [{ name: '$', value: dollar }];
    this.tracking = env.originOf !== undefined;
  }

  // ---- errors ----

  private location(): { loc: string; file: string; line: number; column: number; context: string } {
    const n = this.node;
    if (n === null)
      return { loc: this.tree.parseName, file: this.tree.parseName, line: 0, column: 0, context: '' };
    const before = this.tree.text.slice(0, n.pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const column = nl < 0 ? utf8Length(before) : utf8Length(before.slice(nl + 1));
    let context = nodeString(n);
    if (utf8Length(context) > 20) context = truncateBytes(context, 20) + '...';
    return {
      loc: `${this.tree.parseName}:${line}:${column}`,
      file: this.tree.parseName,
      line,
      column,
      context,
    };
  }

  errorf(reason: string): never {
    throw this.makeError(reason, TemplateExecError);
  }

  budgetError(reason: string): never {
    throw this.makeError(reason, TemplateBudgetError);
  }

  private makeError(reason: string, Kind: typeof TemplateExecError): TemplateExecError {
    const name = this.tree.name;
    if (this.node === null) return new Kind(`template: ${name}: ${reason}`, name, reason, null, '');
    const l = this.location();
    return new Kind(
      `template: ${l.loc}: executing ${goQuote(name)} at <${l.context}>: ${reason}`,
      name,
      reason,
      { file: l.file, line: l.line, column: l.column },
      l.context,
    );
  }

  private step(): void {
    if (++this.budget.steps > this.env.limits.maxSteps) {
      this.budgetError(`template execution exceeded the step budget (${this.env.limits.maxSteps} steps)`);
    }
  }

  private write(s: string, values?: readonly ValueOrigin[]): void {
    this.budget.output += s.length;
    if (this.budget.output > this.env.limits.maxOutput) {
      this.budgetError(`template output exceeded the limit (${this.env.limits.maxOutput} characters)`);
    }
    this.out.push(s);
    const n = this.node;
    if (this.onWrite !== undefined && n !== null) {
      const kind = n.type === 'text' ? 'text' : 'action';
      this.onWrite(
        s,
        values !== undefined && values.length > 0
          ? { tree: this.tree, pos: n.pos, kind, values }
          : { tree: this.tree, pos: n.pos, kind },
      );
    }
  }

  // ---- FuncContext ----

  executeTemplate(name: string, data: Value): string {
    const tree = this.env.trees.get(name);
    if (tree === undefined) {
      throw new TemplateExecError(
        `template: no template ${goQuote(name)} associated with template ${goQuote(this.tree.name)}`,
        name,
        `no template ${goQuote(name)}`,
        null,
        '',
      );
    }
    if (this.depth + 1 >= this.env.limits.maxDepth)
      this.budgetError(`exceeded maximum template depth (${this.env.limits.maxDepth})`);
    const out: string[] = [];
    new State(this.env, tree, out, this.budget, this.depth + 1, data).walk(data, tree.root);
    return out.join('');
  }

  addValueOrigins(origins: readonly ValueOrigin[]): void {
    const c = this.budget.collect;
    if (c !== null) for (const o of origins) c.push(o);
  }

  // ---- origins ----

  /** Notes the origin of `container[key]` for the action being printed. */
  private noteRead(container: object, key: string | number, v: Value): void {
    const c = this.budget.collect;
    if (c === null || v === '' || v === null || v === undefined) return;
    const o = this.env.originOf?.(container, key);
    if (o !== undefined) c.push(o);
  }

  private noteOrigins(origins: readonly ValueOrigin[] | undefined): void {
    const c = this.budget.collect;
    if (c !== null && origins !== undefined) for (const o of origins) c.push(o);
  }

  /** Evaluates a pipeline collecting what it reads on its own (a declaration, a with/range head). */
  private evalCollecting(dot: Value, pipe: PipeNode): { val: Value; origins: readonly ValueOrigin[] } {
    const b = this.budget;
    const save = b.collect;
    b.collect = [];
    try {
      const val = this.evalPipeline(dot, pipe);
      return { val, origins: b.collect };
    } finally {
      b.collect = save;
    }
  }

  // ---- walk ----

  walk(dot: Value, node: Node): Flow {
    this.node = node;
    // A list only holds other nodes; counting those keeps budget errors on a real node.
    if (node.type !== 'list') this.step();
    switch (node.type) {
      case 'action': {
        if (!this.tracking) {
          const val = this.evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.printValue(node, val);
          return 'normal';
        }
        if (node.pipe.decl.length > 0) {
          this.evalCollecting(dot, node.pipe);
          return 'normal';
        }
        // Inside an include an action's reads belong to the outer action that prints the result.
        const b = this.budget;
        const outer = b.collect;
        if (outer !== null) {
          this.printValue(node, this.evalPipeline(dot, node.pipe));
          return 'normal';
        }
        b.collect = [];
        let val: Value;
        let origins: ValueOrigin[];
        try {
          val = this.evalPipeline(dot, node.pipe);
        } finally {
          origins = b.collect;
          b.collect = null;
        }
        this.printValue(node, val, unique(origins));
        return 'normal';
      }
      case 'comment':
        return 'normal';
      case 'break':
        return 'break';
      case 'continue':
        return 'continue';
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) {
          const flow = this.walk(dot, n);
          if (flow !== 'normal') return flow;
        }
        return 'normal';
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        this.walkTemplate(dot, node);
        return 'normal';
      case 'text':
        this.write(node.text);
        return 'normal';
    }
  }

  private walkIfOrWith(dot: Value, node: IfNode): Flow {
    const mark = this.vars.length;
    const dotOrigins = this.dotOrigins;
    try {
      let val: Value;
      if (this.tracking) {
        const r = this.evalCollecting(dot, node.pipe);
        val = r.val;
        if (node.type === 'with' && isTrue(val)) this.dotOrigins = r.origins;
      } else val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) return this.walk(node.type === 'with' ? val : dot, node.list);
      this.dotOrigins = dotOrigins;
      if (node.elseList !== null) return this.walk(dot, node.elseList);
      return 'normal';
    } finally {
      this.vars.length = mark;
      this.dotOrigins = dotOrigins;
    }
  }

  private walkRange(dot: Value, r: IfNode): Flow {
    this.node = r;
    const mark = this.vars.length;
    const dotOrigins = this.dotOrigins;
    try {
      const val = this.tracking ? this.evalCollecting(dot, r.pipe).val : this.evalPipeline(dot, r.pipe);
      const inner = this.vars.length;
      const decl = r.pipe.decl;
      const container = typeof val === 'object' && val !== null ? val : undefined;
      const one = (index: Value, elem: Value): Flow => {
        let origins: readonly ValueOrigin[] | undefined;
        if (this.tracking && container !== undefined) {
          const o = this.env.originOf?.(
            container,
            typeof index === 'bigint' ? Number(index) : (index as string),
          );
          origins = o === undefined ? NO_ORIGINS : [o];
          this.dotOrigins = origins;
        }
        if (decl.length > 0) {
          if (r.pipe.isAssign)
            this.setVar(
              decl[0]!.ident[0]!,
              decl.length > 1 ? index : elem,
              decl.length > 1 ? undefined : origins,
            );
          else {
            const v = this.vars[this.vars.length - 1]!;
            v.value = elem;
            v.origins = origins;
          }
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem, origins);
          else this.vars[this.vars.length - 2]!.value = index;
        }
        this.step();
        try {
          return this.walk(elem, r.list);
        } finally {
          this.vars.length = inner;
        }
      };
      let ran = false;
      if (Array.isArray(val)) {
        const items = val as readonly Value[];
        for (let i = 0; i < items.length; i++) {
          ran = true;
          if (one(BigInt(i), items[i]) === 'break') break;
        }
      } else if (val instanceof Map) {
        const m = val as ReadonlyMap<string, Value>;
        for (const k of sortedKeys(m)) {
          ran = true;
          if (one(k, m.get(k)) === 'break') break;
        }
      } else if (typeof val === 'bigint' || (val instanceof GoTyped && typeof val.value === 'bigint')) {
        if (decl.length > 1) this.errorf(`can't use ${formatV(val)} to iterate over more than one variable`);
        const n = typeof val === 'bigint' ? val : (val.value as bigint);
        for (let i = 0n; i < n; i++) {
          ran = true;
          const iv: Value = typeof val === 'bigint' ? i : new GoTyped(val.kind, i);
          if (one(iv, iv) === 'break') break;
        }
      } else if (val !== undefined && val !== null) {
        this.errorf(`range can't iterate over ${formatV(val)}`);
      }
      this.dotOrigins = dotOrigins;
      if (!ran && r.elseList !== null) return this.walk(dot, r.elseList);
      return 'normal';
    } finally {
      this.vars.length = mark;
      this.dotOrigins = dotOrigins;
    }
  }

  private walkTemplate(dot: Value, t: TemplateNode): void {
    this.node = t;
    const tree = this.env.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth + 1 >= this.env.limits.maxDepth)
      this.budgetError(`exceeded maximum template depth (${this.env.limits.maxDepth})`);
    let newDot: Value = undefined;
    let origins: readonly ValueOrigin[] = NO_ORIGINS;
    if (t.pipe !== null && this.tracking) ({ val: newDot, origins } = this.evalCollecting(dot, t.pipe));
    else if (t.pipe !== null) newDot = this.evalPipeline(dot, t.pipe);
    const nested = new State(this.env, tree, this.out, this.budget, this.depth + 1, newDot, this.onWrite);
    nested.dotOrigins = origins;
    nested.walk(newDot, tree.root);
  }

  // ---- variables ----

  private setVar(name: string, value: Value, origins?: readonly ValueOrigin[]): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        this.vars[i]!.origins = origins;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  private varOrigins(name: string): readonly ValueOrigin[] | undefined {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === name) return this.vars[i]!.origins;
    return undefined;
  }

  // ---- evaluation ----

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.node = pipe;
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result becomes "no value", as Go digs into interface values.
      if (value === null) value = undefined;
    }
    const v = value === MISSING ? undefined : value;
    // A declaration's pipeline is evaluated collecting on its own (evalCollecting).
    const origins = this.tracking && pipe.decl.length > 0 ? unique(this.budget.collect ?? []) : undefined;
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0]!, v, origins);
      else this.vars.push({ name: variable.ident[0]!, value: v, origins });
    }
    return v;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Final): Value {
    this.step();
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        if (this.tracking) this.noteOrigins(this.dotOrigins);
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through: errorf never returns
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(c: NumberNode): Value {
    this.node = c;
    if (c.isComplex) this.errorf(`complex constant ${c.text} is not supported`);
    const hexInt =
      c.text.length > 2 && c.text[0] === '0' && 'xX'.includes(c.text[1]!) && !/[pP]/.test(c.text);
    if (c.isFloat && !hexInt && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return c.float64;
    if (c.isInt) return c.int64;
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: Value, field: FieldNode, args: readonly ArgNode[], final: Final): Value {
    this.node = field;
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Value, chain: ChainNode, args: readonly ArgNode[], final: Final): Value {
    this.node = chain;
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    // Go evaluates the head with no target type: a nil result stays "no value".
    const pipe = this.evalArg(dot, 'reflect.Value', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Value, v: VariableNode, args: readonly ArgNode[], final: Final): Value {
    this.node = v;
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      if (this.tracking) this.noteOrigins(this.varOrigins(v.ident[0]!));
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: Value,
    receiver: Value,
    node: AnyNode,
    ident: readonly string[],
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++)
      receiver = this.evalField(dot, ident[i]!, node, [], MISSING, receiver, false);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, this.tracking);
  }

  private evalField(
    dot: Value,
    fieldName: string,
    node: AnyNode,
    args: readonly ArgNode[],
    final: Final,
    receiver: Value,
    note: boolean,
  ): Value {
    this.node = node;
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof GoStruct) {
      const method = receiver.methods.get(fieldName);
      if (method !== undefined) return this.evalCall(dot, method, false, node, fieldName, args, final);
      if (receiver.isStruct) {
        if (!receiver.has(fieldName))
          this.errorf(`can't evaluate field ${fieldName} in type ${receiver.goType}`);
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return receiver.get(fieldName);
      }
    }
    if (receiver instanceof Map) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const m = receiver as ReadonlyMap<string, Value>;
      if (m.has(fieldName)) {
        const v = m.get(fieldName);
        if (note) this.noteRead(m, fieldName, v);
        return v;
      }
      switch (this.env.missingKey) {
        case 'zero':
          return mapElemZero(m);
        case 'error':
          this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
        // falls through: errorf never returns
        default:
          return undefined;
      }
    }
    if (receiver instanceof GoObject) {
      const method = receiver.methods.get(fieldName);
      if (method !== undefined) return this.evalCall(dot, method, false, node, fieldName, args, final);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  private evalFunction(
    dot: Value,
    node: IdentifierNode,
    cmd: CommandNode,
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    this.node = node;
    const name = node.ident;
    const fn = this.env.lookupFunc(name);
    if (fn === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, fn, this.env.isBuiltin(name, fn), cmd, name, args, final);
  }

  private evalCall(
    dot: Value,
    fn: GoFunc,
    builtin: boolean,
    node: AnyNode,
    name: string,
    argNodes: readonly ArgNode[],
    final: Final,
  ): Value {
    const args = argNodes.slice(1);
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    const params = fn.params;
    if (fn.variadic !== undefined) {
      numFixed = params.length;
      if (numIn < numFixed)
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    // and/or evaluate their arguments lazily and return the deciding one.
    if (builtin && (name === 'and' || name === 'or')) {
      let v: Value = undefined;
      for (const a of args) {
        v = this.evalArg(dot, 'reflect.Value', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: Value[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, params[i]!, args[i]!));
    if (fn.variadic !== undefined)
      for (; i < args.length; i++) argv.push(this.evalArg(dot, fn.variadic, args[i]!));
    if (final !== MISSING) {
      let t: GoType = params[params.length - 1] ?? fn.variadic!;
      if (fn.variadic !== undefined) t = numIn - 1 < numFixed ? params[numIn - 1]! : fn.variadic;
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.call(argv, this);
    } catch (e) {
      // Budgets and stack exhaustion pass through untouched (no work on an exhausted stack).
      if (e instanceof TemplateBudgetError || e instanceof RangeError) throw e;
      this.node = node;
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private validateType(value: Value, t: GoType): Value {
    if (t === 'reflect.Value') return value;
    if (value === undefined) {
      if (canBeNil(t)) return null;
      this.errorf(`invalid value; expected ${t}`);
    }
    if (t === 'interface {}') return value;
    if (value === null) this.errorf(`wrong type for value; expected ${t}; got interface {}`);
    if (typeName(value) !== t) this.errorf(`wrong type for value; expected ${t}; got ${typeName(value)}`);
    return value;
  }

  private evalArg(dot: Value, t: GoType, n: ArgNode): Value {
    this.node = n;
    switch (n.type) {
      case 'dot':
        if (this.tracking) this.noteOrigins(this.dotOrigins);
        return this.validateType(dot, t);
      case 'nil':
        if (canBeNil(t)) return t === 'reflect.Value' ? undefined : null;
        this.errorf(`cannot assign nil to ${t}`);
      // falls through: errorf never returns
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), t);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING), t);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), t);
      case 'identifier':
        return this.validateType(
          this.evalFunction(dot, n, { type: 'command', pos: n.pos, args: [n] }, [n], MISSING),
          t,
        );
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), t);
    }
    switch (t) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int64;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float64;
        this.errorf(`expected float; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'float32':
        if (n.type === 'number' && n.isFloat) return new GoTyped('float32', n.float64);
        this.errorf(`expected float; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'interface {}':
      case 'reflect.Value':
        return this.evalEmptyInterface(dot, n);
      case 'int8':
      case 'int16':
      case 'int32':
      case 'int64':
        if (n.type === 'number' && n.isInt) return new GoTyped(t, n.int64);
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'uint':
      case 'uint8':
      case 'uint16':
      case 'uint32':
      case 'uint64':
      case 'uintptr':
        if (n.type === 'number' && n.isUint) return new GoTyped(t, n.uint64);
        this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${t}`);
  }

  private evalEmptyInterface(dot: Value, n: ArgNode): Value {
    this.node = n;
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
      default:
        this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
    }
  }

  private printValue(n: Node, v: Value, origins?: readonly ValueOrigin[]): void {
    this.node = n;
    if (v === undefined || v === null) {
      this.write('<no value>');
      return;
    }
    if (isGoFunc(v)) this.errorf(`can't print ${nodeString(n)} of type ${typeName(v)}`);
    this.write(formatV(v), origins);
  }
}

function unique(list: readonly ValueOrigin[]): readonly ValueOrigin[] {
  if (list.length < 2) return list;
  return [...new Set(list)];
}

function canBeNil(t: GoType): boolean {
  return (
    t === 'interface {}' || t === 'reflect.Value' || t === '[]interface {}' || t === 'map[string]interface {}'
  );
}

function truncateBytes(s: string, n: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = utf8Length(ch);
    if (bytes + b > n) break;
    bytes += b;
    out += ch;
  }
  return out;
}
