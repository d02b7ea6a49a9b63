/**
 * Probes the running session at the interval of the setting `agentSandbox.healthCheckIntervalSec`,
 * so that a container stopped or an engine gone shows in the status bar before the next call
 * is refused. No `vscode` here: the interval is read through a function, at each start.
 */
import type { Logger } from '../util/logger';

export class HealthTimer {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly check: () => Promise<void>,
    private readonly intervalMs: () => number,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  /** (Re)starts the checks; never two timers at once. */
  start(): void {
    this.stop();
    this.timer = setInterval(
      () => void this.check().catch((err: unknown) => this.logger.error('Health check failed', err)),
      this.intervalMs(),
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
  }
}
