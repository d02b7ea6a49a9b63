/**
 * `agent-sandbox mcp [--start]`: the sandbox's tools over MCP on stdio, for any agent outside
 * the editor (and for the editor's own MCP registration). stdout carries only the protocol;
 * messages for people go to stderr. Every call attaches to the workspace's running sandbox,
 * and a call made while it is down is a tool error that says how to start it.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { resolvePolicy, type Policy } from '../core/policy';
import { startSandbox } from '../core/session/network';
import { resolveWorkspace } from '../core/session/workspace';
import { TOOL_DEFINITIONS } from '../core/tools/definitions';
import { invokeTool, type ToolHost } from '../core/tools/handlers';
import { attachingToolHost } from '../core/tools/sessionHost';
import { parseArgs } from './args';
import type { CommandContext } from './context';
import { loadCliPolicy } from './policyLoader';

const INSTRUCTIONS =
  'Agent Sandbox runs your commands and file edits in an isolated container on a copy of the workspace. ' +
  'Use run_command for every shell command, read_file/write_file/edit_file for files, and list_changes to see what is pending. ' +
  'Nothing reaches the real workspace until a person reviews and applies it; review_feedback tells you what they rejected and why.';

export function createSandboxMcpServer(host: ToolHost, version: string): McpServer {
  const server = new McpServer({ name: 'agent-sandbox', version }, { instructions: INSTRUCTIONS });
  for (const def of TOOL_DEFINITIONS) {
    server.registerTool(
      def.name,
      {
        title: def.title,
        description: def.description,
        inputSchema: def.input,
        annotations: {
          title: def.title,
          readOnlyHint: def.readOnly,
          destructiveHint: false,
          idempotentHint: def.readOnly,
          openWorldHint: false,
        },
      },
      async (args, extra) => {
        const outcome = await invokeTool(host, def.name, args, { signal: extra.signal });
        return { content: [{ type: 'text' as const, text: outcome.text }], isError: outcome.isError };
      },
    );
  }
  return server;
}

/**
 * The editor passes its settings' policy layers in AGENT_SANDBOX_USER_POLICY and
 * AGENT_SANDBOX_WORKSPACE_SETTINGS_POLICY (JSON), so the server it registers runs under the
 * same policy as the editor; otherwise the CLI's files.
 */
function policyLoader(root: string, env: NodeJS.ProcessEnv = process.env): () => Policy {
  const fromEditor = env.AGENT_SANDBOX_USER_POLICY;
  const fromWorkspace = env.AGENT_SANDBOX_WORKSPACE_SETTINGS_POLICY;
  if (!fromEditor && !fromWorkspace) return () => loadCliPolicy(root);
  const user = fromEditor ? { user: { raw: JSON.parse(fromEditor) as unknown, origin: 'your editor settings' } } : {};
  const workspaceSettings = fromWorkspace
    ? { workspaceSettings: { raw: JSON.parse(fromWorkspace) as unknown, origin: "the workspace's editor settings" } }
    : {};
  return () => resolvePolicy({ ...user, ...workspaceSettings, workspaceRoot: root }).policy;
}

export async function mcpCommand({ workspace, args, io }: CommandContext): Promise<number> {
  const parsed = parseArgs(args, [], ['start']);
  const root = resolveWorkspace(workspace);
  const loadPolicy = policyLoader(root);
  if (parsed.flags.has('start')) {
    const { outcome, close } = await startSandbox({ workspaceRoot: root, policy: loadPolicy(), progress: (m) => io.err(`${m}\n`) });
    await close();
    io.err(`Sandbox ${outcome} for ${root}.\n`);
  }
  const host = attachingToolHost(root, loadPolicy);
  const server = createSandboxMcpServer(host, process.env.npm_package_version ?? '0.1.0');
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  // The client ending stdin is the end of the conversation.
  process.stdin.once('end', () => void server.close());
  await server.connect(new StdioServerTransport());
  io.err(`Agent Sandbox MCP server for ${root} is ready on stdio.\n`);
  await closed;
  await host.close();
  return 0;
}
