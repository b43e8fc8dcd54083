import * as vscode from 'vscode';
import type { AnalysisClient } from './analysisClient';
import { toDiagnostic } from './convert';
import { PROFILE_FILE_NAME } from './detect';
import { guardAsync } from './log';
import { readSettings } from './settings';
import { profileRelativePath, type WorkspaceModel } from './workspaceModel';

const DEBOUNCE_MS = 300;

/**
 * Problems for every open `kubepath.cluster.yaml` that its folder does not analyse (an
 * example's, another cluster's): the profile loader's findings on its text, as `--cluster`
 * would report them. The active profile's come with the folder's analysis instead.
 */
export class ProfileDocumentDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kubepath-profiles');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Bumped per document on every change: an answer for older text is dropped. */
  private readonly versions = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly model: WorkspaceModel,
    private readonly client: AnalysisClient,
  ) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kubepath'))
          for (const d of vscode.workspace.textDocuments) this.schedule(d);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d);
  }

  /** Whether kubepath reports on this document here: a profile its folder does not analyse. */
  private wants(document: vscode.TextDocument): boolean {
    // Files wherever the workspace lives (file, vscode-remote, vscode-vfs); not git's old versions or kubepath's own documents.
    const scheme = document.uri.scheme;
    if (scheme === 'git' || scheme === 'output' || scheme.startsWith('kubepath')) return false;
    if (!document.uri.path.endsWith(`/${PROFILE_FILE_NAME}`)) return false;
    const found = this.model.forUri(document.uri);
    return !found || found.path !== profileRelativePath(readSettings(found.cluster.folder.uri));
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (!this.wants(document)) {
      this.forget(document.uri);
      return;
    }
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(document, version);
      }, DEBOUNCE_MS),
    );
  }

  private check(document: vscode.TextDocument, version: number): Promise<void> {
    return guardAsync('profile diagnostics', undefined, async () => {
      const key = document.uri.toString();
      const file = vscode.workspace.asRelativePath(document.uri);
      const diagnostics = await this.client.request({
        op: 'profileDiagnostics',
        file,
        text: document.getText(),
      });
      if (this.versions.get(key) !== version || document.isClosed) return;
      if (!readSettings(document.uri).diagnosticsEnabled || diagnostics.length === 0) {
        this.collection.delete(document.uri);
        return;
      }
      this.collection.set(
        document.uri,
        diagnostics.map((d) => toDiagnostic(d, () => document.uri)),
      );
    });
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.versions.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
    this.collection.dispose();
  }
}
