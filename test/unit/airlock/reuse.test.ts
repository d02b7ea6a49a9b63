/**
 * Apply takes again the change set that approve-all (or a review) built, when its own scan
 * finds the same entries, instead of reading and hashing every changed file of both sides
 * again; anything that moved makes it build the change set anew. Either way it writes only
 * what was reviewed. Also the one-pass flush that apply's batch relies on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { flushFiles } from '../../../src/core/airlock/flush';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import type { SnapshotView } from '../../../src/core/snapshot/types';
import { makeWorkspace, type Workspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-reuse-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const hash = (data: string) => createHash('sha256').update(data).digest('hex');

/** The directory view, counting the files opened on the sandbox side. */
function counting(ws: Workspace): { view: SnapshotView; sandboxOpens: () => number } {
  let opens = 0;
  const view: SnapshotView = {
    workspaceRoot: ws.view.workspaceRoot,
    scan: () => ws.view.scan(),
    entryOf: (side, rel) => ws.view.entryOf(side, rel),
    openFile: (side, rel) => {
      if (side === 'sandbox') opens++;
      return ws.view.openFile(side, rel);
    },
    acceptIntoBase: (rel, entry) => ws.view.acceptIntoBase(rel, entry),
    revertInSandbox: (rel) => ws.view.revertInSandbox(rel),
  };
  return { view, sandboxOpens: () => opens };
}

function setup(count: number): Workspace & { airlock: Airlock; sandboxOpens: () => number; name: (i: number) => string } {
  const name = (i: number) => `src/f${i}.txt`;
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[name(i)] = `old ${i}\n`;
  const ws = makeWorkspace(files, tmpRoot);
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(ws.sandbox, name(i)), `reviewed ${i}\n`);
  const { view, sandboxOpens } = counting(ws);
  return { ...ws, airlock: new Airlock({ view, policy: DEFAULT_POLICY, stateDir: ws.state }), sandboxOpens, name };
}

test('apply after approve-all reads no sandbox file again when the scan finds the same entries', async () => {
  const ws = setup(5);
  const approved = await ws.airlock.approveAll({ includeRisky: false });
  assert.equal(approved.approved.length, 5);
  const opened = ws.sandboxOpens();
  assert.equal(opened, 5, 'approve-all read each sandbox file once');
  const report = await ws.airlock.apply();
  assert.equal(report.applied.length, 5);
  assert.equal(ws.sandboxOpens(), opened, 'apply wrote the bytes approve-all had read and hashed');
  for (let i = 0; i < 5; i++) assert.equal(read(ws.real, ws.name(i)), `reviewed ${i}\n`);
});

test('a sandbox file rewritten after approve-all with its size and times kept: apply writes the reviewed bytes, and the rewrite stays pending', async () => {
  const ws = setup(2);
  await ws.airlock.approveAll({ includeRisky: false });
  const p = path.join(ws.sandbox, ws.name(0));
  const st = fs.statSync(p);
  // `touch -r` carries the times over to the nanosecond (utimes from Node rounds them).
  const reference = path.join(ws.dir, 'times');
  fs.writeFileSync(reference, '');
  execFileSync('touch', ['-r', p, reference]);
  fs.writeFileSync(p, 'REWRITTEN0\n'); // the same length as "reviewed 0\n"
  execFileSync('touch', ['-r', reference, p]);
  assert.equal(fs.statSync(p).mtimeMs, st.mtimeMs);
  assert.equal(fs.statSync(p).size, st.size);

  const report = await ws.airlock.apply();
  assert.equal(report.applied.length, 2, JSON.stringify(report));
  assert.equal(read(ws.real, ws.name(0)), 'reviewed 0\n', 'what was written is what was reviewed');
  assert.equal(read(ws.base, ws.name(0)), 'reviewed 0\n', 'the base records what the real tree received');
  const pending = (await ws.airlock.changes()).get(ws.name(0));
  assert.equal(pending?.sandbox?.sha256, hash('REWRITTEN0\n'), 'the rewrite is pending for review');
});

test('a sandbox change after approve-all that moves its size: apply builds the change set anew and does not write the unreviewed content', async () => {
  const ws = setup(2);
  await ws.airlock.approveAll({ includeRisky: false });
  const opened = ws.sandboxOpens();
  fs.writeFileSync(path.join(ws.sandbox, ws.name(0)), 'never reviewed, and longer\n');

  const report = await ws.airlock.apply();
  assert.ok(ws.sandboxOpens() > opened, 'apply read the sandbox side again');
  assert.deepEqual(
    report.applied.map((a) => a.path),
    [ws.name(1)],
  );
  assert.equal(read(ws.real, ws.name(0)), 'old 0\n', 'the unreviewed content did not reach the real tree');
  assert.equal(read(ws.real, ws.name(1)), 'reviewed 1\n');
  assert.equal((await ws.airlock.changes()).get(ws.name(0))?.sandbox?.sha256, hash('never reviewed, and longer\n'));
});

test('the one-pass flush refuses a name that is a symlink now instead of flushing what it points to', async () => {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'flush-'));
  fs.writeFileSync(path.join(dir, 'a.tmp'), 'a');
  fs.writeFileSync(path.join(dir, 'elsewhere'), 'b');
  fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'b.tmp'));
  await flushFiles([path.join(dir, 'a.tmp')], [dir]);
  await assert.rejects(flushFiles([path.join(dir, 'a.tmp'), path.join(dir, 'b.tmp')]), { code: 'ELOOP' });
});
