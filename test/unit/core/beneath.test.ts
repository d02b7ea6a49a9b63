/**
 * Host-side work on trees the sandbox can write never follows a symlink in any path
 * component, never blocks on a FIFO and finishes in bounded time. Each test plants what a
 * hostile agent would (a symlink first, in the middle or last on a path, a FIFO, a folder
 * swapped between two calls) and checks that nothing outside the tree is read or changed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readFileContent } from '../../../src/core/airlock/content';
import { SandboxError } from '../../../src/core/errors';
import { ChangedUnderfoot, Dir, MAX_DEPTH } from '../../../src/core/fs/beneath';
import { copyEntry, removeEntry } from '../../../src/core/fs/beneathTree';
import { sameContent } from '../../../src/core/snapshot/compare';
import { scanFull, scanOverlay } from '../../../src/core/snapshot/scan';
import { SessionSnapshot, type SandboxHelpers, type SnapshotLayout } from '../../../src/core/snapshot/sessionSnapshot';
import { infoAt, openFileAt } from '../../../src/core/snapshot/tree';

const SECRET = 'host private key\n';

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
}

function write(root: string, rel: string, content: string | Buffer): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

/** A host folder outside every snapshot tree, holding a secret the sandbox must never reach. */
function hostFolder(): string {
  const dir = tmp('host');
  write(dir, 'id_rsa', SECRET);
  write(dir, 'sub/id_rsa', SECRET);
  return dir;
}

function listing(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort();
}

/** Fails the test instead of hanging it when an operation blocks (a FIFO opened for reading). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`blocked for more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function copySnapshot(): { snapshot: SessionSnapshot; layout: SnapshotLayout } {
  const root = tmp('session');
  const layout: SnapshotLayout = {
    root,
    base: path.join(root, 'base'),
    sandbox: path.join(root, 'sandbox'),
    work: path.join(root, 'work'),
  };
  for (const side of [layout.base, layout.sandbox]) {
    write(side, 'a/b/c.txt', 'base\n');
    write(side, 'top.txt', 'top\n');
  }
  const helpers = (): SandboxHelpers => {
    throw new Error('the copy strategy has no helpers');
  };
  return { snapshot: new SessionSnapshot(root, layout, 'copy', helpers), layout };
}

describe('the primitives refuse a symlink at the name they act on', () => {
  it('open, lstat, unlink, rmdir, mkdir, create and rename act on the link itself or refuse', async () => {
    const host = hostFolder();
    const root = tmp('tree');
    fs.symlinkSync(host, path.join(root, 'link'));
    fs.symlinkSync(path.join(host, 'id_rsa'), path.join(root, 'filelink'));
    const dir = await Dir.openRoot(root);
    const name = (s: string) => Buffer.from(s);
    try {
      assert.ok((await dir.lstat(name('link')))!.isSymbolicLink());
      await assert.rejects(dir.openDir(name('link')), ChangedUnderfoot);
      await assert.rejects(dir.openFile(name('filelink')), ChangedUnderfoot);
      await assert.rejects(dir.rmdir(name('link')), { code: 'ENOTDIR' });
      await assert.rejects(dir.mkdir(name('link'), 0o755), { code: 'EEXIST' });
      await assert.rejects(dir.createFile(name('filelink'), 0o644), { code: 'EEXIST' });
      assert.equal((await dir.readlink(name('link'))).toString(), host);
      await dir.rename(name('link'), dir, name('moved'));
      assert.ok(fs.lstatSync(path.join(root, 'moved')).isSymbolicLink());
      await dir.unlink(name('moved'));
      await dir.unlink(name('filelink'));
      // A multi-component name is never passed down, so no lookup can go through a link.
      assert.throws(() => dir.at(name('sub/id_rsa')), /Not a single file name/);
      assert.throws(() => dir.at(name('..')), /Not a single file name/);
    } finally {
      await dir.close();
    }
    assert.deepEqual(listing(root), []);
    assert.equal(fs.readFileSync(path.join(host, 'id_rsa'), 'utf8'), SECRET);
  });
});

describe('a path with a symlink in any component is refused', () => {
  for (const [where, rel, link] of [
    ['first', 'link/sub/id_rsa', 'link'],
    ['middle', 'a/link/id_rsa', 'a/link'],
    ['last', 'a/id_rsa', 'a/id_rsa'],
  ] as const) {
    it(`a symlink as the ${where} component: nothing behind it is read`, async () => {
      const host = hostFolder();
      const root = tmp('tree');
      fs.mkdirSync(path.join(root, 'a'));
      const target = where === 'last' ? path.join(host, 'id_rsa') : where === 'first' ? host : path.join(host);
      fs.symlinkSync(target, path.join(root, link));
      if (where === 'last') {
        assert.equal((await infoAt(root, rel))?.type, 'symlink');
      } else {
        await assert.rejects(infoAt(root, rel), (err: unknown) => err instanceof ChangedUnderfoot && err.where === link);
      }
      await assert.rejects(openFileAt(root, rel), ChangedUnderfoot);
      await assert.rejects(
        readFileContent(() => openFileAt(root, rel)),
        ChangedUnderfoot,
      );
    });
  }

  it('a folder swapped for a symlink between two calls is refused on the second', async () => {
    const host = hostFolder();
    const root = tmp('tree');
    write(root, 'sub/id_rsa', 'sandbox file\n');
    assert.equal((await readFileContent(() => openFileAt(root, 'sub/id_rsa'))).data?.toString(), 'sandbox file\n');
    fs.rmSync(path.join(root, 'sub'), { recursive: true });
    fs.symlinkSync(host, path.join(root, 'sub'));
    await assert.rejects(
      readFileContent(() => openFileAt(root, 'sub/id_rsa')),
      /"sub" is no longer a folder/,
    );
  });
});

describe('FIFOs never block', () => {
  it('opening, comparing or scanning a FIFO where a file was finishes at once and refuses it', async () => {
    const base = tmp('base');
    const sandbox = tmp('sandbox');
    write(base, 'pipe', 'x');
    write(sandbox, 'pipe', 'y');
    write(base, 'same', 'same');
    execFileSync('mkfifo', [path.join(sandbox, 'fifo')]);
    await within(2000, assert.rejects(openFileAt(sandbox, 'fifo'), /not a regular file/));
    await within(
      2000,
      assert.rejects(
        readFileContent(() => openFileAt(sandbox, 'fifo')),
        /not a regular file/,
      ),
    );
    // The scan lists the FIFO by lstat; it never opens it.
    fs.rmSync(path.join(sandbox, 'pipe'));
    execFileSync('mkfifo', [path.join(sandbox, 'pipe')]);
    const changes = await within(5000, scanFull(base, sandbox));
    assert.deepEqual(changes.map((c) => `${c.kind} ${c.path} ${c.sandbox?.type ?? ''}`).sort(), [
      'added fifo fifo',
      'deleted same ',
      'modified pipe fifo',
    ]);
  });

  it('a file swapped for a FIFO after its lstat is refused by the content compare, not waited on', async () => {
    const root = tmp('tree');
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    const dir = await Dir.openRoot(root);
    try {
      write(root, 'file', 'abc');
      await within(
        2000,
        assert.rejects(sameContent({ dir, name: Buffer.from('file') }, { dir, name: Buffer.from('fifo') }, 3), ChangedUnderfoot),
      );
    } finally {
      await dir.close();
    }
  });
});

describe('names that are not UTF-8', () => {
  it('are scanned, removed and copied as the exact bytes', async () => {
    const base = tmp('base');
    const sandbox = tmp('sandbox');
    const raw = Buffer.from([0x66, 0xff, 0x6f]);
    fs.mkdirSync(path.join(sandbox, 'd'));
    fs.writeFileSync(Buffer.concat([Buffer.from(`${sandbox}/d/`), raw]), 'bytes');
    const changes = await scanFull(base, sandbox);
    const odd = changes.find((c) => c.rawPath.equals(Buffer.concat([Buffer.from('d/'), raw])))!;
    assert.equal(odd.validUtf8, false);
    assert.equal(odd.kind, 'added');

    const from = await Dir.openRoot(sandbox);
    const to = await Dir.openRoot(base);
    try {
      await copyEntry(from, Buffer.from('d'), to, Buffer.from('d'));
      assert.deepEqual(fs.readdirSync(path.join(base, 'd'), { encoding: 'buffer' }), [raw]);
      await removeEntry(from, Buffer.from('d'));
      assert.deepEqual(fs.readdirSync(sandbox), []);
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
  });
});

describe('copy strategy: discard and apply never go through a swapped parent', () => {
  for (const relative of [false, true]) {
    it(`revertInSandbox refuses a parent that became a ${relative ? 'relative' : 'absolute'} symlink to a host folder`, async () => {
      const { snapshot, layout } = copySnapshot();
      const host = hostFolder();
      write(host, 'b/c.txt', 'host file\n');
      fs.rmSync(path.join(layout.sandbox, 'a'), { recursive: true });
      fs.symlinkSync(relative ? path.relative(layout.sandbox, host) : host, path.join(layout.sandbox, 'a'));
      const before = listing(host);
      await assert.rejects(
        snapshot.revertInSandbox('a/b/c.txt'),
        (err: unknown) => err instanceof SandboxError && /"a" is no longer a folder/.test(err.message),
      );
      assert.deepEqual(listing(host), before);
      assert.equal(fs.readFileSync(path.join(host, 'b/c.txt'), 'utf8'), 'host file\n');
      // The link itself can be discarded: it is removed, and the folder comes back from the base.
      await snapshot.revertInSandbox('a');
      assert.equal(fs.readFileSync(path.join(layout.sandbox, 'a/b/c.txt'), 'utf8'), 'base\n');
      assert.deepEqual(listing(host), before);
    });
  }

  it('revertInSandbox of a folder holding a symlink to a host folder removes the link, not what it points to', async () => {
    const { snapshot, layout } = copySnapshot();
    const host = hostFolder();
    fs.symlinkSync(host, path.join(layout.sandbox, 'a/b/escape'));
    await snapshot.revertInSandbox('a');
    assert.deepEqual(listing(path.join(layout.sandbox, 'a')), ['b', 'b/c.txt']);
    assert.equal(fs.readFileSync(path.join(host, 'id_rsa'), 'utf8'), SECRET);
  });

  it('acceptIntoBase records the given entry without reading the sandbox, and never writes through a swapped base parent', async () => {
    const { snapshot, layout } = copySnapshot();
    const host = hostFolder();
    fs.rmSync(path.join(layout.sandbox, 'a'), { recursive: true });
    fs.symlinkSync(host, path.join(layout.sandbox, 'a'));
    await snapshot.acceptIntoBase('a/id_rsa', { type: 'file', mode: 0o640, source: { data: Buffer.from('applied\n') } });
    assert.equal(fs.readFileSync(path.join(layout.base, 'a/id_rsa'), 'utf8'), 'applied\n');
    assert.equal(fs.statSync(path.join(layout.base, 'a/id_rsa')).mode & 0o777, 0o640);
    assert.equal(fs.readFileSync(path.join(host, 'id_rsa'), 'utf8'), SECRET);
    // A swapped base parent is never written through.
    fs.rmSync(path.join(layout.base, 'a'), { recursive: true });
    fs.symlinkSync(host, path.join(layout.base, 'a'));
    await assert.rejects(snapshot.acceptIntoBase('a/id_rsa', { type: 'absent' }), /"a" is no longer a folder/);
    await assert.rejects(snapshot.acceptIntoBase('a/sub', { type: 'directory', mode: 0o755 }), /"a" is no longer a folder/);
    assert.equal(fs.readFileSync(path.join(host, 'id_rsa'), 'utf8'), SECRET);
    assert.deepEqual(listing(host), ['id_rsa', 'sub', 'sub/id_rsa']);
  });

  it('overlay: acceptIntoBase changes the base only where the sandbox layer hides it', async () => {
    const { layout } = copySnapshot();
    const helpers = (): SandboxHelpers => {
      throw new Error('not needed to record into the base');
    };
    const snapshot = new SessionSnapshot(layout.root, layout, 'overlay', helpers);
    fs.rmSync(path.join(layout.sandbox, 'top.txt'));
    // Not in the sandbox's layer: the running sandbox would see the base change, so it is refused.
    await assert.rejects(
      snapshot.acceptIntoBase('top.txt', { type: 'file', mode: 0o644, source: { data: Buffer.from('applied\n') } }),
      /no longer in the sandbox's own layer/,
    );
    assert.equal(fs.readFileSync(path.join(layout.base, 'top.txt'), 'utf8'), 'top\n');
    // Its own entry there, or a parent that is no folder, hides the base: recorded.
    await snapshot.acceptIntoBase('a/b/c.txt', { type: 'file', mode: 0o644, source: { data: Buffer.from('applied\n') } });
    assert.equal(fs.readFileSync(path.join(layout.base, 'a/b/c.txt'), 'utf8'), 'applied\n');
    fs.rmSync(path.join(layout.sandbox, 'a'), { recursive: true });
    fs.symlinkSync(hostFolder(), path.join(layout.sandbox, 'a'));
    await snapshot.acceptIntoBase('a/b/c.txt', { type: 'symlink', target: '../x' });
    assert.equal(fs.readlinkSync(path.join(layout.base, 'a/b/c.txt')), '../x');
  });

  it('the view reads a side only without following a symlink on the way', async () => {
    const { snapshot, layout } = copySnapshot();
    const host = hostFolder();
    fs.rmSync(path.join(layout.sandbox, 'a'), { recursive: true });
    fs.symlinkSync(host, path.join(layout.sandbox, 'a'));
    await assert.rejects(snapshot.entryOf('sandbox', 'a/id_rsa'), ChangedUnderfoot);
    await assert.rejects(snapshot.openFile('sandbox', 'a/id_rsa'), ChangedUnderfoot);
    assert.equal((await snapshot.entryOf('sandbox', 'a'))?.type, 'symlink');
  });
});

describe('bounded work', () => {
  it(`a tree deeper than ${MAX_DEPTH} levels is refused with a clear error`, async () => {
    const base = tmp('base');
    const sandbox = tmp('sandbox');
    let dir = await Dir.openRoot(sandbox);
    for (let i = 0; i <= MAX_DEPTH + 1; i++) {
      await dir.mkdir(Buffer.from('d'), 0o755);
      const next = (await dir.openDir(Buffer.from('d')))!;
      await dir.close();
      dir = next;
    }
    await dir.close();
    await assert.rejects(scanFull(base, sandbox), (err: unknown) => err instanceof SandboxError && /nested deeper than/.test(err.message));
  });

  it('a scan against a loop that swaps a folder and a symlink recovers or fails clearly, and never reads the host', async () => {
    const base = tmp('base');
    const upper = tmp('upper');
    const host = hostFolder();
    write(base, 'sub/id_rsa', 'base\n');
    write(upper, 'sub/id_rsa', 'sandbox\n');
    write(upper, 'real/id_rsa', 'sandbox\n');
    // Swaps "sub" between a real folder and a link to the host folder, as fast as it can.
    const loop = spawn('sh', ['-c', `cd "${upper}" && while :; do mv sub real2 && ln -s "${host}" sub && rm sub && mv real2 sub; done`], {
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 1500;
      let ok = 0;
      let clear = 0;
      while (Date.now() < deadline) {
        try {
          const changes = await within(
            5000,
            scanOverlay(base, upper, async () => new Map()),
          );
          for (const c of changes)
            assert.ok(!c.path.startsWith('sub/') || c.sandbox?.type !== 'file' || c.sandbox.size === 'sandbox\n'.length);
          ok++;
        } catch (err) {
          assert.ok(err instanceof SandboxError && err.code === 'SNAPSHOT_FAILED', `unexpected ${(err as Error).stack}`);
          clear++;
        }
      }
      assert.ok(ok + clear > 0);
    } finally {
      loop.kill('SIGKILL');
    }
    assert.equal(fs.readFileSync(path.join(host, 'id_rsa'), 'utf8'), SECRET);
  });
});
