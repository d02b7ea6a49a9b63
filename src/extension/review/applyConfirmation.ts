import { plainTranslate, type Translate } from '../../core/auditFormat';
import type { Totals } from '../../protocol/review';

/**
 * What the person is asked before an apply that does not come from the review panel's own
 * button, or undefined when nothing is approved. Commands can be run by other extensions and
 * by agents that have a tool for VS Code commands; a modal question can only be answered by
 * a person, so approvals made through commands never reach the real tree on their own. The
 * counts are the panel's (`totalsOf`): what apply writes, what it removes from the sandbox,
 * and what stays pending. The words go through `t` (the caller passes `vscode.l10n.t`).
 */
export function applyConfirmation(
  totals: Pick<Totals, 'approved' | 'toApply' | 'toUndo' | 'pending'>,
  t: Translate = plainTranslate,
): { message: string; detail: string } | undefined {
  const approved = totals.toApply;
  if (approved === 0) return undefined;
  const sentences: string[] = [];
  if (approved > totals.approved) sentences.push(t('Files approved in part are written with their approved hunks only.'));
  if (totals.toUndo === 1) sentences.push(t('1 rejected change will be removed from the sandbox.'));
  else if (totals.toUndo > 1) sentences.push(t('{0} rejected changes will be removed from the sandbox.', totals.toUndo));
  if (totals.pending === 1) sentences.push(t('1 pending change stays in the sandbox.'));
  else if (totals.pending > 1) sentences.push(t('{0} pending changes stay in the sandbox.', totals.pending));
  sentences.push(t('Undo Last Apply takes an apply back.'));
  return {
    message:
      approved === 1 ? t('Apply 1 approved change to your workspace?') : t('Apply {0} approved changes to your workspace?', approved),
    detail: sentences.join(' '),
  };
}
