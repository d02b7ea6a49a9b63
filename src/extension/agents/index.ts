/**
 * The agent entry points of the extension: language model tools, the MCP server provider,
 * the agent set-up and hook configuration commands, and running an agent CLI inside the sandbox. Everything
 * goes through the controller, so each of them fails closed like the rest of the extension.
 */
import * as vscode from 'vscode';
import type { AgentEntryPointDeps } from '../agentEntryPoints';
import { refreshLauncher, WRITE_HOOK_CONFIG_COMMAND, writeHookConfiguration } from './hookConfigCommand';
import { registerLanguageModelTools } from './lmTools';
import { registerMcpServerProvider } from './mcpProvider';
import { RUN_AGENT_COMMAND, runAgentInSandbox } from './runAgentCommand';
import { REMOVE_AGENT_SETUP_COMMAND, runAgentSetup, SET_UP_AGENT_COMMAND } from './setupCommand';
import { SetupPreviewProvider } from './setupPreview';
import { SETUP_AGENTS, type SetupAgent } from '../../core/tools/agentSetup';
import type { HookDialect } from '../../core/tools/hooks';

export function registerAgentEntryPoints(context: vscode.ExtensionContext, deps: AgentEntryPointDeps): vscode.Disposable[] {
  const disposables: vscode.Disposable[] = [];
  try {
    disposables.push(...registerLanguageModelTools(deps));
  } catch (err) {
    deps.logger.error('Registering the language model tools failed', err);
  }
  try {
    // Hook configurations name the stable launcher; point it at this version's CLI.
    refreshLauncher(deps);
  } catch (err) {
    deps.logger.error('Refreshing the agent-sandbox launcher failed', err);
  }
  try {
    disposables.push(...registerMcpServerProvider(deps));
  } catch (err) {
    deps.logger.error('Registering the MCP server provider failed', err);
  }
  const preview = new SetupPreviewProvider();
  // An agent given by a caller (a walkthrough, a test) skips the pick; anything else is ignored.
  const agentArg = (a: unknown) => (SETUP_AGENTS as readonly unknown[]).includes(a) ? (a as SetupAgent) : undefined;
  disposables.push(
    preview,
    vscode.commands.registerCommand(SET_UP_AGENT_COMMAND, (agent?: unknown) => runAgentSetup(deps, preview, false, agentArg(agent))),
    vscode.commands.registerCommand(REMOVE_AGENT_SETUP_COMMAND, (agent?: unknown) => runAgentSetup(deps, preview, true, agentArg(agent))),
    vscode.commands.registerCommand(WRITE_HOOK_CONFIG_COMMAND, (dialects?: HookDialect[]) => writeHookConfiguration(deps, Array.isArray(dialects) ? dialects : undefined)),
    vscode.commands.registerCommand(RUN_AGENT_COMMAND, (line?: unknown) => runAgentInSandbox(context, deps, typeof line === 'string' ? line : undefined)),
  );
  return disposables;
}
