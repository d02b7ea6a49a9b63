/**
 * Plans an apply: for each approved change, works out what the approved content is, compares
 * the real tree with the snapshot's base, merges three ways when the person changed the file
 * too, and turns the result into transaction steps, conflicts and refusals. Reads only.
 */
import * as fs from 'node:fs';
import type { SnapshotView } from '../snapshot/types';
import type { SideData } from './changeSet';
import { looksBinary, readFileContent, sha256 } from './content';
import { applyHunks, computeHunks } from './hunks';
import { mergeText } from './merge';
import { mapLimit } from './pool';
import { hostPath } from '../snapshot/tree';
import { ParentChecker, readRealState, safeMode, type RealState } from './realTree';
import type { Review } from './review';
import type { PlannedOp, TargetState } from './transaction';
import type { ChangeEntry, Hunk, SideInfo } from './types';

const PLAN_CONCURRENCY = 16;

export type ConflictResolution = 'keep-theirs' | 'take-sandbox' | 'markers';

export type AppliedStatus = 'created' | 'written' | 'deleted' | 'merged' | 'modeChanged' | 'unchanged' | 'markers';

export interface AppliedFile {
  readonly path: string;
  readonly status: AppliedStatus;
  /** Hunk indices written, for a partly approved file. */
  readonly hunks?: readonly number[];
  readonly notes: readonly string[];
}

export interface ConflictFile {
  readonly path: string;
  readonly reason: string;
  /** Whether `markers` can write this conflict with conflict markers (text on both sides). */
  readonly markersPossible: boolean;
}

/**
 * Why apply left a path alone. Callers count and sort refusals by this, never by the
 * wording of the reasons (which is for people and may change).
 * - `never-apply`: the policy forbids writing this path at all.
 * - `undecidable`: the approved content could not be worked out (review it again).
 * - `unsafe-parent`: a folder on the way is a symlink or not a folder in your tree.
 * - `special-file`: your tree holds a FIFO, socket or device at this path.
 * - `folder-not-empty`: a folder to delete still holds entries this apply does not delete.
 */
export type RefusalKind = 'never-apply' | 'undecidable' | 'unsafe-parent' | 'special-file' | 'folder-not-empty';

export interface RefusedFile {
  readonly path: string;
  readonly kind: RefusalKind;
  readonly reasons: readonly string[];
}

export interface ApplyPlan {
  readonly ops: PlannedOp[];
  readonly applied: AppliedFile[];
  readonly conflicts: ConflictFile[];
  readonly refused: RefusedFile[];
  /** Conflicts resolved as keep-theirs: nothing written, still pending. */
  readonly keptTheirs: string[];
  /** Paths the real tree already holds as approved: nothing to write, only to record. */
  readonly acceptOnly: AcceptOnly[];
}

export interface AcceptOnly {
  readonly rel: string;
  readonly accept: PlannedOp['accept'];
  readonly resyncSandbox?: boolean;
  readonly content?: Buffer;
  /** What the real tree holds there (checked again before the snapshot records it). */
  readonly after: TargetState;
}

export interface PlanInput {
  readonly root: string;
  readonly view: SnapshotView;
  readonly entries: readonly ChangeEntry[];
  readonly data: ReadonlyMap<string, SideData>;
  readonly review: Review;
  readonly resolution: (path: string) => ConflictResolution | undefined;
}

/** What apply wants at a path, before looking at the real tree. */
interface Desired {
  readonly state: TargetState;
  readonly text?: string;
  /** The approved hunk indices, when only some are approved. */
  readonly partialHunks?: number[];
  /** True when the whole sandbox side is approved. */
  readonly whole: boolean;
}

type Body = string;

function bodyOfReal(r: RealState): Body {
  switch (r.type) {
    case 'absent':
      return 'absent';
    case 'file':
      return `file:${r.sha256}`;
    case 'symlink':
      return `symlink:${r.target}`;
    case 'directory':
      return 'directory';
    case 'special':
      return `special:${r.what}`;
  }
}

function bodyOfTarget(t: TargetState): Body {
  if (t.type === 'file') return `file:${t.sha256}`;
  if (t.type === 'symlink') return `symlink:${t.target}`;
  return t.type;
}

function bodyOfSide(s?: SideInfo): Body {
  if (!s) return 'absent';
  if (s.entry.type === 'file') return `file:${s.sha256}`;
  if (s.entry.type === 'symlink') return `symlink:${s.entry.linkTarget}`;
  return s.entry.type;
}

function modeOf(r: RealState): number | undefined {
  return r.type === 'file' || r.type === 'directory' ? r.mode : undefined;
}

/** Mode merge: whoever changed it wins; when both did, the sandbox's (both are made safe). */
function mergeMode(real: number | undefined, base: number | undefined, desired: number): number {
  if (real === undefined || real === base) return safeMode(desired);
  if (base !== undefined && desired === safeMode(base)) return safeMode(real);
  return safeMode(desired);
}

async function sideBytes(view: SnapshotView, side: 'base' | 'sandbox', entry: ChangeEntry, cached?: Buffer): Promise<Buffer | undefined> {
  const info = side === 'base' ? entry.base : entry.sandbox;
  if (info?.entry.type !== 'file' || info.content === 'tooLarge') return undefined;
  if (cached) return cached;
  const read = await readFileContent(() => view.openFile(side, entry.path));
  if (read.sha256 !== info.sha256 || !read.data) throw new Error(`the ${side} side of ${entry.path} changed since it was scanned`);
  return read.data;
}

/** Hunks of a text modification; undefined when the change is not split into hunks. */
export async function hunksOf(
  view: SnapshotView,
  entry: ChangeEntry,
  data?: SideData,
): Promise<{ hunks: Hunk[]; baseText: string } | undefined> {
  if (entry.kind !== 'modified' || entry.base?.content !== 'text' || entry.sandbox?.content !== 'text') return undefined;
  const [b, s] = await Promise.all([sideBytes(view, 'base', entry, data?.base), sideBytes(view, 'sandbox', entry, data?.sandbox)]);
  if (!b || !s) return undefined;
  const baseText = b.toString('utf8');
  return { hunks: computeHunks(baseText, s.toString('utf8')), baseText };
}

/** True when anything of the entry is approved (the whole file or at least one hunk). */
export async function desiredFor(
  view: SnapshotView,
  entry: ChangeEntry,
  data: SideData | undefined,
  review: Review,
): Promise<Desired | undefined> {
  const fileState = review.fileDecision(entry).state;
  const split = review.hasHunkDecisions(entry.path) ? await hunksOf(view, entry, data) : undefined;
  if (split) {
    const approved = split.hunks.filter((h) => review.hunkDecision(entry, h).state === 'approved');
    if (!approved.length) return undefined;
    if (approved.length < split.hunks.length) {
      const text = applyHunks(split.baseText, split.hunks, (h) => approved.includes(h));
      const data = Buffer.from(text, 'utf8');
      // A partial apply keeps the base's mode; the mode change goes with the whole file.
      const mode = safeMode(entry.base!.entry.mode);
      return {
        state: { type: 'file', mode, sha256: sha256(data), source: { data } },
        text,
        partialHunks: approved.map((h) => h.index),
        whole: false,
      };
    }
  } else if (fileState !== 'approved') {
    return undefined;
  }

  const s = entry.sandbox;
  if (!s) return { state: { type: 'absent' }, whole: true };
  switch (s.entry.type) {
    case 'file': {
      const bytes = await sideBytes(view, 'sandbox', entry, data?.sandbox);
      const mode = safeMode(s.entry.mode);
      if (bytes) {
        return {
          state: { type: 'file', mode, sha256: s.sha256!, source: { data: bytes } },
          text: s.content === 'text' ? bytes.toString('utf8') : undefined,
          whole: true,
        };
      }
      return {
        state: { type: 'file', mode, sha256: s.sha256!, source: { openFrom: () => view.openFile('sandbox', entry.path) } },
        whole: true,
      };
    }
    case 'symlink':
      return { state: { type: 'symlink', target: s.entry.linkTarget ?? '' }, whole: true };
    case 'directory':
      return { state: { type: 'directory', mode: safeMode(s.entry.mode) }, whole: true };
    default:
      return undefined; // special files are refused before this point
  }
}

function modeNotes(entry: ChangeEntry): string[] {
  const m = entry.sandbox?.entry.type === 'symlink' ? 0 : (entry.sandbox?.entry.mode ?? 0);
  const notes: string[] = [];
  if (m & 0o4000) notes.push('setuid bit stripped');
  if (m & 0o2000) notes.push('setgid bit stripped');
  if (m & 0o1000) notes.push('sticky bit stripped');
  if (m & 0o002) notes.push('world-write bit stripped');
  return notes;
}

function conflictReason(base: Body, real: RealState, desired: TargetState, binary: boolean): string {
  if (desired.type === 'absent') return 'changed in your tree since the snapshot; the sandbox deletes it';
  if (base === 'absent') return 'you created a different entry at this path since the snapshot';
  if (real.type === 'absent') return 'deleted in your tree since the snapshot; the sandbox changes it';
  if (binary) return 'changed in your tree and in the sandbox (not text, cannot merge)';
  return 'changed in your tree and in the sandbox at the same lines';
}

export async function planApply(input: PlanInput): Promise<ApplyPlan> {
  const { root, view, review } = input;
  const plan: ApplyPlan = { ops: [], applied: [], conflicts: [], refused: [], keptTheirs: [], acceptOnly: [] };
  const parents = new ParentChecker(root);
  const byPath = new Map(input.entries.map((e) => [e.path, e]));
  const implicitDirs = new Map<string, PlannedOp>();
  const removals = new Set<string>();
  const dirRemovals: { entry: ChangeEntry; op: PlannedOp }[] = [];
  const becomesDirectory = new Set<string>();

  for (const entry of input.entries) {
    if (entry.sandbox?.entry.type === 'directory' && entry.base?.entry.type !== 'directory') becomesDirectory.add(entry.path);
  }

  // The reads (decisions, parents, the real entry) run side by side; the decisions below
  // are made in order.
  type Prepared =
    { refusal: string; kind: RefusalKind } | { desired?: undefined } | { desired: Desired; missing: string[]; real: RealState };
  const prepare = async (entry: ChangeEntry): Promise<Prepared> => {
    if (entry.neverApply.length) return { refusal: entry.neverApply.map((r) => r.reason).join('; '), kind: 'never-apply' };
    let desired: Desired | undefined;
    try {
      desired = await desiredFor(view, entry, input.data.get(entry.path), review);
    } catch (err) {
      return { refusal: `${(err as Error).message}; review it again`, kind: 'undecidable' };
    }
    if (!desired) return {};
    // Parents on the real side: missing ones are created, a symlink or a non-directory refuses.
    const prefixes = entry.path
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    const missing: string[] = [];
    for (const prefix of prefixes) {
      if (missing.length) {
        missing.push(prefix);
        continue;
      }
      const verdict = await parents.checkOne(prefix);
      if (verdict === 'absent') missing.push(prefix);
      else if (verdict && becomesDirectory.has(prefix) && !verdict.includes('symbolic link')) {
        // A file this apply turns into a folder: what lies below it is created afresh.
        missing.push(prefix);
      } else if (verdict) {
        return { refusal: verdict, kind: 'unsafe-parent' };
      }
    }
    return { desired, missing, real: await readRealState(root, entry.path) };
  };
  const prepared = await mapLimit(input.entries, PLAN_CONCURRENCY, prepare);

  for (const [index, entry] of input.entries.entries()) {
    const ready = prepared[index]!;
    if ('refusal' in ready) {
      plan.refused.push({
        path: entry.path,
        kind: ready.kind,
        reasons: entry.neverApply.length ? entry.neverApply.map((r) => r.reason) : [ready.refusal],
      });
      continue;
    }
    if (!ready.desired) continue;
    const { desired, missing, real } = ready;
    if (real.type === 'special') {
      plan.refused.push({
        path: entry.path,
        kind: 'special-file',
        reasons: [`your tree has a ${real.what} at this path; apply does not replace special files`],
      });
      continue;
    }

    const baseBody = bodyOfSide(entry.base);
    const realBody = bodyOfReal(real);
    const wantBody = bodyOfTarget(desired.state);
    const baseMode = entry.base && entry.base.entry.type !== 'symlink' ? entry.base.entry.mode : undefined;
    const notes = modeNotes(entry);
    const hunks = desired.partialHunks;

    const withMode = (t: TargetState, mode: number): TargetState => (t.type === 'file' || t.type === 'directory' ? { ...t, mode } : t);
    /**
     * What the snapshot's base records. A whole merge makes base and sandbox both the merged
     * text (the sandbox gets the person's edit). Otherwise the base becomes the old base plus
     * what was approved, so that exactly the unapproved hunks stay pending; the person's own
     * edits in the real tree are merged again on a later apply.
     */
    const acceptFor = (written: TargetState, resync: boolean): Pick<PlannedOp, 'accept' | 'resyncSandbox' | 'acceptContent'> => {
      if (written.type === 'absent') return { accept: 'deleted' };
      if (resync)
        return {
          accept: 'written',
          resyncSandbox: true,
          acceptContent: written.type === 'file' && 'data' in written.source ? written.source.data : undefined,
        };
      if (desired!.whole) return { accept: 'sandbox' };
      const approved = desired!.state;
      return { accept: 'written', acceptContent: approved.type === 'file' && 'data' in approved.source ? approved.source.data : undefined };
    };

    let after: TargetState | undefined;
    let status: AppliedStatus = 'written';
    let resync = false;

    if (realBody === wantBody) {
      const mode = mergeMode(modeOf(real), baseMode, 'mode' in desired.state ? desired.state.mode : 0);
      after = desired.state.type === 'file' || desired.state.type === 'directory' ? withMode(desired.state, mode) : desired.state;
      status = modeOf(real) !== undefined && modeOf(real) !== ('mode' in after ? after.mode : undefined) ? 'modeChanged' : 'unchanged';
    } else if (realBody === baseBody) {
      const mode = 'mode' in desired.state ? mergeMode(modeOf(real), baseMode, desired.state.mode) : 0;
      after = withMode(desired.state, mode);
      status = desired.state.type === 'absent' ? 'deleted' : real.type === 'absent' ? 'created' : 'written';
    } else if (wantBody === baseBody && real.type !== 'absent' && real.type === desired.state.type) {
      // Only the mode changed in the sandbox; the person's content stays.
      const mode = mergeMode(modeOf(real), baseMode, 'mode' in desired.state ? desired.state.mode : 0);
      // Same content as now, so the transaction only changes the mode (the source is not read).
      after =
        real.type === 'file'
          ? { type: 'file', mode, sha256: real.sha256, source: { copyFrom: hostPath(root, entry.path) } }
          : withMode(desired.state, mode);
      status = 'modeChanged';
      resync = real.type === 'file' && desired.whole;
    } else {
      const baseData =
        entry.base?.content === 'text'
          ? await sideBytes(view, 'base', entry, input.data.get(entry.path)?.base).catch(() => undefined)
          : undefined;
      const realText = real.type === 'file' && real.data && !looksBinary(real.data) ? real.data.toString('utf8') : undefined;
      const baseText = baseData?.toString('utf8') ?? (entry.base ? undefined : '');
      const wantText = desired.text;
      if (realText !== undefined && baseText !== undefined && wantText !== undefined && entry.base) {
        const merged = mergeText(realText, baseText, wantText);
        if (merged.clean) {
          const data = Buffer.from(merged.text, 'utf8');
          const mode = mergeMode(modeOf(real), baseMode, (desired.state as { mode: number }).mode);
          after = { type: 'file', mode, sha256: sha256(data), source: { data } };
          status = 'merged';
          resync = desired.whole;
        }
      }
      if (!after) {
        const markersPossible =
          (real.type === 'absent' || realText !== undefined) &&
          (desired.state.type === 'absent' || wantText !== undefined) &&
          (baseText !== undefined || !entry.base);
        const reason = conflictReason(baseBody, real, desired.state, realText === undefined || wantText === undefined);
        const resolution = input.resolution(entry.path);
        if (resolution === 'take-sandbox') {
          after = desired.state;
          status = desired.state.type === 'absent' ? 'deleted' : 'written';
          notes.push(`conflict resolved by taking the sandbox's version (${reason})`);
        } else if (resolution === 'markers' && markersPossible && desired.state.type === 'file') {
          const merged = mergeText(realText ?? '', baseText ?? '', wantText ?? '');
          const text = merged.clean ? merged.text : merged.withMarkers;
          const data = Buffer.from(text, 'utf8');
          after = { type: 'file', mode: desired.state.mode, sha256: sha256(data), source: { data } };
          status = 'markers';
          notes.push(`conflict markers written (${reason})`);
        } else if (resolution === 'keep-theirs') {
          plan.keptTheirs.push(entry.path);
          continue;
        } else {
          plan.conflicts.push({
            path: entry.path,
            reason: resolution === 'markers' ? `${reason}; conflict markers need text on both sides` : reason,
            markersPossible,
          });
          continue;
        }
      }
    }

    if (!after) continue;
    if (real.type === 'directory' && after.type === 'absent') {
      dirRemovals.push({
        entry,
        op: { rel: entry.path, before: real, after, accept: 'deleted', ...(entry.base ? {} : { baseBefore: { type: 'absent' } }) },
      });
      continue;
    }
    for (const dir of missing) {
      if (!implicitDirs.has(dir) && !byPath.has(dir)) {
        implicitDirs.set(dir, { rel: dir, before: { type: 'absent' }, after: { type: 'directory', mode: 0o755 }, accept: 'none' });
      } else if (!implicitDirs.has(dir)) {
        const own = byPath.get(dir)!;
        const mode = own.sandbox?.entry.type === 'directory' ? safeMode(own.sandbox.entry.mode) : 0o755;
        implicitDirs.set(dir, { rel: dir, before: { type: 'absent' }, after: { type: 'directory', mode }, accept: 'none' });
      }
    }
    const sameAsReal = realBody === bodyOfTarget(after) && modeOf(real) === ('mode' in after ? after.mode : undefined);
    if (after.type === 'absent') removals.add(entry.path);
    if (sameAsReal) {
      const { acceptContent, ...accept } = acceptFor(after, resync);
      plan.acceptOnly.push({ rel: entry.path, ...accept, content: acceptContent, after });
    } else {
      const baseBefore: PlannedOp['baseBefore'] = !entry.base
        ? { type: 'absent' }
        : entry.base.entry.type === 'file'
          ? {
              type: 'file',
              sha256: entry.base.sha256,
              data: input.data.get(entry.path)?.base,
              open: () => view.openFile('base', entry.path),
            }
          : undefined;
      plan.ops.push({ rel: entry.path, before: real, after, ...acceptFor(after, resync), ...(baseBefore ? { baseBefore } : {}) });
    }
    plan.applied.push({ path: entry.path, status: sameAsReal ? 'unchanged' : status, ...(hunks ? { hunks } : {}), notes });
  }

  // A folder is removed only when everything in it in your tree is removed by this apply too.
  for (const { entry, op } of dirRemovals.sort((a, b) => b.entry.path.length - a.entry.path.length)) {
    const names = await fs.promises.readdir(hostPath(root, entry.path));
    const left = names.filter((n) => !removals.has(`${entry.path}/${n}`));
    if (left.length) {
      plan.refused.push({
        path: entry.path,
        kind: 'folder-not-empty',
        reasons: [
          `the folder still holds ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in your tree that this apply does not delete (for example "${left[0]}")`,
        ],
      });
      continue;
    }
    removals.add(entry.path);
    plan.ops.push(op);
    plan.applied.push({ path: entry.path, status: 'deleted', notes: [] });
  }

  // Directory entries that are themselves applied take precedence over implicit parents.
  const explicit = new Set(plan.ops.map((o) => o.rel));
  for (const [dir, op] of implicitDirs) if (!explicit.has(dir)) plan.ops.push(op);
  return plan;
}
