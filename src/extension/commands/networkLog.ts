/**
 * The network log view: every request the sandbox's proxy saw, with its decision, in a
 * read-only document that follows new requests while it is open.
 */
import * as vscode from 'vscode';
import { formatNetworkLog, readNetworkLog } from '../../core/network/log';
import { networkLogFile } from '../../core/session/network';
import type { SandboxController } from '../sandbox/controller';
import { Disposable } from '../util/disposable';

const SCHEME = 'agent-sandbox-network';
const LOG_URI = vscode.Uri.from({ scheme: SCHEME, path: '/Sandbox Network Log' });

export class NetworkLogView extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly controller: SandboxController) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(SCHEME, this));
    // Bursts of requests refresh the document once.
    this._register(
      controller.onNetworkRecord(() => {
        this.pending ??= setTimeout(() => {
          this.pending = undefined;
          this.changed.fire(LOG_URI);
        }, 250);
      }),
    );
    this._register({ dispose: () => clearTimeout(this.pending) });
  }

  provideTextDocumentContent(): string {
    const dir = this.controller.sessionDir();
    if (!dir) return 'There is no sandbox session for this workspace yet.\n';
    return formatNetworkLog(readNetworkLog(networkLogFile(dir)));
  }

  async show(): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(LOG_URI);
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}
