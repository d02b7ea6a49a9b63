/**
 * The changed-files tree: a filter, then groups (conflicts, needs a closer look, changes,
 * never applied) of files, virtualised. Keyboard: up/down/j/k move, Home/End, PageUp/Down,
 * Enter opens the diff (or toggles a group), left/right collapse/expand, a/r decide, o opens
 * the native diff. One row is tabbable at a time (roving tabindex).
 */
import type { FileItem } from '../../../src/protocol/review';
import { createCheckbox, createTextField, type Checkbox, type TextField } from '../components';
import { el } from '../dom';
import { t } from '../l10n';
import { buildFileRows, type GroupId, type ListFilter, type ListRow } from '../model/fileRows';
import { listCommandFor, nextActiveRow } from '../model/keyboard';
import { renderFileRow, renderGroupRow } from './fileRow';
import { VirtualList } from './virtualList';

export const FILE_ROW_HEIGHT = 24;

export interface FileListEvents {
  open(path: string, focusDiff: boolean): void;
  decide(path: string, decision: 'approved' | 'rejected'): void;
  nativeDiff(path: string): void;
  intentChanged(): void;
  scrolled(scrollTop: number): void;
}

/** Identifies the active row across rebuilds (row indices shift when groups collapse). */
type RowKey = { readonly group: GroupId } | { readonly path: string };

export class FileList {
  readonly element: HTMLElement;
  private readonly tree: HTMLElement;
  private readonly list: VirtualList;
  private readonly filterField: TextField;
  private readonly pendingOnly: Checkbox;
  private readonly emptyNote: HTMLElement;
  private files: readonly FileItem[] = [];
  private rows: ListRow[] = [];
  private filter: ListFilter;
  private readonly collapsed: Set<GroupId>;
  private active = -1;
  private activeKey: RowKey | undefined;
  private selectedPath: string | undefined;

  constructor(
    private readonly events: FileListEvents,
    initial: { filter: ListFilter; collapsed: readonly GroupId[] },
  ) {
    this.filter = initial.filter;
    this.collapsed = new Set(initial.collapsed);
    this.filterField = createTextField({
      label: t('Filter files'),
      placeholder: t('Filter by path'),
      value: initial.filter.text,
      onInput: (text) => this.setFilter({ ...this.filter, text }),
    });
    this.filterField.element.classList.add('filter-field');
    this.pendingOnly = createCheckbox(t('Undecided only'), initial.filter.decision === 'pending', (checked) =>
      this.setFilter({ ...this.filter, decision: checked ? 'pending' : 'all' }),
    );
    this.tree = el('div', {
      className: 'file-tree virtual-viewport',
      attrs: { role: 'tree', 'aria-label': t('Changed files'), tabindex: '0' },
    });
    this.emptyNote = el('p', { className: 'empty-note', attrs: { hidden: '' } });
    this.element = el('section', { className: 'file-list', attrs: { 'aria-label': t('Changed files') } }, [
      el('div', { className: 'file-list-controls' }, [this.filterField.element, this.pendingOnly.element]),
      this.emptyNote,
      this.tree,
    ]);
    this.list = new VirtualList({
      viewport: this.tree,
      rowHeight: FILE_ROW_HEIGHT,
      overscan: 12,
      createRow: () => {
        const row = el('div', { attrs: { role: 'treeitem', tabindex: '-1' } });
        return row;
      },
      renderRow: (row, index) => this.renderRow(row, index),
      onScroll: (scrollTop) => this.events.scrolled(scrollTop),
    });
    this.tree.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.tree.addEventListener('click', (event) => this.onClick(event));
    this.tree.addEventListener('focus', (event) => {
      // The tree itself is tabbable only while the active row is scrolled away.
      if (event.target === this.tree) this.focusActive();
    });
  }

  currentFilter(): ListFilter {
    return this.filter;
  }

  collapsedGroups(): GroupId[] {
    return [...this.collapsed];
  }

  scrollTop(): number {
    return this.tree.scrollTop;
  }

  setScrollTop(scrollTop: number): void {
    this.list.setScrollTop(scrollTop);
    this.syncTabStop();
  }

  /** Files of a new state, or after decisions changed. Keeps the active row by identity. */
  setFiles(files: readonly FileItem[]): void {
    this.files = files;
    this.rebuild();
  }

  /** Marks the file whose diff is open. */
  setSelected(path: string | undefined): void {
    this.selectedPath = path;
    this.list.refresh();
  }

  /** Makes the row of `path` active and visible (e.g. after a reload). */
  revealPath(path: string): void {
    const index = this.rows.findIndex((row) => row.type === 'file' && this.files[row.fileIndex]?.path === path);
    if (index >= 0) this.setActive(index, false);
  }

  focus(): void {
    this.focusActive();
  }

  activePath(): string | undefined {
    const row = this.rows[this.active];
    return row?.type === 'file' ? this.files[row.fileIndex]?.path : undefined;
  }

  private setFilter(filter: ListFilter): void {
    this.filter = filter;
    this.rebuild();
    this.events.intentChanged();
  }

  private rebuild(): void {
    const previous = this.rows;
    this.rows = buildFileRows(this.files, this.filter, this.collapsed);
    const sameShape =
      previous.length === this.rows.length &&
      previous.every((row, i) => {
        const next = this.rows[i];
        return (
          row.type === next.type &&
          (row.type === 'group'
            ? row.group === (next as typeof row).group &&
              row.count === (next as typeof row).count &&
              row.expanded === (next as typeof row).expanded
            : row.fileIndex === (next as typeof row).fileIndex)
        );
      });
    const hadFocus = this.tree.contains(document.activeElement);
    if (sameShape) {
      this.list.refresh();
    } else {
      this.list.setRowCount(this.rows.length);
    }
    this.active = this.indexOfKey(this.activeKey);
    if (this.active < 0 && this.rows.length > 0) this.active = 0;
    this.activeKey = this.keyOf(this.active);
    this.list.refresh();
    this.syncTabStop();
    if (hadFocus && !sameShape) this.focusActive();
    const filtered = this.files.length > 0 && this.rows.length === 0;
    this.emptyNote.hidden = !(filtered || this.files.length === 0);
    this.emptyNote.textContent = this.files.length === 0 ? t('No changes in the sandbox.') : t('No file matches the filter.');
  }

  private keyOf(index: number): RowKey | undefined {
    const row = this.rows[index];
    if (row === undefined) return undefined;
    return row.type === 'group' ? { group: row.group } : { path: this.files[row.fileIndex].path };
  }

  private indexOfKey(key: RowKey | undefined): number {
    if (key === undefined) return -1;
    return this.rows.findIndex((row) =>
      'group' in key
        ? row.type === 'group' && row.group === key.group
        : row.type === 'file' && this.files[row.fileIndex]?.path === key.path,
    );
  }

  private renderRow(row: HTMLElement, index: number): void {
    const item = this.rows[index];
    if (item === undefined) return;
    if (item.type === 'group') renderGroupRow(row, item);
    else {
      const file = this.files[item.fileIndex];
      renderFileRow(row, item, file, file.path === this.selectedPath);
    }
    const isActive = index === this.active;
    row.tabIndex = isActive ? 0 : -1;
    row.classList.toggle('active', isActive);
    row.dataset.index = String(index);
  }

  /** Exactly one tab stop: the active row when rendered, else the tree itself. */
  private syncTabStop(): void {
    const activeRow = this.list.rowElement(this.active);
    this.tree.tabIndex = activeRow === undefined ? 0 : -1;
  }

  private setActive(index: number, focus: boolean): void {
    if (index < 0 || index >= this.rows.length) return;
    const previous = this.list.rowElement(this.active);
    this.active = index;
    this.activeKey = this.keyOf(index);
    this.list.reveal(index);
    if (previous !== undefined) {
      previous.tabIndex = -1;
      previous.classList.remove('active');
    }
    const row = this.list.rowElement(index);
    if (row !== undefined) {
      row.tabIndex = 0;
      row.classList.add('active');
      if (focus) row.focus({ preventScroll: true });
    }
    this.syncTabStop();
  }

  private focusActive(): void {
    if (this.active < 0) return;
    this.setActive(this.active, true);
  }

  private rowIndexOf(target: EventTarget | null): number {
    const row = target instanceof Element ? target.closest<HTMLElement>('.list-row') : null;
    return row?.dataset.index === undefined ? -1 : Number(row.dataset.index);
  }

  private onClick(event: MouseEvent): void {
    const index = this.rowIndexOf(event.target);
    if (index < 0) return;
    this.setActive(index, true);
    this.activate(index, false);
  }

  private activate(index: number, focusDiff: boolean): void {
    const row = this.rows[index];
    if (row === undefined) return;
    if (row.type === 'group') this.toggleGroup(row.group, !row.expanded);
    else this.events.open(this.files[row.fileIndex].path, focusDiff);
  }

  private toggleGroup(group: GroupId, expanded: boolean): void {
    if (expanded === !this.collapsed.has(group)) return;
    if (expanded) this.collapsed.delete(group);
    else this.collapsed.add(group);
    this.activeKey = { group };
    this.rebuild();
    this.focusActive();
    this.events.intentChanged();
  }

  private onKeyDown(event: KeyboardEvent): void {
    const command = listCommandFor(event);
    if (command === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    const row = this.rows[this.active];
    switch (command.type) {
      case 'move':
      case 'first':
      case 'last':
      case 'page':
        this.setActive(nextActiveRow(this.active, this.rows.length, command, this.list.rowsPerPage()), true);
        return;
      case 'open':
        this.activate(this.active, true);
        return;
      case 'expand':
      case 'collapse': {
        if (row === undefined) return;
        const group = row.group;
        if (row.type === 'file' && command.type === 'collapse') {
          // Left on a file goes to its group header, as in VS Code's trees.
          this.setActive(this.indexOfKey({ group }), true);
          return;
        }
        if (row.type === 'group') this.toggleGroup(group, command.type === 'expand');
        return;
      }
      case 'approve':
      case 'reject':
        if (row?.type === 'file') this.events.decide(this.files[row.fileIndex].path, command.type === 'approve' ? 'approved' : 'rejected');
        return;
      case 'nativeDiff':
        if (row?.type === 'file') this.events.nativeDiff(this.files[row.fileIndex].path);
        return;
    }
  }
}
