/**
 * What the extension contributes, in order: the log, the sandbox controller, the status bar,
 * the background copy of the workspace, context keys, commands, sandbox terminals, the native-diff content provider, the review
 * panel serializer, and the agent entry points.
 */
import * as vscode from 'vscode';
import { registerAgentEntryPointsIfPresent } from './agentEntryPoints';
import { SandboxCommands } from './commands';
import { SandboxContextKeys } from './contextKeys';
import { SandboxContentProvider } from './review/contentProvider';
import { registerReviewPanelSerializer } from './review/panel';
import { BaseWarmer } from './sandbox/baseWarmer';
import { SandboxController } from './sandbox/controller';
import { affectsPolicy } from './settings';
import { SandboxStatusBar } from './statusBar';
import { registerSandboxTerminals } from './terminal/sandboxPty';
import { Logger } from './util/logger';

export function contributions(context: vscode.ExtensionContext): vscode.Disposable[] {
  const logger = new Logger();
  const controller = new SandboxController(context, logger);
  const disposables: vscode.Disposable[] = [
    logger,
    controller,
    new SandboxStatusBar(controller),
    new BaseWarmer(controller, logger),
    new SandboxContextKeys(controller),
    new SandboxCommands(controller, logger, context.extensionUri),
    registerSandboxTerminals(controller, logger),
    new SandboxContentProvider(controller),
    registerReviewPanelSerializer({ extensionUri: context.extensionUri, controller, logger }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsPolicy(e) && controller.status.mode !== 'off') {
        void vscode.window.showInformationMessage('Agent Sandbox: the policy settings changed. Start the sandbox again to run with them (pending changes are kept).', 'Restart Sandbox').then((pick) => {
          if (pick === 'Restart Sandbox') void vscode.commands.executeCommand('agentSandbox.start');
        });
      }
    }),
  ];
  registerAgentEntryPointsIfPresent(context, { controller, logger, extensionUri: context.extensionUri });
  logger.info(`Agent Sandbox activated (workspace ${controller.workspaceRoot ?? 'none'}, ${vscode.workspace.isTrusted ? 'trusted' : 'Restricted Mode'}).`);
  void controller.restore();
  return disposables;
}
