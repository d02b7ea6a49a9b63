/**
 * Faults during apply, the only writer of the real tree: the owning process is SIGKILLed in
 * the middle of a multi-file apply; the disk fills up during an apply (a small loop-mounted
 * file system stands in for the full disk); the workspace is read-only. In every case each
 * file is fully old or fully new, nothing is lost, and the journal is resolved on the next
 * start.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { startSession } from '../../../src/core/session/lifecycle';
import { isolateState, testPolicy, treeListing } from '../support/sandbox';
import { disposeStateRoot, sh, spawnOwner } from '../support/battery';

let stateDir: string;
const cleanups: (() => void)[] = [];

before(() => {
  stateDir = isolateState().stateDir;
});

after(() => {
  for (const c of cleanups.reverse()) c();
  disposeStateRoot(stateDir);
});

/** A workspace on its own small ext4 file system (mounted; unmounted at the end). */
function smallFilesystem(sizeMb: number, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-fault-fs-'));
  const image = path.join(dir, 'fs.img');
  const mountPoint = path.join(dir, 'ws');
  fs.mkdirSync(mountPoint);
  fs.closeSync(fs.openSync(image, 'w'));
  fs.truncateSync(image, sizeMb * 1024 * 1024);
  assert.equal(spawnSync('mkfs.ext4', ['-q', '-F', '-m', '0', image]).status, 0);
  assert.equal(spawnSync('mount', ['-o', 'loop', image, mountPoint]).status, 0);
  cleanups.push(() => {
    spawnSync('umount', [mountPoint]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fs.rmSync(path.join(mountPoint, 'lost+found'), { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(mountPoint, rel)), { recursive: true });
    fs.writeFileSync(path.join(mountPoint, rel), content);
  }
  return mountPoint;
}

function plainWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-fault-ws-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts every path of `actual` is exactly as in `before` or exactly as in `after`, and no stray file exists. */
function assertEachOldOrNew(actual: Record<string, string>, old: Record<string, string>, next: Record<string, string>): void {
  for (const p of new Set([...Object.keys(actual), ...Object.keys(old), ...Object.keys(next)])) {
    const ok = actual[p] === old[p] || actual[p] === next[p];
    assert.ok(ok, `${p} is neither fully old nor fully new`);
  }
}

describe('faults during apply', () => {
  test('a SIGKILL in the middle of a multi-file apply leaves each file old or new; the next start rolls back', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`src/file${i}.txt`, `old ${i}\n`.repeat(50)]));
    const workspace = plainWorkspace(files);
    const policy = testPolicy();
    const { session } = await startSession({ workspaceRoot: workspace, policy });
    await sh(
      session,
      'cd /workspace/src && for f in file*.txt; do sed -i "s/old/new/" "$f"; done && for i in 0 1 2 3; do echo "added $i" > "added$i.txt"; done',
    );
    const old = treeListing(workspace);

    const owner = spawnOwner(['apply', workspace, JSON.stringify(policy), '4']);
    const exit = await owner.exited;
    // tsx runs the script in a child node and passes its death on as exit code 137.
    assert.ok(
      exit.signal === 'SIGKILL' || exit.code === 137,
      `the apply was not killed: ${JSON.stringify(exit)} ${owner.lines.join(' | ')}`,
    );
    assert.ok(owner.lines.includes('applying') && !owner.lines.includes('applied without a crash'));

    // What the crash left: every file fully old or fully new (temporary files aside).
    const crashed = Object.fromEntries(Object.entries(treeListing(workspace)).filter(([p]) => !/\.agent-sandbox-.*\.tmp$/.test(p)));
    const newTree = { ...old };
    for (let i = 0; i < 6; i++) newTree[`src/file${i}.txt`] = treeListing(session.snapshot.sandboxPath('src'))[`file${i}.txt`]!;
    for (let i = 0; i < 4; i++) newTree[`src/added${i}.txt`] = treeListing(session.snapshot.sandboxPath('src'))[`added${i}.txt`]!;
    assertEachOldOrNew(crashed, old, newTree);
    assert.notDeepEqual(crashed, old, 'the crash came before anything was written; the test proves nothing');

    // The next start resolves the journal: the unfinished apply rolls back completely.
    const recovered = await new Airlock({ view: session.snapshot, policy, stateDir: session.airlockDir }).recover();
    assert.equal(recovered.rolledBack.length, 1, JSON.stringify(recovered));
    assert.deepEqual(recovered.problems, []);
    assert.deepEqual(treeListing(workspace), old, 'the real tree is not back to its state before the apply');

    // Nothing lost: the changes are still pending and apply cleanly now.
    const airlock = new Airlock({ view: session.snapshot, policy, stateDir: session.airlockDir });
    assert.equal((await airlock.changes()).entries.filter((e) => e.path.startsWith('src/')).length, 10);
    await airlock.approveAll({ includeRisky: true });
    const report = await airlock.apply();
    assert.equal(report.applied.length, 10);
    assert.deepEqual(treeListing(workspace), newTree);
    await session.destroy();
  });

  test('a disk that fills up during an apply leaves the tree as it was, with a clear error', async () => {
    const workspace = smallFilesystem(8, { 'keep.txt': 'keep\n', 'data/a.bin': 'a\n', 'data/b.bin': 'b\n' });
    const policy = testPolicy();
    const { session } = await startSession({ workspaceRoot: workspace, policy });
    // Three files of 3 MiB each cannot all fit in what is left of 8 MiB.
    await sh(session, 'cd /workspace/data && for f in a b c; do head -c 3145728 /dev/urandom > $f.bin; done');
    const old = treeListing(workspace);
    const airlock = new Airlock({ view: session.snapshot, policy, stateDir: session.airlockDir });
    await airlock.approveAll({ includeRisky: true });
    await assert.rejects(airlock.apply(), (err: Error) => {
      assert.match(err.message, /no space left|ENOSPC/i);
      return true;
    });
    assert.deepEqual(treeListing(workspace), old, 'a partial apply reached the real tree');
    const recovered = await airlock.recover();
    assert.deepEqual(recovered.problems, []);
    assert.deepEqual(recovered.rolledBack, [], 'the failed apply left an unresolved journal');
    assert.equal((await airlock.changes()).entries.length, 3, 'the pending changes were lost');
    await session.destroy();
  });

  test('a read-only workspace refuses the apply clearly and keeps everything pending', async () => {
    const workspace = plainWorkspace({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    assert.equal(spawnSync('mount', ['--bind', workspace, workspace]).status, 0);
    cleanups.push(() => void spawnSync('umount', [workspace]));
    assert.equal(spawnSync('mount', ['-o', 'remount,ro,bind', workspace]).status, 0);
    const policy = testPolicy();
    const { session } = await startSession({ workspaceRoot: workspace, policy });
    await sh(session, 'echo changed > /workspace/a.txt && echo new > /workspace/c.txt');
    const old = treeListing(workspace);
    const airlock = new Airlock({ view: session.snapshot, policy, stateDir: session.airlockDir });
    await airlock.approveAll({ includeRisky: true });
    await assert.rejects(airlock.apply(), (err: Error) => {
      assert.match(err.message, /read-only|EROFS/i);
      return true;
    });
    assert.deepEqual(treeListing(workspace), old);
    assert.deepEqual((await airlock.recover()).problems, []);
    assert.deepEqual((await airlock.changes()).entries.map((e) => e.path).sort(), ['a.txt', 'c.txt']);
    await session.destroy();
  });
});
