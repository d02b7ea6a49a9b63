// The health probe's reading of what the session saw of its container: each answer of
// session.probe() and the disk cap mark turns into one mode and reason for the status bar.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerProbe, SandboxSession } from '../../../src/core/session/session';
import { probeHealth } from '../../../src/extension/sandbox/health';

function sessionSeeing(probe: ContainerProbe, overDiskCap = false): { session: SandboxSession; timeouts: (number | undefined)[] } {
  const timeouts: (number | undefined)[] = [];
  const fake = {
    policy: { diskCapMb: 512 },
    probe: async (timeoutMs?: number) => {
      timeouts.push(timeoutMs);
      return probe;
    },
    isOverDiskCap: () => overDiskCap,
  };
  return { session: fake as unknown as SandboxSession, timeouts };
}

test('a running container under its disk cap is healthy, and the probe is bounded in time', async () => {
  const { session, timeouts } = sessionSeeing({ container: 'running' });
  assert.deepEqual(await probeHealth(session), { healthy: true });
  assert.equal(timeouts.length, 1);
  assert.ok(typeof timeouts[0] === 'number' && timeouts[0] > 0, `the probe had no deadline: ${String(timeouts[0])}`);
});

test('a removed container degrades, saying the pending changes are kept', async () => {
  const health = await probeHealth(sessionSeeing({ container: 'removed' }).session);
  assert.ok(!health.healthy);
  assert.equal(health.mode, 'degraded');
  assert.equal(health.reason, 'container removed');
  assert.match(health.detail, /pending changes in its copy are kept/);
});

test('a stopped container degrades', async () => {
  const health = await probeHealth(sessionSeeing({ container: 'stopped' }).session);
  assert.ok(!health.healthy);
  assert.equal(health.mode, 'degraded');
  assert.equal(health.reason, 'container stopped');
});

test('an engine that does not answer is an error that names the engine and its message', async () => {
  const health = await probeHealth(sessionSeeing({ container: 'unknown', error: new Error('no answer within 4 s') }).session);
  assert.ok(!health.healthy);
  assert.equal(health.mode, 'error');
  assert.equal(health.reason, 'engine unreachable');
  assert.match(health.detail, /Docker engine does not answer \(no answer within 4 s\)/);
});

test('a running container over its disk cap degrades, naming the cap', async () => {
  const health = await probeHealth(sessionSeeing({ container: 'running' }, true).session);
  assert.ok(!health.healthy);
  assert.equal(health.mode, 'degraded');
  assert.equal(health.reason, 'disk cap reached');
  assert.match(health.detail, /disk cap of 512 MiB/);
});

test('a stopped container is reported as stopped before any disk cap', async () => {
  const health = await probeHealth(sessionSeeing({ container: 'stopped' }, true).session);
  assert.ok(!health.healthy);
  assert.equal(health.reason, 'container stopped');
});
