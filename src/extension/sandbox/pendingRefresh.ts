/**
 * Rescanning the sandbox copy's pending changes without piling scans up: one scan runs at a
 * time, the calls that arrive during it become one more scan after it, and a burst of
 * scheduled calls (terminal output) becomes one scan once the burst is over. No `vscode`
 * here, so the coalescing is unit-tested.
 */
import type { Airlock } from '../../core/airlock';
import { pendingCount } from '../../protocol/review';
import { decisionOf, reviewableEntries } from '../review/decisions';
import type { Logger } from '../util/logger';

export const REFRESH_DELAY_MS = 600;

export class PendingRefresh {
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `scanOnce` rescans and publishes; it is never run twice at the same time. */
  constructor(private readonly scanOnce: () => Promise<void>) {}

  /** Rescans soon; many calls in a burst become one scan. */
  schedule(delayMs = REFRESH_DELAY_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delayMs);
  }

  /** Rescans now, or after the scan under way when there is one (calls meanwhile coalesce). */
  refresh(): Promise<void> {
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

  /** Drops a scheduled rescan; a scan under way finishes. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The number of files still waiting for a decision in the airlock's copy, counted as the review
 * panel and the Source Control view count them (`pendingCount`); undefined when there is no
 * copy or the scan failed (logged).
 */
export async function countPending(
  airlock: Pick<Airlock, 'changes' | 'review' | 'hunks'> | undefined,
  logger: Pick<Logger, 'error'>,
): Promise<number | undefined> {
  if (!airlock) return undefined;
  try {
    const set = await airlock.changes();
    const review = await airlock.review();
    const decisions = [];
    for (const entry of reviewableEntries(set.entries)) decisions.push(await decisionOf(airlock, entry, review));
    return pendingCount(decisions);
  } catch (err) {
    logger.error('Scanning the pending changes failed', err);
    return undefined;
  }
}
