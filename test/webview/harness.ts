/**
 * Serves the review panel the way a VS Code webview does: one HTML page under a strict
 * nonce CSP (`default-src 'none'`), the panel's bundle and stylesheet from the "webview
 * resource" origin, and the theme variables VS Code injects. A fake host script (loaded
 * first, with the nonce) stands in for the extension. Listens on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { reviewPageHtml } from '../../src/extension/review/html';
import { BODY_CLASS, THEMES, themeCss, type ThemeName } from './themes';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface PanelOptions {
  readonly files?: number;
  readonly lines?: number;
  readonly hugeDiffLines?: number;
  readonly theme?: ThemeName;
}

export interface Harness {
  readonly origin: string;
  /** The page URL for one panel configuration. */
  url(options?: PanelOptions): string;
  close(): Promise<void>;
}

async function bundle(entry: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

function pageHtml(origin: string, nonce: string, theme: ThemeName): string {
  // The extension's own page (same policy, same tags), with the fake host loaded first and
  // the theme variables VS Code would inject.
  return reviewPageHtml({
    cspSource: origin,
    nonce,
    scripts: [`${origin}/fake-host.js`, `${origin}/review.js`],
    styles: [`${origin}/theme.css?name=${theme}`, `${origin}/review.css`],
    bodyAttributes: { class: BODY_CLASS[theme], 'data-vscode-theme-kind': BODY_CLASS[theme] },
  });
}

export async function startHarness(): Promise<Harness> {
  const [panelJs, fakeHostJs, panelCss] = await Promise.all([
    bundle('webview/src/main.ts'),
    bundle('test/webview/page/fakeHost.ts'),
    readFile(path.join(REPO_ROOT, 'webview', 'review.css'), 'utf8'),
  ]);
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const send = (type: string, body: string) => {
      response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
      response.end(body);
    };
    switch (url.pathname) {
      case '/': {
        const theme = (THEMES as readonly string[]).includes(url.searchParams.get('theme') ?? '')
          ? (url.searchParams.get('theme') as ThemeName)
          : 'dark';
        send('text/html', pageHtml(origin, randomBytes(16).toString('base64'), theme));
        return;
      }
      case '/review.js':
        send('text/javascript', panelJs);
        return;
      case '/fake-host.js':
        send('text/javascript', fakeHostJs);
        return;
      case '/review.css':
        send('text/css', panelCss);
        return;
      case '/theme.css': {
        const name = url.searchParams.get('name');
        send('text/css', themeCss((THEMES as readonly string[]).includes(name ?? '') ? (name as ThemeName) : 'dark'));
        return;
      }
      case '/favicon.ico':
        // A webview never asks for one; answer so the console stays clean.
        response.writeHead(204).end();
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url(options = {}) {
      const query = new URLSearchParams();
      if (options.files !== undefined) query.set('files', String(options.files));
      if (options.lines !== undefined) query.set('lines', String(options.lines));
      if (options.hugeDiffLines !== undefined) query.set('huge', String(options.hugeDiffLines));
      query.set('theme', options.theme ?? 'dark');
      return `${origin}/?${query}`;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
