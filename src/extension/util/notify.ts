/**
 * Showing errors to a person: the message, the hint, and the fix as a button that runs it
 * (Trust Folder…, Start Sandbox, Open Settings, Show Logs...; see fixActions.ts).
 */
import * as vscode from 'vscode';
import { describeError, SandboxError } from '../../core/errors';
import { executeCommand } from './commands';
import { ENGINE_DOCS_URL, fixActionsFor, type FixAction } from './fixActions';
import type { Logger } from './logger';
import { plainForNotification } from './plainText';

function fixLabel(action: FixAction): string {
  switch (action) {
    case 'trustFolder':
      return vscode.l10n.t('Trust Folder…');
    case 'openFolder':
      return vscode.l10n.t('Open Folder…');
    case 'startSandbox':
      return vscode.l10n.t('Start Sandbox');
    case 'reviewChanges':
      return vscode.l10n.t('Review Changes');
    case 'openSettings':
      return vscode.l10n.t('Open Settings');
    case 'openEngineDocs':
      return vscode.l10n.t('Open Docs');
    case 'showLogs':
      return vscode.l10n.t('Show Logs');
  }
}

/** Runs a fix; errors of the fix itself are shown by the command that failed. */
export async function runFix(action: FixAction, logger: Logger): Promise<void> {
  switch (action) {
    case 'trustFolder':
      await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    case 'openFolder':
      await vscode.commands.executeCommand('workbench.action.files.openFolder');
      return;
    case 'startSandbox':
      await executeCommand('agentSandbox.start');
      return;
    case 'reviewChanges':
      await executeCommand('agentSandbox.reviewChanges');
      return;
    case 'openSettings':
      await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:agent-sandbox.agent-sandbox');
      return;
    case 'openEngineDocs':
      await vscode.env.openExternal(vscode.Uri.parse(ENGINE_DOCS_URL));
      return;
    case 'showLogs':
      logger.show();
      return;
  }
}

/** The fixes that fit this error in this window. */
export function fixesFor(err: unknown): FixAction[] {
  return fixActionsFor({
    code: err instanceof SandboxError ? err.code : undefined,
    trusted: vscode.workspace.isTrusted,
    hasFolder: vscode.workspace.workspaceFolders?.some((f) => f.uri.scheme === 'file') ?? false,
  });
}

/**
 * Logs the error and shows it as "Agent Sandbox: {what}. {message and hint}" with its fixes as
 * buttons. `what` is already localized by the caller.
 */
export async function showError(logger: Logger, what: string, err: unknown): Promise<void> {
  logger.error(what, err);
  if (err instanceof SandboxError && err.code === 'CANCELLED') {
    void vscode.window.showInformationMessage(plainForNotification(vscode.l10n.t('Agent Sandbox: {0}', err.message)));
    return;
  }
  const fixes = fixesFor(err);
  const labels = fixes.map(fixLabel);
  // Not awaited: a command that failed is finished; the message stays for the person.
  void vscode.window
    .showErrorMessage(
      plainForNotification(vscode.l10n.t('Agent Sandbox: {0}. {1}', what, describeError(err).replace(/\n/g, ' '))),
      ...labels,
    )
    .then((choice) => {
      const index = choice === undefined ? -1 : labels.indexOf(choice);
      if (index >= 0) void runFix(fixes[index]!, logger);
    });
}
