// Risk badges in plain words and decision wording.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionLabel, riskBadge } from '../../../webview/src/model/format';

describe('riskBadge', () => {
  it('names risks in plain words, never by their internal id, and explains them in the tooltip', () => {
    const cases = [
      ['newExecutable', 'New executable'],
      ['policyPattern', 'Matches your policy'],
      ['packageScripts', 'Changes package scripts'],
    ] as const;
    for (const [code, label] of cases) {
      const badge = riskBadge({ code, reason: 'why' });
      assert.equal(badge.label, label);
      assert.doesNotMatch(badge.label, new RegExp(code));
      assert.match(badge.tooltip, /\. Here: why\.$/);
      assert.ok(badge.tooltip.length > 'Here: why.'.length + 10, 'the tooltip explains more than the reason');
    }
  });

  it('gives an unknown code generic words, and is not fooled by inherited keys', () => {
    assert.equal(riskBadge({ code: 'somethingNew', reason: 'r' }).label, 'Needs a closer look');
    assert.equal(riskBadge({ code: 'constructor', reason: 'r' }).label, 'Needs a closer look');
  });
});

describe('decisionLabel', () => {
  it('says a file decided in parts is decided, and how far a pending one is', () => {
    assert.equal(
      decisionLabel({ decision: 'partial', hunkTally: { approved: 1, rejected: 1, pending: 0 } }),
      'decided: part approved, part rejected',
    );
    assert.equal(
      decisionLabel({ decision: 'partial', hunkTally: { approved: 1, rejected: 0, pending: 2 } }),
      'pending (1 of 3 hunks decided)',
    );
    assert.equal(decisionLabel({ decision: 'rejected' }), 'rejected');
  });
});
