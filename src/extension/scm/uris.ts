/**
 * The URIs of a changed file in the Source Control view: the real file (the resource, so the
 * view shows the file's own icon and folder), and the two sides of the native diff.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FileItem } from '../../protocol/review';
import { BASE_SCHEME, SANDBOX_SCHEME, sideUri } from '../review/contentProvider';

export function workspaceUri(root: string, relPath: string): vscode.Uri {
  return vscode.Uri.file(path.join(root, ...relPath.split('/')));
}

/**
 * The workspace-relative path a command argument names: a sandbox-side document of the diff
 * editor, or a file inside the workspace; undefined for anything else (a file outside it).
 */
export function relPathOf(uri: vscode.Uri, root: string): string | undefined {
  if (uri.scheme === SANDBOX_SCHEME || uri.scheme === BASE_SCHEME) return uri.path.replace(/^\/+/, '') || undefined;
  if (uri.scheme !== 'file') return undefined;
  const rel = path.relative(root, uri.fsPath);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/**
 * Opens the native diff of a change: the real file on the left (the workspace's empty base
 * side when the sandbox added the file, as there is no real file yet), the sandbox's
 * read-only version on the right.
 */
export async function openChangeDiff(root: string, file: Pick<FileItem, 'path' | 'kind'>): Promise<void> {
  const left = file.kind === 'added' ? sideUri(BASE_SCHEME, file.path) : workspaceUri(root, file.path);
  await vscode.commands.executeCommand(
    'vscode.diff',
    left,
    sideUri(SANDBOX_SCHEME, file.path),
    vscode.l10n.t('{0} (your file ↔ sandbox)', file.path),
    { preview: true } satisfies vscode.TextDocumentShowOptions,
  );
}
