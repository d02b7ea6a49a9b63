// The remote sandbox's listing as the host reads it: names kept as exact bytes (two names that
// differ only in bytes that are not UTF-8 stay two entries), malformed records refused, and
// the kept listing read back as it was written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { keyOf, loadListing, parseListing, pathOf, rawOf, saveListing } from '../../../src/core/snapshot/remoteSide';

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
});
