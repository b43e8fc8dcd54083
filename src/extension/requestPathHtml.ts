// The side panel's HTML shell. Pure (no vscode import) so the browser test loads the very
// page VS Code gets, CSP included.

export interface RequestPathHtmlInput {
  /** `webview.cspSource`: the origin asWebviewUri resources are served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /** The side view (default) or an editor tab ("Open in Editor"): the app shows its buttons accordingly. */
  surface?: 'view' | 'editor';
}

/** 32 random base64url characters (crypto.getRandomValues: node ≥ 19 and browsers). */
export function createNonce(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `default-src 'none'`: nothing loads unless listed. Scripts only with the nonce; styles from
 * the extension's own folders or with the nonce, fonts only from the extension's folders (localResourceRoots limits those to media/
 * and dist/). No 'unsafe-inline' and no 'unsafe-eval' anywhere.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // The nonce lets the toolkit's (FAST's) feature probe insert its one <style> element; FAST
    // finds it in <meta property="csp-nonce">. Without it that probe is blocked, noisily.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function requestPathHtml(input: RequestPathHtmlInput): string {
  const styles = input.styleUris.map((uri) => `<link rel="stylesheet" href="${attr(uri)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(input.cspSource, input.nonce))}">
    <meta property="csp-nonce" content="${attr(input.nonce)}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    ${styles}
    <title>Request Path</title>
  </head>
  <body>
    <div id="app" data-surface="${input.surface === 'editor' ? 'editor' : 'view'}"></div>
    <script nonce="${attr(input.nonce)}" src="${attr(input.scriptUri)}"></script>
  </body>
</html>`;
}
