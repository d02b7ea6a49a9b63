/**
 * Turns the change set into the rows of the file list: files grouped by how much care they
 * need, filtered by the person's filter, with collapsible groups. Pure, so it is unit-tested
 * and cheap to recompute for thousands of files.
 */
import { isPending, type FileItem } from '../../../src/protocol/review';
import { t } from '../l10n';

/**
 * Conflicts first (they block an apply), then files that need a closer look (never part of
 * approve-all), then the ordinary changes, then what policy will never apply.
 */
export type GroupId = 'conflicts' | 'risky' | 'changes' | 'neverApply';
export const GROUP_ORDER: readonly GroupId[] = ['conflicts', 'risky', 'changes', 'neverApply'];

/** A group's heading, translated when called. */
export function groupLabel(group: GroupId): string {
  switch (group) {
    case 'conflicts':
      return t('Conflicts');
    case 'risky':
      return t('Needs a closer look');
    case 'changes':
      return t('Changes');
    case 'neverApply':
      return t('Never applied (policy)');
  }
}

export type DecisionFilter = 'all' | 'pending' | 'decided';

export interface ListFilter {
  /** Case-insensitive substring of the path; empty shows everything. */
  readonly text: string;
  readonly decision: DecisionFilter;
}

export const EMPTY_FILTER: ListFilter = { text: '', decision: 'all' };

export type ListRow =
  | { readonly type: 'group'; readonly group: GroupId; readonly count: number; readonly expanded: boolean }
  | { readonly type: 'file'; readonly group: GroupId; readonly fileIndex: number; readonly posInGroup: number; readonly groupSize: number };

export function groupOf(file: FileItem): GroupId {
  if (file.conflict) return 'conflicts';
  if (file.neverApply !== undefined) return 'neverApply';
  if (file.risks.length > 0) return 'risky';
  return 'changes';
}

/** Approve-all leaves these alone; the toolbar says how many. */
export function isExcludedFromApproveAll(file: FileItem): boolean {
  return file.risks.length > 0 || file.neverApply !== undefined;
}

function matches(file: FileItem, filter: ListFilter, needle: string): boolean {
  if (needle !== '' && !file.path.toLowerCase().includes(needle)) return false;
  // The same "pending" as the header's count, the Source Control badge and the status bar.
  if (filter.decision === 'pending') return isPending(file);
  if (filter.decision === 'decided') return !isPending(file);
  return true;
}

/**
 * Builds the flat row list. `collapsed` holds the groups the person closed; groups with no
 * matching files are left out entirely.
 */
export function buildFileRows(files: readonly FileItem[], filter: ListFilter, collapsed: ReadonlySet<GroupId>): ListRow[] {
  const needle = filter.text.trim().toLowerCase();
  const members: Record<GroupId, number[]> = { conflicts: [], risky: [], changes: [], neverApply: [] };
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    if (matches(file, filter, needle)) members[groupOf(file)].push(i);
  }
  const rows: ListRow[] = [];
  for (const group of GROUP_ORDER) {
    const indices = members[group];
    if (indices.length === 0) continue;
    const expanded = !collapsed.has(group);
    rows.push({ type: 'group', group, count: indices.length, expanded });
    if (!expanded) continue;
    indices.forEach((fileIndex, i) => rows.push({ type: 'file', group, fileIndex, posInGroup: i + 1, groupSize: indices.length }));
  }
  return rows;
}

/** Row index of the file at `path`, or -1 when it is filtered out or in a collapsed group. */
export function rowIndexOfPath(rows: readonly ListRow[], files: readonly FileItem[], path: string): number {
  return rows.findIndex((row) => row.type === 'file' && files[row.fileIndex]?.path === path);
}
