/**
 * The changed paths a file watcher collected since the kept base was last refreshed, and
 * from when on that list is whole. Pure bookkeeping, fed by a watcher (VS Code's in the
 * extension, watchTree.ts in the CLI) and read by each refresh (see baseChanges.ts).
 *
 * Whenever the watcher may have missed something, the list starts over and `since` moves to
 * that moment: a kept copy made before then is refreshed by looking at every entry, never
 * from a list that may lack a change (a stale base). That happens on too many changes at
 * once, on any watcher error, and on a gap in the heartbeat (the machine slept, or the
 * process stood still long enough for the kernel's event queue to overflow unseen).
 */
export interface WatchedChangesOptions {
  /** More changed paths than this and the list is dropped (a refresh looks at everything). */
  readonly maxPaths?: number;
  /** A heartbeat later than this after the one before means events may have been lost. */
  readonly maxHeartbeatGapMs?: number;
}

export interface TakenChanges {
  readonly since: number;
  readonly paths: readonly string[];
}

export const DEFAULT_MAX_PATHS = 10_000;
export const DEFAULT_MAX_HEARTBEAT_GAP_MS = 10_000;

export class WatchedChanges {
  private sinceMs: number;
  private readonly paths = new Set<string>();
  private lastBeat: number;
  private lost: string | undefined;
  private readonly maxPaths: number;
  private readonly maxGap: number;

  /** `readyAt`: when the watcher began to see every change. */
  constructor(readyAt: number, options: WatchedChangesOptions = {}) {
    this.sinceMs = readyAt;
    this.lastBeat = readyAt;
    this.maxPaths = options.maxPaths ?? DEFAULT_MAX_PATHS;
    this.maxGap = options.maxHeartbeatGapMs ?? DEFAULT_MAX_HEARTBEAT_GAP_MS;
  }

  get since(): number {
    return this.sinceMs;
  }

  /** Changed paths waiting for a refresh. */
  get size(): number {
    return this.paths.size;
  }

  /** Why the list last started over, if it did. */
  get lastLoss(): string | undefined {
    return this.lost;
  }

  /** Records a changed path (relative, posix; `''` is the whole workspace). */
  add(rel: string, now: number): void {
    let clean = rel.replace(/^\.\/+/, '').replace(/\/+$/, '');
    // A name that is not UTF-8 reaches us mangled: its nearest folder with a readable name stands for it.
    const bad = clean.indexOf('\uFFFD');
    if (bad !== -1) clean = clean.slice(0, Math.max(0, clean.lastIndexOf('/', bad)));
    // A folder already listed covers everything below it.
    for (let i = clean.lastIndexOf('/'); i > 0; i = clean.lastIndexOf('/', i - 1)) {
      if (this.paths.has(clean.slice(0, i))) return;
    }
    if (this.paths.has('')) return;
    this.paths.add(clean);
    if (this.paths.size > this.maxPaths) this.lose(`more than ${this.maxPaths} paths changed before a refresh`, now);
  }

  /** The watcher may have missed changes: the list starts over from now. */
  lose(reason: string, now: number): void {
    this.paths.clear();
    this.sinceMs = now;
    this.lost = reason;
  }

  /** Called on a timer; a late call means the process or the machine stood still. */
  heartbeat(now: number): void {
    const gap = now - this.lastBeat;
    this.lastBeat = now;
    if (gap > this.maxGap)
      this.lose(
        `no heartbeat for ${Math.round(gap / 1000)} s (the machine slept or the process stood still), so events may have been lost`,
        now,
      );
  }

  /**
   * Hands the list to a refresh that starts now and begins a new one; changes seen from now
   * on go to the new list whether the refresh saw them or not (a superset is harmless).
   */
  take(): TakenChanges {
    const taken = { since: this.sinceMs, paths: [...this.paths] };
    this.paths.clear();
    return taken;
  }

  /** A refresh that failed or was cancelled gives its list back. */
  giveBack(taken: TakenChanges, now: number): void {
    // After a loss the list started over anyway; the old paths are still worth a look.
    for (const p of taken.paths) this.add(p, now);
  }
}
