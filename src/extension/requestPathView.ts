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
  /**
   * What the webview draws for `selection` (the analysis worker builds it); with the editor's
   * cursor, the Service there replaces the selection unless it is `followed` already.
   */
  snapshot(
    selection: Selection | null,
    status: string,
    follow?: { cursor: EditorCursor | null; followed: string | null },
  ): Promise<Snapshot>;
  /** Fires after any folder was re-analysed. */
  onDidChange?: vscode.Event<unknown>;
  /** The file a snapshot's SourceLocation names; undefined for unknown files (never trust the webview). */
  resolve(folder: string, file: string): vscode.Uri | undefined;
  /** One line for the panel footer. */
  status?(): string;
  /** Called when the view is first shown (e.g. to start the workspace analysis). */
  onViewOpened?(): void;
}

/** Where the editor's cursor is: the document and its 1-based line. */
export interface EditorCursor {
  uri: vscode.Uri;
  line: number;
}

/** How long the cursor must rest before the panel follows it to another Service. */
const FOLLOW_DEBOUNCE_MS = 250;

function cursorOf(editor: vscode.TextEditor | undefined): EditorCursor | null {
  if (!editor || editor.document.uri.scheme === 'output') return null;
  return { uri: editor.document.uri, line: editor.selection.active.line + 1 };
}

/** The side panel: a WebviewViewProvider that answers `ready`/`select` with full snapshots. */
export class RequestPathView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private selection: Selection | null = null;
  /** The folder of the service in the last snapshot: revealSource paths are relative to it. */
  private folder = '';
  private ready = false;
  /** The editor tab ("Open in Editor"), while open. */
  private editor: { panel: vscode.WebviewPanel; ready: boolean } | undefined;
  private stale = false;
  /** Bumped per refresh: an older snapshot arriving late is dropped. */
  private sequence = 0;
  private readonly disposables: vscode.Disposable[] = [];
  /** The editor's cursor the panel follows (the last text editor's, kept while a panel has focus). */
  private cursor: EditorCursor | null = cursorOf(vscode.window.activeTextEditor);
  /** The Service the panel last followed the cursor to (from the last snapshot). */
  private followed: string | null = null;
  private followTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sources: RequestPathSources,
  ) {
    if (sources.onDidChange) this.disposables.push(sources.onDidChange(() => this.refresh()));
    const follow = (editor: vscode.TextEditor | undefined): void => {
      const cursor = cursorOf(editor);
      if (!cursor) return;
      this.cursor = cursor;
      clearTimeout(this.followTimer);
      this.followTimer = setTimeout(() => this.refresh(), FOLLOW_DEBOUNCE_MS);
    };
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(follow),
      vscode.window.onDidChangeTextEditorSelection((e) => follow(e.textEditor)),
    );
  }

  /** The same app in a webview: the side view or the editor tab. */
  private load(webview: vscode.Webview, surface: 'view' | 'editor'): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    webview.html = requestPathHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUris: [webview.asWebviewUri(vscode.Uri.joinPath(media, 'requestPath.css')).toString()],
      surface,
    });
  }

  /** "Open in Editor": the diagram in an editor tab beside the file (one tab, revealed again). */
  openInEditor(): void {
    if (this.editor) {
      this.editor.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      `${REQUEST_PATH_VIEW_ID}.editor`,
      'Request Path',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true },
    );
    const editor = { panel, ready: false };
    this.editor = editor;
    this.load(panel.webview, 'editor');
    const subscriptions = [
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (parseWebviewMessage(message)?.type === 'ready') editor.ready = true;
        this.onMessage(message);
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) this.refresh();
      }),
    ];
    panel.onDidDispose(() => {
      for (const d of subscriptions) d.dispose();
      if (this.editor === editor) this.editor = undefined;
    });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    this.load(view.webview, 'view');
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: unknown) => {
        if (parseWebviewMessage(message)?.type === 'ready') this.ready = true;
        this.onMessage(message);
      }),
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
    // Asked for this Service: the cursor is followed again once it moves.
    this.cursor = null;
    await vscode.commands.executeCommand(`${REQUEST_PATH_VIEW_ID}.focus`);
    this.refresh();
  }

  /** Sends a fresh snapshot if the webview is listening; otherwise sends one when it becomes visible. */
  refresh(): void {
    background('request path snapshot', this.refreshNow());
  }

  /** The webviews listening now: the side view and the editor tab, when ready and visible. */
  private targets(): vscode.Webview[] {
    const out: vscode.Webview[] = [];
    if (this.view && this.ready && this.view.visible) out.push(this.view.webview);
    if (this.editor?.ready && this.editor.panel.visible) out.push(this.editor.panel.webview);
    return out;
  }

  private async refreshNow(): Promise<void> {
    const targets = this.targets();
    if (targets.length === 0) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const sequence = ++this.sequence;
    const snapshot = await this.sources.snapshot(this.selection, this.sources.status?.() ?? '', {
      cursor: this.cursor,
      followed: this.followed,
    });
    if (sequence !== this.sequence) return;
    guard('request path snapshot', undefined, () => {
      this.selection = snapshot.selection;
      this.followed = snapshot.atCursor;
      this.folder = snapshot.services.find((s) => s.id === snapshot.selection.serviceId)?.folder ?? '';
      const message: HostToWebview = { type: 'snapshot', snapshot };
      for (const webview of this.targets()) background('post snapshot', webview.postMessage(message));
    });
  }

  dispose(): void {
    clearTimeout(this.followTimer);
    this.editor?.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private onMessage(raw: unknown): void {
    guard('request path message', undefined, () => {
      const message = parseWebviewMessage(raw);
      if (!message) return;
      switch (message.type) {
        case 'ready':
          // The webview's restored selection wins unless the host was asked to show another one.
          if (message.selection && !this.selection) this.selection = message.selection;
          this.refresh();
          break;
        case 'select':
          // The user's pick wins until the cursor moves to another Service.
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
        case 'openInEditor':
          this.openInEditor();
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
    snapshot(selection, status, follow) {
      const all = clusters();
      const at = follow?.cursor ? model.forUri(follow.cursor.uri) : undefined;
      return client.request({
        op: 'panel',
        folders: all
          .filter((c) => c.summary)
          .map((c) => ({ folder: c.folder.uri.toString(), name: nameOf(c.folder.name, all.length) })),
        selection,
        status,
        cursor:
          at && follow?.cursor
            ? { folder: at.cluster.folder.uri.toString(), path: at.path, line: follow.cursor.line }
            : null,
        followed: follow?.followed ?? null,
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
