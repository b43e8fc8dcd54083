import type * as vscode from 'vscode';
import { activateKubepath } from './activate';

// Web extension host entry point (vscode.dev, github.dev): dist/web/extension.js. The engine
// is pure TypeScript and files are read through workspace.fs, so the same code runs here.
export function activate(context: vscode.ExtensionContext): void {
  activateKubepath(context, { kind: 'web' });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
