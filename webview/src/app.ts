/**
 * Wires the panel together: host connection, data (from the host), UI intent (persisted),
 * and the views. Data flows one way: a reply or notification updates `ReviewData`, then
 * the views are told what changed.
 */
import {
  REVIEW_PROTOCOL_VERSION,
  type ApplyResult,
  type ConflictChoice,
  type DecisionUpdate,
  type FileItem,
  type HunkView,
  type ReviewState,
} from '../../src/protocol/review';
import { el } from './dom';
import { keepTabInside } from './focusCycle';
import { HostConnection, HostRequestError } from './hostConnection';
import { t } from './l10n';
import { fileAt, withDecisionUpdate, withDiff, withState, type ReviewData } from './model/reviewData';
import { restoreViewState, type PersistedViewState } from './model/viewState';
import { ApplyResultView } from './views/applyResultView';
import { DiffView } from './views/diffView';
import { FileList } from './views/fileList';
import { KeysHelp } from './views/keysHelp';
import { ReasonPrompt } from './views/reasonPrompt';
import { StatusRegion } from './views/statusRegion';
import { Toolbar } from './views/toolbar';
import type { VsCodeApi } from './vscodeApi';

function decidedDifferently(a: FileItem, b: FileItem): boolean {
  return a.decision !== b.decision || a.reason !== b.reason || JSON.stringify(a.hunkTally) !== JSON.stringify(b.hunkTally);
}

/** Scroll positions are saved at most this often; other intent is saved at once. */
const SCROLL_SAVE_DELAY_MS = 200;

export class ReviewApp {
  private readonly host: HostConnection;
  private data: ReviewData | undefined;
  private view: PersistedViewState;
  private readonly toolbar: Toolbar;
  private readonly fileList: FileList;
  private readonly diffView: DiffView;
  private readonly reasonPrompt = new ReasonPrompt();
  private readonly applyResult: ApplyResultView;
  private readonly status = new StatusRegion();
  private readonly keysHelp = new KeysHelp();
  private diffRequest = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Restores scroll and hunk focus once, for the first diff shown after a reload. */
  private pendingDiffRestore: { path: string; scrollTop: number; focusedHunk?: number } | undefined;

  constructor(
    private readonly api: VsCodeApi,
    root: HTMLElement,
  ) {
    this.view = restoreViewState(api.getState());
    this.host = new HostConnection(api, (problem) => this.status.error(t('The panel received a malformed message: {0}', problem)));
    this.toolbar = new Toolbar({
      approveAll: () => void this.approveAll(),
      rejectAll: () => void this.decisionRequest(this.host.request('rejectAll', {}), t('Rejected every pending file.')),
      apply: () => void this.apply(),
      discard: () => void this.discard(),
      refresh: () => void this.refresh(),
    });
    this.fileList = new FileList(
      {
        open: (path, focusDiff) => void this.openFile(path, focusDiff),
        decide: (path, decision) => this.decideFile(path, decision),
        nativeDiff: (path) => void this.openNativeDiff(path),
        intentChanged: () => this.saveIntent(),
        scrolled: () => this.saveIntentSoon(),
      },
      { filter: this.view.filter, collapsed: this.view.collapsedGroups },
    );
    this.diffView = new DiffView(
      {
        decideFile: (path, decision) => this.decideFile(path, decision),
        decideHunk: (path, hunk, decision) => this.decideHunk(path, hunk, decision),
        nativeDiff: (path) => void this.openNativeDiff(path),
        resolveConflict: (path, choice) => void this.resolveConflict(path, choice),
        mergeInEditor: (path) => void this.mergeInEditor(path),
        back: () => this.fileList.focus(),
        scrolled: () => this.saveIntentSoon(),
        hunkFocused: (hunk, position, count) => {
          this.status.say(hunkAnnouncement(hunk, position, count));
          this.saveIntent();
        },
      },
      this.reasonPrompt.element,
    );
    this.applyResult = new ApplyResultView(
      (path, choice) => void this.resolveConflict(path, choice),
      (path) => void this.mergeInEditor(path),
    );
    root.replaceChildren(
      this.toolbar.element,
      this.applyResult.element,
      el('div', { className: 'panes' }, [this.fileList.element, this.diffView.element]),
      this.status.element,
      this.keysHelp.element,
    );
    keepTabInside(root);
    this.host.on('state', ({ state }) => this.applyState(state));
    this.host.on('progress', (progress) => this.toolbar.setProgress(progress));
    this.host.on('applyResult', ({ result }) => this.showApplyResult(result));
    this.host.on('reveal', ({ path }) => void this.reveal(path));
  }

  /** Feed every `message` event's data here. */
  receive(data: unknown): void {
    this.host.receive(data);
  }

  async start(): Promise<void> {
    this.status.say(t('Loading changes…'));
    const selected = this.view.selectedPath;
    if (selected !== undefined) {
      this.pendingDiffRestore = { path: selected, scrollTop: this.view.diffScrollTop, focusedHunk: this.view.focusedHunk };
    }
    const state = await this.guard(t('load the changes'), this.host.request('ready', { protocolVersion: REVIEW_PROTOCOL_VERSION }));
    if (state === undefined) return;
    if (state.protocolVersion !== REVIEW_PROTOCOL_VERSION) {
      this.status.error(
        t(
          'The panel speaks protocol {0} but the extension answered with {1}. Reload the window to update the panel.',
          REVIEW_PROTOCOL_VERSION,
          state.protocolVersion,
        ),
      );
    }
    this.applyState(state);
    this.fileList.setScrollTop(this.view.listScrollTop);
    if (selected !== undefined && this.data !== undefined && fileAt(this.data, selected) !== undefined) {
      this.fileList.revealPath(selected);
      this.fileList.setScrollTop(this.view.listScrollTop);
      await this.openFile(selected, false);
    } else {
      this.pendingDiffRestore = undefined;
    }
    this.status.say(state.totals.files === 1 ? t('1 changed file to review.') : t('{0} changed files to review.', state.totals.files));
    // Lets tests and the host's smoke checks know the first state has been rendered.
    document.body.dataset.ready = 'true';
  }

  private applyState(state: ReviewState): void {
    const previousDiff = this.data?.diff;
    const previousFile =
      this.data === undefined || this.view.selectedPath === undefined ? undefined : fileAt(this.data, this.view.selectedPath);
    this.data = withState(this.data, state);
    this.toolbar.setState(state.files, state.totals, state.policy, state.readOnly === true);
    this.fileList.setFiles(state.files);
    const selected = this.view.selectedPath;
    const file = selected === undefined ? undefined : fileAt(this.data, selected);
    if (selected !== undefined && file === undefined) {
      // The selected file left the change set (applied, discarded).
      this.view = { ...this.view, selectedPath: undefined, diffScrollTop: 0, focusedHunk: undefined };
      this.fileList.setSelected(undefined);
      this.diffView.showEmpty();
      this.saveIntent();
    } else if (file !== undefined && this.diffView.currentPath() === file.path) {
      this.diffView.updateFile(file);
      // Same change set, but a decision made elsewhere (Source Control view, a command): fresh hunk decisions.
      if (previousFile !== undefined && this.data.diff !== undefined && decidedDifferently(previousFile, file))
        void this.refreshDiff(file.path);
      if (previousDiff !== undefined && this.data.diff === undefined) void this.openFile(file.path, false);
    }
  }

  /** Refetches the open diff's hunk decisions; the diff stays where the person scrolled. */
  private async refreshDiff(path: string): Promise<void> {
    const diff = await this.guard(t('load the diff'), this.host.request('requestDiff', { path }));
    if (diff === undefined || this.data === undefined || this.diffView.currentPath() !== path) return;
    this.data = withDiff(this.data, diff);
    if (this.data.diff?.path === path) this.diffView.updateDiff(this.data.diff);
  }

  /** The host asks to show a file (Open in Review Panel): select it in the list and open its diff. */
  private async reveal(path: string): Promise<void> {
    if (this.data === undefined || fileAt(this.data, path) === undefined) {
      this.status.say(t('{0} has no pending change to review.', path));
      return;
    }
    this.fileList.revealPath(path);
    await this.openFile(path, false);
  }

  private async openFile(path: string, focusDiff: boolean): Promise<void> {
    const data = this.data;
    const file = data === undefined ? undefined : fileAt(data, path);
    if (data === undefined || file === undefined) return;
    const sameFile = this.view.selectedPath === path;
    this.view = { ...this.view, selectedPath: path, diffScrollTop: sameFile ? this.view.diffScrollTop : 0 };
    this.fileList.setSelected(path);
    this.saveIntent();
    if (data.diff?.path === path && this.diffView.currentPath() === path) {
      if (focusDiff) this.diffView.focusBody();
      return;
    }
    const ticket = ++this.diffRequest;
    this.diffView.showLoading(file);
    const diff = await this.guard(t('load the diff'), this.host.request('requestDiff', { path }));
    // A newer selection wins over a slow reply for an older one.
    if (diff === undefined || ticket !== this.diffRequest || this.data === undefined) return;
    this.data = withDiff(this.data, diff);
    const current = fileAt(this.data, path);
    if (this.data.diff?.path !== path || current === undefined) return;
    const restore = this.pendingDiffRestore?.path === path ? this.pendingDiffRestore : undefined;
    this.pendingDiffRestore = undefined;
    this.diffView.show(current, this.data.diff, restore);
    if (focusDiff) this.diffView.focusBody();
  }

  private decideFile(path: string, decision: 'approved' | 'rejected'): void {
    const file = this.data === undefined ? undefined : fileAt(this.data, path);
    if (file?.neverApply !== undefined) {
      this.status.say(t('{0} is never applied: {1}', path, file.neverApply));
      return;
    }
    if (decision === 'approved') {
      void this.decisionRequest(this.host.request('setFileDecision', { path, decision }), t('Approved {0}.', path));
      return;
    }
    this.reasonPrompt.open(
      t('Reject file {0}', path),
      (reason) =>
        void this.decisionRequest(
          this.host.request('setFileDecision', reason === undefined ? { path, decision } : { path, decision, reason }),
          t('Rejected {0}.', path),
        ),
    );
  }

  private decideHunk(path: string, hunk: HunkView, decision: 'approved' | 'rejected'): void {
    if (decision === 'approved') {
      void this.decisionRequest(
        this.host.request('setHunkDecision', { path, hunk: hunk.index, decision }),
        t('Approved hunk {0} of {1}.', hunk.index, path),
      );
      return;
    }
    this.reasonPrompt.open(
      t('Reject hunk {0} of {1}', hunk.index, path),
      (reason) =>
        void this.decisionRequest(
          this.host.request(
            'setHunkDecision',
            reason === undefined ? { path, hunk: hunk.index, decision } : { path, hunk: hunk.index, decision, reason },
          ),
          t('Rejected hunk {0} of {1}.', hunk.index, path),
        ),
    );
  }

  private async decisionRequest(request: Promise<DecisionUpdate>, success: string): Promise<void> {
    const update = await this.guard(t('record the decision'), request);
    if (update === undefined) return;
    this.foldDecision(update);
    this.status.say(success);
  }

  private foldDecision(update: DecisionUpdate): void {
    if (this.data === undefined) return;
    this.data = withDecisionUpdate(this.data, update);
    const state = this.data.state;
    this.toolbar.setState(state.files, state.totals, state.policy, state.readOnly === true);
    this.fileList.setFiles(state.files);
    const open = this.diffView.currentPath();
    const openFile = open === undefined ? undefined : fileAt(this.data, open);
    if (openFile !== undefined) this.diffView.updateFile(openFile);
    if (this.data.diff !== undefined) this.diffView.updateDiff(this.data.diff);
    // A bulk decision names the open file but not its hunks: their decisions come from the host.
    if (openFile?.decision === 'partial' && update.hunks === undefined && update.files.some((f) => f.path === open))
      void this.refreshDiff(openFile.path);
  }

  private async approveAll(): Promise<void> {
    const result = await this.guard(t('approve all'), this.host.request('approveAll', {}));
    if (result === undefined) return;
    this.foldDecision(result);
    const approved = result.files.filter((f) => f.decision === 'approved').length;
    this.status.say(
      approved === 1
        ? t(
            'Approved 1 file; skipped {0} that need a closer look and {1} that policy never applies.',
            result.skippedRisky,
            result.skippedNeverApply,
          )
        : t(
            'Approved {0} files; skipped {1} that need a closer look and {2} that policy never applies.',
            approved,
            result.skippedRisky,
            result.skippedNeverApply,
          ),
    );
  }

  private async apply(): Promise<void> {
    this.status.say(t('Applying approved changes…'));
    const result = await this.guard(t('apply the approved changes'), this.host.request('apply', {}));
    if (result === undefined) return;
    this.showApplyResult(result);
    await this.refresh();
  }

  private async resolveConflict(path: string, choice: ConflictChoice): Promise<void> {
    const result = await this.guard(t('resolve the conflict'), this.host.request('resolveConflict', { path, choice }));
    if (result === undefined) return;
    if (result.cancelled === true) {
      this.status.say(t('Nothing changed: {0} stays in conflict.', path));
      return;
    }
    this.showApplyResult(result);
    await this.refresh();
  }

  private async mergeInEditor(path: string): Promise<void> {
    const outcome = await this.guard(t('open the merge editor'), this.host.request('mergeInEditor', { path }));
    if (outcome === undefined) return;
    if (outcome.opened === 'mergeEditor') {
      this.status.say(t('The merge editor is open for {0}. Complete the merge there, then choose "Keep my version".', path));
      return;
    }
    if (outcome.result !== undefined) this.applyResult.show(outcome.result);
    this.status.say(
      t('No merge editor here: {0} was written with conflict markers and opened in the editor. Resolve the markers and save.', path),
    );
    await this.refresh();
  }

  private async discard(): Promise<void> {
    const result = await this.guard(t('discard the changes'), this.host.request('discard', {}));
    if (result === undefined) return;
    if (result.cancelled === true) {
      this.status.say(t('Nothing was discarded.'));
      return;
    }
    this.status.say(result.discarded === 1 ? t('Discarded 1 change.') : t('Discarded {0} changes.', result.discarded));
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const state = await this.guard(t('refresh the changes'), this.host.request('refresh', {}));
    if (state === undefined) return;
    // applyState drops a diff of an older generation and refetches it for the selected file.
    this.applyState(state);
  }

  private async openNativeDiff(path: string): Promise<void> {
    const result = await this.guard(t('open the diff editor'), this.host.request('openNativeDiff', { path }));
    if (result !== undefined && !result.opened) this.status.say(t('The diff editor could not open {0}.', path));
  }

  private showApplyResult(result: ApplyResult): void {
    this.applyResult.show(result);
    this.status.say(
      t(
        'Applied {0}, merged {1}, {2} in conflict, {3} refused.',
        result.applied.length,
        result.merged.length,
        result.conflicts.length,
        result.refused.length,
      ),
    );
  }

  /** Runs a request; a failure is shown (with the host's hint) instead of thrown. `what` is translated by the caller. */
  private async guard<T>(what: string, request: Promise<T>): Promise<T | undefined> {
    try {
      const result = await request;
      this.status.clearError();
      return result;
    } catch (error) {
      const hint = error instanceof HostRequestError && error.reply.hint ? ` ${error.reply.hint}` : '';
      this.status.error(t('Could not {0}: {1}.', what, error instanceof Error ? error.message : String(error)) + hint);
      return undefined;
    }
  }

  private saveIntent(): void {
    if (this.saveTimer !== undefined) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    const open = this.diffView.currentPath();
    this.view = {
      ...this.view,
      listScrollTop: this.fileList.scrollTop(),
      diffScrollTop: open !== undefined && open === this.view.selectedPath ? this.diffView.scrollTop() : this.view.diffScrollTop,
      collapsedGroups: this.fileList.collapsedGroups(),
      filter: this.fileList.currentFilter(),
      focusedHunk: this.diffView.focusedHunkIndex() ?? this.view.focusedHunk,
    };
    this.api.setState(this.view);
  }

  private saveIntentSoon(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => this.saveIntent(), SCROLL_SAVE_DELAY_MS);
  }
}

/** What the status says when a hunk takes focus: its place, its decision and any reason. */
function hunkAnnouncement(hunk: HunkView, position: number, count: number): string {
  const reason = hunk.reason ?? '';
  switch (hunk.decision) {
    case 'approved':
      return reason ? t('Hunk {0} of {1}, approved: {2}', position, count, reason) : t('Hunk {0} of {1}, approved', position, count);
    case 'rejected':
      return reason ? t('Hunk {0} of {1}, rejected: {2}', position, count, reason) : t('Hunk {0} of {1}, rejected', position, count);
    default:
      return reason ? t('Hunk {0} of {1}, pending: {2}', position, count, reason) : t('Hunk {0} of {1}, pending', position, count);
  }
}
