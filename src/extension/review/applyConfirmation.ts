import type { Totals } from '../../protocol/review';

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * What the person is asked before an apply that does not come from the review panel's own
 * button, or undefined when nothing is approved. Commands can be run by other extensions and
 * by agents that have a tool for VS Code commands; a modal question can only be answered by
 * a person, so approvals made through commands never reach the real tree on their own. The
 * counts are the panel's (`totalsOf`): what apply writes, what it removes from the sandbox,
 * and what stays pending.
 */
export function applyConfirmation(
  totals: Pick<Totals, 'approved' | 'toApply' | 'toUndo' | 'pending'>,
): { message: string; detail: string } | undefined {
  const approved = totals.toApply;
  if (approved === 0) return undefined;
  return {
    message: `Apply ${approved} approved ${plural(approved, 'change', 'changes')} to your workspace?`,
    detail:
      (approved > totals.approved ? 'Files approved in part are written with their approved hunks only. ' : '') +
      (totals.toUndo ? `${totals.toUndo} rejected ${plural(totals.toUndo, 'change', 'changes')} will be removed from the sandbox. ` : '') +
      (totals.pending ? `${totals.pending} pending ${plural(totals.pending, 'change stays', 'changes stay')} in the sandbox. ` : '') +
      'Undo Last Apply takes an apply back.',
  };
}
