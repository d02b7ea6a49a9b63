import type { FileItem, Totals } from './viewTypes';

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
  };
}

/**
 * The counts the panel's header shows, from the file list itself, so the header and the list
 * cannot disagree. Each file counts once under its kind and once under its decision.
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
    t[f.decision]++;
    if (f.conflict) t.conflicts++;
  }
  return t;
}
