/** Renders one row of the diff body (a hunk header or a line) into a recycled element. */
import type { HunkView } from '../../../src/protocol/review';
import { createButton } from '../components';
import { el, setText } from '../dom';
import { t } from '../l10n';
import { LINE_MARKERS, type DiffRow } from '../model/diffRows';

export interface HunkActions {
  decide(hunk: HunkView, decision: 'approved' | 'rejected'): void;
}

function hunkPosition(index: number, count: number, decision: HunkView['decision']): string {
  switch (decision) {
    case 'approved':
      return t('{0}/{1} approved', index, count);
    case 'rejected':
      return t('{0}/{1} rejected', index, count);
    default:
      return t('{0}/{1} pending', index, count);
  }
}
/** A mark that shows a decided hunk at a glance; the words say the same for screen readers. */
const HUNK_DECISION_GLYPH = { pending: '', approved: '✓', rejected: '✗' } as const;

export function renderHunkRow(row: HTMLElement, hunk: HunkView, hunkCount: number, focused: boolean, actions: HunkActions): void {
  if (row.dataset.rowType !== 'hunk' || row.dataset.hunk !== String(hunk.index)) {
    row.replaceChildren(
      el('span', { className: 'hunk-header' }),
      el('span', { className: 'hunk-decision' }, [
        el('span', { className: 'decision-glyph', attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: 'decision-text' }),
      ]),
      el('span', { className: 'hunk-reason' }),
      createButton(t('Approve'), {
        appearance: 'secondary',
        title: t('Approve this hunk (a)'),
        ariaLabel: t('Approve hunk {0}', hunk.index),
        onClick: () => actions.decide(currentHunk(row, hunk), 'approved'),
      }),
      createButton(t('Reject…'), {
        appearance: 'secondary',
        title: t('Reject this hunk, with an optional reason (r)'),
        ariaLabel: t('Reject hunk {0}', hunk.index),
        onClick: () => actions.decide(currentHunk(row, hunk), 'rejected'),
      }),
    );
    row.dataset.rowType = 'hunk';
    row.dataset.hunk = String(hunk.index);
    row.className = 'virtual-row diff-row hunk-row';
  }
  hunkOfRow.set(row, hunk);
  const [header, decision, reason] = Array.from(row.children) as HTMLElement[];
  setText(header, hunk.header);
  decision.className = `hunk-decision decision-${hunk.decision}`;
  const [glyph, words] = Array.from(decision.children) as HTMLElement[];
  setText(glyph, HUNK_DECISION_GLYPH[hunk.decision]);
  setText(words, hunkPosition(hunk.index, hunkCount, hunk.decision));
  setText(reason, hunk.reason === undefined ? '' : t('Reason: {0}', hunk.reason));
  reason.title = hunk.reason ?? '';
  row.classList.toggle('decided', hunk.decision !== 'pending');
  row.classList.toggle('hunk-approved', hunk.decision === 'approved');
  row.classList.toggle('hunk-rejected', hunk.decision === 'rejected');
  row.classList.toggle('focused', focused);
  row.setAttribute('aria-current', String(focused));
}

/** The latest hunk data for a recycled row, so a button click uses fresh decisions. */
const hunkOfRow = new WeakMap<HTMLElement, HunkView>();
function currentHunk(row: HTMLElement, fallback: HunkView): HunkView {
  return hunkOfRow.get(row) ?? fallback;
}

function lineNumber(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

export function renderLineRow(
  row: HTMLElement,
  diffRow: Extract<DiffRow, { type: 'line' }>,
  inFocusedHunk: boolean,
  decision: HunkView['decision'] = 'pending',
): void {
  if (row.dataset.rowType !== 'line') {
    row.replaceChildren(
      el('span', { className: 'line-no old', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'line-no new', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'line-marker', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'line-text' }),
    );
    row.dataset.rowType = 'line';
  }
  const { line } = diffRow;
  row.className = `virtual-row diff-row line-row line-${line.type}`;
  row.classList.toggle('in-focused-hunk', inFocusedHunk);
  // A decided hunk's lines are dimmed; rejected ones also struck through (see review.css).
  row.classList.toggle('decided', decision !== 'pending');
  row.classList.toggle('hunk-rejected', decision === 'rejected');
  const [oldNo, newNo, marker, text] = Array.from(row.children) as HTMLElement[];
  setText(oldNo, lineNumber(line.oldNo));
  setText(newNo, lineNumber(line.newNo));
  setText(marker, LINE_MARKERS[line.type]);
  setText(text, line.text);
  // The marker is drawn by CSS (::after), so the line's own text is never altered.
  text.classList.toggle('no-newline', line.noNewline === true);
}
