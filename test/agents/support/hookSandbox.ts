/**
 * A real sandbox for the agent tests, started with the built CLI as a person would, plus
 * what an agent run around it needs: the CLI's argv, the hook configuration the product
 * writes, the pending changes, and canary names that cannot collide.
 *
 * The built CLI (dist/cli.js, one self-contained bundle) is copied into a folder of this test
 * process, next to links to the package's media folder and manifest (the CLI looks for them
 * above itself), so a test can take the configured hook program away without touching the build.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import * as hookConfig from '../../../src/core/tools/hookConfig';
import { disposeStateRoot } from '../../integration/support/battery';
import { isolateState, makeWorkspace, REPO_ROOT } from '../../integration/support/sandbox';

const BUILT_CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

export interface PendingChange {
  readonly path: string;
  readonly kind: string;
}

/** Copies the built CLI to `<dir>/dist/cli.js` with the package's media and manifest linked; returns the argv that runs it. */
export function copyBuiltCli(dir: string): string[] {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(BUILT_CLI, path.join(dir, 'dist', 'cli.js'));
  fs.symlinkSync(path.join(REPO_ROOT, 'media'), path.join(dir, 'media'));
  fs.symlinkSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  return [process.execPath, path.join(dir, 'dist', 'cli.js')];
}

export interface HookSandbox {
  /** The workspace's real path (the hook resolves symlinks, so comparisons use this). */
  readonly workspace: string;
  /** argv that runs this test's copy of the CLI. */
  readonly cli: readonly string[];
  /** Environment the CLI and every agent's hook need: the private state root and policy. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs this test's CLI copy against the workspace. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }>;
  changes(): Promise<PendingChange[]>;
  dispose(): void;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** The hook configuration the product writes for a Claude-format agent whose hook program is `cli`. */
export function claudeHookSettings(cli: readonly string[]): Record<string, unknown> {
  return hookConfig.mergeHookConfig(undefined, 'claude', hookConfig.hookCommandLine(hookConfig.ensureLauncher(cli, process.env), 'claude'));
}

/** What the hook answers for a plain shell call in the workspace (its rewritten command line). */
export async function sandboxedForm(sandbox: HookSandbox, command: string): Promise<string> {
  const payload = { hook_event_name: 'PreToolUse', cwd: sandbox.workspace, tool_name: 'Bash', tool_input: { command } };
  const r = await runNode([...sandbox.cli, 'hook', 'claude'], { ...process.env, ...sandbox.env }, 60_000, JSON.stringify(payload));
  assert.equal(r.code, 0, `the hook failed: ${r.stderr}`);
  const rewritten = (JSON.parse(r.stdout) as { hookSpecificOutput?: { updatedInput?: { command?: unknown } } }).hookSpecificOutput
    ?.updatedInput?.command;
  assert.equal(typeof rewritten, 'string', `the hook did not rewrite the command: ${r.stdout}`);
  return rewritten as string;
}

function runNode(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Starts a sandbox on a fresh workspace with the built CLI (`start`), in a private state root. */
export async function startHookSandbox(files: Record<string, string> = {}): Promise<HookSandbox> {
  assert.ok(fs.existsSync(BUILT_CLI), `${BUILT_CLI} is missing: run \`npm run build\` first (npm test does).`);
  const { stateDir, configHome } = isolateState();
  const workspace = fs.realpathSync(makeWorkspace(files));
  const cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-cli-'));
  const cli = copyBuiltCli(cliDir);
  const env: NodeJS.ProcessEnv = {
    AGENT_SANDBOX_STATE_DIR: stateDir,
    XDG_CONFIG_HOME: configHome,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
  };
  const dispose = () => {
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(cliDir, { recursive: true, force: true });
  };
  const run = (args: readonly string[], extra: NodeJS.ProcessEnv = {}) =>
    runNode([...cli, '--workspace', workspace, ...args], { ...process.env, ...env, ...extra });
  try {
    const started = await run(['start']);
    assert.equal(started.code, 0, `agent-sandbox start failed: ${started.stderr}`);
  } catch (err) {
    dispose();
    throw err;
  }
  return {
    workspace,
    cli,
    env,
    run,
    async changes() {
      const r = await run(['changes', '--json']);
      assert.equal(r.code, 0, `agent-sandbox changes failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as PendingChange[]).map((c) => ({ path: c.path, kind: c.kind }));
    },
    dispose,
  };
}

/**
 * One sandbox for the tests of the current suite (call inside `describe`): started before
 * them, disposed after. Returns how a test gets it.
 */
export function suiteSandbox(files: Record<string, string> = {}): () => HookSandbox {
  let sandbox: HookSandbox | undefined;
  before(async () => {
    sandbox = await startHookSandbox(files);
  });
  after(() => sandbox?.dispose());
  return () => {
    assert.ok(sandbox, 'the sandbox is not started');
    return sandbox;
  };
}

/** `agent-sandbox setup ARGS` for the sandbox's workspace, which must succeed; returns what it printed (the diff). */
export async function runSetup(box: HookSandbox, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await box.run(['setup', ...args], env);
  assert.equal(r.code, 0, `agent-sandbox setup ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
