// Rescans of the pending changes do not pile up: one scan at a time, calls during a scan
// become one more scan, a burst of scheduled calls becomes one scan, and a failed count is
// logged and shown as unknown.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { countPending, PendingRefresh, REFRESH_DELAY_MS } from '../../../src/extension/sandbox/pendingRefresh';

/** A scan that finishes only when the test says so, counting how many started. */
function gatedScans() {
  const gates: Array<() => void> = [];
  let running = 0;
  let overlapped = false;
  const scan = () =>
    new Promise<void>((resolve) => {
      running++;
      if (running > 1) overlapped = true;
      gates.push(() => {
        running--;
        resolve();
      });
    });
  return { scan, started: () => gates.length, finish: (i: number) => gates[i]!(), overlapped: () => overlapped };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('calls during a scan become one more scan after it, never a second scan at the same time', async () => {
  const scans = gatedScans();
  const refresh = new PendingRefresh(scans.scan);
  let firstDone = false;
  const first = refresh.refresh().then(() => (firstDone = true));
  const during = [refresh.refresh(), refresh.refresh(), refresh.refresh()];
  await settle();
  assert.equal(scans.started(), 1, 'the calls wait for the scan under way');
  scans.finish(0);
  await settle();
  assert.equal(scans.started(), 2, 'the three calls made meanwhile became one more scan');
  assert.equal(firstDone, false, 'the first call resolves only after the scan that covers the later calls');
  scans.finish(1);
  await Promise.all([first, ...during]);
  assert.equal(scans.started(), 2);
  assert.equal(scans.overlapped(), false);
  // Once idle, a call scans again.
  const later = refresh.refresh();
  await settle();
  assert.equal(scans.started(), 3);
  scans.finish(2);
  await later;
});

test('a failed scan rejects its callers and the next call scans again', async () => {
  let calls = 0;
  const refresh = new PendingRefresh(async () => {
    calls++;
    if (calls === 1) throw new Error('scan broke');
  });
  await assert.rejects(refresh.refresh(), /scan broke/);
  await refresh.refresh();
  assert.equal(calls, 2);
});

test('a burst of scheduled refreshes becomes one scan after the delay; dispose drops a scheduled one', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let scans = 0;
  const refresh = new PendingRefresh(async () => {
    scans++;
  });
  for (let i = 0; i < 5; i++) {
    refresh.schedule();
    t.mock.timers.tick(REFRESH_DELAY_MS - 1);
  }
  assert.equal(scans, 0, 'each call in the burst pushes the scan back');
  t.mock.timers.tick(1);
  await Promise.resolve();
  assert.equal(scans, 1);
  refresh.schedule(50);
  refresh.dispose();
  t.mock.timers.tick(1000);
  await Promise.resolve();
  assert.equal(scans, 1, 'a disposed refresher does not scan');
});

test('the count is the undecided entries; no airlock or a failing scan is unknown, and the failure is logged', async () => {
  const logger = { error: mock.fn() };
  const entry = (path: string) => ({ path, kind: 'modified' });
  const decided = new Set(['b']);
  const review = {
    fileDecision: (e: { path: string }) => ({ state: decided.has(e.path) ? 'approved' : 'pending' }),
    hasHunkDecisions: () => false,
  };
  const airlock = {
    changes: async () => ({ entries: [entry('a'), entry('b'), entry('c')] }),
    review: async () => review,
    hunks: async () => undefined,
  };
  assert.equal(await countPending(airlock as never, logger), 2);
  assert.equal(await countPending(undefined, logger), undefined);
  assert.equal(logger.error.mock.callCount(), 0);
  assert.equal(await countPending({ changes: async () => Promise.reject(new Error('EIO')) } as never, logger), undefined);
  assert.equal(logger.error.mock.callCount(), 1);
  assert.equal(logger.error.mock.calls[0]!.arguments[0], 'Scanning the pending changes failed');
});
