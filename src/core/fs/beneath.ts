/**
 * File operations beneath a directory the sandbox can write, that never follow a symlink in
 * any path component and never block on what they open.
 *
 * Node has no openat(), so each operation is anchored at an open directory and names one
 * entry in it through the /proc/self/fd magic link: the kernel starts the lookup at the
 * directory the descriptor pins (wherever it is now) and resolves only the last name, with
 * the usual no-follow rules of each call (lstat, unlink, rmdir, mkdir, symlink, rename and
 * O_CREAT|O_EXCL never follow a final symlink; opens add O_NOFOLLOW). A path is walked one
 * name at a time, so a folder the sandbox swaps for a symlink between two calls is refused
 * (ELOOP/ENOTDIR), never gone through.
 */
import * as fs from 'node:fs';
import { SandboxError } from '../errors';

const PROC_FD = '/proc/self/fd';
const { O_RDONLY, O_WRONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_CREAT, O_EXCL, O_NOCTTY } = fs.constants;
/** Linux's O_PATH (Node does not export it): a descriptor that names an inode without reading it. */
const O_PATH = 0o10000000;

/** Folders deeper than this are refused: a walk holds one open descriptor per level. */
export const MAX_DEPTH = 256;
/** Names read from one folder before the listing is refused (a folder refilled as it is read). */
export const MAX_LISTED_NAMES = 1_000_000;

/**
 * An entry changed between two steps of one operation (a folder became a symlink, a file a
 * FIFO, something vanished): the sandbox changed it meanwhile. Callers retry or refuse.
 */
export class ChangedUnderfoot extends Error {
  override readonly name = 'ChangedUnderfoot';
  constructor(
    /** The entry, as a relative path (or a single name when that is all that is known). */
    readonly where: string,
    /** What is wrong with it, as the rest of a sentence ("is no longer a folder ..."). */
    readonly what: string,
  ) {
    super(`"${where}" ${what}`);
  }

  /** The same problem, located on one side of a snapshot ("in the sandbox"). */
  on(side: string): string {
    return `"${this.where}" in the ${side} ${this.what}`;
  }
}

let procChecked = false;

/** Fails closed where the magic links are missing (not Linux, or /proc not mounted). */
export function assertProcFd(): void {
  if (procChecked) return;
  let ok = false;
  try {
    ok = fs.statSync(`${PROC_FD}/0`, { throwIfNoEntry: false }) !== undefined || fs.readdirSync(PROC_FD).length > 0;
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new SandboxError(
      'SNAPSHOT_FAILED',
      'Host-side handling of the sandbox copy needs Linux /proc (/proc/self/fd), which is not available here; nothing in the sandbox copy was read or changed.',
      'Run the sandbox on a Linux host with /proc mounted.',
    );
  }
  procChecked = true;
}

/** A file name as bytes: one component, never empty, `.` or `..`, and without `/` or NUL. */
export function checkName(name: Buffer): Buffer {
  if (
    name.length === 0 ||
    name.includes(0x2f) ||
    name.includes(0) ||
    (name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e)))
  ) {
    throw new Error(`Not a single file name: ${JSON.stringify(name.toString('utf8'))}`);
  }
  return name;
}

/** Splits a plain relative path (`a/b/c`, as text or bytes) into checked names. */
export function namesOf(rel: string | Buffer): Buffer[] {
  const raw = typeof rel === 'string' ? Buffer.from(rel, 'utf8') : rel;
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i === raw.length || raw[i] === 0x2f) {
      out.push(checkName(raw.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** The errors that mean "not there (any more)" at the last name. */
export function isAbsent(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A regular file opened for reading, with the stat of what was really opened. */
export interface OpenedFile {
  readonly handle: fs.promises.FileHandle;
  readonly stat: fs.Stats;
}

/**
 * A path that opens the very file behind an open handle again (for calls that take a path,
 * such as copyFile). The magic link names the inode, so nothing is looked up by name.
 */
export function reopenPath(handle: fs.promises.FileHandle): string {
  return `${PROC_FD}/${handle.fd}`;
}

/** An open directory; every operation names one entry directly in it. */
export class Dir {
  private closed = false;

  private constructor(private readonly handle: fs.promises.FileHandle) {}

  /** Opens a root the host owns (its own parents are trusted; the root itself is not followed). */
  static async openRoot(root: string): Promise<Dir> {
    assertProcFd();
    return new Dir(await fs.promises.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  }

  get fd(): number {
    return this.handle.fd;
  }

  /** The path that names `name` in this directory (or the directory itself) through its descriptor. */
  at(name?: Buffer): Buffer {
    const self = Buffer.from(`${PROC_FD}/${this.handle.fd}`);
    return name ? Buffer.concat([self, Buffer.from('/'), checkName(name)]) : self;
  }

  /** lstat of one entry; undefined when it is not there. */
  async lstat(name: Buffer): Promise<fs.Stats | undefined> {
    try {
      return await fs.promises.lstat(this.at(name));
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  /** The target of a symlink, as stored; a swap to anything else is ChangedUnderfoot. */
  async readlink(name: Buffer): Promise<Buffer> {
    try {
      return await fs.promises.readlink(this.at(name), { encoding: 'buffer' });
    } catch (err) {
      if (codeOf(err) === 'EINVAL' || isAbsent(err)) throw new ChangedUnderfoot(name.toString('utf8'), 'is no longer a symlink');
      throw err;
    }
  }

  /** The names in this directory (bytes), at most MAX_LISTED_NAMES of them. */
  async list(max = MAX_LISTED_NAMES): Promise<Buffer[]> {
    const dir = await fs.promises.opendir(this.at(), { encoding: 'buffer', bufferSize: 256 } as unknown as fs.OpenDirOptions);
    const names: Buffer[] = [];
    try {
      for (;;) {
        const entry = await dir.read();
        if (!entry) break;
        if (names.length >= max) {
          throw new SandboxError(
            'SNAPSHOT_FAILED',
            `A folder in the sandbox copy holds more than ${max} entries (or is refilled while it is read).`,
            'Remove or shrink that folder inside the sandbox, then try again.',
          );
        }
        names.push(entry.name as unknown as Buffer);
      }
    } finally {
      await dir.close().catch(() => undefined);
    }
    return names;
  }

  /**
   * Opens a subdirectory without following it. Undefined when it is gone; a symlink or a
   * non-directory there now is ChangedUnderfoot.
   */
  async openDir(name: Buffer): Promise<Dir | undefined> {
    try {
      return new Dir(await fs.promises.open(this.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK));
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP' || code === 'ENOTDIR')
        throw new ChangedUnderfoot(name.toString('utf8'), 'is no longer a folder (a symlink or a file is there now)');
      throw err;
    }
  }

  /**
   * Opens a regular file for reading: O_NOFOLLOW so a symlink is refused, O_NONBLOCK so a
   * FIFO swapped in cannot hang the open, then fstat so anything but a regular file is
   * refused. Undefined when nothing is there.
   */
  async openFile(name: Buffer): Promise<OpenedFile | undefined> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP' || code === 'ENXIO' || code === 'ENODEV')
        throw new ChangedUnderfoot(name.toString('utf8'), 'is not a regular file');
      throw err;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new ChangedUnderfoot(name.toString('utf8'), 'is not a regular file');
      return { handle, stat };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Creates a new file (never through an existing entry or symlink) and opens it for writing. */
  async createFile(name: Buffer, mode: number): Promise<fs.promises.FileHandle> {
    return fs.promises.open(this.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, mode);
  }

  async mkdir(name: Buffer, mode: number): Promise<void> {
    await fs.promises.mkdir(this.at(name), { mode });
  }

  async symlink(target: Buffer, name: Buffer): Promise<void> {
    await fs.promises.symlink(target, this.at(name));
  }

  async unlink(name: Buffer): Promise<void> {
    await fs.promises.unlink(this.at(name));
  }

  async rmdir(name: Buffer): Promise<void> {
    await fs.promises.rmdir(this.at(name));
  }

  async rename(name: Buffer, to: Dir, toName: Buffer): Promise<void> {
    await fs.promises.rename(this.at(name), to.at(toName));
  }

  /**
   * Gives the owner read, write and search rights on the folder `name` (so that what is in
   * it can be listed and removed), when this process owns it. The folder is pinned with an
   * O_PATH descriptor opened without following a symlink, and changed through that
   * descriptor: a folder swapped for a symlink is refused, never the symlink's target changed.
   */
  async grantOwnerAccess(name: Buffer): Promise<void> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.at(name), O_PATH | O_DIRECTORY | O_NOFOLLOW);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT') return;
      if (code === 'ELOOP' || code === 'ENOTDIR')
        throw new ChangedUnderfoot(name.toString('utf8'), 'is no longer a folder (a symlink or a file is there now)');
      throw err;
    }
    try {
      const st = await handle.stat();
      if (!st.isDirectory()) throw new ChangedUnderfoot(name.toString('utf8'), 'is no longer a folder');
      if ((st.mode & 0o700) === 0o700 || st.uid !== process.getuid?.()) return;
      await fs.promises.chmod(`${PROC_FD}/${handle.fd}`, (st.mode & 0o7777) | 0o700);
    } finally {
      await handle.close();
    }
  }

  /** Changes the owner of the entry itself (a symlink's own owner, never its target's). */
  async lchown(name: Buffer, uid: number, gid: number): Promise<void> {
    await fs.promises.lchown(this.at(name), uid, gid);
  }

  /** Sets the entry's own times (a symlink's own, never its target's). */
  async lutimes(name: Buffer, atime: Date, mtime: Date): Promise<void> {
    await fs.promises.lutimes(this.at(name), atime, mtime);
  }

  async stat(): Promise<fs.Stats> {
    return this.handle.stat();
  }

  async chmod(mode: number): Promise<void> {
    await this.handle.chmod(mode);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/**
 * Opens the directory that holds the last name of `names` below `root`, one component at a
 * time, and returns it (`root` itself for a single name; the caller closes anything else).
 * `create` makes missing parents with that mode (and owner); otherwise a missing parent
 * gives undefined. A parent that is a symlink or not a folder is ChangedUnderfoot.
 */
export async function openParent(root: Dir, names: readonly Buffer[], create?: CreateParents): Promise<Dir | undefined> {
  if (names.length > MAX_DEPTH) throw tooDeep(names);
  let dir = root;
  let depth = 0;
  try {
    for (const name of names.slice(0, -1)) {
      depth++;
      let next = await dir.openDir(name);
      if (!next && create) {
        try {
          await dir.mkdir(name, create.mode);
          if (create.owner) await dir.lchown(name, create.owner.uid, create.owner.gid);
        } catch (err) {
          if (codeOf(err) !== 'EEXIST') throw err;
        }
        next = await dir.openDir(name);
      }
      if (dir !== root) await dir.close();
      dir = root;
      if (!next) return undefined;
      dir = next;
    }
    return dir;
  } catch (err) {
    if (dir !== root) await dir.close();
    if (err instanceof ChangedUnderfoot)
      throw new ChangedUnderfoot(
        names
          .slice(0, depth)
          .map((n) => n.toString('utf8'))
          .join('/'),
        err.what,
      );
    throw err;
  }
}

export interface CreateParents {
  readonly mode: number;
  readonly owner?: { readonly uid: number; readonly gid: number };
}

export function tooDeep(names: readonly Buffer[]): SandboxError {
  const shown = names
    .slice(0, 8)
    .map((n) => n.toString('utf8'))
    .join('/');
  return new SandboxError(
    'SNAPSHOT_FAILED',
    `The sandbox copy holds folders nested deeper than ${MAX_DEPTH} levels (below "${shown}/...").`,
    'Remove that folder inside the sandbox (for example with rm -r), then try again.',
  );
}

/** Runs `work` with the parent of `rel` below `rootPath` open; undefined when a parent is missing. */
export async function withParent<T>(
  rootPath: string,
  rel: string | Buffer,
  work: (dir: Dir, name: Buffer) => Promise<T>,
  create?: CreateParents,
): Promise<T | undefined> {
  const names = namesOf(rel);
  const root = await Dir.openRoot(rootPath);
  try {
    const parent = await openParent(root, names, create);
    if (!parent) return undefined;
    try {
      return await work(parent, names[names.length - 1]!);
    } finally {
      if (parent !== root) await parent.close();
    }
  } finally {
    await root.close();
  }
}
