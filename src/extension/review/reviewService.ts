/**
 * The review panel's requests, answered from the airlock: the change set as view types,
 * diffs on demand, decisions, approve-all (never the risky files), apply with the conflict
 * choices the airlock offers, and discard. No `vscode` here: what it needs from the editor
 * (which files have unsaved edits) comes in as a function.
 */
import type { Airlock, ApplyReport, ChangeEntry, ChangeSet, ConflictResolution, Hunk } from '../../core/airlock';
import { readFileContent } from '../../core/airlock/content';
import { computeHunks } from '../../core/airlock/hunks';
import { plainTranslate, type Translate } from '../../core/auditFormat';
import { SandboxError } from '../../core/errors';
import type { Policy } from '../../core/policy';
import {
  REVIEW_PROTOCOL_VERSION,
  type ApplyResult,
  type ApproveAllResult,
  type ConflictChoice,
  type ConflictInfo,
  type Decision,
  type DecisionUpdate,
  type FileDiff,
  type FileItem,
  type ReviewState,
} from '../../protocol/review';
import { hasApproved, totalsOf } from '../../protocol/review';
import { decisionOf, isFolder, reviewableEntries } from './decisions';
import { conflictInfo, policySummary, toFileItem, toHunkView } from './viewModel';

export interface ReviewServiceDeps {
  /** The airlock of the workspace's session, or undefined when there is none. */
  airlock(): Airlock | undefined;
  policy(): Policy;
  /** Workspace-relative paths of files with unsaved edits in an editor; apply leaves them alone. */
  dirtyPaths(): ReadonlySet<string>;
  /** Whether the sandbox container runs (discarding needs it). */
  running(): boolean;
  /** Called after apply or discard changed the tree or the copy. */
  afterTreeChange(): Promise<void>;
  /**
   * Undoes rejected changes in the sandbox copy, so that the agent sees the person's
   * decision (absent when no sandbox runs).
   */
  reconcileRejections?(): Promise<void>;
  /** Translates the words the service puts in the state (the policy summary); plain English when absent. */
  translate?: Translate;
}

const RESOLUTION: Readonly<Record<ConflictChoice, ConflictResolution>> = {
  'keep-theirs': 'keep-theirs',
  'take-sandbox': 'take-sandbox',
  'write-markers': 'markers',
};

/** The reason recorded on a sandbox change the person set aside by keeping their own version. */
export const KEPT_YOURS_REASON = 'you kept your version after a conflict';

export const UNSAVED_REASON = 'has unsaved edits in an editor; save or revert them, then apply again';

export class ReviewService {
  private generation = 0;
  /** The paths and fingerprints of the last scan: the generation moves only when they change. */
  private signature = '';
  private changeSet: ChangeSet | undefined;
  private items = new Map<string, FileItem>();
  /** Conflicts from the last apply, shown with their choices until resolved. */
  private readonly conflicts = new Map<string, ConflictInfo>();

  constructor(private readonly deps: ReviewServiceDeps) {}

  private requireAirlock(): Airlock {
    const airlock = this.deps.airlock();
    if (!airlock)
      throw new SandboxError(
        'SESSION_NOT_RUNNING',
        'There is no sandbox session in this workspace, so there is nothing to review.',
        'Start the sandbox and run something in it first.',
      );
    return airlock;
  }

  /** Rescans and returns the whole state (a new generation). */
  async state(): Promise<ReviewState> {
    const airlock = this.deps.airlock();
    let files: FileItem[] = [];
    if (airlock) {
      this.changeSet = await airlock.changes();
      const review = await airlock.review();
      files = [];
      for (const entry of reviewableEntries(this.changeSet.entries)) files.push(await this.itemFor(airlock, entry, review));
      for (const p of [...this.conflicts.keys()]) if (!this.changeSet.get(p)) this.conflicts.delete(p);
    } else {
      this.changeSet = undefined;
    }
    this.items = new Map(files.map((f) => [f.path, f]));
    // Decisions alone do not change hunks: the same change set keeps its generation, so an open
    // diff (and where the person scrolled in it) stays valid across a decision's rescan.
    const signature = JSON.stringify(this.changeSet?.entries.map((e) => [e.path, e.fingerprint]) ?? null);
    if (signature !== this.signature || this.generation === 0) this.generation++;
    this.signature = signature;
    let policy: Policy | undefined;
    try {
      policy = this.deps.policy();
    } catch {
      policy = undefined;
    }
    return {
      protocolVersion: REVIEW_PROTOCOL_VERSION,
      generation: this.generation,
      files,
      totals: totalsOf(files),
      policy: policy
        ? policySummary(policy, this.deps.translate)
        : { title: (this.deps.translate ?? plainTranslate)('the policy is invalid (see Show Policy)'), items: [] },
      ...(airlock ? {} : { readOnly: true }),
    };
  }

  private async itemFor(airlock: Airlock, entry: ChangeEntry, review: Awaited<ReturnType<Airlock['review']>>): Promise<FileItem> {
    const info = await decisionOf(airlock, entry, review);
    return toFileItem(entry, info.decision, info.hunkCount, this.conflicts.get(entry.path), {
      ...(info.reason !== undefined ? { reason: info.reason } : {}),
      ...(info.hunkTally ? { hunkTally: info.hunkTally } : {}),
      ...(isFolder(entry) ? { folder: true } : {}),
    });
  }

  private async entry(path: string): Promise<{ airlock: Airlock; entry: ChangeEntry }> {
    const airlock = this.requireAirlock();
    let entry = this.changeSet?.get(path);
    if (!entry) {
      this.changeSet = await airlock.changes();
      entry = this.changeSet.get(path);
    }
    if (!entry)
      throw new SandboxError('UNSAFE_PATH', `"${path}" has no pending change any more.`, 'Refresh the panel to see the current changes.');
    return { airlock, entry };
  }

  async diff(path: string): Promise<FileDiff> {
    const { airlock, entry } = await this.entry(path);
    const review = await airlock.review();
    const binary = entry.base?.content === 'binary' || entry.sandbox?.content === 'binary';
    const tooLarge = entry.base?.content === 'tooLarge' || entry.sandbox?.content === 'tooLarge';
    const base: { -readonly [K in keyof FileDiff]: FileDiff[K] } = { path, generation: this.generation, kind: entry.kind, hunks: [] };
    if (entry.base?.entry.type === 'file') base.oldSize = entry.base.entry.size;
    if (entry.sandbox?.entry.type === 'file') base.newSize = entry.sandbox.entry.size;
    if (binary || tooLarge) {
      if (binary) base.binary = true;
      if (tooLarge) base.tooLarge = true;
      base.hashes = {
        ...(entry.base?.sha256 ? { base: `sha256:${entry.base.sha256}` } : {}),
        ...(entry.sandbox?.sha256 ? { sandbox: `sha256:${entry.sandbox.sha256}` } : {}),
      };
      return base;
    }
    const split = await airlock.hunks(path);
    if (split) {
      base.hunks = split.map((h) => {
        const d = review.hunkDecision(entry, h);
        return toHunkView(h, d.state, d.reason);
      });
      this.updateHunkCount(path, split.length);
      return base;
    }
    // Added, deleted or retyped text applies as a whole: show its diff, decide on the file.
    const file = review.fileDecision(entry);
    const read = async (side: 'base' | 'sandbox'): Promise<string> => {
      const info = side === 'base' ? entry.base : entry.sandbox;
      if (info?.content !== 'text') return '';
      const read = await readFileContent(() => airlock.view.openFile(side, path)).catch(() => undefined);
      return read?.data?.toString('utf8') ?? '';
    };
    const hunks = computeHunks(await read('base'), await read('sandbox'));
    base.hunks = hunks.map((h) => toHunkView(h, file.state, file.reason));
    return base;
  }

  private updateHunkCount(path: string, count: number): void {
    const item = this.items.get(path);
    if (item && item.hunkCount !== count) this.items.set(path, { ...item, hunkCount: count });
  }

  private async refreshItem(airlock: Airlock, path: string): Promise<FileItem | undefined> {
    const entry = (this.changeSet = await airlock.changes()).get(path);
    if (!entry) {
      this.items.delete(path);
      return undefined;
    }
    const item = await this.itemFor(airlock, entry, await airlock.review());
    this.items.set(path, item);
    return item;
  }

  private async hunkDecisions(airlock: Airlock, path: string): Promise<DecisionUpdate['hunks']> {
    const { entry } = await this.entry(path);
    const split: Hunk[] | undefined = await airlock.hunks(path);
    if (!split) return undefined;
    const review = await airlock.review();
    return {
      path,
      decisions: split.map((h) => {
        const d = review.hunkDecision(entry, h);
        return { index: h.index, decision: d.state, ...(d.reason ? { reason: d.reason } : {}) };
      }),
    };
  }

  async setFileDecision(path: string, decision: Decision, reason?: string): Promise<DecisionUpdate> {
    const { airlock } = await this.entry(path);
    await airlock.decide(path, decision, reason ? { reason } : {});
    const item = await this.refreshItem(airlock, path);
    const hunks = await this.hunkDecisions(airlock, path);
    return { files: item ? [item] : [], totals: totalsOf([...this.items.values()]), ...(hunks ? { hunks } : {}) };
  }

  async setHunkDecision(path: string, hunk: number, decision: Decision, reason?: string): Promise<DecisionUpdate> {
    const { airlock } = await this.entry(path);
    const split = await airlock.hunks(path);
    // A file that applies as a whole has display hunks only: its "hunk" decision is the file's.
    if (split) await airlock.decide(path, decision, { hunks: [hunk], ...(reason ? { reason } : {}) });
    else await airlock.decide(path, decision, reason ? { reason } : {});
    const item = await this.refreshItem(airlock, path);
    const hunks = await this.hunkDecisions(airlock, path);
    return { files: item ? [item] : [], totals: totalsOf([...this.items.values()]), ...(hunks ? { hunks } : {}) };
  }

  async approveAll(): Promise<ApproveAllResult> {
    const airlock = this.requireAirlock();
    const report = await airlock.approveAll({ includeRisky: false });
    const skippedRisky = report.skipped.filter((s) => s.kind === 'risky').length;
    const skippedNeverApply = report.skipped.filter((s) => s.kind === 'never-apply').length;
    const state = await this.state();
    return { files: state.files, totals: state.totals, skippedRisky, skippedNeverApply };
  }

  async rejectAll(): Promise<DecisionUpdate> {
    const airlock = this.requireAirlock();
    const set = await airlock.changes();
    const review = await airlock.review();
    for (const entry of reviewableEntries(set.entries)) {
      if (review.fileDecision(entry).state === 'pending' && !review.hasHunkDecisions(entry.path)) review.decideFile(entry, 'rejected');
    }
    await review.save();
    const state = await this.state();
    return { files: state.files, totals: state.totals };
  }

  /** Applies what is approved, except files with unsaved edits in an editor (reported as refused). */
  async apply(only?: { path: string; choice: ConflictChoice }): Promise<ApplyResult> {
    const airlock = this.requireAirlock();
    if (only?.choice === 'keep-theirs') {
      // "Keep my version" never writes the person's file, even when it no longer conflicts
      // (a merge that declined some sandbox changes, a file put back): the sandbox's change
      // to it is set aside, nothing is applied.
      await airlock.decide(only.path, 'rejected', { reason: KEPT_YOURS_REASON });
      await this.deps.reconcileRejections?.();
      await this.deps.afterTreeChange();
      this.conflicts.delete(only.path);
      return { applied: [], merged: [], conflicts: [], refused: [] };
    }
    const set = await airlock.changes();
    const dirty = this.deps.dirtyPaths();
    const candidates = only ? [only.path] : set.entries.map((e) => e.path);
    const paths = candidates.filter((p) => !dirty.has(p));
    const held = candidates.filter((p) => dirty.has(p));
    let report: ApplyReport | undefined;
    if (paths.length) {
      report = await airlock.apply({ paths, ...(only ? { onConflict: { [only.path]: RESOLUTION[only.choice] } } : {}) });
    }
    // "Keep my version" drops the sandbox's change to that file: it counts as rejected from now on.
    for (const p of report?.keptTheirs ?? []) await airlock.decide(p, 'rejected', { reason: KEPT_YOURS_REASON });
    // What was approved is in the real tree now; what was rejected leaves the copy.
    await this.deps.reconcileRejections?.();
    await this.deps.afterTreeChange();
    const result: ApplyResult = {
      applied: (report?.applied ?? []).filter((a) => a.status !== 'merged').map((a) => a.path),
      merged: (report?.applied ?? []).filter((a) => a.status === 'merged').map((a) => a.path),
      conflicts: (report?.conflicts ?? []).map((c) => ({ path: c.path, ...conflictInfo(c.reason, c.markersPossible) })),
      refused: [
        ...(report?.refused ?? []).map((r) => ({ path: r.path, reason: r.reasons.join('; ') })),
        ...held.filter((p) => this.isApprovedSomewhere(p)).map((p) => ({ path: p, reason: UNSAVED_REASON })),
      ],
    };
    for (const p of [...(report?.applied ?? []).map((a) => a.path), ...(report?.keptTheirs ?? [])]) this.conflicts.delete(p);
    for (const c of result.conflicts) this.conflicts.set(c.path, { detail: c.detail, choices: c.choices });
    return result;
  }

  private isApprovedSomewhere(path: string): boolean {
    const item = this.items.get(path);
    return item === undefined || hasApproved(item);
  }

  async discard(): Promise<{ discarded: number }> {
    const airlock = this.requireAirlock();
    if (!this.deps.running()) {
      throw new SandboxError(
        'SESSION_NOT_RUNNING',
        'Discarding changes needs the sandbox running (it resets the copy from inside).',
        'Start the sandbox, then discard again.',
      );
    }
    const result = await airlock.discard('all');
    this.conflicts.clear();
    await this.deps.afterTreeChange();
    if (result.failed.length) {
      throw new SandboxError(
        'INTERNAL',
        `Discarded ${result.discarded.length}, but ${result.failed.length} could not be discarded: ${result.failed
          .slice(0, 3)
          .map((f) => `${f.path} (${f.reason})`)
          .join(', ')}`,
      );
    }
    return { discarded: result.discarded.length };
  }

  /** Whether a path is in the current change set (for the native diff). */
  async has(path: string): Promise<boolean> {
    try {
      await this.entry(path);
      return true;
    } catch {
      return false;
    }
  }
}
