/**
 * "Merge in the editor" for a conflict: VS Code's merge editor with the copy's start version
 * as base, the person's file as it is now on the left, the sandbox's version on the right,
 * and the real file as the result. The merge editor writes the real file when the person
 * completes the merge, like any edit they make; the extension writes nothing there. The
 * person's file is shown from a snapshot taken when the editor opens, so the left side does
 * not follow the result while they edit it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { looksBinary } from '../../core/airlock/content';
import { Disposable } from '../util/disposable';
import { BASE_SCHEME, SANDBOX_SCHEME, sideUri } from './contentProvider';

export const MINE_SCHEME = 'agent-sandbox-mine';

/** Largest file offered to the merge editor. */
const MAX_MERGE_BYTES = 5 * 1024 * 1024;

/** Read-only snapshots of the person's files, one per opened merge. */
export class MineSnapshots extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private serial = 0;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(MINE_SCHEME, this));
    this._register(vscode.workspace.onDidCloseTextDocument((doc) => this.texts.delete(doc.uri.toString())));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  snapshot(relPath: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: MINE_SCHEME, path: `/${relPath}`, query: `v${++this.serial}` });
    this.texts.set(uri.toString(), text);
    return uri;
  }
}

/**
 * The person's file as text, or undefined when it is not a regular text file the merge
 * editor can show (a symlink is never followed; a missing file merges as empty).
 */
export async function readMine(root: string, relPath: string): Promise<string | undefined> {
  const file = path.join(root, ...relPath.split('/'));
  const stat = await fs.lstat(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : undefined));
  if (stat === null) return '';
  if (stat === undefined || !stat.isFile() || stat.size > MAX_MERGE_BYTES) return undefined;
  const handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const data = await handle.readFile();
    return looksBinary(data) ? undefined : data.toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Opens the merge editor for one conflicting file; false when it could not be opened (no
 * workspace, not a text file, or this VS Code has no merge editor), so the caller falls back.
 */
export async function openMergeEditor(snapshots: MineSnapshots, root: string | undefined, relPath: string): Promise<boolean> {
  if (!root) return false;
  const mine = await readMine(root, relPath).catch(() => undefined);
  if (mine === undefined) return false;
  try {
    await vscode.commands.executeCommand('_open.mergeEditor', {
      base: sideUri(BASE_SCHEME, relPath),
      input1: {
        uri: snapshots.snapshot(relPath, mine),
        title: vscode.l10n.t('Your version'),
        description: relPath,
        detail: vscode.l10n.t('your file now'),
      },
      input2: {
        uri: sideUri(SANDBOX_SCHEME, relPath),
        title: vscode.l10n.t("The sandbox's version"),
        description: relPath,
        detail: vscode.l10n.t('sandbox'),
      },
      output: vscode.Uri.file(path.join(root, ...relPath.split('/'))),
    });
    return true;
  } catch {
    return false;
  }
}
