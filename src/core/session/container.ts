/**
 * Making and removing a session's container: the hardened create options, the check that the
 * engine applied them, the overlay volume, and the copy made while the container is created.
 */
import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { ensureToolsVolume, toolsVolumeName } from '../agentTools/volume';
import { isNotFound } from '../engine/connection';
import { proveHardeningInside, type EngineDialect } from '../engine/dialect';
import {
  hardenedCreateOptions,
  sandboxVolumeLabels,
  verifyHardening,
  type ContainerCreateOptions,
  type WorkspaceMount,
} from '../engine/hardening';
import type { EnsuredImage } from '../engine/image';
import { SandboxError } from '../errors';
import type { Policy } from '../policy';
import { keepBaseForReuse } from '../snapshot/baseCache';
import type { CopyReport } from '../snapshot/copy';
import { layoutOf, prepareSnapshotFolders } from '../snapshot/sessionSnapshot';
import type { SessionOptions } from './options';
import { writeState, type SessionState } from './state';
import { originOfSessionDir } from './workspace';
import { removeTree, tearDownSession } from './teardown';

/** Everything making a session's container depends on, passed as one. */
export interface ContainerContext {
  readonly docker: Docker;
  /** The session folder. */
  readonly dir: string;
  /** The session's record; its container, volume, image and status are written as they are made. */
  readonly state: SessionState;
  readonly policy: Policy;
  readonly image: EnsuredImage;
  readonly options: SessionOptions;
  readonly env: NodeJS.ProcessEnv;
  /** The policy digest the record gets once the container exists (see policyDigest). */
  readonly digest: string;
  /** How a Podman engine is asked for the hardening and how it is proven; absent for Docker. */
  readonly dialect?: EngineDialect;
  /** The runtime is gVisor's runsc, which takes the process limit differently (processLimits). */
  readonly gvisor?: boolean;
}

export function createOptionsFor(ctx: Omit<ContainerContext, 'docker' | 'digest'>): ContainerCreateOptions {
  const { state, dir, options, env } = ctx;
  const layout = layoutOf(dir);
  const workspace: WorkspaceMount =
    state.strategy === 'copy'
      ? { kind: 'bind', hostPath: layout.sandbox }
      : { kind: 'volume', name: state.volumeName ?? volumeNameFor(state.id) };
  // A remote engine mounts nothing of this machine: its workspace is a volume the base is
  // shipped into, and the overlay strategy's read-only view of the base does not exist there.
  const remote = state.strategy === 'remote';
  return hardenedCreateOptions({
    sessionId: state.id,
    workspaceRoot: state.workspaceRoot,
    stateDir: layout.root,
    image: ctx.image.name,
    user: state.user,
    policy: ctx.policy,
    workspace,
    ...(remote ? {} : { baseDir: layout.base }),
    // Agent CLIs installed with `agent-sandbox tools install`; read-only here, so nothing a
    // session runs can change what later sessions start.
    tools: { volume: toolsVolumeName(state.user, env), writable: false },
    ...(options.extraMounts ? { extraMounts: options.extraMounts } : {}),
    ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    hostEnv: env,
    ...(remote ? { origin: originOfSessionDir(layout.root) } : {}),
    ...(ctx.dialect ? { dialect: ctx.dialect } : {}),
    ...(ctx.gvisor ? { gvisor: true } : {}),
  });
}

function volumeNameFor(sessionId: string): string {
  return `agent-sandbox-${sessionId}`;
}

export function assertHardened(
  inspected: Docker.ContainerInspectInfo,
  expected: ContainerCreateOptions,
  image: EnsuredImage,
  dialect?: EngineDialect,
): void {
  const problems = verifyHardening(inspected, expected, image.env, dialect);
  if (problems.length) {
    throw new SandboxError(
      'HARDENING_NOT_APPLIED',
      `The engine did not apply the sandbox's hardening: ${problems.join('; ')}. The sandbox was not started.`,
      'Use a Docker engine that supports these settings (Docker 20.10 or later on Linux), or report this with `docker info`.',
    );
  }
}

/** An engine's failure to make or start the container (not the copy's), with its cause. */
export class ContainerSideFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Copies the workspace and, meanwhile, creates the container and checks its hardening: the
 * copy's folders exist from the start (see prepareSnapshotFolders), and the container is
 * started only once the copy is finished (startCreated). If either half fails, the other is
 * stopped (the copy is cancelled) or waited for, and the error is thrown; the caller removes
 * what was made. A copy cut short keeps no manifest, so no half copy is ever kept for reuse.
 */
export async function createWhileCopying<Report extends CopyReport>(
  ctx: ContainerContext,
  copy: (signal: AbortSignal, mountPointsNamed: Promise<unknown>) => Promise<Report>,
): Promise<Report> {
  const { signal } = ctx.options;
  await prepareSnapshotFolders(layoutOf(ctx.dir));
  const cancelCopy = new AbortController();
  const cancelledByCaller = () => cancelCopy.abort(signal?.reason);
  if (signal?.aborted) cancelledByCaller();
  signal?.addEventListener('abort', cancelledByCaller, { once: true });
  try {
    const creating = createHardenedContainer(ctx);
    creating.catch(() => cancelCopy.abort(new Error('the container could not be made')));
    const copying = copy(cancelCopy.signal, creating);
    const [created, copied] = await Promise.allSettled([creating, copying]);
    if (created.status === 'rejected') throw new ContainerSideFailure(created.reason);
    if (copied.status === 'rejected') {
      const err = copied.reason as Error;
      if (err.name === 'AbortError' || signal?.aborted) throw new SandboxError('CANCELLED', 'Starting the sandbox was cancelled.');
      if (err instanceof SandboxError) throw err;
      throw new SandboxError(
        'SNAPSHOT_FAILED',
        `Could not copy the workspace: ${err.message}`,
        'Check that the workspace is readable and the disk has room.',
        { cause: err },
      );
    }
    return copied.value;
  } finally {
    signal?.removeEventListener('abort', cancelledByCaller);
  }
}

/** Creates and starts a container for a session whose copy already exists. */
export async function createContainer(ctx: ContainerContext): Promise<void> {
  await createHardenedContainer(ctx);
  await startCreated(ctx);
}

/**
 * Creates a remote session's container on a volume of the engine's own, ships the base copy
 * into it through the archive endpoint before anything runs there, and starts it.
 */
export async function createRemoteContainer(ctx: ContainerContext, ship: (containerId: string) => Promise<void>): Promise<void> {
  await createHardenedContainer(ctx);
  await ship(ctx.state.containerId!);
  await startCreated(ctx);
}

/** Creates the session's container (and its volume) and checks its hardening; does not start it. */
async function createHardenedContainer(ctx: ContainerContext): Promise<void> {
  const { docker, state, dir, env } = ctx;
  const layout = layoutOf(dir);
  if (state.strategy === 'remote' && state.volumeName) {
    // A remote session's volume holds its files (an overlay's only names folders here): a
    // new container goes on the same volume, and a volume gone is a session lost.
    await docker
      .getVolume(state.volumeName)
      .inspect()
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
        throw new SandboxError(
          'SESSION_NOT_RUNNING',
          `The sandbox's volume ${state.volumeName} is gone from the remote engine, with the sandbox's files.`,
          'Reset the sandbox ("Agent Sandbox: Reset Sandbox" or `agent-sandbox reset`) to start again from the workspace.',
        );
      });
  } else if (state.strategy !== 'copy') {
    state.volumeName = volumeNameFor(state.id);
    try {
      await docker.getVolume(state.volumeName).remove({ force: true });
    } catch {
      // Not there: the usual case.
    }
    // The engine mounts the overlay when the container starts, not here. A remote engine's
    // volume is a plain one of its own.
    await docker.createVolume({
      Name: state.volumeName,
      Driver: 'local',
      ...(state.strategy === 'overlay'
        ? {
            DriverOpts: {
              type: 'overlay',
              device: 'overlay',
              o: `lowerdir=${layout.base},upperdir=${layout.sandbox},workdir=${layout.work},redirect_dir=off,metacopy=off,index=off`,
            },
          }
        : {}),
      Labels: sandboxVolumeLabels(state.id, dir, state.strategy === 'remote' ? originOfSessionDir(dir) : undefined),
    });
  }
  await ensureToolsVolume(docker, state.user, env);
  const expected = createOptionsFor(ctx);
  const container = await docker.createContainer(expected);
  state.containerId = container.id;
  state.image = ctx.image.name;
  state.policyDigest = ctx.digest;
  writeState(dir, state);
  try {
    assertHardened(await container.inspect(), expected, ctx.image, ctx.dialect);
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Starts the container createHardenedContainer made: the session is ready. On Podman, what
 * its inspect output cannot show is proven inside first (the container is killed if not).
 */
export async function startCreated(ctx: Pick<ContainerContext, 'docker' | 'dir' | 'state' | 'dialect'>): Promise<void> {
  try {
    await ctx.docker.getContainer(ctx.state.containerId!).start();
  } catch (err) {
    throw new ContainerSideFailure(err);
  }
  if (ctx.dialect) await proveHardeningInside(ctx.docker, ctx.state.containerId!, ctx.state.user);
  ctx.state.status = 'ready';
  writeState(ctx.dir, ctx.state);
}

/**
 * Removes the session in `dir`. Whole (the default): its container, volume, copy and record,
 * keeping the base copy for the workspace's next session. `keepDir`: only the container, the
 * volume and the copy's folders, for a start that tries again another way in the same folder.
 */
export async function removeSession(docker: Docker, dir: string, state: SessionState, opts: { keepDir?: boolean } = {}): Promise<void> {
  if (!opts.keepDir) {
    // The base copy outlives the session (it is no longer mounted): the workspace's next
    // session refreshes it instead of copying the whole workspace again.
    await tearDownSession(docker, dir, { keepBase: (d) => keepBaseForReuse(layoutOf(d)) });
    return;
  }
  if (state.containerId) {
    try {
      await docker.getContainer(state.containerId).remove({ force: true, v: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if (state.volumeName) {
    try {
      await docker.getVolume(state.volumeName).remove({ force: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const layout = layoutOf(dir);
  for (const p of [layout.base, layout.sandbox, layout.work]) {
    if (fs.existsSync(p)) await removeTree(p);
  }
}
