/**
 * After an apply, the snapshot's base records what the real tree received, never what the
 * sandbox side holds at that moment: the sandbox can change a path between its review and
 * the recording, and that newer change must stay pending. Each test changes the sandbox
 * side (or the real tree) right after the transaction commits, when the airlock starts
 * recording, and runs over the test directory view and the product's copy-strategy snapshot.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { DIFF_SIZE_CAP } from '../../../src/core/airlock/content';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { SessionSnapshot, type SandboxHelpers } from '../../../src/core/snapshot/sessionSnapshot';
import type { SnapshotView } from '../../../src/core/snapshot/types';
import { makeWorkspace, treeListing, type Workspace } from './dirSnapshot';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-base-record-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const hash = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const write = (root: string, rel: string, content: string | Buffer) => {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
};

type ViewKind = 'directory view' | 'copy-strategy snapshot';

function viewOf(ws: Workspace, kind: ViewKind): SnapshotView {
  if (kind === 'directory view') return ws.view;
  const helpers = (): SandboxHelpers => {
    throw new Error('the copy strategy has no helpers');
  };
  return new SessionSnapshot(
    ws.real,
    { root: ws.dir, base: ws.base, sandbox: ws.sandbox, work: path.join(ws.dir, 'work') },
    'copy',
    helpers,
  );
}

/**
 * The view, with `change` run once, the first time the airlock records anything: after the
 * real tree was written, before the base learns of it.
 */
function changingBeforeRecord(view: SnapshotView, change: () => void): SnapshotView {
  let done = false;
  return {
    workspaceRoot: view.workspaceRoot,
    scan: () => view.scan(),
    entryOf: (side, rel) => view.entryOf(side, rel),
    openFile: (side, rel) => view.openFile(side, rel),
    acceptIntoBase: (...args: Parameters<SnapshotView['acceptIntoBase']>) => {
      if (!done) {
        done = true;
        change();
      }
      return view.acceptIntoBase(...args);
    },
    revertInSandbox: (rel) => view.revertInSandbox(rel),
  };
}

function setup(files: Record<string, string | Buffer>, kind: ViewKind, change: (ws: Workspace) => void): Workspace & { airlock: Airlock } {
  const ws = makeWorkspace(files, tmpRoot);
  const view = changingBeforeRecord(viewOf(ws, kind), () => change(ws));
  return { ...ws, airlock: new Airlock({ view, policy: DEFAULT_POLICY, stateDir: ws.state }) };
}

for (const kind of ['directory view', 'copy-strategy snapshot'] as const) {
  describe(`the base records what was applied (${kind})`, () => {
    test('newer content written in the sandbox after the review stays pending; the base holds the applied bytes', async () => {
      const ws = setup({ 'a.txt': 'old\n' }, kind, (w) => write(w.sandbox, 'a.txt', 'newer, never reviewed\n'));
      write(ws.sandbox, 'a.txt', 'reviewed\n');
      await ws.airlock.approveAll({ includeRisky: false });
      const report = await ws.airlock.apply();
      assert.deepEqual(
        report.applied.map((a) => a.path),
        ['a.txt'],
      );
      assert.deepEqual(report.warnings, []);
      assert.equal(read(ws.real, 'a.txt'), 'reviewed\n');
      assert.equal(read(ws.base, 'a.txt'), 'reviewed\n');
      const entry = (await ws.airlock.changes()).get('a.txt');
      assert.ok(entry, 'the newer sandbox content is no longer pending');
      assert.equal(entry.sandbox?.sha256, hash('newer, never reviewed\n'));
      assert.match(await ws.airlock.diff('a.txt'), /-reviewed\n\+newer, never reviewed/);
    });

    test('a symlink that replaced the file after the review stays pending; the base holds the applied file', async () => {
      const ws = setup({ 'a.txt': 'old\n', 'other.txt': 'other\n' }, kind, (w) => {
        fs.rmSync(path.join(w.sandbox, 'a.txt'));
        fs.symlinkSync('other.txt', path.join(w.sandbox, 'a.txt'));
      });
      write(ws.sandbox, 'a.txt', 'reviewed\n');
      await ws.airlock.approveAll({ includeRisky: false });
      const report = await ws.airlock.apply();
      assert.deepEqual(report.warnings, []);
      assert.equal(read(ws.real, 'a.txt'), 'reviewed\n');
      assert.ok(fs.lstatSync(path.join(ws.base, 'a.txt')).isFile(), 'the base recorded the symlink the sandbox put there after the review');
      assert.equal(read(ws.base, 'a.txt'), 'reviewed\n');
      const entry = (await ws.airlock.changes()).get('a.txt');
      assert.equal(entry?.kind, 'typeChanged');
      assert.equal(entry?.sandbox?.entry.linkTarget, 'other.txt');
    });

    test('a new folder swapped for a symlink to a host path while it is applied: the base records the folder, the link stays pending', async () => {
      const host = fs.mkdtempSync(path.join(tmpRoot, 'host-'));
      const ws = setup({ 'a.txt': 'a\n' }, kind, (w) => {
        fs.rmSync(path.join(w.sandbox, 'dir'), { recursive: true });
        fs.symlinkSync(host, path.join(w.sandbox, 'dir'));
      });
      write(ws.sandbox, 'dir/x.txt', 'x\n');
      await ws.airlock.approveAll({ includeRisky: false });
      const report = await ws.airlock.apply();
      assert.deepEqual(
        report.applied.map((a) => a.path),
        ['dir', 'dir/x.txt'],
      );
      assert.deepEqual(report.warnings, []);
      assert.deepEqual(treeListing(ws.base), treeListing(ws.real));
      const entry = (await ws.airlock.changes()).get('dir');
      assert.equal(entry?.sandbox?.entry.type, 'symlink');
      assert.equal(entry?.sandbox?.entry.linkTarget, host);
    });

    test('a large file rewritten in the sandbox after the review: the base holds the applied bytes, the rewrite stays pending', async () => {
      const reviewed = Buffer.alloc(DIFF_SIZE_CAP + 1024 * 1024, 'r');
      const newer = Buffer.alloc(DIFF_SIZE_CAP + 1024 * 1024, 'n');
      const ws = setup({ 'a.txt': 'a\n' }, kind, (w) => write(w.sandbox, 'big.bin', newer));
      write(ws.sandbox, 'big.bin', reviewed);
      await ws.airlock.approveAll({ includeRisky: false });
      const report = await ws.airlock.apply();
      assert.deepEqual(report.warnings, []);
      assert.equal(hash(fs.readFileSync(path.join(ws.real, 'big.bin'))), hash(reviewed));
      assert.equal(hash(fs.readFileSync(path.join(ws.base, 'big.bin'))), hash(reviewed));
      assert.equal((await ws.airlock.changes()).get('big.bin')?.sandbox?.sha256, hash(newer));
    });

    test('the person edits an applied file before it is recorded: nothing is recorded there, a warning says so, and it stays pending', async () => {
      // Recorded in path order: the person saves b.txt while a.txt is being recorded.
      const ws = setup({ 'a.txt': 'old a\n', 'b.txt': 'old\n' }, kind, (w) => write(w.real, 'b.txt', 'the person saved this\n'));
      write(ws.sandbox, 'a.txt', 'new a\n');
      write(ws.sandbox, 'b.txt', 'reviewed\n');
      await ws.airlock.approveAll({ includeRisky: false });
      const report = await ws.airlock.apply();
      assert.equal(report.warnings.length, 1, report.warnings.join('\n'));
      assert.match(report.warnings[0]!, /^b\.txt: .*changed there since/);
      assert.equal(read(ws.real, 'b.txt'), 'the person saved this\n');
      assert.equal(read(ws.base, 'b.txt'), 'old\n');
      assert.equal(read(ws.base, 'a.txt'), 'new a\n');
      assert.deepEqual(
        (await ws.airlock.changes()).entries.map((e) => e.path),
        ['b.txt'],
      );
    });
  });
}
