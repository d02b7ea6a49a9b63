/** Palette commands over the airlock without the panel: apply approved, discard all, undo. */
import * as vscode from 'vscode';
import { SandboxError } from '../../core/errors';
import { applyConfirmation } from '../review/applyConfirmation';
import { dirtyPathsUnder } from '../review/panel';
import { ReviewService } from '../review/reviewService';
import type { SandboxController } from '../sandbox/controller';
import { executeCommand } from '../util/commands';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';

export function reviewServiceFor(controller: SandboxController): ReviewService {
  return new ReviewService({
    airlock: () => controller.airlock(),
    policy: () => controller.policy(),
    dirtyPaths: () => dirtyPathsUnder(controller.workspaceRoot),
    running: () => controller.runningSession !== undefined,
    afterTreeChange: () => controller.afterTreeChange(),
  });
}

export async function applyApproved(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const service = reviewServiceFor(controller);
    const confirmation = applyConfirmation((await service.state()).totals);
    if (!confirmation) {
      const pick = await vscode.window.showInformationMessage('Agent Sandbox: no change is approved yet.', 'Review Changes');
      if (pick) await executeCommand('agentSandbox.reviewChanges');
      return;
    }
    const pick = await vscode.window.showWarningMessage(confirmation.message, { modal: true, detail: confirmation.detail }, 'Apply');
    if (pick !== 'Apply') return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Agent Sandbox: applying approved changes' },
      () => service.apply(),
    );
    const parts = [`${result.applied.length} written`];
    if (result.merged.length) parts.push(`${result.merged.length} merged with your edits`);
    if (result.conflicts.length) parts.push(`${result.conflicts.length} in conflict`);
    if (result.refused.length)
      parts.push(
        `${result.refused.length} refused (${result.refused
          .slice(0, 2)
          .map((r) => `${r.path}: ${r.reason}`)
          .join('; ')})`,
      );
    logger.info(`Apply from the palette: ${parts.join(', ')}.`);
    const message = `Agent Sandbox: applied — ${parts.join(', ')}.`;
    const needsLook = result.conflicts.length > 0 || result.refused.length > 0;
    if (needsLook)
      void vscode.window.showWarningMessage(message, 'Review Changes').then((pick) => pick && executeCommand('agentSandbox.reviewChanges'));
    else void vscode.window.showInformationMessage(message);
  } catch (err) {
    await showError(logger, 'Applying failed; your files were left as they were', err);
  }
}

export async function discardAll(controller: SandboxController, logger: Logger): Promise<void> {
  // Every change not yet applied, decided or not (the status bar's count is only the undecided ones).
  let pending = controller.status.pending ?? 0;
  try {
    if (controller.airlock()) pending = (await reviewServiceFor(controller).state()).totals.files;
  } catch {
    // The status bar's count stands in when the change set cannot be read.
  }
  const confirm = await vscode.window.showWarningMessage(
    `Discard all ${pending} change${pending === 1 ? '' : 's'} in the sandbox?`,
    {
      modal: true,
      detail: 'The sandbox copy goes back to your workspace as it was when the sandbox started. Your own files are not touched.',
    },
    'Discard All',
  );
  if (confirm !== 'Discard All') return;
  try {
    const { discarded } = await reviewServiceFor(controller).discard();
    void vscode.window.showInformationMessage(`Agent Sandbox: discarded ${discarded} change${discarded === 1 ? '' : 's'}.`);
  } catch (err) {
    await showError(logger, 'Discarding failed', err);
  }
}

export async function undoLastApply(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const airlock = controller.airlock();
    if (!airlock)
      throw new SandboxError('SESSION_NOT_RUNNING', 'There is no sandbox session in this workspace, so there is no apply to undo.');
    let report = await airlock.undo();
    if (!report.undone && report.changedSinceApply.length) {
      const pick = await vscode.window.showWarningMessage(
        report.message,
        {
          modal: true,
          detail: `Changed since the apply: ${report.changedSinceApply.slice(0, 10).join(', ')}${report.changedSinceApply.length > 10 ? ', …' : ''}. Undoing anyway restores them to before the apply and loses those edits.`,
        },
        'Undo Anyway',
      );
      if (pick !== 'Undo Anyway') return;
      report = await airlock.undo({ force: true });
    }
    logger.info(`Undo: ${report.message}`);
    await controller.afterTreeChange();
    if (report.undone) void vscode.window.showInformationMessage(`Agent Sandbox: ${report.message}`);
    else void vscode.window.showInformationMessage(`Agent Sandbox: ${report.message}`);
  } catch (err) {
    await showError(logger, 'Undo failed', err);
  }
}
