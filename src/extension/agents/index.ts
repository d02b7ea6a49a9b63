/**
 * The agent entry points of the extension: language model tools, the MCP server provider,
 * the agent set-up and hook configuration commands, and running an agent CLI inside the sandbox. Everything
 * goes through the controller, so each of them fails closed like the rest of the extension.
 * Each is a part of its own (see ../activation.ts): one that fails to start leaves the others on.
 */
import type * as vscode from 'vscode';
import type { Contribution } from '../activation';
import { registerCommand } from '../util/commands';
import type { AgentEntryPointDeps } from './deps';
import { refreshLauncher, WRITE_HOOK_CONFIG_COMMAND, writeHookConfiguration } from './hookConfigCommand';
import { registerLanguageModelTools } from './lmTools';
import { registerMcpServerProvider } from './mcpProvider';
import { RUN_AGENT_COMMAND, runAgentInSandbox } from './runAgentCommand';
import { REMOVE_AGENT_SETUP_COMMAND, runAgentSetup, SET_UP_AGENT_COMMAND } from './setupCommand';
import { SetupPreviewProvider } from './setupPreview';
import { SETUP_AGENTS, type SetupAgent } from '../../core/tools/agentSetup';
import type { HookDialect } from '../../core/tools/hooks';

/** The agent entry points as parts of the extension; `requires` names the parts they need (`sandbox`). */
export function agentContributions(
  context: vscode.ExtensionContext,
  deps: () => AgentEntryPointDeps,
  requires: readonly string[],
): Contribution[] {
  return [
    { name: 'the language model tools', requires, create: () => registerLanguageModelTools(deps()) },
    // Hook configurations name the stable launcher; point it at this version's CLI.
    { name: 'the agent-sandbox launcher for hooks', requires, create: () => void refreshLauncher(deps()) },
    { name: 'the MCP server provider', requires, create: () => registerMcpServerProvider(deps()) },
    { name: 'the agent commands', requires, create: () => registerAgentCommands(context, deps()) },
  ];
}

function registerAgentCommands(context: vscode.ExtensionContext, deps: AgentEntryPointDeps): vscode.Disposable[] {
  const preview = new SetupPreviewProvider();
  // An agent given by a caller (a walkthrough, a test) skips the pick; anything else is ignored.
  const agentArg = (a: unknown) => ((SETUP_AGENTS as readonly unknown[]).includes(a) ? (a as SetupAgent) : undefined);
  return [
    preview,
    registerCommand(SET_UP_AGENT_COMMAND, (agent?: unknown) => runAgentSetup(deps, preview, false, agentArg(agent))),
    registerCommand(REMOVE_AGENT_SETUP_COMMAND, (agent?: unknown) => runAgentSetup(deps, preview, true, agentArg(agent))),
    registerCommand(WRITE_HOOK_CONFIG_COMMAND, (dialects?: HookDialect[]) =>
      writeHookConfiguration(deps, Array.isArray(dialects) ? dialects : undefined),
    ),
    registerCommand(RUN_AGENT_COMMAND, (line?: unknown) => runAgentInSandbox(context, deps, typeof line === 'string' ? line : undefined)),
  ];
}
