/**
 * "Agent Sandbox: Run Agent in Sandbox": opens a sandbox terminal and starts an agent CLI
 * (claude, codex, or any command) in it, so the whole agent runs confined; its edits land
 * in the copy and go through review. Before starting, it checks what the agent needs (the
 * program in the image or the tools volume, network access to its API, credentials), says
 * what is missing, and offers the steps that fix it: install the CLI into the tools volume,
 * and reach the API through the allowlist with the key added by the host proxy.
 */
import * as vscode from 'vscode';
import { WHICH_SCRIPT } from '../../core/session/scripts';
import type { SandboxSession } from '../../core/session/session';
import { knownAgentOf, missingForAgent } from '../../core/tools/agentLaunch';
import { grantAgentNetwork, installAgentTool } from './agentSetup';
import { shellJoin } from '../../core/tools/shellQuote';
import { createSandboxTerminalOptions } from '../terminal/sandboxPty';
import type { AgentEntryPointDeps } from './deps';
import { showError } from '../util/notify';

export const RUN_AGENT_COMMAND = 'agentSandbox.runAgent';
const LAST_AGENT_KEY = 'agentSandbox.lastAgentCommand';

/** Splits a simple command line into argv (whitespace-separated, no shell syntax). */
export function agentArgv(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

async function programInSandbox(session: SandboxSession, program: string): Promise<boolean> {
  const r = await session.helper(WHICH_SCRIPT, [program]);
  return r.exitCode === 0;
}

async function askForAgent(context: vscode.ExtensionContext): Promise<string | undefined> {
  const last = context.workspaceState.get<string>(LAST_AGENT_KEY);
  const items: vscode.QuickPickItem[] = [
    ...(last && !['claude', 'codex'].includes(last) ? [{ label: last, description: vscode.l10n.t('last used') }] : []),
    { label: 'claude', description: last === 'claude' ? vscode.l10n.t('Claude Code (last used)') : 'Claude Code' },
    { label: 'codex', description: last === 'codex' ? vscode.l10n.t('Codex CLI (last used)') : 'Codex CLI' },
  ];
  const other: vscode.QuickPickItem = { label: vscode.l10n.t('Other command...'), alwaysShow: true };
  const pick = await vscode.window.showQuickPick([...items, other], { title: vscode.l10n.t('Run which agent in the sandbox?') });
  if (!pick) return undefined;
  if (pick !== other) return pick.label;
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Agent command line (runs in the sandbox)'),
    value: last ?? '',
    placeHolder: vscode.l10n.t('for example: aider --model sonnet'),
  });
}

/** A sandbox terminal that types the agent's command once the shell is up. */
function terminalStarting(deps: AgentEntryPointDeps, name: string, commandLine: string): vscode.Terminal {
  const options = createSandboxTerminalOptions(deps.controller, deps.logger);
  const inner = options.pty;
  let sent = false;
  const pty: vscode.Pseudoterminal = {
    onDidWrite: inner.onDidWrite,
    onDidClose: inner.onDidClose,
    open: (dims) => {
      const sub = inner.onDidBecomeReady(() => {
        if (sent) return;
        sent = true;
        sub.dispose();
        inner.handleInput?.(`${commandLine}\r`);
      });
      inner.open(dims);
    },
    close: () => inner.close(),
    handleInput: (data) => inner.handleInput?.(data),
    setDimensions: (dims) => inner.setDimensions?.(dims),
  };
  return vscode.window.createTerminal({ ...options, name, pty });
}

export async function runAgentInSandbox(
  context: vscode.ExtensionContext,
  deps: AgentEntryPointDeps,
  given?: string,
): Promise<vscode.Terminal | undefined> {
  const line = given ?? (await askForAgent(context));
  if (!line?.trim()) return undefined;
  const argv = agentArgv(line);
  let session: SandboxSession;
  try {
    session = await deps.controller.requireHealthy();
  } catch (err) {
    await showError(deps.logger, vscode.l10n.t('The agent was not started'), err);
    return undefined;
  }
  await context.workspaceState.update(LAST_AGENT_KEY, line.trim());
  // Each step the person takes (install, network) is checked again before the agent starts.
  for (let round = 0; ; round++) {
    const found = await programInSandbox(session, argv[0]!);
    const missing = missingForAgent(argv, deps.controller.policy(), found);
    if (!missing.length) break;
    deps.logger.warn(`Run agent ${argv[0]}: missing ${missing.map((m) => m.what).join(', ')}.`);
    const detail = missing.map((m) => `• ${m.message}`).join('\n\n');
    const known = knownAgentOf(argv);
    const install =
      !found && round < 3 ? (known ? vscode.l10n.t('Install {0}', known.name) : vscode.l10n.t('Install from npm...')) : undefined;
    const network = known && round < 3 && missing.some((m) => m.what !== 'program') ? vscode.l10n.t('Set Up Network and Key') : undefined;
    const openAnyway = vscode.l10n.t('Open Anyway');
    const buttons = [install, network, found ? openAnyway : undefined].filter((b): b is string => b !== undefined);
    const pick = await vscode.window.showWarningMessage(
      vscode.l10n.t('Agent Sandbox: {0} is not ready to run in the sandbox.', argv[0]!),
      { modal: true, detail },
      ...buttons,
    );
    if (pick === openAnyway) break;
    if (pick === undefined) return undefined;
    if (pick === install) {
      const what = known
        ? known.name
        : await vscode.window.showInputBox({
            title: vscode.l10n.t('npm package that provides "{0}"', argv[0]!),
            placeHolder: vscode.l10n.t('for example: @scope/tool@1.2.3'),
          });
      if (!what || !(await installAgentTool(deps, what))) return undefined;
    } else if (pick === network && known) {
      if (!(await grantAgentNetwork(deps, known.name, known.agent))) return undefined;
      try {
        session = await deps.controller.requireHealthy();
      } catch (err) {
        await showError(deps.logger, vscode.l10n.t('The agent was not started'), err);
        return undefined;
      }
    }
  }
  const terminal = terminalStarting(deps, `Agent Sandbox: ${argv[0]}`, shellJoin(argv));
  terminal.show();
  deps.logger.info(`Started ${argv[0]} in a sandbox terminal.`);
  return terminal;
}
