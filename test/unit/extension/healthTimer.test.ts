// The health checks run at the setting's interval while the sandbox is on: one timer at a
// time, none after stop, and a failing check is logged without ending the checks.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { HealthTimer } from '../../../src/extension/sandbox/healthTimer';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('checks run at the interval read at start, restart replaces the timer, and stop ends them', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let checks = 0;
  let interval = 5000;
  const timer = new HealthTimer(
    async () => void checks++,
    () => interval,
    { error: mock.fn() },
  );
  timer.start();
  t.mock.timers.tick(4999);
  assert.equal(checks, 0);
  t.mock.timers.tick(1);
  assert.equal(checks, 1);
  interval = 1000;
  timer.start();
  t.mock.timers.tick(5000);
  assert.equal(checks, 6, 'one timer at the new interval, the old one is gone');
  timer.stop();
  t.mock.timers.tick(60_000);
  assert.equal(checks, 6);
  timer.start();
  timer.dispose();
  t.mock.timers.tick(60_000);
  assert.equal(checks, 6, 'dispose stops the checks');
});

test('a failing check is logged and the checks go on', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const logger = { error: mock.fn() };
  let checks = 0;
  const timer = new HealthTimer(
    async () => {
      checks++;
      throw new Error('engine gone');
    },
    () => 1000,
    logger,
  );
  timer.start();
  t.mock.timers.tick(1000);
  await settle();
  t.mock.timers.tick(1000);
  await settle();
  timer.stop();
  assert.equal(checks, 2);
  assert.equal(logger.error.mock.callCount(), 2);
  assert.equal(logger.error.mock.calls[0]!.arguments[0], 'Health check failed');
});
