/**
 * Refreshing a kept base copy: only what changed is copied again, and the result is always
 * exactly what a fresh copy would be, whichever side moved (the workspace, or the copy
 * itself when an apply recorded a change into it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compilePatterns } from '../../../src/core/glob';
import { baseCacheDirFor, keepBaseForReuse, saveManifest, takeKeptBase } from '../../../src/core/snapshot/baseCache';
import { copyTree, type BaseManifest } from '../../../src/core/snapshot/copy';
import { layoutOf } from '../../../src/core/snapshot/sessionSnapshot';
import { treeLines } from '../support/treeListing';

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

function write(root: string, rel: string, content: string, mode?: number): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  if (mode !== undefined) fs.chmodSync(p, mode);
}

function workspace(): string {
  const ws = tmp('ws');
  write(ws, 'a.txt', 'alpha\n');
  write(ws, 'same-size.txt', 'aaaa\n');
  write(ws, 'gone.txt', 'gone\n');
  write(ws, 'run.sh', 'echo\n', 0o644);
  write(ws, 'dir/inner.txt', 'inner\n');
  write(ws, 'becomes-dir', 'file\n');
  write(ws, 'locked/x.txt', 'x\n');
  fs.chmodSync(path.join(ws, 'locked'), 0o555);
  write(ws, '.env', 'SECRET=1\n');
  fs.symlinkSync('a.txt', path.join(ws, 'link'));
  for (let i = 0; i < 20; i++) write(ws, `many/f${i}.txt`, `file ${i}\n`);
  return ws;
}

/** As if the copy had started long ago: nothing it recorded is too recent to trust. */
function aged(manifest: BaseManifest): BaseManifest {
  return { ...manifest, startedAtMs: manifest.startedAtMs + 60_000 };
}

const isExcluded = compilePatterns(['.env*']);

describe('refreshing a kept base copy', () => {
  it('copies only what changed and ends equal to a fresh copy', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, base, { isExcluded });
    assert.equal(first.copied, first.files + first.symlinks);

    write(ws, 'a.txt', 'alpha changed\n');
    write(ws, 'same-size.txt', 'bbbb\n');
    fs.rmSync(path.join(ws, 'gone.txt'));
    fs.chmodSync(path.join(ws, 'run.sh'), 0o755);
    write(ws, 'dir/new.txt', 'new\n');
    fs.rmSync(path.join(ws, 'becomes-dir'));
    write(ws, 'becomes-dir/child.txt', 'child\n');
    fs.unlinkSync(path.join(ws, 'link'));
    fs.symlinkSync('dir/inner.txt', path.join(ws, 'link'));
    fs.chmodSync(path.join(ws, 'locked'), 0o755);
    write(ws, 'locked/y.txt', 'y\n');
    fs.chmodSync(path.join(ws, 'locked'), 0o555);

    const refreshed = await copyTree(ws, base, { isExcluded, previous: aged(first.manifest) });
    const fresh = path.join(tmp('state'), 'base');
    await copyTree(ws, fresh, { isExcluded });
    assert.deepEqual(treeLines(base), treeLines(fresh));
    assert.ok(!fs.existsSync(path.join(base, '.env')), 'an excluded secret stays out');
    // a.txt, same-size.txt, run.sh (mode), dir/new.txt, becomes-dir/child.txt, link, locked/y.txt
    assert.equal(refreshed.copied, 7);
  });

  it('copies again what was written into the copy since (an apply recorded there)', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, base, { isExcluded });
    write(base, 'dir/inner.txt', 'accepted from the sandbox\n');
    fs.rmSync(path.join(base, 'many/f3.txt'));
    write(base, 'stray.txt', 'only in the copy\n');
    const refreshed = await copyTree(ws, base, { isExcluded, previous: aged(first.manifest) });
    const fresh = path.join(tmp('state'), 'base');
    await copyTree(ws, fresh, { isExcluded });
    assert.deepEqual(treeLines(base), treeLines(fresh));
    assert.equal(refreshed.copied, 2);
  });

  it('trusts nothing that changed just before the earlier copy started', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, base, { isExcluded });
    const refreshed = await copyTree(ws, base, { isExcluded, previous: first.manifest });
    assert.equal(refreshed.copied, first.copied, 'files written within the racy window are copied again');
  });
});

describe('keeping a base for the next session', () => {
  it('hands a finished base over through the cache, and only with the same reuse key', async () => {
    const stateRoot = tmp('state');
    const layout = layoutOf(path.join(stateRoot, 'sessions', 'ws-abc'));
    const ws = workspace();
    const report = await copyTree(ws, layout.base, { isExcluded });
    await saveManifest(layout, 'key-1', report.manifest);
    assert.equal(await keepBaseForReuse(layout), true);
    assert.ok(!fs.existsSync(layout.base));
    assert.ok(fs.existsSync(path.join(baseCacheDirFor(layout.root), 'base', 'a.txt')));

    const taken = await takeKeptBase(layout, 'key-1');
    assert.ok(taken);
    assert.equal(taken.manifest.entries.size, report.manifest.entries.size);
    assert.equal(taken.complete, true, 'a base kept at the end of a session is complete');
    assert.deepEqual(
      treeLines(layout.base),
      treeLines(path.join(ws)).filter((l) => !l.startsWith('.env')),
    );
    assert.ok(!fs.existsSync(baseCacheDirFor(layout.root)), 'the cache is emptied by taking it');

    await saveManifest(layout, 'key-1', report.manifest);
    await keepBaseForReuse(layout);
    fs.mkdirSync(layout.root, { recursive: true });
    assert.equal(await takeKeptBase(layout, 'key-2'), undefined, 'other exclusions or owner: no reuse');
    assert.ok(!fs.existsSync(baseCacheDirFor(layout.root)), 'a base made another way is dropped');
  });

  it('keeps nothing without the manifest of a finished copy', async () => {
    const layout = layoutOf(path.join(tmp('state'), 'sessions', 'ws-def'));
    await copyTree(workspace(), layout.base, { isExcluded });
    assert.equal(await keepBaseForReuse(layout), false);
    assert.ok(fs.existsSync(layout.base));
  });
});
