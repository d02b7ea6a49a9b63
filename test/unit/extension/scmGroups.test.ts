import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileItem } from '../../../src/protocol/review';
import { totalsOf } from '../../../src/protocol/review';
import { bulkApprovable, groupFiles, groupOf, resourceContextValue, SCM_GROUPS } from '../../../src/extension/scm/groups';

function file(path: string, extra: Partial<FileItem> = {}): FileItem {
  return { path, kind: 'modified', size: 1, risks: [], decision: 'pending', hunkCount: 0, ...extra };
}

const files: FileItem[] = [
  file('src/b.ts'),
  file('src/a.ts'),
  file('run.sh', { risks: [{ code: 'executable', reason: 'made executable' }] }),
  file('.env', { neverApply: 'matches a secret pattern', decision: 'approved' }),
  file('clash.txt', { conflict: { detail: '1 conflicting region', choices: ['keep-theirs'] }, decision: 'approved' }),
  file('ok.txt', { decision: 'approved' }),
  file('no.txt', { decision: 'rejected', kind: 'deleted' }),
  file('mixed.txt', { decision: 'partial', hunkCount: 2, hunkTally: { approved: 1, rejected: 0, pending: 1 } }),
  file('split.txt', { decision: 'partial', hunkCount: 2, hunkTally: { approved: 1, rejected: 1, pending: 0 } }),
];

test('risky, never-apply and conflicting files need a closer look whatever their decision', () => {
  assert.equal(groupOf(files[2]!), 'closerLook');
  assert.equal(groupOf(files[3]!), 'closerLook');
  assert.equal(groupOf(files[4]!), 'closerLook');
  assert.equal(groupOf(file('x', { risks: [{ code: 'ci-config', reason: 'CI' }], decision: 'rejected' })), 'closerLook');
});

test('other files group by decision; a file with undecided hunks stays pending, one decided in parts is not', () => {
  assert.equal(groupOf(files[5]!), 'approved');
  assert.equal(groupOf(files[6]!), 'rejected');
  assert.equal(groupOf(files[7]!), 'pending');
  assert.equal(groupOf(files[8]!), 'approved', 'every hunk decided, one approved: apply writes it');
  assert.equal(groupOf(files[0]!), 'pending');
});

test('every file is in exactly one group, sorted by path, and the totals are the panel totals', () => {
  const { groups, totals } = groupFiles(files);
  const all = SCM_GROUPS.flatMap((id) => groups[id].map((f) => f.path));
  assert.deepEqual([...all].sort(), files.map((f) => f.path).sort());
  assert.equal(new Set(all).size, files.length);
  assert.deepEqual(
    groups.pending.map((f) => f.path),
    ['mixed.txt', 'src/a.ts', 'src/b.ts'],
  );
  assert.deepEqual(
    groups.closerLook.map((f) => f.path),
    ['.env', 'clash.txt', 'run.sh'],
  );
  assert.deepEqual(totals, totalsOf(files));
  assert.equal(totals.pending, 4, 'src/a.ts, src/b.ts, run.sh and mixed.txt wait for a decision');
  assert.equal(totals.pending, groups.pending.length + 1, 'the badge is the Pending group plus the undecided closer-look file');
});

test('approve all of a group takes only undecided files of the Pending group', () => {
  const { groups } = groupFiles(files);
  assert.deepEqual(
    bulkApprovable('pending', groups.pending).map((f) => f.path),
    ['src/a.ts', 'src/b.ts'],
  );
  assert.deepEqual(bulkApprovable('closerLook', groups.closerLook), [], 'risky files are never approved in bulk');
  assert.deepEqual(bulkApprovable('rejected', groups.rejected), []);
  // Even if a risky file were passed as pending, it is not taken.
  assert.deepEqual(bulkApprovable('pending', [files[2]!]), []);
});

test('the context value offers only the decision that changes something', () => {
  assert.equal(resourceContextValue(files[0]!), 'agentSandbox.pending approvable rejectable');
  assert.equal(resourceContextValue(files[5]!), 'agentSandbox.approved rejectable');
  assert.equal(resourceContextValue(files[6]!), 'agentSandbox.rejected approvable');
  assert.equal(resourceContextValue(files[3]!), 'agentSandbox.closerLook rejectable');
});
