/**
 * Renders one row of the file list (a group header or a file) into a recycled element.
 * Everything untrusted goes in as text.
 */
import { decisionStatus, type FileItem } from '../../../src/protocol/review';
import { createBadge, setBadgeText } from '../components';
import { el, setText } from '../dom';
import { t } from '../l10n';
import { KIND_LETTERS, decisionGlyph, decisionLabel, formatSize, kindLabel, riskBadge, splitPath } from '../model/format';
import { groupLabel, type ListRow } from '../model/fileRows';

function riskSummary(file: FileItem): string {
  return file.risks.map((risk) => t('{0} ({1})', riskBadge(risk).label, risk.reason)).join('; ');
}

/** The size column: a folder is a folder, not "0 B". */
function sizeText(file: FileItem): string {
  return file.folder === true ? t('folder') : formatSize(file.size);
}

/** The decision column, short: the full words are in the row's accessible name and tooltip. */
function shortDecision(file: FileItem): string {
  const status = decisionStatus(file);
  if (status === 'mixed') return t('part approved');
  const tally = file.decision === 'partial' ? file.hunkTally : undefined;
  if (status === 'pending' && tally !== undefined)
    return t('pending {0}/{1}', tally.approved + tally.rejected, tally.approved + tally.rejected + tally.pending);
  switch (status) {
    case 'approved':
      return t('approved');
    case 'rejected':
      return t('rejected');
    default:
      return t('pending');
  }
}

/** A short accessible name: the path, then what a sighted reviewer sees in the badges. */
function fileLabel(file: FileItem): string {
  const parts = [file.path, kindLabel(file.kind), sizeText(file), decisionLabel(file)];
  if (file.reason !== undefined) parts.push(t('reason: {0}', file.reason));
  if (file.conflict) parts.push(t('conflict: {0}', file.conflict.detail));
  if (file.neverApply !== undefined) parts.push(t('never applied: {0}', file.neverApply));
  if (file.risks.length > 0) parts.push(t('needs a closer look: {0}', riskSummary(file)));
  if (file.binary) parts.push(t('binary'));
  if (file.tooLarge) parts.push(t('too large to diff'));
  return parts.join(', ');
}

function tag(text: string, variant: string, title?: string): HTMLElement {
  const span = el('span', { className: `tag tag-${variant}`, text, attrs: { 'aria-hidden': 'true' } });
  if (title !== undefined) span.title = title;
  return span;
}

export function renderGroupRow(row: HTMLElement, item: Extract<ListRow, { type: 'group' }>): void {
  if (row.dataset.rowType !== 'group') {
    row.replaceChildren(
      el('span', { className: 'twisty', attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'group-label' }),
      createBadge(''),
    );
    row.dataset.rowType = 'group';
    row.className = 'virtual-row list-row group-row';
  }
  row.classList.toggle('collapsed', !item.expanded);
  row.classList.toggle('group-risky', item.group === 'risky');
  row.classList.toggle('group-conflicts', item.group === 'conflicts');
  row.setAttribute('aria-level', '1');
  row.setAttribute('aria-expanded', String(item.expanded));
  row.removeAttribute('aria-selected');
  row.removeAttribute('aria-setsize');
  row.removeAttribute('aria-posinset');
  row.setAttribute(
    'aria-label',
    item.count === 1 ? t('{0}, 1 file', groupLabel(item.group)) : t('{0}, {1} files', groupLabel(item.group), item.count),
  );
  const [twisty, label, badge] = Array.from(row.children) as HTMLElement[];
  setText(twisty, item.expanded ? '▾' : '▸');
  setText(label, groupLabel(item.group));
  setBadgeText(badge, String(item.count));
}

export function renderFileRow(row: HTMLElement, item: Extract<ListRow, { type: 'file' }>, file: FileItem, selected: boolean): void {
  if (row.dataset.rowType !== 'file') {
    row.replaceChildren(
      el('span', { className: 'kind' }),
      el('span', { className: 'file-name' }),
      el('span', { className: 'file-dir' }),
      el('span', { className: 'badges' }),
      el('span', { className: 'file-size' }),
      el('span', { className: 'decision' }),
    );
    row.dataset.rowType = 'file';
    row.className = 'virtual-row list-row file-row';
  }
  const { dir, name } = splitPath(file.path);
  const [kind, nameEl, dirEl, badges, size, decision] = Array.from(row.children) as HTMLElement[];
  kind.className = `kind kind-${file.kind}`;
  kind.title = kindLabel(file.kind);
  setText(kind, KIND_LETTERS[file.kind]);
  setText(nameEl, name);
  setText(dirEl, dir);
  setText(size, sizeText(file));
  const status = decisionStatus(file);
  decision.className = `decision decision-${file.decision} status-${status}`;
  setText(decision, `${decisionGlyph(status)} ${shortDecision(file)}`);
  decision.title = file.reason === undefined ? decisionLabel(file) : t('{0}: {1}', decisionLabel(file), file.reason);
  row.classList.toggle('decided', status !== 'pending');

  const tags: HTMLElement[] = [];
  if (file.conflict) tags.push(tag(t('conflict'), 'conflict', file.conflict.detail));
  if (file.neverApply !== undefined) tags.push(tag(t('never apply'), 'never', file.neverApply));
  for (const risk of file.risks) {
    const badge = riskBadge(risk);
    tags.push(tag(badge.label, 'risk', badge.tooltip));
  }
  if (file.binary) tags.push(tag(t('binary'), 'info'));
  if (file.tooLarge) tags.push(tag(t('too large'), 'info'));
  if (file.validUtf8 === false)
    tags.push(tag(t('non-UTF-8 name'), 'info', t('The file name is not valid UTF-8; it is shown approximately.')));
  badges.replaceChildren(...tags);

  row.dataset.path = file.path;
  row.classList.toggle('selected', selected);
  row.setAttribute('aria-level', '2');
  row.removeAttribute('aria-expanded');
  row.setAttribute('aria-selected', String(selected));
  row.setAttribute('aria-setsize', String(item.groupSize));
  row.setAttribute('aria-posinset', String(item.posInGroup));
  row.setAttribute('aria-label', fileLabel(file));
  row.title = file.path;
}
