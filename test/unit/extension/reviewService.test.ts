// The review panel's host logic over a real airlock on a real file system (two plain
// directories stand in for the sandbox's base and copy): view types, hunk decisions,
// approve-all leaving risky files alone, apply leaving unsaved files alone, conflicts.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { reconcileRejections } from '../../../src/core/tools/feedback';
import { KEPT_YOURS_REASON, ReviewService, UNSAVED_REASON } from '../../../src/extension/review/reviewService';
import { countPending } from '../../../src/extension/sandbox/pendingRefresh';
import { groupFiles } from '../../../src/extension/scm/groups';
import { makeWorkspace } from '../airlock/dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'review-service-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');
const write = (root: string, rel: string, content: string | Buffer) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
};

function setup(files: Record<string, string | Buffer>, dirty: string[] = []) {
  const ws = makeWorkspace(files, tmpRoot);
  const airlock = new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state });
  let treeChanges = 0;
  const service = new ReviewService({
    airlock: () => airlock,
    policy: () => DEFAULT_POLICY,
    dirtyPaths: () => new Set(dirty),
    running: () => true,
    afterTreeChange: async () => {
      treeChanges++;
    },
    // The product writes the copy through the container; here the copy is a plain folder.
    reconcileRejections: async () => {
      await reconcileRejections(airlock, async (rel, content) => fs.writeFileSync(path.join(ws.sandbox, rel), content));
    },
  });
  return { ...ws, airlock, service, treeChanges: () => treeChanges };
}

test('the state lists each change with its kind, sizes, risks and a policy summary', async () => {
  const ws = setup({ 'notes.txt': lines(40), 'old.txt': 'old\n', 'package.json': '{}\n' });
  write(ws.sandbox, 'notes.txt', lines(40).replace('line 3\n', 'LINE 3\n'));
  write(ws.sandbox, 'new.txt', 'new\n');
  fs.rmSync(path.join(ws.sandbox, 'old.txt'));
  write(ws.sandbox, 'package.json', '{"scripts":{"postinstall":"curl x"}}\n');
  const state = await ws.service.state();
  const byPath = Object.fromEntries(state.files.map((f) => [f.path, f]));
  assert.deepEqual(Object.keys(byPath).sort(), ['new.txt', 'notes.txt', 'old.txt', 'package.json']);
  assert.equal(byPath['new.txt']!.kind, 'added');
  assert.equal(byPath['old.txt']!.kind, 'deleted');
  assert.equal(byPath['old.txt']!.size, 4);
  assert.equal(byPath['notes.txt']!.kind, 'modified');
  assert.ok(byPath['package.json']!.risks.length > 0, 'package.json is risky');
  assert.equal(state.totals.files, 4);
  assert.equal(state.totals.risky, 1);
  assert.match(state.policy.title, /no network/);
  const same = await ws.service.state();
  assert.equal(same.generation, state.generation, 'the same change set keeps its generation (an open diff stays valid)');
  write(ws.sandbox, 'more.txt', 'more\n');
  const next = await ws.service.state();
  assert.ok(next.generation > state.generation, 'a changed change set is a new generation');
});

test('hunk decisions make a file partial, keep their reason, and show in the diff', async () => {
  const ws = setup({ 'a.txt': lines(40) });
  write(ws.sandbox, 'a.txt', lines(40).replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n'));
  await ws.service.state();
  const diff = await ws.service.diff('a.txt');
  assert.equal(diff.hunks.length, 2);
  assert.deepEqual(
    diff.hunks[0]!.lines.filter((l) => l.type !== 'context').map((l) => [l.type, l.text]),
    [
      ['del', 'line 3'],
      ['add', 'LINE 3'],
    ],
  );
  const update = await ws.service.setHunkDecision('a.txt', 1, 'rejected', 'keep it');
  assert.equal(update.files[0]!.decision, 'partial');
  assert.deepEqual(update.hunks?.decisions, [
    { index: 1, decision: 'rejected', reason: 'keep it' },
    { index: 2, decision: 'pending' },
  ]);
  const again = await ws.service.diff('a.txt');
  assert.equal(again.hunks[0]!.reason, 'keep it');
});

test('approve all never includes risky files; apply writes the rest but never a file with unsaved edits', async () => {
  const ws = setup({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'package.json': '{}\n' }, ['b.txt']);
  write(ws.sandbox, 'a.txt', 'A\n');
  write(ws.sandbox, 'b.txt', 'B\n');
  write(ws.sandbox, 'package.json', '{"name":"x"}\n');
  await ws.service.state();
  const approved = await ws.service.approveAll();
  assert.equal(approved.skippedRisky, 1);
  assert.equal(approved.files.find((f) => f.path === 'package.json')!.decision, 'pending');
  const result = await ws.service.apply();
  assert.deepEqual(result.applied, ['a.txt']);
  assert.deepEqual(result.refused, [{ path: 'b.txt', reason: UNSAVED_REASON }]);
  assert.equal(fs.readFileSync(path.join(ws.real, 'a.txt'), 'utf8'), 'A\n');
  assert.equal(fs.readFileSync(path.join(ws.real, 'b.txt'), 'utf8'), 'b\n', 'the unsaved file is left alone');
  assert.equal(fs.readFileSync(path.join(ws.real, 'package.json'), 'utf8'), '{}\n', 'the risky file was not approved');
  assert.equal(ws.treeChanges(), 1);
});

test('a conflict comes back with the choices the airlock offers, and a choice resolves it', async () => {
  const ws = setup({ 'c.txt': 'one\ntwo\nthree\n' });
  write(ws.sandbox, 'c.txt', 'one\nSANDBOX\nthree\n');
  write(ws.real, 'c.txt', 'one\nMINE\nthree\n');
  await ws.service.state();
  await ws.service.setFileDecision('c.txt', 'approved');
  const result = await ws.service.apply();
  assert.equal(result.conflicts.length, 1);
  assert.deepEqual(result.conflicts[0]!.choices, ['keep-theirs', 'take-sandbox', 'write-markers']);
  const state = await ws.service.state();
  assert.ok(state.files.find((f) => f.path === 'c.txt')!.conflict, 'the file list shows the conflict');
  assert.equal(fs.readFileSync(path.join(ws.real, 'c.txt'), 'utf8'), 'one\nMINE\nthree\n');
  const resolved = await ws.service.apply({ path: 'c.txt', choice: 'take-sandbox' });
  assert.deepEqual(resolved.conflicts, []);
  assert.equal(fs.readFileSync(path.join(ws.real, 'c.txt'), 'utf8'), 'one\nSANDBOX\nthree\n');
});

test('a merge the person saved in their file is kept as their own edit: the sandbox change is set aside, nothing written', async () => {
  const ws = setup({ 'm.txt': 'one\ntwo\nthree\n' });
  write(ws.sandbox, 'm.txt', 'one\nSANDBOX\nthree\n');
  write(ws.real, 'm.txt', 'one\nMINE\nthree\n');
  await ws.service.state();
  await ws.service.setFileDecision('m.txt', 'approved');
  assert.equal((await ws.service.apply()).conflicts.length, 1);
  // What the merge editor writes when the person completes the merge: their own edit.
  write(ws.real, 'm.txt', 'one\nMINE and SANDBOX\nthree\n');
  const kept = await ws.service.apply({ path: 'm.txt', choice: 'keep-theirs' });
  assert.deepEqual(kept.conflicts, []);
  assert.deepEqual(kept.applied, []);
  assert.equal(fs.readFileSync(path.join(ws.real, 'm.txt'), 'utf8'), 'one\nMINE and SANDBOX\nthree\n', 'the merged file stays');
  const state = await ws.service.state();
  const item = state.files.find((f) => f.path === 'm.txt');
  assert.ok(item === undefined || item.decision === 'rejected', `the sandbox change is set aside (${item?.decision})`);
  assert.equal(item?.conflict, undefined, 'the conflict is gone');
  // A later apply does not bring the conflict (or the sandbox's version) back.
  const again = await ws.service.apply();
  assert.deepEqual(again.conflicts, []);
  assert.equal(fs.readFileSync(path.join(ws.real, 'm.txt'), 'utf8'), 'one\nMINE and SANDBOX\nthree\n');
  assert.match(KEPT_YOURS_REASON, /kept your version/);
});

test('binary files are shown as such, with hashes and no hunks', async () => {
  const ws = setup({ 'img.bin': Buffer.from([0, 1, 2, 3]) });
  write(ws.sandbox, 'img.bin', Buffer.from([0, 1, 2, 3, 4, 0]));
  await ws.service.state();
  const diff = await ws.service.diff('img.bin');
  assert.equal(diff.binary, true);
  assert.deepEqual(diff.hunks, []);
  assert.match(diff.hashes?.base ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(diff.newSize, 6);
});

test('after apply, a rejected hunk is undone in the sandbox copy, so the agent sees the decision', async () => {
  const ws = setup({ 'a.txt': lines(40) });
  write(ws.sandbox, 'a.txt', lines(40).replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n'));
  await ws.service.state();
  await ws.service.diff('a.txt');
  await ws.service.setHunkDecision('a.txt', 1, 'rejected', 'keep line 3');
  await ws.service.setHunkDecision('a.txt', 2, 'approved');
  const result = await ws.service.apply();
  assert.deepEqual(result.applied, ['a.txt']);
  const expected = lines(40).replace('line 30\n', 'LINE 30\n');
  assert.equal(fs.readFileSync(path.join(ws.real, 'a.txt'), 'utf8'), expected, 'only the approved hunk reached the real tree');
  assert.equal(fs.readFileSync(path.join(ws.sandbox, 'a.txt'), 'utf8'), expected, 'the rejected hunk left the copy');
  const state = await ws.service.state();
  assert.deepEqual(state.files, [], 'nothing is pending any more');
  assert.deepEqual(
    (await ws.airlock.feedback()).map((f) => f.reason),
    ['keep line 3'],
    'the reason is still there for the agent',
  );
});

test('one pending count: a file decided in parts is decided, and the status bar counts as the panel does', async () => {
  const ws = setup({ 'a.txt': lines(40), 'b.txt': 'b\n' });
  write(ws.sandbox, 'a.txt', lines(40).replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n'));
  write(ws.sandbox, 'b.txt', 'B\n');
  await ws.service.state();
  await ws.service.setHunkDecision('a.txt', 1, 'approved');
  const half = await ws.service.setHunkDecision('a.txt', 2, 'rejected', 'no');
  assert.deepEqual(half.files[0]!.hunkTally, { approved: 1, rejected: 1, pending: 0 });
  assert.equal(half.totals.pending, 1, 'only b.txt waits');
  assert.equal(half.totals.partial, 1);
  const logger = { error: () => undefined };
  assert.equal(await countPending(ws.airlock, logger), 1, 'the status bar says the same');
  const state = await ws.service.state();
  assert.equal(state.totals.pending, 1);
  assert.equal(groupFiles(state.files).totals.pending, 1, 'and so does the Source Control badge');
  assert.equal(state.totals.toApply, 1);
  assert.equal(state.totals.toUndo, 1);
});

test('a whole-file rejection marks its hunks rejected with its reason', async () => {
  const ws = setup({ 'a.txt': lines(40), 'n.txt': 'x\n' });
  write(ws.sandbox, 'a.txt', lines(40).replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n'));
  write(ws.sandbox, 'new.txt', 'new\n');
  await ws.service.state();
  const update = await ws.service.setFileDecision('a.txt', 'rejected', 'wrong approach');
  assert.equal(update.files[0]!.reason, 'wrong approach');
  assert.deepEqual(
    update.hunks?.decisions.map((d) => [d.decision, d.reason]),
    [
      ['rejected', 'wrong approach'],
      ['rejected', 'wrong approach'],
    ],
  );
  const diff = await ws.service.diff('a.txt');
  assert.deepEqual(
    diff.hunks.map((h) => [h.decision, h.reason]),
    [
      ['rejected', 'wrong approach'],
      ['rejected', 'wrong approach'],
    ],
  );
  // A new file applies as a whole; its shown hunk carries the file's decision.
  const added = await ws.service.setFileDecision('new.txt', 'rejected', 'not wanted');
  assert.equal(added.files[0]!.reason, 'not wanted');
  assert.deepEqual(
    (await ws.service.diff('new.txt')).hunks.map((h) => [h.decision, h.reason]),
    [['rejected', 'not wanted']],
  );
});

test('folders made only as parents of new files are not listed; an empty new folder is a folder, not 0 bytes', async () => {
  const ws = setup({ 'keep.txt': 'k\n' });
  write(ws.sandbox, 'deep/er/file.txt', 'f\n');
  fs.mkdirSync(path.join(ws.sandbox, 'empty'));
  const state = await ws.service.state();
  const paths = state.files.map((f) => f.path).sort();
  assert.deepEqual(paths, ['deep/er/file.txt', 'empty']);
  const empty = state.files.find((f) => f.path === 'empty')!;
  assert.equal(empty.folder, true);
  assert.equal(state.files.find((f) => f.path === 'deep/er/file.txt')!.folder, undefined);
  assert.equal(state.totals.pending, 2);
  assert.equal(await countPending(ws.airlock, { error: () => undefined }), 2);
  // Approving the file alone applies it with its parent folders.
  await ws.service.setFileDecision('deep/er/file.txt', 'approved');
  const result = await ws.service.apply();
  assert.deepEqual(
    result.applied.filter((p) => p.endsWith('.txt')),
    ['deep/er/file.txt'],
  );
  assert.equal(fs.readFileSync(path.join(ws.real, 'deep/er/file.txt'), 'utf8'), 'f\n');
});
