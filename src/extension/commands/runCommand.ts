/**
 * "Run Command in Sandbox…": asks for a command line and runs it in the sandbox as
 * `sh -c LINE` (the line is one argv element, never spliced), with its output in an output
 * channel and a cancellable notification while it runs.
 */
import * as vscode from 'vscode';
import type { SandboxController } from '../sandbox/controller';
import { executeCommand } from '../util/commands';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';
import { plainForNotification } from '../util/plainText';

export async function runCommandInSandbox(
  controller: SandboxController,
  logger: Logger,
  output: vscode.OutputChannel,
  given?: string,
): Promise<void> {
  try {
    await controller.requireHealthy();
  } catch (err) {
    await showError(logger, vscode.l10n.t('Nothing was run'), err);
    return;
  }
  const line =
    given ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Run Command in Sandbox'),
      prompt: vscode.l10n.t('A shell command line, run with sh -c inside the sandbox (not on your machine)'),
      placeHolder: 'npm test',
      ignoreFocusOut: true,
    }));
  if (!line?.trim()) return;
  output.appendLine(`$ ${line}`);
  output.show(true);
  try {
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Agent Sandbox: running {0}', line.length > 60 ? `${line.slice(0, 57)}…` : line),
        cancellable: true,
      },
      async (_progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          return await controller.run(['/bin/sh', '-c', line], {
            signal: abort.signal,
            onStdout: (b) => output.append(b.toString('utf8')),
            onStderr: (b) => output.append(b.toString('utf8')),
          });
        } finally {
          sub.dispose();
        }
      },
    );
    const summary = `${vscode.l10n.t('exit code {0}', result.exitCode)}${result.message ? ` — ${result.message}` : ''}`;
    output.appendLine(`[${summary}]`);
    const changed = result.changedFiles.length;
    const finished = vscode.l10n.t('Agent Sandbox: the command finished with {0}.', summary);
    const message = plainForNotification(
      changed === 0
        ? finished
        : changed === 1
          ? `${finished} ${vscode.l10n.t('1 path changed in the sandbox.')}`
          : `${finished} ${vscode.l10n.t('{0} paths changed in the sandbox.', changed)}`,
    );
    const action = changed ? vscode.l10n.t('Review Changes') : undefined;
    // Not awaited: the command is done when the command is; the message waits for the person.
    const shown =
      result.exitCode === 0
        ? vscode.window.showInformationMessage(message, ...(action ? [action] : []))
        : vscode.window.showWarningMessage(message, ...(action ? [action] : []));
    void shown.then((pick) => pick !== undefined && pick === action && executeCommand('agentSandbox.reviewChanges'));
  } catch (err) {
    await showError(logger, vscode.l10n.t('The command could not run in the sandbox'), err);
  }
}
