/**
 * The workspace's sandbox as the extension sees it: sandbox mode on or off, the session, its
 * health, and the pending changes. Every surface (status bar, commands, terminals, review
 * panel, agent entry points) goes through here, so all of them fail closed the same way.
 *
 * This file is the status machine (off, starting, on, degraded, error) and the moves between
 * its states; the parts it drives are beside it: sandboxStart (a start's progress, network
 * hooks and log), networkApprovals (the network prompt and log), servedNetwork (the network
 * this window serves), healthTimer, pendingRefresh, sessionRemoval and storedState.
 */
import * as vscode from 'vscode';
import type { Airlock } from '../../core/airlock';
import { SandboxError } from '../../core/errors';
import type { NetworkLogRecord } from '../../core/network/log';
import { openSnapshotOnly, resetSession } from '../../core/session/lifecycle';
import { SandboxSession, type RunOptions, type RunResult } from '../../core/session/session';
import type { Policy } from '../../core/policy';
import type { PendingCount, RemoveResult } from '../../core/session/remove';
import { resolveExtensionPolicy, healthCheckIntervalMs } from '../settings';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { probeHealth } from './health';
import { HealthTimer } from './healthTimer';
import { NetworkApprovals } from './networkApprovals';
import { countChanges, PendingRefresh, REFRESH_DELAY_MS } from './pendingRefresh';
import { recoverInterruptedApplies, startWorkspaceSandbox, withStartProgress, type BaseChangesSource } from './sandboxStart';
import { ServedNetwork } from './servedNetwork';
import { SessionRemoval } from './sessionRemoval';
import { reasonForCode, type SandboxMode, type SandboxStatus } from './status';
import { StoredState } from './storedState';

export type { BaseChangesSource } from './sandboxStart';

export interface StartOptions {
  /** Show a cancellable notification with progress (the default). */
  readonly withProgress?: boolean;
}

export class SandboxController extends Disposable {
  private current: SandboxStatus = { mode: 'off' };
  private session: SandboxSession | undefined;
  /**
   * The airlock last handed out, with the session it runs over (undefined: over the copy of a
   * stopped session). An airlock opened before the session came back cannot run discards in
   * its container, so it is replaced once the session is there, even for the same folder.
   */
  private airlockOf: { dir: string; session: SandboxSession | undefined; airlock: Airlock } | undefined;
  private starting: Promise<void> | undefined;
  private baseChangesSource: BaseChangesSource | undefined;

  private readonly stored: StoredState;
  private readonly approvals: NetworkApprovals;
  /** The session's network (the egress proxy in allowlist mode), served while this window runs it. */
  private readonly network: ServedNetwork;
  private readonly healthTimer: HealthTimer;
  private readonly pendingRefresh: PendingRefresh;
  private readonly removal: SessionRemoval;

  private readonly statusEmitter = this._register(new vscode.EventEmitter<SandboxStatus>());
  /** Fires whenever the mode, its reason or the pending count changes. */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly changesEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires after the pending change set was rescanned (the review panel refetches). */
  readonly onDidChangeChanges = this.changesEmitter.event;
  /** Every request the sandbox's network proxy decided on, as it happens. */
  readonly onNetworkRecord: vscode.Event<NetworkLogRecord>;

  constructor(
    context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    super();
    this.stored = new StoredState(context.workspaceState);
    this.approvals = this._register(new NetworkApprovals(this.stored, logger));
    this.onNetworkRecord = this.approvals.onNetworkRecord;
    this.network = new ServedNetwork(logger);
    this.healthTimer = new HealthTimer(() => this.checkHealth(), healthCheckIntervalMs, logger);
    this.pendingRefresh = new PendingRefresh(() => this.scanOnce());
    this.removal = new SessionRemoval(() => this.policy(), logger);
    this.current = { mode: 'off', restricted: !vscode.workspace.isTrusted };
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.update({ restricted: false })));
    this._register(this.healthTimer);
    this._register({ dispose: () => void this.network.shutdown() });
    this._register(this.pendingRefresh);
  }

  /**
   * Ends this window's use of the sandbox and resolves when the network it served is closed
   * (the egress proxy's socket and the session's certificate authority). The container keeps
   * running for the next window. Disposing starts the same cleanup without waiting for it.
   */
  async shutdown(): Promise<void> {
    this.healthTimer.stop();
    this.pendingRefresh.dispose();
    await this.network.shutdown();
  }

  /** Where a start gets the workspace's changes since its kept base copy was made (the base warmer). */
  setBaseChangesSource(source: BaseChangesSource | undefined): void {
    this.baseChangesSource = source;
  }

  get status(): SandboxStatus {
    return this.current;
  }

  /** The first folder of the window, when it is on disk. */
  get workspaceRoot(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    return folder?.uri.fsPath;
  }

  /** True when the person turned sandbox mode on in this workspace (kept across reloads). */
  get enabled(): boolean {
    return this.stored.enabled;
  }

  get runningSession(): SandboxSession | undefined {
    return this.current.mode === 'on' ? this.session : undefined;
  }

  /** The effective policy, with the network domains the person approved; throws a SandboxError naming the bad setting or file. */
  policy(): Policy {
    return this.approvals.withApprovals(resolveExtensionPolicy(this.workspaceRoot).policy);
  }

  private update(change: Partial<SandboxStatus>): void {
    const next = { ...this.current, ...change } as SandboxStatus;
    if (next.mode === 'on' || next.mode === 'off') {
      // A healthy or switched-off sandbox carries no error reason.
      delete (next as { reason?: string }).reason;
      delete (next as { detail?: string }).detail;
    }
    this.current = next;
    this.statusEmitter.fire(next);
  }

  private setMode(mode: SandboxMode, reason?: string, detail?: string): void {
    this.update({
      mode,
      ...(reason !== undefined ? { reason } : { reason: undefined }),
      ...(detail !== undefined ? { detail } : { detail: undefined }),
    });
  }

  private requireStartable(): string {
    if (!vscode.workspace.isTrusted) {
      throw new SandboxError(
        'WORKSPACE_INVALID',
        'The sandbox does not start in Restricted Mode: this folder is not trusted, and the sandbox runs a container with settings the folder can influence.',
        'Trust the folder ("Workspaces: Manage Workspace Trust"), then start the sandbox again.',
      );
    }
    const root = this.workspaceRoot;
    if (!root) throw new SandboxError('WORKSPACE_INVALID', 'No folder is open.', 'Open a folder on disk to use the sandbox.');
    return root;
  }

  /** Turns sandbox mode on and starts (or reattaches to) the session. */
  start(options: StartOptions = {}): Promise<void> {
    this.starting ??= this.startOnce(options).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startOnce(options: StartOptions): Promise<void> {
    const root = this.requireStartable();
    await this.stored.setEnabled(true);
    this.setMode('starting', 'preparing');
    try {
      await withStartProgress(options.withProgress !== false, async (report, signal) => {
        const policy = this.policy();
        await this.closeNetwork();
        const opened = await startWorkspaceSandbox({
          root,
          policy,
          baseChangesSource: this.baseChangesSource,
          network: this.approvals,
          logger: this.logger,
          report,
          signal,
        });
        this.network.serve(opened);
        this.session = opened.session;
        await recoverInterruptedApplies(this.airlock()!, this.logger);
      });
    } catch (err) {
      const code = err instanceof SandboxError ? err.code : undefined;
      if (code === 'CANCELLED') {
        await this.stored.setEnabled(false);
        this.setMode('off');
      } else {
        this.setMode(
          'error',
          reasonForCode(code, (message, ...args) => vscode.l10n.t(message, ...args)),
          err instanceof SandboxError ? err.describe().replace(/\n/g, ' ') : (err as Error).message,
        );
      }
      throw err;
    }
    this.setMode('on');
    this.startHealthChecks();
    await this.refreshPending();
  }

  /** Sandbox mode off, health checks and network closed; returns the session that was in use. */
  private async turnOff(): Promise<SandboxSession | undefined> {
    await this.stored.setEnabled(false);
    this.stopHealthChecks();
    const session = this.session;
    this.session = undefined;
    // Its change tracking ends with its use here (stop and destroy end it too).
    session?.dispose();
    this.airlockOf = undefined;
    this.setMode('off');
    await this.closeNetwork();
    return session;
  }

  /** Turns sandbox mode off and stops the container; pending changes stay for review. */
  async stop(): Promise<void> {
    const session = await this.turnOff();
    if (session) {
      try {
        await session.stop();
        this.logger.info(`Sandbox ${session.id} stopped; its pending changes are kept.`);
      } catch (err) {
        this.logger.error('Stopping the sandbox container failed (it is no longer used)', err);
      }
    }
    await this.refreshPending();
  }

  /** Throws away the session and its pending changes, then starts afresh. */
  async reset(): Promise<void> {
    const root = this.requireStartable();
    this.stopHealthChecks();
    const policy = this.policy();
    const session = this.session;
    this.session = undefined;
    this.airlockOf = undefined;
    await this.closeNetwork();
    const removed = await resetSession({ workspaceRoot: root, policy, session });
    if (removed) this.logger.info(`Sandbox ${removed} removed with its pending changes.`);
    await this.start();
  }

  /**
   * Removes the workspace's session completely (the person was asked about its pending
   * changes); sandbox mode goes off. The real workspace is not touched.
   */
  async remove(): Promise<RemoveResult> {
    const root = this.requireStartable();
    if (this.starting)
      throw new SandboxError(
        'SESSION_BUSY',
        'The sandbox is still starting.',
        'Wait until it has started (or cancel the start), then remove it.',
      );
    const session = await this.turnOff();
    try {
      return await this.removal.remove(root, session?.id);
    } finally {
      await this.refreshPending();
    }
  }

  /** The pending changes that removing the session would lose; undefined when there is no session. */
  pendingBeforeRemove(): Promise<PendingCount | undefined> {
    const root = this.requireStartable();
    return this.removal.pendingBefore(root);
  }

  private closeNetwork(): Promise<void> {
    return this.network.close();
  }

  /** Toggles sandbox mode: on when off, off when on (whatever its health). */
  async toggle(): Promise<void> {
    if (this.current.mode === 'off') await this.start();
    else if (this.current.mode !== 'starting') await this.stop();
  }

  /** Resumes sandbox mode after a reload when the person had it on. */
  async restore(): Promise<void> {
    if (!this.enabled) {
      await this.refreshPending();
      return;
    }
    if (!vscode.workspace.isTrusted) return;
    try {
      await this.start({ withProgress: false });
    } catch (err) {
      this.logger.error('Could not resume the sandbox', err);
    }
  }

  /**
   * The running, healthy session, or a SandboxError that says why not. Every entry point
   * that runs something asks here first: when the answer is an error, nothing runs anywhere.
   */
  async requireHealthy(): Promise<SandboxSession> {
    const status = this.current;
    if (status.mode === 'off') {
      throw new SandboxError(
        'SESSION_NOT_RUNNING',
        'Sandbox mode is off, so nothing runs.',
        'Turn it on from the status bar or with "Agent Sandbox: Start Sandbox".',
      );
    }
    if (status.mode === 'starting') {
      throw new SandboxError(
        'SESSION_BUSY',
        'The sandbox is still starting.',
        'Wait until the status bar shows "Sandbox: on", then try again.',
      );
    }
    if (!this.session || status.mode !== 'on') {
      throw new SandboxError(
        'SESSION_NOT_RUNNING',
        `Sandbox mode is on, but the sandbox is ${status.mode === 'error' ? 'in error' : status.mode}${status.reason ? ` (${status.reason})` : ''}: ${status.detail ?? 'it cannot run commands now'}`,
        'Fix the problem above and start the sandbox again; nothing runs on your machine meanwhile.',
      );
    }
    await this.checkHealth();
    if (this.current.mode !== 'on' || !this.session) return this.requireHealthy();
    return this.session;
  }

  /** Runs an argv in the sandbox (fail closed), then rescans the pending changes. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const session = await this.requireHealthy();
    this.logger.info(`run: ${JSON.stringify(argv)}`);
    try {
      const result = await session.run(argv, options);
      this.logger.info(
        `run: exit ${result.exitCode} (${result.outcome}) in ${result.durationMs} ms, ${result.changedFiles.length} path(s) touched`,
      );
      return result;
    } finally {
      await this.checkHealth();
      await this.refreshPending();
    }
  }

  /** Probes the session now and moves the mode between on, degraded and error. */
  async checkHealth(): Promise<void> {
    const session = this.session;
    if (!session || (this.current.mode !== 'on' && this.current.mode !== 'degraded' && this.current.mode !== 'error')) return;
    const health = await probeHealth(session);
    if (this.session !== session) return;
    if (health.healthy) {
      if (this.current.mode !== 'on') {
        this.logger.info('The sandbox is healthy again.');
        this.setMode('on');
      }
    } else if (this.current.mode !== health.mode || this.current.reason !== health.reason) {
      this.logger.warn(`Sandbox ${health.mode}: ${health.detail}`);
      this.setMode(health.mode, health.reason, health.detail);
    }
  }

  private startHealthChecks(): void {
    this.healthTimer.start();
  }

  private stopHealthChecks(): void {
    this.healthTimer.stop();
  }

  /**
   * The airlock of the workspace's session: over the running session, or over the copy of a
   * stopped one (review and apply still work; discards need the container). Undefined when
   * there is no session at all.
   */
  airlock(): Airlock | undefined {
    const root = this.workspaceRoot;
    if (!root) return undefined;
    if (this.session) {
      if (this.airlockOf?.dir !== this.session.dir || this.airlockOf.session !== this.session) {
        this.airlockOf = { dir: this.session.dir, session: this.session, airlock: this.session.airlock() };
      }
      return this.airlockOf.airlock;
    }
    let policy: Policy;
    try {
      policy = this.policy();
    } catch {
      return undefined;
    }
    const opened = openSnapshotOnly(root, policy);
    if (!opened) return undefined;
    if (this.airlockOf?.dir !== opened.dir || this.airlockOf.session !== undefined) {
      this.airlockOf = { dir: opened.dir, session: undefined, airlock: opened.airlock() };
    }
    return this.airlockOf.airlock;
  }

  /** The session directory of this workspace (running or not), if there is one. */
  sessionDir(): string | undefined {
    if (this.session) return this.session.dir;
    const root = this.workspaceRoot;
    if (!root) return undefined;
    try {
      const found = SandboxSession.find(root);
      return found.state ? found.dir : undefined;
    } catch {
      return undefined;
    }
  }

  /** Rescans soon; many calls in a burst (terminal output) become one scan. */
  scheduleRefresh(delayMs = REFRESH_DELAY_MS): void {
    this.pendingRefresh.schedule(delayMs);
  }

  /** Rescans the pending changes and publishes their count. One scan at a time; calls meanwhile coalesce. */
  refreshPending(): Promise<void> {
    return this.pendingRefresh.refresh();
  }

  private async scanOnce(): Promise<void> {
    const counts = await countChanges(this.airlock(), this.logger);
    const pending = counts?.pending;
    const unapplied = counts?.unapplied;
    if (pending !== this.current.pending || unapplied !== this.current.unapplied) this.update({ pending, unapplied });
    this.changesEmitter.fire();
  }

  /** Called after apply or discard: the copy may be back under its disk cap. */
  async afterTreeChange(): Promise<void> {
    await this.session?.recheckDiskCap().catch((err: unknown) => this.logger.error('Rechecking the disk cap failed', err));
    await this.checkHealth();
    await this.refreshPending();
  }
}
