/** The on-disk record of a workspace's session, so the CLI, the extension and a restart agree. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiskCapKind } from '../snapshot/diskCap';
import type { SnapshotStrategy } from '../snapshot/sessionSnapshot';

export interface SessionState {
  readonly version: 1;
  readonly id: string;
  readonly workspaceRoot: string;
  readonly createdAt: string;
  status: 'starting' | 'ready' | 'stopped';
  /** The process that started (or last took over) the session. */
  ownerPid: number;
  strategy: SnapshotStrategy;
  containerId?: string;
  volumeName?: string;
  image?: string;
  user: string;
  policyDigest: string;
  /** Out-of-memory kills seen so far in the container's cgroup. */
  oomKills: number;
  /** Bytes of the base copy (the copy strategy's disk cap counts what is added to it). */
  baseBytes: number;
  /** `hard`: the sandbox side is on a file system of the cap's size. Absent or `soft`: checked after each command. */
  diskCap?: DiskCapKind;
}

export const STATE_FILE = 'session.json';

export function readState(sessionDir: string): SessionState | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(sessionDir, STATE_FILE), 'utf8')) as SessionState;
    return raw.version === 1 ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temporary file, fsync, rename) so a crash never leaves half a record. */
export function writeState(sessionDir: string, state: SessionState): void {
  const file = path.join(sessionDir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(state, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock for starting, stopping and resetting one workspace's session, held by a file that
 * names its owner's pid. A lock whose owner is dead is taken over.
 */
const inProcess = new Map<string, Promise<unknown>>();

export interface LockWaitOptions {
  /** Keeps waiting past the timeout while this says the holder's work is worth waiting for. */
  readonly waitWhile?: () => boolean;
}

export async function withSessionLock<T>(
  sessionDir: string,
  task: () => Promise<T>,
  timeoutMs = 120_000,
  wait: LockWaitOptions = {},
): Promise<T> {
  // Callers in this process queue up first; the file lock orders processes.
  const previous = inProcess.get(sessionDir) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => withFileLock(sessionDir, task, timeoutMs, wait));
  inProcess.set(sessionDir, mine);
  try {
    return await mine;
  } finally {
    if (inProcess.get(sessionDir) === mine) inProcess.delete(sessionDir);
  }
}

async function withFileLock<T>(sessionDir: string, task: () => Promise<T>, timeoutMs: number, wait: LockWaitOptions): Promise<T> {
  fs.mkdirSync(sessionDir, { recursive: true, mode: 0o700 });
  const lock = path.join(sessionDir, 'lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // The holder before us removed the emptied session folder as it left.
        fs.mkdirSync(sessionDir, { recursive: true, mode: 0o700 });
        continue;
      }
      if (code !== 'EEXIST') throw err;
      let owner: number;
      try {
        owner = Number(fs.readFileSync(lock, 'utf8').trim() || '0');
      } catch (readErr) {
        if ((readErr as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw readErr;
      }
      if (!owner || !processAlive(owner)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline && !wait.waitWhile?.()) throw new Error(`Another process (pid ${owner}) holds the session lock ${lock}.`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await task();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
