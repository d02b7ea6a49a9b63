/**
 * Taking a session apart, piece by piece, so that nothing is left behind: its containers
 * (running or stopped), its volumes, the loop-mounted file system of its disk cap and that
 * file system's image, and its state folder with the copy, the review state and the network
 * files. Used by `remove`, by reset, and by the collection of stale sessions.
 *
 * The copy was written by the sandbox, so it is removed one name at a time from open
 * folders, never following a symlink (src/core/fs), and only after every container that
 * could write it is gone. A removal that is cut short leaves a mark in the folder; whatever
 * process comes next (a start, `gc`, another `remove`) finishes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { clientIsLocal, isNotFound } from '../engine/connection';
import { LABELS } from '../engine/hardening';
import { Dir } from '../fs/beneath';
import { removeEntry } from '../fs/beneathTree';
import { baseCacheDirFor } from '../snapshot/baseCache';
import { isMountPoint, unmountCappedFs } from '../snapshot/diskCap';
import { processAlive, readState, STATE_FILE, type SessionState } from './state';
import { madeHere, originOfSessionDir } from './workspace';

/** A file in the session folder while a removal is under way; it goes last. */
export const REMOVING_MARK = 'removing';
/** The session lock's file (see withSessionLock), left for its holder to release. */
const SESSION_LOCK = 'lock';
/** The record of a finished base copy (see baseCache.ts). */
const BASE_MANIFEST = 'base-manifest.json';

/** The engine's objects that belong to one session folder, found by the label the session put on them. */
export interface EngineObjects {
  readonly containers: readonly { readonly id: string; readonly name: string; readonly running: boolean }[];
  readonly volumes: readonly string[];
}

/**
 * Lists the engine's containers and volumes labelled with `dir` (and the ones its record
 * names). On a remote engine only those this machine made (see madeHere): the engine host's
 * own session of a workspace at the same path carries the same folder label.
 */
export async function engineObjectsOf(docker: Docker, dir: string, state?: SessionState): Promise<EngineObjects> {
  const local = clientIsLocal(docker);
  const origin = originOfSessionDir(dir);
  const listed = await docker.listContainers({ all: true, filters: { label: [`${LABELS.stateDir}=${dir}`] } });
  const containers = listed
    .filter((c) => madeHere(c.Labels, local, origin))
    .map((c) => ({
      id: c.Id,
      name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
      running: c.State === 'running',
    }));
  if (state?.containerId && !containers.some((c) => c.id === state.containerId)) {
    try {
      const inspected = await docker.getContainer(state.containerId).inspect();
      containers.push({ id: inspected.Id, name: inspected.Name.replace(/^\//, ''), running: inspected.State.Running });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const volumes = ((await docker.listVolumes({ filters: { label: [`${LABELS.stateDir}=${dir}`] } })).Volumes ?? [])
    .filter((v) => madeHere(v.Labels ?? undefined, local, origin))
    .map((v) => v.Name);
  if (state?.volumeName && !volumes.includes(state.volumeName)) {
    try {
      await docker.getVolume(state.volumeName).inspect();
      volumes.push(state.volumeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return { containers, volumes };
}

/** The live process holding a lock file of the session (its first line is the pid), if any. */
export function liveLockHolder(lockFile: string): number | undefined {
  let text: string;
  try {
    const fd = fs.openSync(lockFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      text = fs.readFileSync(fd, 'utf8').slice(0, 100);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]!.trim());
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

/** A live process that holds the session's lock (start, stop, remove) or its airlock's (apply, discard, undo). */
export function sessionLockHolder(dir: string): number | undefined {
  return liveLockHolder(path.join(dir, SESSION_LOCK)) ?? liveLockHolder(path.join(dir, 'airlock', 'lock'));
}

/** Whether a removal of this session folder began and did not finish. */
export function removalUnfinished(dir: string): boolean {
  return fs.lstatSync(path.join(dir, REMOVING_MARK), { throwIfNoEntry: false }) !== undefined;
}

export interface TeardownOptions {
  /** Also drop the workspace's kept base copy (`remove`, or a workspace that is gone). Otherwise it is kept for the next start. */
  readonly dropKeptBase?: boolean;
  /** Keeps the base copy for the workspace's next session (reset): moved aside before the folder goes. */
  readonly keepBase?: (dir: string) => Promise<unknown>;
}

/**
 * Removes everything of the session in `dir`, and returns a line per thing removed. The
 * caller holds the session lock; the lock file itself is left for it to release. Any piece
 * already gone is skipped, so this finishes a removal that was cut short.
 */
export async function tearDownSession(docker: Docker, dir: string, options: TeardownOptions = {}): Promise<string[]> {
  const removed: string[] = [];
  const state = readState(dir);
  if (fs.existsSync(dir)) fs.writeFileSync(path.join(dir, REMOVING_MARK), `${process.pid}\n`, { mode: 0o600 });
  // The containers first: once they are gone nothing writes the copy any more.
  const objects = await engineObjectsOf(docker, dir, state);
  for (const c of objects.containers) {
    try {
      await docker.getContainer(c.id).remove({ force: true, v: true });
      removed.push(`container ${c.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  for (const v of objects.volumes) {
    try {
      await docker.getVolume(v).remove({ force: true });
      removed.push(`volume ${v}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const capped = path.join(dir, 'capped');
  const hadCappedFs = isMountPoint(capped) || fs.existsSync(path.join(dir, 'capped.img'));
  await unmountCappedFs(dir);
  if (hadCappedFs) removed.push(`capped file system ${capped}`);
  if (fs.existsSync(dir)) {
    if (options.keepBase) await options.keepBase(dir).catch(() => undefined);
    await removeSessionFolder(dir);
    removed.push(`state folder ${dir}`);
  }
  if (options.dropKeptBase) {
    const kept = baseCacheDirFor(dir);
    if (fs.existsSync(kept)) {
      await removeTree(kept);
      removed.push(`kept copy ${kept}`);
    }
  }
  return removed;
}

/**
 * Empties the session folder (the lock aside; the removal mark last, so that a removal cut
 * short is still seen as one), without following any symlink the sandbox left in its copy.
 */
async function removeSessionFolder(dir: string): Promise<void> {
  const folder = await Dir.openRoot(dir);
  try {
    const names = await folder.list();
    // The manifest first: without it a base copy left half removed is never kept for reuse.
    await removeEntry(folder, Buffer.from(BASE_MANIFEST));
    const last = [STATE_FILE, REMOVING_MARK];
    const first = names.filter((n) => {
      const s = n.toString('utf8');
      return s !== SESSION_LOCK && s !== BASE_MANIFEST && !last.includes(s);
    });
    for (const name of first) await removeEntry(folder, name, 0, { ownerAccess: true });
    for (const name of last) await removeEntry(folder, Buffer.from(name));
  } finally {
    await folder.close();
  }
}

/** Removes a whole folder the host made but the sandbox may have written into, never following a symlink. */
export async function removeTree(target: string): Promise<void> {
  const parent = await Dir.openRoot(path.dirname(target));
  try {
    await removeEntry(parent, Buffer.from(path.basename(target)), 0, { ownerAccess: true });
  } finally {
    await parent.close();
  }
}

/** Removes the session folder itself once it is empty (its lock released); anything newer in it stays. */
export function removeEmptySessionFolder(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
}
