/**
 * Runs Gemini CLI headless (`gemini -p PROMPT`) against a scripted Gemini API server, with a
 * private HOME (and so a private ~/.gemini) per run.
 *
 * The model: GOOGLE_GEMINI_BASE_URL with GEMINI_API_KEY, and the API-key auth chosen in the
 * private user settings (without it Gemini CLI stops with "Invalid auth method selected").
 * A fixed model (`-m`) keeps its model router, which asks a classifier model first, out of
 * the way. `--approval-mode yolo`: in headless mode Gemini CLI offers only its read tools
 * otherwise; the hook alone decides.
 *
 * The hook: the workspace's `.gemini/settings.json`, written by the product's own writer.
 * Gemini CLI loads a workspace's settings, hooks included, only in a trusted folder, and in
 * headless mode refuses to start in an untrusted one. GEMINI_CLI_TRUST_WORKSPACE=true trusts
 * it for the run. (`--skip-trust` is no substitute: with it Gemini CLI starts, but reads the
 * workspace's settings as untrusted and loads none of its hooks, so every call runs on the host.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureLauncher, planHookFile } from '../../../src/core/tools/hookConfig';
import { baseEnv, runProgram, type AgentRun, type AgentRunOptions } from './runAgent';

/** The model the runs ask for: one Gemini CLI knows, so it needs no routing or model lookup. */
export const GEMINI_TEST_MODEL = 'gemini-2.5-flash';

/** An MCP server for the workspace's settings, in Gemini CLI's `mcpServers` format. */
export interface GeminiMcpServer {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Writes the hook configuration into the workspace as the product does, for hook program
 * `cli`, and the given MCP servers next to it; returns the file.
 */
export function writeGeminiSettings(
  workspace: string,
  cli: readonly string[],
  mcpServers: Readonly<Record<string, GeminiMcpServer>> = {},
): string {
  const planned = planHookFile(workspace, 'gemini', ensureLauncher(cli, process.env));
  const settings = JSON.parse(planned.content) as Record<string, unknown>;
  // Each run states its own servers: the previous run's may not be wanted.
  delete settings.mcpServers;
  if (Object.keys(mcpServers).length)
    settings.mcpServers = Object.fromEntries(
      Object.entries(mcpServers).map(([name, s]) => [name, { ...s, args: [...s.args], trust: true, timeout: 120_000 }]),
    );
  fs.mkdirSync(path.dirname(planned.file), { recursive: true });
  fs.writeFileSync(planned.file, `${JSON.stringify(settings, null, 2)}\n`);
  return planned.file;
}

/** The user settings of the private home: API-key auth, nothing that reaches out on its own. */
function writeUserSettings(home: string): void {
  const dir = path.join(home, '.gemini');
  fs.mkdirSync(dir, { recursive: true });
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' } },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
  };
  fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

export function runGemini(options: AgentRunOptions): Promise<AgentRun> {
  writeUserSettings(options.home);
  const env = baseEnv(options.home, {
    GEMINI_API_KEY: 'scripted-test-key',
    GOOGLE_GEMINI_BASE_URL: options.modelUrl,
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    NO_COLOR: '1',
    ...options.env,
  });
  const argv = [options.bin, '-p', options.prompt ?? 'Follow the plan.', '--approval-mode', 'yolo', '-m', GEMINI_TEST_MODEL];
  return runProgram(argv, options.workspace, env, options.timeoutMs ?? 90_000);
}
