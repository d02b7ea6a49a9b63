// The reader for archives fetched from a remote sandbox: what it writes into the mirror, and
// what it refuses (paths out of the mirror, writes through symlinks, hard links, devices,
// FIFOs, too many entries, too many bytes, too much time).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { Dir } from '../../../src/core/fs/beneath';
import { type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS, unpackArchive } from '../../../src/core/snapshot/archiveReader';

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-reader-'));
  made.push(dir);
  return dir;
}

type Item = Partial<tar.Headers> & { name: string; data?: string };

function archive(items: Item[]): Readable {
  const pack = tar.pack();
  for (const { data, ...header } of items) pack.entry({ mode: 0o644, ...header }, data ?? '');
  pack.finalize();
  return pack;
}

async function unpack(items: Item[], limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, strip = 0) {
  const top = tempDir();
  const mirror = path.join(top, 'mirror');
  const outside = path.join(top, 'outside');
  fs.mkdirSync(mirror);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'host file');
  const root = await Dir.openRoot(mirror);
  try {
    const entries = await unpackArchive(archive(items), root, strip, limits);
    return { mirror, outside, entries, error: undefined as Error | undefined };
  } catch (error) {
    return { mirror, outside, entries: [], error: error as Error };
  } finally {
    await root.close();
  }
}

function outsideUntouched(outside: string): void {
  assert.deepEqual(fs.readdirSync(outside), ['secret']);
  assert.equal(fs.readFileSync(path.join(outside, 'secret'), 'utf8'), 'host file');
}

describe('unpacking an archive from a remote sandbox', () => {
  it('writes files, folders and symlinks (as symlinks), and drops the archived folder name', async () => {
    const { mirror, entries, error } = await unpack(
      [
        { name: 'work/', type: 'directory', mode: 0o755 },
        { name: 'work/src/', type: 'directory', mode: 0o755 },
        { name: 'work/src/a.ts', data: 'export {};\n', mode: 0o4755 },
        { name: 'work/link', type: 'symlink', linkname: '/etc/passwd' },
      ],
      DEFAULT_ARCHIVE_LIMITS,
      1,
    );
    assert.equal(error, undefined);
    assert.equal(fs.readFileSync(path.join(mirror, 'src/a.ts'), 'utf8'), 'export {};\n');
    assert.equal(fs.statSync(path.join(mirror, 'src/a.ts')).mode & 0o7777, 0o755, 'set-id bits are dropped');
    assert.equal(fs.readlinkSync(path.join(mirror, 'link')), '/etc/passwd');
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.materialised]),
      [
        ['src', 'directory', true],
        ['src/a.ts', 'file', true],
        ['link', 'symlink', true],
      ],
    );
  });

  for (const name of ['/etc/evil', '../evil', 'a/../../evil', 'a//b', 'a/./b']) {
    it(`refuses the path ${JSON.stringify(name)}`, async () => {
      const { mirror, outside, error } = await unpack([{ name, data: 'x' }]);
      assert.match(String(error?.message), /was refused/);
      assert.deepEqual(fs.readdirSync(mirror), []);
      outsideUntouched(outside);
    });
  }

  it('never writes through a symlink the archive made', async () => {
    const top = tempDir();
    const outside = path.join(top, 'outside');
    fs.mkdirSync(outside);
    const { mirror, error } = await unpack([
      { name: 'escape', type: 'symlink', linkname: outside },
      { name: 'escape/planted', data: 'x' },
    ]);
    assert.match(String(error?.message), /was refused/);
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.equal(fs.readlinkSync(path.join(mirror, 'escape')), outside);
  });

  it('replaces a symlink already in the mirror instead of writing through it', async () => {
    const top = tempDir();
    const target = path.join(top, 'target');
    fs.writeFileSync(target, 'host file');
    const { mirror, error } = await unpack([
      { name: 'f', type: 'symlink', linkname: target },
      { name: 'f', data: 'new' },
    ]);
    assert.equal(error, undefined);
    assert.equal(fs.readFileSync(target, 'utf8'), 'host file');
    assert.equal(fs.lstatSync(path.join(mirror, 'f')).isFile(), true);
  });

  it('records hard links, devices and FIFOs without making them', async () => {
    const { mirror, outside, entries, error } = await unpack([
      { name: 'hard', type: 'link', linkname: '../outside/secret' },
      { name: 'tty', type: 'character-device', devmajor: 5, devminor: 0 } as Item,
      { name: 'disk', type: 'block-device', devmajor: 8, devminor: 0 } as Item,
      { name: 'pipe', type: 'fifo' },
    ]);
    assert.equal(error, undefined);
    assert.deepEqual(fs.readdirSync(mirror), []);
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.materialised]),
      [
        ['hard', 'hardlink', false],
        ['tty', 'device', false],
        ['disk', 'device', false],
        ['pipe', 'fifo', false],
      ],
    );
    outsideUntouched(outside);
  });

  it('refuses an archive with too many entries', async () => {
    const items = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, data: 'x' }));
    const { error } = await unpack(items, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 10 });
    assert.match(String(error?.message), /more than 10 entries/);
  });

  it('refuses an archive with too many bytes, before holding them', async () => {
    const { error } = await unpack([{ name: 'big', data: 'x'.repeat(100_000) }], { ...DEFAULT_ARCHIVE_LIMITS, maxBytes: 50_000 });
    assert.match(String(error?.message), /larger than 50000 bytes/);
  });

  it('gives up on an archive that never ends, in bounded time', async () => {
    const mirror = tempDir();
    const root = await Dir.openRoot(mirror);
    const stalled = new PassThrough();
    stalled.write(Buffer.alloc(512 * 3));
    const started = Date.now();
    await assert.rejects(unpackArchive(stalled, root, 0, { ...DEFAULT_ARCHIVE_LIMITS, timeoutMs: 300 }), /longer than 0.3 s/);
    assert.ok(Date.now() - started < 5000);
    await root.close();
  });
});

/** One raw 512-byte tar header block of `type` with `size`, checksummed as tar does. */
function rawHeader(name: string, type: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'latin1');
  block.write('0000644\0', 100, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(type, 156, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

async function unpackRaw(chunks: Buffer[]) {
  const top = tempDir();
  const root = await Dir.openRoot(top);
  try {
    await unpackArchive(Readable.from(chunks), root);
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await root.close();
  }
}

describe('headers the parser would hold whole', () => {
  for (const type of ['x', 'L']) {
    it(`refuses a ${type === 'x' ? 'pax' : 'GNU long-name'} header over 1 MiB before it is buffered`, { timeout: 10_000 }, async () => {
      const size = 64 * 1024 * 1024;
      // Only the header block is sent, then the stream would go on: the refusal must not wait for the body.
      const body = new PassThrough();
      body.write(rawHeader('h', type, size));
      body.write(Buffer.alloc(4096, 0x41));
      const top = tempDir();
      const root = await Dir.openRoot(top);
      const started = Date.now();
      try {
        await assert.rejects(unpackArchive(body, root), /header of 67108864 bytes/);
      } finally {
        await root.close();
      }
      assert.ok(Date.now() - started < 5000, 'the refusal came at once');
    });
  }

  it('follows a pax size record, so a large header cannot hide inside what the field calls empty', async () => {
    // The pax record says the next file holds 1024 bytes though its header says 0; inside
    // those bytes sits what would look like a huge long-name header if framing went by the field.
    const pax = Buffer.from('13 size=1024\n', 'latin1');
    const hidden = Buffer.concat([rawHeader('decoy', '0', 0), Buffer.alloc(512, 0x42)]);
    const afterIt = rawHeader('h', 'L', 64 * 1024 * 1024);
    const error = await unpackRaw([rawHeader('p', 'x', pax.length), padded(pax), rawHeader('f', '0', 0), hidden, afterIt]);
    assert.ok(error, 'the archive was accepted');
    assert.match(error.message, /header of 67108864 bytes/);
  });

  it('still reads pax headers of ordinary size (long names)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const { mirror, error } = await unpack([{ name: long, data: 'x' }]);
    assert.equal(error, undefined);
    assert.equal(fs.readFileSync(path.join(mirror, long), 'utf8'), 'x');
  });
});

describe('admitting entries before they are written', () => {
  it('writes what is admitted, records what is skipped, and refuses the archive on a reason', async () => {
    const root = tempDir();
    const dir = await Dir.openRoot(root);
    try {
      const seen: [string, string][] = [];
      const entries = await unpackArchive(
        archive([
          { name: 'ok.txt', data: 'ok' },
          { name: 'skip.txt', data: 'skipped' },
        ]),
        dir,
        0,
        DEFAULT_ARCHIVE_LIMITS,
        (raw, type) => {
          seen.push([raw.toString('latin1'), type]);
          return raw.toString('latin1') === 'skip.txt' ? 'skip' : 'write';
        },
      );
      assert.deepEqual(seen, [
        ['ok.txt', 'file'],
        ['skip.txt', 'file'],
      ]);
      assert.deepEqual(
        entries.map((e) => [e.path, e.materialised]),
        [
          ['ok.txt', true],
          ['skip.txt', false],
        ],
      );
      assert.deepEqual(fs.readdirSync(root), ['ok.txt']);
      await assert.rejects(
        unpackArchive(
          archive([{ name: 'other.txt', data: 'x' }]),
          dir,
          0,
          DEFAULT_ARCHIVE_LIMITS,
          () => 'it holds other.txt, which was not asked for',
        ),
        /which was not asked for/,
      );
      assert.equal(fs.existsSync(path.join(root, 'other.txt')), false, 'nothing of a refused entry is written');
    } finally {
      await dir.close();
    }
  });

  it('gives each entry its exact bytes, also where they are not UTF-8', async () => {
    const root = tempDir();
    const dir = await Dir.openRoot(root);
    try {
      const name = Buffer.from([0x61, 0xff, 0x2e, 0x74]);
      const entries = await unpackArchive(archive([{ name: name.toString('latin1'), data: 'x' }]), dir);
      assert.ok(entries[0]!.rawPath.equals(name));
      assert.ok(fs.readdirSync(root, { encoding: 'buffer' })[0]!.equals(name));
    } finally {
      await dir.close();
    }
  });
});
