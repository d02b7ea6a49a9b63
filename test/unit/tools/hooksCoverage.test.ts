/**
 * Which tools the hook lets through: every tool that could run code or write on the host is
 * denied unless it is routed into the sandbox (the shell tools), unknown tools are denied
 * unless their names say they only read, and tools known to only read pass.
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

  // Tools of other servers whose names only start like ours, including `agent_sandbox_x`'s.
  for (const tool of [
    'mcp__github__create_issue',
    'deploy_script_runner',
    'shell_exec',
    'WriteMemory',
    'future_terminal_tool',
    'mcp_fs_delete_file',
    'NotebookPatch',
    'mcp_agent_sandbox_x_delete_file',
    'mcp__agent_sandbox__run_shell',
    'agentSandbox_runShell',
  ]) {
    it(`denies the unknown tool ${tool}, whose name says it runs or writes`, () => {
      const p = plan(tool);
      assert.equal(p.kind, 'deny');
      assert.match(p.kind === 'deny' ? p.reason : '', /does not know/);
    });
  }

  for (const tool of [
    'WebFetch',
    'TodoWrite',
    'WaitForMcpServers',
    'Task',
    'read_file',
    'grep_search',
    'manage_todo_list',
    'get_terminal_output',
    'agentSandbox_runCommand',
    'mcp__agent-sandbox__run_command',
    'mcp__agent_sandbox__write_file',
    'mcp_agent-sandbox_edit_file',
    'mcp__docs__lookup',
  ]) {
    it(`passes ${tool}, which only reads, acts in the agent itself or acts in the sandbox`, () => {
      assert.equal(plan(tool).kind, 'pass');
    });
  }

  it("plans Claude Code's Read and searches against the sandbox copy instead of passing them to the host", () => {
    assert.deepEqual(plan('Read', { file_path: '/ws/a.ts', offset: 3 }), {
      kind: 'copyRead',
      tool: 'Read',
      field: 'file_path',
      target: '/ws/a.ts',
    });
    assert.deepEqual(plan('NotebookRead', { notebook_path: 'n.ipynb' }), {
      kind: 'copyRead',
      tool: 'NotebookRead',
      field: 'notebook_path',
      target: 'n.ipynb',
    });
    assert.deepEqual(plan('Glob', { pattern: '**/*.ts' }), { kind: 'copySearch', tool: 'Glob', target: '.' });
    assert.deepEqual(plan('Grep', { pattern: 'x', path: 'src' }), { kind: 'copySearch', tool: 'Grep', target: 'src' });
    assert.deepEqual(plan('LS', { path: '/ws' }), { kind: 'copySearch', tool: 'LS', target: '/ws' });
  });

  // Tools an outside review found passing: they change the real workspace (git), write host
  // files, run code in a host browser, or start background work on the host.
  for (const tool of [
    'mcp__git__git_commit',
    'mcp__git__git_checkout',
    'mcp__git__git_reset',
    'mcp__github__push_files',
    'mcp__github__merge_pull_request',
    'mcp__fs__save_file',
    'mcp__playwright__browser_evaluate',
    'mcp__puppeteer__puppeteer_evaluate',
    'memory',
    'Monitor',
    'mcp__fs__copy_entry',
    'mcp__db__upsert_row',
    'some_new_tool',
  ]) {
    it(`denies the unknown tool ${tool}, whose name does not say it only reads`, () => {
      const p = plan(tool);
      assert.equal(p.kind, 'deny');
      assert.match(p.kind === 'deny' ? p.reason : '', /does not know/);
    });
  }

  // Names a second review found passing: database tools behind `query`, verbs the list
  // missed, plural and -ing forms, capital runs, look-alike letters and overlong names.
  for (const tool of [
    'mcp__postgres__query',
    'mcp__mysql__mysql_query',
    'mcp__sqlite__query',
    'read_and_overwrite',
    'list_and_purge',
    'get_or_upsert',
    'find_and_truncate',
    'search_and_destroy',
    'lookup_and_unlink',
    'chmod_info',
    'status_writes',
    'get_running_jobs_and_stopping',
    'check_in',
    'resolve_review_thread',
    'get_python_repl',
    'query_sql',
    'read_wr\u0456te_file',
    'getFILEwrite',
    `get_${'x'.repeat(5000)}`,
  ]) {
    it(`denies the unknown tool ${tool.slice(0, 40)}, whose name does not say it only reads`, () => {
      assert.equal(plan(tool).kind, 'deny');
    });
  }

  for (const tool of ['mcp__github__get_file_contents', 'mcp__github__list_issues', 'mcp__docs__searchDocs', 'mcp__db__describeTable']) {
    it(`passes the unknown tool ${tool}, whose name says it only reads`, () => {
      assert.equal(plan(tool).kind, 'pass');
    });
  }

  it('a word inside another word does not count: "target" is not "get", "settings" is not "set"', () => {
    assert.equal(plan('mcp__x__target_settings').kind, 'deny');
    assert.equal(plan('mcp__x__get_settings').kind, 'pass');
  });

  it('passes an unknown tool a person listed in allowTools, and only that one', () => {
    const allowTools = new Set(['mcp__playwright__browser_click']);
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'mcp__playwright__browser_click', toolInput: {} }, { allowTools }).kind, 'pass');
    assert.equal(
      planHook({ event: 'PreToolUse', toolName: 'mcp__playwright__browser_evaluate', toolInput: {} }, { allowTools }).kind,
      'deny',
    );
    // The list never opens the shell route or host edits.
    assert.equal(
      planHook({ event: 'PreToolUse', toolName: 'Bash', toolInput: { command: 'ls' } }, { allowTools: new Set(['Bash']) }).kind,
      'shell',
    );
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'Write', toolInput: {} }, { allowTools: new Set(['Write']) }).kind, 'deny');
  });

  it('treats every shell tool as a shell, and refuses a command with a NUL byte instead of failing', () => {
    for (const tool of ['Bash', 'run_in_terminal', 'runInTerminal'])
      assert.deepEqual(plan(tool, { command: 'ls' }), { kind: 'shell', command: 'ls' });
    const nul = plan('Bash', { command: 'echo a\0b' });
    assert.equal(nul.kind, 'deny');
    assert.match(nul.kind === 'deny' ? nul.reason : '', /NUL/);
  });

  it('lets host edits through only with allowHostEdits, and never host commands', () => {
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'edit_files', toolInput: {} }, { allowHostEdits: true }).kind, 'pass');
    assert.equal(planHook({ event: 'PreToolUse', toolName: 'run_task', toolInput: {} }, { allowHostEdits: true }).kind, 'deny');
  });
});
