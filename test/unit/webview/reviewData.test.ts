import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileDiff, ReviewState } from '../../../src/protocol/review';
import {
  applyWording,
  approveAllExclusions,
  fileAt,
  summariseTotals,
  withDecisionUpdate,
  withDiff,
  withState,
} from '../../../webview/src/model/reviewData';
import { file, hunk, totals } from './fixtures';

function state(generation: number, files = [file('a.ts', { hunkCount: 2 }), file('b.ts')]): ReviewState {
  return {
    protocolVersion: 1,
    generation,
    files,
    totals: totals({ files: files.length, pending: files.length }),
    policy: { title: 'default', items: [] },
  };
}

const diffA: FileDiff = { path: 'a.ts', generation: 1, kind: 'modified', hunks: [hunk(1, 2), hunk(2, 2)] };

describe('withState / withDiff', () => {
  it('indexes files by path', () => {
    const data = withState(undefined, state(1));
    assert.equal(fileAt(data, 'b.ts')?.path, 'b.ts');
    assert.equal(fileAt(data, 'nope'), undefined);
  });

  it('accepts a diff of the current generation only', () => {
    const data = withState(undefined, state(1));
    assert.equal(withDiff(data, diffA).diff, diffA);
    assert.equal(withDiff(data, { ...diffA, generation: 2 }).diff, undefined);
    assert.equal(withDiff(data, { ...diffA, path: 'gone.ts' }).diff, undefined);
  });

  it('drops the open diff when a new generation arrives, keeps it for the same one', () => {
    const data = withDiff(withState(undefined, state(1)), diffA);
    assert.equal(withState(data, state(1)).diff, diffA);
    assert.equal(withState(data, state(2)).diff, undefined);
    assert.equal(withState(data, state(1, [file('b.ts')])).diff, undefined);
  });
});

describe('withDecisionUpdate', () => {
  it('replaces changed files and totals without touching the others', () => {
    const data = withState(undefined, state(1));
    const before = data.state.files;
    const next = withDecisionUpdate(data, {
      files: [file('b.ts', { decision: 'approved' })],
      totals: totals({ files: 2, approved: 1, pending: 1 }),
    });
    assert.equal(fileAt(next, 'b.ts')?.decision, 'approved');
    assert.equal(next.state.files[0], before[0]);
    assert.equal(next.state.totals.approved, 1);
    assert.equal(before[1].decision, 'pending', 'the previous state is not mutated');
  });

  it('ignores files the state does not know', () => {
    const data = withState(undefined, state(1));
    const next = withDecisionUpdate(data, { files: [file('zzz.ts', { decision: 'approved' })], totals: data.state.totals });
    assert.equal(next.state.files.length, 2);
    assert.equal(next.state.files, data.state.files);
  });

  it('folds hunk decisions with reasons into the open diff of that path', () => {
    const data = withDiff(withState(undefined, state(1)), diffA);
    const next = withDecisionUpdate(data, {
      files: [file('a.ts', { decision: 'partial', hunkCount: 2 })],
      totals: data.state.totals,
      hunks: { path: 'a.ts', decisions: [{ index: 2, decision: 'rejected', reason: 'drops the retry' }] },
    });
    assert.equal(next.diff?.hunks[0].decision, 'pending');
    assert.equal(next.diff?.hunks[1].decision, 'rejected');
    assert.equal(next.diff?.hunks[1].reason, 'drops the retry');
    assert.equal(fileAt(next, 'a.ts')?.decision, 'partial');
  });

  it('leaves the open diff alone for hunk decisions of another path', () => {
    const data = withDiff(withState(undefined, state(1)), diffA);
    const next = withDecisionUpdate(data, {
      files: [],
      totals: data.state.totals,
      hunks: { path: 'b.ts', decisions: [{ index: 1, decision: 'approved' }] },
    });
    assert.equal(next.diff, diffA);
  });
});

describe('approveAllExclusions', () => {
  it('counts risky and never-apply files separately (never-apply wins)', () => {
    const counts = approveAllExclusions([
      file('a'),
      file('b', { risks: [{ code: 'exec', reason: 'x' }] }),
      file('c', { neverApply: 'secret' }),
      file('d', { neverApply: 'secret', risks: [{ code: 'exec', reason: 'x' }] }),
    ]);
    assert.deepEqual(counts, { risky: 1, neverApply: 2 });
  });
});

describe('summariseTotals', () => {
  it('shows the one pending count, files decided in parts apart, and conflicts only when there are some', () => {
    assert.equal(
      summariseTotals(totals({ files: 5, approved: 1, rejected: 1, pending: 2, partial: 1 })),
      '5 changed · 1 approved · 1 rejected · 2 pending · 1 decided in parts',
    );
    assert.equal(summariseTotals(totals({ files: 1, pending: 1 })), '1 changed · 0 approved · 0 rejected · 1 pending');
    assert.match(summariseTotals(totals({ conflicts: 2 })), /2 in conflict$/);
  });
});

describe('applyWording', () => {
  it('says how many changes apply writes and how many rejected ones leave the sandbox', () => {
    const words = applyWording(totals({ files: 9, toApply: 6, toUndo: 2, pending: 1 }));
    assert.equal(words.enabled, true);
    assert.equal(words.label, 'Apply 6 changes');
    assert.match(words.note, /^Apply 6 changes to your workspace; 2 rejected changes will be removed from the sandbox\./);
    assert.match(words.note, /1 pending file stays in the sandbox/);
    assert.match(applyWording(totals({ toApply: 1 })).note, /^Apply 1 change to your workspace; nothing is removed from the sandbox\.$/);
  });

  it('is not enabled with nothing approved, and says why', () => {
    const words = applyWording(totals({ files: 3, pending: 2, rejected: 1, toUndo: 1 }));
    assert.equal(words.enabled, false);
    assert.match(words.note, /Nothing is approved yet/);
    assert.match(words.note, /1 rejected change will be removed from the sandbox/);
  });
});

describe('withDecisionUpdate of a file that applies as a whole', () => {
  it('marks every shown hunk with the file decision and its reason', () => {
    const data = withDiff(withState(undefined, state(1)), diffA);
    const rejected = file('a.ts', { hunkCount: 0, decision: 'rejected', reason: 'not this way' });
    const next = withDecisionUpdate(data, { files: [rejected], totals: totals({ files: 2, rejected: 1, pending: 1 }) });
    assert.deepEqual(
      next.diff?.hunks.map((h) => [h.decision, h.reason]),
      [
        ['rejected', 'not this way'],
        ['rejected', 'not this way'],
      ],
    );
  });
});
