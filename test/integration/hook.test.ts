/**
 * The pre-tool-use hook against the real engine: recorded Claude Code and VS Code payloads go
 * in on stdin, the handed-back line is run as the agent would run it (in bash, and in zsh
 * and fish where installed), and its effect lands in the sandbox copy only. With the engine
 * unreachable the call is denied with the reason; with the engine hanging, or the hook
 * failing, the call is blocked with exit code 2. One session serves the whole file.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shellJoin } from '../../src/core/tools/shellQuote';
import { disposeStateRoot } from './support/battery';
import { cli, isolateState, makeWorkspace, REPO_ROOT } from './support/sandbox';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'hooks');
const DEAD_ENGINE = 'unix:///nonexistent/agent-sandbox-test/docker.sock';

interface HookAnswer {
  hookSpecificOutput: {
    hookEventName: string;
    permissionDecision: 'allow' | 'deny' | 'ask';
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
    additionalContext?: string;
  };
}

function payload(name: string, cwd: string, toolInput?: Record<string, unknown>): string {
  const recorded = JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...recorded, cwd, ...(toolInput ? { tool_input: { ...(recorded.tool_input as object), ...toolInput } } : {}) });
}

async function hook(
  dialect: 'claude' | 'vscode',
  input: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; answer?: HookAnswer; stdout: string; stderr: string }> {
  const r = await cli(['hook', dialect], { input, env });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, ...(r.stdout.trim() ? { answer: JSON.parse(r.stdout) as HookAnswer } : {}) };
}

const INSTALLED_SHELLS = ['bash', 'zsh', 'fish'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);
const QUIET: Record<string, string[]> = { bash: ['--norc', '--noprofile'], zsh: ['-f'], fish: ['--no-config'] };

/** Runs a rewritten command line the way an agent's shell tool does: one string, through a shell. */
function runAsAgent(commandLine: string, cwd: string, shell = 'bash'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shell, [...(QUIET[shell] ?? []), '-c', commandLine], { cwd, encoding: 'utf8', env: process.env, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Docker endpoint that answers `info` like an engine and then never answers anything else. */
async function hangingEngine(dir: string): Promise<{ url: string; close: () => void }> {
  const socket = path.join(dir, 'hanging-engine.sock');
  const server = http.createServer((req, res) => {
    if (req.url?.includes('/info')) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          ServerVersion: '20.10.0',
          OSType: 'linux',
          Driver: 'overlay2',
          Runtimes: { runc: {} },
          DefaultRuntime: 'runc',
          CgroupVersion: '2',
        }),
      );
    }
    // Everything else hangs, like an engine stuck on a busy disk.
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { url: `unix://${socket}`, close: () => server.close() };
}

describe('agent-sandbox hook', () => {
  let stateDir: string;
  let workspace: string;

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({ 'notes.md': 'a\n', 'src/keep.txt': 'keep\n' });
    const started = await cli(['--workspace', workspace, 'start']);
    assert.equal(started.code, 0, started.stderr);
  });

  after(() => {
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  for (const [dialect, fixture] of [
    ['claude', 'claude-pretooluse-bash.json'],
    ['vscode', 'vscode-pretooluse-terminal.json'],
  ] as const) {
    it(`${dialect}: rewrites the shell command to run in the sandbox, argv-safe`, async () => {
      const input = payload(fixture, workspace);
      const original = (JSON.parse(input) as { tool_input: { command: string } }).tool_input.command;
      const { code, answer } = await hook(dialect, input);
      assert.equal(code, 0);
      assert.ok(answer);
      const out = answer.hookSpecificOutput;
      assert.equal(out.hookEventName, 'PreToolUse');
      assert.equal(out.permissionDecision, 'allow');
      const rewritten = out.updatedInput?.command;
      assert.equal(typeof rewritten, 'string');
      // The line names the stable launcher and a stored command, nothing of the original.
      const launcher = path.join(stateDir, 'bin', 'agent-sandbox');
      assert.match(rewritten as string, new RegExp(`^${launcher.replace(/[.]/g, '\\.')} run-pending p[0-9a-f]{32}$`));
      assert.ok(!(rewritten as string).includes(original.slice(0, 8)));
      // The rest of the tool input is kept.
      for (const [k, v] of Object.entries((JSON.parse(input) as { tool_input: Record<string, unknown> }).tool_input)) {
        if (k !== 'command') assert.deepEqual(out.updatedInput?.[k], v, k);
      }
      fs.rmSync(path.join(workspace, 'answer.txt'), { force: true });
      const ran = runAsAgent(rewritten as string, workspace);
      assert.equal(ran.status, 0, ran.stderr);
      assert.equal(ran.stdout, "it's 42\n");
      assert.equal(fs.existsSync(path.join(workspace, 'answer.txt')), false, 'the real tree is untouched');
      const changes = await cli(['--workspace', workspace, 'changes']);
      assert.match(changes.stdout, /added\s+answer\.txt/);
      // One-shot: the same line again runs nothing and says why.
      const again = runAsAgent(rewritten as string, workspace);
      assert.notEqual(again.status, 0);
      assert.match(again.stderr, /no pending command .*Nothing was run/);
    });

    it(`${dialect}: denies with the reason when the engine is down`, async () => {
      const { code, answer } = await hook(dialect, payload(fixture, workspace), { DOCKER_HOST: DEAD_ENGINE });
      assert.equal(code, 0);
      assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
      assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /not available/);
      assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /not reachable at unix:\/\/\/nonexistent/);
      assert.equal(answer!.hookSpecificOutput.updatedInput, undefined);
    });
  }

  it("starts the command in the agent's folder when it is below the workspace root", async () => {
    const { answer } = await hook(
      'claude',
      payload('claude-pretooluse-bash.json', path.join(workspace, 'src'), { command: 'pwd && cat keep.txt' }),
    );
    const ran = runAsAgent(answer!.hookSpecificOutput.updatedInput!.command as string, workspace);
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, '/workspace/src\nkeep\n');
  });

  it('keeps quotes, variables, backslashes and newlines of the original command intact', async () => {
    const command = "printf '[%s]' \"a'b\" 'c\"d' '$HOME' \"\\\\x\" && printf '\\n%s\\n' \"$(echo 'two\nlines')\"";
    const direct = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, HOME: '/home/sandbox' } });
    for (const shell of INSTALLED_SHELLS) {
      const { answer } = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command }));
      const sandboxed = runAsAgent(answer!.hookSpecificOutput.updatedInput!.command as string, workspace, shell);
      assert.equal(sandboxed.status, 0, `${shell}: ${sandboxed.stderr}`);
      assert.equal(sandboxed.stdout, direct.stdout, shell);
    }
  });

  it('keeps a command that breaks out of single quotes in fish inside the sandbox', async () => {
    const marker = path.join(os.tmpdir(), `agent-sandbox-fish-breakout-${process.pid}`);
    // With POSIX quoting, fish reads `\'` inside single quotes as an escaped quote, closes the
    // quotes early and runs the rest; `#` comments out the leftover quote.
    const command = `echo a\\'; touch ${marker} #`;
    for (const shell of INSTALLED_SHELLS) {
      const { answer } = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command }));
      runAsAgent(answer!.hookSpecificOutput.updatedInput!.command as string, workspace, shell);
      assert.equal(fs.existsSync(marker), false, `${shell}: the command's tail ran on the host`);
    }
  });

  it('rewrites a look-alike of a sandboxed line instead of letting its tail run on the host', async () => {
    const marker = path.join(os.tmpdir(), `agent-sandbox-lookalike-${process.pid}`);
    const cliOverride = ['/usr/bin/env', 'agent-sandbox-lookalike'];
    const first = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command: 'true' }));
    const handedOut = first.answer!.hookSpecificOutput.updatedInput!.command as string;
    for (const lookAlike of [
      // The form earlier versions handed out, with a tail appended.
      `${shellJoin([...cliOverride, '--workspace', workspace, 'run', '--'])} true; touch ${marker}`,
      // The current form, with a tail appended.
      `${handedOut}; touch ${marker}`,
      `${handedOut}\ntouch ${marker}`,
    ]) {
      const { code, answer } = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command: lookAlike }), {
        AGENT_SANDBOX_CLI: JSON.stringify(cliOverride),
      });
      assert.equal(code, 0);
      const line = answer?.hookSpecificOutput.updatedInput?.command;
      assert.equal(typeof line, 'string', `passed unchanged: ${lookAlike}`);
      assert.notEqual(line, lookAlike);
      runAsAgent(line as string, workspace);
      assert.equal(fs.existsSync(marker), false, `the tail of ${JSON.stringify(lookAlike)} ran on the host`);
    }
    // The exact handed-out line passes as it is: it can only run its stored command in the sandbox.
    const exact = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command: handedOut }));
    assert.equal(exact.answer?.hookSpecificOutput.permissionDecision, 'allow');
    assert.equal(exact.answer?.hookSpecificOutput.updatedInput, undefined);
  });

  it('denies a command with a NUL byte instead of failing open', async () => {
    const { code, answer } = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command: 'echo a\u0000b' }));
    assert.ok(code === 0 || code === 2, `exit ${code} lets the call run on the host`);
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /NUL/);
  });

  it('blocks with exit code 2 on an unexpected error', async () => {
    const { code, answer, stderr } = await hook('claude', payload('claude-pretooluse-bash.json', workspace), { AGENT_SANDBOX_CLI: '[1]' });
    assert.equal(code, 2);
    assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(stderr, /AGENT_SANDBOX_CLI/);
  });

  it('blocks with exit code 2 when the engine hangs, well inside the agent timeout', async () => {
    const engine = await hangingEngine(stateDir);
    try {
      const r = await cli(['hook', 'claude'], {
        input: payload('claude-pretooluse-bash.json', workspace),
        env: { DOCKER_HOST: engine.url, AGENT_SANDBOX_HOOK_WATCHDOG_MS: '1500' },
      });
      assert.equal(r.code, 2, r.stderr);
      const answer = JSON.parse(r.stdout) as HookAnswer;
      assert.equal(answer.hookSpecificOutput.permissionDecision, 'deny');
      assert.match(r.stderr, /no answer from the sandbox within 1\.5 s/);
      assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    } finally {
      engine.close();
    }
  });

  it('denies tools that would write the real tree directly, and passes others', async () => {
    const write = await hook('claude', payload('claude-pretooluse-write.json', workspace));
    assert.equal(write.answer?.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(write.answer!.hookSpecificOutput.permissionDecisionReason, /write_file or edit_file/);
    const edit = await hook('vscode', payload('vscode-pretooluse-edit.json', workspace));
    assert.equal(edit.answer?.hookSpecificOutput.permissionDecision, 'deny');
    const read = await hook('vscode', payload('vscode-pretooluse-read.json', workspace));
    assert.equal(read.code, 0);
    assert.equal(read.stdout.trim(), '', 'a read is not ours to judge');
  });

  it('denies a shell command where no sandbox covers the folder', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-nosession-'));
    try {
      const { answer } = await hook('claude', payload('claude-pretooluse-bash.json', elsewhere));
      assert.equal(answer?.hookSpecificOutput.permissionDecision, 'deny');
      assert.match(answer!.hookSpecificOutput.permissionDecisionReason, /there is no sandbox/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('blocks the call (exit 2) when the input is not a hook payload', async () => {
    const r = await hook('vscode', '{not json');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not JSON/);
  });

  it('runs a pending command with the exit code of the command, and refuses an unknown id', async () => {
    const { answer } = await hook(
      'vscode',
      payload('vscode-pretooluse-terminal.json', path.join(workspace, 'src'), { command: 'echo out; echo err >&2; exit 7' }),
    );
    const ran = runAsAgent(answer!.hookSpecificOutput.updatedInput!.command as string, workspace);
    assert.equal(ran.status, 7);
    assert.equal(ran.stdout, 'out\n');
    assert.match(ran.stderr, /err/);
    const unknown = await cli(['run-pending', `p${'0'.repeat(32)}`]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no pending command/);
  });
});
