import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeEntry } from '../../../src/core/airlock';
import { totalsOf } from '../../../src/protocol/review';
import { combineDecisions, conflictInfo, diffLines, toFileItem } from '../../../src/extension/review/viewModel';

function fileEntry(over: Partial<ChangeEntry> & Pick<ChangeEntry, 'path' | 'kind'>): ChangeEntry {
  return { rawPath: Buffer.from(over.path), risks: [], neverApply: [], fingerprint: 'f', ...over } as ChangeEntry;
}
const side = (size: number, mode = 0o100644, content: 'text' | 'binary' | 'tooLarge' = 'text') => ({
  entry: { type: 'file' as const, mode, size, mtimeMs: 0 },
  sha256: 'ab'.repeat(32),
  content,
});

test('a modified file carries both sizes, its decision and no mode change when the mode is the same', () => {
  const item = toFileItem(fileEntry({ path: 'src/a.ts', kind: 'modified', base: side(10), sandbox: side(12) }), 'partial', 2);
  assert.deepEqual(item, { path: 'src/a.ts', kind: 'modified', size: 12, oldSize: 10, risks: [], decision: 'partial', hunkCount: 2 });
});

test('a deletion reports the base size; a mode change its octal modes; binary, oversized and never-apply are flagged', () => {
  assert.equal(toFileItem(fileEntry({ path: 'gone', kind: 'deleted', base: side(7) }), 'pending', 0).size, 7);
  const modes = toFileItem(
    fileEntry({ path: 'run.sh', kind: 'modeChanged', base: side(5, 0o100644), sandbox: side(5, 0o100755) }),
    'pending',
    0,
  );
  assert.equal(modes.oldMode, '644');
  assert.equal(modes.newMode, '755');
  const odd = toFileItem(
    fileEntry({
      path: 'blob',
      kind: 'added',
      sandbox: side(9, 0o100644, 'binary'),
      neverApply: [{ code: 'specialFile', reason: 'a device file' }],
      risks: [{ code: 'newExecutable', reason: 'a new executable' }],
    }),
    'pending',
    0,
  );
  assert.equal(odd.binary, true);
  assert.equal(odd.neverApply, 'a device file');
  assert.deepEqual(odd.risks, [{ code: 'newExecutable', reason: 'a new executable' }]);
  assert.equal(toFileItem(fileEntry({ path: 'big', kind: 'added', sandbox: side(9, 0o100644, 'tooLarge') }), 'pending', 0).tooLarge, true);
});

test('a file name that is not valid UTF-8 is marked as shown approximately', () => {
  const raw = Buffer.from([0x66, 0xff, 0x2e, 0x74]);
  const item = toFileItem({ ...fileEntry({ path: raw.toString('utf8'), kind: 'added', sandbox: side(1) }), rawPath: raw }, 'pending', 0);
  assert.equal(item.validUtf8, false);
});

test('hunk decisions combine to partial only when they disagree', () => {
  assert.equal(combineDecisions([]), 'pending');
  assert.equal(combineDecisions(['approved', 'approved']), 'approved');
  assert.equal(combineDecisions(['approved', 'rejected']), 'partial');
  assert.equal(combineDecisions(['pending', 'approved']), 'partial');
});

test('diff lines are numbered from the hunk header, and a missing final newline marks its line', () => {
  const rows = diffLines('@@ -3,3 +3,3 @@', [' two', '-three', '+THREE', ' four', '\\ No newline at end of file']);
  assert.deepEqual(rows, [
    { type: 'context', text: 'two', oldNo: 3, newNo: 3 },
    { type: 'del', text: 'three', oldNo: 4 },
    { type: 'add', text: 'THREE', newNo: 4 },
    { type: 'context', text: 'four', oldNo: 5, newNo: 5, noNewline: true },
  ]);
  // An added file: the base range is empty ("-0,0") and the new lines start at 1.
  assert.deepEqual(diffLines('@@ -0,0 +1,2 @@', ['+a', '+b']), [
    { type: 'add', text: 'a', newNo: 1 },
    { type: 'add', text: 'b', newNo: 2 },
  ]);
});

test('totals count kinds, risks and decisions', () => {
  const files = [
    toFileItem(fileEntry({ path: 'a', kind: 'added', sandbox: side(1) }), 'approved', 0),
    toFileItem(fileEntry({ path: 'b', kind: 'deleted', base: side(1), risks: [{ code: 'lockfile', reason: 'lock' }] }), 'pending', 0),
    toFileItem(
      fileEntry({ path: 'c', kind: 'modeChanged', base: side(1), sandbox: side(1, 0o100755) }),
      'rejected',
      0,
      conflictInfo('both changed', true),
    ),
  ];
  assert.deepEqual(totalsOf(files), {
    files: 3,
    added: 1,
    modified: 1,
    deleted: 1,
    risky: 1,
    neverApply: 0,
    approved: 1,
    rejected: 1,
    partial: 0,
    pending: 1,
    conflicts: 1,
    toApply: 1,
    toUndo: 1,
  });
});

test('conflict markers are offered only when both sides are text', () => {
  assert.deepEqual(conflictInfo('x', true).choices, ['keep-theirs', 'take-sandbox', 'write-markers']);
  assert.deepEqual(conflictInfo('x', false).choices, ['keep-theirs', 'take-sandbox']);
});
