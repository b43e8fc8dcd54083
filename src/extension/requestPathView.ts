import type * as vscode from 'vscode';

// STUB: the side-panel app is built in the panel issue (webview/ + its provider). Until it
// lands this registers the view id so the "Kubepath" view container works and shows a
// placeholder, with scripts disabled.
export const REQUEST_PATH_VIEW_ID = 'kubepath.requestPath';

export class RequestPathViewStub implements vscode.WebviewViewProvider {
  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = { enableScripts: false };
    view.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }</style>
</head><body><p id="kubepath-placeholder">The request path diagram is not available yet. Use "Kubepath: Trace Request".</p></body></html>`;
  }
}
