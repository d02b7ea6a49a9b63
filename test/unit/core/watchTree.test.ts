/**
 * The CLI's workspace watcher on real folders: one watch per folder, none through a symlink
 * or into a folder the copy leaves out, and a new folder reported (its subtree) and watched.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';
import { compilePatterns } from '../../../src/core/glob';
import { TreeWatcher } from '../../../src/core/snapshot/watchTree';

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('watches every folder but never through a symlink or into an excluded folder', async () => {
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'watch-ws-')));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-outside-'));
  fs.mkdirSync(path.join(ws, 'src', 'deep'), { recursive: true });
  fs.mkdirSync(path.join(ws, '.aws'));
  fs.symlinkSync(outside, path.join(ws, 'link'));
  const seen: string[] = [];
  const lost: string[] = [];
  const watcher = new TreeWatcher({
    root: ws,
    isExcluded: compilePatterns(['.aws/']),
    onChange: (rel) => seen.push(rel),
    onLost: (r) => lost.push(r),
  });
  try {
    assert.equal(watcher.folders, 3, 'the root, src and src/deep');
    fs.writeFileSync(path.join(outside, 'x'), 'x');
    fs.writeFileSync(path.join(ws, '.aws', 'credentials'), 'x');
    fs.writeFileSync(path.join(ws, 'src', 'deep', 'a.ts'), 'a');
    await until(() => seen.includes('src/deep/a.ts'), `no event for src/deep/a.ts: ${seen.join(', ')}`);
    assert.ok(
      !seen.some((s) => s.startsWith('link') || s.startsWith('.aws/')),
      `events through a link or from an excluded folder: ${seen.join(', ')}`,
    );

    fs.mkdirSync(path.join(ws, 'new'));
    await until(() => seen.includes('new') && watcher.folders === 4, 'the new folder is reported and watched');
    fs.writeFileSync(path.join(ws, 'new', 'b.ts'), 'b');
    await until(() => seen.includes('new/b.ts'), `no event inside the new folder: ${seen.join(', ')}`);
    fs.rmSync(path.join(ws, 'src'), { recursive: true });
    await until(() => watcher.folders === 2, 'the removed folders are no longer watched');
    assert.deepEqual(lost, []);
    assert.equal(watcher.complete, true);
  } finally {
    watcher.close();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

it('reports an edit inside a folder made again under the name of one renamed away (the new folder is watched afresh)', async () => {
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'watch-rename-')));
  fs.mkdirSync(path.join(ws, 'a'));
  fs.writeFileSync(path.join(ws, 'a', 'f.txt'), 'one\n');
  const seen: string[] = [];
  const lost: string[] = [];
  const watcher = new TreeWatcher({
    root: ws,
    isExcluded: compilePatterns([]),
    onChange: (rel) => seen.push(rel),
    onLost: (r) => lost.push(r),
  });
  try {
    // What `mv a a.old && mkdir a && cp a.old/f.txt a/` does: all before the watcher's events run.
    fs.renameSync(path.join(ws, 'a'), path.join(ws, 'a.old'));
    fs.mkdirSync(path.join(ws, 'a'));
    fs.writeFileSync(path.join(ws, 'a', 'f.txt'), 'one\n');
    await sleep(500);
    // The refresh takes the list here (a and a.old are in it, and get copied).
    seen.length = 0;
    // Later, the person edits the file in the new folder.
    fs.writeFileSync(path.join(ws, 'a', 'f.txt'), 'two\n');
    await sleep(1000);
    assert.deepEqual(lost, [], 'the watcher does not say it lost anything');
    assert.equal(watcher.complete, true, 'the watcher says it is complete');
    assert.ok(
      seen.some((s) => s === '' || s === 'a' || s === 'a/f.txt'),
      `the edit of a/f.txt was not reported (events: ${JSON.stringify(seen)}; folders watched: ${watcher.folders})`,
    );
  } finally {
    watcher.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
