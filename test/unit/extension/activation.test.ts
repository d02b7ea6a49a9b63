// Activation creates each part on its own: one that throws is recorded and the next still
// starts; a part that needs a failed one is left out; one notification names what failed.
// Deactivation awaits every part's shutdown, and a failing one does not stop the others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activateParts, activationFailureMessage, shutdownAll, type Contribution } from '../../../src/extension/activation';

const disposable = (log: string[], name: string) => ({ dispose: () => log.push(`dispose ${name}`) });

describe('activating the parts', () => {
  it('creates every part in order and keeps what each returns, in that order', () => {
    const log: string[] = [];
    const a = disposable(log, 'a');
    const b1 = disposable(log, 'b1');
    const b2 = disposable(log, 'b2');
    const shutdown = { shutdown: async () => undefined };
    const c = disposable(log, 'c');
    const activated = activateParts([
      { name: 'a', create: () => (log.push('create a'), a) },
      { name: 'b', create: () => (log.push('create b'), [b1, b2]) },
      { name: 'c', create: () => (log.push('create c'), { disposables: [c], shutdown }) },
      { name: 'd', create: () => void log.push('create d') },
    ]);
    assert.deepEqual(log, ['create a', 'create b', 'create c', 'create d']);
    assert.deepEqual(activated.disposables, [a, b1, b2, c]);
    assert.deepEqual(activated.shutdowns, [shutdown]);
    assert.deepEqual(activated.failed, []);
    assert.deepEqual(activated.skipped, []);
    assert.equal(activationFailureMessage(activated), undefined);
  });

  it('goes on after a part that throws, and leaves out the parts that need it', () => {
    const log: string[] = [];
    const boom = new Error('no output channel');
    const parts: Contribution[] = [
      { name: 'the sandbox controller', create: () => disposable(log, 'controller') },
      {
        name: 'the status bar',
        requires: ['the sandbox controller'],
        create: () => {
          throw boom;
        },
      },
      { name: 'the status bar menu', requires: ['the status bar'], create: () => disposable(log, 'menu') },
      // Left out through the part above it, which was itself left out.
      { name: 'the status bar tooltip', requires: ['the status bar menu'], create: () => disposable(log, 'tooltip') },
      { name: 'the commands', requires: ['the sandbox controller'], create: () => disposable(log, 'commands') },
    ];
    const activated = activateParts(parts);
    assert.deepEqual(
      activated.disposables.map((d) => (d.dispose(), log.at(-1))),
      ['dispose controller', 'dispose commands'],
    );
    assert.deepEqual(activated.failed, [{ name: 'the status bar', error: boom }]);
    assert.deepEqual(activated.skipped, ['the status bar menu', 'the status bar tooltip']);
    assert.equal(
      activationFailureMessage(activated),
      'Agent Sandbox: the status bar did not start. Without it, the status bar menu and the status bar tooltip are off too; the rest works. ' +
        'The log (Agent Sandbox: Show Logs) has the reason; reload the window to try again.',
    );
  });

  it('names every part that failed in the one message', () => {
    const fail = (name: string): Contribution => ({
      name,
      create: () => {
        throw new Error(name);
      },
    });
    const activated = activateParts([
      fail('the status bar'),
      { name: 'the commands', create: () => undefined },
      fail('the review panel'),
      fail('the sandbox terminals'),
    ]);
    assert.deepEqual(
      activated.failed.map((f) => (f.error as Error).message),
      ['the status bar', 'the review panel', 'the sandbox terminals'],
    );
    assert.equal(
      activationFailureMessage(activated),
      'Agent Sandbox: the status bar, the review panel and the sandbox terminals did not start. The rest of the extension works. ' +
        'The log (Agent Sandbox: Show Logs) has the reason; reload the window to try again.',
    );
  });
});

describe('shutting the parts down', () => {
  it('awaits every shutdown, and one that fails neither stops the others nor rejects', async () => {
    const finished: string[] = [];
    const errors: unknown[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const boom = new Error('the proxy did not close');
    const done = shutdownAll(
      [
        {
          shutdown: async () => {
            await slow;
            finished.push('network');
          },
        },
        {
          shutdown: async () => {
            throw boom;
          },
        },
        { shutdown: async () => void finished.push('watcher') },
      ],
      (err) => errors.push(err),
    );
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    // Still waiting for the slow one.
    assert.equal(settled, false);
    assert.deepEqual(finished, ['watcher']);
    release();
    await done;
    assert.deepEqual(finished, ['watcher', 'network']);
    assert.deepEqual(errors, [boom]);
  });
});
