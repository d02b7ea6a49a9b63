/**
 * Collection of stale sessions: every session folder of this state root is looked at (its
 * record, its locks, its containers, its network socket, its workspace and its copy), judged
 * by the rules of staleSessions.ts, and a stale one that no live process uses is taken apart
 * whole. Runs at the start of any session and by `agent-sandbox gc`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { isNotFound } from '../engine/connection';
import { describeError } from '../errors';
import { PROXY_SOCKET_NAME } from '../network/container';
import { keepBaseForReuse } from '../snapshot/baseCache';
import { cappedMountPoint, isMountPoint } from '../snapshot/diskCap';
import { layoutOf } from '../snapshot/sessionSnapshot';
import { processAlive, readState, withSessionLock } from './state';
import {
  engineObjectsOf,
  liveLockHolder,
  removalUnfinished,
  removeEmptySessionFolder,
  sessionLockHolder,
  tearDownSession,
} from './teardown';
import { judgeSession, staleReason, type JudgeOptions, type SessionFacts, type Verdict } from './staleSessions';

export interface Collection {
  /** A line per session collected: its folder, why, and what was removed. */
  readonly collected: string[];
  /** Stale sessions left alone because a live process uses them. */
  readonly leftInUse: string[];
  /** Stale sessions whose removal failed, with the reason (the next collection tries again). */
  readonly failed: string[];
  /** Sessions of workspace folders that are gone, kept for the person to decide (see staleSessions.ts). */
  readonly kept: string[];
}

/** How long the network socket may take to answer before it counts as not served. */
const SOCKET_PROBE_MS = 1000;

/**
 * Looks at one session folder. `holdingLock`: the caller holds its session lock. Without
 * `docker` the engine is not asked (its containers count as stopped): enough to tell
 * whether the session is stale at all, which needs only what is on disk.
 */
export async function sessionFacts(docker: Docker | undefined, dir: string, holdingLock = false): Promise<SessionFacts> {
  const state = readState(dir);
  const running = docker ? (await engineObjectsOf(docker, dir, state)).containers.filter((c) => c.running) : [];
  let execRunning = false;
  for (const c of running) {
    if (await hasRunningExec(docker!, c.id)) execRunning = true;
  }
  const lockHolder = holdingLock ? liveLockHolder(path.join(dir, 'airlock', 'lock')) : sessionLockHolder(dir);
  return {
    hasState: state !== undefined,
    ...(state ? { status: state.status } : {}),
    removalUnfinished: removalUnfinished(dir),
    ...(lockHolder !== undefined ? { lockHolder } : {}),
    ownerAlive: state ? processAlive(state.ownerPid) : false,
    containerRunning: running.length > 0,
    execRunning,
    proxyServed: await socketAnswers(path.join(dir, 'net', PROXY_SOCKET_NAME)),
    workspaceGone: state ? workspaceGone(state.workspaceRoot) : false,
    copyPresent: state ? copyPresent(dir, state.diskCap === 'hard') : false,
  };
}

/**
 * The workspace folder is gone while the folder above it is there: it was deleted, rather
 * than on a disk that is not mounted right now (whose sessions keep their pending changes).
 */
function workspaceGone(root: string): boolean {
  const exists = (p: string) => fs.statSync(p, { throwIfNoEntry: false }) !== undefined;
  return !exists(root) && exists(path.dirname(root));
}

function copyPresent(dir: string, hardCap: boolean): boolean {
  const layout = layoutOf(dir);
  const there = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!there(layout.base)) return false;
  if (hardCap) return isMountPoint(cappedMountPoint(dir)) || fs.existsSync(path.join(dir, 'capped.img'));
  return there(layout.sandbox);
}

/** Whether any exec (a command, a shell, a helper) is running in the container now. */
async function hasRunningExec(docker: Docker, containerId: string): Promise<boolean> {
  let ids: string[];
  try {
    ids = (await docker.getContainer(containerId).inspect()).ExecIDs ?? [];
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  for (const id of ids) {
    try {
      if ((await docker.getExec(id).inspect()).Running) return true;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return false;
}

function socketAnswers(socketPath: string): Promise<boolean> {
  if (fs.lstatSync(socketPath, { throwIfNoEntry: false })?.isSocket() !== true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), SOCKET_PROBE_MS);
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/** Collects the stale sessions under `sessionsRoot` that no live process uses. */
export async function collectStaleSessions(docker: Docker, sessionsRoot: string, options: JudgeOptions = {}): Promise<Collection> {
  const collected: string[] = [];
  const leftInUse: string[] = [];
  const failed: string[] = [];
  const kept: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(sessionsRoot);
  } catch {
    return { collected, leftInUse, failed, kept };
  }
  for (const name of names) {
    const dir = path.join(sessionsRoot, name);
    if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) continue;
    // Most sessions are not stale, which the disk alone tells: the engine is asked only about the rest.
    if (!staleReason(await sessionFacts(undefined, dir))) continue;
    let verdict: Verdict;
    try {
      verdict = judgeSession(await sessionFacts(docker, dir), options);
    } catch (err) {
      // One session the engine cannot tell about keeps neither the others nor a start from going ahead.
      failed.push(`${dir}: ${describeError(err).replace(/\n/g, ' ')}`);
      continue;
    }
    if (!verdict.collect) {
      if (verdict.kept) kept.push(`${dir} (${verdict.stale}; ${verdict.kept})`);
      else if (verdict.stale) leftInUse.push(`${dir} (${verdict.stale}; left alone: ${verdict.inUse})`);
      continue;
    }
    let line: string | undefined;
    let locked = false;
    try {
      // Judged again under the session's lock (without waiting for it): a start or a remove
      // may have begun in between.
      line = await withSessionLock(
        dir,
        async () => {
          locked = true;
          const facts = await sessionFacts(docker, dir, true);
          const again = judgeSession(facts, options);
          if (!again.collect) return undefined;
          // A kept base copy is of no use once the workspace is gone, and one from a removal
          // cut short may be incomplete.
          const dropBase = facts.workspaceGone || facts.removalUnfinished;
          const removed = await tearDownSession(docker, dir, {
            dropKeptBase: dropBase,
            ...(dropBase ? {} : { keepBase: (d: string) => keepBaseForReuse(layoutOf(d)) }),
          });
          return `copy ${dir} (${again.reason}): removed ${removed.join(', ') || 'an empty folder'}`;
        },
        0,
      );
    } catch (err) {
      if (locked) failed.push(`${dir} (${verdict.reason}): ${describeError(err)}`);
      else leftInUse.push(`${dir} (${verdict.reason}; left alone: ${(err as Error).message})`);
      continue;
    }
    removeEmptySessionFolder(dir);
    if (line) collected.push(line);
  }
  return { collected, leftInUse, failed, kept };
}
