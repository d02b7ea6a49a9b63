/**
 * The one definition of "pending": the panel's header, its file list, the Source Control
 * view's badge and the status bar's "N pending" all count with these functions, so they
 * cannot disagree.
 */
import type { FileItem, Totals } from './viewTypes';

/** Where a file stands: decided as a whole, decided in parts, or still waiting for a decision. */
export type DecisionStatus = 'pending' | 'approved' | 'rejected' | 'mixed';

type Decided = Pick<FileItem, 'decision' | 'hunkTally'>;

/**
 * A file is pending while anything in it waits for a decision. A file whose hunks are all
 * decided, some approved and some rejected, is decided ("mixed"), not pending. A `partial`
 * file without a tally (an older host) counts as pending: it is never counted as decided
 * on a guess.
 */
export function decisionStatus(file: Decided): DecisionStatus {
  if (file.decision !== 'partial') return file.decision;
  const tally = file.hunkTally;
  if (tally === undefined || tally.pending > 0) return 'pending';
  return 'mixed';
}

export function isPending(file: Decided): boolean {
  return decisionStatus(file) === 'pending';
}

/** Something in the file is approved, so apply writes it. */
export function hasApproved(file: Decided): boolean {
  return file.decision === 'approved' || (file.decision === 'partial' && (file.hunkTally?.approved ?? 0) > 0);
}

/** Something in the file is rejected, so apply undoes it in the sandbox. */
export function hasRejected(file: Decided): boolean {
  return file.decision === 'rejected' || (file.decision === 'partial' && (file.hunkTally?.rejected ?? 0) > 0);
}

/** The number of files still waiting for a decision (the "N pending" everywhere). */
export function pendingCount(files: readonly Decided[]): number {
  let n = 0;
  for (const f of files) if (isPending(f)) n++;
  return n;
}

/** Totals with every count at zero. */
export function emptyTotals(): Totals {
  return {
    files: 0,
    added: 0,
    modified: 0,
    deleted: 0,
    risky: 0,
    neverApply: 0,
    approved: 0,
    rejected: 0,
    partial: 0,
    pending: 0,
    conflicts: 0,
    toApply: 0,
    toUndo: 0,
  };
}

/**
 * The counts the panel's header shows, from the file list itself, so the header and the list
 * cannot disagree. Each file counts once under its kind and once under its decision status.
 */
export function totalsOf(files: readonly FileItem[]): Totals {
  const t = emptyTotals();
  for (const f of files) {
    t.files++;
    if (f.kind === 'added') t.added++;
    else if (f.kind === 'deleted') t.deleted++;
    else t.modified++;
    if (f.risks.length) t.risky++;
    if (f.neverApply) t.neverApply++;
    const status = decisionStatus(f);
    if (status === 'mixed') t.partial++;
    else t[status]++;
    if (f.conflict) t.conflicts++;
    if (f.neverApply === undefined && hasApproved(f)) t.toApply++;
    if (hasRejected(f)) t.toUndo++;
  }
  return t;
}
