/**
 * Read-only documents for VS Code's native diff editor: `agent-sandbox-base:/<path>` is the
 * workspace as the sandbox started from it, `agent-sandbox:/<path>` is the sandbox's
 * version. A TextDocumentContentProvider cannot be written to, so the sandbox side can
 * never be edited into the real tree by accident.
 */
import * as vscode from 'vscode';
import { looksBinary, readFileContent } from '../../core/airlock/content';
import type { SandboxController } from '../sandbox/controller';
import { Disposable } from '../util/disposable';

export const BASE_SCHEME = 'agent-sandbox-base';
export const SANDBOX_SCHEME = 'agent-sandbox';

/** Largest file shown in the native diff editor. */
const MAX_SHOWN_BYTES = 5 * 1024 * 1024;

export function sideUri(scheme: typeof BASE_SCHEME | typeof SANDBOX_SCHEME, relPath: string): vscode.Uri {
  return vscode.Uri.from({ scheme, path: `/${relPath}` });
}

export class SandboxContentProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();

  constructor(private readonly controller: SandboxController) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(BASE_SCHEME, this));
    this._register(vscode.workspace.registerTextDocumentContentProvider(SANDBOX_SCHEME, this));
    this._register(vscode.workspace.onDidCloseTextDocument((doc) => this.open.delete(doc.uri.toString())));
    // Open diff editors follow the sandbox as commands change it.
    this._register(controller.onDidChangeChanges(() => this.open.forEach((u) => this.changed.fire(vscode.Uri.parse(u)))));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    this.open.add(uri.toString());
    const rel = uri.path.replace(/^\/+/, '');
    const airlock = this.controller.airlock();
    if (!airlock) return '';
    // Read through the view: it never follows a symlink the agent put on the way, nor waits on a FIFO.
    const side = uri.scheme === BASE_SCHEME ? 'base' : 'sandbox';
    const entry = await airlock.view.entryOf(side, rel).catch(() => undefined);
    if (!entry) return '';
    if (entry.type === 'symlink') return `(symbolic link to ${entry.linkTarget ?? ''})`;
    // An overlay whiteout (character device 0:0) is how the sandbox side records a deletion.
    if (entry.type === 'device') return '';
    if (entry.type !== 'file') return entry.type === 'directory' ? '(folder)' : '(special file)';
    if (entry.size > MAX_SHOWN_BYTES) return `(file too large to show: ${entry.size} bytes)`;
    const read = await readFileContent(() => airlock.view.openFile(side, rel), MAX_SHOWN_BYTES).catch(() => undefined);
    if (!read?.data) return read ? `(file too large to show: ${read.size} bytes)` : '';
    const bytes = read.data;
    if (looksBinary(bytes)) return `(binary file: ${bytes.length} bytes)`;
    return bytes.toString('utf8');
  }
}

/** Opens a changed file in the native diff editor: workspace side left, sandbox side right. */
export async function openNativeDiff(relPath: string): Promise<void> {
  await vscode.commands.executeCommand(
    'vscode.diff',
    sideUri(BASE_SCHEME, relPath),
    sideUri(SANDBOX_SCHEME, relPath),
    `${relPath} (workspace ↔ sandbox)`,
    { preview: true, preserveFocus: false } satisfies vscode.TextDocumentShowOptions,
  );
}
