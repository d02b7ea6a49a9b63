/**
 * Garbage collection: what crashes and deleted workspaces left behind in the engine and the
 * state root. Runs at the start of every session and by `agent-sandbox gc`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { clientIsLocal } from '../engine/connection';
import { LABELS } from '../engine/hardening';
import { stateRoot } from '../paths';
import { collectStaleSessions, type Collection } from './collector';
import type { JudgeOptions } from './staleSessions';
import { processAlive, readState } from './state';
import { machineOrigin, madeHere } from './workspace';
import { sessionLockHolder } from './teardown';

const BASE_CACHE_MAX_IDLE_MS = 14 * 86_400_000;

/**
 * Removes what crashes and deleted workspaces left behind: a container or volume whose
 * session record is gone or names another, the stale sessions (see staleSessions.ts: a
 * session half made or half removed, one without a record, one whose workspace folder was
 * deleted, one whose copy is gone), and kept base copies unused for two weeks. A session
 * that a live process uses is left alone. Returns a line per thing collected.
 */
export async function collectGarbage(docker: Docker, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return (await collectGarbageReport(docker, env)).collected;
}

/** collectGarbage, with the stale sessions it left alone (in use) and those it could not remove. */
export async function collectGarbageReport(
  docker: Docker,
  env: NodeJS.ProcessEnv = process.env,
  options: JudgeOptions = {},
): Promise<Collection> {
  const collected: string[] = [];
  const sessionsRoot = path.join(stateRoot(env), 'sessions');
  const local = clientIsLocal(docker);
  const origin = machineOrigin(env);
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=1`] } });
  for (const c of containers) {
    const dir = c.Labels[LABELS.stateDir];
    // Sessions of another state root (another user or test run) are not ours to judge, nor
    // those another machine made on a remote engine it shares with this one.
    if (!dir || path.dirname(dir) !== sessionsRoot || !madeHere(c.Labels, local, origin)) continue;
    // A session being started, stopped or removed right now is not judged from half a picture.
    if (sessionLockHolder(dir) !== undefined) continue;
    const state = readState(dir);
    // A half-made session's container goes here; the rest of it with the stale sessions below.
    const orphan = !state || state.containerId !== c.Id || (state.status === 'starting' && !processAlive(state.ownerPid));
    if (orphan) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
      collected.push(`container ${c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)}`);
    }
  }
  const volumes = (await docker.listVolumes({ filters: { label: [`${LABELS.managed}=1`] } })).Volumes ?? [];
  for (const v of volumes) {
    const dir = v.Labels?.[LABELS.stateDir];
    if (!dir || path.dirname(dir) !== sessionsRoot || !madeHere(v.Labels, local, origin)) continue;
    if (sessionLockHolder(dir) !== undefined) continue;
    const state = readState(dir);
    if (!state || state.volumeName !== v.Name) {
      await docker
        .getVolume(v.Name)
        .remove({ force: true })
        .catch(() => undefined);
      collected.push(`volume ${v.Name}`);
    }
  }
  // Kept base copies speed up the next start of a workspace; one unused for a long time is
  // most likely of a workspace that is gone, and only costs disk.
  const cacheRoot = path.join(stateRoot(env), 'base-cache');
  if (fs.existsSync(cacheRoot)) {
    for (const name of fs.readdirSync(cacheRoot)) {
      const dir = path.join(cacheRoot, name);
      const st = fs.statSync(dir, { throwIfNoEntry: false });
      // Its modification time is when it was kept (it is made afresh each time).
      if (st && Date.now() - st.mtimeMs > BASE_CACHE_MAX_IDLE_MS) {
        await fs.promises.rm(dir, { recursive: true, force: true });
        collected.push(`kept copy ${dir} (unused for ${Math.round((Date.now() - st.mtimeMs) / 86_400_000)} days)`);
      }
    }
  }
  const sessions = await collectStaleSessions(docker, sessionsRoot, options);
  return { ...sessions, collected: [...collected, ...sessions.collected] };
}
