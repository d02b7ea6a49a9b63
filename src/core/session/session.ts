/**
 * A workspace's sandbox session: one long-lived hardened container on a snapshot of the
 * workspace. The session is the only owner of its container: everything that runs there
 * (commands, the host's own helper scripts, a terminal's shell, the network forwarder) and
 * every look at it goes through this object. Starting, attaching and resetting are in
 * lifecycle.ts, which alone makes these objects.
 *
 * Fail closed: every path that cannot establish the sandbox exactly as the policy says
 * throws a SandboxError; nothing ever runs on the host instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { Airlock } from '../airlock';
import { appendAudit } from '../audit';
import { withTimeout } from '../async';
import { isNotFound, type EngineInfo } from '../engine/connection';
import { runHelper, runInContainer, type ExecResult, type HelperOptions, type HelperResult, type RestartHooks } from '../engine/exec';
import { SANDBOX_WORKDIR } from '../engine/hardening';
import { proveHardeningInside } from '../engine/dialect';
import { isGvisor } from '../engine/runtimes';
import { SandboxError } from '../errors';
import type { SessionNetwork } from '../network/sessionNetwork';
import type { Policy } from '../policy';
import { cappedFsFree } from '../snapshot/diskCap';
import { ChangeTracker } from '../snapshot/changeTracker';
import { RemoteMirror } from '../snapshot/remoteSide';
import { layoutOf, SessionSnapshot, type SandboxHelpers, type SnapshotStrategy } from '../snapshot/sessionSnapshot';
import type { SnapshotView } from '../snapshot/types';
import { removeSession } from './container';
import { listMerged } from './listing';
import { OOM_EVENTS_SCRIPT, REVERT_SCRIPT, type SandboxScript } from './scripts';
import { readState, withSessionLock, writeState, type SessionState } from './state';
import { removeEmptySessionFolder } from './teardown';
import { airlockDirOf, auditFileOf, remoteListingFileOf, resolveUser, resolveWorkspace, sessionDirFor } from './workspace';

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

/** What one look at the container found; what it means for the person is the caller's to say. */
export type ContainerProbe =
  | { readonly container: 'running' | 'stopped' | 'removed' }
  /** The engine did not answer (in time, or at all). */
  | { readonly container: 'unknown'; readonly error: unknown };

/** An interactive shell's exec in the container: its TTY stream, and the exec for resizes and its exit code. */
export interface InteractiveExec {
  readonly exec: Docker.Exec;
  readonly stream: Duplex;
}

/** What a session object is made of (see lifecycle.ts, which makes them). */
export interface SessionParts {
  readonly docker: Docker;
  readonly engine: EngineInfo;
  readonly dir: string;
  readonly state: SessionState;
  readonly policy: Policy;
}

/** The mark a session over its disk cap leaves in its folder: commands are refused while it is there. */
const OVER_DISK_CAP_MARK = 'over-disk-cap';

/**
 * The airlock over a session's snapshot, with its state where the CLI and the extension keep it;
 * with the session's id, what it does is recorded in the session's audit log.
 */
export function airlockOver(view: SnapshotView, policy: Policy, sessionDir: string, sessionId?: string): Airlock {
  const audit = sessionId ? { audit: { file: auditFileOf(sessionDir), session: sessionId } } : {};
  return new Airlock({ view, policy, stateDir: airlockDirOf(sessionDir), ...audit });
}

export class SandboxSession {
  readonly #docker: Docker;
  #state: SessionState;
  readonly engine: EngineInfo;
  readonly dir: string;
  readonly policy: Policy;
  readonly snapshot: SessionSnapshot;
  private tracker: ChangeTracker | undefined;
  #airlock: Airlock | undefined;
  #mirror: RemoteMirror | undefined;

  /** Only lifecycle.ts makes sessions (start, attach); this wraps one that is already set up. */
  constructor(parts: SessionParts) {
    this.#docker = parts.docker;
    this.#state = parts.state;
    this.engine = parts.engine;
    this.dir = parts.dir;
    this.policy = parts.policy;
    this.snapshot = new SessionSnapshot(
      parts.state.workspaceRoot,
      layoutOf(parts.dir),
      parts.state.strategy,
      () => this.helpers(),
      resolveUser(parts.policy).owner,
    );
  }

  get id(): string {
    return this.#state.id;
  }
  get workspaceRoot(): string {
    return this.#state.workspaceRoot;
  }
  get containerId(): string {
    return this.#state.containerId!;
  }
  get user(): string {
    return this.#state.user;
  }
  get strategy(): SnapshotStrategy {
    return this.#state.strategy;
  }
  get auditFile(): string {
    return auditFileOf(this.dir);
  }
  /** Where the airlock keeps its review decisions, journal and undo data. */
  get airlockDir(): string {
    return airlockDirOf(this.dir);
  }

  /** Reads a workspace's session record without touching the engine. */
  static find(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): { dir: string; state?: SessionState } {
    const dir = sessionDirFor(resolveWorkspace(workspaceRoot), env);
    const state = readState(dir);
    return state ? { dir, state } : { dir };
  }

  /**
   * The session's airlock: one per session object, so that its in-process queue of
   * exclusive operations (apply, discard, undo) holds for every caller.
   */
  airlock(): Airlock {
    this.#airlock ??= airlockOver(this.snapshot, this.policy, this.dir, this.id);
    return this.#airlock;
  }

  async isRunning(): Promise<boolean> {
    try {
      return (await this.#docker.getContainer(this.containerId).inspect()).State.Running;
    } catch {
      return false;
    }
  }

  /** Looks at the container once; with `timeoutMs`, a hung engine is an answer too ('unknown'). */
  async probe(timeoutMs?: number): Promise<ContainerProbe> {
    const inspecting = this.#docker.getContainer(this.containerId).inspect();
    try {
      const inspected = await (timeoutMs === undefined ? inspecting : withTimeout(inspecting, timeoutMs));
      return { container: inspected.State.Running ? 'running' : 'stopped' };
    } catch (err) {
      if (isNotFound(err)) return { container: 'removed' };
      return { container: 'unknown', error: err };
    }
  }

  /** Whether the copy grew past its disk cap (found after a command); commands are refused until it is back under. */
  isOverDiskCap(): boolean {
    return fs.existsSync(this.overDiskCapMark);
  }

  private get overDiskCapMark(): string {
    return path.join(this.dir, OVER_DISK_CAP_MARK);
  }

  /**
   * Refuses work that would add to the copy while the session is over its disk cap: commands
   * (run) and the file tools' writes. Reads, listing, apply and discard go on, since they are
   * how the person gets back under it.
   */
  refuseIfOverDiskCap(): void {
    if (this.isOverDiskCap()) {
      throw new SandboxError(
        'DISK_CAP_EXCEEDED',
        `The sandbox's copy has grown past its disk cap of ${this.policy.diskCapMb} MiB.`,
        'Review and apply or discard the pending changes, or reset the sandbox.',
      );
    }
  }

  /** Runs an argv in the sandbox. The argv is never joined into a shell line. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    // The disk cap is checked after every command; a session over it refuses more work.
    this.refuseIfOverDiskCap();
    const startedAt = Date.now();
    const timeoutSec = options.timeoutSec ?? this.policy.commandTimeoutSec;
    // One tracker for the whole call, even if another object takes it over meanwhile. A
    // remote session's changes are what the mirror's refresh after the command fetches.
    const remote = this.#state.strategy === 'remote';
    const changes = remote ? undefined : this.changes;
    const window = changes?.begin(startedAt);
    let result: ExecResult;
    try {
      result = await runInContainer(this.#docker, this.containerId, argv, {
        user: this.#state.user,
        workdir: SANDBOX_WORKDIR,
        timeoutMs: timeoutSec * 1000,
        outputCapBytes: this.policy.outputCapBytes,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onStdout ? { onStdout: options.onStdout } : {}),
        ...(options.onStderr ? { onStderr: options.onStderr } : {}),
        checkOom: () => this.sawNewOomKill(),
        oomEndsContainer: (runtime) => this.#runsGvisor(runtime),
        restart: this.#restartHooks(),
      });
    } catch (err) {
      if (window) changes?.forget(window);
      throw err;
    }
    const notes = result.message ? [result.message] : [];
    let touched: string[] = [];
    let added: number | undefined;
    let untracked: string | undefined;
    try {
      if (remote) {
        const refreshed = await this.mirror.refresh();
        touched = [...refreshed.removed, ...refreshed.fetched];
        added = refreshed.bytes - this.#state.baseBytes;
        if (refreshed.notMirrored.length) {
          notes.push(
            `Not shown for review (the review shows the workspace's own version at those names, so nothing of them is applied): ${refreshed.notMirrored.slice(0, 20).join(', ')}${refreshed.notMirrored.length > 20 ? ', …' : ''}.`,
          );
        }
      } else {
        const seen = await changes!.end(window!);
        touched = seen.touched;
        added = this.#state.strategy === 'copy' ? seen.bytes - this.#state.baseBytes : seen.bytes;
      }
    } catch (err) {
      // A remote mirror that could not be refreshed says why; the review refreshes it again.
      if (!(err instanceof SandboxError && (err.code === 'SNAPSHOT_FAILED' || remote))) throw err;
      // Something still running in the sandbox kept changing its copy while it was walked.
      // The command's own result stands; what it touched is not known this time, and the
      // soft disk cap is checked again after the next command (the hard cap always holds).
      untracked = `The files this command changed could not be listed: ${err.message}`;
    }
    const free = this.#state.diskCap === 'hard' ? cappedFsFree(this.dir) : undefined;
    if (untracked) notes.push(untracked);
    if (free !== undefined && free < 1024 * 1024) {
      notes.push(
        `The sandbox's copy reached its disk cap of ${this.policy.diskCapMb} MiB; writes past it fail with "No space left on device". Apply, discard or delete files to make room.`,
      );
    } else if (added !== undefined && added > this.policy.diskCapMb * 1024 * 1024) {
      fs.writeFileSync(this.overDiskCapMark, String(added));
      notes.push(
        `The sandbox's copy is over its disk cap of ${this.policy.diskCapMb} MiB; further commands are refused until changes are applied, discarded or the sandbox is reset.`,
      );
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
    const mark = this.overDiskCapMark;
    if (!fs.existsSync(mark)) return;
    const bytes = this.#state.strategy === 'remote' ? (await this.mirror.refresh()).bytes : await this.changes.bytes();
    const added = this.#state.strategy === 'overlay' ? bytes : bytes - this.#state.baseBytes;
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

  /** Whether the engine runs containers of this runtime name (empty: its default) with gVisor's runsc. */
  #runsGvisor(runtime: string): boolean {
    const name = runtime || this.engine.defaultRuntime;
    return this.engine.runtimeEntries.some((entry) => entry.name === name && isGvisor(entry));
  }

  /**
   * A restart made to end a command: the record does not call the container ready from
   * before it until after what a start checks (Podman's proof inside), so no attach or start
   * trusts it in between, or at all when the check fails. A container someone stopped (the
   * record says so before the container stops) is not started again.
   */
  #restartHooks(): RestartHooks {
    return {
      allowed: () => readState(this.dir)?.status === 'ready',
      before: () => this.#updateRecord((s) => (s.status = 'stopped')),
      after: async () => {
        if (this.engine.kind === 'podman') await proveHardeningInside(this.#docker, this.containerId, this.#state.user);
        this.#updateRecord((s) => (s.status = 'ready'));
      },
    };
  }

  /**
   * Changes this session's record as it is on disk now (another process, such as the CLI,
   * may have written it since), and this object's copy alike.
   */
  #updateRecord(change: (state: SessionState) => void): void {
    const onDisk = readState(this.dir);
    const state = onDisk && onDisk.id === this.#state.id ? onDisk : this.#state;
    change(state);
    change(this.#state);
    writeState(this.dir, state);
  }

  private async sawNewOomKill(): Promise<boolean> {
    const { stdout } = await this.helper(OOM_EVENTS_SCRIPT);
    const match = /oom_kill\s+(\d+)/.exec(stdout.toString());
    const count = match ? Number(match[1]) : 0;
    const fresh = count > this.#state.oomKills;
    if (fresh) this.#updateRecord((s) => (s.oomKills = count));
    return fresh;
  }

  /** Stops the container; the copy and its pending changes stay for review. */
  async stop(): Promise<void> {
    this.dispose();
    await withSessionLock(this.dir, async () => {
      // The record first: a command that ends as the container stops must not start it again.
      this.#updateRecord((s) => (s.status = 'stopped'));
      try {
        await this.#docker.getContainer(this.containerId).stop({ t: 0 });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code !== 304 && code !== 404) throw err;
      }
      appendAudit(this.auditFile, { session: this.id, event: 'stop' });
    });
  }

  /** Removes the container, its volume and its copy, pending changes included. */
  async destroy(): Promise<void> {
    this.dispose();
    await withSessionLock(this.dir, () => removeSession(this.#docker, this.dir, this.#state));
    removeEmptySessionFolder(this.dir);
  }

  /**
   * Runs one of the host's own scripts (scripts.ts) in the container as the sandbox user:
   * `/bin/sh -c TEXT NAME ARG...`, so its inputs are arguments, never part of the script.
   * Bounded in time and output (see runHelper).
   */
  helper(script: SandboxScript, args: readonly string[] = [], stdin?: Buffer, options?: HelperOptions): Promise<HelperResult> {
    return runHelper(
      this.#docker,
      this.containerId,
      this.#state.user,
      ['/bin/sh', '-c', script.text, script.name, ...args],
      stdin,
      options,
    );
  }

  /**
   * Starts a script with a TTY in the container as the sandbox user, in the workspace, for a
   * person to type into (the sandbox terminal). `env` is added to the container's variables.
   */
  async startInteractive(script: SandboxScript, env: readonly string[]): Promise<InteractiveExec> {
    const exec = await this.#docker.getContainer(this.containerId).exec({
      Cmd: ['/bin/sh', '-c', script.text, script.name],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      User: this.#state.user,
      WorkingDir: SANDBOX_WORKDIR,
      Env: [...env],
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
    return { exec, stream };
  }

  /** Starts the network's forwarder in the container (allowlist mode), which lets it reach the host proxy. */
  serveNetwork(network: Pick<SessionNetwork, 'startForwarder'>): Promise<void> {
    return network.startForwarder(this.#docker, this.containerId);
  }

  /** The helpers the snapshot needs from inside the running container. */
  helpers(): SandboxHelpers {
    return {
      listMerged: (dirs) => listMerged((script, args, stdin, options) => this.helper(script, args, stdin, options), dirs),
      revert: async (rel) => {
        const r = await this.helper(REVERT_SCRIPT, [rel], undefined, { purpose: `bring ${rel} back to the workspace's version` });
        if (r.exitCode !== 0) throw new SandboxError('INTERNAL', `Could not revert ${rel} in the sandbox: ${r.stderr.toString().trim()}`);
      },
      mirror: () => this.mirror,
    };
  }

  /** The remote strategy's mirror of the container (the sandbox side this machine reads). */
  get mirror(): RemoteMirror {
    if (this.#state.strategy !== 'remote') throw new SandboxError('INTERNAL', 'Only a session on a remote engine has a mirror.');
    this.#mirror ??= new RemoteMirror(
      {
        docker: this.#docker,
        containerId: this.containerId,
        user: this.#state.user,
        workspacePath: SANDBOX_WORKDIR,
        mirrorDir: this.snapshot.layout.sandbox,
        baseDir: this.snapshot.layout.base,
      },
      remoteListingFileOf(this.dir),
    );
    return this.#mirror;
  }
}
