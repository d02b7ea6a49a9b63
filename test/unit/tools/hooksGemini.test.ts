/**
 * The `gemini` hook format: Gemini CLI's BeforeTool sends Claude-like input with its own event
 * and tool names and reads `{ decision, reason, hookSpecificOutput: { tool_input } }`. It
 * ignores the exit code when the output is JSON and lets a call run when the hook prints
 * nothing, so every refusal, and every failure, must print a deny in its format.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { hookCommand } from '../../../src/cli/hook';
import {
  CLAUDE_MATCHER,
  HOOK_TIMEOUT_SEC,
  HOOK_WATCHDOG_MS,
  hookCommandLine,
  hookConfigPath,
  mergeHookConfig,
} from '../../../src/core/tools/hookConfig';
import {
  answerIn,
  denyAnswer,
  formatOfDialect,
  HOOK_DIALECTS,
  parseHookPayload,
  planHook,
  rewriteAnswer,
} from '../../../src/core/tools/hooks';
import { ensureLauncher } from '../../../src/core/tools/launcher';

/** What Gemini CLI 0.61 sends for a tool call (recorded, session id shortened). */
function geminiInput(toolName: string, toolInput: Record<string, unknown>, event = 'BeforeTool'): string {
  return JSON.stringify({
    session_id: 'af4d3436',
    transcript_path: '/home/dev/.gemini/tmp/project/chats/session.jsonl',
    cwd: '/home/dev/project',
    hook_event_name: event,
    timestamp: '2026-12-02T05:02:56.989Z',
    tool_name: toolName,
    tool_input: toolInput,
  });
}
const plan = (toolName: string, toolInput: Record<string, unknown> = {}) => planHook(parseHookPayload(geminiInput(toolName, toolInput)));
const reasonOf = (p: ReturnType<typeof plan>) => (p.kind === 'deny' ? p.reason : '');

describe('Gemini hook payloads', () => {
  it('is one of the hook formats, answered in its own format', () => {
    assert.ok(HOOK_DIALECTS.includes('gemini'));
    assert.equal(formatOfDialect('gemini'), 'gemini');
  });

  it("reads Gemini CLI's BeforeTool input as Gemini's, whichever dialect the command line names", () => {
    for (const named of [undefined, 'claude', 'gemini'] as const) {
      const p = parseHookPayload(geminiInput('run_shell_command', { command: 'ls' }), named);
      assert.equal(p.format, 'gemini');
      assert.equal(p.event, 'BeforeTool');
      assert.equal(p.toolName, 'run_shell_command');
      assert.equal(p.cwd, '/home/dev/project');
    }
  });

  it("answers an event both agents send in Gemini's format only when the command line names gemini", () => {
    assert.equal(parseHookPayload(geminiInput('x', {}, 'SessionStart'), 'gemini').format, 'gemini');
    assert.equal(parseHookPayload(geminiInput('x', {}, 'SessionStart'), 'claude').format, 'claude');
    assert.equal(parseHookPayload(geminiInput('Bash', { command: 'ls' }, 'PreToolUse'), 'gemini').format, 'claude');
  });

  it('starts a shell call in its dir_path, relative to the project or absolute', () => {
    assert.equal(
      parseHookPayload(geminiInput('run_shell_command', { command: 'ls', dir_path: 'src/lib' })).cwd,
      '/home/dev/project/src/lib',
    );
    assert.equal(
      parseHookPayload(geminiInput('run_shell_command', { command: 'ls', dir_path: '/home/dev/project/test' })).cwd,
      '/home/dev/project/test',
    );
    assert.equal(parseHookPayload(geminiInput('run_shell_command', { command: 'ls', dir_path: '' })).cwd, '/home/dev/project');
  });

  it('refuses every event but BeforeTool, naming the one to configure', () => {
    for (const event of ['AfterTool', 'BeforeModel', 'SessionStart', 'beforetool']) {
      const p = planHook(parseHookPayload(geminiInput('run_shell_command', { command: 'ls' }, event), 'gemini'));
      assert.equal(p.kind, 'deny', event);
      assert.match(reasonOf(p), /BeforeTool hook/, event);
    }
  });
});

describe('Gemini tools', () => {
  it('moves run_shell_command into the sandbox, background or not', () => {
    assert.deepEqual(plan('run_shell_command', { command: 'npm test', description: 'test' }), { kind: 'shell', command: 'npm test' });
    assert.equal(plan('run_shell_command', { command: 'npm start', is_background: true, delay_ms: 500 }).kind, 'shell');
    assert.equal(plan('run_shell_command', {}).kind, 'deny');
    assert.equal(plan('run_shell_command', { command: '   ' }).kind, 'deny');
    assert.match(reasonOf(plan('run_shell_command', { command: 'ls\0 && id' })), /NUL/);
  });

  it('refuses write_file and replace, naming the sandbox tools as Gemini CLI calls them', () => {
    for (const tool of ['write_file', 'replace']) {
      const reason = reasonOf(plan(tool, { file_path: 'a.txt', content: 'x' }));
      assert.match(reason, new RegExp(`${tool} would write the real workspace`));
      assert.match(reason, /mcp_agent-sandbox_write_file/);
      assert.match(reason, /run_shell_command/);
    }
    assert.equal(planHook(parseHookPayload(geminiInput('write_file', {})), { allowHostEdits: true }).kind, 'pass');
  });

  it('plans read_file as a read of the sandbox copy (its file_path), with the transcript path that leads to its temp folder', () => {
    const payload = parseHookPayload(geminiInput('read_file', { file_path: 'notes.md', offset: 3, limit: 10 }));
    assert.equal(payload.transcriptPath, '/home/dev/.gemini/tmp/project/chats/session.jsonl');
    assert.deepEqual(planHook(payload), { kind: 'copyRead', tool: 'read_file', field: 'file_path', target: 'notes.md' });
    for (const bad of [{}, { file_path: '' }, { file_path: 'a\0b' }, { file_path: 7 }])
      assert.match(reasonOf(plan('read_file', bad)), /no usable "file_path"/);
  });

  it('refuses its searches and listings, which read the real workspace and not the copy, naming what reads the copy', () => {
    for (const tool of ['read_many_files', 'glob', 'grep_search', 'search_file_content', 'list_directory']) {
      const reason = reasonOf(plan(tool, { dir_path: '.' }));
      assert.match(reason, /not the sandbox copy/, tool);
      assert.match(reason, /run_shell_command/, tool);
      assert.match(reason, /read_file shows single files of the copy/, tool);
    }
  });

  it("refuses save_memory (it writes the person's home) and invoke_agent (a subagent)", () => {
    assert.match(reasonOf(plan('save_memory', { fact: 'x' })), /home folder/);
    assert.match(reasonOf(plan('invoke_agent', { prompt: 'x' })), /subagent/);
  });

  it('passes the web, the agent-internal tools and the sandbox MCP tools; judges other MCP tools by their names', () => {
    for (const tool of [
      'web_fetch',
      'google_web_search',
      'write_todos',
      'update_topic',
      'enter_plan_mode',
      'exit_plan_mode',
      'ask_user',
      'list_background_processes',
      'read_background_output',
      'tracker_create_task',
    ]) {
      assert.equal(plan(tool).kind, 'pass', tool);
    }
    for (const tool of ['mcp_agent-sandbox_write_file', 'mcp_agent-sandbox_run_command', 'mcp_agent-sandbox_read_file'])
      assert.equal(plan(tool).kind, 'pass', tool);
    assert.equal(plan('mcp_github_get_issue').kind, 'pass');
    assert.equal(plan('mcp_db_execute_sql').kind, 'deny');
    assert.equal(
      planHook(parseHookPayload(geminiInput('mcp_db_execute_sql', {})), { allowTools: new Set(['mcp_db_execute_sql']) }).kind,
      'pass',
    );
  });

  it("does not take other agents' names as Gemini's: their shell and read tools are unknown here", () => {
    for (const tool of ['Bash', 'bash', 'run_in_terminal']) assert.equal(plan(tool, { command: 'ls' }).kind, 'deny', tool);
    assert.equal(plan('view', { path: 'a' }).kind, 'pass', 'a read word in the name');
    assert.equal(plan('edit', { path: 'a' }).kind, 'deny');
  });
});

describe('Gemini answers', () => {
  it('are decision, reason and hookSpecificOutput.tool_input, the command replaced and the other arguments kept', () => {
    const answer = answerIn(
      'gemini',
      rewriteAnswer({ command: 'ls', description: 'list', dir_path: 'src', is_background: false }, 'NEW', {
        decision: 'allow',
        additionalContext: 'ctx',
      }),
    );
    assert.deepEqual(Object.keys(answer).sort(), ['decision', 'hookSpecificOutput', 'reason']);
    assert.deepEqual(answer, {
      decision: 'allow',
      reason: 'Agent Sandbox: the command runs in the sandbox container on a copy of the workspace; its changes wait for review.',
      hookSpecificOutput: { tool_input: { command: 'NEW', description: 'list', dir_path: 'src', is_background: false } },
    });
    assert.deepEqual(answerIn('gemini', denyAnswer('why')), { decision: 'deny', reason: 'why' });
  });
});

describe('agent-sandbox hook gemini', () => {
  async function runHook(input: string, args = ['gemini']): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = { out: (s: string) => (stdout += s), err: (s: string) => (stderr += s), stdout: () => undefined, stderr: () => undefined };
    const code = await hookCommand({ workspace: os.tmpdir(), args, io }, Readable.from([Buffer.from(input)]));
    return { code, stdout, stderr };
  }

  it("refuses a host write with a deny in Gemini's format", async () => {
    const r = await runHook(geminiInput('write_file', { file_path: 'a.txt', content: 'x' }));
    assert.equal(r.code, 0);
    const answer = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(answer.decision, 'deny');
    assert.match(String(answer.reason), /write_file would write the real workspace/);
    assert.equal(answer.hookSpecificOutput, undefined);
  });

  it("answers input it cannot read with a deny in Gemini's format and exit code 2", async () => {
    const r = await runHook('not json');
    assert.equal(r.code, 2);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout) as object).sort(), ['decision', 'reason']);
    assert.equal((JSON.parse(r.stdout) as { decision: string }).decision, 'deny');
    assert.match(r.stderr, /not JSON/);
  });

  it('refuses a shell call with no sandbox for the folder, in the format of the question', async () => {
    const r = await runHook(geminiInput('run_shell_command', { command: 'touch x' }).replace('/home/dev/project', os.tmpdir()), ['claude']);
    assert.equal((JSON.parse(r.stdout) as { decision?: string }).decision, 'deny');
  });

  it('passes a tool that only reads the web with no output, which Gemini CLI reads as allow', async () => {
    const r = await runHook(geminiInput('web_fetch', { prompt: 'https://example.com' }));
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
  });
});

describe('Gemini hook configuration', () => {
  const launcher = '/s/bin/agent-sandbox';
  const line = hookCommandLine(launcher, 'gemini');

  it('is .gemini/settings.json, a BeforeTool entry for every tool with a timeout in milliseconds longer than the watchdog', () => {
    assert.equal(hookConfigPath('/p', 'gemini'), '/p/.gemini/settings.json');
    assert.deepEqual(mergeHookConfig(undefined, 'gemini', line), {
      hooks: {
        BeforeTool: [
          { matcher: CLAUDE_MATCHER, hooks: [{ type: 'command', name: 'agent-sandbox', command: line, timeout: HOOK_TIMEOUT_SEC * 1000 }] },
        ],
      },
    });
    assert.ok(HOOK_WATCHDOG_MS < HOOK_TIMEOUT_SEC * 1000);
  });

  it('keeps the other settings and hooks and replaces only its own entry', () => {
    const existing = {
      model: { name: 'gemini-2.5-pro' },
      hooks: { BeforeTool: [{ matcher: 'write_file', hooks: [{ type: 'command', command: './audit.sh' }] }], AfterTool: [] },
    };
    const once = mergeHookConfig(existing, 'gemini', hookCommandLine('/a/bin/agent-sandbox', 'gemini'));
    const twice = mergeHookConfig(once, 'gemini', line);
    const before = (twice.hooks as { BeforeTool: unknown[] }).BeforeTool;
    assert.equal(before.length, 2);
    assert.deepEqual(before[0], existing.hooks.BeforeTool[0]);
    assert.equal((before[1] as { hooks: { command: string }[] }).hooks[0]!.command, line);
    assert.deepEqual(twice.model, existing.model);
    assert.deepEqual((twice.hooks as { AfterTool: unknown }).AfterTool, []);
  });

  it('prints a reason and exits 2 when the hook program dies without a word (Gemini CLI runs the call on exit 2 with no output)', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-gemini-line-'));
    try {
      const silent = path.join(base, 'silent');
      fs.writeFileSync(silent, '#!/bin/sh\nkill -9 $$\n', { mode: 0o700 });
      // Gemini CLI runs hook commands with `bash -c`.
      const r = spawnSync('bash', ['-c', hookCommandLine(silent, 'gemini')], { input: '{}', encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /Agent Sandbox: the hook failed, so the call was blocked/);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('the launcher, for a Gemini hook', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-launcher-gemini-'));
  const env = { AGENT_SANDBOX_STATE_DIR: path.join(base, 'state') };
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it("blocks in Gemini's format when the CLI is gone or the hook crashes (a Claude-shaped deny would let the call run there)", () => {
    const gone = ensureLauncher([process.execPath, path.join(base, 'gone', 'cli.js')], env);
    const r = spawnSync(gone, ['hook', 'gemini'], { input: '{}', encoding: 'utf8' });
    assert.equal(r.status, 2);
    const answer = JSON.parse(r.stdout) as { decision?: string; reason?: string };
    assert.equal(answer.decision, 'deny');
    assert.match(answer.reason ?? '', /is gone/);
    const script = path.join(base, 'crash.js');
    fs.writeFileSync(script, 'process.exit(1)');
    const crashing = ensureLauncher([process.execPath, script], env);
    const c = spawnSync(crashing, ['hook', 'gemini'], { input: '{}', encoding: 'utf8' });
    assert.equal(c.status, 2);
    assert.equal((JSON.parse(c.stdout) as { decision?: string }).decision, 'deny');
  });
});
