import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHunks, computeHunks, splitLines } from '../../../src/core/airlock/hunks';
import { mergeText } from '../../../src/core/airlock/merge';

const lines = (n: number, tag = 'line') => Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join('');

test('splitLines keeps every line ending, including a missing final one', () => {
  assert.deepEqual(splitLines('a\r\nb\nc'), ['a\r\n', 'b\n', 'c']);
  assert.deepEqual(splitLines(''), []);
  assert.equal(splitLines('x\r\ny\n').join(''), 'x\r\ny\n');
});

test('distant changes become separate hunks with 1-based indices and content ids', () => {
  const base = lines(40);
  const changed = base.replace('line 2\n', 'LINE 2\n').replace('line 20\n', 'LINE 20\n').replace('line 38\n', 'LINE 38\n');
  const hunks = computeHunks(base, changed);
  assert.deepEqual(
    hunks.map((h) => h.index),
    [1, 2, 3],
  );
  assert.equal(new Set(hunks.map((h) => h.id)).size, 3);
  assert.match(hunks[1]!.header, /^@@ -17,7 \+17,7 @@$/);
  assert.ok(hunks[1]!.lines.includes('-line 20') && hunks[1]!.lines.includes('+LINE 20'));
});

test('applying any subset of hunks writes exactly those and keeps the rest of the base', () => {
  const base = lines(40);
  const changed = base.replace('line 2\n', 'LINE 2\n').replace('line 20\n', 'LINE 20\nextra\n').replace('line 38\n', '');
  const hunks = computeHunks(base, changed);
  assert.equal(hunks.length, 3);
  assert.equal(
    applyHunks(base, hunks, () => true),
    changed,
  );
  assert.equal(
    applyHunks(base, hunks, () => false),
    base,
  );
  const oneAndThree = applyHunks(base, hunks, (h) => h.index !== 2);
  assert.equal(oneAndThree, base.replace('line 2\n', 'LINE 2\n').replace('line 38\n', ''));
});

test('hunk ids follow content: an edit elsewhere keeps the id, a changed hunk gets a new one', () => {
  const base = lines(40);
  const v1 = base.replace('line 30\n', 'LINE 30\n');
  const v2 = v1.replace('line 2\n', 'LINE 2\n');
  const v3 = base.replace('line 30\n', 'LINE thirty\n');
  const id1 = computeHunks(base, v1)[0]!.id;
  assert.equal(computeHunks(base, v2)[1]!.id, id1);
  assert.notEqual(computeHunks(base, v3)[0]!.id, id1);
});

test('CRLF and a missing final newline survive a partial apply byte for byte', () => {
  const base = 'a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\r\ni\r\nj';
  const changed = 'A\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\r\ni\r\nJ\n';
  const hunks = computeHunks(base, changed, 1);
  assert.equal(hunks.length, 2);
  assert.equal(
    applyHunks(base, hunks, (h) => h.index === 2),
    'a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\nh\r\ni\r\nJ\n',
  );
  assert.ok(hunks[1]!.lines.includes('\\ No newline at end of file'));
});

test('three-way merge: separate edits merge, the same line conflicts with markers', () => {
  const base = lines(20);
  const theirs = base.replace('line 3\n', 'theirs 3\n');
  const ours = base.replace('line 17\n', 'ours 17\n');
  const merged = mergeText(theirs, base, ours);
  assert.ok(merged.clean);
  assert.equal(merged.text, base.replace('line 3\n', 'theirs 3\n').replace('line 17\n', 'ours 17\n'));

  const clash = mergeText(base.replace('line 5\n', 'theirs 5\n'), base, base.replace('line 5\n', 'ours 5\n'));
  assert.equal(clash.clean, false);
  if (!clash.clean) {
    assert.equal(clash.conflicts, 1);
    assert.match(clash.withMarkers, /<<<<<<< your tree\ntheirs 5\n\|\|\|\|\|\|\| snapshot\nline 5\n=======\nours 5\n>>>>>>> sandbox\n/);
  }
});
