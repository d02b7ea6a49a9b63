/**
 * The pre-tool-use hook with the real Claude Code: a scripted model makes it call its own
 * Bash, Read, Write and Edit tools; the hook configured the way the product writes it must
 * move every shell call into the sandbox and refuse everything else that would touch the
 * host. Claude Code runs a call when its hook exits with anything but 2, or times out, so
 * each failure of the hook itself (program missing, exception, hung engine) must still end
 * in a refusal. Each test checks both sides: nothing happened on the host, and the model was
 * told the call was refused (or, for a rewritten call, the effect is in the sandbox copy).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOOK_TIMEOUT_SEC } from '../../src/core/tools/hookConfig';
import { shellJoin } from '../../src/core/tools/shellQuote';
import { agentClis } from './support/agentClis';
import { startAnthropicServer, type AnthropicServer } from './support/anthropicServer';
import { startHangingEngine } from './support/hangingEngine';
import { claudeHookSettings, copyBuiltCli, sandboxedForm, startHookSandbox, uniqueName, type HookSandbox } from './support/hookSandbox';
import { makeAgentHome, runClaude, writeClaudeHookSettings, type AgentRun } from './support/runAgent';
import type { ScriptTurn } from './support/scriptedServer';
import { assertAbsentOnHost, assertFinished, describeRun, REFUSAL } from './support/verdicts';

describe('Claude Code with the agent-sandbox hook', () => {
  let sandbox: HookSandbox;
  let claudeBin: string;
  const cleanups: (() => void | Promise<void>)[] = [];

  before(async () => {
    claudeBin = agentClis().claude;
    sandbox = await startHookSandbox({ 'notes.md': 'original notes\n' });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
    sandbox?.dispose();
  });

  /** Runs Claude Code once with the product's hook settings for `cli` and the given model script. */
  async function agentRun(script: ScriptTurn[], options: { cli?: readonly string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number; afterConfigured?: () => void } = {}): Promise<{ run: AgentRun; model: AnthropicServer }> {
    writeClaudeHookSettings(sandbox.workspace, claudeHookSettings(options.cli ?? sandbox.cli));
    options.afterConfigured?.();
    const model = await startAnthropicServer(script);
    const home = makeAgentHome();
    try {
      const run = await runClaude({
        bin: claudeBin,
        home,
        workspace: sandbox.workspace,
        modelUrl: model.url,
        env: { ...sandbox.env, ...options.env },
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      assertFinished(run);
      return { run, model };
    } finally {
      await model.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  }

  /** The single Bash result, asserted to be a refusal. */
  function assertRefused(model: AnthropicServer, run: AgentRun): void {
    const results = model.toolResults();
    assert.equal(results.length, 1, `one tool result expected. ${describeRun(run, results)}`);
    assert.equal(results[0]!.isError, true, `the call was not refused. ${describeRun(run, results)}`);
    assert.match(results[0]!.text, REFUSAL, describeRun(run, results));
  }

  it('runs a shell call in the sandbox: a workspace file lands in the pending changes, a file outside the workspace nowhere on the host', async () => {
    const inWorkspace = uniqueName('host-canary');
    const outside = path.join(os.tmpdir(), uniqueName('agent-sandbox-outside-canary'));
    cleanups.push(() => fs.rmSync(outside, { force: true }));
    const { run, model } = await agentRun([{ tool: 'Bash', input: { command: `touch ${inWorkspace} ${outside} && echo touched`, description: 'Create two files' } }, { text: 'Done.' }]);
    assertAbsentOnHost(path.join(sandbox.workspace, inWorkspace), run);
    assertAbsentOnHost(outside, run);
    const results = model.toolResults();
    assert.equal(results.length, 1, describeRun(run, results));
    assert.equal(results[0]!.isError, false, describeRun(run, results));
    assert.match(results[0]!.text, /touched/, describeRun(run, results));
    const changes = await sandbox.changes();
    assert.ok(changes.some((c) => c.path === inWorkspace && c.kind === 'added'), `${inWorkspace} is not a pending change: ${JSON.stringify(changes)}`);
  });

  it('never lets a look-alike of the sandbox command run its tail on the host', async () => {
    const relative = uniqueName('lookalike-canary');
    const outside = path.join(os.tmpdir(), uniqueName('agent-sandbox-lookalike-canary'));
    cleanups.push(() => fs.rmSync(outside, { force: true }));
    // Two look-alikes: the CLI's own `run --` form, and the very line the hook hands back for a
    // harmless command; each with a tail that would run on the host.
    const runForm = `${shellJoin([...sandbox.cli, '--workspace', sandbox.workspace, 'run', '--'])} true`;
    const handedBack = await sandboxedForm(sandbox, 'true');
    const { run, model } = await agentRun([
      { tool: 'Bash', input: { command: `${runForm}; touch ${relative} ${outside}`, description: 'Run in the sandbox' } },
      { tool: 'Bash', input: { command: `${handedBack}; touch ${relative} ${outside}`, description: 'Run in the sandbox again' } },
      { text: 'Done.' },
    ]);
    assertAbsentOnHost(path.join(sandbox.workspace, relative), run);
    assertAbsentOnHost(outside, run);
    // Each call is either refused, or ran whole (tail included) in the sandbox.
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    const sandboxed = (await sandbox.changes()).some((c) => c.path === relative);
    for (const r of results) assert.ok((r.isError && REFUSAL.test(r.text)) || sandboxed, `a call was neither refused nor run in the sandbox. ${describeRun(run, results)}`);
  });

  it('blocks the call when the configured hook program is missing', async () => {
    const movedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-cli-moved-'));
    cleanups.push(() => fs.rmSync(movedDir, { recursive: true, force: true }));
    const cli = copyBuiltCli(movedDir);
    const canary = uniqueName('missing-hook-canary');
    const { run, model } = await agentRun([{ tool: 'Bash', input: { command: `touch ${canary}`, description: 'Create a file' } }, { text: 'Done.' }], {
      cli,
      // The program the configuration names goes away (an update, an uninstall, a moved checkout).
      afterConfigured: () => fs.renameSync(path.join(movedDir, 'dist'), path.join(movedDir, 'dist.old')),
    });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assertRefused(model, run);
  });

  it('blocks the call when the hook fails with an exception (a malformed AGENT_SANDBOX_CLI)', async () => {
    // Claude Code itself refuses a command with control characters (such as NUL) before any
    // hook runs, so the exception comes from a malformed setting the hook reads instead.
    const canary = uniqueName('exception-canary');
    const { run, model } = await agentRun([{ tool: 'Bash', input: { command: `touch ${canary}`, description: 'Create a file' } }, { text: 'Done.' }], {
      env: { AGENT_SANDBOX_CLI: '["not a complete JSON array' },
    });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assertRefused(model, run);
  });

  it('blocks the call, inside the agent\'s hook timeout, when the engine hangs', async () => {
    const engine = await startHangingEngine();
    cleanups.push(() => engine.close());
    const canary = uniqueName('hung-engine-canary');
    const { run, model } = await agentRun([{ tool: 'Bash', input: { command: `touch ${canary}`, description: 'Create a file' } }, { text: 'Done.' }], {
      env: { DOCKER_HOST: engine.dockerHost },
      timeoutMs: (HOOK_TIMEOUT_SEC + 30) * 1000,
    });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assert.ok(engine.connections() > 0, 'the hook never tried the (hanging) engine');
    assertRefused(model, run);
    assert.ok(run.ms < HOOK_TIMEOUT_SEC * 1000, `the agent ran ${run.ms} ms: the hook did not answer inside its ${HOOK_TIMEOUT_SEC} s timeout`);
  });

  it('refuses Write and Edit of a host file after a Read of it; the file on disk is unchanged', async () => {
    const file = path.join(sandbox.workspace, 'notes.md');
    const before = fs.readFileSync(file, 'utf8');
    const { run, model } = await agentRun([
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
    for (const r of results.slice(1)) {
      assert.equal(r.isError, true, describeRun(run, results));
      assert.match(r.text, REFUSAL, describeRun(run, results));
    }
  });
});
