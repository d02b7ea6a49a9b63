/**
 * Runs GitHub Copilot CLI headless (`copilot -p PROMPT`) against a scripted Chat Completions
 * server, with a private HOME and COPILOT_HOME per run.
 *
 * The model: Copilot CLI's own-provider settings (COPILOT_PROVIDER_BASE_URL, _TYPE, _API_KEY,
 * _WIRE_API, COPILOT_MODEL), with COPILOT_OFFLINE=true so it never reaches GitHub. The hook:
 * a file in the workspace's `.github/hooks`, written by the product's own writer. In prompt mode Copilot CLI loads a repository's hooks only from a trusted folder:
 * `--trust-folder` trusts this one folder for this one session. `--allow-all-tools` keeps its
 * own permission prompts out of the way: the hook alone decides.
 *
 * The native program unpacks itself into a package cache on its first run (about 240 MB);
 * COPILOT_PKG_CACHE_HOME points every run at the one next to the install.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureLauncher, planHookFile } from '../../../src/core/tools/hookConfig';
import { baseEnv, runProgram, type AgentRun, type AgentRunOptions } from './runAgent';

/**
 * Writes a hook configuration into the workspace as the product does, for hook program `cli`:
 * Copilot's own file, or the Local harness's (which Copilot CLI reads too).
 */
export function writeHookConfig(workspace: string, cli: readonly string[], dialect: 'copilot' | 'vscode' = 'copilot'): string {
  const planned = planHookFile(workspace, dialect, ensureLauncher(cli, process.env));
  fs.mkdirSync(path.dirname(planned.file), { recursive: true });
  fs.writeFileSync(planned.file, planned.content);
  return planned.file;
}

/** The package cache next to an install made by .ci/ensure-agent-clis (`<prefix>/node_modules/.bin/copilot`). */
export function copilotPackageCache(bin: string): string {
  return path.join(path.dirname(path.dirname(path.dirname(bin))), 'pkg-cache');
}

export function runCopilot(options: AgentRunOptions): Promise<AgentRun> {
  const env = baseEnv(options.home, {
    COPILOT_HOME: path.join(options.home, '.copilot'),
    COPILOT_PKG_CACHE_HOME: copilotPackageCache(options.bin),
    COPILOT_PROVIDER_BASE_URL: `${options.modelUrl}/v1`,
    COPILOT_PROVIDER_TYPE: 'openai',
    COPILOT_PROVIDER_API_KEY: 'sk-scripted-test',
    COPILOT_PROVIDER_WIRE_API: 'completions',
    COPILOT_MODEL: 'gpt-4.1',
    COPILOT_OFFLINE: 'true',
    ...options.env,
  });
  const argv = [
    options.bin,
    '-p',
    options.prompt ?? 'Follow the plan.',
    '--allow-all-tools',
    '--trust-folder',
    '--no-color',
    '--log-dir',
    path.join(options.home, 'logs'),
  ];
  return runProgram(argv, options.workspace, env, options.timeoutMs ?? 60_000);
}
