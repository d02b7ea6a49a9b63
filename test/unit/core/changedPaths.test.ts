/**
 * Refreshing a kept base copy from the paths a file watcher saw change: entries outside them
 * are taken from the manifest without a look, entries inside are refreshed as a full refresh
 * would, and the copy ends equal to a fresh copy whenever the watcher missed nothing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compilePatterns } from '../../../src/core/glob';
import { copyTree, type BaseManifest } from '../../../src/core/snapshot/copy';
import { treeLines } from '../support/treeListing';

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

function write(root: string, rel: string, content: string): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

/** As if the copy had started long ago: nothing it recorded is too recent to trust. */
function aged(manifest: BaseManifest): BaseManifest {
  return { ...manifest, startedAtMs: manifest.startedAtMs + 60_000 };
}

const isExcluded = compilePatterns(['.env*']);

function workspace(): string {
  const ws = tmp('ws');
  write(ws, 'outside.txt', 'outside\n');
  write(ws, 'src/a.txt', 'a\n');
  write(ws, 'src/b.txt', 'b\n');
  write(ws, 'old/deep/x.txt', 'x\n');
  write(ws, 'old/keep.txt', 'keep\n');
  write(ws, 'becomes-link.txt', 'file\n');
  write(ws, 'folder-becomes-link/inner.txt', 'inner\n');
  for (let i = 0; i < 10; i++) write(ws, `many/f${i}.txt`, `file ${i}\n`);
  return ws;
}

async function freshCopyOf(ws: string): Promise<string> {
  const fresh = path.join(tmp('state'), 'base');
  await copyTree(ws, fresh, { isExcluded });
  return fresh;
}

describe('refreshing only the changed paths', () => {
  it('keeps entries outside the changed paths without looking, and refreshes those inside', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, base, { isExcluded });
    write(ws, 'src/a.txt', 'a changed\n');
    write(ws, 'src/new.txt', 'new\n');
    // Changed, but not reported: a changed-paths refresh trusts the manifest there.
    write(ws, 'outside.txt', 'outside changed\n');

    const refreshed = await copyTree(ws, base, { isExcluded, previous: aged(first.manifest), changedPaths: ['src/a.txt', 'src/new.txt'] });
    assert.equal(fs.readFileSync(path.join(base, 'src/a.txt'), 'utf8'), 'a changed\n');
    assert.equal(fs.readFileSync(path.join(base, 'src/new.txt'), 'utf8'), 'new\n');
    assert.equal(
      fs.readFileSync(path.join(base, 'outside.txt'), 'utf8'),
      'outside\n',
      'an entry outside the changed paths is not looked at',
    );
    assert.equal(refreshed.copied, 2);
    const outsideKey = Buffer.from('outside.txt').toString('latin1');
    assert.deepEqual(refreshed.manifest.entries.get(outsideKey), first.manifest.entries.get(outsideKey), 'its record is carried over');
    assert.equal(refreshed.manifest.entries.size, first.manifest.entries.size + 1);
    // The counts are the whole copy's, not those of the paths looked at.
    assert.equal(refreshed.files, first.files + 1);
    assert.equal(refreshed.bytes, first.bytes + 'a changed\n'.length - 'a\n'.length + 'new\n'.length);
  });

  it('ends equal to a fresh copy when every change is reported: a deleted folder goes, a file and a folder that became links are links', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, base, { isExcluded });
    fs.rmSync(path.join(ws, 'old/deep'), { recursive: true });
    fs.rmSync(path.join(ws, 'becomes-link.txt'));
    fs.symlinkSync('outside.txt', path.join(ws, 'becomes-link.txt'));
    fs.rmSync(path.join(ws, 'folder-becomes-link'), { recursive: true });
    fs.symlinkSync('src', path.join(ws, 'folder-becomes-link'));
    write(ws, 'many/f3.txt', 'three\n');
    write(ws, '.env.local', 'SECRET=1\n');

    const refreshed = await copyTree(ws, base, {
      isExcluded,
      previous: aged(first.manifest),
      // The watcher names the deleted folder's file, and a path under the folder that is now a link.
      changedPaths: ['old/deep/x.txt', 'becomes-link.txt', 'folder-becomes-link/inner.txt', 'many', '.env.local'],
    });
    assert.deepEqual(treeLines(base), treeLines(await freshCopyOf(ws)));
    assert.ok(!fs.existsSync(path.join(base, 'old/deep')), 'the deleted folder is gone from the copy');
    assert.equal(fs.readlinkSync(path.join(base, 'becomes-link.txt')), 'outside.txt');
    assert.equal(
      fs.readlinkSync(path.join(base, 'folder-becomes-link')),
      'src',
      'widened to the folder that became a link, copied as a link',
    );
    assert.ok(!fs.existsSync(path.join(base, '.env.local')), 'an excluded path stays out even when reported');
    for (const gone of ['old/deep/x.txt', 'folder-becomes-link/inner.txt']) {
      assert.equal(refreshed.manifest.entries.has(Buffer.from(gone).toString('latin1')), false, `${gone} leaves the manifest`);
    }
    // A reported folder is refreshed as a whole: only its changed file is copied again.
    assert.equal(refreshed.copied, 3);
  });

  it('refuses a changed path that is not a plain relative path, naming it', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, base, { isExcluded });
    for (const bad of ['../x', '/etc/passwd', 'src//a.txt', '']) {
      await assert.rejects(copyTree(ws, base, { isExcluded, previous: first.manifest, changedPaths: [bad] }), (err: Error) =>
        err.message.includes(JSON.stringify(bad)),
      );
    }
  });

  it('copies everything when there is no copy to refresh, whatever the changed paths say', async () => {
    const ws = workspace();
    const base = path.join(tmp('state'), 'base');
    const first = await copyTree(ws, path.join(tmp('state'), 'elsewhere'), { isExcluded });
    const report = await copyTree(ws, base, { isExcluded, previous: first.manifest, changedPaths: ['src/a.txt'] });
    assert.deepEqual(treeLines(base), treeLines(await freshCopyOf(ws)));
    assert.equal(report.copied, report.files);
  });
});
