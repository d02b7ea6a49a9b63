/**
 * Whole-subtree work beneath a directory the sandbox can write (remove, copy), built on the
 * no-follow primitives of beneath.ts. Both are bounded: a folder the sandbox keeps refilling
 * while it is removed is given up on after a few rounds, with a clear error.
 */
import * as fs from 'node:fs';
import { SandboxError } from '../errors';
import { ChangedUnderfoot, Dir, MAX_DEPTH, isAbsent, reopenPath } from './beneath';

/** Rounds of emptying one folder before its removal is given up (the sandbox refills it). */
const REMOVE_ROUNDS = 5;

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export interface RemoveOptions {
  /**
   * Folders this process owns but may not list or change (the sandbox made them read-only)
   * are given owner rights first, through a descriptor that never follows a symlink. For
   * removing a whole tree; a discard of one path leaves the modes alone.
   */
  readonly ownerAccess?: boolean;
}

/**
 * Removes `name` in `dir` and everything below it, never following a symlink: a symlink is
 * removed itself. Nothing there is fine.
 */
export async function removeEntry(dir: Dir, name: Buffer, depth = 0, options: RemoveOptions = {}): Promise<void> {
  for (let round = 0; round < REMOVE_ROUNDS; round++) {
    const st = await dir.lstat(name);
    if (!st) return;
    try {
      if (!st.isDirectory()) {
        await dir.unlink(name);
        return;
      }
      if (depth >= MAX_DEPTH)
        throw new SandboxError(
          'SNAPSHOT_FAILED',
          `A folder in the sandbox copy is nested deeper than ${MAX_DEPTH} levels.`,
          'Remove that folder inside the sandbox, then try again.',
        );
      if (options.ownerAccess) await dir.grantOwnerAccess(name);
      const sub = await dir.openDir(name);
      if (sub) {
        try {
          for (const child of await sub.list()) await removeEntry(sub, child, depth + 1, options);
        } finally {
          await sub.close();
        }
      }
      await dir.rmdir(name);
      return;
    } catch (err) {
      // Swapped or refilled meanwhile: look again, a bounded number of times.
      const code = codeOf(err);
      if (err instanceof ChangedUnderfoot || isAbsent(err) || code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') continue;
      throw err;
    }
  }
  throw new SandboxError(
    'SNAPSHOT_FAILED',
    `"${name.toString('utf8')}" in the sandbox copy kept changing while it was being removed.`,
    'Stop the commands that write there in the sandbox, then try again.',
  );
}

export interface CopyOptions {
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly preserveTimestamps?: boolean;
}

/**
 * Copies the entry `fromName` in `from` to the new name `toName` in `to` (which must not
 * exist), with its subtree, modes and symlinks as they are (never followed on either side).
 * Only regular files, folders and symlinks are copied.
 */
export async function copyEntry(from: Dir, fromName: Buffer, to: Dir, toName: Buffer, options: CopyOptions = {}, depth = 0): Promise<void> {
  const st = await from.lstat(fromName);
  if (!st) return;
  if (st.isSymbolicLink()) {
    await to.symlink(await from.readlink(fromName), toName);
  } else if (st.isDirectory()) {
    if (depth >= MAX_DEPTH)
      throw new SandboxError(
        'SNAPSHOT_FAILED',
        `A folder is nested deeper than ${MAX_DEPTH} levels.`,
        'Remove that folder, then try again.',
      );
    // Made private first, opened without following, and only then given its mode.
    await to.mkdir(toName, 0o700);
    const [src, dst] = [await from.openDir(fromName), await to.openDir(toName)];
    try {
      if (!src || !dst) throw new ChangedUnderfoot(fromName.toString('utf8'), 'changed while it was copied');
      for (const child of await src.list()) await copyEntry(src, child, dst, child, options, depth + 1);
      await dst.chmod(st.mode & 0o7777);
    } finally {
      await Promise.all([src?.close(), dst?.close()]);
    }
  } else if (st.isFile()) {
    await copyFile(from, fromName, to, toName);
  } else {
    return; // special files are not part of a snapshot side
  }
  if (options.owner) await to.lchown(toName, options.owner.uid, options.owner.gid);
  if (options.preserveTimestamps) await to.lutimes(toName, st.atime, st.mtime);
}

/**
 * Copies one regular file: opened no-follow and non-blocking (refused unless regular), then
 * copied by the kernel from that very inode to a new name (COPYFILE_EXCL fails on anything
 * already there, a symlink included). The copy takes the size the source had when it began.
 */
async function copyFile(from: Dir, fromName: Buffer, to: Dir, toName: Buffer): Promise<void> {
  const source = await from.openFile(fromName);
  if (!source) throw new ChangedUnderfoot(fromName.toString('utf8'), 'vanished while it was copied');
  try {
    await fs.promises.copyFile(reopenPath(source.handle), to.at(toName), fs.constants.COPYFILE_EXCL);
  } finally {
    await source.handle.close();
  }
}

/** Where a new file's bytes come from: memory, or a file opened by the caller (read from its start). */
export type NewFileSource = { readonly data: Buffer } | { readonly open: () => Promise<fs.promises.FileHandle> };

/**
 * Creates the new file `name` in `dir` (never through an existing entry) with exactly `mode`
 * (the umask does not apply). An opened source is copied by the kernel from that very inode,
 * so a large file is never held in memory.
 */
export async function createFileFrom(dir: Dir, name: Buffer, source: NewFileSource, mode: number): Promise<void> {
  if ('data' in source) {
    const file = await dir.createFile(name, 0o600);
    try {
      await file.writeFile(source.data);
      await file.chmod(mode);
    } finally {
      await file.close();
    }
    return;
  }
  const from = await source.open();
  try {
    await fs.promises.copyFile(reopenPath(from), dir.at(name), fs.constants.COPYFILE_EXCL);
  } finally {
    await from.close();
  }
  const made = await dir.openFile(name);
  if (!made) throw new ChangedUnderfoot(name.toString('utf8'), 'vanished right after it was written');
  try {
    await made.handle.chmod(mode);
  } finally {
    await made.handle.close();
  }
}

/** Creates the new folder `name` in `dir` with exactly `mode` (the umask does not apply). */
export async function createDirectory(dir: Dir, name: Buffer, mode: number): Promise<void> {
  await dir.mkdir(name, 0o700);
  const made = await dir.openDir(name);
  if (!made) throw new ChangedUnderfoot(name.toString('utf8'), 'vanished right after it was made');
  try {
    await made.chmod(mode);
  } finally {
    await made.close();
  }
}
