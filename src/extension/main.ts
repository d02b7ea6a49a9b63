/** Entry point of the extension: one line over the list of contributions. */
import type * as vscode from 'vscode';
import { contributions } from './contributions';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(...contributions(context));
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; the sandbox keeps running for the next window.
}
