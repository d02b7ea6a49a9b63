/**
 * Window math for fixed-row-height virtual lists: which rows to render for a scroll
 * position, and where to scroll to bring a row into view. Pure, so it is unit-tested.
 */

export interface WindowInput {
  readonly scrollTop: number;
  readonly viewportHeight: number;
  readonly rowHeight: number;
  readonly rowCount: number;
  /** Extra rows rendered above and below the viewport, so fast scrolling shows no gaps. */
  readonly overscan: number;
}

export interface RowWindow {
  /** First rendered row (inclusive). */
  readonly start: number;
  /** One past the last rendered row. */
  readonly end: number;
  /** Pixel offset of `start`, where the first rendered row is placed. */
  readonly offsetTop: number;
  /** Height of the whole list, so the scrollbar is right. */
  readonly totalHeight: number;
}

export function computeWindow(input: WindowInput): RowWindow {
  const rowHeight = Math.max(1, input.rowHeight);
  const rowCount = Math.max(0, Math.floor(input.rowCount));
  const totalHeight = rowCount * rowHeight;
  if (rowCount === 0) return { start: 0, end: 0, offsetTop: 0, totalHeight: 0 };
  const maxScroll = Math.max(0, totalHeight - input.viewportHeight);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const overscan = Math.max(0, Math.floor(input.overscan));
  const firstVisible = Math.floor(scrollTop / rowHeight);
  const lastVisible = Math.ceil((scrollTop + Math.max(0, input.viewportHeight)) / rowHeight);
  const start = Math.max(0, firstVisible - overscan);
  const end = Math.min(rowCount, Math.max(lastVisible, firstVisible + 1) + overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/**
 * The scrollTop that brings row `index` fully into view with the least movement, or
 * undefined when it is already visible.
 */
export function scrollTopToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | undefined {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return undefined;
}

/** True when two windows render the same rows at the same place (no DOM work needed). */
export function sameWindow(a: RowWindow | undefined, b: RowWindow): boolean {
  return a !== undefined && a.start === b.start && a.end === b.end && a.totalHeight === b.totalHeight;
}
