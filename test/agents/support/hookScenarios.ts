/**
 * The hook scenarios every agent must pass, whatever its tools and wire format: a shell call
 * moved into the sandbox, look-alikes of the sandbox command, and each way the hook itself can
 * fail (its program gone, an exception, a hung engine). Every agent tested here runs a call
 * when its hook fails in some way (a crash, a time-out), so each failure must still end in a
 * refusal. Each test checks both sides: nothing happened on the host, and the model got a
 * refusal back (or, for a rewritten call, the effect is in the sandbox's pending changes).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HOOK_TIMEOUT_SEC } from '../../../src/core/tools/hookConfig';
import { shellJoin } from '../../../src/core/tools/shellQuote';
import { startHangingEngine } from './hangingEngine';
import { copyBuiltCli, sandboxedForm, uniqueName } from './hookSandbox';
import type { HookRunOptions, HookTestBed } from './hookTestBed';
import type { AgentRun } from './runAgent';
import { provesRoute } from './routes';
import type { ModelServer } from './scriptedServer';
import { assertAbsentOnHost, describeRun } from './verdicts';

/** A path outside the workspace, removed after the suite. */
function outsideCanary<O extends object>(bed: HookTestBed<O>, prefix: string): string {
  const file = path.join(os.tmpdir(), uniqueName(prefix));
  bed.cleanup(() => fs.rmSync(file, { force: true }));
  return file;
}

/**
 * Has the model call the shell tool with `command(canary)`, a command that would create the
 * workspace file `canary` on the host; asserts the file is not there and the call was refused.
 */
export async function assertBlockedCanary<O extends object>(
  bed: HookTestBed<O>,
  prefix: string,
  options?: HookRunOptions<O>,
  command: (canary: string) => string = (canary) => `touch ${canary}`,
): Promise<{ run: AgentRun; model: ModelServer }> {
  const canary = uniqueName(prefix);
  const { run, model } = await bed.agentRun([bed.agent.shell(command(canary)), { text: 'Done.' }], options);
  assertAbsentOnHost(path.join(bed.sandbox.workspace, canary), run);
  bed.assertRefused(model, run);
  return { run, model };
}

/** Registers the shared scenarios as tests of the current suite. */
export function sharedHookScenarios<O extends object>(bed: HookTestBed<O>): void {
  provesRoute(
    bed.agent.id,
    'shell',
    'runs a shell call in the sandbox: a workspace file lands in the pending changes, a file outside the workspace nowhere on the host',
    async () => {
      const inWorkspace = uniqueName('host-canary');
      const outside = outsideCanary(bed, 'agent-sandbox-outside-canary');
      const { run, model } = await bed.agentRun([bed.agent.shell(`touch ${inWorkspace} ${outside} && echo touched`), { text: 'Done.' }]);
      assertAbsentOnHost(path.join(bed.sandbox.workspace, inWorkspace), run);
      assertAbsentOnHost(outside, run);
      const results = model.toolResults();
      assert.equal(results.length, 1, describeRun(run, results));
      // Where the wire marks a failed call, the rewritten one must not be marked.
      assert.equal(results[0]!.isError ?? false, false, describeRun(run, results));
      assert.match(results[0]!.text, /touched/, describeRun(run, results));
      const changes = await bed.sandbox.changes();
      assert.ok(
        changes.some((c) => c.path === inWorkspace && c.kind === 'added'),
        `${inWorkspace} is not a pending change: ${JSON.stringify(changes)}`,
      );
    },
  );

  provesRoute(bed.agent.id, 'shell', 'never lets a look-alike of the sandbox command run its tail on the host', async () => {
    const relative = uniqueName('lookalike-canary');
    const outside = outsideCanary(bed, 'agent-sandbox-lookalike-canary');
    // Two look-alikes: the CLI's own `run --` form, and the very line the hook hands back for a
    // harmless command; each with a tail that would run on the host.
    const runForm = `${shellJoin([...bed.sandbox.cli, '--workspace', bed.sandbox.workspace, 'run', '--'])} true`;
    const handedBack = await sandboxedForm(bed.sandbox, 'true');
    const { run, model } = await bed.agentRun([
      bed.agent.shell(`${runForm}; touch ${relative} ${outside}`),
      bed.agent.shell(`${handedBack}; touch ${relative} ${outside}`),
      { text: 'Done.' },
    ]);
    assertAbsentOnHost(path.join(bed.sandbox.workspace, relative), run);
    assertAbsentOnHost(outside, run);
    // Each call is either refused, or ran whole (tail included) in the sandbox.
    const results = model.toolResults();
    assert.equal(results.length, 2, describeRun(run, results));
    const sandboxed = (await bed.sandbox.changes()).some((c) => c.path === relative);
    for (const r of results)
      assert.ok(bed.agent.isRefusal(r) || sandboxed, `a call was neither refused nor run in the sandbox. ${describeRun(run, results)}`);
  });

  provesRoute(bed.agent.id, 'hookFailure', 'blocks the call when the configured hook program is missing', async () => {
    const movedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-cli-moved-'));
    bed.cleanup(() => fs.rmSync(movedDir, { recursive: true, force: true }));
    const cli = copyBuiltCli(movedDir);
    await assertBlockedCanary(bed, 'missing-hook-canary', {
      cli,
      // The program the configuration names goes away (an update, an uninstall, a moved checkout).
      afterConfigured: () => fs.renameSync(path.join(movedDir, 'dist'), path.join(movedDir, 'dist.old')),
    });
  });

  provesRoute(
    bed.agent.id,
    'hookFailure',
    'blocks the call when the hook fails with an exception (a malformed AGENT_SANDBOX_CLI)',
    async () => {
      await assertBlockedCanary(bed, 'exception-canary', { env: { AGENT_SANDBOX_CLI: '["not a complete JSON array' } });
    },
  );

  provesRoute(bed.agent.id, 'hookFailure', "blocks the call, inside the agent's hook timeout, when the engine hangs", async () => {
    const engine = await startHangingEngine();
    bed.cleanup(() => engine.close());
    const { run } = await assertBlockedCanary(bed, 'hung-engine-canary', {
      env: { DOCKER_HOST: engine.dockerHost },
      timeoutMs: (HOOK_TIMEOUT_SEC + 30) * 1000,
    });
    assert.ok(engine.connections() > 0, 'the hook never tried the (hanging) engine');
    assert.ok(
      run.ms < HOOK_TIMEOUT_SEC * 1000,
      `the agent ran ${run.ms} ms: the hook did not answer inside its ${HOOK_TIMEOUT_SEC} s timeout`,
    );
  });
}
