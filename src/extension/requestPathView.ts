import * as vscode from 'vscode';
import type { HostToWebview, Selection, Snapshot, SourceLocation } from '../../webview/protocol';
import { parseWebviewMessage } from '../../webview/protocol';
import { background, guard, log } from './log';
import { createNonce, requestPathHtml } from './requestPathHtml';
import type { AnalysisClient } from './analysisClient';
import type { WorkspaceModel } from './workspaceModel';

export const REQUEST_PATH_VIEW_ID = 'kubepath.requestPath';

/**
 * Everything the view needs from the rest of the extension, injected so the view does not
 * care how the workspace is analysed or traced.
 */
export interface RequestPathSources {
  /** What the webview draws for `selection` (the analysis worker builds it). */
  snapshot(selection: Selection | null, status: string): Promise<Snapshot>;
  /** Fires after any folder was re-analysed. */
  onDidChange?: vscode.Event<unknown>;
  /** The file a snapshot's SourceLocation names; undefined for unknown files (never trust the webview). */
  resolve(folder: string, file: string): vscode.Uri | undefined;
  /** One line for the panel footer. */
  status?(): string;
  /** Called when the view is first shown (e.g. to start the workspace analysis). */
  onViewOpened?(): void;
}

/** The side panel: a WebviewViewProvider that answers `ready`/`select` with full snapshots. */
export class RequestPathView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private selection: Selection | null = null;
  /** The folder of the service in the last snapshot: revealSource paths are relative to it. */
  private folder = '';
  private ready = false;
  private stale = false;
  /** Bumped per refresh: an older snapshot arriving late is dropped. */
  private sequence = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sources: RequestPathSources,
  ) {
    if (sources.onDidChange) this.disposables.push(sources.onDidChange(() => this.refresh()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    view.webview.html = requestPathHtml({
      cspSource: view.webview.cspSource,
      nonce: createNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUris: [view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'requestPath.css')).toString()],
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)),
      view.onDidChangeVisibility(() => {
        if (view.visible && this.stale) this.refresh();
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
      }),
    );
    guard('request path view opened', undefined, () => this.sources.onViewOpened?.());
  }

  /** Shows the panel on a service/port/entry (the Trace Request command, CodeLens). */
  async show(selection: Selection): Promise<void> {
    this.selection = selection;
    await vscode.commands.executeCommand(`${REQUEST_PATH_VIEW_ID}.focus`);
    this.refresh();
  }

  /** Sends a fresh snapshot if the webview is listening; otherwise sends one when it becomes visible. */
  refresh(): void {
    background('request path snapshot', this.refreshNow());
  }

  private async refreshNow(): Promise<void> {
    const view = this.view;
    if (!view || !this.ready || !view.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const sequence = ++this.sequence;
    const snapshot = await this.sources.snapshot(this.selection, this.sources.status?.() ?? '');
    if (sequence !== this.sequence || this.view !== view) return;
    guard('request path snapshot', undefined, () => {
      this.selection = snapshot.selection;
      this.folder = snapshot.services.find((s) => s.id === snapshot.selection.serviceId)?.folder ?? '';
      const message: HostToWebview = { type: 'snapshot', snapshot };
      background('post snapshot', view.webview.postMessage(message));
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private onMessage(raw: unknown): void {
    guard('request path message', undefined, () => {
      const message = parseWebviewMessage(raw);
      if (!message) return;
      switch (message.type) {
        case 'ready':
          this.ready = true;
          // The webview's restored selection wins unless the host was asked to show another one.
          if (message.selection && !this.selection) this.selection = message.selection;
          this.refresh();
          break;
        case 'select':
          this.selection = message.selection;
          this.refresh();
          break;
        case 'revealSource':
          background('reveal source', this.reveal(message.source));
          break;
        case 'showProblem':
          background(
            'show problem',
            this.reveal(message.source).then(() => vscode.commands.executeCommand('editor.action.showHover')),
          );
          break;
        case 'applyFix':
          background('apply quick fix', this.applyFix(message.source, message.title));
          break;
      }
    });
  }

  /** Runs the editor's own quick fix (the code action the language features offer) with that title. */
  private async applyFix(source: SourceLocation, title: string): Promise<void> {
    const uri = this.sources.resolve(this.folder, source.file);
    if (!uri) return;
    const range = new vscode.Range(
      source.line - 1,
      source.column - 1,
      source.endLine - 1,
      Math.max(0, source.endColumn - 1),
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const action = actions.find((a) => a.title === title);
    if (!action) {
      log().warn(`request path: no quick fix "${title}" at ${source.file}:${source.line}`);
      return;
    }
    if (action.edit) await vscode.workspace.applyEdit(action.edit);
    if (action.command)
      await vscode.commands.executeCommand(
        action.command.command,
        ...((action.command.arguments ?? []) as unknown[]),
      );
  }

  private async reveal(source: SourceLocation): Promise<void> {
    const uri = this.sources.resolve(this.folder, source.file);
    if (!uri) {
      log().warn(`request path: not a workspace file: ${source.file}`);
      return;
    }
    const start = new vscode.Position(source.line - 1, source.column - 1);
    const end = new vscode.Position(source.endLine - 1, Math.max(0, source.endColumn - 1));
    await vscode.window.showTextDocument(uri, {
      selection: new vscode.Range(start, end.isBefore(start) ? start : end),
      preview: true,
      viewColumn: vscode.ViewColumn.One,
    });
  }
}

/**
 * Adapts the extension's WorkspaceModel (one simulated cluster per workspace folder) to the
 * view.
 */
export function workspaceModelSources(
  model: WorkspaceModel,
  client: AnalysisClient,
  options: { onViewOpened?: () => void } = {},
): RequestPathSources {
  const clusters = () => model.all();
  const nameOf = (name: string, count: number): string => (count > 1 ? name : '');
  return {
    snapshot(selection, status) {
      const all = clusters();
      return client.request({
        op: 'panel',
        folders: all
          .filter((c) => c.summary)
          .map((c) => ({ folder: c.folder.uri.toString(), name: nameOf(c.folder.name, all.length) })),
        selection,
        status,
      });
    },
    onDidChange: model.onDidChange,
    resolve(folder, file) {
      if (file === '' || file.startsWith('/') || file.split('/').includes('..')) return undefined;
      const all = clusters();
      const cluster = all.find((c) => nameOf(c.folder.name, all.length) === folder);
      // Only files the analysis read: the webview cannot make the host open anything else.
      if (!cluster || cluster.textOf(file) === undefined) return undefined;
      return cluster.uriOf(file);
    },
    status() {
      const all = clusters();
      if (all.length === 0) return 'Open a Kubernetes YAML file to start the analysis.';
      return all
        .map((c) => {
          const s = c.summary;
          const what = s ? `${s.serviceCount} services, ${s.podCount} pods` : 'analysing…';
          return `${c.folder.name}: ${c.disk.size} files, ${what}`;
        })
        .join(' · ');
    },
    ...(options.onViewOpened ? { onViewOpened: options.onViewOpened } : {}),
  };
}
