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
import { plainForNotification } from '../util/plainText';

export function reviewServiceFor(controller: SandboxController): ReviewService {
  return new ReviewService({
    airlock: () => controller.airlock(),
    policy: () => controller.policy(),
    dirtyPaths: () => dirtyPathsUnder(controller.workspaceRoot),
    running: () => controller.runningSession !== undefined,
    afterTreeChange: () => controller.afterTreeChange(),
    translate: (message, ...args) => vscode.l10n.t(message, ...args),
  });
}

export async function applyApproved(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const service = reviewServiceFor(controller);
    const confirmation = applyConfirmation((await service.state()).totals, (message, ...args) => vscode.l10n.t(message, ...args));
    if (!confirmation) {
      const review = vscode.l10n.t('Review Changes');
      const pick = await vscode.window.showInformationMessage(vscode.l10n.t('Agent Sandbox: no change is approved yet.'), review);
      if (pick === review) await executeCommand('agentSandbox.reviewChanges');
      return;
    }
    const apply = vscode.l10n.t('Apply');
    const pick = await vscode.window.showWarningMessage(confirmation.message, { modal: true, detail: confirmation.detail }, apply);
    if (pick !== apply) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Agent Sandbox: applying approved changes') },
      () => service.apply(),
    );
    const parts = [vscode.l10n.t('{0} written', result.applied.length)];
    if (result.merged.length) parts.push(vscode.l10n.t('{0} merged with your edits', result.merged.length));
    if (result.conflicts.length) parts.push(vscode.l10n.t('{0} in conflict', result.conflicts.length));
    if (result.refused.length)
      parts.push(
        vscode.l10n.t(
          '{0} refused ({1})',
          result.refused.length,
          result.refused
            .slice(0, 2)
            .map((r) => `${r.path}: ${r.reason}`)
            .join('; '),
        ),
      );
    logger.info(`Apply from the palette: ${parts.join(', ')}.`);
    // The refused files' names come from the sandbox: shown as plain text, never as links.
    const message = plainForNotification(vscode.l10n.t('Agent Sandbox: applied — {0}.', parts.join(', ')));
    const needsLook = result.conflicts.length > 0 || result.refused.length > 0;
    const review = vscode.l10n.t('Review Changes');
    if (needsLook)
      void vscode.window
        .showWarningMessage(message, review)
        .then((pick) => pick === review && executeCommand('agentSandbox.reviewChanges'));
    else void vscode.window.showInformationMessage(message);
  } catch (err) {
    await showError(logger, vscode.l10n.t('Applying failed; your files were left as they were'), err);
  }
}

export async function discardAll(controller: SandboxController, logger: Logger): Promise<void> {
  // Every change not yet applied, decided or not (the status bar's count is only the undecided ones).
  let pending = controller.status.unapplied ?? controller.status.pending ?? 0;
  try {
    if (controller.airlock()) pending = (await reviewServiceFor(controller).state()).totals.files;
  } catch {
    // The status bar's count stands in when the change set cannot be read.
  }
  const discardAllLabel = vscode.l10n.t('Discard All');
  const confirm = await vscode.window.showWarningMessage(
    pending === 1
      ? vscode.l10n.t('Discard the 1 change in the sandbox?')
      : vscode.l10n.t('Discard all {0} changes in the sandbox?', pending),
    {
      modal: true,
      detail: vscode.l10n.t(
        'The sandbox copy goes back to your workspace as it was when the sandbox started. Your own files are not touched.',
      ),
    },
    discardAllLabel,
  );
  if (confirm !== discardAllLabel) return;
  try {
    const { discarded } = await reviewServiceFor(controller).discard();
    void vscode.window.showInformationMessage(
      discarded === 1
        ? vscode.l10n.t('Agent Sandbox: discarded 1 change.')
        : vscode.l10n.t('Agent Sandbox: discarded {0} changes.', discarded),
    );
  } catch (err) {
    await showError(logger, vscode.l10n.t('Discarding failed'), err);
  }
}

export async function undoLastApply(controller: SandboxController, logger: Logger): Promise<void> {
  try {
    const airlock = controller.airlock();
    if (!airlock)
      throw new SandboxError(
        'SESSION_NOT_RUNNING',
        vscode.l10n.t('There is no sandbox session in this workspace, so there is no apply to undo.'),
      );
    let report = await airlock.undo();
    if (!report.undone && report.changedSinceApply.length) {
      const undoAnyway = vscode.l10n.t('Undo Anyway');
      const pick = await vscode.window.showWarningMessage(
        plainForNotification(report.message),
        {
          modal: true,
          detail: plainForNotification(
            vscode.l10n.t(
              'Changed since the apply: {0}. Undoing anyway restores them to before the apply and loses those edits.',
              `${report.changedSinceApply.slice(0, 10).join(', ')}${report.changedSinceApply.length > 10 ? ', …' : ''}`,
            ),
          ),
        },
        undoAnyway,
      );
      if (pick !== undoAnyway) return;
      report = await airlock.undo({ force: true });
    }
    logger.info(`Undo: ${report.message}`);
    await controller.afterTreeChange();
    void vscode.window.showInformationMessage(plainForNotification(vscode.l10n.t('Agent Sandbox: {0}', report.message)));
  } catch (err) {
    await showError(logger, vscode.l10n.t('Undo failed'), err);
  }
}
