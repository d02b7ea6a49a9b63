/** Registers the palette commands; each is a few lines over the controller or a small module. */
import * as vscode from 'vscode';
import { ReviewPanel, type ReviewPanelDeps } from '../review/panel';
import type { SandboxController } from '../sandbox/controller';
import { createSandboxTerminalOptions } from '../terminal/sandboxPty';
import type { CommandId } from '../commandIds';
import { executeCommand, registerCommand } from '../util/commands';
import { Disposable } from '../util/disposable';
import type { Logger } from '../util/logger';
import { showError } from '../util/notify';
import { openAuditLog, showPolicy } from './infoCommands';
import { NetworkLogView } from './networkLog';
import { removeSandbox } from './removeCommand';
import { applyApproved, discardAll, undoLastApply } from './reviewCommands';
import { runCommandInSandbox } from './runCommand';

export class SandboxCommands extends Disposable {
  private readonly commandOutput: vscode.OutputChannel;

  constructor(
    private readonly controller: SandboxController,
    private readonly logger: Logger,
    extensionUri: vscode.Uri,
  ) {
    super();
    this.commandOutput = this._register(vscode.window.createOutputChannel(vscode.l10n.t('Agent Sandbox: Command Output')));
    const c = controller;
    const l = logger;
    const reviewDeps: ReviewPanelDeps = { extensionUri, controller, logger };
    this.register('agentSandbox.start', () => this.guard(vscode.l10n.t('The sandbox did not start'), () => c.start()));
    this.register('agentSandbox.stop', () => this.guard(vscode.l10n.t('Stopping the sandbox failed'), () => c.stop()));
    this.register('agentSandbox.reset', () => this.reset());
    this.register('agentSandbox.remove', () => removeSandbox(c, l));
    this.register('agentSandbox.toggle', () => this.guard(vscode.l10n.t('Toggling sandbox mode failed'), () => c.toggle()));
    this.register('agentSandbox.statusBarClicked', () => this.statusBarClicked());
    this.register('agentSandbox.runCommand', (line?: unknown) =>
      runCommandInSandbox(c, l, this.commandOutput, typeof line === 'string' ? line : undefined),
    );
    this.register('agentSandbox.newTerminal', () => this.newTerminal());
    this.register('agentSandbox.reviewChanges', () => {
      ReviewPanel.show(reviewDeps);
    });
    this.register('agentSandbox.applyApproved', () => applyApproved(c, l));
    this.register('agentSandbox.discardAll', () => discardAll(c, l));
    this.register('agentSandbox.undoApply', () => undoLastApply(c, l));
    this.register('agentSandbox.showPolicy', () => showPolicy(c, l));
    this.register('agentSandbox.openAuditLog', () => openAuditLog(c, l));
    const networkLog = this._register(new NetworkLogView(c));
    this.register('agentSandbox.showNetworkLog', () =>
      this.guard(vscode.l10n.t('Could not show the network log'), () => networkLog.show()),
    );
    this.register('agentSandbox.showLogs', () => l.show());
    this.register('agentSandbox.refreshChanges', () => c.refreshPending());
  }

  private register(id: CommandId, run: (...args: never[]) => unknown): void {
    this._register(registerCommand(id, run));
  }

  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      await showError(this.logger, what, err);
    }
  }

  /**
   * A sandbox terminal, when the sandbox can run one; otherwise the reason, with its fix as a
   * button (Start Sandbox, Trust Folder…), and no terminal (a keybinding reaches this while
   * the palette hides the command).
   */
  private async newTerminal(): Promise<void> {
    try {
      await this.controller.requireHealthy();
    } catch (err) {
      await showError(this.logger, vscode.l10n.t('No sandbox terminal was opened'), err);
      return;
    }
    const terminal = vscode.window.createTerminal(createSandboxTerminalOptions(this.controller, this.logger));
    terminal.show();
  }

  private async reset(): Promise<void> {
    const pending = this.controller.status.pending ?? 0;
    const reset = vscode.l10n.t('Reset');
    const pick = await vscode.window.showWarningMessage(
      vscode.l10n.t('Reset the sandbox?'),
      {
        modal: true,
        detail:
          pending === 0
            ? vscode.l10n.t(
                'The container and its copy of the workspace are removed; a new sandbox starts from your workspace as it is now.',
              )
            : pending === 1
              ? vscode.l10n.t(
                  'The container and its copy of the workspace are removed, with 1 pending change that was not applied; a new sandbox starts from your workspace as it is now.',
                )
              : vscode.l10n.t(
                  'The container and its copy of the workspace are removed, with {0} pending changes that were not applied; a new sandbox starts from your workspace as it is now.',
                  pending,
                ),
      },
      reset,
    );
    if (pick !== reset) return;
    await this.guard(vscode.l10n.t('Resetting the sandbox failed'), () => this.controller.reset());
  }

  /**
   * The status bar item: with changes pending it opens review (the count is what the person
   * clicks on; turning the sandbox off stays in the tooltip and the palette), otherwise it
   * toggles, or offers the way out when the sandbox is on but unhealthy.
   */
  private async statusBarClicked(): Promise<void> {
    const status = this.controller.status;
    if ((status.mode === 'off' || status.mode === 'on') && (status.pending ?? 0) > 0) {
      await executeCommand('agentSandbox.reviewChanges');
      return;
    }
    if (status.mode === 'off' || status.mode === 'on') {
      await this.guard(vscode.l10n.t('Toggling sandbox mode failed'), () => this.controller.toggle());
      return;
    }
    if (status.mode === 'starting') {
      void vscode.window.showInformationMessage(vscode.l10n.t('Agent Sandbox is starting; see the notification for progress.'));
      return;
    }
    const retry = vscode.l10n.t('Retry');
    const turnOff = vscode.l10n.t('Turn Off');
    const showLogs = vscode.l10n.t('Show Logs');
    const pick = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Agent Sandbox is {0}{1}: {2} Agent tools refuse to run until it is healthy.',
        status.mode,
        status.reason ? ` (${status.reason})` : '',
        status.detail ?? '',
      ),
      retry,
      turnOff,
      showLogs,
    );
    if (pick === retry) await this.guard(vscode.l10n.t('The sandbox did not start'), () => this.controller.start());
    else if (pick === turnOff) await this.guard(vscode.l10n.t('Stopping the sandbox failed'), () => this.controller.stop());
    else if (pick === showLogs) this.logger.show();
  }
}
