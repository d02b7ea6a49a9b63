/**
 * The pre-tool-use hook with the real Codex (`codex exec`): Codex runs Claude-format
 * PreToolUse hooks from $CODEX_HOME/hooks.json and hands its shell tool (exec_command) to
 * them as tool "Bash" with `tool_input.command`. Like Claude Code it runs the call when the
 * hook exits with anything but 2 or times out, so every failure of the hook must still end
 * in a refusal. Its wire has no error mark: the refusal shows in the function call output's text.
 *
 * Codex edits files with apply_patch: offered as a tool of its own (the scripted model is
 * described to Codex as one that takes it, see runCodex) it reaches the hook as
 * `apply_patch` and is refused; typed into its shell it is a shell command like any other and
 * runs in the sandbox. Codex reads files through its shell, so what it reads is the copy.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { agentClis } from './support/agentClis';
import { assertBlockedCanary, sharedHookScenarios } from './support/hookScenarios';
import { claudeHookSettings } from './support/hookSandbox';
import { hookTestBed, NOTES, ORIGINAL_NOTES, type AgentUnderTest } from './support/hookTestBed';
import { uniqueName } from './support/hookSandbox';
import { startOpenAiResponsesServer } from './support/openaiResponsesServer';
import { runCodex } from './support/runAgent';
import { provesRoute } from './support/routes';
import { assertAbsentOnHost, describeRun, REFUSAL } from './support/verdicts';

const codex: AgentUnderTest = {
  id: 'codex',
  bin: () => agentClis().codex,
  shellTool: 'exec_command',
  shell: (command) => ({ tool: 'exec_command', input: { cmd: command } }),
  startModel: startOpenAiResponsesServer,
  configure(_workspace, cli) {
    const hooks = claudeHookSettings(cli);
    return (run) => runCodex({ ...run, hooks });
  },
  isRefusal: (r) => REFUSAL.test(r.text),
};

describe('Codex with the agent-sandbox hook', () => {
  const bed = hookTestBed(codex);
  sharedHookScenarios(bed);

  provesRoute(
    'codex',
    'hookFailure',
    'blocks the call when the hook fails with an exception (a command with a NUL character)',
    async () => {
      await assertBlockedCanary(bed, 'nul-canary', {}, (canary) => `touch ${canary} # \u0000`);
    },
  );

  // Codex hands write_stdin to no hook: it types into a process an earlier exec_command
  // started, and every such process is the rewritten sandbox command. What it types reaches
  // that process's terminal on the host, never a shell there (and the sandboxed command's
  // stdin is not connected, so `read` sees the end of input).
  provesRoute(
    'codex',
    'hostRun',
    'types with write_stdin only into the process of a sandboxed exec_command: nothing typed runs on the host',
    async () => {
      const canary = uniqueName('write-stdin-canary');
      const made = uniqueName('got');
      const { run, model } = await bed.agentRun([
        // The sleep keeps the process alive past the first yield, however fast the sandbox answers.
        { tool: 'exec_command', input: { cmd: `sleep 5; read line; echo "got: $line" > ${made}`, tty: true, yield_time_ms: 1000 } },
        {
          after: (results) => ({
            tool: 'write_stdin',
            input: {
              session_id: Number(/session ID (\d+)/.exec(results[0]?.text ?? '')?.[1] ?? -1),
              chars: `touch ${canary}\n`,
              yield_time_ms: 15000,
            },
          }),
        },
        { text: 'Done.' },
      ]);
      const results = model.toolResults();
      assert.equal(results.length, 2, describeRun(run, results));
      assert.match(
        results[0]!.text,
        /Process running with session ID \d+/,
        `the command did not wait for input: ${describeRun(run, results)}`,
      );
      assert.doesNotMatch(results[1]!.text, /write_stdin failed/, describeRun(run, results));
      assertAbsentOnHost(path.join(bed.sandbox.workspace, canary), run);
      assertAbsentOnHost(path.join(bed.sandbox.workspace, made), run);
      const changes = await bed.sandbox.changes();
      assert.ok(
        changes.some((c) => c.path === made),
        `the command did not run in the sandbox: ${JSON.stringify(changes)}`,
      );
      assert.ok(!changes.some((c) => c.path === canary), `the typed line ran as a command in the sandbox: ${JSON.stringify(changes)}`);
    },
  );

  provesRoute('codex', 'edit', 'refuses its file edit tool (apply_patch); the host file stays as it was', async () => {
    const added = uniqueName('patched');
    const patch = [
      '*** Begin Patch',
      `*** Add File: ${added}`,
      '+written by apply_patch',
      `*** Update File: ${NOTES}`,
      '@@',
      '-original notes',
      '+patched on the host',
      '*** End Patch',
      '',
    ].join('\n');
    const { run, model } = await bed.agentRun([{ tool: 'apply_patch', input: {}, freeform: patch }, { text: 'Done.' }]);
    assert.ok(model.offeredTools().includes('apply_patch'), `Codex did not offer apply_patch: ${model.offeredTools().join(', ')}`);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, added), run);
    assert.equal(fs.readFileSync(path.join(bed.sandbox.workspace, NOTES), 'utf8'), ORIGINAL_NOTES, 'the host file changed');
    bed.assertRefused(model, run);
  });

  provesRoute('codex', 'edit', 'runs an apply_patch typed into its shell in the sandbox, never on the host', async () => {
    const added = uniqueName('shell-patched');
    const command = `apply_patch <<'PATCH'\n*** Begin Patch\n*** Add File: ${added}\n+written by apply_patch\n*** End Patch\nPATCH`;
    const { run, model } = await bed.agentRun([codex.shell(command), { text: 'Done.' }]);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, added), run);
    const results = model.toolResults();
    assert.equal(results.length, 1, describeRun(run, results));
    // The sandbox image has no apply_patch program: the shell there says so.
    assert.match(results[0]!.text, /apply_patch: not found/, describeRun(run, results));
  });

  provesRoute('codex', 'read', 'reads its own write back through its shell: what it reads is the sandbox copy', async () => {
    const file = uniqueName('readback');
    const { run, model } = await bed.agentRun([
      codex.shell(`echo "written in the sandbox" > ${file} && echo changed >> ${NOTES}`),
      codex.shell(`cat ${file} ${NOTES}`),
      { text: 'Done.' },
    ]);
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    assert.match(results[1]!.text, /written in the sandbox[\s\S]*original notes\nchanged/, describeRun(run, results));
    assertAbsentOnHost(path.join(bed.sandbox.workspace, file), run);
    assert.equal(fs.readFileSync(path.join(bed.sandbox.workspace, NOTES), 'utf8'), ORIGINAL_NOTES, 'the host file changed');
  });
});
