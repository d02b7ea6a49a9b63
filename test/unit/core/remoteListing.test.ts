// The remote sandbox's listing as the host reads it: names kept as exact bytes (two names that
// differ only in bytes that are not UTF-8 stay two entries), malformed records refused, and
// the kept listing read back as it was written; a refresh over the total cap is refused before
// anything is fetched or the mirror is touched.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  keyOf,
  loadListing,
  MAX_FETCH_FILE_BYTES,
  MAX_REFRESH_BYTES,
  parseListing,
  pathOf,
  rawOf,
  refreshMirror,
  saveListing,
  type RemoteListing,
  type RemoteSideOptions,
} from '../../../src/core/snapshot/remoteSide';

const record = (fields: string, name: Buffer) => Buffer.concat([Buffer.from(fields, 'latin1'), name, Buffer.from([0])]);

describe('remote listing', () => {
  it('keeps names as their exact bytes', () => {
    const a = Buffer.from([0x78, 0xff]);
    const b = Buffer.from([0x78, 0xfe]);
    const listing = parseListing(
      Buffer.concat([
        record('f\t3\t1.5\t10\t644\t', a),
        record('f\t4\t1.5\t11\t644\t', b),
        record('d\t4096\t2.0\t12\t755\t', Buffer.from('dir')),
      ]),
    );
    assert.equal(listing.size, 3, 'two names that decode to the same UTF-8 text stay two entries');
    assert.ok(rawOf([...listing.keys()][0]!).equals(a));
    assert.ok(rawOf(keyOf(b)).equals(b));
    assert.equal(pathOf(keyOf(Buffer.from('dir/é'))), 'dir/é');
    assert.deepEqual(listing.get('dir'), { type: 'd', size: 4096, ctime: '2.0', ino: '12', mode: 0o755 });
  });

  it('refuses a record it cannot read', () => {
    assert.throws(() => parseListing(Buffer.from('f\t3\t1.5\t10\t644\tname')), /not terminated/);
    assert.throws(() => parseListing(record('f\t3\t1.5\t644\t', Buffer.from('x'))), /too few fields/);
    assert.throws(() => parseListing(record('q\t3\t1.5\t10\t644\t', Buffer.from('x'))), /malformed/);
    assert.throws(() => parseListing(record('f\t-3\t1.5\t10\t644\t', Buffer.from('x'))), /malformed/);
  });

  it('reads back the kept listing as it was written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-listing-'));
    try {
      const file = path.join(dir, 'listing.json');
      const listing = parseListing(
        Buffer.concat([record('f\t3\t1.5\t10\t600\t', Buffer.from([0x61, 0xff])), record('l\t8\t2.5\t11\t777\t', Buffer.from('link'))]),
      );
      saveListing(file, listing);
      assert.deepEqual(loadListing(file), listing);
      fs.writeFileSync(file, JSON.stringify({ version: 2, entries: [] }));
      assert.throws(() => loadListing(file), /unknown version/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a refresh that would fetch more than the total cap, before it fetches or touches the mirror', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-cap-'));
    try {
      fs.writeFileSync(path.join(dir, 'kept.txt'), 'kept\n');
      // No engine: a refresh that got past the cap would fail on the missing container instead.
      const side = {
        docker: {},
        containerId: 'none',
        user: 'none',
        workspacePath: '/workspace',
        mirrorDir: dir,
      } as unknown as RemoteSideOptions;
      const previous: RemoteListing = new Map([
        [keyOf(Buffer.from('kept.txt')), { type: 'f', size: 5, ctime: '1.0', ino: '1', mode: 0o644 }],
      ]);
      const current: RemoteListing = new Map();
      const per = MAX_FETCH_FILE_BYTES;
      for (let i = 0; i * per <= MAX_REFRESH_BYTES; i++) {
        current.set(keyOf(Buffer.from(`big-${i}`)), { type: 'f', size: per, ctime: '2.0', ino: String(10 + i), mode: 0o644 });
      }
      await assert.rejects(refreshMirror(side, previous, current), /more than the 2 GiB it fetches at once/);
      assert.equal(
        fs.readFileSync(path.join(dir, 'kept.txt'), 'utf8'),
        'kept\n',
        'the mirror is as it was (kept.txt is gone from the listing)',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a listing over the entry cap, naming the cap', () => {
    const records = Buffer.concat(['a', 'b', 'c'].map((name, i) => Buffer.from(`f\t1\t1.0\t${i + 1}\t644\t${name}\0`, 'latin1')));
    assert.equal(parseListing(records, 3).size, 3);
    assert.throws(() => parseListing(records, 2), /more than 2 files and folders/);
  });

  it('stops fetching at its deadline and keeps what it did: the removals are held, the unfetched files are not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-deadline-'));
    try {
      fs.writeFileSync(path.join(dir, 'gone.txt'), 'gone\n');
      // No engine: a refresh that fetched anything would fail on the missing container instead.
      const side = {
        docker: {},
        containerId: 'none',
        user: 'none',
        workspacePath: '/workspace',
        mirrorDir: dir,
      } as unknown as RemoteSideOptions;
      const gone = keyOf(Buffer.from('gone.txt'));
      const added = keyOf(Buffer.from('added.txt'));
      const held: RemoteListing = new Map([[gone, { type: 'f', size: 5, ctime: '1.0', ino: '1', mode: 0o644 }]]);
      const current: RemoteListing = new Map([[added, { type: 'f', size: 6, ctime: '2.0', ino: '2', mode: 0o644 }]]);
      await assert.rejects(refreshMirror(side, held, current, Date.now() - 1), /took longer than 10 minutes; 0 of 1 changed entries/);
      assert.equal(fs.existsSync(path.join(dir, 'gone.txt')), false);
      assert.deepEqual([...held.keys()], [], 'gone.txt is no longer held, and added.txt is not held yet');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
