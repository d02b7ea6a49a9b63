/**
 * One writer of the real tree at a time per session, across processes (the extension and the
 * CLI can both act on a session). A lock left by a dead process is taken over.
 *
 * The lock file appears with its holder's pid already in it (and a random tag that tells two
 * locks of the same pid apart): both are written to a private temporary file, which is then
 * hard-linked to the lock's name. link() fails if the name
 * exists, so there is no moment when another contender can find the lock empty and take it
 * for abandoned. An empty or unreadable lock (left by an older version, which created the
 * file first and wrote the pid after) counts as held while it is young.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { SandboxError } from '../errors';
import { processAlive } from '../session/state';

/** How long a lock without a readable pid counts as held: its writer may still be writing. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

/** Lock files this process holds, so its own pid in a lock is not mistaken for a leftover. */
const heldHere = new Set<string>();

export async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const mine = await acquire(file);
  heldHere.add(file);
  try {
    return await work();
  } finally {
    heldHere.delete(file);
    await release(file, mine);
  }
}

/** Which lock a file is: its inode and its text (an inode number alone is reused once freed). */
interface LockIdentity {
  readonly ino: number;
  readonly text: string;
}

const sameLock = (a: LockIdentity, b: LockIdentity) => a.ino === b.ino && a.text === b.text;

function busy(holder: string): SandboxError {
  return new SandboxError(
    'SESSION_BUSY',
    `Another apply, undo or discard is running on this session (${holder}).`,
    'Wait for it to finish, then try again.',
  );
}

async function acquire(file: string): Promise<LockIdentity> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const mine = await tryCreate(file);
    if (mine) return mine;
    const holder = await readHolder(file);
    if (holder === 'gone') continue;
    if (holder.pid === undefined) {
      if (Date.now() - holder.mtimeMs < UNREADABLE_LOCK_GRACE_MS) throw busy('its lock is being written');
    } else if (holder.pid === process.pid ? heldHere.has(file) : processAlive(holder.pid)) {
      throw busy(`process ${holder.pid}`);
    }
    await removeIfStill(file, holder);
  }
  throw busy('the lock kept changing hands');
}

/**
 * Puts a lock holding this process's pid in place, or returns undefined if one exists. The
 * pid comes first, so that older versions, which parse a leading integer, read it too.
 */
async function tryCreate(file: string): Promise<LockIdentity | undefined> {
  const tag = crypto.randomBytes(6).toString('hex');
  const temp = `${file}.${process.pid}.${tag}.tmp`;
  const text = `${process.pid}\n${tag}\n`;
  const handle = await fs.promises.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    const { ino } = await handle.stat();
    await handle.close();
    await fs.promises.link(temp, file);
    return { ino, text };
  } catch (err) {
    await handle.close().catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
}

type Holder = 'gone' | (LockIdentity & { readonly pid: number | undefined; readonly mtimeMs: number });

async function readHolder(file: string): Promise<Holder> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const { ino, mtimeMs } = await handle.stat();
    const text = await handle.readFile('utf8');
    const first = text.split('\n')[0]!.trim();
    const pid = /^[1-9][0-9]{0,9}$/.test(first) ? Number(first) : undefined;
    return { pid, ino, text, mtimeMs };
  } finally {
    await handle.close();
  }
}

/**
 * Removes the lock judged abandoned, but only that one: it is first renamed aside, and if
 * what was renamed is a newer lock (another contender took over in between), it is put back.
 */
async function removeIfStill(file: string, judged: LockIdentity): Promise<void> {
  const aside = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.stale`;
  try {
    await fs.promises.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = await readHolder(aside);
    if (moved !== 'gone' && !sameLock(moved, judged)) await fs.promises.link(aside, file).catch(() => undefined);
  } finally {
    await fs.promises.rm(aside, { force: true });
  }
}

/** Removes this process's lock, never one that replaced it. */
async function release(file: string, mine: LockIdentity): Promise<void> {
  const current = await readHolder(file);
  if (current !== 'gone' && sameLock(current, mine)) await fs.promises.rm(file, { force: true });
}
