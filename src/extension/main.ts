import type * as vscode from 'vscode';
import { activateKubepath } from './activate';

// Desktop / remote (code-server) extension host entry point: dist/extension.js.
export function activate(context: vscode.ExtensionContext): void {
  activateKubepath(context, { kind: 'node' });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
