/**
 * Flattens a file diff into fixed-height rows (one per hunk header, one per line) so a diff
 * of 100,000 lines renders like any other virtual list. Pure, so it is unit-tested.
 */
import type { DiffLine, FileDiff } from '../../../src/protocol/review';

export type DiffRow =
  { readonly type: 'hunk'; readonly hunk: number } | { readonly type: 'line'; readonly hunk: number; readonly line: DiffLine };

export interface DiffModel {
  readonly rows: readonly DiffRow[];
  /** Row index of each hunk's header, by position in `diff.hunks`. */
  readonly hunkRowIndex: readonly number[];
  /** The longest line in characters, to size the horizontal scroll area once. */
  readonly maxLineLength: number;
  readonly added: number;
  readonly removed: number;
}

export function buildDiffModel(diff: FileDiff): DiffModel {
  const rows: DiffRow[] = [];
  const hunkRowIndex: number[] = [];
  let maxLineLength = 0;
  let added = 0;
  let removed = 0;
  diff.hunks.forEach((hunk, position) => {
    hunkRowIndex.push(rows.length);
    rows.push({ type: 'hunk', hunk: position });
    maxLineLength = Math.max(maxLineLength, hunk.header.length);
    for (const line of hunk.lines) {
      rows.push({ type: 'line', hunk: position, line });
      if (line.text.length > maxLineLength) maxLineLength = line.text.length;
      if (line.type === 'add') added++;
      else if (line.type === 'del') removed++;
    }
  });
  return { rows, hunkRowIndex, maxLineLength, added, removed };
}

/** Position (in `diff.hunks`) of the hunk that row `rowIndex` belongs to, or -1. */
export function hunkAtRow(model: DiffModel, rowIndex: number): number {
  const row = model.rows[rowIndex];
  return row === undefined ? -1 : row.hunk;
}

/** Marker shown in the gutter for each line type; the text itself is never altered. */
export const LINE_MARKERS = { context: ' ', add: '+', del: '-' } as const;
