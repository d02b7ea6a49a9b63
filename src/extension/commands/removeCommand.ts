/** "Remove Sandbox…": asks, naming the pending changes that would be lost, then removes the session whole. */
import * as vscode from 'vscode';
import { describePending, losesChanges } from '../../core/session/remove';
import type { SandboxController } from '../sandbox/controller';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';

export async function removeSandbox(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const pending = await controller.pendingBeforeRemove();
    const lost =
      pending && losesChanges(pending)
        ? `, with ${describePending(pending)} that ${pending.count === 1 && !pending.atLeast ? 'was' : 'were'} not applied and will be lost`
        : '';
    const pick = await vscode.window.showWarningMessage(
      lost ? `Remove the sandbox and lose ${describePending(pending!)}?` : 'Remove the sandbox?',
      {
        modal: true,
        detail: `The container, its volume and its copy of the workspace are removed${lost}. Your workspace is not changed. Sandbox mode turns off; starting it again makes a new sandbox.`,
      },
      'Remove',
    );
    if (pick !== 'Remove') return;
    const result = await controller.remove();
    void vscode.window.showInformationMessage(
      result.removed
        ? 'Agent Sandbox: the sandbox was removed. Your workspace was not changed.'
        : 'Agent Sandbox: there was no sandbox left to remove.',
    );
  } catch (err) {
    await showError(logger, 'Removing the sandbox failed', err);
  }
}
