/**
 * The background keeper of the base copy with the real prepare on real folders (no engine):
 * a first copy, then refreshes limited to the watcher's changed paths, and a refresh that
 * looks at every entry whenever the watcher may have missed something (a loss it reported,
 * a gap in the heartbeat).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { sessionDirFor } from '../../../src/core/session/workspace';
import { baseCacheDirFor } from '../../../src/core/snapshot/baseCache';
import { BaseKeeper, type KeeperActivity } from '../../../src/core/snapshot/baseKeeper';
import { WatchedChanges } from '../../../src/core/snapshot/watchedChanges';
import type { PrepareResult } from '../../../src/core/snapshot/prepareBase';

function setUp(trackerGapMs = 60_000) {
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'keeper-ws-')));
  fs.writeFileSync(path.join(ws, 'a.txt'), 'alpha\n');
  fs.mkdirSync(path.join(ws, 'src'));
  fs.writeFileSync(path.join(ws, 'src', 'b.ts'), 'b\n');
  const env = { ...process.env, AGENT_SANDBOX_STATE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'keeper-state-')) };
  const results: PrepareResult[] = [];
  const failures: string[] = [];
  let allowed = true;
  const keeper = new BaseKeeper({
    workspaceRoot: ws,
    policy: () => DEFAULT_POLICY,
    env,
    tracker: new WatchedChanges(Date.now(), { maxHeartbeatGapMs: trackerGapMs }),
    heartbeatMs: 3_600_000,
    shouldRefresh: () => allowed,
    onActivity: (a: KeeperActivity) => {
      if (a.kind === 'done') results.push(a.result);
      if (a.kind === 'failed') failures.push(a.message);
    },
  });
  const base = path.join(baseCacheDirFor(sessionDirFor(ws, env)), 'base');
  return { ws, keeper, results, failures, base, allow: (on: boolean) => (allowed = on) };
}

const kindOf = (r: PrepareResult | undefined) =>
  r?.outcome === 'prepared' ? `${r.refresh}${r.changedPaths !== undefined ? `:${r.changedPaths}` : ''}` : r?.outcome;

describe('keeping the base copy current', () => {
  it('copies first, then refreshes at the changed paths only', async () => {
    const t = setUp();
    try {
      await t.keeper.refresh();
      assert.equal(kindOf(t.results.at(-1)), 'fresh', t.failures.join('\n'));
      fs.writeFileSync(path.join(t.ws, 'a.txt'), 'ALPHA\n');
      t.keeper.changed('a.txt');
      await t.keeper.refresh();
      assert.equal(kindOf(t.results.at(-1)), 'changed:1');
      assert.equal(fs.readFileSync(path.join(t.base, 'a.txt'), 'utf8'), 'ALPHA\n');
    } finally {
      t.keeper.dispose();
    }
  });

  it('looks at every entry after the watcher reported a loss', async () => {
    const t = setUp();
    try {
      await t.keeper.refresh();
      t.keeper.lost('the watch of src failed');
      await t.keeper.refresh();
      assert.equal(kindOf(t.results.at(-1)), 'full');
      await t.keeper.refresh();
      assert.equal(kindOf(t.results.at(-1)), 'changed:0', 'the full refresh made the list trustworthy again');
    } finally {
      t.keeper.dispose();
    }
  });

  it('looks at every entry after a gap in the heartbeat (the machine slept)', async () => {
    const t = setUp(50);
    try {
      await t.keeper.refresh();
      const beforeGap = Date.now();
      await new Promise((r) => setTimeout(r, 120));
      const forStart = t.keeper.changesForStart();
      assert.ok(forStart.changes.since >= beforeGap + 100, 'the list starts over when the gap is seen');
      assert.match(t.keeper.tracker.lastLoss ?? '', /no heartbeat/);
      await t.keeper.refresh();
      assert.equal(kindOf(t.results.at(-1)), 'full', 'the copy was made before the gap');
    } finally {
      t.keeper.dispose();
    }
  });

  it('keeps the changes for later while it may not refresh (a session exists)', async () => {
    const t = setUp();
    try {
      await t.keeper.refresh();
      t.allow(false);
      fs.writeFileSync(path.join(t.ws, 'src', 'b.ts'), 'B\n');
      t.keeper.changed('src/b.ts');
      await t.keeper.refresh();
      assert.equal(t.results.length, 1, 'no refresh ran');
      t.allow(true);
      await t.keeper.refresh();
      assert.equal(kindOf(t.results.at(-1)), 'changed:1');
      assert.equal(fs.readFileSync(path.join(t.base, 'src', 'b.ts'), 'utf8'), 'B\n');
    } finally {
      t.keeper.dispose();
    }
  });
});
