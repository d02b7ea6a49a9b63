/**
 * Copying one file or symlink of the workspace into the base, with the fewest system calls
 * that keep every promise of copy.ts. A small file is read and written through one buffer
 * and finished on its open descriptor (owner, mode, times, identity), synchronously: each
 * call takes microseconds, and a trip through libuv's thread pool (four threads by default,
 * which an extension host cannot change) costs more than the call itself. A large file goes
 * through the thread pool as one copyFile job, which clones it where the file system can
 * (reflink) and lets the kernel copy it otherwise, while the walk goes on.
 *
 * The source is opened without following a symlink and without blocking on a FIFO, and
 * checked to be a regular file on the open descriptor, so what is copied is what was looked
 * at, even if the name changes meanwhile.
 */
import * as fs from 'node:fs';

/** Files up to this size are copied through a buffer on the walking thread. */
export const SMALL_FILE_BYTES = 256 * 1024;

const CLONE_OR_COPY = fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL;
const READ_SOURCE = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const CREATE_COPY = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** The opened source of a regular file: its identity as read before its content. */
export interface OpenedSource {
  readonly fd: number;
  readonly st: fs.Stats;
}

/**
 * Opens `src` for copying. Returns undefined when it is no longer a regular file (it became
 * a symlink, a FIFO, a folder) or is gone, so the caller looks at it again.
 */
export function openSource(src: Buffer): OpenedSource | undefined {
  let fd: number;
  try {
    fd = fs.openSync(src, READ_SOURCE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENXIO') return undefined;
    throw err;
  }
  const st = fs.fstatSync(fd);
  if (st.isFile()) return { fd, st };
  fs.closeSync(fd);
  return undefined;
}

/** Gives the copy its owner, then its mode (a change of owner clears setuid), then its times. */
function finish(fd: number, st: fs.Stats, owner: Owner | undefined): fs.Stats {
  if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
  fs.fchmodSync(fd, st.mode & 0o7777);
  fs.futimesSync(fd, st.atimeMs / 1000, st.mtimeMs / 1000);
  return fs.fstatSync(fd);
}

/** One buffer for every small copy: they run one at a time, on the walking thread. */
const buffer = Buffer.allocUnsafe(SMALL_FILE_BYTES + 1);

/**
 * Copies an opened small source to `dst` (which must not exist) and closes the source.
 * Reads to the end, so a file that grew since it was looked at is copied whole.
 * Returns the copy's identity.
 */
export function copySmallFile(source: OpenedSource, dst: Buffer, owner: Owner | undefined): fs.Stats {
  try {
    const out = fs.openSync(dst, CREATE_COPY, 0o600);
    try {
      for (;;) {
        const n = fs.readSync(source.fd, buffer, 0, buffer.length, null);
        let written = 0;
        while (written < n) written += fs.writeSync(out, buffer, written, n - written);
        // A short read of a regular file is its end.
        if (n < buffer.length) break;
      }
      return finish(out, source.st, owner);
    } finally {
      fs.closeSync(out);
    }
  } finally {
    fs.closeSync(source.fd);
  }
}

/**
 * Copies an opened large source to `dst` (which must not exist) as one copyFile job in the
 * thread pool, a clone where the file system can, and closes the source. On Linux
 * the job reads the opened file itself, through its descriptor's name, so a name swapped
 * meanwhile changes nothing. copyFile gives the copy the source's mode; owner and times are
 * set after, by name on the copy (the base is ours alone while it is made).
 */
export async function copyFileInPool(source: OpenedSource, srcPath: Buffer, dst: Buffer, owner: Owner | undefined): Promise<fs.Stats> {
  try {
    const from = process.platform === 'linux' ? `/proc/self/fd/${source.fd}` : srcPath;
    await fs.promises.copyFile(from, dst, CLONE_OR_COPY);
  } finally {
    fs.closeSync(source.fd);
  }
  const st = source.st;
  if (owner) {
    fs.lchownSync(dst, owner.uid, owner.gid);
    // A change of owner clears setuid and setgid.
    if (st.mode & 0o6000) fs.chmodSync(dst, st.mode & 0o7777);
  }
  fs.lutimesSync(dst, st.atimeMs / 1000, st.mtimeMs / 1000);
  return fs.lstatSync(dst);
}

/**
 * Copies the symlink at `src` as a link (never followed). Returns the source's identity and
 * the copy's, or undefined when `src` is no longer a symlink.
 */
export function copySymlink(src: Buffer, dst: Buffer, owner: Owner | undefined): { st: fs.Stats; done: fs.Stats } | undefined {
  const st = fs.lstatSync(src, { throwIfNoEntry: false });
  if (!st?.isSymbolicLink()) return undefined;
  let target: Buffer;
  try {
    target = fs.readlinkSync(src, { encoding: 'buffer' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return undefined;
    throw err;
  }
  fs.symlinkSync(target, dst);
  if (owner) fs.lchownSync(dst, owner.uid, owner.gid);
  return { st, done: fs.lstatSync(dst) };
}
