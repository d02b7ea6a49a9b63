import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_FILTER, buildFileRows, groupOf, isExcludedFromApproveAll, rowIndexOfPath } from '../../../webview/src/model/fileRows';
import { file } from './fixtures';

const files = [
  file('src/a.ts'),
  file('.github/workflows/ci.yml', { risks: [{ code: 'ci', reason: 'CI configuration runs with secrets' }] }),
  file('.env', { neverApply: 'matches never-apply pattern .env*' }),
  file('src/b.ts', { decision: 'approved' }),
  file('src/c.ts', { conflict: { detail: '2 conflicting regions', choices: ['keep-theirs', 'take-sandbox', 'write-markers'] } }),
  file('bin/run.sh', { risks: [{ code: 'exec', reason: 'became executable' }], neverApply: 'policy forbids executables' }),
];

describe('groupOf', () => {
  it('puts conflicts first, never-apply over risk, and the rest in changes', () => {
    assert.deepEqual(files.map(groupOf), ['changes', 'risky', 'neverApply', 'changes', 'conflicts', 'neverApply']);
  });
});

describe('isExcludedFromApproveAll', () => {
  it('excludes risky and never-apply files only', () => {
    assert.deepEqual(files.map(isExcludedFromApproveAll), [false, true, true, false, false, true]);
  });
});

describe('buildFileRows', () => {
  it('lists groups in order with their files, positions and sizes', () => {
    const rows = buildFileRows(files, EMPTY_FILTER, new Set());
    assert.deepEqual(
      rows.map((row) =>
        row.type === 'group' ? `[${row.group} ${row.count}]` : `${files[row.fileIndex].path} ${row.posInGroup}/${row.groupSize}`,
      ),
      [
        '[conflicts 1]',
        'src/c.ts 1/1',
        '[risky 1]',
        '.github/workflows/ci.yml 1/1',
        '[changes 2]',
        'src/a.ts 1/2',
        'src/b.ts 2/2',
        '[neverApply 2]',
        '.env 1/2',
        'bin/run.sh 2/2',
      ],
    );
  });

  it('keeps a collapsed group header (with its count) but hides its files', () => {
    const rows = buildFileRows(files, EMPTY_FILTER, new Set(['changes']));
    const header = rows.find((row) => row.type === 'group' && row.group === 'changes');
    assert.deepEqual(header, { type: 'group', group: 'changes', count: 2, expanded: false });
    assert.equal(rowIndexOfPath(rows, files, 'src/a.ts'), -1);
    assert.equal(rows.length, 8);
  });

  it('filters by case-insensitive path substring and drops empty groups', () => {
    const rows = buildFileRows(files, { text: '  SRC/ ', decision: 'all' }, new Set());
    assert.deepEqual(
      rows.map((row) => (row.type === 'group' ? row.group : files[row.fileIndex].path)),
      ['conflicts', 'src/c.ts', 'changes', 'src/a.ts', 'src/b.ts'],
    );
  });

  it('shows only undecided files with the pending filter', () => {
    const rows = buildFileRows(files, { text: '', decision: 'pending' }, new Set());
    assert.equal(rowIndexOfPath(rows, files, 'src/b.ts'), -1);
    assert.ok(rowIndexOfPath(rows, files, 'src/a.ts') > 0);
  });

  it('returns no rows for no files', () => {
    assert.deepEqual(buildFileRows([], EMPTY_FILTER, new Set()), []);
  });
});
