/**
 * The pre-tool-use hook with the real GitHub Copilot CLI (`copilot -p`), the program behind
 * Copilot's shared runtime: it reads the workspace's `.github/hooks/agent-sandbox-copilot.json`
 * (camelCase `preToolUse`, written by the product's own writer), hands every tool call to
 * `agent-sandbox hook copilot` as `toolName`/`toolArgs`, and reads the flat answer. It denies
 * a call when the hook exits non-zero, but runs it when the hook times out or prints invalid
 * JSON, so the hook must answer, in valid JSON, inside the configured timeout. Each test checks
 * both sides: nothing happened on the host, and the model got a refusal back (or, for a
 * rewritten call, the effect is in the sandbox copy).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOOK_TIMEOUT_SEC } from '../../src/core/tools/hookConfig';
import { shellJoin } from '../../src/core/tools/shellQuote';
import { agentClis } from './support/agentClis';
import { startChatCompletionsServer, type ChatCompletionsServer } from './support/chatCompletionsServer';
import { startHangingEngine } from './support/hangingEngine';
import { copyBuiltCli, sandboxedForm, startHookSandbox, uniqueName, type HookSandbox } from './support/hookSandbox';
import { makeAgentHome, type AgentRun } from './support/runAgent';
import { runCopilot, writeHookConfig } from './support/runCopilot';
import type { ScriptTurn } from './support/scriptedServer';
import { assertAbsentOnHost, assertFinished, describeRun, REFUSAL } from './support/verdicts';

/** Copilot's shell tool and its input. */
const shell = (command: string): ScriptTurn => ({ tool: 'bash', input: { command, description: 'scripted step' } });

describe('GitHub Copilot CLI with the agent-sandbox hook', () => {
  let sandbox: HookSandbox;
  let copilotBin: string;
  const cleanups: (() => void | Promise<void>)[] = [];

  before(async () => {
    copilotBin = agentClis().copilot;
    sandbox = await startHookSandbox({ 'notes.md': 'original notes\n' });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
    sandbox?.dispose();
  });

  async function agentRun(
    script: ScriptTurn[],
    options: { cli?: readonly string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number; afterConfigured?: () => void; dialect?: 'copilot' | 'vscode' } = {},
  ): Promise<{ run: AgentRun; model: ChatCompletionsServer }> {
    const hooks = path.join(sandbox.workspace, '.github', 'hooks');
    fs.rmSync(hooks, { recursive: true, force: true });
    writeHookConfig(sandbox.workspace, options.cli ?? sandbox.cli, options.dialect ?? 'copilot');
    options.afterConfigured?.();
    const model = await startChatCompletionsServer(script);
    const home = makeAgentHome();
    try {
      const run = await runCopilot({
        bin: copilotBin,
        home,
        workspace: sandbox.workspace,
        modelUrl: model.url,
        env: { ...sandbox.env, ...options.env },
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      assertFinished(run);
      assert.ok(model.offeredTools().includes('bash'), `Copilot CLI no longer offers bash: ${model.offeredTools().join(', ')}. ${describeRun(run, [])}`);
      return { run, model };
    } finally {
      await model.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  }

  function assertRefused(model: ChatCompletionsServer, run: AgentRun, count = 1): void {
    const results = model.toolResults();
    assert.equal(results.length, count, `${count} tool result(s) expected. ${describeRun(run, results)}`);
    for (const r of results) assert.match(r.text, REFUSAL, `a call was not refused. ${describeRun(run, results)}`);
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

  it('refuses create and edit of a host file, which stays as it was', async () => {
    const notes = path.join(sandbox.workspace, 'notes.md');
    const created = path.join(sandbox.workspace, uniqueName('created-canary'));
    const { run, model } = await agentRun([
      { tool: 'create', input: { path: created, file_text: 'created on the host\n' } },
      { tool: 'edit', input: { path: notes, old_str: 'original notes', new_str: 'edited on the host' } },
      { text: 'Done.' },
    ]);
    assertAbsentOnHost(created, run);
    assert.equal(fs.readFileSync(notes, 'utf8'), 'original notes\n', `notes.md was edited on the host. ${describeRun(run, model.toolResults())}`);
    assertRefused(model, run, 2);
    for (const r of model.toolResults()) assert.match(r.text, /write_file or edit_file/, describeRun(run, model.toolResults()));
  });

  it("is confined by VS Code's Local harness file too, which it reads with Claude-like input (PascalCase PreToolUse)", async () => {
    const canary = uniqueName('local-file-canary');
    const notes = path.join(sandbox.workspace, 'notes.md');
    const { run, model } = await agentRun(
      [shell(`touch ${canary} && echo touched`), { tool: 'edit', input: { path: notes, old_str: 'original notes', new_str: 'edited on the host' } }, { text: 'Done.' }],
      { dialect: 'vscode' },
    );
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assert.equal(fs.readFileSync(notes, 'utf8'), 'original notes\n', `notes.md was edited on the host. ${describeRun(run, model.toolResults())}`);
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    assert.match(results[0]!.text, /touched/, describeRun(run, results));
    assert.match(results[1]!.text, REFUSAL, describeRun(run, results));
    assert.ok((await sandbox.changes()).some((c) => c.path === canary), `${canary} is not a pending change`);
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

  it('blocks the call when the hook fails with an exception (a malformed AGENT_SANDBOX_CLI)', async () => {
    const canary = uniqueName('exception-canary');
    const { run, model } = await agentRun([shell(`touch ${canary}`), { text: 'Done.' }], { env: { AGENT_SANDBOX_CLI: '["not a complete JSON array' } });
    assertAbsentOnHost(path.join(sandbox.workspace, canary), run);
    assertRefused(model, run);
  });

  it("blocks the call, inside the agent's hook timeout, when the engine hangs", async () => {
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
