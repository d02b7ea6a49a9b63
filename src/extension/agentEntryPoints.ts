/**
 * Hands the sandbox to the agent entry points (language model tools, MCP server provider,
 * tool hooks) in `./agents`, when that module is part of the build. A build without it still
 * activates; the entry points then simply do not exist (nothing runs unsandboxed).
 */
import type * as vscode from 'vscode';
import type { SandboxController } from './sandbox/controller';
import type { Logger } from './util/logger';

/** What the agent entry points get: run only through `controller.requireHealthy()` / `controller.run()`. */
export interface AgentEntryPointDeps {
  readonly controller: SandboxController;
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
}

type AgentsModule = {
  registerAgentEntryPoints?: (context: vscode.ExtensionContext, deps: AgentEntryPointDeps) => void | vscode.Disposable | readonly vscode.Disposable[];
};

export function registerAgentEntryPointsIfPresent(context: vscode.ExtensionContext, deps: AgentEntryPointDeps): void {
  let agents: AgentsModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    agents = require('./agents/index') as AgentsModule;
  } catch (err) {
    deps.logger.info(`Agent entry points are not part of this build (${(err as Error).message.split('\n')[0]}).`);
    return;
  }
  if (typeof agents.registerAgentEntryPoints !== 'function') {
    deps.logger.warn('The agents module has no registerAgentEntryPoints function; agent entry points are off.');
    return;
  }
  try {
    const result = agents.registerAgentEntryPoints(context, deps);
    if (Array.isArray(result)) context.subscriptions.push(...result);
    else if (result && typeof (result as vscode.Disposable).dispose === 'function') context.subscriptions.push(result as vscode.Disposable);
  } catch (err) {
    deps.logger.error('Registering the agent entry points failed; they are off', err);
  }
}
