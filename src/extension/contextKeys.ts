/**
 * Context keys that decide which palette commands show: the mode, whether a session exists,
 * whether it runs, and whether there are pending changes or an apply to undo.
 */
import * as vscode from 'vscode';
import type { SandboxController } from './sandbox/controller';
import { hasChangesToReview } from './sandbox/status';
import { Disposable } from './util/disposable';

export class SandboxContextKeys extends Disposable {
  constructor(private readonly controller: SandboxController) {
    super();
    this._register(controller.onDidChangeStatus(() => this.sync()));
    this._register(controller.onDidChangeChanges(() => this.sync()));
    this.sync();
  }

  private sync(): void {
    const status = this.controller.status;
    const hasSession = this.controller.sessionDir() !== undefined;
    void vscode.commands.executeCommand('setContext', 'agentSandbox.mode', status.mode);
    void vscode.commands.executeCommand('setContext', 'agentSandbox.running', status.mode === 'on');
    void vscode.commands.executeCommand('setContext', 'agentSandbox.hasSession', hasSession);
    // Changes not applied yet, pending or decided: apply and discard have something to do.
    void vscode.commands.executeCommand('setContext', 'agentSandbox.hasPendingChanges', hasChangesToReview(status));
    // Undo needs the journal of a session; the command itself says when there is nothing to undo.
    void vscode.commands.executeCommand('setContext', 'agentSandbox.canUndo', hasSession);
  }
}
