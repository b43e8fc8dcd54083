import * as vscode from 'vscode';
import type { Diagnostic, Fix } from '../engine/model';
import { DIAGNOSTIC_SOURCE, toDiagnostic, toRange } from './convert';
import { guard, guardAsync } from './log';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

/** Publishes each folder's engine diagnostics to the Problems panel. */
export class DiagnosticsPublisher implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  /** Folder URI → URIs it published to, so a fixed file gets cleared. */
  private readonly published = new Map<string, vscode.Uri[]>();

  constructor(model: WorkspaceModel, context: vscode.ExtensionContext) {
    context.subscriptions.push(
      this,
      model.onDidChange((cluster) => guard('publish diagnostics', undefined, () => this.publish(cluster))),
    );
  }

  publish(cluster: FolderCluster): void {
    const key = cluster.folder.uri.toString();
    for (const uri of this.published.get(key) ?? []) this.collection.delete(uri);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    if (readSettings(cluster.folder.uri).diagnosticsEnabled && cluster.state) {
      for (const d of cluster.state.diagnostics) {
        const list = byFile.get(d.range.file) ?? [];
        list.push(toDiagnostic(d, (file) => cluster.uriOf(file)));
        byFile.set(d.range.file, list);
      }
    }
    const uris: vscode.Uri[] = [];
    for (const [file, list] of byFile) {
      const uri = cluster.uriOf(file);
      this.collection.set(uri, list);
      uris.push(uri);
    }
    this.published.set(key, uris);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

/** Engine diagnostics behind a VS Code diagnostic: same code and same start. */
function engineDiagnosticsFor(
  cluster: FolderCluster,
  path: string,
  diagnostic: vscode.Diagnostic,
): Diagnostic[] {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  return (cluster.state?.diagnostics ?? []).filter(
    (d) =>
      d.range.file === path &&
      d.code === code &&
      d.range.line - 1 === diagnostic.range.start.line &&
      d.range.column - 1 === diagnostic.range.start.character,
  );
}

function fixToAction(fix: Fix, diagnostic: vscode.Diagnostic, cluster: FolderCluster): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  const edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) edit.replace(cluster.uriOf(e.range.file), toRange(e.range), e.newText);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  action.isPreferred = fix.preferred === true;
  return action;
}

/** Quick fixes straight from the engine's fix data (plans are data; this only applies them). */
export class FixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(private readonly model: WorkspaceModel) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    return guardAsync('code actions', [], async () => {
      const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
      if (ours.length === 0) return [];
      await this.model.settled();
      const found = this.model.forUri(document.uri);
      if (!found?.cluster.state) return [];
      // Fix ranges are only valid for the text they were computed from.
      if (found.cluster.analysedText.get(found.path) !== document.getText()) return [];
      const actions: vscode.CodeAction[] = [];
      for (const diagnostic of ours) {
        for (const d of engineDiagnosticsFor(found.cluster, found.path, diagnostic)) {
          for (const fix of d.fixes ?? []) actions.push(fixToAction(fix, diagnostic, found.cluster));
        }
      }
      return actions;
    });
  }
}
