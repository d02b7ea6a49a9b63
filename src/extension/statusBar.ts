/**
 * The status bar item: the sandbox mode with a codicon, the reason in words when it is not
 * healthy, and the pending count. Clicking it opens review when changes are pending, and
 * otherwise toggles sandbox mode (or, when the sandbox is on but unhealthy, offers to retry
 * or turn it off). Its markdown tooltip links to review, start/stop, the policy and the logs.
 */
import * as vscode from 'vscode';
import type { Policy } from '../core/policy';
import type { Translate } from '../core/auditFormat';
import type { SandboxController } from './sandbox/controller';
import { statusBarText, statusBarTooltipMarkdown, TOOLTIP_COMMANDS, type SandboxStatus, type TooltipCommand } from './sandbox/status';
import { Disposable } from './util/disposable';

export const STATUS_ITEM_ID = 'agentSandbox.status';

export class SandboxStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly controller: SandboxController) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Left, 100));
    this.item.name = 'Agent Sandbox';
    this.item.command = 'agentSandbox.statusBarClicked';
    this._register(controller.onDidChangeStatus((status) => this.render(status)));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentSandbox') && this.render(controller.status)),
    );
    this.render(controller.status);
    this.item.show();
  }

  private render(status: SandboxStatus): void {
    let policy: Policy | undefined;
    try {
      policy = this.controller.policy();
    } catch {
      policy = undefined;
    }
    const text = statusBarText(status, l10nT);
    this.item.text = text;
    const tooltip = new vscode.MarkdownString(statusBarTooltipMarkdown(status, policy, linkLabels(), l10nT));
    // Only the links the tooltip itself puts there may run, with no arguments.
    tooltip.isTrusted = { enabledCommands: [...TOOLTIP_COMMANDS] };
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
    this.item.backgroundColor =
      status.mode === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : status.mode === 'degraded'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }
}

/** `vscode.l10n.t` as the pure status module's translate function. */
const l10nT: Translate = (message, ...args) => vscode.l10n.t(message, ...args);

function linkLabels(): Record<TooltipCommand, string> {
  return {
    'agentSandbox.reviewChanges': vscode.l10n.t('Review Changes'),
    'agentSandbox.start': vscode.l10n.t('Start Sandbox'),
    'agentSandbox.stop': vscode.l10n.t('Stop Sandbox'),
    'agentSandbox.showPolicy': vscode.l10n.t('Show Policy'),
    'agentSandbox.showLogs': vscode.l10n.t('Show Logs'),
  };
}
