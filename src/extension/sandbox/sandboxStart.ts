/**
 * How the editor starts the workspace's sandbox: under a cancellable progress notification,
 * with the file watcher's changes for the copy, the network's prompt and log, and what the
 * start found (sessions collected, applies a crash interrupted) in the log.
 */
import * as vscode from 'vscode';
import type { Airlock } from '../../core/airlock';
import type { Policy } from '../../core/policy';
import { startSandbox, type OpenSandbox } from '../../core/session/network';
import type { BaseChanges } from '../../core/snapshot/baseChanges';
import type { Logger } from '../util/logger';
import type { NetworkApprovals } from './networkApprovals';

/** A file watcher's changes for a start; given back unless the start made a new copy from them. */
export type BaseChangesSource = () => { readonly changes: BaseChanges; giveBack(): void } | undefined;

/** The work of a start: `report` shows a step, `signal` aborts when the person cancels. */
export type StartWork = (report: (message: string) => void, signal?: AbortSignal) => Promise<void>;

/** Runs a start's work under a cancellable notification, or silently (a resume after a reload). */
export async function withStartProgress(withProgress: boolean, work: StartWork): Promise<void> {
  if (!withProgress) {
    await work(() => undefined);
    return;
  }
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

/** Starts (or reattaches to) the workspace's sandbox with its network, and logs what the start did. */
export async function startWorkspaceSandbox(options: {
  readonly root: string;
  readonly policy: Policy;
  readonly baseChangesSource: BaseChangesSource | undefined;
  readonly network: NetworkApprovals;
  readonly logger: Logger;
  readonly report: (message: string) => void;
  readonly signal: AbortSignal | undefined;
}): Promise<OpenSandbox> {
  const { logger, report, signal } = options;
  let fromWatcher: ReturnType<BaseChangesSource>;
  const opened = await startSandbox({
    workspaceRoot: options.root,
    policy: options.policy,
    // Taken when the copy is refreshed, as late as can be: events of the last moments arrive meanwhile.
    baseChanges: () => (fromWatcher = options.baseChangesSource?.())?.changes,
    progress: (message) => {
      logger.debug(`start: ${message}`);
      report(message);
    },
    ...(signal ? { signal } : {}),
    hooks: options.network.hooks,
  }).catch((err: unknown) => {
    fromWatcher?.giveBack();
    throw err;
  });
  const { session, outcome, collected } = opened;
  // Only a new copy was made from the changes; a session that goes on keeps its older one.
  if (outcome !== 'created') fromWatcher?.giveBack();
  for (const c of collected) logger.info(`Collected ${c} left behind by a crashed session.`);
  logger.info(`Sandbox ${session.id} ${outcome} (${session.strategy} copy, user ${session.user}).`);
  return opened;
}

/** Finishes or rolls back the applies a crash interrupted, before anything else uses the airlock. */
export async function recoverInterruptedApplies(airlock: Airlock, logger: Logger): Promise<void> {
  const recovered = await airlock.recover();
  if (recovered.rolledBack.length || recovered.finished.length) {
    logger.info(`Recovered interrupted applies: rolled back ${recovered.rolledBack.length}, finished ${recovered.finished.length}.`);
  }
  for (const p of recovered.problems) logger.warn(`Recovery: ${p}`);
}
