/**
 * Registers the sandbox's MCP server with VS Code, so agents in the editor find it without
 * configuration. The server is the bundled CLI's `mcp` command on stdio for the open folder;
 * it attaches to the running sandbox on every call and refuses while it is down. Editors
 * without the MCP provider API (before 1.101) simply do not get it.
 */
import * as vscode from 'vscode';
import { stateRoot } from '../../core/paths';
import { setPolicySettings, userLayerFromSettings } from '../settings';
import type { AgentEntryPointDeps } from './deps';
import { bundledCli } from './cliInvocation';

export const MCP_PROVIDER_ID = 'agentSandbox.mcpServer';

interface McpApi {
  registerMcpServerDefinitionProvider(
    id: string,
    provider: {
      onDidChangeMcpServerDefinitions?: vscode.Event<void>;
      provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
      resolveMcpServerDefinition?(server: unknown, token: vscode.CancellationToken): unknown;
    },
  ): vscode.Disposable;
}

type StdioDefinitionCtor = new (
  label: string,
  command: string,
  args?: string[],
  env?: Record<string, string | number | null>,
  version?: string,
) => unknown;

export function registerMcpServerProvider(deps: AgentEntryPointDeps): vscode.Disposable[] {
  const api = vscode.lm as unknown as Partial<McpApi>;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: StdioDefinitionCtor }).McpStdioServerDefinition;
  if (typeof api.registerMcpServerDefinitionProvider !== 'function' || !Definition) {
    deps.logger.info(
      'This editor has no MCP server provider API; the sandbox MCP server is not registered (run `agent-sandbox mcp` instead).',
    );
    return [];
  }
  const changed = new vscode.EventEmitter<void>();
  const version = String(
    (vscode.extensions.getExtension('agent-sandbox.agent-sandbox')?.packageJSON as { version?: string } | undefined)?.version ?? '0.1.0',
  );
  const registration = api.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const root = deps.controller.workspaceRoot;
      if (!root) return [];
      const cli = bundledCli(deps.extensionUri);
      // The server must see the same sessions and policy as this window.
      const settings = setPolicySettings();
      const userLayer = userLayerFromSettings(settings.user);
      const workspaceLayer = userLayerFromSettings(settings.workspace);
      const env: Record<string, string> = {
        ...cli.env,
        AGENT_SANDBOX_STATE_DIR: stateRoot(),
        ...(userLayer ? { AGENT_SANDBOX_USER_POLICY: JSON.stringify(userLayer) } : {}),
        ...(workspaceLayer ? { AGENT_SANDBOX_WORKSPACE_SETTINGS_POLICY: JSON.stringify(workspaceLayer) } : {}),
        ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      };
      return [new Definition('Agent Sandbox', cli.command, [...cli.args, '--workspace', root, 'mcp'], env, version)];
    },
  });
  return [
    registration,
    changed,
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentSandbox') && changed.fire()),
  ];
}
