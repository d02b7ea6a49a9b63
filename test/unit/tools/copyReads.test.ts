import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COPY_READS_KEPT, copyReadsDir, entriesToExpire, isCopyReadPath, materializedName } from '../../../src/core/tools/copyReads';

const env = { AGENT_SANDBOX_STATE_DIR: '/state/root' };

describe('copy reads: names and expiry', () => {
  it('keeps the base name of the original', () => {
    assert.equal(materializedName('src/app/index.ts'), 'index.ts');
    assert.equal(materializedName('photo.png'), 'photo.png');
    assert.equal(materializedName('a/.env.example'), '.env.example');
  });

  it('falls back to a neutral name for a base name no file can have', () => {
    assert.equal(materializedName(''), 'file');
    assert.equal(materializedName('a/..'), 'file');
    assert.equal(materializedName('x'.repeat(256)), 'file');
  });

  it('recognizes only its own materializations', () => {
    const dir = copyReadsDir(env);
    assert.equal(dir, path.join('/state/root', 'copy-reads'));
    assert.equal(isCopyReadPath(path.join(dir, 'rlz3k0-0123456789abcdef', 'notes.md'), env), true);
    assert.equal(isCopyReadPath(path.join(dir, 'rlz3k0-0123456789abcdef'), env), false);
    assert.equal(isCopyReadPath(path.join(dir, 'other', 'notes.md'), env), false);
    assert.equal(isCopyReadPath(path.join(dir, 'rlz3k0-0123456789abcdef', 'a', 'b'), env), false);
    assert.equal(isCopyReadPath('/elsewhere/notes.md', env), false);
    assert.equal(isCopyReadPath(path.join(dir, 'rlz3k0-0123456789abcdef', '..', 'x', 'notes.md'), env), false);
  });

  it('expires entries by age, then the oldest beyond the count, and leaves foreign names alone', () => {
    const now = 1_000_000;
    const entries = [
      { name: 'r1-0000000000000001', mtimeMs: now - 10 },
      { name: 'r1-0000000000000002', mtimeMs: now - 20 },
      { name: 'r1-0000000000000003', mtimeMs: now - 30 },
      { name: 'r1-0000000000000004', mtimeMs: now - 5000 },
      { name: 'last-sweep', mtimeMs: now - 99999 },
    ];
    // Three kept at most: two stay, as the one about to be made is the third.
    assert.deepEqual(entriesToExpire(entries, now, 3, 1000).sort(), ['r1-0000000000000003', 'r1-0000000000000004']);
    assert.deepEqual(entriesToExpire(entries, now, 10, 1000), ['r1-0000000000000004']);
    assert.deepEqual(entriesToExpire(entries, now, 10, 1_000_000), []);
  });

  it('bounds the folder by the default count', () => {
    const now = 5_000;
    const entries = Array.from({ length: COPY_READS_KEPT * 2 }, (_, i) => ({
      name: `r1-${i.toString(16).padStart(16, '0')}`,
      mtimeMs: now - i,
    }));
    assert.equal(entries.length - entriesToExpire(entries, now, COPY_READS_KEPT, 60_000).length, COPY_READS_KEPT - 1);
  });
});
