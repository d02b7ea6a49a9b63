/**
 * The panel's header: totals, the policy in force, and the bulk actions. Approve-all says
 * in its label how many files it leaves alone, because a bulk approval that quietly
 * skipped files would be a surprise.
 */
import type { FileItem, PolicySummary, Progress, Totals } from '../../../src/protocol/review';
import { createButton, createProgressRing, setButtonLabel, setDisabled } from '../components';
import { el } from '../dom';
import { t } from '../l10n';
import { applyWording, approveAllExclusions, summariseTotals } from '../model/reviewData';

/** What approve-all leaves alone, in whole sentences so each can be translated as one. */
function approveAllNote(risky: number, neverApply: number): string {
  if (risky > 0 && neverApply > 0)
    return t(
      'Approve all skips {0} that need a closer look and {1} that policy never applies; decide those one by one.',
      risky,
      neverApply,
    );
  if (risky > 0) return t('Approve all skips {0} that need a closer look; decide those one by one.', risky);
  if (neverApply > 0) return t('Approve all skips {0} that policy never applies; decide those one by one.', neverApply);
  return t('Approve all never includes files that need a closer look.');
}

export interface ToolbarEvents {
  approveAll(): void;
  rejectAll(): void;
  apply(): void;
  discard(): void;
  refresh(): void;
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly totals: HTMLElement;
  private readonly policy: HTMLElement;
  private readonly approveAll: HTMLElement;
  private readonly approveAllNote: HTMLElement;
  private readonly applyButton: HTMLElement;
  private readonly applyNote: HTMLElement;
  /** Apply has something to write (an approved change). */
  private applyEnabled = false;
  private readonly buttons: HTMLElement[];
  private readonly discard: HTMLElement;
  private readonly busy: HTMLElement;
  private readonly busyLabel: HTMLElement;
  private readOnly = false;
  private working = false;

  constructor(events: ToolbarEvents) {
    this.totals = el('p', { className: 'totals' });
    this.policy = el('details', { className: 'policy' });
    this.approveAllNote = el('span', { className: 'approve-all-note', attrs: { id: 'approve-all-note' } });
    this.approveAll = createButton(t('Approve all'), {
      onClick: () => events.approveAll(),
    });
    this.approveAll.setAttribute('aria-describedby', 'approve-all-note');
    this.applyNote = el('span', { className: 'apply-note', attrs: { id: 'apply-note' } });
    this.applyButton = createButton(t('Apply approved'), {
      appearance: 'secondary',
      title: t('Write the approved changes to the workspace'),
      onClick: () => events.apply(),
    });
    this.applyButton.setAttribute('aria-describedby', 'apply-note');
    this.discard = createButton(t('Discard…'), {
      appearance: 'secondary',
      title: t('Throw away every change in the sandbox (VS Code asks you to confirm)'),
      onClick: () => events.discard(),
    });
    this.buttons = [
      this.approveAll,
      createButton(t('Reject all'), { appearance: 'secondary', onClick: () => events.rejectAll() }),
      this.applyButton,
      this.discard,
      createButton(t('Refresh'), { appearance: 'secondary', title: t('Rescan the sandbox for changes'), onClick: () => events.refresh() }),
    ];
    this.busy = createProgressRing(t('Working'));
    this.busy.hidden = true;
    this.busyLabel = el('span', { className: 'busy-label' });
    this.element = el('header', { className: 'toolbar' }, [
      el('div', { className: 'toolbar-row' }, [el('h1', { className: 'panel-title', text: t('Review sandbox changes') }), this.totals]),
      el('div', { className: 'toolbar-row actions' }, [...this.buttons, this.busy, this.busyLabel]),
      this.applyNote,
      this.approveAllNote,
      this.policy,
    ]);
  }

  setState(files: readonly FileItem[], totals: Totals, policy: PolicySummary, readOnly: boolean): void {
    this.readOnly = readOnly;
    this.totals.textContent = summariseTotals(totals);
    const skipped = approveAllExclusions(files);
    const skipsAny = skipped.risky > 0 || skipped.neverApply > 0;
    setButtonLabel(this.approveAll, skipsAny ? t('Approve all safe') : t('Approve all'));
    this.approveAllNote.textContent = approveAllNote(skipped.risky, skipped.neverApply);
    this.approveAll.title = this.approveAllNote.textContent;
    const apply = applyWording(totals);
    this.applyEnabled = apply.enabled;
    setButtonLabel(this.applyButton, apply.label);
    // Primary only when it has something to write; with nothing approved it is a disabled secondary button.
    this.applyButton.setAttribute('appearance', apply.enabled ? 'primary' : 'secondary');
    this.applyNote.textContent = apply.note;
    this.applyButton.title = apply.note;
    this.renderPolicy(policy);
    this.syncDisabled();
  }

  setProgress(progress: Progress): void {
    this.working = progress.busy;
    this.busy.hidden = !progress.busy;
    const label = progress.label ?? t('Working…');
    const amount = progress.total !== undefined ? t('{0} {1}/{2}', label, progress.done ?? 0, progress.total) : label;
    this.busyLabel.textContent = progress.busy ? amount : '';
    this.syncDisabled();
  }

  private syncDisabled(): void {
    // Refresh stays usable; everything that changes decisions or files waits.
    this.buttons.forEach((button, i) => setDisabled(button, this.working || (this.readOnly && i !== 3 && i !== 4)));
    if (!this.applyEnabled) setDisabled(this.applyButton, true);
  }

  private renderPolicy(policy: PolicySummary): void {
    const list = el('dl', { className: 'policy-items' });
    for (const item of policy.items) list.append(el('dt', { text: item.label }), el('dd', { text: item.value }));
    this.policy.replaceChildren(el('summary', { text: t('Policy: {0}', policy.title) }), list);
  }
}
