import * as vscode from 'vscode';
import { activateKubepath } from './activate';
import { webWorkerPort } from './webWorkerPort';

// Web extension host entry point (vscode.dev, github.dev): dist/web/extension.js. Files are
// read through workspace.fs; the analysis runs in dist/web/worker.js, a Web Worker.
export function activate(context: vscode.ExtensionContext): void {
  activateKubepath(context, {
    kind: 'web',
    startWorker: webWorkerPort(
      vscode.Uri.joinPath(context.extensionUri, 'dist', 'web', 'worker.js').toString(true),
    ),
  });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
