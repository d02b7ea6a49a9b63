import type { Totals } from '../../protocol/review';

/**
 * What the person is asked before an apply that does not come from the review panel's own
 * button, or undefined when nothing is approved. Commands can be run by other extensions and
 * by agents that have a tool for VS Code commands; a modal question can only be answered by
 * a person, so approvals made through commands never reach the real tree on their own.
 */
export function applyConfirmation(
  totals: Pick<Totals, 'approved' | 'partial' | 'pending' | 'rejected'>,
): { message: string; detail: string } | undefined {
  const approved = totals.approved + totals.partial;
  if (approved === 0) return undefined;
  const left = totals.pending + totals.rejected;
  return {
    message: `Apply ${approved} approved change${approved === 1 ? '' : 's'} to your workspace?`,
    detail:
      (totals.partial ? 'Files approved in part are written with their approved hunks only. ' : '') +
      (left ? `${left} change${left === 1 ? '' : 's'} not approved stay${left === 1 ? 's' : ''} in the sandbox. ` : '') +
      'Undo Last Apply takes an apply back.',
  };
}
