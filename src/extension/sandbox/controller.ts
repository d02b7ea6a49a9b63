/**
 * The workspace's sandbox as the extension sees it: sandbox mode on or off, the session, its
 * health, and the pending changes. Every surface (status bar, commands, terminals, review
 * panel, agent entry points) goes through here, so all of them fail closed the same way.
 */
import * as vscode from 'vscode';
import type { NetworkLogRecord } from '../../core/network/log';
import { ruleForHostPort } from '../../core/network/rules';
import type { Airlock } from '../../core/airlock';
import { SandboxError } from '../../core/errors';
import type { AskAnswer, AskRequest } from '../../core/network/gate';
import { startSandbox, type OpenSandbox } from '../../core/session/network';
import { openSnapshotOnly, resetSession } from '../../core/session/lifecycle';
import { SandboxSession, type RunOptions, type RunResult } from '../../core/session/session';
import type { BaseChanges } from '../../core/snapshot/baseChanges';
import { DEFAULT_POLICY, type Policy } from '../../core/policy';
import { countWorkspacePendingChanges, describePending, removeWorkspaceSession, type PendingCount, type RemoveResult } from '../../core/session/remove';
import { resolveExtensionPolicy, healthCheckIntervalMs } from '../settings';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { probeHealth } from './health';
import { reasonForCode, type SandboxMode, type SandboxStatus } from './status';

const ENABLED_KEY = 'agentSandbox.enabled';
const NETWORK_APPROVALS_KEY = 'agentSandbox.networkApprovals';

export interface StartOptions {
  /** Show a cancellable notification with progress (the default). */
  readonly withProgress?: boolean;
}

/** A file watcher's changes for a start; given back unless the start made a new copy from them. */
export type BaseChangesSource = () => { readonly changes: BaseChanges; giveBack(): void } | undefined;

export class SandboxController extends Disposable {
  private current: SandboxStatus = { mode: 'off' };
  private session: SandboxSession | undefined;
  /** The session's network (the egress proxy in allowlist mode), served while this window runs it. */
  private opened: OpenSandbox | undefined;
  private airlockOf: { dir: string; airlock: Airlock } | undefined;
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private starting: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private baseChangesSource: BaseChangesSource | undefined;

  private readonly statusEmitter = this._register(new vscode.EventEmitter<SandboxStatus>());
  /** Fires whenever the mode, its reason or the pending count changes. */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly changesEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires after the pending change set was rescanned (the review panel refetches). */
  readonly onDidChangeChanges = this.changesEmitter.event;
  private readonly networkEmitter = this._register(new vscode.EventEmitter<NetworkLogRecord>());
  /** Every request the sandbox's network proxy decided on, as it happens. */
  readonly onNetworkRecord = this.networkEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    super();
    this.current = { mode: 'off', restricted: !vscode.workspace.isTrusted };
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.update({ restricted: false })));
    this._register({ dispose: () => this.stopHealthChecks() });
    this._register({ dispose: () => void this.closeNetwork() });
    this._register({ dispose: () => this.refreshTimer && clearTimeout(this.refreshTimer) });
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
    return this.context.workspaceState.get<boolean>(ENABLED_KEY, false);
  }

  get runningSession(): SandboxSession | undefined {
    return this.current.mode === 'on' ? this.session : undefined;
  }

  /** The effective policy; throws a SandboxError naming the bad setting or file. */
  policy(): Policy {
    const policy = resolveExtensionPolicy(this.workspaceRoot).policy;
    // Domains the person allowed "always for this workspace" are kept in this extension's
    // own workspace state, out of the repository's reach; deny rules still win over them.
    const approved = this.context.workspaceState.get<string[]>(NETWORK_APPROVALS_KEY, []);
    if (policy.network.mode !== 'allowlist' || !approved.length) return policy;
    return { ...policy, network: { ...policy.network, allow: [...new Set([...policy.network.allow, ...approved])] } };
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
    this.update({ mode, ...(reason !== undefined ? { reason } : { reason: undefined }), ...(detail !== undefined ? { detail } : { detail: undefined }) });
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
    await this.context.workspaceState.update(ENABLED_KEY, true);
    this.setMode('starting', 'preparing');
    const work = async (report: (message: string) => void, signal?: AbortSignal): Promise<void> => {
      const policy = this.policy();
      await this.closeNetwork();
      let fromWatcher: ReturnType<BaseChangesSource>;
      const opened = await startSandbox({
        workspaceRoot: root,
        policy,
        // Taken when the copy is refreshed, as late as can be: events of the last moments arrive meanwhile.
        baseChanges: () => (fromWatcher = this.baseChangesSource?.())?.changes,
        progress: (message) => {
          this.logger.debug(`start: ${message}`);
          report(message);
        },
        ...(signal ? { signal } : {}),
        hooks: {
          onAsk: (request) => this.askForNetwork(request),
          onRecord: (record) => {
            this.logger.debug(`network: ${JSON.stringify(record)}`);
            this.networkEmitter.fire(record);
          },
        },
      }).catch((err: unknown) => {
        fromWatcher?.giveBack();
        throw err;
      });
      const { session, outcome, collected } = opened;
      // Only a new copy was made from the changes; a session that goes on keeps its older one.
      if (outcome !== 'created') fromWatcher?.giveBack();
      this.opened = opened;
      for (const c of collected) this.logger.info(`Collected ${c} left behind by a crashed session.`);
      this.logger.info(`Sandbox ${session.id} ${outcome} (${session.strategy} copy, user ${session.user}).`);
      this.session = session;
      const recovered = await this.airlock()!.recover();
      if (recovered.rolledBack.length || recovered.finished.length) {
        this.logger.info(`Recovered interrupted applies: rolled back ${recovered.rolledBack.length}, finished ${recovered.finished.length}.`);
      }
      for (const p of recovered.problems) this.logger.warn(`Recovery: ${p}`);
    };
    try {
      if (options.withProgress === false) {
        await work(() => undefined);
      } else {
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Agent Sandbox: starting', cancellable: true },
          async (progress, token) => {
            const abort = new AbortController();
            const sub = token.onCancellationRequested(() => abort.abort());
            try {
              await work((message) => progress.report({ message }), abort.signal);
            } finally {
              sub.dispose();
            }
          },
        );
      }
    } catch (err) {
      const code = err instanceof SandboxError ? err.code : undefined;
      if (code === 'CANCELLED') {
        await this.context.workspaceState.update(ENABLED_KEY, false);
        this.setMode('off');
      } else {
        this.setMode('error', reasonForCode(code), err instanceof SandboxError ? err.describe().replace(/\n/g, ' ') : (err as Error).message);
      }
      throw err;
    }
    this.setMode('on');
    this.startHealthChecks();
    await this.refreshPending();
  }

  /** Sandbox mode off, health checks and network closed; returns the session that was in use. */
  private async turnOff(): Promise<SandboxSession | undefined> {
    await this.context.workspaceState.update(ENABLED_KEY, false);
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
    if (this.starting) throw new SandboxError('SESSION_BUSY', 'The sandbox is still starting.', 'Wait until it has started (or cancel the start), then remove it.');
    const session = await this.turnOff();
    try {
      const result = await removeWorkspaceSession({ workspaceRoot: root, policy: this.policyForRemoval(), force: true });
      for (const item of result.items) this.logger.info(`Removed ${item}.`);
      this.logger.info(`Sandbox ${result.sessionId ?? session?.id ?? ''} of ${root} ${result.removed ? 'removed' : 'was already gone'}${result.lost.count ? `, with ${describePending(result.lost)}` : ''}.`);
      return result;
    } finally {
      await this.refreshPending();
    }
  }

  /** The pending changes that removing the session would lose; undefined when there is no session. */
  pendingBeforeRemove(): Promise<PendingCount | undefined> {
    const root = this.requireStartable();
    return countWorkspacePendingChanges(root, this.policyForRemoval());
  }

  /** Removal needs the policy only to classify changes: a broken setting must not keep a session from going. */
  private policyForRemoval(): Policy {
    try {
      return this.policy();
    } catch (err) {
      this.logger.warn(`The policy is invalid (${(err as Error).message}); the built-in defaults are used to count the pending changes.`);
      return DEFAULT_POLICY;
    }
  }

  private async closeNetwork(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await opened?.close().catch((err: unknown) => this.logger.error('Closing the sandbox network failed', err));
  }

  /** Puts a domain no rule names to the person (policy network.unlisted = "ask"). */
  private async askForNetwork(request: AskRequest): Promise<AskAnswer> {
    this.logger.info(`network: the sandbox asks to reach ${request.host}:${request.port} (${request.method})`);
    const pick = await vscode.window.showWarningMessage(
      `Agent Sandbox: a command in the sandbox wants to reach ${request.host}:${request.port}, which no network rule allows.`,
      'Allow Once',
      'Allow for This Session',
      'Always for This Workspace',
      'Deny',
    );
    const answer: AskAnswer =
      pick === 'Allow Once' ? 'allow-once'
      : pick === 'Allow for This Session' ? 'allow-session'
      : pick === 'Always for This Workspace' ? 'allow-workspace'
      : 'deny';
    if (answer === 'allow-workspace') {
      const approved = this.context.workspaceState.get<string[]>(NETWORK_APPROVALS_KEY, []);
      await this.context.workspaceState.update(NETWORK_APPROVALS_KEY, [...new Set([...approved, ruleForHostPort(request.host, request.port)])]);
    }
    this.logger.info(`network: ${request.host}:${request.port} -> ${answer}`);
    return answer;
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
      throw new SandboxError('SESSION_NOT_RUNNING', 'Sandbox mode is off, so nothing runs.', 'Turn it on from the status bar or with "Agent Sandbox: Start Sandbox".');
    }
    if (status.mode === 'starting') {
      throw new SandboxError('SESSION_BUSY', 'The sandbox is still starting.', 'Wait until the status bar shows "Sandbox: on", then try again.');
    }
    if (!this.session || status.mode !== 'on') {
      throw new SandboxError('SESSION_NOT_RUNNING', `Sandbox mode is on, but the sandbox is ${status.mode === 'error' ? 'in error' : status.mode}${status.reason ? ` (${status.reason})` : ''}: ${status.detail ?? 'it cannot run commands now'}`, 'Fix the problem above and start the sandbox again; nothing runs on your machine meanwhile.');
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
      this.logger.info(`run: exit ${result.exitCode} (${result.outcome}) in ${result.durationMs} ms, ${result.changedFiles.length} path(s) touched`);
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
    this.stopHealthChecks();
    this.healthTimer = setInterval(() => void this.checkHealth().catch((err) => this.logger.error('Health check failed', err)), healthCheckIntervalMs());
  }

  private stopHealthChecks(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
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
      if (this.airlockOf?.dir !== this.session.dir || !this.airlockOf) {
        this.airlockOf = { dir: this.session.dir, airlock: this.session.airlock() };
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
    if (this.airlockOf?.dir !== opened.dir) {
      this.airlockOf = { dir: opened.dir, airlock: opened.airlock() };
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
  scheduleRefresh(delayMs = 600): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshPending();
    }, delayMs);
  }

  /** Rescans the pending changes and publishes their count. One scan at a time; calls meanwhile coalesce. */
  refreshPending(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.scanOnce();
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async scanOnce(): Promise<void> {
    const airlock = this.airlock();
    let pending: number | undefined;
    if (airlock) {
      try {
        pending = (await airlock.changes()).entries.length;
      } catch (err) {
        this.logger.error('Scanning the pending changes failed', err);
      }
    }
    if (pending !== this.current.pending) this.update({ pending });
    this.changesEmitter.fire();
  }

  /** Called after apply or discard: the copy may be back under its disk cap. */
  async afterTreeChange(): Promise<void> {
    await this.session?.recheckDiskCap().catch((err: unknown) => this.logger.error('Rechecking the disk cap failed', err));
    await this.checkHealth();
    await this.refreshPending();
  }
}
