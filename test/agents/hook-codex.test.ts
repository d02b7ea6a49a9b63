/**
 * The pre-tool-use hook with the real Codex (`codex exec`): Codex runs Claude-format
 * PreToolUse hooks from $CODEX_HOME/hooks.json and hands its shell tool (exec_command) to
 * them as tool "Bash" with `tool_input.command`. Like Claude Code it runs the call when the
 * hook exits with anything but 2 or times out, so every failure of the hook must still end
 * in a refusal. Each test checks both sides: nothing happened on the host, and the model got
 * a refusal back (or, for a rewritten call, the effect is in the sandbox copy).
 *
 * Not covered here: Codex's file edit tool (apply_patch). Codex offers it only to models
 * whose metadata it knows, and a scripted model has none, so the tool is never offered.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOOK_TIMEOUT_SEC } from '../../src/core/tools/hookConfig';
import { shellJoin } from '../../src/core/tools/shellQuote';
import { agentClis } from './support/agentClis';
import { startHangingEngine } from './support/hangingEngine';
import { claudeHookSettings, copyBuiltCli, sandboxedForm, startHookSandbox, uniqueName, type HookSandbox } from './support/hookSandbox';
import { startOpenAiResponsesServer, type OpenAiResponsesServer } from './support/openaiResponsesServer';
import { makeAgentHome, runCodex, type AgentRun } from './support/runAgent';
import type { ScriptTurn } from './support/scriptedServer';
import { assertAbsentOnHost, assertFinished, describeRun, REFUSAL } from './support/verdicts';

/** Codex's shell tool and its input. */
const shell = (command: string): ScriptTurn => ({ tool: 'exec_command', input: { cmd: command } });

describe('Codex with the agent-sandbox hook', () => {
  let sandbox: HookSandbox;
  let codexBin: string;
  const cleanups: (() => void | Promise<void>)[] = [];

  before(async () => {
    codexBin = agentClis().codex;
    sandbox = await startHookSandbox({ 'notes.md': 'original notes\n' });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
    sandbox?.dispose();
  });

  async function agentRun(script: ScriptTurn[], options: { cli?: readonly string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number; afterConfigured?: () => void } = {}): Promise<{ run: AgentRun; model: OpenAiResponsesServer }> {
    const hooks = claudeHookSettings(options.cli ?? sandbox.cli);
    options.afterConfigured?.();
    const model = await startOpenAiResponsesServer(script);
    const home = makeAgentHome();
    try {
      const run = await runCodex({
        bin: codexBin,
        home,
        workspace: sandbox.workspace,
        modelUrl: model.url,
        hooks,
        env: { ...sandbox.env, ...options.env },
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      assertFinished(run);
      assert.ok(model.offeredTools().includes('exec_command'), `Codex no longer offers exec_command: ${model.offeredTools().join(', ')}`);
      return { run, model };
    } finally {
      await model.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  }

  function assertRefused(model: OpenAiResponsesServer, run: AgentRun): void {
    const results = model.toolResults();
    assert.equal(results.length, 1, `one tool result expected. ${describeRun(run, results)}`);
    assert.match(results[0]!.text, REFUSAL, `the call was not refused. ${describeRun(run, results)}`);
  }

  it('runs a shell call in the sandbox: a workspace file lands in the pending changes, a file outside the workspace nowhere on the host', async () => {
    const inWorkspace = uniqueName('host-canary');
    const outside = path.join(os.tmpdir(), uniqueName('agent-sandbox-outside-canary'));
    cleanups.push(() => fs.rmSync(outside, { force: true }));
    const { run, model } = await agentRun([shell(`touch ${inWorkspace} ${outside} && echo touched`), { text: 'Done.' }]);
    assertAbsentOnHost(path.join(sandbox.workspace, inWorkspace), run);
    assertAbsentOnHost(outside, run);
    const results = model.toolResults();
    assert.equal(results.length, 1, describeRun(run, results));
    assert.match(results[0]!.text, /touched/, describeRun(run, results));
    const changes = await sandbox.changes();
    assert.ok(changes.some((c) => c.path === inWorkspace && c.kind === 'added'), `${inWorkspace} is not a pending change: ${JSON.stringify(changes)}`);
  });

  it('never lets a look-alike of the sandbox command run its tail on the host', async () => {
    const relative = uniqueName('lookalike-canary');
    const outside = path.join(os.tmpdir(), uniqueName('agent-sandbox-lookalike-canary'));
    cleanups.push(() => fs.rmSync(outside, { force: true }));
    const runForm = `${shellJoin([...sandbox.cli, '--workspace', sandbox.workspace, 'run', '--'])} true`;
    const handedBack = await sandboxedForm(sandbox, 'true');
    const { run, model } = await agentRun([shell(`${runForm}; touch ${relative} ${outside}`), shell(`${handedBack}; touch ${relative} ${outside}`), { text: 'Done.' }]);
    assertAbsentOnHost(path.join(sandbox.workspace, relative), run);
    assertAbsentOnHost(outside, run);
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    const sandboxed = (await sandbox.changes()).some((c) => c.path === relative);
    for (const r of results) assert.ok(REFUSAL.test(r.text) || sandboxed, `a call was neither refused nor run in the sandbox. ${describeRun(run, results)}`);
  });

  it('blocks the call when the configured hook program is missing', async () => {
    const movedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-cli-moved-'));
    cleanups.push(() => fs.rmSync(movedDir, { recursive: true, force: true }));
    const cli = copyBuiltCli(movedDir);
    const canary = uniqueName('missing-hook-canary');
    const { run, model } = await agentRun([shell(`touch ${canary}`), { text: 'Done.' }], {
      cli,
      afterConfigured: () => fs.renameSync(path.join(movedDir, 'dist'), path.join(movedDir, 'dist.old')),
    });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assertRefused(model, run);
  });

  it('blocks the call when the hook fails with an exception (a command with a NUL character)', async () => {
    const canary = uniqueName('nul-canary');
    const { run, model } = await agentRun([shell(`touch ${canary} # \u0000`), { text: 'Done.' }]);
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assertRefused(model, run);
  });

  it('blocks the call when the hook fails with an exception (a malformed AGENT_SANDBOX_CLI)', async () => {
    const canary = uniqueName('exception-canary');
    const { run, model } = await agentRun([shell(`touch ${canary}`), { text: 'Done.' }], { env: { AGENT_SANDBOX_CLI: '["not a complete JSON array' } });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assertRefused(model, run);
  });

  it('blocks the call, inside the agent\'s hook timeout, when the engine hangs', async () => {
    const engine = await startHangingEngine();
    cleanups.push(() => engine.close());
    const canary = uniqueName('hung-engine-canary');
    const { run, model } = await agentRun([shell(`touch ${canary}`), { text: 'Done.' }], {
      env: { DOCKER_HOST: engine.dockerHost },
      timeoutMs: (HOOK_TIMEOUT_SEC + 30) * 1000,
    });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assert.ok(engine.connections() > 0, 'the hook never tried the (hanging) engine');
    assertRefused(model, run);
    assert.ok(run.ms < HOOK_TIMEOUT_SEC * 1000, `the agent ran ${run.ms} ms: the hook did not answer inside its ${HOOK_TIMEOUT_SEC} s timeout`);
  });
});
