/**
 * Read-only documents for the set-up's diff: `agent-sandbox-setup:/<n>/before/<file>` and
 * `…/after/<file>` hold a planned file edit's two sides, so VS Code's own diff editor shows
 * exactly what the set-up will write before the person confirms. Nothing here writes a file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FileEdit } from '../../core/tools/agentSetup';

export const SETUP_PREVIEW_SCHEME = 'agent-sandbox-setup';

export class SetupPreviewProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SETUP_PREVIEW_SCHEME, this);
  private counter = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** Opens one diff editor per edit; a file that does not exist (yet, or any more) shows empty. */
  async show(edits: readonly FileEdit[], title: string): Promise<void> {
    const round = ++this.counter;
    // A fresh round keeps an editor still open from an earlier preview from showing stale text.
    this.contents.clear();
    for (const edit of edits) {
      const side = (which: 'before' | 'after', text: string | undefined) => {
        const uri = vscode.Uri.from({ scheme: SETUP_PREVIEW_SCHEME, path: `/${round}/${which}${edit.path}` });
        this.contents.set(uri.path, text ?? '');
        return uri;
      };
      await vscode.commands.executeCommand(
        'vscode.diff',
        side('before', edit.before),
        side('after', edit.after),
        `${path.basename(edit.path)} (${title})`,
        { preview: false, preserveFocus: true } satisfies vscode.TextDocumentShowOptions,
      );
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
