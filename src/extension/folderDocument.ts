// Read-only documents generated from one workspace folder's analysis (a node's rules, a
// target's rendered manifest): the folder's URI is the document URI's query, and every open
// document of a folder is regenerated when that folder's cluster changes.
import * as vscode from 'vscode';
import type { AnalysisClient } from './analysisClient';
import { guardAsync } from './log';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

export abstract class FolderDocumentProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();

  constructor(
    protected readonly model: WorkspaceModel,
    protected readonly client: AnalysisClient,
    /** What the guard logs when generating fails, and the text shown then. */
    private readonly what: string,
    private readonly fallback: string,
  ) {
    model.onDidChange((cluster) => {
      for (const key of this.open) {
        const uri = vscode.Uri.parse(key);
        if (uri.query === cluster.folder.uri.toString()) this.changed.fire(uri);
      }
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return guardAsync(this.what, this.fallback, async () => {
      this.open.add(uri.toString());
      const cluster = this.model.all().find((c) => c.folder.uri.toString() === uri.query);
      return this.content(uri, cluster);
    });
  }

  /** The document's text; `cluster` is the folder the URI names, if it is still open. */
  protected abstract content(uri: vscode.Uri, cluster: FolderCluster | undefined): Promise<string>;
}
