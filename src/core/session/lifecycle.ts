/**
 * A session's life: start (reuse, restart, recreate or create), attach, the snapshot of a
 * stopped session, and reset. The only maker of SandboxSession objects.
 *
 * Fail closed: every path that cannot establish the sandbox exactly as the policy says
 * throws a SandboxError; nothing ever runs on the host instead.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { Airlock } from '../airlock';
import { appendAudit } from '../audit';
import { connectEngine, isNotFound, type EngineInfo } from '../engine/connection';
import { killAndWait } from '../engine/exec';
import { engineDialect, proveHardeningInside, type EngineDialect } from '../engine/dialect';
import { ensureImage, type EnsuredImage } from '../engine/image';
import { SANDBOX_WORKDIR } from '../engine/hardening';
import { withResolvedRuntime } from '../engine/runtimes';
import { SandboxError } from '../errors';
import type { Policy } from '../policy';
import { toolsVolumeName } from '../agentTools/volume';
import { canHardCap, ensureCappedFsMounted } from '../snapshot/diskCap';
import type { BaseChanges } from '../snapshot/baseChanges';
import { baseCopySpec } from '../snapshot/baseCopySpec';
import { prepareRunning } from '../snapshot/prepareMark';
import { packFolder, shipBase } from '../snapshot/remoteSide';
import { createSnapshotFiles, layoutOf, SessionSnapshot, type Owner, type SnapshotStrategy } from '../snapshot/sessionSnapshot';
import {
  assertHardened,
  ContainerSideFailure,
  createContainer,
  createRemoteContainer,
  createOptionsFor,
  createWhileCopying,
  removeSession,
  startCreated,
  type ContainerContext,
} from './container';
import { collectGarbage } from './gc';
import type { SessionOptions, StartOutcome } from './options';
import { airlockOver, SandboxSession } from './session';
import { readState, withSessionLock, writeState, type SessionState } from './state';
import { removalUnfinished, tearDownSession } from './teardown';
import { auditFileOf, policyDigest, resolveUser, resolveWorkspace, sessionDirFor } from './workspace';

/** Everything a start under the session lock works from, passed as one. */
interface StartContext {
  readonly docker: Docker;
  readonly info: EngineInfo;
  readonly dir: string;
  readonly workspaceRoot: string;
  readonly policy: Policy;
  readonly image: EnsuredImage;
  readonly options: SessionOptions;
  readonly env: NodeJS.ProcessEnv;
  /** The sandbox user, and the owner its files need on the host (see resolveUser). */
  readonly user: string;
  readonly owner: Owner | undefined;
  /** What the container is made from; a container of another digest is made anew. */
  readonly digest: string;
  /** How a Podman engine is asked for the hardening; absent for Docker. */
  readonly dialect: EngineDialect | undefined;
  /** The resolved runtime is gVisor's runsc. */
  readonly gvisor: boolean;
}

type Started = { session: SandboxSession; outcome: StartOutcome };

/**
 * Starts the workspace's session, or reuses the running one. Collects what crashed
 * sessions left behind first. Throws a SandboxError when the sandbox cannot run.
 */
export async function startSession(options: SessionOptions): Promise<Started & { collected: string[] }> {
  const env = options.env ?? process.env;
  const workspaceRoot = resolveWorkspace(options.workspaceRoot);
  const { docker, info } = await connectEngine();
  assertFitsEngine(info, options);
  const dialect = engineDialect(info, env);
  // The policy's runtime choice becomes the registered runtime that can run this sandbox.
  const resolved = withResolvedRuntime(options.policy, info.runtimeEntries, info.defaultRuntime);
  options = { ...options, policy: resolved.policy };
  const gvisor = resolved.runtime.kind === 'gvisor';
  const collected = await collectGarbage(docker, env);
  const dir = sessionDirFor(workspaceRoot, env);
  // A missing image is found before any copy or record exists, so it leaves nothing behind.
  const image = await ensureImage(docker, options.policy, options.progress);
  if (prepareRunning(dir)) options.progress?.('Waiting for the workspace copy being prepared in the background');
  const { user, owner } = resolveUser(options.policy);
  const ctx: StartContext = {
    docker,
    info,
    dir,
    workspaceRoot,
    policy: options.policy,
    image,
    options,
    env,
    user,
    owner,
    digest: policyDigest(options.policy, image.name, digestExtra(options, user, env, gvisor)),
    dialect,
    gvisor,
  };
  // A prepare of the base holds the lock while it does the copying this start would do.
  const result = await withSessionLock(
    dir,
    async () => {
      const before = readState(dir)?.id;
      try {
        return await startLocked(ctx);
      } catch (err) {
        // A session this call began making is removed whole; an existing one keeps its copy.
        const half = readState(dir);
        if (half && half.id !== before && half.status === 'starting' && half.ownerPid === process.pid) {
          await removeSession(docker, dir, half).catch(() => undefined);
        }
        throw err;
      }
    },
    undefined,
    { waitWhile: () => prepareRunning(dir) },
  );
  return { ...result, collected };
}

/** Attaches to the workspace's running session; fails closed when there is none. */
export async function attachSession(options: Omit<SessionOptions, 'progress'>): Promise<SandboxSession> {
  const env = options.env ?? process.env;
  const workspaceRoot = resolveWorkspace(options.workspaceRoot);
  const dir = sessionDirFor(workspaceRoot, env);
  // The engine first: without one, that is the reason to give, whatever the record says.
  const { docker, info } = await connectEngine();
  const state = readState(dir);
  if (!state || !state.containerId) {
    throw new SandboxError(
      'SESSION_NOT_RUNNING',
      `No sandbox session for ${workspaceRoot}.`,
      'Start one with `agent-sandbox start` (or "Agent Sandbox: Start Sandbox").',
    );
  }
  const session = new SandboxSession({ docker, engine: info, dir, state, policy: options.policy });
  const probe = await session.probe();
  if (probe.container === 'unknown') throw probe.error;
  if (probe.container === 'removed') {
    throw new SandboxError(
      'SESSION_NOT_RUNNING',
      `The sandbox container of ${workspaceRoot} is gone.`,
      'Start the sandbox again; pending changes in its copy are kept.',
    );
  }
  if (probe.container !== 'running') {
    throw new SandboxError(
      'SESSION_NOT_RUNNING',
      `The sandbox of ${workspaceRoot} is stopped.`,
      'Start it with `agent-sandbox start` (or "Agent Sandbox: Start Sandbox").',
    );
  }
  if (state.status !== 'ready') {
    // Running, but its start never finished its checks (still under way, or failed).
    throw new SandboxError(
      'SESSION_NOT_RUNNING',
      `The sandbox of ${workspaceRoot} has not finished starting: its container runs, but its checks did not pass (yet).`,
      'Start it with `agent-sandbox start` (or "Agent Sandbox: Start Sandbox"); a start that is under way finishes first.',
    );
  }
  return session;
}

/** The snapshot of a session whose container may be stopped, for review and apply; undefined without a session. */
export interface StoppedSession {
  readonly dir: string;
  readonly state: SessionState;
  readonly snapshot: SessionSnapshot;
  /** A new airlock over this snapshot (its caller keeps one per session). */
  airlock(): Airlock;
}

/** Opens the snapshot of a session whose container may be stopped (for review and apply). */
export function openSnapshotOnly(workspaceRoot: string, policy: Policy, env: NodeJS.ProcessEnv = process.env): StoppedSession | undefined {
  const { dir, state } = SandboxSession.find(workspaceRoot, env);
  if (!state) return undefined;
  const owner = resolveUser(policy).owner;
  const snapshot = new SessionSnapshot(
    state.workspaceRoot,
    layoutOf(dir),
    state.strategy,
    () => {
      throw new SandboxError('SESSION_NOT_RUNNING', 'The sandbox is stopped; this needs it running.', 'Start the sandbox first.');
    },
    owner,
  );
  return { dir, state, snapshot, airlock: () => airlockOver(snapshot, policy, dir, state.id) };
}

/**
 * The session of `dir` as an object, for code that found its record itself and knows its
 * container runs (counting what a removal would lose).
 */
export function sessionAt(docker: Docker, engine: EngineInfo, dir: string, state: SessionState, policy: Policy): SandboxSession {
  return new SandboxSession({ docker, engine, dir, state, policy });
}

/**
 * Reset: throws away the workspace's session (the object given, or the one its record
 * names) with its container, its copy and its pending changes, so that the next start makes
 * a new copy of the workspace as it is now. The kept base copy stays, to speed that start
 * up. The caller then starts the sandbox with its network (startSandbox). Returns the id
 * of the session thrown away, if there was one.
 */
export async function resetSession(target: {
  workspaceRoot: string;
  policy: Policy;
  session?: SandboxSession;
  env?: NodeJS.ProcessEnv;
}): Promise<string | undefined> {
  let session = target.session;
  if (!session) {
    const found = SandboxSession.find(target.workspaceRoot, target.env);
    if (!found.state) return undefined;
    const { docker, info } = await connectEngine();
    session = sessionAt(docker, info, found.dir, found.state, target.policy);
  }
  await session.destroy();
  return session.id;
}

async function startLocked(ctx: StartContext): Promise<Started> {
  const { docker, dir } = ctx;
  // A removal cut short is finished first: what is left of that copy is no session to resume.
  if (removalUnfinished(dir)) await tearDownSession(docker, dir, { dropKeptBase: true });
  const existing = readState(dir);
  if (existing && existing.status !== 'starting' && existing.containerId) return resume(ctx, existing);
  if (existing) await removeSession(docker, dir, existing);
  return createSession(ctx);
}

/** Goes on with an existing session: its container as it is, restarted, or made anew on the same copy. */
async function resume(ctx: StartContext, existing: SessionState): Promise<Started> {
  const { docker, info, dir, policy, image, options, env, user, digest, dialect, gvisor } = ctx;
  const { progress } = options;
  const built = (outcome: StartOutcome): Started => ({
    session: new SandboxSession({ docker, engine: info, dir, state: existing, policy }),
    outcome,
  });
  // The pending changes live on the capped file system: without it mounted, the container
  // would see an empty copy and write past the cap.
  if (existing.diskCap === 'hard') await ensureCappedFsMounted(dir);
  const container = docker.getContainer(existing.containerId!);
  let inspected: Docker.ContainerInspectInfo | undefined;
  try {
    inspected = await container.inspect();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (inspected && existing.policyDigest === digest && existing.user === user) {
    existing.ownerPid = process.pid;
    // Only a container this record calls ready passed its checks. One running without that
    // (a start whose check inside failed and whose kill failed too, or one started by hand
    // after a stop) is stopped and goes through the checks again.
    if (inspected.State.Running && existing.status === 'ready') {
      writeState(dir, existing);
      return built('reused');
    }
    if (!inspected.State.Running || (await killAndWait(container, 15_000))) {
      progress?.('Restarting the sandbox container');
      const expected = createOptionsFor({ dir, state: existing, policy, image, options, env, dialect, gvisor });
      assertHardened(await container.inspect(), expected, image, dialect);
      // Not ready until proven: a check that fails leaves a record no start or attach trusts.
      existing.status = 'stopped';
      writeState(dir, existing);
      await container.start();
      if (dialect) await proveHardeningInside(docker, existing.containerId!, existing.user);
      existing.status = 'ready';
      writeState(dir, existing);
      appendAudit(auditFileOf(dir), { session: existing.id, event: 'start', detail: 'restarted' });
      return built('restarted');
    }
    // A container that does not stop is removed below and made anew on the same copy.
  }
  // The policy changed, the container is gone or would not stop: new container, same copy.
  progress?.('Recreating the sandbox container');
  if (inspected) await container.remove({ force: true, v: false });
  existing.user = user;
  existing.status = 'starting';
  existing.ownerPid = process.pid;
  writeState(dir, existing);
  await createContainer(containerContext(ctx, existing));
  appendAudit(auditFileOf(dir), { session: existing.id, event: 'start', detail: 'recreated' });
  return built(inspected ? 'recreated' : 'restarted');
}

/** A new session: a new copy of the workspace (or the kept base refreshed), and a new container. */
async function createSession(ctx: StartContext): Promise<Started> {
  const { docker, info, dir, workspaceRoot, policy, options, user, owner } = ctx;
  const { progress } = options;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const strategy: SnapshotStrategy = options.strategy ?? chooseStrategy(info, dir);
  // A remote session's copy is on the engine's machine; the soft cap (after each command) holds there.
  const hardCapBytes = canHardCap() && strategy !== 'remote' ? policy.diskCapMb * 1024 * 1024 : undefined;
  const id = `${path.basename(dir)}-${crypto.randomBytes(3).toString('hex')}`;
  const state: SessionState = {
    version: 1,
    id,
    workspaceRoot,
    createdAt: new Date().toISOString(),
    status: 'starting',
    ownerPid: process.pid,
    strategy,
    user,
    policyDigest: '',
    oomKills: 0,
    baseBytes: 0,
    diskCap: hardCapBytes === undefined ? 'soft' : 'hard',
  };
  writeState(dir, state);

  progress?.('Preparing the sandbox image and the workspace copy');
  // A base kept from the previous session (or prepared since) is refreshed, not copied again, if made the same way.
  const { isExcluded, reuseKey } = baseCopySpec(policy, owner);
  const copyWorkspace = (copyStrategy: SnapshotStrategy, signal: AbortSignal, mountPointsNamed: Promise<unknown>) =>
    createSnapshotFiles({
      workspaceRoot,
      layout: layoutOf(dir),
      strategy: copyStrategy,
      isExcluded,
      ...(owner ? { owner } : {}),
      ...(hardCapBytes !== undefined ? { hardCapBytes } : {}),
      signal,
      reuseKey,
      ...changesNow(options.baseChanges),
      mountPointsNamed,
      onProgress: (n) => progress?.(`Copied ${n} entries of the workspace`),
    });
  const container = containerContext(ctx, state);
  let report: Awaited<ReturnType<typeof copyWorkspace>>;
  if (strategy === 'remote') {
    try {
      report = await copyWorkspace('remote', options.signal ?? new AbortController().signal, Promise.resolve());
      progress?.('Shipping the workspace copy to the remote engine');
      await createRemoteContainer(container, (containerId) =>
        shipBase(docker, containerId, SANDBOX_WORKDIR, packFolder(layoutOf(dir).base)),
      );
      // The mirror is a copy of the base, as the volume is now: its listing is where refreshes start.
      await new SandboxSession({ docker, engine: info, dir, state, policy }).mirror.begin();
    } catch (err) {
      await removeSession(docker, dir, state).catch(() => undefined);
      throw err instanceof ContainerSideFailure ? err.cause : err;
    }
  } else {
    report = await createLocal(ctx, state, strategy, container, copyWorkspace);
  }
  state.baseBytes = report.bytes;
  writeState(dir, state);
  appendAudit(auditFileOf(dir), {
    session: id,
    event: 'start',
    detail: `created (${state.strategy}; ${report.files} files, ${report.excluded.length} excluded; ${describeRefresh(report)})`,
  });
  return { session: new SandboxSession({ docker, engine: info, dir, state, policy }), outcome: 'created' };
}

type CopyWorkspace = (
  strategy: SnapshotStrategy,
  signal: AbortSignal,
  mountPointsNamed: Promise<unknown>,
) => ReturnType<typeof createSnapshotFiles>;

/** Copies the workspace while the container is made on a local engine; falls back to a full copy where the overlay cannot be mounted. */
async function createLocal(
  ctx: StartContext,
  state: SessionState,
  strategy: SnapshotStrategy,
  container: ContainerContext,
  copyWorkspace: CopyWorkspace,
): Promise<Awaited<ReturnType<CopyWorkspace>>> {
  const { docker, dir, options } = ctx;
  const { progress } = options;
  let report: Awaited<ReturnType<CopyWorkspace>>;
  try {
    report = await createWhileCopying(container, (signal, named) => copyWorkspace(strategy, signal, named));
    await startCreated(container);
  } catch (err) {
    const engineCannotMountOverlay =
      err instanceof ContainerSideFailure && strategy === 'overlay' && !options.strategy && !(err.cause instanceof SandboxError);
    if (!engineCannotMountOverlay) {
      await removeSession(docker, dir, state).catch(() => undefined);
      throw err instanceof ContainerSideFailure ? err.cause : err;
    }
    // The engine could not mount the overlay (for example it runs in a VM): copy instead.
    progress?.('The engine cannot mount an overlay here; using a full copy');
    try {
      await removeSession(docker, dir, state, { keepDir: true });
      state.strategy = 'copy';
      report = await createWhileCopying(container, (signal, named) => copyWorkspace('copy', signal, named));
      await startCreated(container);
    } catch (fallbackErr) {
      await removeSession(docker, dir, state).catch(() => undefined);
      throw fallbackErr instanceof ContainerSideFailure ? fallbackErr.cause : fallbackErr;
    }
  }
  return report;
}

function containerContext(ctx: StartContext, state: SessionState): ContainerContext {
  return {
    docker: ctx.docker,
    dir: ctx.dir,
    state,
    policy: ctx.policy,
    image: ctx.image,
    options: ctx.options,
    env: ctx.env,
    digest: ctx.digest,
    dialect: ctx.dialect,
    gvisor: ctx.gvisor,
  };
}

function changesNow(source: SessionOptions['baseChanges']): { changes?: BaseChanges } {
  const changes = typeof source === 'function' ? source() : source;
  return changes ? { changes } : {};
}

/** How the base copy was made, for the audit log. */
function describeRefresh(report: { refresh: string; changedPaths?: number; copied: number }): string {
  const how =
    report.refresh === 'fresh'
      ? 'base copied anew'
      : report.refresh === 'changed'
        ? `kept base refreshed at ${report.changedPaths ?? 0} changed paths`
        : 'kept base refreshed, every entry looked at';
  return `${how}, ${report.copied} entries copied`;
}

/**
 * A remote engine mounts nothing of this machine: the sandbox works on a volume there (the
 * remote strategy). What needs a path of this machine in the container is refused, never
 * left out: the allowlist network's proxy socket, and extra mounts.
 */
function assertFitsEngine(info: EngineInfo, options: SessionOptions): void {
  const remote = !info.endpoint.local;
  if (!remote) {
    if (options.strategy === 'remote') {
      throw new SandboxError('INTERNAL', 'The remote strategy needs a remote engine.', 'Leave the strategy to the product.');
    }
    return;
  }
  if (options.strategy !== undefined && options.strategy !== 'remote') {
    throw new SandboxError(
      'ENGINE_UNREACHABLE',
      `The Docker engine at ${info.endpoint.url} is remote; it cannot mount this machine's folders (the ${options.strategy} strategy).`,
      'Leave the strategy to the product, or use a local engine.',
    );
  }
  if (options.policy.network.mode === 'allowlist') {
    throw new SandboxError(
      'ENGINE_UNREACHABLE',
      `The Docker engine at ${info.endpoint.url} is remote; the allowlist network needs its proxy's socket on this machine mounted into the container, which a remote engine cannot do.`,
      'Use network mode "none" with a remote engine, or a local engine for the allowlist network.',
    );
  }
  if ((options.extraMounts ?? []).length > 0) {
    throw new SandboxError(
      'ENGINE_UNREACHABLE',
      `The Docker engine at ${info.endpoint.url} is remote; it cannot mount this machine's folders into the sandbox.`,
      'Use a local engine for sandboxes that need folders of this machine.',
    );
  }
}

function chooseStrategy(info: EngineInfo, dir: string): SnapshotStrategy {
  if (!info.endpoint.local) return 'remote';
  // The overlay is mounted by the engine from paths on this machine; a mount option
  // string cannot carry commas, colons or equals signs in paths.
  if (process.platform !== 'linux' || !info.endpoint.local || info.os !== 'linux') return 'copy';
  if (/[,:=\s]/.test(dir)) return 'copy';
  return 'overlay';
}

/** What besides the policy and image decides the container: a change makes a new container. */
function digestExtra(options: SessionOptions, user: string, env: NodeJS.ProcessEnv, gvisor: boolean): unknown {
  // Under gVisor the process limit is set another way (processLimits); a container made
  // before that is made anew rather than refused for its old limit.
  return {
    mounts: options.extraMounts ?? [],
    env: options.extraEnv ?? {},
    tools: toolsVolumeName(user, env),
    ...(gvisor ? { processLimits: 'gvisor-nproc' } : {}),
  };
}
