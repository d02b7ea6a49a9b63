// Which sessions garbage collection takes: stale ones (half made, half removed, without a
// record, of a deleted workspace, without a copy), and never one a live process uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePending, losesChanges } from '../../../src/core/session/remove';
import { judgeSession, ORPHAN_KEPT, type SessionFacts } from '../../../src/core/session/staleSessions';

/** A healthy stopped session that nobody uses. */
const idle: SessionFacts = {
  hasState: true,
  status: 'stopped',
  removalUnfinished: false,
  ownerAlive: false,
  containerRunning: false,
  execRunning: false,
  proxyServed: false,
  workspaceGone: false,
  copyPresent: true,
};

describe('judging a session for collection', () => {
  it('keeps a session like any other, running or stopped, owned or not', () => {
    assert.deepEqual(judgeSession(idle), { collect: false });
    assert.deepEqual(judgeSession({ ...idle, status: 'ready', containerRunning: true, ownerAlive: true }), { collect: false });
    assert.deepEqual(judgeSession({ ...idle, status: 'ready', containerRunning: true }), { collect: false });
  });

  it('keeps a session whose container is gone but whose copy holds its pending changes', () => {
    assert.deepEqual(judgeSession({ ...idle, status: 'ready', containerRunning: false }), { collect: false });
  });

  it('keeps a session being started by a live process, and collects one whose starter died', () => {
    assert.deepEqual(judgeSession({ ...idle, status: 'starting', ownerAlive: true }), { collect: false });
    assert.deepEqual(judgeSession({ ...idle, status: 'starting', copyPresent: false }), {
      collect: true,
      reason: 'the process that was starting it died',
    });
  });

  it('collects each kind of stale session, with its reason', () => {
    assert.deepEqual(judgeSession({ ...idle, workspaceGone: true }, { orphans: true }), {
      collect: true,
      reason: 'its workspace folder no longer exists',
    });
    assert.deepEqual(judgeSession({ ...idle, removalUnfinished: true }), { collect: true, reason: 'a removal of it was cut short' });
    assert.deepEqual(judgeSession({ ...idle, hasState: false, copyPresent: false }), { collect: true, reason: 'it has no session record' });
    assert.deepEqual(judgeSession({ ...idle, copyPresent: false }), {
      collect: true,
      reason: 'its copy of the workspace is gone, so nothing is left to review',
    });
    // A running container whose owner is gone does not keep a deleted workspace's session.
    assert.deepEqual(judgeSession({ ...idle, workspaceGone: true, containerRunning: true }, { orphans: true }), {
      collect: true,
      reason: 'its workspace folder no longer exists',
    });
  });

  it('keeps the session of a workspace folder that is gone until a person asks for orphans: the folder may only have moved', () => {
    assert.deepEqual(judgeSession({ ...idle, workspaceGone: true }), {
      collect: false,
      stale: 'its workspace folder no longer exists',
      kept: ORPHAN_KEPT,
    });
    // Nothing left to review, or half made or half removed: collected all the same.
    assert.deepEqual(judgeSession({ ...idle, workspaceGone: true, copyPresent: false }), {
      collect: true,
      reason: 'its workspace folder no longer exists',
    });
    assert.deepEqual(judgeSession({ ...idle, workspaceGone: true, removalUnfinished: true }), {
      collect: true,
      reason: 'a removal of it was cut short',
    });
    assert.equal(judgeSession({ ...idle, workspaceGone: true, status: 'starting' }).collect, true);
  });

  it('never collects a stale session that a live process uses, and says which use kept it', () => {
    const stale = { ...idle, workspaceGone: true };
    const cases: [Partial<SessionFacts>, string][] = [
      [{ lockHolder: 4242 }, 'process 4242 holds its lock'],
      [{ execRunning: true, containerRunning: true }, 'a command is running in it'],
      [{ proxyServed: true }, 'a process serves its network'],
      [{ containerRunning: true, ownerAlive: true }, 'its container runs for a live process'],
    ];
    for (const [use, inUse] of cases) {
      assert.deepEqual(judgeSession({ ...stale, ...use }), { collect: false, stale: 'its workspace folder no longer exists', inUse });
    }
    // A removal in progress holds the lock: not finished behind its back.
    assert.deepEqual(judgeSession({ ...idle, removalUnfinished: true, lockHolder: 7 }), {
      collect: false,
      stale: 'a removal of it was cut short',
      inUse: 'process 7 holds its lock',
    });
  });
});

describe('pending changes before a removal', () => {
  it('names the count, a lower bound, or why they could not be counted', () => {
    assert.equal(describePending({ count: 1, atLeast: false }), '1 pending change');
    assert.equal(describePending({ count: 3, atLeast: true }), 'at least 3 pending changes');
    assert.match(describePending({ count: 0, atLeast: true }), /cannot be counted while the sandbox is stopped/);
    assert.equal(
      describePending({ count: 0, atLeast: false, unreadable: 'disk error' }),
      'pending changes that could not be counted (disk error)',
    );
  });

  it('counts as a loss anything but a sure zero', () => {
    assert.equal(losesChanges({ count: 0, atLeast: false }), false);
    assert.equal(losesChanges({ count: 2, atLeast: false }), true);
    assert.equal(losesChanges({ count: 0, atLeast: true }), true);
    assert.equal(losesChanges({ count: 0, atLeast: false, unreadable: 'x' }), true);
  });
});
