/**
 * What each command changed, from file system events (src/core/snapshot/changeTracker.ts),
 * on a real session: every answer is checked against an explicit list and against the full
 * walk of the sandbox side it replaces (the same change times, the same byte total), and the
 * tracker must have answered from events where it should, and fallen back to the walk where
 * it may have missed something.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attachSession, startSession } from '../../src/core/session/lifecycle';
import { SandboxSession, type RunResult } from '../../src/core/session/session';
import { sh, startBatterySession, type BatterySession } from './support/battery';
import { isolateState, makeWorkspace, testPolicy } from './support/sandbox';

let battery: BatterySession;
let session: SandboxSession;
let hostTarget: string;

before(async () => {
  battery = await startBatterySession({ 'a.txt': 'base a\n', 'b.txt': 'base b\n', 'dir/keep.txt': 'keep\n' });
  session = battery.session;
  hostTarget = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-host-target-'));
  // The first command is answered by a walk, the second starts watching.
  await sh(session, 'true');
  await sh(session, 'true');
});

after(() => {
  session?.dispose();
  fs.rmSync(hostTarget, { recursive: true, force: true });
  battery?.dispose();
});

const sorted = (list: readonly string[]) => [...list].sort();

/** Runs `script`, then checks its list and the byte total against the full walk; returns how the tracker answered. */
async function runChecked(
  script: string,
  expected: string[],
  args: string[] = [],
  s: SandboxSession = session,
): Promise<{ result: RunResult; how: 'events' | 'walk' }> {
  const before = { ...s.changes.stats };
  const since = Date.now();
  const { result, code, err } = await sh(s, script, { args });
  assert.equal(code, 0, `${script}: ${err}`);
  const how = s.changes.stats.incremental > before.incremental ? 'events' : 'walk';
  assert.deepEqual(sorted(result.changedFiles), sorted(expected), `changed files of: ${script}`);
  const walked = await s.snapshot.touchedSince(since);
  assert.deepEqual(sorted(result.changedFiles), sorted(walked.touched), `the full walk sees other changes for: ${script}`);
  assert.equal(await s.changes.bytes(), (await s.snapshot.touchedSince(Number.MAX_SAFE_INTEGER)).bytes, `byte total after: ${script}`);
  return { result, how };
}

describe('change tracking from file system events', () => {
  test('a command that changes nothing is answered from events with an empty list', async () => {
    const { how } = await runChecked('true', []);
    assert.equal(how, 'events');
  });

  test('files created in a new nested folder', async () => {
    const { how } = await runChecked('mkdir -p n1/n2/n3 && echo deep > n1/n2/n3/f && echo side > n1/x', ['n1/n2/n3/f', 'n1/x']);
    assert.equal(how, 'events');
  });

  test('a workspace file copied up, then written a second time in the upper layer', async () => {
    assert.equal((await runChecked('echo one >> a.txt', ['a.txt'])).how, 'events');
    assert.equal((await runChecked('head -c 70000 /dev/zero >> a.txt', ['a.txt'])).how, 'events');
  });

  test('deleted: a workspace file (a whiteout is left) and a file only the sandbox made', async () => {
    assert.equal((await runChecked('rm b.txt', ['b.txt'])).how, 'events');
    assert.equal((await runChecked('rm n1/x', [])).how, 'events');
  });

  test('renamed: a file, and a folder the sandbox made', async () => {
    assert.equal((await runChecked('mv n1/n2/n3/f n1/g', ['n1/g'])).how, 'events');
    // A renamed folder keeps its files' change times; a file written in it afterwards is listed.
    assert.equal((await runChecked('mv n1/n2 n1/moved && echo new > n1/moved/n3/later', ['n1/moved/n3/later'])).how, 'events');
    assert.equal((await runChecked('echo again >> n1/moved/n3/later', ['n1/moved/n3/later'])).how, 'events');
  });

  test('a symlink to a host folder swapped in for a watched folder: nothing outside the sandbox side is watched or listed', async () => {
    await runChecked('mkdir -p sw/inner && echo x > sw/inner/f', ['sw/inner/f']);
    assert.ok(
      session.changes.watched().some((w) => w.path === 'sw/inner'),
      'the new folder is watched',
    );
    const { how } = await runChecked('rm -rf sw && ln -s "$1" sw', ['sw'], [hostTarget]);
    assert.equal(how, 'events');
    // The same with a folder moved away and the link put in its place.
    await runChecked('mkdir sw2 && mv sw2 sw2.old && ln -s "$1" sw2', ['sw2'], [hostTarget]);
    assert.ok(!session.changes.watched().some((w) => w.path.startsWith('sw/') || w.path === 'sw'), 'a path below the link is watched');
    // Every watch is on a real folder of the sandbox side, reached without any symlink.
    for (const w of session.changes.watched()) {
      let at = session.snapshot.layout.sandbox;
      for (const name of w.path ? w.path.split('/') : []) {
        at = path.join(at, name);
        assert.ok(fs.lstatSync(at).isDirectory(), `${w.path}: ${at} is not a folder`);
      }
      assert.equal(fs.lstatSync(at).ino, w.ino, `the watch on "${w.path}" is on another folder`);
    }
    // A host write into the link's target is not a change of the sandbox side.
    fs.writeFileSync(path.join(hostTarget, 'host-file'), 'host');
    assert.equal((await runChecked('true', [])).how, 'events');
  });

  test("a second session object on the same session: its changes count in the byte total, not in this one's list", async () => {
    const other = await attachSession({ workspaceRoot: battery.workspace, policy: battery.policy });
    try {
      await sh(other, 'true');
      await sh(other, 'true');
      const r = await sh(other, 'mkdir -p other && head -c 50000 /dev/zero > other/blob');
      assert.deepEqual(r.result.changedFiles, ['other/blob']);
    } finally {
      other.dispose();
    }
    assert.equal((await runChecked('true', [])).how, 'events');
  });

  test('hard links: a write through one name is counted in the other names', async () => {
    // A new name of an inode whose other names are not known yet makes the tracker list everything anew.
    await runChecked('echo a > h1 && ln h1 h2 && mkdir hd && ln h1 hd/h3', ['h1', 'h2', 'hd/h3']);
    assert.equal((await runChecked('head -c 100000 /dev/zero >> h1', ['h1', 'h2', 'hd/h3'])).how, 'events');
    // The last name's link count changed, so its change time did too.
    assert.equal((await runChecked('rm h1 h2', ['hd/h3'])).how, 'events');
    // Written through a descriptor of a name removed meanwhile: the other name grows.
    await runChecked('echo k > k1 && ln k1 k2', ['k1', 'k2']);
    assert.equal((await runChecked('exec 3>>k1 && rm k1 && head -c 5000 /dev/zero >&3', ['k2'])).how, 'events');
  });

  test('more events than the kernel queue may hold: the answer comes from the full walk, then watching resumes', async () => {
    // The folder first, so that it is watched: files made in a folder not watched yet come
    // from its listing, without any event.
    await runChecked('mkdir many', []);
    const files = Array.from({ length: 6000 }, (_v, i) => `many/f${i}`);
    const { how } = await runChecked('i=0; while [ $i -lt 6000 ]; do echo $i > many/f$i; i=$((i+1)); done', files);
    assert.equal(how, 'walk');
    assert.match(session.changes.stats.lastFallback ?? '', /events between two looks/);
    assert.equal((await runChecked('echo more >> many/f17', ['many/f17'])).how, 'events');
    assert.equal((await runChecked('rm -r many', [])).how, 'events');
  });
});

describe('the soft disk cap from the running total', () => {
  let capped: BatterySession;
  before(async () => {
    capped = await startBatterySession({ 'small.txt': 'small\n' }, { diskCapMb: 4 });
    await sh(capped.session, 'true');
    await sh(capped.session, 'true');
  });
  after(() => {
    capped?.session.dispose();
    capped?.dispose();
  });

  test('a command that takes the copy over the cap is answered from events and marks the session', async () => {
    const { session: s } = capped;
    const before = s.changes.stats.incremental;
    const r = await sh(s, 'mkdir -p big/deeper && head -c 3000000 /dev/zero > big/deeper/one && head -c 3000000 /dev/zero > big/two');
    assert.equal(r.code, 0, r.err);
    assert.equal(s.changes.stats.incremental, before + 1, 'answered from events');
    assert.deepEqual(sorted(r.result.changedFiles), ['big/deeper/one', 'big/two']);
    assert.match(r.result.message ?? '', /over its disk cap/);
    assert.ok(fs.existsSync(path.join(s.dir, 'over-disk-cap')));
    await assert.rejects(
      () => s.run(['true']),
      (err: Error & { code?: string }) => err.code === 'DISK_CAP_EXCEEDED',
    );
  });
});

describe('change tracking on the copy strategy (a full second copy instead of an overlay)', () => {
  let copySession: SandboxSession | undefined;
  let workspace: string;
  let stateDir: string;
  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({ 'a.txt': 'base a\n', 'dir/keep.txt': 'keep\n' });
    ({ session: copySession } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), strategy: 'copy' }));
    await sh(copySession, 'true');
    await sh(copySession, 'true');
  });
  after(async () => {
    await copySession?.destroy();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(path.dirname(stateDir), { recursive: true, force: true });
  });

  test('created, modified, renamed and deleted files, answered from events', async () => {
    const s = copySession!;
    assert.equal(s.strategy, 'copy');
    assert.equal((await runChecked('mkdir -p n/m && echo x > n/m/f', ['n/m/f'], [], s)).how, 'events');
    assert.equal((await runChecked('echo more >> a.txt', ['a.txt'], [], s)).how, 'events');
    assert.equal((await runChecked('mv n/m/f dir/g', ['dir/g'], [], s)).how, 'events');
    // A deleted file leaves nothing behind in a plain copy, so nothing is listed.
    assert.equal((await runChecked('rm dir/keep.txt', [], [], s)).how, 'events');
  });
});
