/**
 * Explorer decorations for files the sandbox changed: a badge and the colour Git uses for
 * modified files while the change waits for review (or needs a closer look), so a person
 * browsing the tree sees which files an apply would touch. Decided files get the badge in
 * a quieter colour; rejected ones none.
 */
import * as vscode from 'vscode';
import type { FileItem } from '../../protocol/review';
import { Disposable } from '../util/disposable';
import { groupOf } from './groups';
import type { ScmModel } from './model';
import { relPathOf } from './uris';

export const DECORATION_BADGE = 'S';

function decorationOf(file: FileItem): vscode.FileDecoration | undefined {
  switch (groupOf(file)) {
    case 'closerLook':
      return new vscode.FileDecoration(
        DECORATION_BADGE,
        vscode.l10n.t('Changed in the sandbox: needs a closer look before review'),
        new vscode.ThemeColor('gitDecoration.conflictingResourceForeground'),
      );
    case 'pending':
      return new vscode.FileDecoration(
        DECORATION_BADGE,
        vscode.l10n.t('Changed in the sandbox: pending review'),
        new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'),
      );
    case 'approved':
      return new vscode.FileDecoration(
        DECORATION_BADGE,
        vscode.l10n.t('Changed in the sandbox: approved, not applied yet'),
        new vscode.ThemeColor('gitDecoration.addedResourceForeground'),
      );
    case 'rejected':
      return undefined;
  }
}

export class SandboxFileDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this.changed.event;

  constructor(
    private readonly root: string,
    private readonly model: ScmModel,
  ) {
    super();
    this._register(vscode.window.registerFileDecorationProvider(this));
    // Every decoration is asked again: files that left the change set lose theirs.
    this._register(model.onDidChange(() => this.changed.fire(undefined)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file') return undefined;
    const rel = relPathOf(uri, this.root);
    const file = rel === undefined ? undefined : this.model.file(rel);
    return file ? decorationOf(file) : undefined;
  }
}
