// The trace documents of "Kubepath: Trace Request": read-only virtual documents
// (`kubepath-trace:` scheme) holding a finished trace's summary and every hop, opened beside
// the editor from the trace's notification instead of popping the Output panel over it.
import * as vscode from 'vscode';
import { traceDocumentPath, traceDocumentText } from './traceDocumentText';
import type { TraceTexts } from './traceDocumentText';

export const TRACE_SCHEME = 'kubepath-trace';

/** Traces kept for reopening; older ones are dropped (their documents then say so). */
const KEPT = 20;

export class TraceDocumentProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private serial = 0;

  /** Keeps a finished trace; its document's URI. */
  add(target: string, t: TraceTexts): vscode.Uri {
    this.serial++;
    const uri = vscode.Uri.from({
      scheme: TRACE_SCHEME,
      path: traceDocumentPath(target, t.from, this.serial),
    });
    this.texts.set(uri.toString(), traceDocumentText(t));
    for (const key of this.texts.keys()) {
      if (this.texts.size <= KEPT) break;
      this.texts.delete(key);
    }
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      '# kubepath: this trace is no longer kept; run Kubepath: Trace Request again\n'
    );
  }
}

/** Opens a trace document beside the active editor. */
export async function showTraceDocument(uri: vscode.Uri): Promise<void> {
  await vscode.window.showTextDocument(uri, {
    viewColumn: vscode.ViewColumn.Beside,
    preview: true,
  });
}
