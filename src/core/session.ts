/**
 * A workspace's sandbox session: one long-lived hardened container on a snapshot of the
 * workspace. Start, stop, reset, run, and collection of what a crash left behind.
 *
 * Fail closed: every path that cannot establish the sandbox exactly as the policy says
 * throws a SandboxError; nothing ever runs on the host instead.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { appendAudit } from './audit';
import { connectEngine, isNotFound, type EngineInfo } from './engine/connection';
import { runHelper, runInContainer, type ExecResult } from './engine/exec';
import {
  hardenedCreateOptions,
  LABELS,
  SANDBOX_BASE_MOUNT,
  SANDBOX_WORKDIR,
  verifyHardening,
  type ContainerCreateOptions,
  type ExtraMount,
  type WorkspaceMount,
} from './engine/hardening';
import { ensureImage, type EnsuredImage } from './engine/image';
import { SandboxError } from './errors';
import { stateRoot, workspaceKey } from './paths';
import type { Policy } from './policy';
import { ensureToolsVolume, toolsVolumeName } from './agentTools/volume';
import { canHardCap, cappedFsFree, ensureCappedFsMounted } from './snapshot/diskCap';
import { keepBaseForReuse } from './snapshot/baseCache';
import type { BaseChanges } from './snapshot/baseChanges';
import { baseCopySpec } from './snapshot/baseCopySpec';
import { ChangeTracker } from './snapshot/changeTracker';
import type { CopyReport } from './snapshot/copy';
import { prepareRunning } from './snapshot/prepareMark';
import { createSnapshotFiles, layoutOf, prepareSnapshotFolders, SessionSnapshot, type Owner, type SandboxHelpers, type SnapshotStrategy } from './snapshot/sessionSnapshot';
import { collectStaleSessions, type Collection } from './sessionCollector';
import type { JudgeOptions } from './staleSessions';
import { processAlive, readState, withSessionLock, writeState, type SessionState } from './sessionState';
import { removalUnfinished, removeEmptySessionFolder, removeTree, sessionLockHolder, tearDownSession } from './sessionTeardown';

export type Progress = (message: string) => void;

export interface SessionOptions {
  readonly workspaceRoot: string;
  readonly policy: Policy;
  readonly env?: NodeJS.ProcessEnv;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
  /** Forces a snapshot strategy (tests and benchmarks); otherwise chosen from the engine. */
  readonly strategy?: SnapshotStrategy;
  /** Further read-only mounts and fixed variables for the container (network proxy). */
  readonly extraMounts?: readonly ExtraMount[];
  readonly extraEnv?: Readonly<Record<string, string>>;
  /**
   * What a file watcher saw change in the workspace since the kept base copy was made: a
   * new session's refresh of that copy may then look at those paths only (see baseChanges.ts).
   * A function is asked only when the refresh begins, so that the watcher's events of the
   * last moments before the start have had the most time to arrive.
   */
  readonly baseChanges?: BaseChanges | (() => BaseChanges | undefined);
}

export type StartOutcome = 'created' | 'reused' | 'restarted' | 'recreated';

export interface RunOptions {
  readonly timeoutSec?: number;
  readonly signal?: AbortSignal;
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onStderr?: (chunk: Buffer) => void;
}

export interface RunResult extends ExecResult {
  /** Paths the command created, changed or deleted in the sandbox copy. */
  readonly changedFiles: readonly string[];
}

export function sessionDirFor(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateRoot(env), 'sessions', workspaceKey(workspaceRoot));
}

/** The real, absolute path of a workspace folder, or a clear error. */
export function resolveWorkspace(dir: string): string {
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(dir));
  } catch {
    throw new SandboxError('WORKSPACE_INVALID', `The workspace folder ${dir} does not exist.`, 'Open or pass an existing folder (--workspace DIR).');
  }
  if (!fs.statSync(real).isDirectory()) {
    throw new SandboxError('WORKSPACE_INVALID', `The workspace ${dir} is not a folder.`, 'Pass a folder (--workspace DIR).');
  }
  if (real === path.parse(real).root) {
    throw new SandboxError('WORKSPACE_INVALID', 'The workspace cannot be the root of the file system.', 'Open a project folder instead.');
  }
  return real;
}

/** `UID:GID` the sandbox runs as, and the owner its files need on the host. */
export function resolveUser(policy: Policy): { user: string; owner?: Owner } {
  const myUid = process.getuid?.() ?? 1000;
  const myGid = process.getgid?.() ?? 1000;
  const user = policy.user === 'auto' ? (myUid === 0 ? '1000:1000' : `${myUid}:${myGid}`) : policy.user;
  const [uid, gid] = user.split(':').map(Number) as [number, number];
  if (uid === myUid) return { user };
  if (myUid !== 0) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The sandbox user ${user} is not you (${myUid}:${myGid}); its copy of the workspace would not be writable.`,
      'Set the sandbox user to "auto", or run the sandbox as root (rootful Docker hosts) to use another UID.',
    );
  }
  return { user, owner: { uid, gid } };
}

export function policyDigest(policy: Policy, image: string, extra: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify({ policy, image, extra })).digest('hex').slice(0, 16);
}

export class SandboxSession {
  readonly snapshot: SessionSnapshot;
  private tracker: ChangeTracker | undefined;

  /** Use `start` or `attach`; this only wraps a session that is already set up. */
  constructor(
    readonly docker: Docker,
    readonly engine: EngineInfo,
    readonly dir: string,
    private state: SessionState,
    readonly policy: Policy,
  ) {
    this.snapshot = new SessionSnapshot(state.workspaceRoot, layoutOf(dir), state.strategy, () => this.helpers(), resolveUser(policy).owner);
  }

  get id(): string {
    return this.state.id;
  }
  get workspaceRoot(): string {
    return this.state.workspaceRoot;
  }
  get containerId(): string {
    return this.state.containerId!;
  }
  get user(): string {
    return this.state.user;
  }
  get strategy(): SnapshotStrategy {
    return this.state.strategy;
  }
  get auditFile(): string {
    return path.join(this.dir, 'audit.jsonl');
  }
  /** Where the airlock keeps its review decisions, journal and undo data. */
  get airlockDir(): string {
    return path.join(this.dir, 'airlock');
  }

  /**
   * Starts the workspace's session, or reuses the running one. Collects what crashed
   * sessions left behind first. Throws a SandboxError when the sandbox cannot run.
   */
  static async start(options: SessionOptions): Promise<{ session: SandboxSession; outcome: StartOutcome; collected: string[] }> {
    const env = options.env ?? process.env;
    const workspaceRoot = resolveWorkspace(options.workspaceRoot);
    const { docker, info } = await connectEngine();
    assertRuntimeAvailable(options.policy, info);
    assertLocalEngine(info);
    const collected = await collectGarbage(docker, env);
    const dir = sessionDirFor(workspaceRoot, env);
    // A missing image is found before any copy or record exists, so it leaves nothing behind.
    const image = await ensureImage(docker, options.policy, options.progress);
    if (prepareRunning(dir)) options.progress?.('Waiting for the workspace copy being prepared in the background');
    // A prepare of the base holds the lock while it does the copying this start would do.
    const result = await withSessionLock(dir, async () => {
      const before = readState(dir)?.id;
      try {
        return await startLocked(docker, info, dir, workspaceRoot, options, env, image);
      } catch (err) {
        // A session this call began making is removed whole; an existing one keeps its copy.
        const half = readState(dir);
        if (half && half.id !== before && half.status === 'starting' && half.ownerPid === process.pid) {
          await removeSession(docker, dir, half).catch(() => undefined);
        }
        throw err;
      }
    }, undefined, { waitWhile: () => prepareRunning(dir) });
    return { ...result, collected };
  }

  /** Attaches to the workspace's running session; fails closed when there is none. */
  static async attach(options: Omit<SessionOptions, 'progress'>): Promise<SandboxSession> {
    const env = options.env ?? process.env;
    const workspaceRoot = resolveWorkspace(options.workspaceRoot);
    const dir = sessionDirFor(workspaceRoot, env);
    // The engine first: without one, that is the reason to give, whatever the record says.
    const { docker, info } = await connectEngine();
    const state = readState(dir);
    if (!state || !state.containerId) {
      throw new SandboxError('SESSION_NOT_RUNNING', `No sandbox session for ${workspaceRoot}.`, 'Start one with `agent-sandbox start` (or "Agent Sandbox: Start Sandbox").');
    }
    const session = build(docker, info, dir, state, options.policy);
    let inspected: Docker.ContainerInspectInfo;
    try {
      inspected = await docker.getContainer(state.containerId).inspect();
    } catch (err) {
      if (isNotFound(err)) {
        throw new SandboxError('SESSION_NOT_RUNNING', `The sandbox container of ${workspaceRoot} is gone.`, 'Start the sandbox again; pending changes in its copy are kept.');
      }
      throw err;
    }
    if (!inspected.State.Running) {
      throw new SandboxError('SESSION_NOT_RUNNING', `The sandbox of ${workspaceRoot} is stopped.`, 'Start it with `agent-sandbox start` (or "Agent Sandbox: Start Sandbox").');
    }
    return session;
  }

  /** Reads a workspace's session record without touching the engine. */
  static find(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): { dir: string; state?: SessionState } {
    const dir = sessionDirFor(resolveWorkspace(workspaceRoot), env);
    const state = readState(dir);
    return state ? { dir, state } : { dir };
  }

  /** Opens the snapshot of a session whose container may be stopped (for review and apply). */
  static openSnapshotOnly(workspaceRoot: string, policy: Policy, env: NodeJS.ProcessEnv = process.env): { dir: string; state: SessionState; snapshot: SessionSnapshot } | undefined {
    const { dir, state } = SandboxSession.find(workspaceRoot, env);
    if (!state) return undefined;
    const owner = resolveUser(policy).owner;
    const snapshot = new SessionSnapshot(state.workspaceRoot, layoutOf(dir), state.strategy, () => {
      throw new SandboxError('SESSION_NOT_RUNNING', 'The sandbox is stopped; this needs it running.', 'Start the sandbox first.');
    }, owner);
    return { dir, state, snapshot };
  }

  async isRunning(): Promise<boolean> {
    try {
      return (await this.docker.getContainer(this.containerId).inspect()).State.Running;
    } catch {
      return false;
    }
  }

  /** Runs an argv in the sandbox. The argv is never joined into a shell line. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    // The disk cap is checked after every command; a session over it refuses more work.
    if (fs.existsSync(path.join(this.dir, 'over-disk-cap'))) {
      throw new SandboxError(
        'DISK_CAP_EXCEEDED',
        `The sandbox's copy has grown past its disk cap of ${this.policy.diskCapMb} MiB.`,
        'Review and apply or discard the pending changes, or reset the sandbox.',
      );
    }
    const startedAt = Date.now();
    const timeoutSec = options.timeoutSec ?? this.policy.commandTimeoutSec;
    // One tracker for the whole call, even if another object takes it over meanwhile.
    const changes = this.changes;
    const window = changes.begin(startedAt);
    let result: ExecResult;
    try {
      result = await runInContainer(this.docker, this.containerId, argv, {
        user: this.state.user,
        workdir: SANDBOX_WORKDIR,
        timeoutMs: timeoutSec * 1000,
        outputCapBytes: this.policy.outputCapBytes,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onStdout ? { onStdout: options.onStdout } : {}),
        ...(options.onStderr ? { onStderr: options.onStderr } : {}),
        checkOom: () => this.sawNewOomKill(),
      });
    } catch (err) {
      changes.forget(window);
      throw err;
    }
    const notes = result.message ? [result.message] : [];
    let touched: string[] = [];
    let added: number | undefined;
    let untracked: string | undefined;
    try {
      const seen = await changes.end(window);
      touched = seen.touched;
      added = this.state.strategy === 'copy' ? seen.bytes - this.state.baseBytes : seen.bytes;
    } catch (err) {
      if (!(err instanceof SandboxError && err.code === 'SNAPSHOT_FAILED')) throw err;
      // Something still running in the sandbox kept changing its copy while it was walked.
      // The command's own result stands; what it touched is not known this time, and the
      // soft disk cap is checked again after the next command (the hard cap always holds).
      untracked = `The files this command changed could not be listed: ${err.message}`;
    }
    const free = this.state.diskCap === 'hard' ? cappedFsFree(this.dir) : undefined;
    if (untracked) notes.push(untracked);
    if (free !== undefined && free < 1024 * 1024) {
      notes.push(`The sandbox's copy reached its disk cap of ${this.policy.diskCapMb} MiB; writes past it fail with "No space left on device". Apply, discard or delete files to make room.`);
    } else if (added !== undefined && added > this.policy.diskCapMb * 1024 * 1024) {
      fs.writeFileSync(path.join(this.dir, 'over-disk-cap'), String(added));
      notes.push(`The sandbox's copy is over its disk cap of ${this.policy.diskCapMb} MiB; further commands are refused until changes are applied, discarded or the sandbox is reset.`);
    }
    appendAudit(this.auditFile, {
      session: this.id,
      event: 'command',
      argv: [...argv],
      exitCode: result.exitCode,
      outcome: result.outcome,
      durationMs: result.durationMs,
      changedFiles: touched,
      ...(untracked ? { detail: untracked } : {}),
    });
    const message = notes.join(' ');
    return { ...result, ...(message ? { message } : {}), changedFiles: touched };
  }

  /** Clears the disk-cap mark when the sandbox copy is back under its cap (after apply or discard). */
  async recheckDiskCap(): Promise<void> {
    const mark = path.join(this.dir, 'over-disk-cap');
    if (!fs.existsSync(mark)) return;
    const bytes = await this.changes.bytes();
    const added = this.state.strategy === 'copy' ? bytes - this.state.baseBytes : bytes;
    if (added <= this.policy.diskCapMb * 1024 * 1024) fs.rmSync(mark, { force: true });
  }

  /**
   * What each command changed, from file system events once this object has run a command
   * (see snapshot/changeTracker.ts); closed by stop, destroy and dispose.
   */
  get changes(): ChangeTracker {
    this.tracker ??= new ChangeTracker(this.snapshot.layout.sandbox, this.dir);
    return this.tracker;
  }

  /**
   * Takes over the change tracking of an earlier object of the same session (a process that
   * attaches for every call); the earlier object's is closed when it is another session's.
   */
  takeChangesFrom(earlier: SandboxSession): void {
    if (earlier === this) return;
    if (earlier.id === this.id && earlier.dir === this.dir && earlier.tracker && !this.tracker) {
      this.tracker = earlier.tracker;
      earlier.tracker = undefined;
      return;
    }
    earlier.dispose();
  }

  /** Stops watching the sandbox side (the session itself keeps running). */
  dispose(): void {
    this.tracker?.close();
    this.tracker = undefined;
  }

  private async sawNewOomKill(): Promise<boolean> {
    const { stdout } = await runHelper(this.docker, this.containerId, this.state.user, [
      '/bin/sh',
      '-c',
      'cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null',
    ]);
    const match = /oom_kill\s+(\d+)/.exec(stdout.toString());
    const count = match ? Number(match[1]) : 0;
    const fresh = count > this.state.oomKills;
    if (fresh) {
      this.state.oomKills = count;
      writeState(this.dir, this.state);
    }
    return fresh;
  }

  /** Stops the container; the copy and its pending changes stay for review. */
  async stop(): Promise<void> {
    this.dispose();
    await withSessionLock(this.dir, async () => {
      try {
        await this.docker.getContainer(this.containerId).stop({ t: 0 });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code !== 304 && code !== 404) throw err;
      }
      this.state.status = 'stopped';
      writeState(this.dir, this.state);
      appendAudit(this.auditFile, { session: this.id, event: 'stop' });
    });
  }

  /** Removes the container, its volume and its copy, pending changes included. */
  async destroy(): Promise<void> {
    this.dispose();
    await withSessionLock(this.dir, () => removeSession(this.docker, this.dir, this.state));
    removeEmptySessionFolder(this.dir);
  }

  /** The helpers the snapshot needs from inside the running container. */
  helpers(): SandboxHelpers {
    return {
      listMerged: (dirs) => listMerged(this.docker, this.containerId, this.state.user, dirs),
      revert: async (rel) => {
        const r = await runHelper(this.docker, this.containerId, this.state.user, ['/bin/sh', '-c', REVERT_SCRIPT, 'agent-sandbox-revert', rel], undefined, {
          purpose: `bring ${rel} back to the workspace's version`,
        });
        if (r.exitCode !== 0) throw new SandboxError('INTERNAL', `Could not revert ${rel} in the sandbox: ${r.stderr.toString().trim()}`);
      },
    };
  }
}

/** Makes the sandbox side of one path equal to the base again, from inside the sandbox. */
const REVERT_SCRIPT = [
  'set -e',
  `src="${SANDBOX_BASE_MOUNT}/$1"; dst="${SANDBOX_WORKDIR}/$1"`,
  'rm -rf -- "$dst"',
  'if [ -e "$src" ] || [ -L "$src" ]; then mkdir -p -- "$(dirname -- "$dst")"; cp -PRp -- "$src" "$dst"; fi',
].join('\n');

/**
 * Lists directories of the merged view: reads NUL-separated paths on stdin, prints dir\0name\0
 * pairs, and a last pair with an empty folder and an end mark only when every listing worked,
 * so that an answer cut short is told apart from a folder whose entries are gone.
 */
const LIST_END = 'agent-sandbox-listing-end';
const LIST_SCRIPT = `cd ${SANDBOX_WORKDIR} && xargs -0 -r sh -c 'find "$@" -mindepth 1 -maxdepth 1 -printf "%h\\0%f\\0"' sh && printf '\\0%s\\0' ${LIST_END}`;
/** The listing follows the number of entries in the folders asked about, which can be large. */
const LIST_OUTPUT_CAP_BYTES = 256 * 1024 * 1024;

async function listMerged(docker: Docker, containerId: string, user: string, dirs: readonly string[]): Promise<Map<string, Set<string>>> {
  const input = Buffer.concat(dirs.flatMap((d) => [Buffer.from('./'), Buffer.from(d, 'latin1'), Buffer.from([0])]));
  const { exitCode, stdout, stderr } = await runHelper(docker, containerId, user, ['/bin/sh', '-c', LIST_SCRIPT], input, {
    outputCapBytes: LIST_OUTPUT_CAP_BYTES,
    purpose: "list the sandbox's folders for the change scan",
  });
  return parseMergedListing(dirs, exitCode, stdout, stderr);
}

/**
 * Reads the listing, refusing anything but a whole, well-formed answer: a missing name would
 * otherwise be reported as deleted in the sandbox.
 */
function parseMergedListing(dirs: readonly string[], exitCode: number, stdout: Buffer, stderr: Buffer): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>(dirs.map((d) => [d, new Set<string>()]));
  const parts = stdout.toString('latin1').split('\0');
  // Pairs, then the end pair ('' and the mark), then the empty rest after the last NUL.
  const whole = exitCode === 0 && parts.length % 2 === 1 && parts[parts.length - 1] === '' && parts[parts.length - 2] === LIST_END && parts[parts.length - 3] === '';
  if (!whole) {
    const detail = stderr.toString('utf8').trim().slice(0, 300);
    if (/No such file or directory|Not a directory/.test(detail)) {
      // A folder went away between the walk and the listing: the scan starts over.
      throw Object.assign(new Error(`a folder changed during the scan (${detail})`), { code: 'ENOENT' });
    }
    throw new SandboxError(
      'HELPER_BLOCKED',
      `The sandbox's listing of its folders for the change scan came back incomplete (exit ${exitCode}${detail ? `: ${detail}` : ''}); no changes are shown rather than wrong ones. A process in the sandbox may be interfering with Agent Sandbox's own helper, or a folder is unreadable.`,
      'Make the folders of the workspace readable again and stop processes that interfere (or stop and start the sandbox: `agent-sandbox stop`, or reset it with "Reset Sandbox" / `agent-sandbox reset`), then look at the changes again.',
    );
  }
  for (let i = 0; i + 3 < parts.length; i += 2) {
    const dir = parts[i]!.replace(/^\.\//, '');
    const names = result.get(dir);
    if (!names) {
      throw new SandboxError(
        'HELPER_BLOCKED',
        "The sandbox's listing of its folders for the change scan named a folder it was not asked about; no changes are shown rather than wrong ones. A process in the sandbox is most likely interfering with Agent Sandbox's own helper.",
        'Stop the process that interferes (or stop and start the sandbox: `agent-sandbox stop`, or reset it with "Reset Sandbox" / `agent-sandbox reset`), then look at the changes again.',
      );
    }
    names.add(parts[i + 1]!);
  }
  return result;
}

function build(docker: Docker, info: EngineInfo, dir: string, state: SessionState, policy: Policy): SandboxSession {
  return new SandboxSession(docker, info, dir, state, policy);
}

async function startLocked(
  docker: Docker,
  info: EngineInfo,
  dir: string,
  workspaceRoot: string,
  options: SessionOptions,
  env: NodeJS.ProcessEnv,
  image: EnsuredImage,
): Promise<{ session: SandboxSession; outcome: StartOutcome }> {
  const { policy, progress } = options;
  const { user, owner } = resolveUser(policy);
  // A removal cut short is finished first: what is left of that copy is no session to resume.
  if (removalUnfinished(dir)) await tearDownSession(docker, dir, { dropKeptBase: true });
  const existing = readState(dir);

  if (existing && existing.status !== 'starting' && existing.containerId) {
    // The pending changes live on the capped file system: without it mounted, the container
    // would see an empty copy and write past the cap.
    if (existing.diskCap === 'hard') await ensureCappedFsMounted(dir);
    const digest = policyDigest(policy, image.name, digestExtra(options, user, env));
    const container = docker.getContainer(existing.containerId);
    let inspected: Docker.ContainerInspectInfo | undefined;
    try {
      inspected = await container.inspect();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (inspected && existing.policyDigest === digest && existing.user === user) {
      existing.ownerPid = process.pid;
      if (inspected.State.Running) {
        existing.status = 'ready';
        writeState(dir, existing);
        return { session: build(docker, info, dir, existing, policy), outcome: 'reused' };
      }
      progress?.('Restarting the sandbox container');
      const expected = createOptionsFor(existing, dir, policy, image, options, env);
      assertHardened(await container.inspect(), expected, image);
      await container.start();
      existing.status = 'ready';
      writeState(dir, existing);
      appendAudit(path.join(dir, 'audit.jsonl'), { session: existing.id, event: 'start', detail: 'restarted' });
      return { session: build(docker, info, dir, existing, policy), outcome: 'restarted' };
    }
    // The policy changed (or the container is gone): new container, same copy.
    progress?.('Recreating the sandbox container with the current policy');
    if (inspected) await container.remove({ force: true, v: false });
    existing.user = user;
    existing.status = 'starting';
    existing.ownerPid = process.pid;
    writeState(dir, existing);
    await createContainer(docker, existing, dir, policy, image, options, env, digest);
    appendAudit(path.join(dir, 'audit.jsonl'), { session: existing.id, event: 'start', detail: 'recreated' });
    return { session: build(docker, info, dir, existing, policy), outcome: inspected ? 'recreated' : 'restarted' };
  }

  if (existing) await removeSession(docker, dir, existing);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const strategy: SnapshotStrategy = options.strategy ?? chooseStrategy(info, dir);
  const hardCapBytes = canHardCap() ? policy.diskCapMb * 1024 * 1024 : undefined;
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
  const digest = policyDigest(policy, image.name, digestExtra(options, user, env));
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
  let report: Awaited<ReturnType<typeof copyWorkspace>>;
  try {
    report = await createWhileCopying(docker, state, dir, policy, image, options, env, digest, (signal, named) => copyWorkspace(strategy, signal, named));
    await startCreated(docker, state, dir);
  } catch (err) {
    const engineCannotMountOverlay = err instanceof ContainerSideFailure && strategy === 'overlay' && !options.strategy && !(err.cause instanceof SandboxError);
    if (!engineCannotMountOverlay) {
      await removeSession(docker, dir, state).catch(() => undefined);
      throw err instanceof ContainerSideFailure ? err.cause : err;
    }
    // The engine could not mount the overlay (for example it runs in a VM): copy instead.
    progress?.('The engine cannot mount an overlay here; using a full copy');
    try {
      await removeSession(docker, dir, state, { keepDir: true });
      state.strategy = 'copy';
      report = await createWhileCopying(docker, state, dir, policy, image, options, env, digest, (signal, named) => copyWorkspace('copy', signal, named));
      await startCreated(docker, state, dir);
    } catch (fallbackErr) {
      await removeSession(docker, dir, state).catch(() => undefined);
      throw fallbackErr instanceof ContainerSideFailure ? fallbackErr.cause : fallbackErr;
    }
  }
  state.baseBytes = report.bytes;
  writeState(dir, state);
  appendAudit(path.join(dir, 'audit.jsonl'), {
    session: id,
    event: 'start',
    detail: `created (${state.strategy}; ${report.files} files, ${report.excluded.length} excluded; ${describeRefresh(report)})`,
  });
  return { session: build(docker, info, dir, state, policy), outcome: 'created' };
}

function changesNow(source: SessionOptions['baseChanges']): { changes?: BaseChanges } {
  const changes = typeof source === 'function' ? source() : source;
  return changes ? { changes } : {};
}

/** How the base copy was made, for the audit log. */
function describeRefresh(report: { refresh: string; changedPaths?: number; copied: number }): string {
  const how =
    report.refresh === 'fresh' ? 'base copied anew'
    : report.refresh === 'changed' ? `kept base refreshed at ${report.changedPaths ?? 0} changed paths`
    : 'kept base refreshed, every entry looked at';
  return `${how}, ${report.copied} entries copied`;
}

/** A runtime the engine does not know would fail at create, or worse run elsewhere: refuse first. */
function assertRuntimeAvailable(policy: Policy, info: EngineInfo): void {
  if (!policy.runtime || info.runtimes.includes(policy.runtime)) return;
  throw new SandboxError(
    'POLICY_INVALID',
    `The container runtime "${policy.runtime}" set in the sandbox policy is not registered with the Docker engine (it has: ${info.runtimes.join(', ') || 'none listed'}). The sandbox was not started.`,
    'Install the runtime and register it in the engine\'s daemon.json "runtimes" (for example gVisor\'s runsc), or clear the policy\'s runtime to use the engine\'s default.',
  );
}

/**
 * The sandbox mounts copies that live on this machine; a remote engine would mount empty
 * folders of its own instead, and the agent would work on nothing we can review.
 */
function assertLocalEngine(info: EngineInfo): void {
  if (info.endpoint.local) return;
  throw new SandboxError(
    'ENGINE_UNREACHABLE',
    `The Docker engine at ${info.endpoint.url} is remote; the sandbox needs an engine on this machine to mount its copy of the workspace.`,
    'Use a local engine (unset DOCKER_HOST, or switch to a local docker context).',
  );
}

function chooseStrategy(info: EngineInfo, dir: string): SnapshotStrategy {
  // The overlay is mounted by the engine from paths on this machine; a mount option
  // string cannot carry commas, colons or equals signs in paths.
  if (process.platform !== 'linux' || !info.endpoint.local || info.os !== 'linux') return 'copy';
  if (/[,:=\s]/.test(dir)) return 'copy';
  return 'overlay';
}

/** What besides the policy and image decides the container: a change makes a new container. */
function digestExtra(options: SessionOptions, user: string, env: NodeJS.ProcessEnv): unknown {
  return { mounts: options.extraMounts ?? [], env: options.extraEnv ?? {}, tools: toolsVolumeName(user, env) };
}

function createOptionsFor(state: SessionState, dir: string, policy: Policy, image: EnsuredImage, options: SessionOptions, env: NodeJS.ProcessEnv): ContainerCreateOptions {
  const layout = layoutOf(dir);
  const workspace: WorkspaceMount =
    state.strategy === 'overlay' ? { kind: 'volume', name: state.volumeName ?? volumeNameFor(state.id) } : { kind: 'bind', hostPath: layout.sandbox };
  return hardenedCreateOptions({
    sessionId: state.id,
    workspaceRoot: state.workspaceRoot,
    stateDir: layout.root,
    image: image.name,
    user: state.user,
    policy,
    workspace,
    baseDir: layout.base,
    // Agent CLIs installed with `agent-sandbox tools install`; read-only here, so nothing a
    // session runs can change what later sessions start.
    tools: { volume: toolsVolumeName(state.user, env), writable: false },
    ...(options.extraMounts ? { extraMounts: options.extraMounts } : {}),
    ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    hostEnv: env,
  });
}

function volumeNameFor(sessionId: string): string {
  return `agent-sandbox-${sessionId}`;
}

function assertHardened(inspected: Docker.ContainerInspectInfo, expected: ContainerCreateOptions, image: EnsuredImage): void {
  const problems = verifyHardening(inspected, expected, image.env);
  if (problems.length) {
    throw new SandboxError(
      'HARDENING_NOT_APPLIED',
      `The engine did not apply the sandbox's hardening: ${problems.join('; ')}. The sandbox was not started.`,
      'Use a Docker engine that supports these settings (Docker 20.10 or later on Linux), or report this with `docker info`.',
    );
  }
}

/** An engine's failure to make or start the container (not the copy's), with its cause. */
class ContainerSideFailure extends Error {
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
async function createWhileCopying<Report extends CopyReport>(
  docker: Docker,
  state: SessionState,
  dir: string,
  policy: Policy,
  image: EnsuredImage,
  options: SessionOptions,
  env: NodeJS.ProcessEnv,
  digest: string,
  copy: (signal: AbortSignal, mountPointsNamed: Promise<unknown>) => Promise<Report>,
): Promise<Report> {
  await prepareSnapshotFolders(layoutOf(dir));
  const cancelCopy = new AbortController();
  const cancelledByCaller = () => cancelCopy.abort(options.signal?.reason);
  if (options.signal?.aborted) cancelledByCaller();
  options.signal?.addEventListener('abort', cancelledByCaller, { once: true });
  try {
    const creating = createHardenedContainer(docker, state, dir, policy, image, options, env, digest);
    creating.catch(() => cancelCopy.abort(new Error('the container could not be made')));
    const copying = copy(cancelCopy.signal, creating);
    const [created, copied] = await Promise.allSettled([creating, copying]);
    if (created.status === 'rejected') throw new ContainerSideFailure(created.reason);
    if (copied.status === 'rejected') {
      const err = copied.reason as Error;
      if (err.name === 'AbortError' || options.signal?.aborted) throw new SandboxError('CANCELLED', 'Starting the sandbox was cancelled.');
      if (err instanceof SandboxError) throw err;
      throw new SandboxError('SNAPSHOT_FAILED', `Could not copy the workspace: ${err.message}`, 'Check that the workspace is readable and the disk has room.', { cause: err });
    }
    return copied.value;
  } finally {
    options.signal?.removeEventListener('abort', cancelledByCaller);
  }
}

async function createContainer(
  docker: Docker,
  state: SessionState,
  dir: string,
  policy: Policy,
  image: EnsuredImage,
  options: SessionOptions,
  env: NodeJS.ProcessEnv,
  digest: string,
): Promise<void> {
  await createHardenedContainer(docker, state, dir, policy, image, options, env, digest);
  await startCreated(docker, state, dir);
}

/** Creates the session's container (and its overlay volume) and checks its hardening; does not start it. */
async function createHardenedContainer(
  docker: Docker,
  state: SessionState,
  dir: string,
  policy: Policy,
  image: EnsuredImage,
  options: SessionOptions,
  env: NodeJS.ProcessEnv,
  digest: string,
): Promise<void> {
  const layout = layoutOf(dir);
  if (state.strategy === 'overlay') {
    state.volumeName = volumeNameFor(state.id);
    try {
      await docker.getVolume(state.volumeName).remove({ force: true });
    } catch {
      // Not there: the usual case.
    }
    // The engine mounts the overlay when the container starts, not here.
    await docker.createVolume({
      Name: state.volumeName,
      Driver: 'local',
      DriverOpts: {
        type: 'overlay',
        device: 'overlay',
        o: `lowerdir=${layout.base},upperdir=${layout.sandbox},workdir=${layout.work},redirect_dir=off,metacopy=off,index=off`,
      },
      Labels: { [LABELS.managed]: '1', [LABELS.session]: state.id, [LABELS.stateDir]: dir },
    });
  }
  await ensureToolsVolume(docker, state.user, env);
  const expected = createOptionsFor(state, dir, policy, image, options, env);
  const container = await docker.createContainer(expected);
  state.containerId = container.id;
  state.image = image.name;
  state.policyDigest = digest;
  writeState(dir, state);
  try {
    assertHardened(await container.inspect(), expected, image);
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw err;
  }
}

/** Starts the container createHardenedContainer made: the session is ready. */
async function startCreated(docker: Docker, state: SessionState, dir: string): Promise<void> {
  try {
    await docker.getContainer(state.containerId!).start();
  } catch (err) {
    throw new ContainerSideFailure(err);
  }
  state.status = 'ready';
  writeState(dir, state);
}

async function removeSession(docker: Docker, dir: string, state: SessionState, opts: { keepDir?: boolean } = {}): Promise<void> {
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
export async function collectGarbageReport(docker: Docker, env: NodeJS.ProcessEnv = process.env, options: JudgeOptions = {}): Promise<Collection> {
  const collected: string[] = [];
  const sessionsRoot = path.join(stateRoot(env), 'sessions');
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=1`] } });
  for (const c of containers) {
    const dir = c.Labels[LABELS.stateDir];
    // Sessions of another state root (another user or test run) are not ours to judge.
    if (!dir || path.dirname(dir) !== sessionsRoot) continue;
    // A session being started, stopped or removed right now is not judged from half a picture.
    if (sessionLockHolder(dir) !== undefined) continue;
    const state = readState(dir);
    // A half-made session's container goes here; the rest of it with the stale sessions below.
    const orphan = !state || state.containerId !== c.Id || (state.status === 'starting' && !processAlive(state.ownerPid));
    if (orphan) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      collected.push(`container ${c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)}`);
    }
  }
  const volumes = (await docker.listVolumes({ filters: { label: [`${LABELS.managed}=1`] } })).Volumes ?? [];
  for (const v of volumes) {
    const dir = v.Labels?.[LABELS.stateDir];
    if (!dir || path.dirname(dir) !== sessionsRoot) continue;
    if (sessionLockHolder(dir) !== undefined) continue;
    const state = readState(dir);
    if (!state || state.volumeName !== v.Name) {
      await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
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
