/**
 * A fixed-row-height virtual list: only the visible rows plus an overscan exist in the DOM.
 * Rows that stay in the window keep their elements across scrolls (so a focused row keeps
 * focus), new rows are inserted in order without moving existing ones. Rows that leave the
 * window are kept aside and filled again for the rows that enter it, so fast scrolling
 * re-fills elements instead of building new ones (the renderers are written for that).
 */
import { el, setPx } from '../dom';
import { computeWindow, sameWindow, scrollTopToReveal, type RowWindow } from '../model/virtualWindow';

export interface VirtualListOptions {
  readonly rowHeight: number;
  readonly overscan: number;
  /** The scrolling element; it gets the listbox/tree/list role from the caller. */
  readonly viewport: HTMLElement;
  createRow(): HTMLElement;
  /** Fills `row` for `index`; called again on every refresh, so it must be idempotent. */
  renderRow(row: HTMLElement, index: number): void;
  onScroll?(scrollTop: number): void;
}

export class VirtualList {
  private rowCount = 0;
  private window: RowWindow | undefined;
  private readonly rendered = new Map<number, HTMLElement>();
  /** Detached rows waiting to be filled again. */
  private readonly spare: HTMLElement[] = [];
  private readonly sizer: HTMLElement;
  private frame = 0;

  constructor(private readonly options: VirtualListOptions) {
    this.sizer = el('div', { className: 'virtual-sizer', attrs: { role: 'none' } });
    options.viewport.append(this.sizer);
    options.viewport.addEventListener(
      'scroll',
      () => {
        this.scheduleRender();
        options.onScroll?.(options.viewport.scrollTop);
      },
      { passive: true },
    );
    new ResizeObserver(() => this.scheduleRender()).observe(options.viewport);
  }

  get viewport(): HTMLElement {
    return this.options.viewport;
  }

  /** Rows that fit in the viewport, for PageUp/PageDown. */
  rowsPerPage(): number {
    return Math.max(1, Math.floor(this.options.viewport.clientHeight / this.options.rowHeight));
  }

  /** New row count: everything is re-rendered. */
  setRowCount(rowCount: number): void {
    this.rowCount = rowCount;
    for (const row of this.rendered.values()) this.retire(row);
    this.rendered.clear();
    this.window = undefined;
    this.render();
  }

  /** Same rows, new content (e.g. a decision changed): re-renders the rows on screen. */
  refresh(): void {
    for (const [index, row] of this.rendered) this.options.renderRow(row, index);
  }

  rowElement(index: number): HTMLElement | undefined {
    return this.rendered.get(index);
  }

  setScrollTop(scrollTop: number): void {
    this.options.viewport.scrollTop = scrollTop;
    this.render();
  }

  /** Scrolls the least needed to show `index` and renders it at once (so it can take focus). */
  reveal(index: number, align: 'nearest' | 'top' = 'nearest'): void {
    const { viewport, rowHeight } = this.options;
    const target = align === 'top' ? index * rowHeight : scrollTopToReveal(index, viewport.scrollTop, viewport.clientHeight, rowHeight);
    if (target !== undefined) viewport.scrollTop = target;
    this.render();
  }

  private scheduleRender(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(): void {
    const { viewport, rowHeight, overscan } = this.options;
    const next = computeWindow({
      scrollTop: viewport.scrollTop,
      viewportHeight: viewport.clientHeight,
      rowHeight,
      rowCount: this.rowCount,
      overscan,
    });
    if (sameWindow(this.window, next)) return;
    this.window = next;
    setPx(this.sizer, 'height', next.totalHeight);
    for (const [index, row] of this.rendered) {
      if (index < next.start || index >= next.end) {
        this.retire(row);
        this.rendered.delete(index);
      }
    }
    // Existing rows are already in ascending order; insert the missing ones around them.
    let cursor: ChildNode | null = this.firstRenderedRow();
    for (let index = next.start; index < next.end; index++) {
      const existing = this.rendered.get(index);
      if (existing !== undefined) {
        cursor = existing.nextSibling;
        continue;
      }
      const row = this.spare.pop() ?? this.newRow();
      setPx(row, 'top', index * rowHeight);
      this.options.renderRow(row, index);
      viewport.insertBefore(row, cursor);
      this.rendered.set(index, row);
    }
  }

  private newRow(): HTMLElement {
    const row = this.options.createRow();
    row.classList.add('virtual-row');
    setPx(row, 'height', this.options.rowHeight);
    return row;
  }

  /** Takes a row out of the DOM and keeps it for reuse, up to about two windows' worth. */
  private retire(row: HTMLElement): void {
    row.remove();
    const keep = 2 * (this.window ? this.window.end - this.window.start : 0) + 2 * this.options.overscan;
    if (this.spare.length < keep) this.spare.push(row);
  }

  private firstRenderedRow(): ChildNode | null {
    let first: HTMLElement | undefined;
    let firstIndex = Infinity;
    for (const [index, row] of this.rendered) {
      if (index < firstIndex) {
        firstIndex = index;
        first = row;
      }
    }
    return first ?? null;
  }
}
