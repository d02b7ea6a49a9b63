/**
 * Prepares a workspace's base copy before any session exists: makes the kept copy (see
 * baseCache.ts) or refreshes it where it lies, exactly as a start would make it (same
 * exclusions, owner and reuse key, from baseCopySpec). The next start then takes it and
 * refreshes only what changed since, so it costs little more than the container.
 *
 * Prepares and starts of a workspace never write the kept copy at once: a prepare holds the
 * session lock (and a mark that says so) while it copies. A start that finds a prepare at
 * work waits for it instead of giving up after the usual lock timeout: the prepare does the
 * very copying the start would do, and an interrupted refresh would only have to be redone.
 * A prepare that finds the lock taken (a start, stop or removal under way) does nothing this
 * time; one that finds a session does nothing at all, since the session holds its own copy.
 */
import * as fs from 'node:fs';
import { SandboxError } from '../errors';
import type { Policy } from '../policy';
import { resolveUser, resolveWorkspace, sessionDirFor } from '../session/workspace';
import { readState, withSessionLock } from '../session/state';
import { removalUnfinished, removeEmptySessionFolder } from '../session/teardown';
import { baseCacheDirFor, beginRefreshInPlace, finishRefreshInPlace } from './baseCache';
import { changedPathsFor, type BaseChanges, type RefreshKind } from './baseChanges';
import { baseCopySpec } from './baseCopySpec';
import { copyTree } from './copy';
import { removePreparingMark, writePreparingMark } from './prepareMark';

export interface PrepareOptions {
  readonly workspaceRoot: string;
  readonly policy: Policy;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Called now and then with the number of entries looked at so far. */
  readonly onProgress?: (entries: number) => void;
  /** What a file watcher saw change since the kept copy was made (see baseChanges.ts). */
  readonly changes?: BaseChanges;
}

export type PrepareResult =
  | {
      readonly outcome: 'prepared';
      readonly cacheDir: string;
      readonly refresh: RefreshKind;
      /** The paths the refresh was limited to (refresh `changed`). */
      readonly changedPaths?: number;
      readonly entries: number;
      readonly copied: number;
      readonly ms: number;
    }
  | { readonly outcome: 'skipped' | 'busy'; readonly reason: string };

export async function prepareBase(options: PrepareOptions): Promise<PrepareResult> {
  const env = options.env ?? process.env;
  const workspaceRoot = resolveWorkspace(options.workspaceRoot);
  const dir = sessionDirFor(workspaceRoot, env);
  const spec = baseCopySpec(options.policy, resolveUser(options.policy).owner);
  let result: PrepareResult;
  try {
    // No waiting: the lock's holder is starting, stopping or removing the session, after
    // which there is either a session (nothing to prepare) or a copy to refresh next time.
    result = await withSessionLock(
      dir,
      async (): Promise<PrepareResult> => {
        if (readState(dir)) return { outcome: 'skipped', reason: 'the workspace has a sandbox session, which holds its own copy' };
        if (removalUnfinished(dir))
          return { outcome: 'skipped', reason: 'a removal of the sandbox was cut short; the next start or `agent-sandbox gc` finishes it' };
        writePreparingMark(dir);
        try {
          return await refreshKeptCopy(dir, workspaceRoot, spec, options);
        } finally {
          removePreparingMark(dir);
        }
      },
      0,
    );
  } catch (err) {
    if (err instanceof SandboxError) throw err;
    if (/holds the session lock/.test((err as Error).message)) return { outcome: 'busy', reason: (err as Error).message };
    throw err;
  }
  removeEmptySessionFolder(dir);
  return result;
}

async function refreshKeptCopy(
  dir: string,
  workspaceRoot: string,
  spec: ReturnType<typeof baseCopySpec>,
  options: PrepareOptions,
): Promise<PrepareResult> {
  const started = Date.now();
  const cacheDir = baseCacheDirFor(dir);
  const { base, kept } = await beginRefreshInPlace(cacheDir, spec.reuseKey);
  const changedPaths = changedPathsFor(kept, options.changes);
  let report;
  try {
    report = await copyTree(workspaceRoot, base, {
      isExcluded: spec.isExcluded,
      ...(spec.owner ? { owner: spec.owner } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(kept ? { previous: kept.manifest } : {}),
      ...(changedPaths ? { changedPaths } : {}),
    });
  } catch (err) {
    // The copy keeps its mark: the next refresh looks at every entry of it.
    if ((err as Error).name === 'AbortError')
      throw new SandboxError('CANCELLED', 'Preparing the workspace copy was cancelled; the next start or prepare finishes it.');
    throw new SandboxError(
      'SNAPSHOT_FAILED',
      `Could not prepare the workspace copy: ${(err as Error).message}`,
      'Check that the workspace is readable and the disk has room.',
      { cause: err },
    );
  }
  await finishRefreshInPlace(cacheDir, spec.reuseKey, report.manifest);
  // Its modification time tells the collection of unused copies that it is in use.
  const now = new Date();
  await fs.promises.utimes(cacheDir, now, now).catch(() => undefined);
  return {
    outcome: 'prepared',
    cacheDir,
    refresh: !kept ? 'fresh' : changedPaths ? 'changed' : 'full',
    ...(changedPaths ? { changedPaths: changedPaths.length } : {}),
    entries: report.files + report.directories + report.symlinks,
    copied: report.copied,
    ms: Date.now() - started,
  };
}

const TRAILING_ZERO = /\.0$/;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1).replace(TRAILING_ZERO, '')} s`;
}

/** One line per outcome, the same for a single prepare and for each refresh of --watch. */
export function describePrepare(result: PrepareResult): string {
  if (result.outcome !== 'prepared') return `Nothing prepared: ${result.reason}.`;
  const how =
    result.refresh === 'fresh'
      ? 'made anew'
      : result.refresh === 'changed'
        ? `refreshed at ${result.changedPaths ?? 0} changed paths`
        : 'refreshed, every entry looked at';
  return `Workspace copy ${how}: ${result.entries} entries, ${result.copied} copied, in ${seconds(result.ms)}.`;
}
