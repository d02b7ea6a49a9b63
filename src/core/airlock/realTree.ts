/**
 * Reading and writing the real workspace without ever following a symlink: every parent
 * component is checked with lstat from the root, files are opened with O_NOFOLLOW, and a
 * file is replaced by renaming a fully written, fsynced temporary file over it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lstatOrUndefined } from '../fsx';
import { hostPath } from '../snapshot/tree';
import { hashStream, sha256, DIFF_SIZE_CAP } from './content';

export type RealState =
  | { readonly type: 'absent' }
  | {
      readonly type: 'file';
      readonly mode: number;
      readonly sha256: string;
      readonly size: number;
      readonly ino: number;
      readonly mtimeMs: number;
      readonly data?: Buffer;
    }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'directory'; readonly mode: number }
  | { readonly type: 'special'; readonly what: string };

/** Permission bits apply may create: no setuid, setgid, sticky or world-write. */
export function safeMode(mode: number): number {
  return mode & 0o775;
}

function specialName(st: fs.Stats): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'special file';
}

/** The real entry at `rel`, read without following it. Files within the diff cap keep their bytes. */
export async function readRealState(root: string, rel: string, cap = DIFF_SIZE_CAP): Promise<RealState> {
  const p = hostPath(root, rel);
  const st = await lstatOrUndefined(p);
  if (!st) return { type: 'absent' };
  if (st.isSymbolicLink()) return { type: 'symlink', target: await fs.promises.readlink(p) };
  if (st.isDirectory()) return { type: 'directory', mode: st.mode & 0o7777 };
  if (!st.isFile()) return { type: 'special', what: specialName(st) };
  const handle = await fs.promises.open(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const fst = await handle.stat();
    const base = { type: 'file' as const, mode: fst.mode & 0o7777, size: fst.size, ino: fst.ino, mtimeMs: fst.mtimeMs };
    if (fst.size <= cap) {
      const data = await handle.readFile();
      return { ...base, size: data.length, sha256: sha256(data), data };
    }
    return { ...base, sha256: await hashStream(p) };
  } finally {
    await handle.close();
  }
}

/**
 * Checks every parent of `rel` in the real tree. A parent that is a symlink or not a
 * directory is a refusal reason; missing parents are fine (apply creates them). Results are
 * cached per parent for one apply.
 */
export class ParentChecker {
  private readonly cache = new Map<string, Promise<string | undefined | 'absent'>>();
  constructor(private readonly root: string) {}

  /** Parents of `rel` that do not exist yet, shallowest first, or a refusal reason. */
  async check(rel: string): Promise<{ missing: string[] } | { refusal: string }> {
    const parts = rel.split('/');
    const missing: string[] = [];
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (missing.length) {
        missing.push(prefix);
        continue;
      }
      const verdict = await this.checkOne(prefix);
      if (verdict === 'absent') missing.push(prefix);
      else if (verdict) return { refusal: verdict };
    }
    return { missing };
  }

  /** 'absent', a refusal reason, or undefined for a real directory. */
  checkOne(prefix: string): Promise<string | undefined | 'absent'> {
    let verdict = this.cache.get(prefix);
    if (!verdict) {
      verdict = lstatOrUndefined(hostPath(this.root, prefix)).then((st) => {
        if (!st) return 'absent';
        if (st.isSymbolicLink()) return `"${prefix}" is a symbolic link in your tree; apply never writes through one`;
        if (!st.isDirectory()) return `"${prefix}" is not a directory in your tree`;
        return undefined;
      });
      this.cache.set(prefix, verdict);
    }
    return verdict;
  }
}

export async function fsyncPath(p: string, flags = fs.constants.O_RDONLY): Promise<void> {
  const handle = await fs.promises.open(p, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDir(dir: string): Promise<void> {
  return fsyncPath(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
}

/**
 * How a new file is flushed: `now` fsyncs it before returning; `later` leaves that to the
 * caller, which must flush it (see flush.ts) before anything depends on it surviving a crash.
 */
export type Durability = 'now' | 'later';

/** Writes `data` to a new file (never an existing one, never through a symlink), fsynced unless `later`. */
export async function writeNewFile(p: string, data: Buffer | string, mode: number, durability: Durability = 'now'): Promise<void> {
  const handle = await fs.promises.open(
    p,
    fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
    mode,
  );
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have cleared bits the mode asks for
    if (durability === 'now') await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies `from` to a new file `p` with `mode` (the copy is fsynced unless `later`). */
export async function copyToNewFileUnhashed(from: string, p: string, mode: number, durability: Durability = 'now'): Promise<void> {
  await fs.promises.copyFile(from, p, fs.constants.COPYFILE_EXCL);
  const handle = await fs.promises.open(p, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
  try {
    await handle.chmod(mode);
    if (durability === 'now') await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies `from` to a new file `p` with `mode`, and returns the sha256 of what landed (fsynced unless `later`). */
export async function copyToNewFile(from: string, p: string, mode: number, durability: Durability = 'now'): Promise<string> {
  await copyToNewFileUnhashed(from, p, mode, durability);
  return hashStream(p);
}

export async function removeIfExists(p: string): Promise<void> {
  try {
    await fs.promises.unlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Writes a small file atomically: temp file, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(p: string, data: Buffer | string): Promise<void> {
  const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeNewFile(tmp, data, 0o600);
  await fs.promises.rename(tmp, p);
  await fsyncDir(path.dirname(p));
}
