import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { copyTree } from '../../../src/core/snapshot/copy';
import { scanFull, scanOverlay } from '../../../src/core/snapshot/scan';
import { ScanMemo } from '../../../src/core/snapshot/scanMemo';
import type { RawChange } from '../../../src/core/snapshot/types';
import { compilePatterns } from '../../../src/core/glob';

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

function write(root: string, rel: string, content: string | Buffer, mode?: number): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  if (mode !== undefined) fs.chmodSync(p, mode);
}

function summary(changes: RawChange[]): string[] {
  return changes.map((c) => `${c.kind} ${c.path}`).sort();
}

function baseFixture(): string {
  const base = tmp('base');
  write(base, 'a.txt', 'alpha\n');
  write(base, 'old.txt', 'old\n');
  write(base, 'src/x.ts', 'x\n');
  write(base, 'src/y.ts', 'y\n');
  write(base, 'run.sh', 'echo\n', 0o644);
  write(base, 'dir/inner.txt', 'inner\n');
  fs.symlinkSync('a.txt', path.join(base, 'link'));
  return base;
}

describe('the base copy', () => {
  it('copies files, modes and symlinks without following them, and leaves excluded secrets out', () => {
    const src = tmp('ws');
    write(src, 'keep.ts', 'k');
    write(src, 'tool.sh', '#!/bin/sh\n', 0o755);
    write(src, '.env', 'TOKEN=1');
    write(src, 'config/.env.local', 'TOKEN=2');
    write(src, 'deploy/site.key', 'k');
    write(src, '.aws/credentials', 'c');
    fs.symlinkSync('/etc/passwd', path.join(src, 'outside'));
    const dst = path.join(tmp('copy'), 'base');
    return copyTree(src, dst, { isExcluded: compilePatterns(['.env*', '*.key', '.aws/']) }).then((report) => {
      assert.equal(fs.readFileSync(path.join(dst, 'keep.ts'), 'utf8'), 'k');
      assert.equal(fs.statSync(path.join(dst, 'tool.sh')).mode & 0o777, 0o755);
      assert.equal(fs.readlinkSync(path.join(dst, 'outside')), '/etc/passwd');
      for (const secret of ['.env', 'config/.env.local', 'deploy/site.key', '.aws']) {
        assert.ok(!fs.existsSync(path.join(dst, secret)), `${secret} is not copied`);
      }
      assert.deepEqual(report.excluded.sort(), ['.aws', '.env', 'config/.env.local', 'deploy/site.key']);
    });
  });

  it('keeps names that are not valid UTF-8 as bytes', async () => {
    const src = tmp('ws');
    const raw = Buffer.concat([Buffer.from(src + '/'), Buffer.from([0x66, 0xff, 0x6f])]);
    fs.writeFileSync(raw, 'bytes');
    const dst = path.join(tmp('copy'), 'base');
    await copyTree(src, dst, { isExcluded: () => undefined });
    const names = fs.readdirSync(dst, { encoding: 'buffer' });
    assert.deepEqual(names, [Buffer.from([0x66, 0xff, 0x6f])]);
  });
});

describe('full scan (copy strategy)', () => {
  it('finds added, modified, deleted, mode and type changes', async () => {
    const base = baseFixture();
    const sandbox = tmp('sandbox');
    fs.cpSync(base, sandbox, { recursive: true, verbatimSymlinks: true });
    write(sandbox, 'a.txt', 'alpha changed\n');
    fs.rmSync(path.join(sandbox, 'old.txt'));
    write(sandbox, 'new/deep.txt', 'new\n');
    fs.chmodSync(path.join(sandbox, 'run.sh'), 0o755);
    fs.rmSync(path.join(sandbox, 'dir'), { recursive: true });
    write(sandbox, 'dir', 'now a file\n');
    fs.rmSync(path.join(sandbox, 'link'));
    fs.symlinkSync('old.txt', path.join(sandbox, 'link'));
    const changes = await scanFull(base, sandbox);
    assert.deepEqual(summary(changes), [
      'added new',
      'added new/deep.txt',
      'deleted dir/inner.txt',
      'deleted old.txt',
      'modified a.txt',
      'modified dir',
      'modified link',
      'modified run.sh',
    ]);
    const link = changes.find((c) => c.path === 'link')!;
    assert.equal(link.sandbox?.linkTarget, 'old.txt');
    assert.equal(link.base?.linkTarget, 'a.txt');
  });

  it('reports nothing for an identical copy, even with fresh timestamps', async () => {
    const base = baseFixture();
    const sandbox = tmp('sandbox');
    fs.cpSync(base, sandbox, { recursive: true, verbatimSymlinks: true });
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(sandbox, 'a.txt'), later, later);
    assert.deepEqual(await scanFull(base, sandbox), []);
  });
});

const isRoot = process.getuid?.() === 0;

describe('overlay scan (upper layer only)', () => {
  it(
    'reads whiteouts as deletions and asks the merged view only about directories that may be opaque',
    { skip: isRoot ? false : 'needs root to make overlay whiteouts (character devices 0:0)' },
    async () => {
      const base = baseFixture();
      const upper = tmp('upper');
      // What overlayfs leaves in the upper layer after: edit a.txt, rm old.txt, add new.txt,
      // `rm -rf src && mkdir src && echo w > src/w.ts` (src becomes opaque).
      write(upper, 'a.txt', 'alpha changed\n');
      execFileSync('mknod', [path.join(upper, 'old.txt'), 'c', '0', '0']);
      write(upper, 'new.txt', 'new\n');
      write(upper, 'src/w.ts', 'w\n');
      const asked: string[] = [];
      const changes = await scanOverlay(base, upper, async (dirs) => {
        asked.push(...dirs);
        return new Map([['src', new Set(['w.ts'])]]);
      });
      assert.deepEqual(asked, ['src']);
      assert.deepEqual(summary(changes), [
        'added new.txt',
        'added src/w.ts',
        'deleted old.txt',
        'deleted src/x.ts',
        'deleted src/y.ts',
        'modified a.txt',
      ]);
    },
  );

  it('does not report base files of a non-opaque directory as deleted', async () => {
    const base = baseFixture();
    const upper = tmp('upper');
    write(upper, 'src/x.ts', 'x changed\n');
    const changes = await scanOverlay(base, upper, async () => new Map([['src', new Set(['x.ts', 'y.ts'])]]));
    assert.deepEqual(summary(changes), ['modified src/x.ts']);
  });

  it('asks the merged view again only about directories that changed since it last answered', async () => {
    const base = baseFixture();
    const upper = tmp('upper');
    write(upper, 'src/w.ts', 'w\n');
    write(upper, 'dir/more.txt', 'more\n');
    const memo = new ScanMemo(0);
    const asked: string[][] = [];
    // src was removed and made again (opaque); dir only gained a file.
    const lister = async (dirs: readonly string[]) => {
      asked.push([...dirs].sort());
      return new Map([
        ['src', new Set(['w.ts'])],
        ['dir', new Set(['inner.txt', 'more.txt'])],
      ]);
    };
    const expected = ['added dir/more.txt', 'added src/w.ts', 'deleted src/x.ts', 'deleted src/y.ts'];
    assert.deepEqual(summary(await scanOverlay(base, upper, lister, memo)), expected);
    assert.deepEqual(summary(await scanOverlay(base, upper, lister, memo)), expected, 'the remembered answers give the same change set');
    assert.deepEqual(asked, [['dir', 'src']], 'the second scan asked nothing');

    // A new entry in src moves its change time: src is asked about again, dir is not.
    write(upper, 'src/v.ts', 'v\n');
    const listerAfter = async (dirs: readonly string[]) => {
      asked.push([...dirs].sort());
      return new Map([['src', new Set(['v.ts', 'w.ts'])]]);
    };
    assert.deepEqual(summary(await scanOverlay(base, upper, listerAfter, memo)), [
      'added dir/more.txt',
      'added src/v.ts',
      'added src/w.ts',
      'deleted src/x.ts',
      'deleted src/y.ts',
    ]);
    assert.deepEqual(asked[1], ['src']);

    // dir made again in place (a new inode): asked again, and now its base entries are gone.
    fs.rmSync(path.join(upper, 'dir'), { recursive: true });
    write(upper, 'dir/more.txt', 'more\n');
    const listerRemade = async (dirs: readonly string[]) => {
      asked.push([...dirs].sort());
      return new Map([['dir', new Set(['more.txt'])]]);
    };
    assert.deepEqual(summary(await scanOverlay(base, upper, listerRemade, memo)), [
      'added dir/more.txt',
      'added src/v.ts',
      'added src/w.ts',
      'deleted dir/inner.txt',
      'deleted src/x.ts',
      'deleted src/y.ts',
    ]);
    assert.deepEqual(asked[2], ['dir']);
  });

  it('does not remember an answer that hides some base entries but not all (the directory moved while asked)', async () => {
    const base = baseFixture();
    const upper = tmp('upper');
    write(upper, 'src/w.ts', 'w\n');
    const memo = new ScanMemo(0);
    let asks = 0;
    const lister = async () => {
      asks++;
      return new Map([['src', new Set(['w.ts', 'x.ts'])]]);
    };
    assert.deepEqual(summary(await scanOverlay(base, upper, lister, memo)), ['added src/w.ts', 'deleted src/y.ts']);
    await scanOverlay(base, upper, lister, memo);
    assert.equal(asks, 2);
  });

  it('sees a same-size rewrite that put the old times back, in a scan after one that found the file equal', async () => {
    const base = baseFixture();
    const upper = tmp('upper');
    write(upper, 'src/x.ts', 'x\n');
    const memo = new ScanMemo(0);
    const lister = async () => new Map([['src', new Set(['x.ts', 'y.ts'])]]);
    assert.deepEqual(await scanOverlay(base, upper, lister, memo), [], 'copied up unchanged');
    assert.deepEqual(await scanOverlay(base, upper, lister, memo), []);
    // Same size, same modification time put back: only the change time tells.
    const file = path.join(upper, 'src/x.ts');
    const { atime, mtime } = fs.statSync(file);
    fs.writeFileSync(file, 'z\n');
    fs.utimesSync(file, atime, mtime);
    assert.deepEqual(summary(await scanOverlay(base, upper, lister, memo)), ['modified src/x.ts']);

    // The same for the full scan of the copy strategy.
    const copy = tmp('copy');
    fs.cpSync(base, copy, { recursive: true, verbatimSymlinks: true });
    assert.deepEqual(await scanFull(base, copy), []);
    const copied = path.join(copy, 'a.txt');
    const times = fs.statSync(copied);
    fs.writeFileSync(copied, 'ALPHA\n');
    fs.utimesSync(copied, times.atime, times.mtime);
    assert.deepEqual(summary(await scanFull(base, copy)), ['modified a.txt']);
  });

  it('keeps no answer about an entry changed within the last second (coarse clocks)', () => {
    const memo = new ScanMemo();
    const now = 1_700_000_000_000;
    const st = { dev: 1, ino: 2, size: 3, mtimeMs: now - 5000, ctimeMs: now - 400 };
    assert.equal(memo.identityOf(st, now), undefined);
    assert.equal(typeof memo.identityOf({ ...st, ctimeMs: now - 1500 }, now), 'string');
    memo.rememberOpaqueDir(Buffer.from('a'), undefined, true);
    assert.equal(memo.opaqueDir(Buffer.from('a'), undefined), undefined);
  });

  it('ignores entries copied up without a change (a touch or a chmod back)', async () => {
    const base = baseFixture();
    const upper = tmp('upper');
    write(upper, 'a.txt', 'alpha\n');
    const changes = await scanOverlay(base, upper, async () => new Map());
    assert.deepEqual(changes, []);
  });
});
