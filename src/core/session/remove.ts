/**
 * `remove`: takes a workspace's session apart completely (containers, volumes, the capped
 * file system, the copy, the review state, the network files and the kept base copy),
 * leaving the real workspace as it is. Pending changes that were never applied are lost
 * with it, so without `force` a session that has any is refused, with their number.
 *
 * Removing twice, or a session half removed (container gone and record left, or the
 * reverse), ends clean: every piece that is already gone is skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { withFileLock } from '../airlock/lock';
import { connectEngine, type EngineInfo } from '../engine/connection';
import { describeError, SandboxError } from '../errors';
import { stateRoot } from '../paths';
import type { Policy } from '../policy';
import { baseCacheDirFor } from '../snapshot/baseCache';
import { cappedMountPoint, ensureCappedFsMounted, isMountPoint } from '../snapshot/diskCap';
import { layoutOf, SessionSnapshot } from '../snapshot/sessionSnapshot';
import { sessionAt } from './lifecycle';
import { airlockOver } from './session';
import { readState, withSessionLock, type SessionState } from './state';
import { engineObjectsOf, removeEmptySessionFolder, tearDownSession } from './teardown';
import { airlockDirOf, resolveWorkspace, sessionDirFor } from './workspace';

/** How many pending changes a session holds; `atLeast` when part of them could not be seen. */
export interface PendingCount {
  readonly count: number;
  readonly atLeast: boolean;
  /** Why they could not be counted at all. */
  readonly unreadable?: string;
}

export interface RemoveOptions {
  /** The workspace folder; one that was deleted is found by the path its session recorded. */
  readonly workspaceRoot: string;
  readonly policy: Policy;
  /** Remove even when pending changes would be lost. */
  readonly force: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RemoveResult {
  /** False when there was nothing of a session to remove. */
  readonly removed: boolean;
  readonly workspaceRoot: string;
  readonly sessionId?: string;
  /** Pending changes thrown away (forced), as counted before the removal. */
  readonly lost: PendingCount;
  /** A line per thing removed. */
  readonly items: readonly string[];
}

/** "3 pending changes", "at least 3 pending changes", "pending changes that could not be counted (...)" */
export function describePending(p: PendingCount): string {
  if (p.unreadable !== undefined) return `pending changes that could not be counted (${p.unreadable})`;
  if (p.atLeast && p.count === 0)
    return 'pending changes that cannot be counted while the sandbox is stopped (folders emptied and made again)';
  return `${p.atLeast ? 'at least ' : ''}${p.count} pending change${p.count === 1 ? '' : 's'}`;
}

/** Whether removing would lose anything a person has not applied. */
export function losesChanges(p: PendingCount): boolean {
  return p.count > 0 || p.atLeast || p.unreadable !== undefined;
}

/** The workspace's real path and session folder; a deleted workspace's by the path it had. */
export function locateSession(workspace: string, env: NodeJS.ProcessEnv = process.env): { root: string; dir: string } {
  try {
    const root = resolveWorkspace(workspace);
    return { root, dir: sessionDirFor(root, env) };
  } catch (err) {
    if (!(err instanceof SandboxError && err.code === 'WORKSPACE_INVALID')) throw err;
    const root = path.resolve(workspace);
    if (fs.existsSync(root)) throw err;
    // The folder is gone: its session is the one whose record names this path.
    const sessions = path.join(stateRoot(env), 'sessions');
    for (const name of fs.existsSync(sessions) ? fs.readdirSync(sessions) : []) {
      const dir = path.join(sessions, name);
      if (readState(dir)?.workspaceRoot === root) return { root, dir };
    }
    return { root, dir: sessionDirFor(root, env) };
  }
}

/** Counts the pending changes of the session in `dir`, without changing anything in it. */
export async function countPendingChanges(
  docker: Docker,
  info: EngineInfo,
  dir: string,
  state: SessionState,
  policy: Policy,
): Promise<PendingCount> {
  const layout = layoutOf(dir);
  // No copy, nothing to lose: a session already half removed.
  if (!fs.existsSync(layout.base)) return { count: 0, atLeast: false };
  try {
    if (state.diskCap === 'hard' && !isMountPoint(cappedMountPoint(dir))) {
      if (!fs.existsSync(path.join(dir, 'capped.img'))) return { count: 0, atLeast: false };
      await ensureCappedFsMounted(dir);
    }
    if (!fs.existsSync(layout.sandbox)) return { count: 0, atLeast: false };
    const running = state.containerId
      ? (await engineObjectsOf(docker, dir, state)).containers.some((c) => c.id === state.containerId && c.running)
      : false;
    let partial = false;
    const view = running
      ? sessionAt(docker, info, dir, state, policy).snapshot
      : // Stopped: the merged view that tells which folders were emptied and made again
        // cannot be asked, so deletions inside such folders are not counted.
        new SessionSnapshot(state.workspaceRoot, layout, state.strategy, () => ({
          listMerged: async () => {
            partial = true;
            return new Map();
          },
          revert: () => Promise.reject(new Error('not used while counting')),
          // A stopped remote container changed nothing since its mirror's last refresh.
          mirror: () => {
            throw new SandboxError('SESSION_NOT_RUNNING', 'The sandbox is stopped.');
          },
        }));
    const changes = await airlockOver(view, policy, dir).changes();
    return { count: changes.entries.length, atLeast: partial };
  } catch (err) {
    return { count: 0, atLeast: false, unreadable: describeError(err).replace(/\n/g, ' ') };
  }
}

/** Removes the workspace's session; see the file comment. */
export async function removeWorkspaceSession(options: RemoveOptions): Promise<RemoveResult> {
  const env = options.env ?? process.env;
  const { root, dir } = locateSession(options.workspaceRoot, env);
  // Without the engine the containers cannot be removed: nothing is removed, rather than half.
  const { docker, info } = await connectEngine();
  const kept = baseCacheDirFor(dir);
  const none: PendingCount = { count: 0, atLeast: false };
  if (!fs.existsSync(dir) && !fs.existsSync(kept)) {
    const objects = await engineObjectsOf(docker, dir);
    if (!objects.containers.length && !objects.volumes.length) return { removed: false, workspaceRoot: root, lost: none, items: [] };
  }
  const result = await withSessionLock(
    dir,
    async () => {
      const state = readState(dir);
      const lost = state ? await countPendingChanges(docker, info, dir, state, options.policy) : none;
      if (!options.force && losesChanges(lost)) {
        const them = lost.count === 1 && !lost.atLeast ? 'it' : 'them';
        throw new SandboxError(
          'CHANGES_PENDING',
          `The sandbox of ${root} holds ${describePending(lost)} not yet applied to your workspace; removing the sandbox would throw ${them} away. Nothing was removed.`,
          'Review and apply or discard them first ("agent-sandbox changes", "agent-sandbox apply"), or remove anyway with `agent-sandbox remove --force`.',
        );
      }
      // No apply, discard or undo may be running on the copy while it goes.
      const airlockDir = airlockDirOf(dir);
      const work = () => tearDownSession(docker, dir, { dropKeptBase: true });
      const items = fs.existsSync(airlockDir) ? await withFileLock(path.join(airlockDir, 'lock'), work) : await work();
      return { lost, items, sessionId: state?.id };
    },
    30_000,
  ).catch((err: unknown) => {
    if (err instanceof SandboxError) throw err;
    const message = (err as Error).message;
    if (/holds the session lock/.test(message)) {
      throw new SandboxError(
        'SESSION_BUSY',
        `The sandbox of ${root} is being started, stopped or removed by another process (${message}); nothing was removed.`,
        'Wait for it to finish, then run remove again.',
        { cause: err },
      );
    }
    throw new SandboxError(
      'INTERNAL',
      `Removing the sandbox of ${root} stopped part way: ${message}`,
      'Run remove again: what was removed stays removed, and it finishes the rest.',
      { cause: err },
    );
  });
  removeEmptySessionFolder(dir);
  return {
    removed: result.items.length > 0,
    workspaceRoot: root,
    ...(result.sessionId ? { sessionId: result.sessionId } : {}),
    lost: result.lost,
    items: result.items,
  };
}

/** The pending changes of a workspace's session, for asking a person before `remove`; undefined without a session. */
export async function countWorkspacePendingChanges(
  workspace: string,
  policy: Policy,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PendingCount | undefined> {
  const { dir } = locateSession(workspace, env);
  const state = readState(dir);
  if (!state) return undefined;
  const { docker, info } = await connectEngine();
  return countPendingChanges(docker, info, dir, state, policy);
}
