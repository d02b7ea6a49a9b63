/**
 * The review panel's destructive actions ask through VS Code's own modal dialog, never an
 * in-page prompt: the same dialog as the rest of the editor, keyboard-accessible, and only a
 * person can answer it.
 */
import * as vscode from 'vscode';
import { plainForNotification } from '../util/plainText';

async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  // Messages may name sandbox files: plain text, never links.
  const answer = await vscode.window.showWarningMessage(plainForNotification(message), { modal: true, detail }, action);
  return answer === action;
}

/** Discarding throws away every change in the sandbox copy. */
export function confirmDiscard(changes: number): Promise<boolean> {
  return confirm(
    changes === 0
      ? vscode.l10n.t('Discard everything in the sandbox?')
      : changes === 1
        ? vscode.l10n.t('Discard the 1 change in the sandbox?')
        : vscode.l10n.t('Discard all {0} changes in the sandbox?', changes),
    vscode.l10n.t('The sandbox copy goes back to your workspace as it is. Your own files are not touched. This cannot be undone.'),
    vscode.l10n.t('Discard'),
  );
}

/** Taking the sandbox's version of a conflicting file overwrites what the person changed in it. */
export function confirmTakeSandbox(relPath: string): Promise<boolean> {
  return confirm(
    vscode.l10n.t("Replace your version of {0} with the sandbox's?", relPath),
    vscode.l10n.t('Your changes to this file since the sandbox started are overwritten. Undo Last Apply takes it back.'),
    vscode.l10n.t("Take the sandbox's"),
  );
}
