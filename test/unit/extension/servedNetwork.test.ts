// The network a window serves: a close is awaited to its end, also by a second caller while
// the first close is under way, a failed close is logged and does not throw, and after
// shutdown a network handed in late is closed at once. This is what lets deactivation wait
// for the egress proxy to be closed.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { ServedNetwork } from '../../../src/extension/sandbox/servedNetwork';

/** A network whose close finishes when the test says so. */
function gatedNetwork() {
  let finish!: (err?: Error) => void;
  let closes = 0;
  const network = {
    close: () =>
      new Promise<void>((resolve, reject) => {
        closes++;
        finish = (err) => (err ? reject(err) : resolve());
      }),
  };
  return { network, finish: (err?: Error) => finish(err), closes: () => closes };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function tracked(promise: Promise<void>) {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
}

test('close resolves only when the network is closed, and a second close waits for the first', async () => {
  const served = new ServedNetwork({ error: mock.fn() });
  const net = gatedNetwork();
  served.serve(net.network);
  const first = tracked(served.close());
  const second = tracked(served.close());
  await settle();
  assert.equal(net.closes(), 1, 'the network is closed once');
  assert.equal(first.done, false);
  assert.equal(second.done, false, 'a close while another is under way waits for it');
  net.finish();
  await settle();
  assert.equal(first.done, true);
  assert.equal(second.done, true);
});

test('a close with nothing served resolves at once', async () => {
  const served = new ServedNetwork({ error: mock.fn() });
  await served.close();
  await served.shutdown();
});

test('a failed close is logged, not thrown, and does not hold up later closes', async () => {
  const logger = { error: mock.fn() };
  const served = new ServedNetwork(logger);
  const net = gatedNetwork();
  served.serve(net.network);
  const closing = served.close();
  net.finish(new Error('socket busy'));
  await closing;
  assert.equal(logger.error.mock.callCount(), 1);
  assert.equal(logger.error.mock.calls[0]!.arguments[0], 'Closing the sandbox network failed');
  const next = gatedNetwork();
  served.serve(next.network);
  const nextClosing = tracked(served.close());
  next.finish();
  await settle();
  assert.equal(nextClosing.done, true);
});

test('shutdown waits for the close; a network handed in after shutdown is closed at once', async () => {
  const served = new ServedNetwork({ error: mock.fn() });
  const net = gatedNetwork();
  served.serve(net.network);
  const shutdown = tracked(served.shutdown());
  await settle();
  assert.equal(shutdown.done, false);
  net.finish();
  await settle();
  assert.equal(shutdown.done, true);
  const late = gatedNetwork();
  served.serve(late.network);
  assert.equal(late.closes(), 1, 'a start that finished after shutdown does not keep its network open');
  // A later shutdown (disposal after deactivation) waits for that close too.
  const again = tracked(served.shutdown());
  await settle();
  assert.equal(again.done, false);
  late.finish();
  await settle();
  assert.equal(again.done, true);
});
