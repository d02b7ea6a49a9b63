/**
 * Keyboard navigation as data: which command a key means in the file list or the diff, and
 * where the active row or hunk goes next. Pure, so it is unit-tested; the views only bind
 * keydown events to these functions.
 */

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey?: boolean;
  readonly metaKey?: boolean;
  readonly altKey?: boolean;
  readonly shiftKey?: boolean;
}

export type ListCommand =
  | { readonly type: 'move'; readonly delta: number }
  | { readonly type: 'first' }
  | { readonly type: 'last' }
  | { readonly type: 'page'; readonly direction: 1 | -1 }
  | { readonly type: 'open' }
  | { readonly type: 'expand' }
  | { readonly type: 'collapse' }
  | { readonly type: 'approve' }
  | { readonly type: 'reject' }
  | { readonly type: 'nativeDiff' };

export type DiffCommand =
  | { readonly type: 'hunk'; readonly direction: 1 | -1 }
  | { readonly type: 'approve' }
  | { readonly type: 'reject' }
  | { readonly type: 'nativeDiff' }
  | { readonly type: 'back' };

/** Chords with Ctrl, Cmd or Alt belong to VS Code, never to the panel. */
function isChord(press: KeyPress): boolean {
  return press.ctrlKey === true || press.metaKey === true || press.altKey === true;
}

export function listCommandFor(press: KeyPress): ListCommand | undefined {
  if (isChord(press)) return undefined;
  switch (press.key) {
    case 'ArrowDown':
    case 'j':
      return { type: 'move', delta: 1 };
    case 'ArrowUp':
    case 'k':
      return { type: 'move', delta: -1 };
    case 'Home':
      return { type: 'first' };
    case 'End':
      return { type: 'last' };
    case 'PageDown':
      return { type: 'page', direction: 1 };
    case 'PageUp':
      return { type: 'page', direction: -1 };
    case 'Enter':
      return { type: 'open' };
    case 'ArrowRight':
      return { type: 'expand' };
    case 'ArrowLeft':
      return { type: 'collapse' };
    case 'a':
      return { type: 'approve' };
    case 'r':
      return { type: 'reject' };
    case 'o':
      return { type: 'nativeDiff' };
    default:
      return undefined;
  }
}

export function diffCommandFor(press: KeyPress): DiffCommand | undefined {
  if (isChord(press)) return undefined;
  switch (press.key) {
    case 'n':
      return { type: 'hunk', direction: 1 };
    case 'p':
      return { type: 'hunk', direction: -1 };
    case 'a':
      return { type: 'approve' };
    case 'r':
      return { type: 'reject' };
    case 'o':
      return { type: 'nativeDiff' };
    case 'Escape':
      return { type: 'back' };
    default:
      return undefined;
  }
}

/** The active row after a navigation command, clamped to the list; -1 for an empty list. */
export function nextActiveRow(
  active: number,
  rowCount: number,
  command: Extract<ListCommand, { type: 'move' | 'first' | 'last' | 'page' }>,
  rowsPerPage: number,
): number {
  if (rowCount <= 0) return -1;
  const from = active < 0 ? -1 : Math.min(active, rowCount - 1);
  let target: number;
  switch (command.type) {
    case 'first':
      target = 0;
      break;
    case 'last':
      target = rowCount - 1;
      break;
    case 'page':
      target = (from < 0 ? 0 : from) + command.direction * Math.max(1, rowsPerPage - 1);
      break;
    case 'move':
      target = from < 0 ? (command.delta > 0 ? 0 : rowCount - 1) : from + command.delta;
      break;
  }
  return Math.min(rowCount - 1, Math.max(0, target));
}

/**
 * The hunk (position in the diff) to focus after n/p: stops at the ends rather than
 * wrapping, so holding the key never jumps back to the top unnoticed. -1 when there are no hunks.
 */
export function nextHunk(current: number, hunkCount: number, direction: 1 | -1): number {
  if (hunkCount <= 0) return -1;
  if (current < 0 || current >= hunkCount) return direction > 0 ? 0 : hunkCount - 1;
  return Math.min(hunkCount - 1, Math.max(0, current + direction));
}
