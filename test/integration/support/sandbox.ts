/**
 * Shared set-up for integration tests against the real Docker engine: a private state root
 * per test process, the local base image (no registry is needed), temporary workspaces, and
 * the CLI run as a child process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy';

/** The base image the test scripts build with debootstrap (.ci/ensure-base-image). */
export const TEST_BASE_IMAGE = process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A state root and a config home private to this test process, set in process.env. */
export function isolateState(): { stateDir: string; configHome: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-it-'));
  const stateDir = path.join(root, 'state');
  const configHome = path.join(root, 'config');
  fs.mkdirSync(path.join(configHome, 'agent-sandbox'), { recursive: true });
  fs.writeFileSync(
    path.join(configHome, 'agent-sandbox', 'policy.json'),
    JSON.stringify({ baseImage: TEST_BASE_IMAGE, runtime: testRuntime() }),
  );
  process.env.AGENT_SANDBOX_STATE_DIR = stateDir;
  process.env.XDG_CONFIG_HOME = configHome;
  return { stateDir, configHome };
}

/** The container runtime the tests run under (AGENT_SANDBOX_TEST_RUNTIME; empty: the engine's default). */
export function testRuntime(): string {
  return process.env.AGENT_SANDBOX_TEST_RUNTIME ?? '';
}

/** Whether the tests run under gVisor ("gvisor", the setting's choice, or a runsc entry's name). */
export function testUnderGvisor(): boolean {
  const runtime = testRuntime();
  return runtime === 'gvisor' || runtime.startsWith('runsc');
}

/** Whether the tests run against Podman's Docker-compatible API (AGENT_SANDBOX_TEST_ENGINE=podman). */
export function testUnderPodman(): boolean {
  return process.env.AGENT_SANDBOX_TEST_ENGINE === 'podman';
}

/** The engine runtime for a plain `docker run` next to the sandbox ("gvisor" is runsc there). */
export function testEngineRuntime(): string {
  const runtime = testRuntime();
  return runtime === 'gvisor' ? 'runsc' : runtime;
}

export function testPolicy(overrides: Partial<Policy> = {}): Policy {
  return { ...structuredClone(DEFAULT_POLICY), baseImage: TEST_BASE_IMAGE, runtime: testRuntime(), ...overrides };
}

/** A temporary workspace with the given files (content strings; a trailing slash makes a folder). */
export function makeWorkspace(files: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-ws-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    if (rel.endsWith('/')) fs.mkdirSync(p, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    }
  }
  return root;
}

/** Every file of a tree with its content and mode, for byte-for-byte comparisons. */
export function treeListing(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        out[`${r}/`] = (st.mode & 0o7777).toString(8);
        walk(p, r);
      } else if (st.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(p)}`;
      else out[r] = `${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(p).toString('base64')}`;
    }
  };
  walk(root, '');
  return out;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

const CLI = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** Runs the agent-sandbox CLI from source, as a person would from a shell. */
/** A CLI process left running (`prepare --watch`, say), whose stderr the test waits on. */
export interface RunningCli {
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** Waits (up to a minute) until stderr matches, failing with `what` and what was said. */
  waitFor(pattern: RegExp, what: string): Promise<void>;
}

export function startCli(args: readonly string[]): RunningCli {
  const child = spawn(TSX, [CLI, ...args], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, what) {
      const deadline = Date.now() + 60_000;
      while (!pattern.test(stderr)) {
        assert.ok(Date.now() < deadline, `${what}; the process said:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export function cli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: code ?? -1,
        stdout,
        stderr: stderr
          .split('\n')
          .filter((l) => !/npm warn/i.test(l))
          .join('\n'),
        ms: Date.now() - started,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Containers of this test process's state root, for clean-up and leak checks. */
export function containersOf(stateDir: string): string[] {
  const out = spawnSync(
    'docker',
    [
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      'label=dev.agent-sandbox.state-dir',
      '--format',
      '{{.ID}} {{.Label "dev.agent-sandbox.state-dir"}}',
    ],
    { encoding: 'utf8' },
  );
  return out.stdout
    .split('\n')
    .filter((l) => l.includes(stateDir))
    .map((l) => l.split(' ')[0]!);
}

export function removeContainersOf(stateDir: string): void {
  const ids = containersOf(stateDir);
  if (ids.length) spawnSync('docker', ['rm', '-f', '-v', ...ids]);
  const vols = spawnSync(
    'docker',
    ['volume', 'ls', '--filter', 'label=dev.agent-sandbox.managed=1', '--format', '{{.Name}} {{.Label "dev.agent-sandbox.state-dir"}}'],
    { encoding: 'utf8' },
  );
  const names = vols.stdout
    .split('\n')
    .filter((l) => l.includes(stateDir))
    .map((l) => l.split(' ')[0]!);
  if (names.length) spawnSync('docker', ['volume', 'rm', '-f', ...names]);
}
