/**
 * Which sessions are stale, from what was seen of them: the rules of garbage collection in
 * one pure function, so that they can be read (and tested) apart from the engine and disk.
 *
 * A session in use by a live process is never collected, whatever else is true of it. A
 * session whose container merely went away keeps its copy: its pending changes are still
 * there for review, and the next start gives it a new container.
 */

export interface SessionFacts {
  /** The folder has a readable session record. */
  readonly hasState: boolean;
  readonly status?: 'starting' | 'ready' | 'stopped';
  /** A removal began and did not finish (its mark is in the folder). */
  readonly removalUnfinished: boolean;
  /** A live process holds the session's lock (start, stop, remove) or its airlock's (apply, discard, undo). */
  readonly lockHolder?: number;
  /** The process that started or last took over the session is alive. */
  readonly ownerAlive: boolean;
  /** One of the session's containers is running. */
  readonly containerRunning: boolean;
  /** A command or shell is executing in a running container of the session right now. */
  readonly execRunning: boolean;
  /** A process answers on the session's network proxy socket. */
  readonly proxyServed: boolean;
  /** The folder of the workspace is gone, while the folder above it is still there. */
  readonly workspaceGone: boolean;
  /** The base copy and the sandbox side (or the image of its capped file system) are there. */
  readonly copyPresent: boolean;
}

export type Verdict =
  | { readonly collect: true; readonly reason: string }
  /** `stale` says why it would be collected, `inUse` why it is not, `kept` why it waits for the person. */
  | { readonly collect: false; readonly stale?: string; readonly inUse?: string; readonly kept?: string };

export interface JudgeOptions {
  /**
   * Also collect sessions whose workspace folder is gone. Off unless a person asks: a folder
   * that was renamed or moved leaves such a session too, and its changes were never reviewed.
   */
  readonly orphans?: boolean;
}

/** Why a session whose workspace folder is gone is kept until a person says otherwise. */
export const ORPHAN_KEPT =
  'kept: its pending changes were never reviewed, and the folder may only have been moved or renamed (move it back to review them, or run `agent-sandbox gc --orphans` to remove such sessions)';

/** Why the session is left over, or undefined when it is a session like any other. */
export function staleReason(f: SessionFacts): string | undefined {
  if (f.removalUnfinished) return 'a removal of it was cut short';
  if (!f.hasState) return 'it has no session record';
  if (f.status === 'starting') return f.ownerAlive ? undefined : 'the process that was starting it died';
  if (f.workspaceGone) return 'its workspace folder no longer exists';
  if (!f.copyPresent) return 'its copy of the workspace is gone, so nothing is left to review';
  return undefined;
}

/** Why a live process is using the session, or undefined when none is. */
export function inUseReason(f: SessionFacts): string | undefined {
  if (f.lockHolder !== undefined) return `process ${f.lockHolder} holds its lock`;
  if (f.execRunning) return 'a command is running in it';
  if (f.proxyServed) return 'a process serves its network';
  if (f.containerRunning && f.ownerAlive) return 'its container runs for a live process';
  return undefined;
}

export function judgeSession(f: SessionFacts, options: JudgeOptions = {}): Verdict {
  const stale = staleReason(f);
  if (!stale) return { collect: false };
  const inUse = inUseReason(f);
  if (inUse) return { collect: false, stale, inUse };
  if (f.workspaceGone && !f.removalUnfinished && f.hasState && f.status !== 'starting' && f.copyPresent && !options.orphans)
    return { collect: false, stale, kept: ORPHAN_KEPT };
  return { collect: true, reason: stale };
}
