/**
 * When a refresh of the kept base may trust a watcher's changed paths, and which folders it
 * looks at again whole because the watcher cannot see into them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { beginRefreshInPlace, finishRefreshInPlace, takeKeptBase, type KeptBase } from '../../../src/core/snapshot/baseCache';
import { changedPathsFor, expandBraces, unwatchedRoots } from '../../../src/core/snapshot/baseChanges';
import type { ManifestRecord } from '../../../src/core/snapshot/copy';
import { layoutOf } from '../../../src/core/snapshot/sessionSnapshot';

const RECORD: ManifestRecord = { symlink: false, ino: 1, size: 1, mtimeMs: 1, ctimeMs: 1, mode: 0o644, copyIno: 2, copyCtimeMs: 2 };

function kept(startedAtMs: number, keys: string[], complete = true): KeptBase {
  return { manifest: { startedAtMs, entries: new Map(keys.map((k) => [k, RECORD])) }, complete };
}

describe('trusting the changed paths', () => {
  const base = kept(1000, ['src/a.ts', 'README.md']);

  it('uses them for a complete copy made after the watcher saw everything', () => {
    assert.deepEqual(changedPathsFor(base, { since: 900, paths: ['src/a.ts', 'new'] }), ['new', 'src/a.ts']);
    assert.deepEqual(changedPathsFor(base, { since: 1000, paths: [] }), [], 'nothing changed: nothing to look at');
  });

  it('looks at every entry without a watcher, without a kept copy, or when the copy is older than the watcher', () => {
    assert.equal(changedPathsFor(base, undefined), undefined);
    assert.equal(changedPathsFor(undefined, { since: 0, paths: [] }), undefined);
    assert.equal(
      changedPathsFor(base, { since: 1001, paths: ['src/a.ts'] }),
      undefined,
      'the watcher started (or lost events) after the copy began',
    );
  });

  it('looks at every entry of a copy whose last refresh was cut short', () => {
    assert.equal(changedPathsFor(kept(1000, ['a'], false), { since: 0, paths: ['a'] }), undefined);
  });

  it('looks at every entry when the workspace folder itself changed', () => {
    assert.equal(changedPathsFor(base, { since: 0, paths: [''] }), undefined);
  });

  it('adds the folders the watcher cannot see into', () => {
    const k = kept(1000, ['src/a.ts', '.git/HEAD', '.git/objects/ab/cdef', 'node_modules/left-pad/index.js', 'pkg/node_modules/x/y/z.js']);
    assert.deepEqual(changedPathsFor(k, { since: 0, paths: ['src/a.ts'], unwatched: ['**/.git/objects/**', '**/node_modules/*/**'] }), [
      '.git',
      'node_modules',
      'pkg/node_modules',
      'src/a.ts',
    ]);
  });
});

describe('folders the watcher cannot see into', () => {
  it('takes the folder holding the outermost unwatched entry, for VS Code-style patterns', () => {
    const keys = ['.git/objects/ab/cdef', '.git/HEAD', 'node_modules/a/b/c.js', 'node_modules/.bin/x', 'src/x.ts'];
    assert.deepEqual(unwatchedRoots(keys, ['**/.git/objects/**', '**/node_modules/*/**']), ['.git', 'node_modules']);
  });

  it('expands braces, skips empty patterns and nested roots, and names the whole tree as ""', () => {
    assert.deepEqual(expandBraces('**/{dist,out}/**'), ['**/dist/**', '**/out/**']);
    assert.deepEqual(unwatchedRoots(['a/dist/x.js', 'a/dist/sub/out/y.js', 'b.ts'], ['**/{dist,out}/**', '']), ['a']);
    assert.deepEqual(unwatchedRoots(['top.log', 'src/a.ts'], ['*.log']), ['']);
    assert.deepEqual(unwatchedRoots(['src/a.ts'], []), []);
  });

  it('looks at everything for a pattern it cannot read relative to the workspace (absolute, ./, ${…})', () => {
    const keys = ['build/output/gen.ts', 'src/a.ts'];
    for (const pattern of ['/home/person/project/build/output/**', 'C:\\work\\build/**', './build/**', '${workspaceFolder}/build/**']) {
      assert.deepEqual(unwatchedRoots(keys, ['**/.git/objects/**', pattern]), [''], pattern);
    }
    const kept = { complete: true, manifest: { startedAtMs: 1000, entries: new Map(keys.map((k) => [k, {}])) } } as unknown as KeptBase;
    assert.equal(
      changedPathsFor(kept, { since: 500, paths: ['src/a.ts'], unwatched: ['/home/person/project/build/output/**'] }),
      undefined,
      'a full refresh',
    );
  });

  it('reads non-UTF-8 manifest keys without failing', () => {
    const key = Buffer.from([0x66, 0xff, 0x2f, 0x61]).toString('latin1');
    assert.deepEqual(unwatchedRoots([key], ['**/nothing/**']), []);
  });
});

describe('refreshing a kept copy in place', () => {
  it('marks it incomplete until the new manifest is written', async () => {
    const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'state-'));
    const layout = layoutOf(path.join(stateRoot, 'sessions', 'ws-1'));
    const cacheDir = path.join(stateRoot, 'base-cache', 'ws-1');
    const first = await beginRefreshInPlace(cacheDir, 'key');
    assert.equal(first.kept, undefined, 'nothing kept yet');
    fs.mkdirSync(first.base, { recursive: true });
    fs.writeFileSync(path.join(first.base, 'a'), 'a');
    await finishRefreshInPlace(cacheDir, 'key', { startedAtMs: 5, entries: new Map([['a', RECORD]]) });

    const second = await beginRefreshInPlace(cacheDir, 'key');
    assert.equal(second.kept?.complete, true, 'the copy as the last finished refresh left it');
    assert.equal(second.kept?.manifest.startedAtMs, 5);
    // Cut short here: a start takes a copy that only a full refresh may start from.
    fs.mkdirSync(layout.root, { recursive: true });
    const taken = await takeKeptBase(layout, 'key');
    assert.equal(taken?.complete, false);
    assert.equal(fs.readFileSync(path.join(layout.base, 'a'), 'utf8'), 'a');
  });

  it('drops a copy made under another reuse key', async () => {
    const cacheDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'state-')), 'base-cache', 'ws-2');
    const first = await beginRefreshInPlace(cacheDir, 'key-1');
    fs.mkdirSync(first.base, { recursive: true });
    fs.writeFileSync(path.join(first.base, 'old'), 'x');
    await finishRefreshInPlace(cacheDir, 'key-1', { startedAtMs: 5, entries: new Map() });
    const again = await beginRefreshInPlace(cacheDir, 'key-2');
    assert.equal(again.kept, undefined);
    assert.ok(!fs.existsSync(path.join(again.base, 'old')), 'nothing of the old copy is left to be mistaken for the new one');
  });
});
