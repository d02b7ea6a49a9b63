/**
 * The pre-tool-use hook with the real Codex (`codex exec`): Codex runs Claude-format
 * PreToolUse hooks from $CODEX_HOME/hooks.json and hands its shell tool (exec_command) to
 * them as tool "Bash" with `tool_input.command`. Like Claude Code it runs the call when the
 * hook exits with anything but 2 or times out, so every failure of the hook must still end
 * in a refusal. Its wire has no error mark: the refusal shows in the function call output's text.
 *
 * Not covered here: Codex's file edit tool (apply_patch). Codex offers it only to models
 * whose metadata it knows, and a scripted model has none, so the tool is never offered.
 */
import { describe, it } from 'node:test';
import { agentClis } from './support/agentClis';
import { assertBlockedCanary, sharedHookScenarios } from './support/hookScenarios';
import { claudeHookSettings } from './support/hookSandbox';
import { hookTestBed, type AgentUnderTest } from './support/hookTestBed';
import { startOpenAiResponsesServer } from './support/openaiResponsesServer';
import { runCodex } from './support/runAgent';
import { REFUSAL } from './support/verdicts';

const codex: AgentUnderTest = {
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

  it('blocks the call when the hook fails with an exception (a command with a NUL character)', async () => {
    await assertBlockedCanary(bed, 'nul-canary', {}, (canary) => `touch ${canary} # \u0000`);
  });
});
