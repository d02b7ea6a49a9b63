/**
 * The sandbox network this window serves (the egress proxy in allowlist mode) while it runs
 * the session. Closing waits for every close under way, also one another caller started, so
 * a new start and the window's shutdown never go on while the old proxy still listens. After
 * shutdown a network handed in (a start that finished late) is closed at once. No `vscode`
 * here, so it is unit-tested.
 */
import type { OpenSandbox } from '../../core/session/network';
import type { Logger } from '../util/logger';

export class ServedNetwork {
  private opened: Pick<OpenSandbox, 'close'> | undefined;
  private closing: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  /** Serves a started sandbox's network until the next close. */
  serve(opened: Pick<OpenSandbox, 'close'>): void {
    this.opened = opened;
    if (this.ended) void this.close();
  }

  /** Stops serving the network (the container keeps running); resolves when every close under way is done. Never rejects: a failure is logged. */
  close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) {
      const closed = opened.close().catch((err: unknown) => this.logger.error('Closing the sandbox network failed', err));
      this.closing = Promise.all([this.closing, closed]).then(() => undefined);
    }
    return this.closing;
  }

  /** Closes the network for good: what is handed in later is closed at once. */
  shutdown(): Promise<void> {
    this.ended = true;
    return this.close();
  }
}
