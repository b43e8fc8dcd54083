import * as vscode from 'vscode';
import { looksLikeKubernetes, PROFILE_FILE_NAME } from './detect';
import { WorkerClient } from './analysisClient';
import type { WorkerPort } from './analysisClient';
import { background, createLog, guard, guardAsync, log } from './log';
import { serviceIdOf } from './service/protocol';
import { REQUEST_PATH_VIEW_ID, RequestPathView, workspaceModelSources } from './requestPathView';
import { DiagnosticsPublisher, FixProvider } from './diagnostics';
import { ProfileDocumentDiagnostics } from './profileDiagnostics';
import { IPTABLES_SCHEME, IptablesDocumentProvider, showIptables } from './iptablesDocument';
import { KUBERNETES_SELECTOR, registerLanguageFeatures } from './language';
import { selectClusterProfile } from './profileCommand';
import { selectHelmValues } from './helmValues';
import { RENDERED_SCHEME, RenderedDocumentProvider, showRendered } from './renderedDocument';
import { registerStatusItems, SELECT_TARGET_COMMAND, selectDeployTarget } from './deployTarget';
import { openExample } from './exampleCommand';
import { runTraceCommand } from './traceCommand';
import { TRACE_SCHEME, TraceDocumentProvider } from './traceDocument';
import type { ShowInPanel } from './traceCommand';
import { WorkspaceModel } from './workspaceModel';

export const COMMANDS = {
  traceRequest: 'kubepath.traceRequest',
  showIptables: 'kubepath.showIptables',
  selectClusterProfile: 'kubepath.selectClusterProfile',
  refresh: 'kubepath.refresh',
  selectDeployTarget: SELECT_TARGET_COMMAND,
  selectHelmValues: 'kubepath.selectHelmValues',
  showRendered: 'kubepath.showRendered',
  openExample: 'kubepath.openExample',
} as const;

/** What the node and browser entry points differ in: how the analysis worker is started (both read through workspace.fs). */
export interface HostKind {
  kind: 'node' | 'web';
  /** Starts the analysis worker (worker_threads on the desktop, a Web Worker on the web). */
  startWorker: () => WorkerPort;
}

/**
 * Shared activation for the desktop (node) and web extension hosts. Activation is cheap:
 * `onLanguage:yaml` fires for every YAML file, so the workspace is only read once a
 * document that looks like Kubernetes is open (or the folder has a kubepath.cluster.yaml).
 */
export function activateKubepath(context: vscode.ExtensionContext, host: HostKind): void {
  const activateStart = performance.now();
  context.subscriptions.push(createLog());
  const manifest = context.extension.packageJSON as { version?: string };
  log().info(`kubepath ${manifest.version ?? '?'} activating (${host.kind} host)`);

  // Every analysis runs in the worker; the host's thread only reads files and draws answers.
  const client = new WorkerClient(host.startWorker, (why) =>
    log().error(`the analysis worker stopped (${why}); the next analysis starts a new one`),
  );
  const model = new WorkspaceModel(client);
  context.subscriptions.push(model);
  new DiagnosticsPublisher(model, context);
  context.subscriptions.push(new ProfileDocumentDiagnostics(model, client));
  registerLanguageFeatures(context, model, client);
  registerStatusItems(context, model, COMMANDS.selectClusterProfile);
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      KUBERNETES_SELECTOR,
      new FixProvider(model),
      FixProvider.metadata,
    ),
    vscode.workspace.registerTextDocumentContentProvider(
      IPTABLES_SCHEME,
      new IptablesDocumentProvider(model, client),
    ),
    vscode.workspace.registerTextDocumentContentProvider(
      RENDERED_SCHEME,
      new RenderedDocumentProvider(model, client),
    ),
  );

  let woken = false;
  const wake = (reason: string): void => {
    if (woken) return;
    woken = true;
    log().info(`workspace analysis started: ${reason}`);
    background('initial workspace load', model.start());
  };
  const requestPath = new RequestPathView(
    context.extensionUri,
    workspaceModelSources(model, client, { onViewOpened: () => wake('request path view opened') }),
  );
  context.subscriptions.push(
    requestPath,
    vscode.window.registerWebviewViewProvider(REQUEST_PATH_VIEW_ID, requestPath),
  );
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

  const command = (id: string, run: (...args: unknown[]) => Promise<void>): vscode.Disposable =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => {
      wake(`command ${id}`);
      return guardAsync(id, undefined, () => run(...args));
    });
  const showInPanel: ShowInPanel = (cluster, service, portKey, entry, node) => {
    const multiRoot = model.all().length > 1;
    return requestPath.show({
      serviceId: serviceIdOf(multiRoot ? cluster.folder.name : '', service.namespace, service.name),
      portKey,
      entry,
      node,
    });
  };
  const traces = new TraceDocumentProvider();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, traces),
    command(COMMANDS.traceRequest, (arg) => runTraceCommand(model, client, arg, showInPanel, traces)),
    command(COMMANDS.showIptables, (arg) => showIptables(model, typeof arg === 'string' ? arg : undefined)),
    command(COMMANDS.selectClusterProfile, () => selectClusterProfile(model)),
    command(COMMANDS.refresh, () => model.reload()),
    command(COMMANDS.selectDeployTarget, () => selectDeployTarget(model)),
    command(COMMANDS.selectHelmValues, () => selectHelmValues(model)),
    command(COMMANDS.showRendered, () => showRendered(model)),
    command(COMMANDS.openExample, () => openExample(context.extensionUri)),
  );
  log().info(activationMessage(activateStart, performance.now()));
}

// Set by the bundle's first and last lines (esbuild banner and footer); absent in the test build.
declare const __kubepathLoadStart: number | undefined;
declare const __kubepathLoadEnd: number | undefined;

/**
 * "kubepath activated in X ms (bundle evaluation A ms + activate B ms; host between C ms)":
 * X is what the extension costs; C is the extension host's own time between loading the
 * bundle and calling activate(). Without the stamps (test build) only activate's time.
 */
export function activationMessage(activateStart: number, activateEnd: number): string {
  const activate = activateEnd - activateStart;
  if (typeof __kubepathLoadStart !== 'number' || typeof __kubepathLoadEnd !== 'number')
    return `kubepath activated (activate ${activate.toFixed(1)} ms)`;
  const evaluation = __kubepathLoadEnd - __kubepathLoadStart;
  const between = activateStart - __kubepathLoadEnd;
  return `kubepath activated in ${(evaluation + activate).toFixed(1)} ms (bundle evaluation ${evaluation.toFixed(1)} ms + activate ${activate.toFixed(1)} ms; host between ${between.toFixed(1)} ms)`;
}
