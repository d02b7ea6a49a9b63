/**
 * What an entry of the real tree looked like when it was last checked (its inode, size,
 * times and mode, read without following it), so that a later lstat can tell cheaply
 * whether anything wrote it since: any write or replacement changes its change time or its
 * inode, which no one but the kernel sets.
 */
import type * as fs from 'node:fs';
import { lstatOrUndefined } from '../fsx';

export type RealStamp =
  | { readonly type: 'absent' }
  | {
      readonly type: 'file' | 'symlink' | 'directory' | 'other';
      readonly ino: number;
      readonly mode: number;
      readonly size: number;
      readonly mtimeMs: number;
      readonly ctimeMs: number;
    };

export function stampOf(st: fs.Stats | undefined): RealStamp {
  if (!st) return { type: 'absent' };
  const type = st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'other';
  return { type, ino: st.ino, mode: st.mode & 0o7777, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

/**
 * True when `p` is still the entry `stamp` describes. A folder is compared by inode and
 * mode only: its times move whenever something inside it changes, which is not a change of
 * the folder itself.
 */
export async function stillStamped(p: string, stamp: RealStamp): Promise<boolean> {
  const now = stampOf(await lstatOrUndefined(p));
  if (now.type === 'absent' || stamp.type === 'absent') return now.type === stamp.type;
  if (now.type !== stamp.type || now.ino !== stamp.ino || now.mode !== stamp.mode) return false;
  if (now.type === 'directory') return true;
  return now.size === stamp.size && now.mtimeMs === stamp.mtimeMs && now.ctimeMs === stamp.ctimeMs;
}
