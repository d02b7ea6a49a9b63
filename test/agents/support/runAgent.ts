/**
 * Runs a real agent program headless against a scripted model server, with a private HOME
 * and config folder per run, so nothing of this machine's user configuration (API keys,
 * settings, hooks, trust) takes part. Only PATH, the sandbox's own variables and what the
 * run names are passed on.
 *
 * Claude Code: `claude -p PROMPT --dangerously-skip-permissions` (as root it insists on
 * IS_SANDBOX=1), model at ANTHROPIC_BASE_URL. Its hooks come from the workspace's
 * .claude/settings.local.json, where the product writes them.
 *
 * Codex: `codex exec --json PROMPT` with a model provider in $CODEX_HOME/config.toml
 * (`wire_api = "responses"`) and Claude-format hooks in $CODEX_HOME/hooks.json. Codex runs
 * only hooks a person has reviewed and trusted (a hash kept in config.toml after review in
 * its UI); headless automation skips that review with `--dangerously-bypass-hook-trust`.
 * Codex offers its file edit tool (apply_patch) only to a model whose metadata it knows, so
 * the scripted model is described in a model catalog ($CODEX_HOME/models.json, named by
 * `model_catalog_json`) as taking apply_patch in Codex's freeform form.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hookConfigPath } from '../../../src/core/tools/hookConfig';

export interface AgentRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

/** What every agent run names: the program, its private home, the workspace it works in and the scripted model. */
export interface AgentRunOptions {
  readonly bin: string;
  readonly home: string;
  readonly workspace: string;
  /** The scripted model server's base URL. */
  readonly modelUrl: string;
  /** Added to the agent's environment (the sandbox's own variables, a test's changes). */
  readonly env?: NodeJS.ProcessEnv;
  readonly prompt?: string;
  readonly timeoutMs?: number;
}

export function baseEnv(home: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...extra };
}

export function runProgram(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<AgentRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills the agent and every hook it started.
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** A private home for one agent run; removed by the caller with fs.rmSync. */
export function makeAgentHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-agent-home-'));
}

/** Writes the Claude Code hook settings where the product writes them. */
export function writeClaudeHookSettings(workspace: string, settings: Record<string, unknown>): void {
  const file = hookConfigPath(workspace, 'claude');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

export function runClaude(options: AgentRunOptions): Promise<AgentRun> {
  const env = baseEnv(options.home, {
    CLAUDE_CONFIG_DIR: path.join(options.home, '.claude'),
    ANTHROPIC_BASE_URL: options.modelUrl,
    ANTHROPIC_API_KEY: 'sk-ant-scripted-test',
    IS_SANDBOX: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...options.env,
  });
  const argv = [options.bin, '-p', options.prompt ?? 'Follow the plan.', '--dangerously-skip-permissions', '--output-format', 'json'];
  return runProgram(argv, options.workspace, env, options.timeoutMs ?? 60_000);
}

/** Describes the scripted model to Codex as one of its own kind: freeform apply_patch, unified exec shell. */
function writeScriptedModelCatalog(codexHome: string): string {
  const model = {
    slug: 'gpt-scripted',
    display_name: 'gpt-scripted',
    description: 'Scripted test model',
    default_reasoning_level: 'medium',
    supported_reasoning_levels: [{ effort: 'medium', description: 'Balanced' }],
    shell_type: 'unified_exec',
    visibility: 'list',
    supported_in_api: true,
    priority: 1,
    upgrade: null,
    base_instructions: 'Follow the plan.',
    supports_reasoning_summaries: false,
    default_reasoning_summary: 'none',
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: 'freeform',
    truncation_policy: { mode: 'tokens', limit: 10_000 },
    supports_parallel_tool_calls: false,
    context_window: 200_000,
    effective_context_window_percent: 95,
    experimental_supported_tools: [],
    input_modalities: ['text'],
    supports_search_tool: false,
  };
  const file = path.join(codexHome, 'models.json');
  fs.mkdirSync(codexHome, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ models: [model] }, null, 2)}\n`);
  return file;
}

/**
 * The model provider part of Codex's config.toml: the scripted model server at `modelUrl`,
 * described in a model catalog written to `codexHome`.
 */
export function codexModelConfig(modelUrl: string, codexHome: string): string {
  return [
    'model = "gpt-scripted"',
    'model_provider = "scripted"',
    `model_catalog_json = ${JSON.stringify(writeScriptedModelCatalog(codexHome))}`,
    '',
    '[model_providers.scripted]',
    'name = "Scripted test model"',
    `base_url = ${JSON.stringify(`${modelUrl}/v1`)}`,
    'wire_api = "responses"',
    'env_key = "SCRIPTED_MODEL_API_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n');
}

/** `hooks`: the Claude-format hook configuration Codex reads from $CODEX_HOME/hooks.json. */
export function runCodex(options: AgentRunOptions & { readonly hooks: Record<string, unknown> }): Promise<AgentRun> {
  const codexHome = path.join(options.home, '.codex');
  fs.mkdirSync(codexHome, { recursive: true });
  fs.writeFileSync(path.join(codexHome, 'config.toml'), codexModelConfig(options.modelUrl, codexHome));
  fs.writeFileSync(path.join(codexHome, 'hooks.json'), `${JSON.stringify(options.hooks, null, 2)}\n`);
  return runCodexIn(codexHome, options);
}

/**
 * Runs `codex exec` with the configuration already in `codexHome` (config.toml and whatever
 * else is there). `sandboxMode` runs Codex's own sandbox in that mode (`--sandbox`) instead
 * of switching it off. `hookTrust: 'from-config'` leaves out `--dangerously-bypass-hook-trust`,
 * so Codex runs only the hooks config.toml records as trusted, as it does for a person.
 */
export function runCodexIn(
  codexHome: string,
  options: AgentRunOptions & {
    readonly sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
    readonly hookTrust?: 'bypass' | 'from-config';
  },
): Promise<AgentRun> {
  const env = baseEnv(options.home, { CODEX_HOME: codexHome, SCRIPTED_MODEL_API_KEY: 'sk-scripted-test', ...options.env });
  const argv = [
    options.bin,
    'exec',
    '--json',
    '--skip-git-repo-check',
    '--ephemeral',
    // Codex's own sandbox would get in the way of what is under test: the hook alone decides.
    ...(options.sandboxMode ? ['--sandbox', options.sandboxMode] : ['--dangerously-bypass-approvals-and-sandbox']),
    ...(options.hookTrust === 'from-config' ? [] : ['--dangerously-bypass-hook-trust']),
    options.prompt ?? 'Follow the plan.',
  ];
  return runProgram(argv, options.workspace, env, options.timeoutMs ?? 60_000);
}
