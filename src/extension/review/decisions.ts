/**
 * What the review lists and counts, from the airlock's change set and decisions: the entries a
 * person decides on (not the folders the sandbox created only as parents of new files) and each
 * file's decision. The review panel, the Source Control view and the status bar's count all go
 * through here and through `totalsOf`/`pendingCount`, so they agree. No `vscode`.
 */
import type { Airlock, ChangeEntry, DecisionState } from '../../core/airlock';
import type { FileItem } from '../../protocol/review';
import { combineDecisions } from './viewModel';

type Review = Awaited<ReturnType<Airlock['review']>>;

export function isFolder(entry: ChangeEntry): boolean {
  return entry.sandbox?.entry.type === 'directory' || (entry.kind === 'deleted' && entry.base?.entry.type === 'directory');
}

/**
 * The entries the review shows. A folder added in the sandbox that holds other changed paths
 * is left out: it exists only as their parent, and applying any of them creates it. An empty
 * new folder (or a new folder whose contents were all left out of the copy) stays.
 */
export function reviewableEntries(entries: readonly ChangeEntry[]): ChangeEntry[] {
  const parents = new Set<string>();
  for (const entry of entries) {
    let slash = entry.path.lastIndexOf('/');
    while (slash > 0) {
      const parent = entry.path.slice(0, slash);
      if (parents.has(parent)) break;
      parents.add(parent);
      slash = parent.lastIndexOf('/');
    }
  }
  return entries.filter((e) => !(e.kind === 'added' && e.sandbox?.entry.type === 'directory' && parents.has(e.path)));
}

export interface FileDecisionInfo {
  decision: FileItem['decision'];
  hunkCount: number;
  /** The whole-file decision's reason. */
  reason?: string;
  hunkTally?: NonNullable<FileItem['hunkTally']>;
}

function tallyOf(states: readonly DecisionState[]): NonNullable<FileItem['hunkTally']> {
  const tally = { approved: 0, rejected: 0, pending: 0 };
  for (const s of states) tally[s]++;
  return tally;
}

/** A file's decision: the whole-file one, or the combination of its hunks' when they have their own. */
export async function decisionOf(airlock: Pick<Airlock, 'hunks'>, entry: ChangeEntry, review: Review): Promise<FileDecisionInfo> {
  const file = review.fileDecision(entry);
  if (review.hasHunkDecisions(entry.path)) {
    // Only files with per-hunk decisions pay for a hunk split here; the rest on demand.
    const hunks = await airlock.hunks(entry.path);
    if (hunks) {
      const states = hunks.map((h) => review.hunkDecision(entry, h).state);
      const decision = combineDecisions(states);
      return { decision, hunkCount: hunks.length, ...(decision === 'partial' ? { hunkTally: tallyOf(states) } : {}) };
    }
  }
  return { decision: file.state, hunkCount: 0, ...(file.state !== 'pending' && file.reason ? { reason: file.reason } : {}) };
}
