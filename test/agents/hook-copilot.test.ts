/**
 * The pre-tool-use hook with the real GitHub Copilot CLI (`copilot -p`), the program behind
 * Copilot's shared runtime: it reads the workspace's `.github/hooks/agent-sandbox-copilot.json`
 * (camelCase `preToolUse`, written by the product's own writer), hands every tool call to
 * `agent-sandbox hook copilot` as `toolName`/`toolArgs`, and reads the flat answer. It denies
 * a call when the hook exits non-zero, but runs it when the hook times out or prints invalid
 * JSON, so the hook must answer, in valid JSON, inside the configured timeout. Its wire has no
 * error mark: the refusal shows in the tool message's text.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { agentClis } from './support/agentClis';
import { startChatCompletionsServer } from './support/chatCompletionsServer';
import { sharedHookScenarios } from './support/hookScenarios';
import { uniqueName } from './support/hookSandbox';
import { hookTestBed, NOTES, ORIGINAL_NOTES, type AgentUnderTest } from './support/hookTestBed';
import { runCopilot, writeHookConfig } from './support/runCopilot';
import { provesRoute } from './support/routes';
import { assertAbsentOnHost, describeRun, REFUSAL } from './support/verdicts';

/** Which of the product's hook files the run gets: Copilot's own, or the Local harness's (which Copilot CLI reads too). */
interface CopilotOptions {
  readonly dialect?: 'copilot' | 'vscode';
}

const copilotCli: AgentUnderTest<CopilotOptions> = {
  id: 'copilot',
  bin: () => agentClis().copilot,
  shellTool: 'bash',
  shell: (command) => ({ tool: 'bash', input: { command, description: 'scripted step' } }),
  startModel: startChatCompletionsServer,
  configure(workspace, cli, options) {
    // One hook file at a time: the previous run's may be the other dialect.
    fs.rmSync(path.join(workspace, '.github', 'hooks'), { recursive: true, force: true });
    writeHookConfig(workspace, cli, options?.dialect ?? 'copilot');
    return runCopilot;
  },
  isRefusal: (r) => REFUSAL.test(r.text),
};

describe('GitHub Copilot CLI with the agent-sandbox hook', () => {
  const bed = hookTestBed(copilotCli);
  sharedHookScenarios(bed);

  provesRoute('copilot', 'edit', 'refuses create and edit of a host file, which stays as it was', async () => {
    const notes = path.join(bed.sandbox.workspace, NOTES);
    const created = path.join(bed.sandbox.workspace, uniqueName('created-canary'));
    const { run, model } = await bed.agentRun([
      { tool: 'create', input: { path: created, file_text: 'created on the host\n' } },
      { tool: 'edit', input: { path: notes, old_str: 'original notes', new_str: 'edited on the host' } },
      { text: 'Done.' },
    ]);
    assertAbsentOnHost(created, run);
    assert.equal(
      fs.readFileSync(notes, 'utf8'),
      ORIGINAL_NOTES,
      `notes.md was edited on the host. ${describeRun(run, model.toolResults())}`,
    );
    bed.assertRefused(model, run, 2);
    for (const r of model.toolResults()) assert.match(r.text, /write_file or edit_file/, describeRun(run, model.toolResults()));
  });

  provesRoute(
    'copilot',
    'read',
    'gives view its own sandboxed writes, and refuses grep with the bash route, which then works',
    async () => {
      const created = `${uniqueName('coherent')}.txt`;
      const notes = path.join(bed.sandbox.workspace, NOTES);
      const { run, model } = await bed.agentRun([
        copilotCli.shell(`echo hi > ${created} && echo 'changed in the sandbox' >> ${NOTES}`),
        { tool: 'view', input: { path: path.join(bed.sandbox.workspace, created) } },
        { tool: 'view', input: { path: notes } },
        { tool: 'grep', input: { pattern: 'changed in the sandbox', path: bed.sandbox.workspace } },
        copilotCli.shell(`grep -rn 'changed in the sandbox' ${NOTES}`),
        { text: 'Done.' },
      ]);
      const results = model.toolResults();
      assert.equal(results.length, 5, describeRun(run, results));
      const [, viewNew, viewNotes, grep, grepInBash] = results;
      assert.match(viewNew!.text, /\bhi\b/, `view did not return the sandboxed write. ${describeRun(run, results)}`);
      assert.match(
        viewNotes!.text,
        /original notes[\s\S]*changed in the sandbox/,
        `view did not return the sandboxed change. ${describeRun(run, results)}`,
      );
      assert.ok(copilotCli.isRefusal(grep!), `grep over the workspace was not refused. ${describeRun(run, results)}`);
      assert.match(grep!.text, /bash commands run in the sandbox copy/, describeRun(run, results));
      assert.match(grepInBash!.text, /changed in the sandbox/, describeRun(run, results));
      assertAbsentOnHost(path.join(bed.sandbox.workspace, created), run);
      assert.equal(fs.readFileSync(notes, 'utf8'), ORIGINAL_NOTES, 'the host file changed');
    },
  );

  provesRoute('copilot', 'hostRun', 'refuses task, a subagent whose own tool calls may not reach the hook', async () => {
    const canary = uniqueName('task-canary');
    const { run, model } = await bed.agentRun([
      {
        tool: 'task',
        input: {
          description: 'scripted subagent',
          prompt: `Run: touch ${path.join(bed.sandbox.workspace, canary)}`,
          agent_type: 'general-purpose',
        },
      },
      { text: 'Done.' },
    ]);
    assert.ok(model.offeredTools().includes('task'), `Copilot CLI no longer offers task: ${model.offeredTools().join(', ')}`);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, canary), run);
    bed.assertRefused(model, run);
  });

  it("is confined by VS Code's Local harness file too, which it reads with Claude-like input (PascalCase PreToolUse)", async () => {
    const canary = uniqueName('local-file-canary');
    const notes = path.join(bed.sandbox.workspace, NOTES);
    const { run, model } = await bed.agentRun(
      [
        copilotCli.shell(`touch ${canary} && echo touched`),
        { tool: 'edit', input: { path: notes, old_str: 'original notes', new_str: 'edited on the host' } },
        { text: 'Done.' },
      ],
      { agentOptions: { dialect: 'vscode' } },
    );
    assertAbsentOnHost(path.join(bed.sandbox.workspace, canary), run);
    assert.equal(
      fs.readFileSync(notes, 'utf8'),
      ORIGINAL_NOTES,
      `notes.md was edited on the host. ${describeRun(run, model.toolResults())}`,
    );
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    assert.match(results[0]!.text, /touched/, describeRun(run, results));
    assert.ok(copilotCli.isRefusal(results[1]!), `the edit was not refused. ${describeRun(run, results)}`);
    assert.ok(
      (await bed.sandbox.changes()).some((c) => c.path === canary),
      `${canary} is not a pending change`,
    );
  });
});
