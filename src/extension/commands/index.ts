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
    this.commandOutput = this._register(vscode.window.createOutputChannel('Agent Sandbox: Command Output'));
    const c = controller;
    const l = logger;
    const reviewDeps: ReviewPanelDeps = { extensionUri, controller, logger };
    this.register('agentSandbox.start', () => this.guard('The sandbox did not start', () => c.start()));
    this.register('agentSandbox.stop', () => this.guard('Stopping the sandbox failed', () => c.stop()));
    this.register('agentSandbox.reset', () => this.reset());
    this.register('agentSandbox.remove', () => removeSandbox(c, l));
    this.register('agentSandbox.toggle', () => this.guard('Toggling sandbox mode failed', () => c.toggle()));
    this.register('agentSandbox.statusBarClicked', () => this.statusBarClicked());
    this.register('agentSandbox.runCommand', (line?: unknown) =>
      runCommandInSandbox(c, l, this.commandOutput, typeof line === 'string' ? line : undefined),
    );
    this.register('agentSandbox.newTerminal', () => {
      const terminal = vscode.window.createTerminal(createSandboxTerminalOptions(c, l));
      terminal.show();
    });
    this.register('agentSandbox.reviewChanges', () => {
      ReviewPanel.show(reviewDeps);
    });
    this.register('agentSandbox.applyApproved', () => applyApproved(c, l));
    this.register('agentSandbox.discardAll', () => discardAll(c, l));
    this.register('agentSandbox.undoApply', () => undoLastApply(c, l));
    this.register('agentSandbox.showPolicy', () => showPolicy(c, l));
    this.register('agentSandbox.openAuditLog', () => openAuditLog(c, l));
    const networkLog = this._register(new NetworkLogView(c));
    this.register('agentSandbox.showNetworkLog', () => this.guard('Could not show the network log', () => networkLog.show()));
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

  private async reset(): Promise<void> {
    const pending = this.controller.status.pending ?? 0;
    const pick = await vscode.window.showWarningMessage(
      'Reset the sandbox?',
      {
        modal: true,
        detail: `The container and its copy of the workspace are removed${pending ? `, with ${pending} pending change${pending === 1 ? '' : 's'} that were not applied` : ''}; a new sandbox starts from your workspace as it is now.`,
      },
      'Reset',
    );
    if (pick !== 'Reset') return;
    await this.guard('Resetting the sandbox failed', () => this.controller.reset());
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
      await this.guard('Toggling sandbox mode failed', () => this.controller.toggle());
      return;
    }
    if (status.mode === 'starting') {
      void vscode.window.showInformationMessage('Agent Sandbox is starting; see the notification for progress.');
      return;
    }
    const pick = await vscode.window.showWarningMessage(
      `Agent Sandbox is ${status.mode}${status.reason ? ` (${status.reason})` : ''}: ${status.detail ?? ''} Agent tools refuse to run until it is healthy.`,
      'Retry',
      'Turn Off',
      'Show Logs',
    );
    if (pick === 'Retry') await this.guard('The sandbox did not start', () => this.controller.start());
    else if (pick === 'Turn Off') await this.guard('Stopping the sandbox failed', () => this.controller.stop());
    else if (pick === 'Show Logs') this.logger.show();
  }
}
