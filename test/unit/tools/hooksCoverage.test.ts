/**
 * Which tools the hook lets through: every tool that could run code or write on the host is
 * denied unless it is routed into the sandbox (the shell tools), unknown tools whose names
 * say they run or write are denied, and tools known to only read pass.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planHook } from '../../../src/core/tools/hooks';

const plan = (toolName: string, toolInput: Record<string, unknown> = {}) => planHook({ event: 'PreToolUse', toolName, toolInput });

describe('tools the hook covers', () => {
  it('denies Claude Code PowerShell (no PowerShell in the sandbox) and the worktree tools, which act on the host', () => {
    const ps = plan('PowerShell', { command: 'Get-ChildItem' });
    assert.equal(ps.kind, 'deny');
    assert.match(ps.kind === 'deny' ? ps.reason : '', /Bash tool/);
    const wt = plan('EnterWorktree', { name: 'feature' });
    assert.equal(wt.kind, 'deny');
    assert.match(wt.kind === 'deny' ? wt.reason : '', /git worktree add/);
  });

  for (const tool of [
    'send_to_terminal',
    'create_and_run_task',
    'run_task',
    'runTests',
    'run_notebook_cell',
    'run_vscode_command',
    'install_extension',
    'create_new_jupyter_notebook',
    'edit_files',
    'execution_subagent',
  ]) {
    it(`denies the VS Code tool ${tool}, which runs code or writes on the host`, () => {
      const p = plan(tool, { command: 'x' });
      assert.equal(p.kind, 'deny');
      assert.match(p.kind === 'deny' ? p.reason : '', new RegExp(tool));
    });
  }

  for (const tool of ['mcp__github__create_issue', 'deploy_script_runner', 'shell_exec', 'WriteMemory', 'future_terminal_tool', 'mcp_fs_delete_file', 'NotebookPatch']) {
    it(`denies the unknown tool ${tool}, whose name says it runs or writes`, () => {
      const p = plan(tool);
      assert.equal(p.kind, 'deny');
      assert.match(p.kind === 'deny' ? p.reason : '', /does not know/);
    });
  }

  for (const tool of ['Read', 'Grep', 'Glob', 'WebFetch', 'TodoWrite', 'Task', 'read_file', 'grep_search', 'manage_todo_list', 'get_terminal_output', 'agentSandbox_runCommand', 'mcp__agent-sandbox__run_command', 'mcp__agent_sandbox__write_file', 'mcp__docs__lookup']) {
    it(`passes ${tool}, which only reads, acts in the agent itself or acts in the sandbox`, () => {
      assert.equal(plan(tool).kind, 'pass');
    });
  }

  it('treats every shell tool as a shell, and refuses a command with a NUL byte instead of failing', () => {
    for (const tool of ['Bash', 'run_in_terminal', 'runInTerminal']) assert.deepEqual(plan(tool, { command: 'ls' }), { kind: 'shell', command: 'ls' });
    const nul = plan('Bash', { command: 'echo a\0b' });
    assert.equal(nul.kind, 'deny');
    assert.match(nul.kind === 'deny' ? nul.reason : '', /NUL/);
  });

  it('lets host edits through only with allowHostEdits, and never host commands', () => {
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'edit_files', toolInput: {} }, { allowHostEdits: true }).kind, 'pass');
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'run_task', toolInput: {} }, { allowHostEdits: true }).kind, 'deny');
  });
});
