import * as vscode from 'vscode';
import { looksLikeKubernetes, PROFILE_FILE_NAME } from './detect';
import { analyzer } from './engine';
import { background, createLog, guard, log } from './log';
import { REQUEST_PATH_VIEW_ID, RequestPathViewStub } from './requestPathView';
import { WorkspaceModel } from './workspaceModel';

export const COMMANDS = {
  traceRequest: 'kubepath.traceRequest',
  showIptables: 'kubepath.showIptables',
  selectClusterProfile: 'kubepath.selectClusterProfile',
  refresh: 'kubepath.refresh',
} as const;

/** What the node and browser entry points differ in (nothing yet: both read through workspace.fs). */
export interface HostKind {
  kind: 'node' | 'web';
}

/**
 * Shared activation for the desktop (node) and web extension hosts. Activation is cheap:
 * `onLanguage:yaml` fires for every YAML file, so the workspace is only read once a
 * document that looks like Kubernetes is open (or the folder has a kubepath.cluster.yaml).
 */
export function activateKubepath(context: vscode.ExtensionContext, host: HostKind): void {
  context.subscriptions.push(createLog());
  const manifest = context.extension.packageJSON as { version?: string };
  log().info(`kubepath ${manifest.version ?? '?'} activating (${host.kind} host)`);

  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(REQUEST_PATH_VIEW_ID, new RequestPathViewStub()),
  );

  const model = analyzer ? new WorkspaceModel(analyzer) : undefined;
  if (model) context.subscriptions.push(model);

  let woken = false;
  const wake = (reason: string): void => {
    if (woken) return;
    woken = true;
    if (!model) {
      log().warn(`engine not available: workspace analysis skipped (${reason})`);
      return;
    }
    log().info(`workspace analysis started: ${reason}`);
    background('initial workspace load', model.start());
  };
  const consider = (doc: vscode.TextDocument): void =>
    guard('activation check', undefined, () => {
      if (woken || doc.uri.scheme === 'output') return;
      if (doc.uri.path.endsWith(`/${PROFILE_FILE_NAME}`)) wake(`opened ${PROFILE_FILE_NAME}`);
      else if (/^(yaml|json|jsonc)$/.test(doc.languageId) && looksLikeKubernetes(doc.getText())) {
        wake(`opened ${vscode.workspace.asRelativePath(doc.uri)}`);
      }
    });
  vscode.workspace.textDocuments.forEach(consider);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(consider));
  background(
    'profile check',
    vscode.workspace.findFiles(`**/${PROFILE_FILE_NAME}`, '**/node_modules/**', 1).then((found) => {
      if (found.length > 0) wake(`found ${PROFILE_FILE_NAME}`);
    }),
  );

  const notAvailable = (what: string) => (): void => {
    const message = `Kubepath: ${what} is not available yet (the engine part it needs has not landed).`;
    log().warn(message);
    background('notify', vscode.window.showInformationMessage(message));
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.traceRequest, notAvailable('Trace Request')),
    vscode.commands.registerCommand(COMMANDS.showIptables, notAvailable('Show iptables Rules')),
    vscode.commands.registerCommand(COMMANDS.selectClusterProfile, notAvailable('Select Cluster Profile')),
    vscode.commands.registerCommand(COMMANDS.refresh, () => {
      wake('refresh command');
      if (model) background('refresh', model.reload());
    }),
  );
  log().info('kubepath activated');
}
