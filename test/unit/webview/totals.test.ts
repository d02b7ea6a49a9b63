// The one definition of "pending" that the panel's header and list, the Source Control badge and
// the status bar share, and the totals built on it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionStatus, hasApproved, hasRejected, isPending, pendingCount, totalsOf } from '../../../src/protocol/review';
import { file } from './fixtures';

const tally = (approved: number, rejected: number, pending: number) => ({ approved, rejected, pending });

describe('decisionStatus / isPending', () => {
  it('a file with one hunk approved and one rejected is decided, not pending', () => {
    const mixed = file('m', { decision: 'partial', hunkTally: tally(1, 1, 0) });
    assert.equal(decisionStatus(mixed), 'mixed');
    assert.equal(isPending(mixed), false);
    assert.ok(hasApproved(mixed));
    assert.ok(hasRejected(mixed));
  });

  it('a file with any hunk still pending is pending, whatever the others are', () => {
    assert.equal(decisionStatus(file('p', { decision: 'partial', hunkTally: tally(1, 0, 1) })), 'pending');
    assert.equal(decisionStatus(file('q', { decision: 'partial', hunkTally: tally(0, 2, 1) })), 'pending');
    assert.ok(!hasApproved(file('q', { decision: 'partial', hunkTally: tally(0, 2, 1) })));
  });

  it('whole-file decisions are what they say; a partial file without a tally is never counted as decided', () => {
    assert.equal(decisionStatus(file('a', { decision: 'approved' })), 'approved');
    assert.equal(decisionStatus(file('r', { decision: 'rejected' })), 'rejected');
    assert.equal(decisionStatus(file('n')), 'pending');
    assert.equal(decisionStatus(file('x', { decision: 'partial' })), 'pending');
  });
});

describe('totalsOf', () => {
  const files = [
    file('a', { decision: 'approved' }),
    file('r', { decision: 'rejected' }),
    file('m', { decision: 'partial', hunkTally: tally(1, 1, 0) }),
    file('p', { decision: 'partial', hunkTally: tally(1, 0, 2) }),
    file('n'),
    file('never', { decision: 'approved', neverApply: 'inside .git' }),
  ];

  it('pending, approved, rejected and decided-in-parts partition the files', () => {
    const t = totalsOf(files);
    assert.equal(t.pending + t.approved + t.rejected + t.partial, t.files);
    assert.deepEqual([t.pending, t.approved, t.rejected, t.partial], [2, 2, 1, 1]);
  });

  it('pending is pendingCount, the status bar count', () => {
    assert.equal(totalsOf(files).pending, pendingCount(files));
    assert.equal(pendingCount([]), 0);
  });

  it('counts what apply writes and what it removes from the sandbox', () => {
    const t = totalsOf(files);
    // a, m, p (approved hunks); never-apply files are never written.
    assert.equal(t.toApply, 3);
    // r, m (rejected hunks).
    assert.equal(t.toUndo, 2);
  });
});
