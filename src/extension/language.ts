import * as vscode from 'vscode';
import type { SourceRange } from '../engine/model';
import type { AnalysisClient } from './analysisClient';
import { TRACE_COMMAND } from './commands';
import { completionSite } from './completionContext';
import { toLocation, toPosition1, toRange } from './convert';
import { PROFILE_FILE_NAME } from './detect';
import { guardAsync } from './log';
import { readSettings } from './settings';
import type { FolderCluster, WorkspaceModel } from './workspaceModel';

// The language features are adapters: each asks the analysis worker (service/) and turns
// its plain answer into VS Code objects.

export const KUBERNETES_SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml' },
  { language: 'json' },
  { language: 'jsonc' },
];

/** Every `kubepath.cluster.yaml`, the folder's active profile or not (examples, other clusters). */
export const PROFILE_SELECTOR: vscode.DocumentSelector = [{ pattern: `**/${PROFILE_FILE_NAME}` }];

interface Resolved {
  cluster: FolderCluster;
  folder: string;
  path: string;
}

/** The document's folder once its last edit is analysed; undefined outside an analysed folder. */
async function resolve(model: WorkspaceModel, document: vscode.TextDocument): Promise<Resolved | undefined> {
  const found = model.forUri(document.uri);
  if (!found) return undefined;
  await model.settled();
  if (!found.cluster.summary) return undefined;
  return { cluster: found.cluster, folder: found.cluster.folder.uri.toString(), path: found.path };
}

export class KubepathHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly model: WorkspaceModel,
    private readonly client: AnalysisClient,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    return guardAsync('hover', undefined, async () => {
      const r = await resolve(this.model, document);
      if (!r) return undefined;
      const answer = await this.client.request({
        op: 'hover',
        folder: r.folder,
        path: r.path,
        ...toPosition1(position),
        kubeProxyMode: readSettings(r.cluster.folder.uri).kubeProxyMode,
      });
      if (!answer) return undefined;
      const content = new vscode.MarkdownString(answer.markdown);
      if (answer.commands.length > 0) content.isTrusted = { enabledCommands: answer.commands };
      const range = document.getWordRangeAtPosition(position, /[\w./-]+/);
      return new vscode.Hover(content, range);
    });
  }
}

export class KubepathCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly client: AnalysisClient,
  ) {
    model.onDidChange(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    return guardAsync('code lenses', [], async () => {
      // No settled(): lenses follow the last analysis and refresh when the next one lands.
      const found = this.model.forUri(document.uri);
      if (!found?.cluster.summary) return [];
      const lenses = await this.client.request({
        op: 'lenses',
        folder: found.cluster.folder.uri.toString(),
        path: found.path,
      });
      return lenses.map(
        (l) =>
          new vscode.CodeLens(
            new vscode.Range(l.line, 0, l.line, 0),
            l.args === null
              ? { title: l.title, command: '' }
              : { title: l.title, command: TRACE_COMMAND, arguments: [l.args] },
          ),
      );
    });
  }
}

/** Selector label ↔ pod template labels, targetPort ↔ containerPort, in both directions. */
export class KubepathNavigationProvider implements vscode.DefinitionProvider, vscode.ReferenceProvider {
  constructor(
    private readonly model: WorkspaceModel,
    private readonly client: AnalysisClient,
  ) {}

  provideDefinition(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
    return guardAsync('definition', [], async () => this.locations(document, position));
  }

  provideReferences(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
    return guardAsync('references', [], async () => this.locations(document, position));
  }

  private async locations(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.Location[]> {
    const r = await resolve(this.model, document);
    if (!r) return [];
    const ranges: SourceRange[] = await this.client.request({
      op: 'locations',
      folder: r.folder,
      path: r.path,
      ...toPosition1(position),
    });
    return ranges.map((range) => toLocation(range, (file) => r.cluster.uriOf(file)));
  }
}

/** Selector keys/values from the labels pod templates carry; targetPort from declared port names. */
export class KubepathCompletionProvider implements vscode.CompletionItemProvider {
  constructor(
    private readonly model: WorkspaceModel,
    private readonly client: AnalysisClient,
  ) {}

  provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.CompletionItem[]> {
    return guardAsync('completion', [], async () => {
      const found = this.model.forUri(document.uri);
      if (!found?.cluster.summary) return [];
      const lines = document.getText().split(/\r?\n/);
      const site = completionSite(lines, position.line, position.character);
      if (!site) return [];
      const answers = await this.client.request({
        op: 'completions',
        folder: found.cluster.folder.uri.toString(),
        site: site.kind === 'selectorValue' ? { kind: site.kind, key: site.key } : { kind: site.kind },
        namespace: namespaceAt(lines, position.line),
      });
      return answers.map((a) => {
        const item = new vscode.CompletionItem(a.label, vscode.CompletionItemKind.Value);
        item.detail = a.detail;
        if (a.insert !== undefined) item.insertText = a.insert;
        return item;
      });
    });
  }
}

/**
 * In `kubepath.cluster.yaml`: the fields valid at the cursor and the values a field takes, from
 * the engine's profile schema (asked of the analysis worker with the document's text).
 */
export class ProfileCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly client: AnalysisClient) {}

  provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.CompletionItem[]> {
    return guardAsync('profile completion', [], async () => {
      const answers = await this.client.request({
        op: 'profileCompletions',
        text: document.getText(),
        offset: document.offsetAt(position),
      });
      return answers.map((a) => {
        const item = new vscode.CompletionItem(
          a.label,
          a.kind === 'field' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember,
        );
        item.detail = a.detail;
        item.documentation = new vscode.MarkdownString(a.documentation);
        // Lines after the first are relative: the editor indents them as the cursor's line.
        item.insertText = a.insertText;
        item.range = new vscode.Range(
          document.positionAt(a.replace.start),
          document.positionAt(a.replace.end),
        );
        item.sortText = a.sortText;
        if (a.retrigger) item.command = { command: 'editor.action.triggerSuggest', title: 'Suggest values' };
        return item;
      });
    });
  }
}

/** In `kubepath.cluster.yaml`: the schema's word on the field under the cursor (and a node's labels). */
export class ProfileHoverProvider implements vscode.HoverProvider {
  constructor(private readonly client: AnalysisClient) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    return guardAsync('profile hover', undefined, async () => {
      const answer = await this.client.request({
        op: 'profileHover',
        file: vscode.workspace.asRelativePath(document.uri),
        text: document.getText(),
        ...toPosition1(position),
      });
      if (!answer) return undefined;
      return new vscode.Hover(new vscode.MarkdownString(answer.markdown), toRange(answer.range));
    });
  }
}

/**
 * The editor counts plain YAML scalars as strings, where quick suggestions are off by default,
 * so typing a key would not open completion. In a `kubepath.cluster.yaml` (only there), the
 * first letter typed of a key or of a value after `key: ` opens it; the list then filters as
 * one types.
 */
export function suggestWhileTypingProfile(): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument((e) => {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document !== e.document || !e.document.uri.path.endsWith(`/${PROFILE_FILE_NAME}`)) return;
    const change = e.contentChanges.length === 1 ? e.contentChanges[0] : undefined;
    if (!change || change.rangeLength !== 0 || !/^[A-Za-z]$/.test(change.text)) return;
    const start = change.range.start;
    const typed = e.document.lineAt(start.line).text.slice(0, start.character + 1);
    if (!/^\s*(?:-\s+)?[A-Za-z]$/.test(typed) && !/^[^#]*:\s+[A-Za-z]$/.test(typed)) return;
    // Best effort: no editor to suggest in any more is nothing to report.
    vscode.commands.executeCommand('editor.action.triggerSuggest').then(undefined, () => undefined);
  });
}

/** metadata.namespace of the YAML document holding `lineIndex`, 'default' when absent. */
function namespaceAt(lines: string[], lineIndex: number): string {
  let start = lineIndex;
  while (start > 0 && !/^---/.test(lines[start] ?? '')) start--;
  let inMetadata = false;
  for (let i = start; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (i > lineIndex && /^---/.test(text)) break;
    if (/^metadata:/.test(text)) inMetadata = true;
    else if (/^\S/.test(text)) inMetadata = false;
    const m = inMetadata ? /^\s+namespace:\s*["']?([\w.-]+)/.exec(text) : null;
    if (m?.[1]) return m[1];
  }
  return 'default';
}

export function registerLanguageFeatures(
  context: vscode.ExtensionContext,
  model: WorkspaceModel,
  client: AnalysisClient,
): void {
  const navigation = new KubepathNavigationProvider(model, client);
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(KUBERNETES_SELECTOR, new KubepathHoverProvider(model, client)),
    vscode.languages.registerCodeLensProvider(
      KUBERNETES_SELECTOR,
      new KubepathCodeLensProvider(model, client),
    ),
    vscode.languages.registerDefinitionProvider(KUBERNETES_SELECTOR, navigation),
    vscode.languages.registerReferenceProvider(KUBERNETES_SELECTOR, navigation),
    vscode.languages.registerCompletionItemProvider(
      KUBERNETES_SELECTOR,
      new KubepathCompletionProvider(model, client),
      ':',
      ' ',
    ),
    vscode.languages.registerCompletionItemProvider(
      PROFILE_SELECTOR,
      new ProfileCompletionProvider(client),
      ':',
      ' ',
    ),
    vscode.languages.registerHoverProvider(PROFILE_SELECTOR, new ProfileHoverProvider(client)),
    suggestWhileTypingProfile(),
  );
}
