// The errors execution raises, shaped as Go's ExecError text:
// `template: FILE:LINE:COL: executing "NAME" at <CONTEXT>: REASON`.

/** Where an execution error happened: the file (parse name), 1-based line, 0-based byte column as Go prints it. */
export interface ExecLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export class TemplateExecError extends Error {
  override readonly name: string = 'TemplateExecError';
  constructor(
    message: string,
    /** The template being executed (a file or a {{define}} name). */
    readonly template: string,
    /** Go's reason text alone, without the location prefix. */
    readonly reason: string,
    readonly location: ExecLocation | null,
    /** The node text Go shows in `at <…>` (truncated to 20 bytes as Go does). */
    readonly context: string,
  ) {
    super(message);
  }
}

/** A budget ran out (depth, steps, output): never wrapped by `error calling …`. */
export class TemplateBudgetError extends TemplateExecError {
  override readonly name = 'TemplateBudgetError';
}

/** What a template function throws to fail as Go's `(T, error)` functions do. */
export class FuncError extends Error {
  override readonly name = 'FuncError';
}
