/**
 * The pre-tool-use hook against the real engine: recorded Claude Code and VS Code payloads go
 * in on stdin, the rewritten shell command is run as the agent would run it, and its effect
 * lands in the sandbox copy only. With the engine unreachable the call is denied with the
 * reason. One session serves the whole file.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shellQuote } from '../../src/core/tools/shellQuote';
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

async function hook(dialect: 'claude' | 'vscode', input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; answer?: HookAnswer; stdout: string; stderr: string }> {
  const r = await cli(['hook', dialect], { input, env });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, ...(r.stdout.trim() ? { answer: JSON.parse(r.stdout) as HookAnswer } : {}) };
}

/** Runs a rewritten command line the way an agent's shell tool does: one string, through a shell. */
function runAsAgent(commandLine: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/bash', ['-c', commandLine], { cwd, encoding: 'utf8', env: process.env, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
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
      // The original command is one quoted argv element right after `sh -c`.
      assert.ok((rewritten as string).endsWith(` --workspace ${shellQuote(workspace)} run -- sh -c ${shellQuote(original)}`), rewritten as string);
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

  it('starts the command in the agent\'s folder when it is below the workspace root', async () => {
    const { answer } = await hook('claude', payload('claude-pretooluse-bash.json', path.join(workspace, 'src'), { command: 'pwd && cat keep.txt' }));
    const ran = runAsAgent(answer!.hookSpecificOutput.updatedInput!.command as string, workspace);
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, '/workspace/src\nkeep\n');
  });

  it('keeps quotes, variables, backslashes and newlines of the original command intact', async () => {
    const command = "printf '[%s]' \"a'b\" 'c\"d' '$HOME' \"\\\\x\" && printf '\\n%s\\n' \"$(echo 'two\nlines')\"";
    const { answer } = await hook('claude', payload('claude-pretooluse-bash.json', workspace, { command }));
    const sandboxed = runAsAgent(answer!.hookSpecificOutput.updatedInput!.command as string, workspace);
    const direct = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, HOME: '/home/sandbox' } });
    assert.equal(sandboxed.status, 0, sandboxed.stderr);
    assert.equal(sandboxed.stdout, direct.stdout);
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
});
