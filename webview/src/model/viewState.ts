/**
 * UI intent persisted with `vscode.setState` so the panel looks the same after it is
 * hidden and shown or reloaded. Data (files, decisions, diffs) is never persisted: it is
 * refetched on `ready`, so a restored panel cannot show stale decisions.
 */
import { GROUP_ORDER, type DecisionFilter, type GroupId, type ListFilter } from './fileRows';

export interface PersistedViewState {
  readonly version: 1;
  readonly selectedPath?: string;
  readonly listScrollTop: number;
  readonly diffScrollTop: number;
  readonly collapsedGroups: readonly GroupId[];
  readonly filter: ListFilter;
  /** 1-based index of the hunk that had focus in the diff. */
  readonly focusedHunk?: number;
}

export const INITIAL_VIEW_STATE: PersistedViewState = {
  version: 1,
  listScrollTop: 0,
  diffScrollTop: 0,
  collapsedGroups: [],
  filter: { text: '', decision: 'all' },
};

const DECISION_FILTERS: readonly DecisionFilter[] = ['all', 'pending', 'decided'];

function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/**
 * Reads whatever `getState()` returned (it may come from an older build, or be nothing)
 * and keeps only well-formed fields; anything else falls back to the initial state.
 */
export function restoreViewState(raw: unknown): PersistedViewState {
  if (typeof raw !== 'object' || raw === null) return INITIAL_VIEW_STATE;
  const value = raw as Record<string, unknown>;
  if (value.version !== 1) return INITIAL_VIEW_STATE;
  const filter = (typeof value.filter === 'object' && value.filter !== null ? value.filter : {}) as Record<string, unknown>;
  const collapsed = Array.isArray(value.collapsedGroups)
    ? value.collapsedGroups.filter((g): g is GroupId => (GROUP_ORDER as readonly unknown[]).includes(g))
    : [];
  const focusedHunk =
    typeof value.focusedHunk === 'number' && Number.isInteger(value.focusedHunk) && value.focusedHunk >= 1 ? value.focusedHunk : undefined;
  return {
    version: 1,
    selectedPath: typeof value.selectedPath === 'string' ? value.selectedPath : undefined,
    listScrollTop: nonNegative(value.listScrollTop),
    diffScrollTop: nonNegative(value.diffScrollTop),
    collapsedGroups: [...new Set(collapsed)],
    filter: {
      text: typeof filter.text === 'string' ? filter.text : '',
      decision: (DECISION_FILTERS as readonly unknown[]).includes(filter.decision) ? (filter.decision as DecisionFilter) : 'all',
    },
    focusedHunk,
  };
}
