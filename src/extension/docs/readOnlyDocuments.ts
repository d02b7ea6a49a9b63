/**
 * Read-only documents the extension shows (the effective policy, the audit log): a content
 * provider on its own scheme, so the editor cannot save them and their tab carries a proper
 * title instead of "Untitled-1". Each document is made by a function, run again when the
 * document is refreshed; a document can follow a file on the host and refresh when it changes.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';

export const READ_ONLY_SCHEME = 'agent-sandbox-view';

interface Source {
  readonly render: () => string;
  /** A host file whose changes refresh the document. */
  readonly follow?: string;
}

/** How often a followed file is polled for changes (fs.watchFile: cheap, and works before the file exists). */
const FOLLOW_INTERVAL_MS = 1000;

export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly sources = new Map<string, Source>();
  private readonly followed = new Map<string, () => void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(READ_ONLY_SCHEME, this),
      this.changed,
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === READ_ONLY_SCHEME) this.unfollow(doc.uri.toString());
      }),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const source = this.sources.get(uri.toString());
    if (!source) return vscode.l10n.t('This view is no longer available; run its command again.');
    try {
      return source.render();
    } catch (err) {
      return vscode.l10n.t('This view could not be made: {0}', (err as Error).message);
    }
  }

  /**
   * Opens (or refreshes and shows) the document titled `title`. `key` tells documents with the
   * same title apart (a workspace) without showing in the title.
   */
  async open(options: { title: string; key: string; language: string; render: () => string; follow?: string }): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({
      scheme: READ_ONLY_SCHEME,
      // The file name is the tab's title; "/" would make a folder of part of it.
      path: `/${options.title.replace(/[/\\]/g, '∕')}`,
      query: new URLSearchParams({ key: options.key }).toString(),
    });
    const id = uri.toString();
    this.sources.set(id, { render: options.render, ...(options.follow ? { follow: options.follow } : {}) });
    if (options.follow) this.follow(id, uri, options.follow);
    this.changed.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== options.language) doc = await vscode.languages.setTextDocumentLanguage(doc, options.language);
    return vscode.window.showTextDocument(doc, { preview: true });
  }

  private follow(id: string, uri: vscode.Uri, file: string): void {
    if (this.followed.has(id)) return;
    const listener = (now: fs.Stats, before: fs.Stats) => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) this.changed.fire(uri);
    };
    fs.watchFile(file, { interval: FOLLOW_INTERVAL_MS, persistent: false }, listener);
    this.followed.set(id, () => fs.unwatchFile(file, listener));
  }

  private unfollow(id: string): void {
    this.followed.get(id)?.();
    this.followed.delete(id);
  }

  dispose(): void {
    for (const id of [...this.followed.keys()]) this.unfollow(id);
    for (const d of this.disposables) d.dispose();
  }
}

let shared: ReadOnlyDocuments | undefined;

/** The extension's one provider, made on first use (disposed with the extension host). */
export function readOnlyDocuments(): ReadOnlyDocuments {
  shared ??= new ReadOnlyDocuments();
  return shared;
}
