/**
 * The review panel's page: a strict Content-Security-Policy (`default-src 'none'`, scripts
 * and inline styles only with this load's nonce, styles and fonts only from the extension),
 * the bundled script and its stylesheet, nothing else. The panel builds its own DOM from
 * data. The webview's browser tests serve this same page (test/webview/harness.ts), so they
 * run under the policy the panel ships with.
 */
import * as crypto from 'node:crypto';
import type * as vscode from 'vscode';

export function newNonce(): string {
  return crypto
    .randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

/**
 * The panel's Content-Security-Policy. `cspSource` is `webview.cspSource`; `nonce` is fresh
 * per render and goes on every `<script>` and `<link>` tag. Styles also allow the nonce
 * because the UI components insert one `<style>` probe with it (see
 * webview/src/components/register.ts).
 */
export function reviewPanelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export interface ReviewPage {
  readonly cspSource: string;
  readonly nonce: string;
  /** Script URLs, loaded in order with the nonce. */
  readonly scripts: readonly string[];
  /** Stylesheet URLs, in order. */
  readonly styles: readonly string[];
  /** Attributes of `<body>` (the browser tests set the theme VS Code would). */
  readonly bodyAttributes?: Readonly<Record<string, string>>;
}

/** Escapes text for a double-quoted HTML attribute. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function reviewPageHtml(page: ReviewPage): string {
  const nonce = attribute(page.nonce);
  const body = Object.entries(page.bodyAttributes ?? {})
    .map(([name, value]) => ` ${name}="${attribute(value)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(reviewPanelCsp(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${page.styles.map((href) => `<link rel="stylesheet" href="${attribute(href)}" nonce="${nonce}">`).join('\n')}
<title>Review sandbox changes</title>
</head>
<body${body}>
<main id="review-root"></main>
${page.scripts.map((src) => `<script nonce="${nonce}" src="${attribute(src)}"></script>`).join('\n')}
</body>
</html>`;
}

export function reviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  joinPath: (base: vscode.Uri, ...parts: string[]) => vscode.Uri,
  l10nBundle?: Readonly<Record<string, string>>,
): string {
  return reviewPageHtml({
    // The panel translates its strings with the extension's bundle (webview/src/l10n.ts).
    ...(l10nBundle ? { bodyAttributes: { 'data-l10n': JSON.stringify(l10nBundle) } } : {}),
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scripts: [webview.asWebviewUri(joinPath(extensionUri, 'dist', 'webview', 'review.js')).toString()],
    styles: [webview.asWebviewUri(joinPath(extensionUri, 'webview', 'review.css')).toString()],
  });
}
