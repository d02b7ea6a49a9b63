/**
 * The review panel's HTML: a strict Content-Security-Policy (`default-src 'none'`, scripts
 * only with this load's nonce, styles and fonts only from the extension), the bundled
 * script and its stylesheet, nothing else. The panel builds its own DOM from data.
 */
import * as crypto from 'node:crypto';
import type * as vscode from 'vscode';
import { CSP_NONCE_META_PROPERTY, reviewPanelCsp } from './protocol';

export function newNonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function reviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, joinPath: (base: vscode.Uri, ...parts: string[]) => vscode.Uri): string {
  const nonce = newNonce();
  const script = webview.asWebviewUri(joinPath(extensionUri, 'dist', 'webview', 'review.js'));
  const style = webview.asWebviewUri(joinPath(extensionUri, 'webview', 'review.css'));
  // The same policy the webview's browser tests run under.
  const csp = reviewPanelCsp(webview.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="${CSP_NONCE_META_PROPERTY}" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}" nonce="${nonce}">
<title>Review sandbox changes</title>
</head>
<body>
<main id="review-root"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
