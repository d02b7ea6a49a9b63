/**
 * Helpers for the adversarial battery and the fault tests: one real session per test file,
 * shell snippets run in it as the agent would run them, and a clean-up that leaves no
 * container, volume, mount or copy behind even when a test fails half-way.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startSession } from '../../../src/core/session/lifecycle';
import { SandboxSession, type RunResult } from '../../../src/core/session/session';
import { processAlive } from '../../../src/core/session/state';
import type { Policy } from '../../../src/core/policy';
import { isolateState, makeWorkspace, removeContainersOf, testPolicy } from './sandbox';

export interface ShellResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly result: RunResult;
}

/** Runs a shell snippet in the sandbox (the snippet is one argv element after `sh -c`). */
export async function sh(
  session: SandboxSession,
  script: string,
  options: { timeoutSec?: number; args?: readonly string[] } = {},
): Promise<ShellResult> {
  const result = await session.run(
    ['/bin/sh', '-c', script, 'sandbox-test', ...(options.args ?? [])],
    options.timeoutSec ? { timeoutSec: options.timeoutSec } : {},
  );
  return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString(), result };
}

/** Runs a Python program in the sandbox, passing arguments as argv (never spliced into code). */
export async function py(session: SandboxSession, program: string, ...args: string[]): Promise<ShellResult> {
  const result = await session.run(['python3', '-c', program, ...args]);
  return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString(), result };
}

/** Mount points below `root` on this machine (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(root: string): string[] {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  return points.filter((p) => p === root || p.startsWith(`${root}/`)).sort((a, b) => b.length - a.length);
}

/** Containers and volumes whose session lives under `stateDir` (by their state-dir label). */
export function engineObjectsOf(stateDir: string): { containers: string[]; volumes: string[] } {
  const list = (args: string[]) =>
    spawnSync('docker', args, { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => l.split(' '))
      .filter(([id, dir]) => id && dir && dir.startsWith(`${stateDir}/`))
      .map(([id]) => id!);
  return {
    containers: list([
      'ps',
      '-a',
      '--filter',
      'label=dev.agent-sandbox.managed=1',
      '--format',
      '{{.ID}} {{.Label "dev.agent-sandbox.state-dir"}}',
    ]),
    volumes: list([
      'volume',
      'ls',
      '--filter',
      'label=dev.agent-sandbox.managed=1',
      '--format',
      '{{.Name}} {{.Label "dev.agent-sandbox.state-dir"}}',
    ]),
  };
}

/** Removes everything a test process's state root holds: containers, volumes, mounts, files. */
export function disposeStateRoot(stateDir: string): void {
  const { containers, volumes } = engineObjectsOf(stateDir);
  if (containers.length) spawnSync('docker', ['rm', '-f', '-v', ...containers]);
  if (volumes.length) spawnSync('docker', ['volume', 'rm', '-f', ...volumes]);
  removeContainersOf(stateDir);
  for (const mount of mountsUnder(stateDir)) {
    if (spawnSync('umount', [mount]).status !== 0) spawnSync('umount', ['-l', mount]);
  }
  fs.rmSync(path.dirname(stateDir), { recursive: true, force: true });
}

export interface BatterySession {
  readonly session: SandboxSession;
  readonly workspace: string;
  readonly stateDir: string;
  readonly policy: Policy;
  dispose(): void;
}

/** Starts one session on a fresh workspace in a private state root. */
export async function startBatterySession(
  files: Record<string, string>,
  overrides: Partial<Policy> = {},
  prepare?: (workspace: string) => void,
): Promise<BatterySession> {
  const { stateDir } = isolateState();
  const workspace = makeWorkspace(files);
  prepare?.(workspace);
  const policy = testPolicy(overrides);
  try {
    const { session } = await startSession({ workspaceRoot: workspace, policy });
    return {
      session,
      workspace,
      stateDir,
      policy,
      dispose() {
        disposeStateRoot(stateDir);
        fs.rmSync(workspace, { recursive: true, force: true });
      },
    };
  } catch (err) {
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
    throw err;
  }
}

/** Parses `Name:\tvalue` lines of /proc/PID/status. */
export function parseStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return fields;
}

const REPO = path.resolve(__dirname, '..', '..', '..');
const OWNER_SCRIPT = path.join(REPO, 'test', 'integration', 'faults', 'fixtures', 'owner.ts');
const TSX = path.join(REPO, 'node_modules', '.bin', 'tsx');

export interface OwnerProcess {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first line matching, rejects when the child exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the child has exited (with its signal or code). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process that owns the session (not only the tsx wrapper) and waits for the exit. */
  killOwner(): Promise<void>;
}

/** Starts the session-owning stand-in as a child process (same state root and config). */
export function spawnOwner(args: readonly string[]): OwnerProcess {
  const child = spawn(TSX, [OWNER_SCRIPT, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters])
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    async killOwner() {
      const pid = Number(lines.find((l) => l.startsWith('pid '))?.slice(4));
      assert.ok(pid > 0, 'the owner has not reported its pid');
      process.kill(pid, 'SIGKILL');
      await exited;
      for (let i = 0; i < 50 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(!processAlive(pid), 'the owner survived SIGKILL');
    },
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; saw: ${lines.join(' | ')} ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(
            new Error(
              `the owner exited (${signal ?? code}) before printing ${pattern}; saw: ${lines.join(' | ')} ${stderr
                .split('\n')
                .filter((l) => !/npm warn/.test(l))
                .join(' ')}`,
            ),
          );
        });
      });
    },
  };
}
