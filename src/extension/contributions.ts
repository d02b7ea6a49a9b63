/**
 * What the extension contributes, in order: the sandbox controller, the status bar, the
 * background copy of the workspace, context keys, commands, sandbox terminals, the
 * native-diff content provider, the Source Control view (with quick diff and Explorer
 * decorations), the review panel serializer, the agent entry points, the
 * notice after a policy change, and resuming the sandbox of the last session. Each is a part
 * of its own (see activation.ts); the parts after the controller need it.
 */
import * as vscode from 'vscode';
import type { Contribution } from './activation';
import { agentContributions } from './agents';
import { SandboxCommands } from './commands';
import { SandboxContextKeys } from './contextKeys';
import { SandboxContentProvider } from './review/contentProvider';
import { registerReviewPanelSerializer } from './review/panel';
import { BaseWarmer } from './sandbox/baseWarmer';
import { SandboxController } from './sandbox/controller';
import { SandboxScm } from './scm';
import { affectsPolicy } from './settings';
import { SandboxStatusBar } from './statusBar';
import { registerSandboxTerminals } from './terminal/sandboxPty';
import { executeCommand } from './util/commands';
import type { Logger } from './util/logger';

const CONTROLLER = 'the sandbox controller';

export function contributions(context: vscode.ExtensionContext, logger: Logger): Contribution[] {
  const { extensionUri } = context;
  let created: SandboxController | undefined;
  // Only called by parts that require CONTROLLER, which are left out when it failed.
  const controller = (): SandboxController => {
    if (!created) throw new Error(`${CONTROLLER} is not there`);
    return created;
  };
  const requires = [CONTROLLER];
  return [
    {
      name: CONTROLLER,
      create: () => {
        created = new SandboxController(context, logger);
        return { disposables: [created], shutdown: created };
      },
    },
    { name: 'the status bar', requires, create: () => new SandboxStatusBar(controller()) },
    { name: 'the background copy of the workspace', requires, create: () => new BaseWarmer(controller(), logger) },
    { name: 'the context keys', requires, create: () => new SandboxContextKeys(controller()) },
    { name: 'the commands', requires, create: () => new SandboxCommands(controller(), logger, extensionUri) },
    { name: 'the sandbox terminals', requires, create: () => registerSandboxTerminals(controller(), logger) },
    { name: 'the diff view of changes', requires, create: () => new SandboxContentProvider(controller()) },
    {
      name: 'the Source Control view of changes',
      requires,
      create: () => new SandboxScm({ extensionUri, controller: controller(), logger }),
    },
    { name: 'the review panel', requires, create: () => registerReviewPanelSerializer({ extensionUri, controller: controller(), logger }) },
    ...agentContributions(context, () => ({ controller: controller(), logger, extensionUri }), requires),
    { name: 'the notice after a policy change', requires, create: () => policyChangeNotice(controller()) },
    {
      name: 'resuming the sandbox',
      requires,
      create: () => {
        void controller().restore();
      },
    },
  ];
}

function policyChangeNotice(controller: SandboxController): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (affectsPolicy(e) && controller.status.mode !== 'off') {
      const restart = vscode.l10n.t('Restart Sandbox');
      void vscode.window
        .showInformationMessage(
          vscode.l10n.t('Agent Sandbox: the policy settings changed. Start the sandbox again to run with them (pending changes are kept).'),
          restart,
        )
        .then((pick) => {
          if (pick === restart) void executeCommand('agentSandbox.start');
        });
    }
  });
}
