/**
 * The agent entry points of the extension: language model tools, the MCP server provider,
 * the hook configuration command, and running an agent CLI inside the sandbox. Everything
 * goes through the controller, so each of them fails closed like the rest of the extension.
 */
import * as vscode from 'vscode';
import type { AgentEntryPointDeps } from '../agentEntryPoints';
import { refreshLauncher, WRITE_HOOK_CONFIG_COMMAND, writeHookConfiguration } from './hookConfigCommand';
import { registerLanguageModelTools } from './lmTools';
import { registerMcpServerProvider } from './mcpProvider';
import { RUN_AGENT_COMMAND, runAgentInSandbox } from './runAgentCommand';
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
  disposables.push(
    vscode.commands.registerCommand(WRITE_HOOK_CONFIG_COMMAND, (dialects?: HookDialect[]) => writeHookConfiguration(deps, Array.isArray(dialects) ? dialects : undefined)),
    vscode.commands.registerCommand(RUN_AGENT_COMMAND, (line?: unknown) => runAgentInSandbox(context, deps, typeof line === 'string' ? line : undefined)),
  );
  return disposables;
}
