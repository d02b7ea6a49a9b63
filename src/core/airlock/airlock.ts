/**
 * The airlock of one session: the change set between the sandbox and its base, a person's
 * decisions on it, and the only code path that writes the real tree (apply, undo, recover).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendAudit, type AuditEntry } from '../audit';
import { SandboxError } from '../errors';
import type { Policy } from '../policy';
import { reopenPath } from '../fs/beneath';
import type { NewFileSource } from '../fs/beneathTree';
import { hostPath } from '../snapshot/tree';
import type { BaseEntry, RawChange, SnapshotView } from '../snapshot/types';
import { buildChangeSet, type BuiltChangeSet, type SideData } from './changeSet';
import { DIFF_SIZE_CAP, readFileContent, sha256 } from './content';
import { computeHunks, formatUnifiedDiff } from './hunks';
import { JournalStore, newJournalId, type JournalOp, type JournalRecord, type StoredState } from './journal';
import { withFileLock } from './lock';
import { unsafePathReason } from './pathRules';
import { hunksOf, planApply, type AppliedFile, type ConflictFile, type ConflictResolution, type RefusedFile } from './plan';
import { copyToNewFile, readRealState, removeIfExists, ParentChecker, type RealState } from './realTree';
import { Review, type FeedbackItem } from './review';
import { createRiskClassifier, type RiskClassifier } from './risk';
import { sameScan } from './scanMatch';
import { stampOf, stillStamped, type RealStamp } from './realStamp';
import { lstatOrUndefined } from '../fsx';
import {
  commitTransaction,
  realStateMatches,
  rollbackJournal,
  storedAfter,
  type FaultInjection,
  type PlannedOp,
  type TargetState,
} from './transaction';
import type { ChangeEntry, ChangeSet, DecisionState, Hunk } from './types';

/** How many finished applies are kept for undo. */
const KEPT_JOURNALS = 10;
/** Paths recorded into the snapshot at once (only paths of one depth, never one below another). */
const ACCEPT_CONCURRENCY = 16;

export interface AirlockOptions {
  readonly view: SnapshotView;
  readonly policy: Pick<Policy, 'risky'>;
  /** A directory of the airlock's own in the session's state (review decisions, journals, lock). */
  readonly stateDir: string;
  /** The session's audit log and id: applies, undos, rejections and discards are recorded there. */
  readonly audit?: { readonly file: string; readonly session: string };
}

export interface ApplyOptions {
  /** Only these paths (default: everything approved). */
  readonly paths?: readonly string[];
  /** What to do with a conflict: one choice for all, or per path. Default: report it. */
  readonly onConflict?: ConflictResolution | Readonly<Record<string, ConflictResolution>>;
  /** Tests only: simulate a crash in the middle of the apply. */
  readonly fault?: FaultInjection;
}

export interface ApplyReport {
  readonly applied: readonly AppliedFile[];
  readonly conflicts: readonly ConflictFile[];
  readonly refused: readonly RefusedFile[];
  /** Conflicts left as they are in your tree by choice. */
  readonly keptTheirs: readonly string[];
  /** Requested paths with nothing approved, or not in the change set. */
  readonly notApproved: readonly string[];
  /** Problems after the real tree was written (recording into the snapshot). */
  readonly warnings: readonly string[];
  readonly journalId?: string;
}

/**
 * Why approve-all left a path undecided (or partly decided). Callers count by this, never
 * by the wording of the reasons.
 * - `never-apply`: the policy forbids writing this path at all.
 * - `risky`: the change needs a closer look (approve-all ran without `includeRisky`).
 * - `rejected`: the whole file is rejected already.
 * - `hunks-rejected`: the rest of the file was approved; the listed hunks stay rejected.
 */
export type SkipKind = 'never-apply' | 'risky' | 'rejected' | 'hunks-rejected';

export interface SkippedFile {
  readonly path: string;
  readonly kind: SkipKind;
  readonly reasons: readonly string[];
}

export interface ApproveAllReport {
  readonly approved: readonly string[];
  readonly skipped: readonly SkippedFile[];
}

export interface UndoReport {
  readonly undone: boolean;
  readonly journalId?: string;
  readonly paths: readonly string[];
  /** Paths changed since the apply; undo refuses (unless forced) so as not to lose those edits. */
  readonly changedSinceApply: readonly string[];
  readonly message: string;
}

export interface RecoveryReport {
  readonly rolledBack: readonly string[];
  readonly finished: readonly string[];
  readonly problems: readonly string[];
}

export class Airlock {
  readonly view: SnapshotView;
  private readonly root: string;
  private readonly dir: string;
  private readonly journals: JournalStore;
  private readonly classifyRisk: RiskClassifier;
  /** The change set built last, with the scan it was built from (see scanMatch.ts). */
  private last?: { readonly built: BuiltChangeSet; readonly raws: readonly RawChange[] };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly auditTo: AirlockOptions['audit'];

  constructor(options: AirlockOptions) {
    this.auditTo = options.audit;
    this.view = options.view;
    this.root = path.resolve(options.view.workspaceRoot);
    this.dir = path.resolve(options.stateDir);
    this.journals = new JournalStore(path.join(this.dir, 'journal'));
    this.classifyRisk = createRiskClassifier(options.policy.risky);
  }

  /** Runs one operation at a time in this process, and under the session's lock file. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await fs.promises.mkdir(this.dir, { recursive: true });
      return withFileLock(path.join(this.dir, 'lock'), work);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Scans and builds the change set. With `reuse`, the last one is taken again when a new
   * scan finds exactly what it was built from (apply after approve-all or a review: the
   * change set the person decided on, without reading and hashing every file again).
   */
  private async build(signal?: AbortSignal, reuse = false): Promise<BuiltChangeSet> {
    const raws = await this.view.scan(signal);
    if (reuse && this.last && sameScan(this.last.raws, raws)) return this.last.built;
    const built = await buildChangeSet(raws, this.view, this.classifyRisk);
    this.last = { built, raws };
    return built;
  }

  async changes(signal?: AbortSignal): Promise<ChangeSet> {
    return (await this.build(signal)).changeSet;
  }

  private async entry(p: string): Promise<{ entry: ChangeEntry; built: BuiltChangeSet }> {
    let built = this.last?.built;
    if (!built?.changeSet.get(p)) built = await this.build();
    const entry = built.changeSet.get(p);
    if (!entry)
      throw new SandboxError('UNSAFE_PATH', `"${p}" has no pending change.`, 'Run "changes" to list the paths with pending changes.');
    return { entry, built };
  }

  /** The hunks of a text modification (1-based indices), or undefined when it applies as a whole. */
  async hunks(p: string): Promise<Hunk[] | undefined> {
    const { entry, built } = await this.entry(p);
    return (await hunksOf(this.view, entry, built.data.get(p)))?.hunks;
  }

  /** A unified diff for text, or a one-line description of what changed otherwise. */
  async diff(p: string): Promise<string> {
    const { entry, built } = await this.entry(p);
    return describeDiff(this.view, entry, built.data.get(p));
  }

  async review(): Promise<Review> {
    return Review.load(this.dir, (rejections) => {
      for (const r of rejections)
        this.audit({
          event: 'reject',
          files: [r.path],
          ...(r.hunk ? { hunks: [r.hunk] } : {}),
          ...(r.reason ? { reason: r.reason } : {}),
          outcome: 'rejected',
        });
    });
  }

  /** Appends to the session's audit log (never throws; see core/audit.ts). */
  private audit(entry: Omit<AuditEntry, 'session'>): void {
    if (this.auditTo) appendAudit(this.auditTo.file, { session: this.auditTo.session, ...entry });
  }

  /** Approves, rejects or resets a whole file, or some of its hunks (1-based indices). */
  async decide(p: string, state: DecisionState, options: { hunks?: readonly number[]; reason?: string } = {}): Promise<void> {
    const { entry } = await this.entry(p);
    const review = await this.review();
    if (options.hunks?.length) {
      const all = await this.hunks(p);
      if (!all)
        throw new SandboxError(
          'UNSAFE_PATH',
          `"${p}" is not a text modification, so it has no hunks.`,
          `Decide on the whole file: "${p}" without "#".`,
        );
      for (const index of options.hunks) {
        const hunk = all[index - 1];
        if (!hunk)
          throw new SandboxError(
            'UNSAFE_PATH',
            `"${p}" has ${all.length} hunk${all.length === 1 ? '' : 's'}; there is no hunk ${index}.`,
            `Use "diff ${p}" to see its hunks.`,
          );
        review.decideHunk(entry, hunk, state, options.reason);
      }
    } else {
      review.decideFile(entry, state, options.reason);
    }
    await review.save();
  }

  /**
   * Approves every pending change that apply may write. Risky changes are skipped unless
   * `includeRisky`; explicit rejections stay; both are reported.
   */
  async approveAll(options: { includeRisky: boolean; paths?: readonly string[] }): Promise<ApproveAllReport> {
    const { changeSet, data } = await this.build();
    const review = await this.review();
    const approved: string[] = [];
    const skipped: SkippedFile[] = [];
    const wanted = options.paths ? new Set(options.paths) : undefined;
    for (const entry of changeSet.entries) {
      if (wanted && !wanted.has(entry.path)) continue;
      if (entry.neverApply.length) {
        skipped.push({ path: entry.path, kind: 'never-apply', reasons: entry.neverApply.map((r) => `never applied: ${r.reason}`) });
        continue;
      }
      if (entry.risks.length && !options.includeRisky) {
        skipped.push({ path: entry.path, kind: 'risky', reasons: entry.risks.map((r) => `risky: ${r.reason}`) });
        continue;
      }
      if (review.fileDecision(entry).state === 'rejected') {
        skipped.push({ path: entry.path, kind: 'rejected', reasons: ['rejected'] });
        continue;
      }
      if (review.hasHunkDecisions(entry.path)) {
        const split = await hunksOf(this.view, entry, data.get(entry.path));
        if (split) {
          for (const h of split.hunks) if (review.hunkDecision(entry, h).state === 'pending') review.decideHunk(entry, h, 'approved');
          const rejected = split.hunks.filter((h) => review.hunkDecision(entry, h).state === 'rejected').map((h) => h.index);
          if (rejected.length)
            skipped.push({
              path: entry.path,
              kind: 'hunks-rejected',
              reasons: [`hunk${rejected.length > 1 ? 's' : ''} ${rejected.join(', ')} rejected`],
            });
          approved.push(entry.path);
          continue;
        }
      }
      review.decideFile(entry, 'approved');
      approved.push(entry.path);
    }
    await review.save();
    return { approved, skipped };
  }

  async feedback(): Promise<readonly FeedbackItem[]> {
    return (await this.review()).feedback();
  }

  async clearFeedback(): Promise<void> {
    const review = await this.review();
    review.clearFeedback();
    await review.save();
  }

  /** Writes the approved changes into the real tree: merged, atomic per file, journaled across files. */
  apply(options: ApplyOptions = {}): Promise<ApplyReport> {
    return this.exclusive(async () => {
      let report: ApplyReport;
      try {
        report = await this.applyLocked(options);
      } catch (err) {
        this.audit({ event: 'apply', outcome: 'failed', detail: (err as Error).message });
        throw err;
      }
      this.audit({
        event: 'apply',
        outcome: report.applied.length
          ? report.conflicts.length || report.refused.length
            ? 'partly applied'
            : 'applied'
          : 'nothing applied',
        files: report.applied.map((a) => a.path),
        ...(report.conflicts.length ? { conflicts: report.conflicts.map((c) => c.path) } : {}),
        ...(report.refused.length ? { refused: report.refused.map((r) => r.path) } : {}),
        ...(report.journalId ? { journal: report.journalId } : {}),
        ...(applyDetail(report) ? { detail: applyDetail(report) } : {}),
      });
      return report;
    });
  }

  private async applyLocked(options: ApplyOptions): Promise<ApplyReport> {
    const { changeSet, data } = await this.build(undefined, true);
    const review = await this.review();
    const notApproved: string[] = [];
    let entries = changeSet.entries;
    if (options.paths) {
      const wanted = new Set(options.paths);
      for (const p of wanted) if (!changeSet.get(p)) notApproved.push(p);
      entries = entries.filter((e) => wanted.has(e.path));
    }
    const onConflict = options.onConflict;
    const resolution = (p: string): ConflictResolution | undefined => (typeof onConflict === 'string' ? onConflict : onConflict?.[p]);

    const plan = await planApply({ root: this.root, view: this.view, entries, data, review, resolution });
    const decided = new Set([
      ...plan.applied.map((a) => a.path),
      ...plan.conflicts.map((c) => c.path),
      ...plan.refused.map((r) => r.path),
      ...plan.keptTheirs,
    ]);
    if (options.paths) for (const e of entries) if (!decided.has(e.path)) notApproved.push(e.path);

    const items: AcceptItem[] = plan.acceptOnly.map((a) => ({
      rel: a.rel,
      accept: a.accept,
      resyncSandbox: a.resyncSandbox,
      committed: storedAfter(a.after),
      ...(a.content ? { recorded: { data: a.content } } : {}),
    }));
    let journalId: string | undefined;
    if (plan.ops.length) {
      journalId = newJournalId();
      const record = await commitTransaction(this.journals, this.root, plan.ops, { kind: 'apply', id: journalId, fault: options.fault });
      items.push(...acceptItems(record, this.journals));
    }
    const warnings = await this.acceptInOrder(items);
    if (journalId) await this.journals.setState(journalId, 'accepted');

    for (const a of plan.applied) if (!a.hunks) review.clear(a.path);
    await review.save();
    await this.pruneJournals();
    this.last = undefined;
    return {
      applied: plan.applied,
      conflicts: plan.conflicts,
      refused: plan.refused,
      keptTheirs: plan.keptTheirs,
      notApproved,
      warnings,
      journalId,
    };
  }

  /**
   * Checks one committed path before it is recorded in the snapshot's base: the entry to
   * record is exactly what the transaction left in the real tree, never what the sandbox side
   * holds now (it may have changed since it was reviewed, and that change must stay pending).
   * When the real tree no longer holds what was committed, nothing is recorded and the path
   * stays pending.
   */
  private async checkForRecord(item: AcceptItem): Promise<CheckedRecord> {
    const scratch = path.join(this.dir, `.record-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
    try {
      const found = await appliedEntry(this.root, item, scratch);
      if (!found) {
        await removeIfExists(scratch).catch(() => undefined);
        return { warning: changedSinceApply(item.rel) };
      }
      return { ...found, scratch };
    } catch (err) {
      await removeIfExists(scratch).catch(() => undefined);
      return { warning: recordFailed(item.rel, err) };
    }
  }

  /** Records one checked path; a problem comes back as a warning (the real tree is already written). */
  private async record(item: AcceptItem, checked: Extract<CheckedRecord, { entry: BaseEntry }>): Promise<string[]> {
    try {
      await this.view.acceptIntoBase(item.rel, checked.entry);
      if (item.resyncSandbox) await this.view.revertInSandbox(item.rel);
      return [];
    } catch (err) {
      return [recordFailed(item.rel, err)];
    } finally {
      await removeIfExists(checked.scratch).catch(() => undefined);
    }
  }

  /**
   * Records committed paths in the snapshot, so they leave the pending set. Deletions go
   * deepest first and the rest shallowest first: recording a folder replaces what the base
   * holds below it, so it must come before its contents. Paths of one depth are never one
   * below another, so their checks and records overlap (see recordGroup).
   */
  private async acceptInOrder(items: readonly AcceptItem[]): Promise<string[]> {
    const depth = (rel: string) => rel.split('/').length;
    const byDepth = (list: readonly AcceptItem[], deepestFirst: boolean): AcceptItem[][] => {
      const groups = new Map<number, AcceptItem[]>();
      for (const item of list) {
        const d = depth(item.rel);
        let group = groups.get(d);
        if (!group) groups.set(d, (group = []));
        group.push(item);
      }
      return [...groups.entries()].sort(([a], [b]) => (deepestFirst ? b - a : a - b)).map(([, group]) => group);
    };
    const deletions = byDepth(
      items.filter((i) => i.accept === 'deleted'),
      true,
    );
    const others = byDepth(
      items.filter((i) => i.accept !== 'deleted' && i.accept !== 'none'),
      false,
    );
    const warnings: string[] = [];
    for (const group of [...deletions, ...others]) warnings.push(...(await this.recordGroup(group)));
    return warnings;
  }

  /**
   * Records paths of one depth. Each path's content is checked against the journal a few
   * paths ahead, side by side; then, in order, right before its record starts and only once
   * the previous path's record has started (as one by one), an lstat confirms that nothing
   * wrote it since that check. The records themselves overlap.
   */
  private async recordGroup(group: readonly AcceptItem[]): Promise<string[]> {
    const found: string[][] = group.map(() => []);
    const checks = new Map<number, Promise<CheckedRecord>>();
    const active = new Set<Promise<void>>();
    for (let i = 0; i < group.length; i++) {
      for (let ahead = i; ahead < Math.min(group.length, i + ACCEPT_CONCURRENCY); ahead++) {
        if (!checks.has(ahead)) checks.set(ahead, this.checkForRecord(group[ahead]!));
      }
      const checked = await checks.get(i)!;
      checks.delete(i);
      const item = group[i]!;
      if ('warning' in checked) {
        found[i] = [checked.warning];
        continue;
      }
      while (active.size >= ACCEPT_CONCURRENCY) await Promise.race(active);
      if (!(await stillStamped(hostPath(this.root, item.rel), checked.stamp))) {
        await removeIfExists(checked.scratch).catch(() => undefined);
        found[i] = [changedSinceApply(item.rel)];
        continue;
      }
      const running: Promise<void> = this.record(item, checked).then((w) => {
        found[i] = w;
        active.delete(running);
      });
      active.add(running);
    }
    await Promise.all(active);
    return found.flat();
  }

  private acceptJournal(record: JournalRecord): Promise<string[]> {
    return this.acceptInOrder(acceptItems(record, this.journals));
  }

  /** Resolves what a crash left behind: unfinished applies roll back, committed ones finish recording. */
  recover(): Promise<RecoveryReport> {
    return this.exclusive(async () => {
      const report = await this.recoverLocked();
      if (report.rolledBack.length || report.finished.length || report.problems.length) {
        this.audit({
          event: 'recover',
          outcome: report.problems.length ? 'problems' : 'recovered',
          detail: [
            report.rolledBack.length ? `rolled back interrupted apply ${report.rolledBack.join(', ')}` : '',
            report.finished.length ? `finished recording ${report.finished.join(', ')}` : '',
            ...report.problems,
          ]
            .filter(Boolean)
            .join('; '),
        });
      }
      return report;
    });
  }

  private async recoverLocked(): Promise<RecoveryReport> {
    const rolledBack: string[] = [];
    const finished: string[] = [];
    const problems: string[] = [];
    for (const id of await this.journals.list()) {
      const record = await this.journals.read(id);
      if (!record) {
        // Stopped before the journal was written: the real tree was not touched.
        await this.journals.remove(id);
        continue;
      }
      const state = await this.journals.state(id);
      if (state === 'prepared') {
        const left = await rollbackJournal(this.journals, record);
        if (left.length) problems.push(...left);
        else rolledBack.push(id);
      } else if (state === 'committed') {
        if (record.undoes) await this.journals.setState(record.undoes, 'undone');
        problems.push(...(await this.acceptJournal(record)));
        await this.journals.setState(id, 'accepted');
        finished.push(id);
      }
    }
    await this.pruneJournals();
    return { rolledBack, finished, problems };
  }

  /** Restores the real tree to exactly what it was before the last apply. */
  undo(options: { force?: boolean } = {}): Promise<UndoReport> {
    return this.exclusive(async () => {
      let report: UndoReport;
      try {
        report = await this.undoLocked(options);
      } catch (err) {
        this.audit({ event: 'undo', outcome: 'failed', detail: (err as Error).message });
        throw err;
      }
      this.audit({
        event: 'undo',
        outcome: report.undone ? 'undone' : report.journalId ? 'refused' : 'nothing to undo',
        files: report.undone ? report.paths : report.changedSinceApply,
        ...(report.journalId ? { journal: report.journalId } : {}),
        ...(!report.undone || options.force ? { detail: `${report.message}${options.force ? ' (forced)' : ''}` } : {}),
      });
      return report;
    });
  }

  private async undoLocked(options: { force?: boolean }): Promise<UndoReport> {
    const target = await this.lastUndoable();
    if (!target)
      return {
        undone: false,
        paths: [],
        changedSinceApply: [],
        message: 'Nothing to undo: no apply has been made in this session, or it was already undone.',
      };

    const changed: string[] = [];
    const current = new Map<string, RealState>();
    for (const op of latestPerPath(target.ops)) {
      const real = await readRealState(this.root, op.rel);
      current.set(op.rel, real);
      if (!realStateMatches(real, op.after)) changed.push(op.rel);
    }
    if (changed.length && !options.force) {
      return {
        undone: false,
        journalId: target.id,
        paths: [],
        changedSinceApply: changed,
        message: `Undo refused: ${changed.length} path${changed.length === 1 ? ' was' : 's were'} changed since the apply; undoing would lose those edits.`,
      };
    }

    const parents = new ParentChecker(this.root);
    const planned: PlannedOp[] = [];
    const restores = firstBeforePerPath(target.ops);
    const becomesDirectory = new Set(restores.filter((r) => r.before.type === 'directory').map((r) => r.rel));
    for (const { rel, before, accept, baseBefore } of restores) {
      const prefixes = rel
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
      for (const prefix of prefixes) {
        const verdict = await parents.checkOne(prefix);
        if (verdict === 'absent' || verdict === undefined) continue;
        // A file this undo turns back into a folder is fine; a symlink never is.
        if (becomesDirectory.has(prefix) && !verdict.includes('symbolic link')) break;
        throw new SandboxError('UNSAFE_PATH', `Cannot undo ${rel}: ${verdict}.`, 'Move that entry out of the way, then undo again.');
      }
      const after = toTarget(before, (name) => this.journals.backupPath(target.id, name));
      const real = current.get(rel) ?? (await readRealState(this.root, rel));
      if (accept === 'none' || baseBefore === undefined) {
        planned.push({ rel, before: real, after, accept: undoAccept(before, accept) });
      } else if (baseBefore === null) {
        planned.push({ rel, before: real, after, accept: 'deleted' });
      } else {
        // The snapshot's base goes back to what it was, so the change shows as it did before the apply.
        const acceptContent = await fs.promises.readFile(this.journals.backupPath(target.id, baseBefore));
        planned.push({ rel, before: real, after, accept: 'written', acceptContent });
      }
    }
    const id = newJournalId();
    const record = await commitTransaction(this.journals, this.root, planned, { kind: 'undo', id, undoes: target.id });
    await this.journals.setState(target.id, 'undone');
    const warnings = await this.acceptJournal(record);
    await this.journals.setState(id, 'accepted');
    this.last = undefined;
    const paths = planned.map((p) => p.rel);
    return {
      undone: true,
      journalId: target.id,
      paths,
      changedSinceApply: changed,
      message: `Undid the last apply (${paths.length} path${paths.length === 1 ? '' : 's'}).${warnings.length ? ` ${warnings.join('; ')}` : ''}`,
    };
  }

  private async lastUndoable(): Promise<JournalRecord | undefined> {
    const ids = (await this.journals.list()).reverse();
    for (const id of ids) {
      const record = await this.journals.read(id);
      if (!record || record.kind !== 'apply') continue;
      const state = await this.journals.state(id);
      if (state === 'accepted' || state === 'committed') return record;
    }
    return undefined;
  }

  private async pruneJournals(): Promise<void> {
    const ids = await this.journals.list();
    const finished: string[] = [];
    for (const id of ids) {
      const state = await this.journals.state(id);
      if (state === 'rolledBack') await this.journals.remove(id);
      else if (state === 'accepted' || state === 'undone') finished.push(id);
    }
    for (const id of finished.slice(0, Math.max(0, finished.length - KEPT_JOURNALS))) await this.journals.remove(id);
  }

  /** Brings the sandbox side of the given paths (or all) back to the base, and forgets their decisions. */
  discard(paths: readonly string[] | 'all'): Promise<{ discarded: string[]; failed: { path: string; reason: string }[] }> {
    return this.exclusive(async () => {
      const { changeSet } = await this.build();
      const review = await this.review();
      const targets = paths === 'all' ? changeSet.entries.map((e) => e.path) : [...paths];
      const discarded: string[] = [];
      const failed: { path: string; reason: string }[] = [];
      for (const p of targets) {
        const entry = changeSet.get(p);
        const unsafe = unsafePathReason(p);
        if (!entry) failed.push({ path: p, reason: 'no pending change at this path' });
        else if (unsafe) failed.push({ path: p, reason: unsafe });
        else {
          try {
            await this.view.revertInSandbox(p);
            review.clear(p);
            discarded.push(p);
          } catch (err) {
            failed.push({ path: p, reason: (err as Error).message });
          }
        }
      }
      if (paths === 'all') review.clearAll();
      await review.save();
      this.last = undefined;
      this.audit({
        event: 'discard',
        outcome: failed.length ? (discarded.length ? 'partly discarded' : 'failed') : 'discarded',
        files: discarded,
        ...(failed.length ? { refused: failed.map((f) => f.path), detail: failed.map((f) => `${f.path}: ${f.reason}`).join('; ') } : {}),
      });
      return { discarded, failed };
    });
  }
}

/** What an apply's audit record says besides its lists of paths. */
function applyDetail(report: ApplyReport): string {
  return [
    report.keptTheirs.length ? `kept your version of ${report.keptTheirs.join(', ')}` : '',
    report.notApproved.length
      ? `${report.notApproved.length} requested path${report.notApproved.length === 1 ? ' was' : 's were'} not approved`
      : '',
    ...report.applied.filter((a) => a.status === 'merged').map((a) => `${a.path} merged with your edits`),
    ...report.warnings,
  ]
    .filter(Boolean)
    .join('; ');
}

/** A committed path checked for recording: the entry to record and what the real one looked like, or why not. */
type CheckedRecord = { readonly entry: BaseEntry; readonly stamp: RealStamp; readonly scratch: string } | { readonly warning: string };

function changedSinceApply(rel: string): string {
  return `${rel}: written to your tree, but changed there since (not by this apply), so the snapshot does not record it and it stays pending`;
}

function recordFailed(rel: string, err: unknown): string {
  return `${rel}: written to your tree, but recording it in the snapshot failed: ${(err as Error).message}`;
}

interface AcceptItem {
  readonly rel: string;
  readonly accept: JournalOp['accept'];
  readonly resyncSandbox?: boolean;
  /** What the transaction left at the path in the real tree (or found there already). */
  readonly committed: StoredState;
  /** For `written`: the bytes the base records when they are not the real tree's (a partial apply merged with the person's edits, an undo). */
  readonly recorded?: NewFileSource;
}

function acceptItems(record: JournalRecord, journals: JournalStore): AcceptItem[] {
  return record.ops
    .filter((op) => op.accept !== 'none')
    .map((op) => {
      const from = op.acceptFrom ? journals.backupPath(record.id, op.acceptFrom) : undefined;
      return {
        rel: op.rel,
        accept: op.accept,
        resyncSandbox: op.resyncSandbox,
        committed: op.after,
        ...(from ? { recorded: { open: () => fs.promises.open(from, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW) } } : {}),
      };
    });
}

/**
 * The entry the base records for a committed path, taken from the real tree and checked
 * against what was committed; undefined when the real tree holds something else now. A file
 * within the in-memory cap is read once and those very bytes are checked and recorded; a
 * larger one is copied to `scratch` (private), and the copy is checked and recorded.
 */
async function appliedEntry(root: string, item: AcceptItem, scratch: string): Promise<{ entry: BaseEntry; stamp: RealStamp } | undefined> {
  const { committed } = item;
  if (item.accept === 'deleted' || committed.type !== 'file' || item.recorded) {
    // Stamped before it is read: a write during the read shows at the later lstat.
    const stamp = stampOf(await lstatOrUndefined(hostPath(root, item.rel)));
    const real = await readRealState(root, item.rel);
    if (!realStateMatches(real, committed)) return undefined;
    if (item.accept === 'deleted') return { entry: { type: 'absent' }, stamp };
    if (committed.type === 'file') return { entry: { type: 'file', mode: committed.mode, source: item.recorded! }, stamp };
    return { entry: committed, stamp };
  }
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(hostPath(root, item.rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENXIO') return undefined;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || (st.mode & 0o7777) !== committed.mode) return undefined;
    const stamp = stampOf(st);
    if (st.size <= DIFF_SIZE_CAP) {
      const data = await handle.readFile();
      return sha256(data) === committed.sha256 ? { entry: { type: 'file', mode: committed.mode, source: { data } }, stamp } : undefined;
    }
    const landed = await copyToNewFile(reopenPath(handle), scratch, 0o600);
    if (landed !== committed.sha256) return undefined;
    return {
      entry: {
        type: 'file',
        mode: committed.mode,
        source: { open: () => fs.promises.open(scratch, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW) },
      },
      stamp,
    };
  } finally {
    await handle.close();
  }
}

/** Each path's final state in a journal (a type change is two ops on one path). */
function latestPerPath(ops: readonly JournalOp[]): JournalOp[] {
  const byRel = new Map<string, JournalOp>();
  for (const op of ops) byRel.set(op.rel, op);
  return [...byRel.values()];
}

interface Restore {
  readonly rel: string;
  readonly before: StoredState;
  readonly accept: JournalOp['accept'];
  readonly baseBefore?: string | null;
}

function firstBeforePerPath(ops: readonly JournalOp[]): Restore[] {
  const byRel = new Map<string, Restore>();
  for (const op of ops) {
    const seen = byRel.get(op.rel);
    if (!seen) byRel.set(op.rel, { rel: op.rel, before: op.before, accept: op.accept, baseBefore: op.baseBefore });
    else if (op.accept !== 'none') byRel.set(op.rel, { ...seen, accept: op.accept, baseBefore: op.baseBefore });
  }
  return [...byRel.values()];
}

function toTarget(state: StoredState, backupPath: (name: string) => string): TargetState {
  if (state.type === 'file')
    return { type: 'file', mode: state.mode, sha256: state.sha256, source: { linkFrom: backupPath(state.backup!) } };
  return state;
}

/** After an undo the snapshot's base follows the restored real tree, so the change shows as pending again. */
function undoAccept(before: StoredState, applied: JournalOp['accept']): JournalOp['accept'] {
  if (applied === 'none') return 'none';
  if (before.type === 'absent') return 'deleted';
  if (before.type === 'file') return 'written';
  return 'none';
}

async function describeDiff(view: SnapshotView, entry: ChangeEntry, data: SideData | undefined): Promise<string> {
  const lines: string[] = [];
  const b = entry.base?.entry;
  const s = entry.sandbox?.entry;
  const mode = (m: number) => m.toString(8).padStart(4, '0');
  if (entry.kind === 'typeChanged') lines.push(`type changed: ${b?.type} -> ${s?.type}`);
  if (b && s && b.type !== 'symlink' && s.type !== 'symlink' && (b.mode & 0o7777) !== (s.mode & 0o7777))
    lines.push(`mode ${mode(b.mode)} -> ${mode(s.mode)}`);
  if (s?.type === 'symlink')
    lines.push(`symlink -> ${s.linkTarget ?? ''}${b?.type === 'symlink' ? ` (was -> ${b.linkTarget ?? ''})` : ''}`);
  else if (b?.type === 'symlink') lines.push(`symlink removed (was -> ${b.linkTarget ?? ''})`);
  if (s?.type === 'directory' && !b) lines.push('new folder');
  if (b?.type === 'directory' && !s) lines.push('folder deleted');

  const sides = [entry.base, entry.sandbox];
  if (sides.some((x) => x?.content === 'tooLarge')) {
    lines.push(`too large to diff (${sides.map((x) => (x?.entry.type === 'file' ? `${x.entry.size} bytes` : 'none')).join(' -> ')})`);
  } else if (sides.some((x) => x?.content === 'binary')) {
    lines.push(
      `binary file changed (${sides.map((x) => (x?.entry.type === 'file' ? `${x.entry.size} bytes, sha256 ${x.sha256?.slice(0, 12)}` : 'none')).join(' -> ')})`,
    );
  } else if (sides.some((x) => x?.content === 'text')) {
    const split = await hunksOf(view, entry, data);
    if (split) {
      lines.push(formatUnifiedDiff(entry.path, split.hunks).trimEnd());
    } else {
      const read = async (side: 'base' | 'sandbox') => {
        const info = side === 'base' ? entry.base : entry.sandbox;
        if (info?.content !== 'text') return '';
        const cached = data?.[side];
        return (cached ?? (await readFileContent(() => view.openFile(side, entry.path))).data ?? Buffer.alloc(0)).toString('utf8');
      };
      const hunks = computeHunks(await read('base'), await read('sandbox'));
      const oldLabel = entry.base?.content === 'text' ? `a/${entry.path}` : '/dev/null';
      const newLabel = entry.sandbox?.content === 'text' ? `b/${entry.path}` : '/dev/null';
      const text = formatUnifiedDiff(entry.path, hunks, oldLabel, newLabel).trimEnd();
      if (text) lines.push(text);
    }
  }
  return lines.join('\n');
}
