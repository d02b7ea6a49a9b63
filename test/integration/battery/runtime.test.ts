/**
 * Stronger isolation is one setting away: the battery runs unchanged under whichever runtime
 * AGENT_SANDBOX_TEST_RUNTIME names (gVisor's runsc, Kata...), and a runtime the engine does
 * not have fails closed, with a clear error and nothing left behind.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toolsVolumeName } from '../../../src/core/agentTools/volume';
import { connectEngine } from '../../../src/core/engine/connection';
import { dialectFor } from '../../../src/core/engine/dialect';
import { hardenedCreateOptions, verifyHardening } from '../../../src/core/engine/hardening';
import { withResolvedRuntime } from '../../../src/core/engine/runtimes';
import { SandboxError } from '../../../src/core/errors';
import { startSession } from '../../../src/core/session/lifecycle';
import { SandboxSession } from '../../../src/core/session/session';
import { makeWorkspace, testPolicy } from '../support/sandbox';
import { mountsUnder, startBatterySession, type BatterySession } from '../support/battery';

let battery: BatterySession;

before(async () => {
  battery = await startBatterySession({ 'a.txt': 'a\n' });
});

after(() => battery?.dispose());

describe('the container runtime', () => {
  test('the session runs under the configured runtime, with every hardening setting verified', async () => {
    const { docker, info } = await connectEngine();
    const inspected = await docker.getContainer(battery.session.containerId).inspect();
    // A choice such as "gvisor" runs under the registered runtime that fits the session.
    const resolved = withResolvedRuntime(battery.policy, info.runtimeEntries, info.defaultRuntime);
    // Podman reports every runtime as "oci"; the sandbox asks it for none (it refuses a custom one).
    const dialect = dialectFor(info, path.join(battery.stateDir, 'engine'));
    if (!dialect) assert.equal(inspected.HostConfig.Runtime, resolved.policy.runtime || info.defaultRuntime);
    const expected = hardenedCreateOptions({
      sessionId: battery.session.id,
      workspaceRoot: battery.session.workspaceRoot,
      stateDir: battery.session.dir,
      image: inspected.Config.Image,
      user: battery.session.user,
      policy: resolved.policy,
      workspace:
        inspected.Mounts.find((m) => m.Destination === '/workspace')!.Type === 'volume'
          ? { kind: 'volume', name: inspected.Mounts.find((m) => m.Destination === '/workspace')!.Name! }
          : { kind: 'bind', hostPath: inspected.Mounts.find((m) => m.Destination === '/workspace')!.Source },
      baseDir: `${battery.session.dir}/base`,
      // Every session has the person's tools volume, read-only.
      tools: { volume: toolsVolumeName(battery.session.user), writable: false },
      hostEnv: process.env,
      ...(dialect ? { dialect } : {}),
      ...(resolved.runtime.kind === 'gvisor' ? { gvisor: true } : {}),
    });
    const image = await docker.getImage(inspected.Config.Image).inspect();
    assert.deepEqual(verifyHardening(inspected, expected, image.Config.Env ?? [], dialect), []);
  });

  test('an unknown runtime fails closed with a clear error and leaves nothing behind', async () => {
    const workspace = makeWorkspace({ 'b.txt': 'b\n' });
    try {
      const policy = testPolicy({ runtime: 'no-such-runtime' });
      await assert.rejects(startSession({ workspaceRoot: workspace, policy }), (err: unknown) => {
        assert.ok(err instanceof SandboxError);
        assert.equal(err.code, 'POLICY_INVALID');
        assert.match(err.message, /runtime "no-such-runtime"/);
        assert.match(err.hint ?? '', /daemon\.json/);
        return true;
      });
      assert.equal(SandboxSession.find(workspace).state, undefined, 'a session record was left');
      assert.ok(!fs.existsSync(SandboxSession.find(workspace).dir), 'a session folder was left');
      const containers = await (
        await connectEngine()
      ).docker.listContainers({ all: true, filters: { label: [`dev.agent-sandbox.workspace=${fs.realpathSync(workspace)}`] } });
      assert.deepEqual(containers, []);
      assert.deepEqual(mountsUnder(SandboxSession.find(workspace).dir), []);
    } finally {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
