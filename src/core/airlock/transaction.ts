/**
 * Carries out a set of changes to the real tree as one journaled transaction.
 *
 * Order of work: back up every file that will be replaced or removed (a hard link when the
 * file system allows, else a copy, fsynced before the journal is written), write the journal
 * (fsynced), then touch the real tree in three stages (removals deepest first, directories
 * shallowest first, then files: every temporary file written side by side, then all of them
 * flushed in one pass (flush.ts), then renamed into place), fsync the touched directories once
 * each, and mark the journal committed. Nothing in the real tree is replaced or removed before
 * the data that would undo it is on disk, and no file is renamed into place before its own
 * data is. Any failure before the commit rolls every path back to its journaled "before"; a
 * crash leaves the journal for `rollbackJournal` at the next start.
 */
import * as fs from 'node:fs';
import { lstatOrUndefined } from '../fsx';
import * as path from 'node:path';
import { SandboxError } from '../errors';
import { hashStream, sha256 } from './content';
import { JournalStore, type AcceptMode, type JournalKind, type JournalOp, type JournalRecord, type StoredState } from './journal';
import { mapLimit } from './pool';
import { hostPath } from '../snapshot/tree';
import { reopenPath } from '../fs/beneath';
import { flushFiles } from './flush';
import { copyToNewFile, copyToNewFileUnhashed, fsyncDir, removeIfExists, writeNewFile, type Durability, type RealState } from './realTree';

const IO_CONCURRENCY = 16;

/**
 * Where a file's new content comes from: bytes in memory, a file of the real tree to copy, a
 * snapshot side's file to copy (opened by the snapshot, never through a symlink), or a
 * backup to hard-link back (undo and rollback: its data is already on disk).
 */
export type FileSource =
  | { readonly data: Buffer }
  | { readonly copyFrom: string }
  | { readonly openFrom: () => Promise<fs.promises.FileHandle> }
  | { readonly linkFrom: string };

export type TargetState =
  | { readonly type: 'absent' }
  | { readonly type: 'file'; readonly mode: number; readonly sha256: string; readonly source: FileSource }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'directory'; readonly mode: number };

export interface PlannedOp {
  readonly rel: string;
  /** The real entry as read when planning; the transaction refuses if it changed since. */
  readonly before: RealState;
  readonly after: TargetState;
  readonly accept: AcceptMode;
  readonly resyncSandbox?: boolean;
  /** For `written`: what the snapshot records, when it is not what the real tree gets (a partial apply merged with the person's edits). */
  readonly acceptContent?: Buffer;
  /**
   * The snapshot's base side before this apply (a file, opened by the snapshot, or absent),
   * kept so undo can restore it. A file's hash (and its bytes, when the change set holds
   * them) spare copying it: when it is what the real tree's backup holds, that backup serves.
   */
  readonly baseBefore?:
    | { readonly type: 'absent' }
    | { readonly type: 'file'; readonly sha256?: string; readonly data?: Buffer; readonly open: () => Promise<fs.promises.FileHandle> };
}

export interface FaultInjection {
  /** Simulate a crash after this many paths of the real tree were changed. */
  readonly afterOps?: number;
  /** Simulate a crash after this many temporary files were written (before they are flushed and renamed). */
  readonly afterTemps?: number;
  /** Simulate a crash right after the commit, before the snapshot records anything. */
  readonly afterCommit?: boolean;
  /** `throw`: an InjectedFault escapes without rollback; `kill`: the process SIGKILLs itself. */
  readonly action: 'throw' | 'kill';
}

/** A simulated crash (tests only): the transaction is left as a crash would leave it. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

interface Step {
  readonly op: JournalOp;
  readonly planned: PlannedOp;
}

function depth(rel: string): number {
  return rel.split('/').length;
}

function byPath(a: { rel: string }, b: { rel: string }): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}

/** Type changes to or from a directory cannot be one rename: they become a removal and a creation. */
function splitDirectoryTypeChanges(ops: readonly PlannedOp[]): PlannedOp[] {
  const out: PlannedOp[] = [];
  for (const op of ops) {
    const beforeDir = op.before.type === 'directory';
    const afterDir = op.after.type === 'directory';
    const crossesDirectory = op.before.type !== 'absent' && op.after.type !== 'absent' && beforeDir !== afterDir;
    if (crossesDirectory) {
      out.push({ ...op, after: { type: 'absent' }, accept: 'none' });
      out.push({ ...op, before: { type: 'absent' } });
    } else {
      out.push(op);
    }
  }
  return out;
}

/** Removals deepest first, then directories shallowest first, then files and links. */
export function orderOps(ops: readonly PlannedOp[]): PlannedOp[] {
  const split = splitDirectoryTypeChanges(ops);
  const removals = split.filter((o) => o.after.type === 'absent').sort((a, b) => depth(b.rel) - depth(a.rel) || byPath(b, a));
  const dirs = split.filter((o) => o.after.type === 'directory').sort((a, b) => depth(a.rel) - depth(b.rel) || byPath(a, b));
  const writes = split.filter((o) => o.after.type === 'file' || o.after.type === 'symlink').sort(byPath);
  return [...removals, ...dirs, ...writes];
}

/** The journaled form of a target state (a file by its mode and hash). */
export function storedAfter(after: TargetState): StoredState {
  if (after.type === 'file') return { type: 'file', mode: after.mode, sha256: after.sha256 };
  return after;
}

function needsTemp(planned: PlannedOp): boolean {
  const { before, after } = planned;
  if (after.type === 'symlink') return true;
  if (after.type !== 'file') return false;
  return !(before.type === 'file' && before.sha256 === after.sha256);
}

/**
 * Keeps the real file's content in the journal: a hard link to its inode when the file system
 * allows (its data is already on disk), else a copy. Returns the path of a copy, which the
 * caller must flush before the real file is replaced.
 */
async function backupFile(
  store: JournalStore,
  id: string,
  name: string,
  p: string,
  before: Extract<RealState, { type: 'file' }>,
): Promise<string | undefined> {
  const backup = store.backupPath(id, name);
  try {
    await fs.promises.link(p, backup);
    const st = await fs.promises.lstat(backup);
    // Another hard link could change this inode in place later; keep a private copy then.
    if (st.ino === before.ino && st.size === before.size && st.mtimeMs === before.mtimeMs && st.nlink <= 2) return undefined;
    await fs.promises.unlink(backup);
    if (st.ino !== before.ino || st.size !== before.size || st.mtimeMs !== before.mtimeMs) throw changedDuringApply(p);
  } catch (err) {
    if (err instanceof SandboxError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
  }
  if (before.data) {
    await writeNewFile(backup, before.data, 0o600, 'later');
    return backup;
  }
  const copied = await copyToNewFile(p, backup, 0o600, 'later');
  if (copied !== before.sha256) throw changedDuringApply(p);
  return backup;
}

/** Copies a file the snapshot opened (a regular file, never reached through a symlink) to a new file, and returns its hash. */
async function copyOpened(open: () => Promise<fs.promises.FileHandle>, to: string, mode: number, durability: Durability): Promise<string> {
  const handle = await open();
  try {
    return await copyToNewFile(reopenPath(handle), to, mode, durability);
  } finally {
    await handle.close();
  }
}

/** Copies a file the snapshot opened to a new private file of the journal, not yet flushed. */
async function copyOpenedUnhashed(open: () => Promise<fs.promises.FileHandle>, to: string): Promise<void> {
  const handle = await open();
  try {
    await copyToNewFileUnhashed(reopenPath(handle), to, 0o600, 'later');
  } finally {
    await handle.close();
  }
}

function changedDuringApply(p: string): SandboxError {
  return new SandboxError(
    'INTERNAL',
    `${p} changed while the apply was running; nothing was applied.`,
    'Run the apply again: it will merge with the new content.',
  );
}

/** True when the real entry is still the one that was planned against. */
async function stillAsPlanned(p: string, before: RealState): Promise<boolean> {
  const st = await lstatOrUndefined(p);
  if (!st) return before.type === 'absent';
  switch (before.type) {
    case 'absent':
      return false;
    case 'file':
      return st.isFile() && st.ino === before.ino && st.size === before.size && st.mtimeMs === before.mtimeMs;
    case 'symlink':
      return st.isSymbolicLink() && (await fs.promises.readlink(p)) === before.target;
    case 'directory':
      return st.isDirectory();
    default:
      return false;
  }
}

/** chmod without following a symlink: open with O_NOFOLLOW and fchmod. */
async function chmodNoFollow(p: string, mode: number, directory: boolean): Promise<void> {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | (directory ? fs.constants.O_DIRECTORY : 0);
  const handle = await fs.promises.open(p, flags);
  try {
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

function tempPath(root: string, op: JournalOp): string {
  return path.join(path.dirname(hostPath(root, op.rel)), op.tmp!);
}

/** Writes one temporary file or link, not yet flushed: the caller flushes them all at once. */
async function prepareTemp(root: string, step: Step): Promise<void> {
  const after = step.planned.after;
  const tmp = tempPath(root, step.op);
  if (after.type === 'symlink') {
    await fs.promises.symlink(after.target, tmp);
    return;
  }
  if (after.type !== 'file') return;
  if ('data' in after.source) {
    await writeNewFile(tmp, after.source.data, after.mode, 'later');
    return;
  }
  if ('linkFrom' in after.source) {
    await materializeBackup(after.source.linkFrom, tmp, after.mode, after.sha256, 'later');
    return;
  }
  const landed =
    'openFrom' in after.source
      ? await copyOpened(after.source.openFrom, tmp, after.mode, 'later')
      : await copyToNewFile(after.source.copyFrom, tmp, after.mode, 'later');
  if (landed !== after.sha256) {
    throw new SandboxError(
      'INTERNAL',
      `${step.op.rel} changed in the sandbox since it was reviewed; nothing was applied.`,
      'Review the file again, then apply.',
    );
  }
}

/**
 * Puts a backup's content at `tmp`: a hard link when possible (no data to write or flush),
 * else a copy (fsynced unless `later`). Either way the bytes are checked against the journaled hash.
 */
async function materializeBackup(
  backup: string,
  tmp: string,
  mode: number,
  expectedSha: string,
  durability: Durability = 'now',
): Promise<void> {
  let landed: string;
  try {
    await fs.promises.link(backup, tmp);
    await chmodNoFollow(tmp, mode, false);
    landed = await hashStream(tmp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
    landed = await copyToNewFile(backup, tmp, mode, durability);
  }
  if (landed !== expectedSha) {
    await removeIfExists(tmp);
    throw new Error(`the backup ${path.basename(backup)} does not match its journaled hash`);
  }
}

export interface CommitOptions {
  readonly kind: JournalKind;
  readonly id: string;
  readonly undoes?: string;
  readonly fault?: FaultInjection;
}

export async function commitTransaction(
  store: JournalStore,
  root: string,
  planned: readonly PlannedOp[],
  options: CommitOptions,
): Promise<JournalRecord> {
  const { id } = options;
  const ordered = orderOps(planned);
  await store.prepareDir(id);

  const steps: Step[] = [];
  /** Backups kept as copies: flushed before the journal, so before anything they restore is replaced. */
  const backupCopies: string[] = [];
  /** Journal files needed only once committed (undo, recording into the snapshot): flushed with the temporary files. */
  const afterCommitFiles: string[] = [];
  await mapLimit(ordered, IO_CONCURRENCY, async (op, i) => {
    let before: StoredState;
    const b = op.before;
    if (b.type === 'file') {
      const backup = `b${i}`;
      const copy = await backupFile(store, id, backup, hostPath(root, op.rel), b);
      if (copy) backupCopies.push(copy);
      before = { type: 'file', mode: b.mode, sha256: b.sha256, size: b.size, backup };
    } else if (b.type === 'special') {
      throw new SandboxError('UNSAFE_PATH', `${op.rel} is a ${b.what} in your tree; apply does not replace special files.`);
    } else {
      before = b;
    }
    const tmp = needsTemp(op) ? `.agent-sandbox-${id}-${i}.tmp` : undefined;
    // Kept for recovery, which otherwise reads what the real tree holds.
    let acceptFrom: string | undefined;
    if (op.accept === 'written' && op.acceptContent && !(op.after.type === 'file' && sha256(op.acceptContent) === op.after.sha256)) {
      acceptFrom = `a${i}`;
      await writeNewFile(store.backupPath(id, acceptFrom), op.acceptContent, 0o600, 'later');
      afterCommitFiles.push(store.backupPath(id, acceptFrom));
    }
    let baseBefore: string | null | undefined;
    const base = op.baseBefore;
    if (base?.type === 'absent') baseBefore = null;
    else if (base?.type === 'file') {
      if (before.type === 'file' && base.sha256 !== undefined && base.sha256 === before.sha256) {
        // The person had not changed the file: its backup is the base's content too.
        baseBefore = before.backup;
      } else {
        baseBefore = `o${i}`;
        const to = store.backupPath(id, baseBefore);
        if (base.data) await writeNewFile(to, base.data, 0o600, 'later');
        else await copyOpenedUnhashed(base.open, to);
        afterCommitFiles.push(to);
      }
    }
    steps[i] = {
      planned: op,
      op: {
        rel: op.rel,
        before,
        after: storedAfter(op.after),
        tmp,
        accept: op.accept,
        resyncSandbox: op.resyncSandbox,
        acceptFrom,
        baseBefore,
      },
    };
  });
  // The journal's own write fsyncs its directory, which makes the backups' names durable.
  await flushFiles(backupCopies);

  const record: JournalRecord = {
    version: 1,
    id,
    kind: options.kind,
    root,
    createdAt: new Date().toISOString(),
    ops: steps.map((s) => s.op),
    ...(options.undoes ? { undoes: options.undoes } : {}),
  };
  await store.create(record);

  let done = 0;
  const crash = async (where: string): Promise<never> => {
    if (options.fault?.action === 'kill') {
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined); // never resumes
    }
    throw new InjectedFault(`injected fault ${where}`);
  };
  const touched = async (): Promise<void> => {
    done++;
    if (options.fault?.afterOps === done) await crash(`after ${done} changed paths`);
  };

  try {
    for (const step of steps) {
      const { rel } = step.op;
      const p = hostPath(root, rel);
      const { before, after } = step.planned;
      if (after.type === 'absent') {
        if (!(await stillAsPlanned(p, before))) throw changedDuringApply(p);
        if (before.type === 'directory') await fs.promises.rmdir(p);
        else await fs.promises.unlink(p);
        await touched();
      } else if (after.type === 'directory') {
        if (before.type === 'absent') {
          await fs.promises.mkdir(p, { mode: after.mode });
        } else if (!(await stillAsPlanned(p, before))) {
          throw changedDuringApply(p);
        }
        await chmodNoFollow(p, after.mode, true);
        await touched();
      }
    }

    const writes = steps.filter((s) => s.planned.after.type === 'file' || s.planned.after.type === 'symlink');
    const temps = writes.filter((s) => s.op.tmp);
    let written = 0;
    await mapLimit(temps, IO_CONCURRENCY, async (s) => {
      await prepareTemp(root, s);
      written++;
      if (options.fault?.afterTemps === written) await crash(`after ${written} temporary files`);
    });
    // One flush for the whole batch: every temporary file's data (a link's name is made
    // durable by its directory's fsync below), and the journal files the commit relies on.
    await flushFiles([...temps.filter((s) => s.planned.after.type === 'file').map((s) => tempPath(root, s.op)), ...afterCommitFiles]);
    // Each rename is atomic on its own and the paths are distinct, so they can run side by side.
    await mapLimit(writes, IO_CONCURRENCY, async (step) => {
      const p = hostPath(root, step.op.rel);
      const { before, after } = step.planned;
      if (!(await stillAsPlanned(p, before))) throw changedDuringApply(p);
      if (step.op.tmp) await fs.promises.rename(tempPath(root, step.op), p);
      else if (after.type === 'file') await chmodNoFollow(p, after.mode, false);
      await touched();
    });

    const dirs = new Set(steps.map((s) => path.dirname(hostPath(root, s.op.rel))));
    await mapLimit([...dirs], IO_CONCURRENCY, async (dir) => {
      try {
        await fsyncDir(dir);
      } catch (err) {
        // A directory removed (or replaced by a file) in this same transaction has nothing left to flush.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      }
    });
    await store.setState(id, 'committed');
  } catch (err) {
    if (err instanceof InjectedFault) throw err;
    const problems = await rollbackJournal(store, record);
    if (problems.length) {
      throw new SandboxError(
        'INTERNAL',
        `Apply failed (${(err as Error).message}) and rollback left problems: ${problems.join('; ')}`,
        'Check the listed paths by hand; the journal is kept in the session state directory.',
        { cause: err },
      );
    }
    throw err;
  }
  if (options.fault?.afterCommit) await crash('after the commit');
  return record;
}

async function currentMatches(p: string, want: StoredState): Promise<boolean> {
  const st = await lstatOrUndefined(p);
  if (!st) return want.type === 'absent';
  switch (want.type) {
    case 'absent':
      return false;
    case 'directory':
      return st.isDirectory() && (st.mode & 0o7777) === want.mode;
    case 'symlink':
      return st.isSymbolicLink() && (await fs.promises.readlink(p)) === want.target;
    case 'file':
      return (
        st.isFile() &&
        (st.mode & 0o7777) === want.mode &&
        (want.size === undefined || st.size === want.size) &&
        (await hashStream(p)) === want.sha256
      );
  }
}

/** Whether an already read real entry is the journaled state. */
export function realStateMatches(real: RealState, want: StoredState): boolean {
  switch (want.type) {
    case 'absent':
      return real.type === 'absent';
    case 'directory':
      return real.type === 'directory' && real.mode === want.mode;
    case 'symlink':
      return real.type === 'symlink' && real.target === want.target;
    case 'file':
      return real.type === 'file' && real.mode === want.mode && real.sha256 === want.sha256;
  }
}

async function removeAny(p: string): Promise<void> {
  const st = await lstatOrUndefined(p);
  if (!st) return;
  if (st.isDirectory()) await fs.promises.rmdir(p);
  else await fs.promises.unlink(p);
}

/** Puts one path back to a journaled state; the content of a file comes from its backup. */
async function restore(store: JournalStore, record: JournalRecord, op: JournalOp, index: number): Promise<void> {
  const p = hostPath(record.root, op.rel);
  const want = op.before;
  if (await currentMatches(p, want)) return;
  // Only undo what this transaction did: anything else at the path is someone's newer edit.
  if (!(await currentMatches(p, op.after))) return;
  const tmp = path.join(path.dirname(p), `.agent-sandbox-${record.id}-r${index}.tmp`);
  await removeIfExists(tmp);
  switch (want.type) {
    case 'absent':
      await removeAny(p);
      return;
    case 'directory': {
      const st = await lstatOrUndefined(p);
      if (st && !st.isDirectory()) await fs.promises.unlink(p);
      if (!st || !st.isDirectory()) await fs.promises.mkdir(p, { mode: want.mode });
      await chmodNoFollow(p, want.mode, true);
      return;
    }
    case 'symlink':
      await fs.promises.symlink(want.target, tmp);
      break;
    case 'file':
      await materializeBackup(store.backupPath(record.id, want.backup!), tmp, want.mode, want.sha256);
      break;
  }
  const st = await lstatOrUndefined(p);
  if (st?.isDirectory()) await fs.promises.rmdir(p);
  await fs.promises.rename(tmp, p);
}

/**
 * Rolls a journal back: every path returns to its "before", temporary files go. Returns the
 * problems it could not fix (empty when the tree is fully restored).
 */
export async function rollbackJournal(store: JournalStore, record: JournalRecord): Promise<string[]> {
  const problems: string[] = [];
  const ops = record.ops;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    const p = hostPath(record.root, op.rel);
    try {
      if (op.tmp) await removeAny(path.join(path.dirname(p), op.tmp));
      await restore(store, record, op, i);
    } catch (err) {
      problems.push(`${op.rel}: ${(err as Error).message}`);
    }
  }
  const dirs = new Set(ops.map((o) => path.dirname(hostPath(record.root, o.rel))));
  for (const dir of dirs) await fsyncDir(dir).catch(() => undefined);
  if (!problems.length) await store.setState(record.id, 'rolledBack');
  return problems;
}
