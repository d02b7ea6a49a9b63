/** "Remove Sandbox…": asks, naming the pending changes that would be lost, then removes the session whole. */
import * as vscode from 'vscode';
import { describePending, losesChanges } from '../../core/session/remove';
import type { SandboxController } from '../sandbox/controller';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';

export async function removeSandbox(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const pending = await controller.pendingBeforeRemove();
    const loses = pending !== undefined && losesChanges(pending);
    const remove = vscode.l10n.t('Remove');
    const pick = await vscode.window.showWarningMessage(
      loses ? vscode.l10n.t('Remove the sandbox and lose {0}?', describePending(pending)) : vscode.l10n.t('Remove the sandbox?'),
      {
        modal: true,
        detail: loses
          ? pending.count === 1 && !pending.atLeast
            ? vscode.l10n.t(
                'The container, its volume and its copy of the workspace are removed, with {0} that was not applied and will be lost. Your workspace is not changed. Sandbox mode turns off; starting it again makes a new sandbox.',
                describePending(pending),
              )
            : vscode.l10n.t(
                'The container, its volume and its copy of the workspace are removed, with {0} that were not applied and will be lost. Your workspace is not changed. Sandbox mode turns off; starting it again makes a new sandbox.',
                describePending(pending),
              )
          : vscode.l10n.t(
              'The container, its volume and its copy of the workspace are removed. Your workspace is not changed. Sandbox mode turns off; starting it again makes a new sandbox.',
            ),
      },
      remove,
    );
    if (pick !== remove) return;
    const result = await controller.remove();
    void vscode.window.showInformationMessage(
      result.removed
        ? vscode.l10n.t('Agent Sandbox: the sandbox was removed. Your workspace was not changed.')
        : vscode.l10n.t('Agent Sandbox: there was no sandbox left to remove.'),
    );
  } catch (err) {
    await showError(logger, vscode.l10n.t('Removing the sandbox failed'), err);
  }
}
