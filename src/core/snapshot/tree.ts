/**
 * Reading one entry of a snapshot side (the base or the sandbox copy) by its relative posix
 * path, never through a symlink in any component (see ../fs/beneath.ts).
 */
import type * as fs from 'node:fs';
import * as path from 'node:path';
import { ChangedUnderfoot, withParent } from '../fs/beneath';
import { entryInfo } from './entries';
import type { EntryInfo } from './types';

export function hostPath(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, ...rel.split('/'));
}

/** The entry at `rel` below `root`; undefined when it (or a parent) is not there. A parent that is a symlink is refused. */
export async function infoAt(root: string, rel: string): Promise<EntryInfo | undefined> {
  assertPlainRelative(rel);
  return withParent(root, rel, async (dir, name) => {
    const st = await dir.lstat(name);
    if (!st) return undefined;
    return entryInfo(st, st.isSymbolicLink() ? (await dir.readlink(name)).toString() : undefined);
  });
}

/**
 * Opens the regular file at `rel` below `root` for reading, without following a symlink in
 * any component and without blocking on a FIFO. The caller closes it.
 */
export async function openFileAt(root: string, rel: string): Promise<fs.promises.FileHandle> {
  assertPlainRelative(rel);
  const opened = await withParent(root, rel, (dir, name) =>
    dir.openFile(name).catch((err: unknown) => {
      // The last name's problem, told with the whole path.
      throw err instanceof ChangedUnderfoot ? new ChangedUnderfoot(rel, err.what) : err;
    }),
  );
  if (!opened) throw new ChangedUnderfoot(rel, 'is not there');
  return opened.handle;
}

/** Rejects relative paths that are empty, absolute or contain `.`/`..` segments. */
export function assertPlainRelative(rel: string): void {
  if (!rel || rel.startsWith('/') || rel.includes('\0') || rel.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`Not a plain relative path: ${JSON.stringify(rel)}`);
  }
}
