/**
 * The data half of the webview's state (what the host says is true) and the reducers that
 * fold the host's replies into it. The host is the authority on decisions: the webview
 * never guesses a decision, it shows what the reply says.
 */
import { type DecisionUpdate, type FileDiff, type FileItem, type ReviewState, type Totals } from '../../../src/protocol/review';
import { t } from '../l10n';
import { isExcludedFromApproveAll } from './fileRows';

export interface ReviewData {
  readonly state: ReviewState;
  readonly indexByPath: ReadonlyMap<string, number>;
  /** The diff on screen, if any; always of the current generation. */
  readonly diff?: FileDiff;
}

function indexFiles(files: readonly FileItem[]): Map<string, number> {
  const index = new Map<string, number>();
  files.forEach((file, i) => index.set(file.path, i));
  return index;
}

/** A new change set (on `ready`, `refresh` or a `state` notification). */
export function withState(previous: ReviewData | undefined, state: ReviewState): ReviewData {
  const indexByPath = indexFiles(state.files);
  const diff = previous?.diff;
  // A diff from an older generation may describe hunks that no longer exist.
  const keepDiff = diff !== undefined && diff.generation === state.generation && indexByPath.has(diff.path);
  return keepDiff ? { state, indexByPath, diff } : { state, indexByPath };
}

/** A diff arrived; ignored when it belongs to another generation than the one on screen. */
export function withDiff(data: ReviewData, diff: FileDiff): ReviewData {
  if (diff.generation !== data.state.generation || !data.indexByPath.has(diff.path)) return data;
  return { ...data, diff };
}

/** Folds the reply to a decision request into the data. Unknown paths are ignored. */
export function withDecisionUpdate(data: ReviewData, update: DecisionUpdate): ReviewData {
  let files = data.state.files;
  for (const changed of update.files) {
    const at = data.indexByPath.get(changed.path);
    if (at === undefined) continue;
    if (files === data.state.files) files = files.slice();
    (files as FileItem[])[at] = changed;
  }
  const state: ReviewState = { ...data.state, files, totals: update.totals };
  let diff = data.diff;
  const wholeFile = diff === undefined ? undefined : update.files.find((f) => f.path === diff?.path);
  if (diff !== undefined && update.hunks === undefined && wholeFile !== undefined && wholeFile.decision !== 'partial') {
    // A file that applies as a whole: its shown hunks carry the file's decision and reason.
    const { decision, reason } = wholeFile;
    diff = { ...diff, hunks: diff.hunks.map((hunk) => ({ ...hunk, decision, reason })) };
  } else if (diff !== undefined && update.hunks !== undefined && update.hunks.path === diff.path) {
    const byIndex = new Map(update.hunks.decisions.map((d) => [d.index, d]));
    diff = {
      ...diff,
      hunks: diff.hunks.map((hunk) => {
        const next = byIndex.get(hunk.index);
        return next === undefined ? hunk : { ...hunk, decision: next.decision, reason: next.reason };
      }),
    };
  }
  return diff === undefined ? { state, indexByPath: data.indexByPath } : { state, indexByPath: data.indexByPath, diff };
}

export function fileAt(data: ReviewData, path: string): FileItem | undefined {
  const at = data.indexByPath.get(path);
  return at === undefined ? undefined : data.state.files[at];
}

/** How many files approve-all will leave alone, for the toolbar's wording. */
export function approveAllExclusions(files: readonly FileItem[]): { risky: number; neverApply: number } {
  let risky = 0;
  let neverApply = 0;
  for (const file of files) {
    if (!isExcludedFromApproveAll(file)) continue;
    if (file.neverApply !== undefined) neverApply++;
    else risky++;
  }
  return { risky, neverApply };
}

/** The header's counts; "pending" is `totals.pending`, the count the status bar and Source Control show. */
export function summariseTotals(totals: Totals): string {
  const parts = [
    t('{0} changed', totals.files),
    t('{0} approved', totals.approved),
    t('{0} rejected', totals.rejected),
    t('{0} pending', totals.pending),
  ];
  if (totals.partial > 0) parts.push(t('{0} decided in parts', totals.partial));
  if (totals.conflicts > 0) parts.push(t('{0} in conflict', totals.conflicts));
  return parts.join(' · ');
}

/**
 * What "Apply" will do, said before it is done: how many files it writes and how many files'
 * rejected changes it undoes in the sandbox (counted in files, as the header counts).
 */
export function applyWording(totals: Totals): { label: string; note: string; enabled: boolean } {
  const n = totals.toApply;
  const undo = totals.toUndo;
  if (n === 0) {
    let note: string;
    if (undo === 0) note = t('Nothing is approved yet, so Apply has nothing to write. Approve changes first.');
    else if (undo === 1)
      note = t(
        'Nothing is approved yet, so Apply has nothing to write. Approve changes first; then 1 rejected change will be removed from the sandbox.',
      );
    else
      note = t(
        'Nothing is approved yet, so Apply has nothing to write. Approve changes first; then {0} rejected changes will be removed from the sandbox.',
        undo,
      );
    return { label: t('Apply approved'), note, enabled: false };
  }
  const label = n === 1 ? t('Apply 1 change') : t('Apply {0} changes', n);
  let note: string;
  if (undo === 0)
    note =
      n === 1
        ? t('Apply 1 change to your workspace; nothing is removed from the sandbox.')
        : t('Apply {0} changes to your workspace; nothing is removed from the sandbox.', n);
  else if (undo === 1)
    note =
      n === 1
        ? t('Apply 1 change to your workspace; 1 rejected change will be removed from the sandbox.')
        : t('Apply {0} changes to your workspace; 1 rejected change will be removed from the sandbox.', n);
  else
    note =
      n === 1
        ? t('Apply 1 change to your workspace; {0} rejected changes will be removed from the sandbox.', undo)
        : t('Apply {0} changes to your workspace; {1} rejected changes will be removed from the sandbox.', n, undo);
  if (totals.pending === 1) note += t(' 1 pending file stays in the sandbox.');
  else if (totals.pending > 1) note += t(' {0} pending files stay in the sandbox.', totals.pending);
  return { label, note, enabled: true };
}
