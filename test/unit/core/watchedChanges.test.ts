/**
 * The watcher's list of changed paths: it is handed to one refresh at a time, given back when
 * that refresh fails, and dropped (with `since` moved on) whenever the watcher may have
 * missed something, so that no refresh trusts an incomplete list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WatchedChanges } from '../../../src/core/snapshot/watchedChanges';

describe('the change tracker', () => {
  it('collects changed paths, a folder covering what is below it', () => {
    const t = new WatchedChanges(1000);
    t.add('src/a.ts', 1100);
    t.add('./lib/', 1100);
    t.add('lib/deep/b.ts', 1100);
    assert.deepEqual(t.take(), { since: 1000, paths: ['src/a.ts', 'lib'] });
    assert.equal(t.size, 0, 'taking starts a new list');
    assert.equal(t.since, 1000, 'the list stays whole from the same moment');
  });

  it('stands a name that is not UTF-8 (mangled by the watcher) for its folder', () => {
    const t = new WatchedChanges(0);
    t.add('src/bad\uFFFDname/inner.txt', 1);
    t.add('top\uFFFD', 1);
    assert.deepEqual(t.take().paths, ['src', '']);
  });

  it('gives a failed refresh its paths back, next to what came meanwhile', () => {
    const t = new WatchedChanges(0);
    t.add('a', 1);
    const taken = t.take();
    t.add('b', 2);
    t.giveBack(taken, 3);
    assert.deepEqual([...t.take().paths].sort(), ['a', 'b']);
  });

  it('starts over from now when too many paths changed', () => {
    const t = new WatchedChanges(0, { maxPaths: 3 });
    for (const p of ['a', 'b', 'c']) t.add(p, 10);
    assert.equal(t.size, 3);
    t.add('d', 20);
    assert.equal(t.size, 0);
    assert.equal(t.since, 20, 'a kept copy made before the overflow is refreshed in full');
    assert.match(t.lastLoss ?? '', /more than 3 paths/);
  });

  it('starts over after a gap in the heartbeat (sleep), not after regular beats', () => {
    const t = new WatchedChanges(0, { maxHeartbeatGapMs: 10_000 });
    t.add('a', 1);
    for (let now = 2000; now <= 20_000; now += 2000) t.heartbeat(now);
    assert.equal(t.since, 0, 'regular beats keep the list');
    assert.equal(t.size, 1);
    t.heartbeat(20_000 + 60_000);
    assert.equal(t.since, 80_000);
    assert.equal(t.size, 0);
    assert.match(t.lastLoss ?? '', /no heartbeat for 60 s/);
  });

  it('starts over on a watcher error', () => {
    const t = new WatchedChanges(5);
    t.add('x', 6);
    t.lose('the watch of src failed', 50);
    assert.deepEqual(t.take(), { since: 50, paths: [] });
  });
});
