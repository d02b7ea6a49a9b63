/**
 * The pre-tool-use hook with the real Claude Code: a scripted model makes it call its own
 * Bash, Read, Write and Edit tools; the hook configured the way the product writes it (the
 * workspace's .claude/settings.local.json) must move every shell call into the sandbox,
 * show its Read the sandbox copy (so the agent sees its own sandboxed writes), and refuse
 * everything else that would touch the host. Claude Code runs a call when its hook
 * exits with anything but 2, or times out, so each failure of the hook itself must still end
 * in a refusal; it marks a refused call as an error result (is_error) in the model's log.
 *
 * Not covered here: a command with a NUL character. Claude Code itself refuses a command with
 * control characters before any hook runs; the shared exception scenario (a malformed setting
 * the hook reads) makes the hook throw instead.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { agentClis } from './support/agentClis';
import { startAnthropicServer } from './support/anthropicServer';
import { sharedHookScenarios } from './support/hookScenarios';
import { hookTestBed, NOTES, type AgentUnderTest } from './support/hookTestBed';
import { runClaude, writeClaudeHookSettings } from './support/runAgent';
import { claudeHookSettings, uniqueName } from './support/hookSandbox';
import { provesRoute } from './support/routes';
import type { ModelServer, ToolResult } from './support/scriptedServer';
import { assertAbsentOnHost, describeRun, REFUSAL } from './support/verdicts';

const claudeCode: AgentUnderTest = {
  id: 'claude',
  bin: () => agentClis().claude,
  shellTool: 'Bash',
  shell: (command) => ({ tool: 'Bash', input: { command, description: 'Run a command' } }),
  startModel: startAnthropicServer,
  configure(workspace, cli) {
    writeClaudeHookSettings(workspace, claudeHookSettings(cli));
    return runClaude;
  },
  isRefusal: (r) => r.isError === true && REFUSAL.test(r.text),
};

/** The tools of the last request: deferred tools loaded with ToolSearch are offered from then on. */
function toolsOfferedLast(model: ModelServer): string[] {
  const last = model.mainRequests().at(-1) as { tools?: { name?: string }[] } | undefined;
  return (last?.tools ?? []).map((t) => t.name ?? '?');
}

describe('Claude Code with the agent-sandbox hook', () => {
  const bed = hookTestBed(claudeCode);
  sharedHookScenarios(bed);

  provesRoute(
    'claude',
    ['edit', 'read'],
    'shows Read the sandbox copy, and refuses Write and Edit of the host file after it; the file on disk is unchanged',
    async () => {
      const file = path.join(bed.sandbox.workspace, NOTES);
      const before = fs.readFileSync(file, 'utf8');
      const { run, model } = await bed.agentRun([
        { tool: 'Read', input: { file_path: file } },
        { tool: 'Write', input: { file_path: file, content: 'overwritten on the host\n' } },
        { tool: 'Edit', input: { file_path: file, old_string: 'original', new_string: 'edited on the host' } },
        { text: 'Done.' },
      ]);
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'the host file changed');
      const results = model.toolResults();
      assert.equal(results.length, 3, describeRun(run, results));
      assert.equal(results[0]!.isError, false, `the Read should have worked: ${describeRun(run, results)}`);
      // Unchanged in the copy so far, so the copy's version reads as the original.
      assert.match(results[0]!.text, /original notes/);
      // The Read was served from the copy, and the model was told so, with what works for edits.
      assert.match(
        JSON.stringify(model.mainRequests().at(-1)),
        /Agent Sandbox: this .{0,300}notes\.md.{0,4} is the file as it is in the sandbox copy.{0,400}edit_file/,
        describeRun(run, results),
      );
      // The hook refuses the host writes (Claude Code 2.1.332 calls it before its own check that
      // the path was read), and says what works instead.
      for (const r of results.slice(1)) {
        assert.ok(claudeCode.isRefusal(r), `a host write was not refused. ${describeRun(run, results)}`);
        assert.match(r.text, /edit_file.*Bash/, describeRun(run, results));
      }
    },
  );

  provesRoute(
    'claude',
    'read',
    'gives Read its own sandboxed writes, refuses Glob and Grep with the Bash route, and that route works in the same session',
    async () => {
      const created = `${uniqueName('coherent')}.txt`;
      const file = path.join(bed.sandbox.workspace, NOTES);
      const before = fs.readFileSync(file, 'utf8');
      const { run, model } = await bed.agentRun([
        claudeCode.shell(`echo hi > ${created}`),
        { tool: 'Read', input: { file_path: path.join(bed.sandbox.workspace, created) } },
        claudeCode.shell(`printf 'changed in the sandbox\\n' > ${NOTES}`),
        { tool: 'Read', input: { file_path: file } },
        { tool: 'Glob', input: { pattern: `**/${created}` } },
        claudeCode.shell(`find . -name ${created}`),
        { tool: 'Grep', input: { pattern: 'changed in the sandbox' } },
        claudeCode.shell(`grep -rn 'changed in the sandbox' ${NOTES}`),
        { text: 'Done.' },
      ]);
      const results = model.toolResults();
      assert.equal(results.length, 8, describeRun(run, results));
      const [echo, readNew, change, readNotes, glob, find, grep, grepInBash] = results as [
        ToolResult,
        ToolResult,
        ToolResult,
        ToolResult,
        ToolResult,
        ToolResult,
        ToolResult,
        ToolResult,
      ];
      for (const r of [echo, change, readNew, readNotes, find, grepInBash]) assert.equal(r.isError, false, describeRun(run, results));
      assert.match(readNew.text, /\bhi\b/, `Read did not return the sandboxed write. ${describeRun(run, results)}`);
      assert.match(readNotes.text, /changed in the sandbox/, `Read did not return the sandboxed change. ${describeRun(run, results)}`);
      assert.doesNotMatch(readNotes.text, /original notes/);
      // Where this Claude Code offers Glob and Grep, the hook refuses them with the Bash route;
      // where it does not (2.1.332 has neither), its own error names the same route.
      const offered = toolsOfferedLast(model);
      for (const [tool, r] of [
        ['Glob', glob],
        ['Grep', grep],
      ] as const) {
        assert.equal(r.isError, true, `${tool} over the workspace was not refused. ${describeRun(run, results)}`);
        if (offered.includes(tool)) assert.match(r.text, /Agent Sandbox.*Bash commands run in the sandbox copy/, describeRun(run, results));
        else assert.match(r.text, /No such tool available.*Bash/, describeRun(run, results));
      }
      assert.match(find.text, new RegExp(`\\./${created.replace(/[.]/g, '\\.')}`), describeRun(run, results));
      assert.match(grepInBash.text, /changed in the sandbox/, describeRun(run, results));
      // The real tree: no new file, notes.md as it was.
      assertAbsentOnHost(path.join(bed.sandbox.workspace, created), run);
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'the host file changed');
    },
  );

  provesRoute('claude', 'hostRun', 'refuses EnterWorktree, which would run `git worktree add` on the host', async () => {
    // A deferred tool: the model loads its schema with ToolSearch before it can call it.
    const { run, model } = await bed.agentRun([
      { tool: 'ToolSearch', input: { query: 'select:EnterWorktree', max_results: 1 } },
      { tool: 'EnterWorktree', input: { name: 'feature' } },
      { text: 'Done.' },
    ]);
    const offered = toolsOfferedLast(model);
    // The pinned Claude Code offers it once loaded; a version that does not must not count as proof.
    assert.ok(
      offered.includes('EnterWorktree'),
      `this Claude Code does not offer EnterWorktree in a headless run (offered: ${offered.join(', ')})`,
    );
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    assert.ok(claudeCode.isRefusal(results[1]!), `EnterWorktree was not refused. ${describeRun(run, results)}`);
    assert.match(results[1]!.text, /git worktree add/, describeRun(run, results));
    assert.equal(fs.existsSync(path.join(bed.sandbox.workspace, '.claude', 'worktrees')), false, 'a worktree was made on the host');
  });
});
