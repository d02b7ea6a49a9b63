/**
 * The extension's log: one log output channel ("Agent Sandbox"), so levels, timestamps and
 * the "Developer: Set Log Level" command work as for VS Code's own logs.
 */
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';

export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(name = 'Agent Sandbox') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  trace(message: string): void {
    this.channel.trace(message);
  }
  debug(message: string): void {
    this.channel.debug(message);
  }
  info(message: string): void {
    this.channel.info(message);
  }
  warn(message: string): void {
    this.channel.warn(message);
  }
  /** Logs an error with what it says to a person (message and hint) and its stack at debug level. */
  error(context: string, err?: unknown): void {
    this.channel.error(err === undefined ? context : `${context}: ${describeError(err).replace(/\n/g, ' ')}`);
    if (err instanceof Error && err.stack) this.channel.debug(err.stack);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
