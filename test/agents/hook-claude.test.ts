/**
 * The pre-tool-use hook with the real Claude Code: a scripted model makes it call its own
 * Bash, Read, Write and Edit tools; the hook configured the way the product writes it (the
 * workspace's .claude/settings.local.json) must move every shell call into the sandbox and
 * refuse everything else that would touch the host. Claude Code runs a call when its hook
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
import { claudeHookSettings } from './support/hookSandbox';
import { hookTestBed, NOTES, type AgentUnderTest } from './support/hookTestBed';
import { runClaude, writeClaudeHookSettings } from './support/runAgent';
import { provesRoute } from './support/routes';
import { describeRun, REFUSAL } from './support/verdicts';

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

describe('Claude Code with the agent-sandbox hook', () => {
  const bed = hookTestBed(claudeCode);
  sharedHookScenarios(bed);

  provesRoute('claude', 'edit', 'refuses Write and Edit of a host file after a Read of it; the file on disk is unchanged', async () => {
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
    assert.match(results[0]!.text, /original notes/);
    for (const r of results.slice(1)) assert.ok(claudeCode.isRefusal(r), `a call was not refused. ${describeRun(run, results)}`);
  });
});
