import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileDiff } from '../../../src/protocol/review';
import { buildDiffModel, hunkAtRow } from '../../../webview/src/model/diffRows';
import { hunk } from './fixtures';

function diffOf(...hunks: ReturnType<typeof hunk>[]): FileDiff {
  return { path: 'a.ts', generation: 1, kind: 'modified', hunks };
}

describe('buildDiffModel', () => {
  it('makes one row per hunk header and per line, in order', () => {
    const model = buildDiffModel(diffOf(hunk(1, 3), hunk(2, 2)));
    assert.deepEqual(
      model.rows.map((row) => (row.type === 'hunk' ? `H${row.hunk}` : `${row.hunk}:${row.line.text}`)),
      ['H0', '0:line 0', '0:line 1', '0:line 2', 'H1', '1:line 0', '1:line 1'],
    );
    assert.deepEqual(model.hunkRowIndex, [0, 4]);
  });

  it('counts added and removed lines and the longest line', () => {
    const model = buildDiffModel(
      diffOf({
        index: 1,
        header: '@@ -1 +1 @@',
        decision: 'pending',
        lines: [
          { type: 'del', text: 'old', oldNo: 1 },
          { type: 'add', text: 'a much longer new line', newNo: 1 },
          { type: 'context', text: '', oldNo: 2, newNo: 2 },
        ],
      }),
    );
    assert.equal(model.added, 1);
    assert.equal(model.removed, 1);
    assert.equal(model.maxLineLength, 'a much longer new line'.length);
  });

  it('maps rows back to their hunk', () => {
    const model = buildDiffModel(diffOf(hunk(1, 2), hunk(2, 2)));
    assert.equal(hunkAtRow(model, 0), 0);
    assert.equal(hunkAtRow(model, 2), 0);
    assert.equal(hunkAtRow(model, 3), 1);
    assert.equal(hunkAtRow(model, 99), -1);
  });

  it('handles a diff without hunks (binary, too large)', () => {
    const model = buildDiffModel({ path: 'x.bin', generation: 1, kind: 'modified', binary: true, hunks: [] });
    assert.equal(model.rows.length, 0);
    assert.equal(model.maxLineLength, 0);
  });

  it('keeps the row count equal to lines plus hunks for a 100,000-line diff', () => {
    const hunks = Array.from({ length: 1000 }, (_, i) => hunk(i + 1, 100));
    const model = buildDiffModel(diffOf(...hunks));
    assert.equal(model.rows.length, 101_000);
    assert.equal(model.hunkRowIndex[999], 999 * 101);
  });
});
