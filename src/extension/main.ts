/**
 * Entry point of the extension: creates the parts listed in contributions.ts one by one (a
 * part that fails is logged and named in one notification; the others still start), and on
 * deactivation awaits the parts' asynchronous shutdowns before VS Code disposes the rest.
 */
import * as vscode from 'vscode';
import { setAuditFailureSink } from '../core/audit';
import { activateParts, activationFailureMessage, shutdownAll, type AsyncShutdown } from './activation';
import { contributions } from './contributions';
import { Logger } from './util/logger';

let running: { readonly logger: Logger; readonly shutdowns: AsyncShutdown[] } | undefined;

export function activate(context: vscode.ExtensionContext): void {
  // First, and outside the parts: a failing part is reported here.
  const logger = new Logger();
  context.subscriptions.push(logger);
  setAuditFailureSink((message) => logger.error(message));
  const activated = activateParts(contributions(context, logger));
  context.subscriptions.push(...activated.disposables);
  running = { logger, shutdowns: activated.shutdowns };
  for (const { name, error } of activated.failed) logger.error(`Activation: ${name} did not start`, error);
  for (const name of activated.skipped) logger.warn(`Activation: ${name} is off, as a part it needs did not start.`);
  const message = activationFailureMessage(activated);
  if (message) {
    void vscode.window.showErrorMessage(message, 'Show Logs').then((pick) => pick && logger.show());
  }
  const root = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  logger.info(`Agent Sandbox activated (workspace ${root ?? 'none'}, ${vscode.workspace.isTrusted ? 'trusted' : 'Restricted Mode'}).`);
}

/**
 * VS Code awaits this before it disposes `context.subscriptions`: the parts' shutdowns (the
 * sandbox's network, say) finish first. The sandbox itself keeps running for the next window.
 */
export async function deactivate(): Promise<void> {
  const parts = running;
  running = undefined;
  if (!parts) return;
  await shutdownAll(parts.shutdowns, (err) => parts.logger.error('Shutting down a part of the extension failed', err));
}
