import * as vscode from 'vscode';
import type { Diagnostic, Severity, SourceRange } from '../engine/model';
import type { Position1 } from './lookup';

// Engine ranges are 1-based with an exclusive end; VS Code's are 0-based.
export function toRange(range: SourceRange): vscode.Range {
  const start = new vscode.Position(Math.max(0, range.line - 1), Math.max(0, range.column - 1));
  const end = new vscode.Position(Math.max(0, range.endLine - 1), Math.max(0, range.endColumn - 1));
  return new vscode.Range(start, end.isBefore(start) ? start : end);
}

export function toPosition1(position: vscode.Position): Position1 {
  return { line: position.line + 1, column: position.character + 1 };
}

export function toSeverity(severity: Severity): vscode.DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    default:
      return vscode.DiagnosticSeverity.Information;
  }
}

export const DIAGNOSTIC_SOURCE = 'kubepath';

/** `uriOf` maps the engine's workspace-relative file to a URI in the right folder. */
export function toDiagnostic(d: Diagnostic, uriOf: (file: string) => vscode.Uri): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d.range), d.message, toSeverity(d.severity));
  out.source = DIAGNOSTIC_SOURCE;
  out.code = d.code;
  if (d.related && d.related.length > 0) {
    out.relatedInformation = d.related.map(
      (r) =>
        new vscode.DiagnosticRelatedInformation(
          new vscode.Location(uriOf(r.range.file), toRange(r.range)),
          r.message,
        ),
    );
  }
  return out;
}

export function toLocation(range: SourceRange, uriOf: (file: string) => vscode.Uri): vscode.Location {
  return new vscode.Location(uriOf(range.file), toRange(range));
}
