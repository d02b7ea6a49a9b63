/**
 * Keeps a workspace's kept base copy current in the background: a first prepare, then a
 * refresh a little after each burst of changes a file watcher reports, one at a time, and
 * the changes handed to a start instead when one comes. Shared by the extension (VS Code's
 * watcher) and `agent-sandbox prepare --watch` (watchTree.ts); both only feed it events.
 */
import { describeError, SandboxError } from '../errors';
import type { Policy } from '../policy';
import type { BaseChanges } from './baseChanges';
import type { WatchedChanges, TakenChanges } from './watchedChanges';
import { prepareBase, type PrepareResult } from './prepareBase';

export type KeeperActivity =
  | { readonly kind: 'preparing'; readonly entries: number }
  | { readonly kind: 'done'; readonly result: PrepareResult }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'cancelled' };

export interface BaseKeeperOptions {
  readonly workspaceRoot: string;
  /** Read at every refresh, so that changed settings take effect. */
  readonly policy: () => Policy;
  readonly env?: NodeJS.ProcessEnv;
  readonly tracker: WatchedChanges;
  /** Patterns the watcher does not report (see BaseChanges.unwatched). */
  readonly unwatched?: () => readonly string[];
  /** Quiet time after the last change before a refresh. */
  readonly quietMs?: number;
  /** Longest a change waits for its refresh while changes keep coming. */
  readonly maxDelayMs?: number;
  readonly heartbeatMs?: number;
  /** Wait after a failed or busy refresh before the next try. */
  readonly retryMs?: number;
  readonly onActivity?: (activity: KeeperActivity) => void;
  /** Asked before each refresh; when false, the changes wait for a later one (or a start). */
  readonly shouldRefresh?: () => boolean;
}

export class BaseKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstPendingAt: number | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private abort: AbortController | undefined;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private disposed = false;

  constructor(private readonly options: BaseKeeperOptions) {
    this.heartbeat = setInterval(() => options.tracker.heartbeat(Date.now()), options.heartbeatMs ?? 2000);
  }

  get tracker(): WatchedChanges {
    return this.options.tracker;
  }

  /** Whether a refresh is under way. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** A watcher event: the path changed (relative posix; `''` for the workspace itself). */
  changed(rel: string): void {
    this.options.tracker.add(rel, Date.now());
    this.schedule();
  }

  /** The watcher may have missed events: the next refresh looks at every entry. */
  lost(reason: string): void {
    this.options.tracker.lose(reason, Date.now());
    this.schedule();
  }

  /** Refreshes soon (debounced); a refresh under way is followed by another. */
  schedule(delayMs = this.options.quietMs ?? 1500): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const now = Date.now();
    this.firstPendingAt ??= now;
    const latest = this.firstPendingAt + (this.options.maxDelayMs ?? 30_000);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(0, Math.min(delayMs, latest - now)));
  }

  /** Refreshes now (or waits for the refresh under way) and reports how it went. */
  refresh(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.firstPendingAt = undefined;
    if (this.running) return this.running;
    this.running = this.refreshOnce().finally(() => {
      this.running = undefined;
      if (this.again && !this.disposed) {
        this.again = false;
        this.schedule();
      }
    });
    return this.running;
  }

  private async refreshOnce(): Promise<void> {
    const { tracker } = this.options;
    if (this.options.shouldRefresh && !this.options.shouldRefresh()) return;
    // A heartbeat first: a refresh right after the machine woke up must not trust the list.
    tracker.heartbeat(Date.now());
    const taken = tracker.take();
    this.abort = new AbortController();
    let result: PrepareResult;
    try {
      this.options.onActivity?.({ kind: 'preparing', entries: 0 });
      result = await prepareBase({
        workspaceRoot: this.options.workspaceRoot,
        policy: this.options.policy(),
        ...(this.options.env ? { env: this.options.env } : {}),
        signal: this.abort.signal,
        onProgress: (entries) => this.options.onActivity?.({ kind: 'preparing', entries }),
        changes: this.changesOf(taken),
      });
    } catch (err) {
      tracker.giveBack(taken, Date.now());
      if (err instanceof SandboxError && err.code === 'CANCELLED') this.options.onActivity?.({ kind: 'cancelled' });
      else {
        this.options.onActivity?.({ kind: 'failed', message: describeError(err) });
        this.retryLater();
      }
      return;
    } finally {
      this.abort = undefined;
    }
    if (result.outcome !== 'prepared') {
      tracker.giveBack(taken, Date.now());
      if (result.outcome === 'busy') this.retryLater();
    }
    this.options.onActivity?.({ kind: 'done', result });
  }

  private retryLater(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), this.options.retryMs ?? 60_000);
  }

  private changesOf(taken: TakenChanges): BaseChanges {
    const unwatched = this.options.unwatched?.() ?? [];
    return { since: taken.since, paths: taken.paths, ...(unwatched.length ? { unwatched } : {}) };
  }

  /** Stops a refresh under way; the copy stays valid for the next one (it looks at every entry). */
  cancel(): void {
    this.abort?.abort();
  }

  /**
   * The changes for a start about to refresh the kept copy itself. Give them back with
   * `giveBack` unless the start made a new copy from them, so that a later refresh still sees them.
   */
  changesForStart(): { changes: BaseChanges; giveBack: () => void } {
    const { tracker } = this.options;
    tracker.heartbeat(Date.now());
    const taken = tracker.take();
    return { changes: this.changesOf(taken), giveBack: () => tracker.giveBack(taken, Date.now()) };
  }

  /** Resolves once no refresh is under way (after `cancel` or `dispose`, once it has stopped). */
  async idle(): Promise<void> {
    await this.running;
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }
}
