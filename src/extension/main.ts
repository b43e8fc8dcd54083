import * as vscode from 'vscode';
import { activateKubepath } from './activate';
import { nodeWorkerPort } from './nodeWorkerPort';

// Desktop / remote (code-server) extension host entry point: dist/extension.js. The
// analysis runs in dist/worker.js, a worker thread.
export function activate(context: vscode.ExtensionContext): void {
  activateKubepath(context, {
    kind: 'node',
    startWorker: nodeWorkerPort(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath),
  });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
