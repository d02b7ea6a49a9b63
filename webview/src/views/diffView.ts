/**
 * The diff pane: what the selected file is, file-level decisions, conflict choices, and the
 * diff itself (virtualised; binary and oversized files show sizes and hashes instead).
 * Keyboard in the diff body: n/p next/previous hunk, a/r approve/reject the focused hunk,
 * o opens the native diff editor, Escape returns to the file list.
 */
import type { ConflictChoice, FileDiff, FileItem, HunkView } from '../../../src/protocol/review';
import { createButton, setDisabled } from '../components';
import { el } from '../dom';
import { t } from '../l10n';
import { buildDiffModel, type DiffModel } from '../model/diffRows';
import { decisionLabel, formatSize, kindLabel, riskBadge } from '../model/format';
import { diffCommandFor, nextHunk } from '../model/keyboard';
import { conflictButtons, conflictExplanation } from './conflictChoices';
import { renderHunkRow, renderLineRow } from './diffRow';
import { VirtualList } from './virtualList';

export const DIFF_ROW_HEIGHT = 20;

export interface DiffViewEvents {
  decideFile(path: string, decision: 'approved' | 'rejected'): void;
  decideHunk(path: string, hunk: HunkView, decision: 'approved' | 'rejected'): void;
  nativeDiff(path: string): void;
  resolveConflict(path: string, choice: ConflictChoice): void;
  mergeInEditor(path: string): void;
  back(): void;
  scrolled(scrollTop: number): void;
  hunkFocused(hunk: HunkView, position: number, count: number): void;
}

export class DiffView {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly fileButtons: HTMLElement[];
  private readonly conflictPanel: HTMLElement;
  private readonly infoPanel: HTMLElement;
  private readonly body: HTMLElement;
  private readonly list: VirtualList;
  private file: FileItem | undefined;
  private diff: FileDiff | undefined;
  private model: DiffModel | undefined;
  private focusedHunk = -1;

  constructor(
    private readonly events: DiffViewEvents,
    reasonPrompt: HTMLElement,
  ) {
    this.title = el('h2', { className: 'diff-title', text: t('No file selected') });
    this.meta = el('div', { className: 'diff-meta' });
    this.notes = el('ul', { className: 'diff-notes' });
    this.fileButtons = [
      createButton(t('Approve file'), {
        title: t('Approve every hunk of this file (a in the file list)'),
        onClick: () => this.file && this.events.decideFile(this.file.path, 'approved'),
      }),
      createButton(t('Reject file…'), {
        appearance: 'secondary',
        title: t('Reject this file, with an optional reason (r in the file list)'),
        onClick: () => this.file && this.events.decideFile(this.file.path, 'rejected'),
      }),
      createButton(t('Open diff editor'), {
        appearance: 'secondary',
        title: t("Open in VS Code's diff editor (o)"),
        onClick: () => this.file && this.events.nativeDiff(this.file.path),
      }),
    ];
    this.conflictPanel = el('div', { className: 'conflict-panel', attrs: { role: 'group', hidden: '' } });
    this.infoPanel = el('div', { className: 'info-panel', attrs: { hidden: '' } });
    this.body = el('div', {
      className: 'diff-body virtual-viewport',
      attrs: { role: 'region', tabindex: '0', 'aria-label': t('Diff') },
    });
    this.element = el('section', { className: 'diff-pane', attrs: { 'aria-label': t('Diff') } }, [
      el('header', { className: 'diff-header' }, [
        this.title,
        el('div', { className: 'diff-actions' }, this.fileButtons),
        this.meta,
        this.notes,
      ]),
      this.conflictPanel,
      reasonPrompt,
      this.infoPanel,
      this.body,
    ]);
    this.list = new VirtualList({
      viewport: this.body,
      rowHeight: DIFF_ROW_HEIGHT,
      overscan: 30,
      createRow: () => el('div', { className: 'diff-row' }),
      renderRow: (row, index) => this.renderRow(row, index),
      onScroll: (scrollTop) => this.events.scrolled(scrollTop),
    });
    this.body.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.showEmpty();
  }

  currentPath(): string | undefined {
    return this.file?.path;
  }

  scrollTop(): number {
    return this.body.scrollTop;
  }

  /** 1-based index of the focused hunk, if any. */
  focusedHunkIndex(): number | undefined {
    return this.diff?.hunks[this.focusedHunk]?.index;
  }

  focusedHunkView(): HunkView | undefined {
    return this.diff?.hunks[this.focusedHunk];
  }

  focusBody(): void {
    this.body.focus({ preventScroll: true });
  }

  showEmpty(): void {
    this.file = undefined;
    this.diff = undefined;
    this.model = undefined;
    this.title.textContent = t('No file selected');
    this.meta.textContent = t('Select a file in the list (Enter) to see its changes.');
    this.notes.replaceChildren();
    this.fileButtons.forEach((button) => setDisabled(button, true));
    this.conflictPanel.hidden = true;
    this.infoPanel.hidden = true;
    this.body.hidden = true;
    this.list.setRowCount(0);
  }

  showLoading(file: FileItem): void {
    this.file = file;
    this.diff = undefined;
    this.model = undefined;
    this.renderHeader();
    this.infoPanel.hidden = false;
    this.infoPanel.replaceChildren(el('p', { text: t('Loading diff…') }));
    this.body.hidden = true;
    this.list.setRowCount(0);
  }

  show(file: FileItem, diff: FileDiff, restore?: { scrollTop: number; focusedHunk?: number }): void {
    this.file = file;
    this.diff = diff;
    this.renderHeader();
    if (diff.binary || diff.tooLarge || diff.hunks.length === 0) {
      this.model = undefined;
      this.focusedHunk = -1;
      this.showInfo(file, diff);
      this.body.hidden = true;
      this.list.setRowCount(0);
      return;
    }
    this.infoPanel.hidden = true;
    this.body.hidden = false;
    this.model = buildDiffModel(diff);
    this.body.setAttribute(
      'aria-label',
      t(
        'Diff of {0}: {1} hunks, {2} added and {3} removed lines. n and p move between hunks, a approves, r rejects, o opens the diff editor, Escape returns to the list.',
        file.path,
        diff.hunks.length,
        this.model.added,
        this.model.removed,
      ),
    );
    // One width for every row, from the longest line, so rows line up while scrolling sideways.
    this.body.style.setProperty('--diff-content-width', `calc(${this.model.maxLineLength + 2}ch + var(--diff-gutter-width))`);
    const restoredHunk = restore?.focusedHunk === undefined ? -1 : diff.hunks.findIndex((h) => h.index === restore.focusedHunk);
    this.focusedHunk = restoredHunk >= 0 ? restoredHunk : 0;
    this.list.setRowCount(this.model.rows.length);
    if (restore !== undefined) this.list.setScrollTop(restore.scrollTop);
    else this.list.setScrollTop(0);
  }

  /** The file's item changed (decision, conflict); the diff stays. */
  updateFile(file: FileItem): void {
    if (this.file?.path !== file.path) return;
    this.file = file;
    this.renderHeader();
  }

  /** Same diff, new hunk decisions. */
  updateDiff(diff: FileDiff): void {
    if (this.diff?.path !== diff.path || this.model === undefined) return;
    this.diff = diff;
    this.list.refresh();
  }

  /** Moves hunk focus (n/p) and brings the hunk's header to the top. */
  moveHunk(direction: 1 | -1): void {
    if (this.diff === undefined || this.model === undefined) return;
    const next = nextHunk(this.focusedHunk, this.diff.hunks.length, direction);
    if (next < 0) return;
    this.focusedHunk = next;
    this.list.reveal(this.model.hunkRowIndex[next], 'top');
    this.list.refresh();
    this.events.hunkFocused(this.diff.hunks[next], next + 1, this.diff.hunks.length);
  }

  private renderHeader(): void {
    const file = this.file;
    if (file === undefined) return;
    this.title.textContent = file.path;
    const facts = [kindLabel(file.kind), decisionLabel(file)];
    if (file.oldSize !== undefined && file.oldSize !== file.size)
      facts.push(t('{0} → {1}', formatSize(file.oldSize), formatSize(file.size)));
    else facts.push(formatSize(file.size));
    if (file.oldMode !== undefined || file.newMode !== undefined) facts.push(t('mode {0} → {1}', file.oldMode ?? '—', file.newMode ?? '—'));
    if (file.hunkCount > 0) facts.push(file.hunkCount === 1 ? t('1 hunk') : t('{0} hunks', file.hunkCount));
    this.meta.textContent = facts.join(' · ');
    const notes: HTMLElement[] = [];
    if (file.reason !== undefined && file.decision !== 'pending')
      notes.push(
        el('li', {
          className: 'note-reason',
          text: file.decision === 'rejected' ? t('Rejected: {0}', file.reason) : t('Approved: {0}', file.reason),
        }),
      );
    if (file.neverApply !== undefined) notes.push(el('li', { className: 'note-never', text: t('Never applied: {0}', file.neverApply) }));
    for (const risk of file.risks)
      notes.push(el('li', { className: 'note-risk', text: t('Needs a closer look ({0}): {1}', riskBadge(risk).label, risk.reason) }));
    if (file.validUtf8 === false)
      notes.push(el('li', { className: 'note-info', text: t('The file name is not valid UTF-8; it is shown approximately.') }));
    this.notes.replaceChildren(...notes);
    const decidable = file.neverApply === undefined;
    setDisabled(this.fileButtons[0], !decidable);
    setDisabled(this.fileButtons[1], !decidable);
    setDisabled(this.fileButtons[2], false);
    this.renderConflict(file);
  }

  private renderConflict(file: FileItem): void {
    const conflict = file.conflict;
    this.conflictPanel.hidden = conflict === undefined;
    if (conflict === undefined) return;
    this.conflictPanel.setAttribute('aria-label', t('Conflict in {0}', file.path));
    this.conflictPanel.replaceChildren(
      el('p', { className: 'conflict-detail', text: conflictExplanation(conflict.detail, conflict.choices.includes('write-markers')) }),
      el(
        'div',
        { className: 'conflict-choices' },
        conflictButtons(file.path, conflict.choices, {
          resolve: (path, choice) => this.events.resolveConflict(path, choice),
          mergeInEditor: (path) => this.events.mergeInEditor(path),
        }),
      ),
    );
  }

  private showInfo(file: FileItem, diff: FileDiff): void {
    const what = diff.binary
      ? t('Binary file: no text diff.')
      : diff.tooLarge
        ? t('Too large to show as a diff.')
        : t('No content changes to show.');
    const rows: [string, string][] = [];
    if (diff.oldSize !== undefined) rows.push([t('Size before'), t('{0} ({1} bytes)', formatSize(diff.oldSize), diff.oldSize)]);
    if (diff.newSize !== undefined) rows.push([t('Size after'), t('{0} ({1} bytes)', formatSize(diff.newSize), diff.newSize)]);
    if (diff.hashes?.base !== undefined) rows.push([t('Hash before'), diff.hashes.base]);
    if (diff.hashes?.sandbox !== undefined) rows.push([t('Hash after'), diff.hashes.sandbox]);
    if (file.oldMode !== undefined || file.newMode !== undefined)
      rows.push([t('Mode'), t('{0} → {1}', file.oldMode ?? '—', file.newMode ?? '—')]);
    const list = el('dl', { className: 'info-facts' });
    for (const [term, value] of rows) list.append(el('dt', { text: term }), el('dd', { text: value }));
    this.infoPanel.replaceChildren(
      el('p', { className: 'info-what', text: what }),
      list,
      el('p', { className: 'info-hint', text: t('Use "Open diff editor" to compare the two sides in VS Code.') }),
    );
    this.infoPanel.hidden = false;
  }

  private renderRow(row: HTMLElement, index: number): void {
    const diff = this.diff;
    const item = this.model?.rows[index];
    if (diff === undefined || item === undefined) return;
    if (item.type === 'hunk') {
      renderHunkRow(row, diff.hunks[item.hunk], diff.hunks.length, item.hunk === this.focusedHunk, {
        decide: (hunk, decision) => {
          this.focusedHunk = diff.hunks.findIndex((h) => h.index === hunk.index);
          this.list.refresh();
          if (this.file) this.events.decideHunk(this.file.path, hunk, decision);
        },
      });
    } else {
      renderLineRow(row, item, item.hunk === this.focusedHunk, diff.hunks[item.hunk]?.decision);
    }
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.target !== this.body) return;
    const command = diffCommandFor(event);
    if (command === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    const file = this.file;
    switch (command.type) {
      case 'hunk':
        this.moveHunk(command.direction);
        return;
      case 'approve':
      case 'reject': {
        const hunk = this.focusedHunkView();
        if (file !== undefined && hunk !== undefined)
          this.events.decideHunk(file.path, hunk, command.type === 'approve' ? 'approved' : 'rejected');
        return;
      }
      case 'nativeDiff':
        if (file !== undefined) this.events.nativeDiff(file.path);
        return;
      case 'back':
        this.events.back();
        return;
    }
  }
}
