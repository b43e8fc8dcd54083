/** A span of text in a user's file. Lines and columns are 1-based; the end is exclusive. */
export interface SourceRange {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Where a predicted value came from (DESIGN.md, invariants). */
export type ValueSource = 'explicit' | 'defaulted' | 'predicted';

export type Severity = 'error' | 'warning' | 'info';

/** One text replacement; a quick fix is a list of these (plans are data). */
export interface TextEdit {
  range: SourceRange;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix the editor should offer first. */
  preferred?: boolean;
}

export interface RelatedInformation {
  range: SourceRange;
  message: string;
}

export interface Diagnostic {
  range: SourceRange;
  severity: Severity;
  /** Stable kebab-case id, e.g. `service-selector-no-match`. */
  code: string;
  message: string;
  related?: RelatedInformation[];
  fixes?: Fix[];
}

/** A range covering the start of a file, for findings that have no better place. */
export function fileStartRange(file: string): SourceRange {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
