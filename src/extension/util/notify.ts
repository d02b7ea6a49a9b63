/** Showing errors to a person: the message, the hint, and a way to the logs. */
import * as vscode from 'vscode';
import { describeError, SandboxError } from '../../core/errors';
import type { Logger } from './logger';

export async function showError(logger: Logger, what: string, err: unknown): Promise<void> {
  logger.error(what, err);
  if (err instanceof SandboxError && err.code === 'CANCELLED') {
    void vscode.window.showInformationMessage(`Agent Sandbox: ${err.message}`);
    return;
  }
  // Not awaited: a command that failed is finished; the message stays for the person.
  void vscode.window
    .showErrorMessage(`Agent Sandbox: ${what}. ${describeError(err).replace(/\n/g, ' ')}`, 'Show Logs')
    .then((choice) => choice === 'Show Logs' && logger.show());
}
