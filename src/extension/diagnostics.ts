import * as vscode from 'vscode';
import type { Diagnostic, Fix } from '../engine/model';
import { DIAGNOSTIC_SOURCE, toDiagnostic, toRange } from './convert';
import { SlicedQueue } from './hostSync';
import { background, guard, guardAsync } from './log';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

/** What the publisher holds of a folder: the files it published to and those still to publish. */
interface FolderPublish {
  cluster: FolderCluster;
  enabled: boolean;
  /** Files it published to (folder-relative), so a fixed file gets cleared. */
  readonly published: Set<string>;
  readonly queue: SlicedQueue<string>;
}

/**
 * Publishes each folder's engine diagnostics to the Problems panel, a slice of files at a time
 * (hostSync's SlicedQueue: ten thousand files do not hold the host's thread).
 */
export class DiagnosticsPublisher implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  /** Folder URI → what is published there. */
  private readonly folders = new Map<string, FolderPublish>();
  private disposed = false;

  constructor(model: WorkspaceModel, context: vscode.ExtensionContext) {
    context.subscriptions.push(
      this,
      model.onDidChange((cluster) => guard('publish diagnostics', undefined, () => this.publish(cluster))),
    );
  }

  /** Publishes the files whose diagnostics changed since the last publish (all after a reload). */
  publish(cluster: FolderCluster): void {
    const key = cluster.folder.uri.toString();
    const changed = cluster.changedDiagnostics;
    cluster.changedDiagnostics = [];
    let folder = this.folders.get(key);
    if (!folder) {
      const published = new Set<string>();
      const created: FolderPublish = {
        cluster,
        enabled: true,
        published,
        queue: new SlicedQueue((file) => this.publishFile(created, file)),
      };
      this.folders.set(key, (folder = created));
    }
    folder.cluster = cluster;
    folder.enabled = readSettings(cluster.folder.uri).diagnosticsEnabled;
    const files = changed === 'all' ? [...folder.published, ...cluster.diagnostics.keys()] : changed;
    background('publish diagnostics', folder.queue.add(files));
  }

  private publishFile(folder: FolderPublish, file: string): void {
    if (this.disposed) return;
    const { cluster, published } = folder;
    const list = folder.enabled ? cluster.diagnostics.get(file) : undefined;
    const uri = cluster.uriOf(file);
    if (list && list.length > 0) {
      this.collection.set(
        uri,
        list.map((d) => toDiagnostic(d, (f) => cluster.uriOf(f))),
      );
      published.add(file);
    } else if (published.delete(file)) {
      this.collection.delete(uri);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const folder of this.folders.values()) folder.queue.clear();
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
  return (cluster.diagnostics.get(path) ?? []).filter(
    (d) =>
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
      if (!found?.cluster.summary) return [];
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
