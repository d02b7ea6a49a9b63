/**
 * Registers and runs the extension's own commands by `CommandId` only, so that an id missing
 * from commandIds.ts (and so, by the manifest test, from package.json) does not compile.
 */
import * as vscode from 'vscode';
import type { CommandId } from '../commandIds';

export function registerCommand(id: CommandId, run: (...args: never[]) => unknown): vscode.Disposable {
  // eslint-disable-next-line no-restricted-syntax -- the one place that registers commands
  return vscode.commands.registerCommand(id, run as (...args: unknown[]) => unknown);
}

export function executeCommand(id: CommandId, ...args: unknown[]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}
