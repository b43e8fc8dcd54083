// Go's text/template for the render layer: a set of named templates sharing one function map
// and options, as Helm builds one `template.New("gotpl")` for a chart. Parse each file into
// the set (its {{define}}s join it), then execute any template by name.
//
//   const set = new TemplateSet({ funcs: sprigAndHelmFuncs, missingKey: 'zero' });
//   set.parse('mychart/templates/svc.yaml', text);      // throws TemplateParseError
//   const out = set.execute('mychart/templates/svc.yaml', values); // throws TemplateExecError
import { BUILTINS } from './builtins';
import type { ExecLimits, MissingKey, OnWrite } from './exec';
import { DEFAULT_LIMITS, executeTree } from './exec';
import type { Tree } from './parse';
import { isEmptyTree, parseTemplate } from './parse';
import type { GoFunc, OriginOf, Value } from './value';
import { utf8Length } from './value';

export type { AnyNode, ListNode, Node } from './ast';
export { nodeString } from './ast';
export { FuncError, TemplateBudgetError, TemplateExecError } from './errors';
export type { ExecLocation } from './errors';
export type { ExecLimits, MissingKey, OnWrite, OutputOrigin } from './exec';
export { DEFAULT_LIMITS } from './exec';
export { formatV, sprint, sprintf, sprintln } from './fmt';
export { formatFloat } from './floatFormat';
export { goQuote } from './lex';
export { TemplateParseError } from './parse';
export type { Tree } from './parse';
export type {
  FuncContext,
  GoFunc,
  GoNamedType,
  GoType,
  NumericKind,
  OriginOf,
  Value,
  ValueOrigin,
} from './value';
export {
  GoObject,
  GoStruct,
  GoTyped,
  TypedMap,
  TypedSlice,
  compareGoStrings,
  goFunc,
  isTrue,
  sortedKeys,
  typeName,
  typedSlice,
  utf8Length,
} from './value';

export interface TemplateSetOptions {
  /** Functions besides the builtins; a name here shadows a builtin, as in Go. */
  readonly funcs?: ReadonlyMap<string, GoFunc>;
  /** Go's missingkey option; Helm uses `zero` (and `error` with --strict). Default: `default`. */
  readonly missingKey?: MissingKey;
  readonly limits?: Partial<ExecLimits>;
  /** Where values read from maps and slices came from (reported with each action's write). */
  readonly originOf?: OriginOf;
  /**
   * Parse trees kept between sets with the same functions: `parse()` returns the trees of
   * `name` and `text` (calling `parse` when it has none). Trees are never changed once parsed.
   */
  readonly parsed?: (
    name: string,
    text: string,
    parse: () => ReadonlyMap<string, Tree>,
  ) => ReadonlyMap<string, Tree>;
}

export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  private readonly funcs: ReadonlyMap<string, GoFunc>;
  readonly missingKey: MissingKey;
  readonly limits: ExecLimits;
  readonly originOf: OriginOf | undefined;
  private readonly parsed: TemplateSetOptions['parsed'];

  constructor(options: TemplateSetOptions = {}) {
    this.funcs = options.funcs ?? new Map();
    this.originOf = options.originOf;
    this.parsed = options.parsed;
    this.missingKey = options.missingKey ?? 'default';
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  /** Whether a function name is defined (parse fails on unknown names, as Go's does). */
  hasFunction(name: string): boolean {
    return this.funcs.has(name) || BUILTINS.has(name);
  }

  /**
   * Parses `text` as template `name` and adds it and its {{define}}/{{block}} templates to the
   * set. As Go's AddParseTree: a later definition replaces an earlier one, except that an
   * empty body never replaces a non-empty one. Throws TemplateParseError.
   */
  parse(name: string, text: string): void {
    const parse = () => parseTemplate(name, text, (f) => this.hasFunction(f));
    const parsed = this.parsed ? this.parsed(name, text, parse) : parse();
    for (const [n, tree] of parsed) {
      const old = this.trees.get(n);
      if (old !== undefined && isEmptyTree(tree.root)) continue;
      this.trees.set(n, tree);
    }
  }

  /**
   * A copy sharing the parsed trees and options (Go's Clone), with other functions if given:
   * Helm's tpl parses its text into a clone whose include sees the clone's definitions.
   */
  clone(funcs?: ReadonlyMap<string, GoFunc>): TemplateSet {
    const copy = new TemplateSet({
      funcs: funcs ?? this.funcs,
      missingKey: this.missingKey,
      limits: this.limits,
      ...(this.originOf !== undefined ? { originOf: this.originOf } : {}),
    });
    for (const [n, tree] of this.trees) copy.trees.set(n, tree);
    return copy;
  }

  /** The template names defined so far. */
  names(): string[] {
    return [...this.trees.keys()];
  }

  lookup(name: string): Tree | undefined {
    return this.trees.get(name);
  }

  /**
   * Executes template `name` with `data` as dot. Throws TemplateExecError (or
   * TemplateBudgetError). `onWrite` sees every piece of output with the node that wrote it.
   */
  execute(name: string, data: Value, onWrite?: OnWrite): string {
    return executeTree(
      {
        trees: this.trees,
        lookupFunc: (f) => this.funcs.get(f) ?? BUILTINS.get(f),
        isBuiltin: (f, fn) => BUILTINS.get(f) === fn,
        missingKey: this.missingKey,
        limits: this.limits,
        ...(this.originOf !== undefined ? { originOf: this.originOf } : {}),
      },
      name,
      data,
      onWrite,
    );
  }
}

/** 1-based line and 0-based UTF-8 byte column of an offset in a tree's text (Go's ErrorContext). */
export function positionOf(tree: Tree, pos: number): { line: number; column: number } {
  const before = tree.text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: utf8Length(nl < 0 ? before : before.slice(nl + 1)) };
}

/** Parses one template text alone (no set), for syntax checks. Throws TemplateParseError. */
export function parse(
  name: string,
  text: string,
  funcs: ReadonlyMap<string, GoFunc> = new Map(),
): Map<string, Tree> {
  return parseTemplate(name, text, (f) => funcs.has(f) || BUILTINS.has(f));
}
