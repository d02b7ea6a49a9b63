import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_VIEW_STATE, restoreViewState } from '../../../webview/src/model/viewState';

describe('restoreViewState', () => {
  it('starts fresh from nothing or from another version', () => {
    assert.equal(restoreViewState(undefined), INITIAL_VIEW_STATE);
    assert.equal(restoreViewState('junk'), INITIAL_VIEW_STATE);
    assert.equal(restoreViewState({ version: 2, selectedPath: 'a' }), INITIAL_VIEW_STATE);
  });

  it('keeps every well-formed field', () => {
    const saved = {
      version: 1,
      selectedPath: 'src/a.ts',
      listScrollTop: 480,
      diffScrollTop: 1200,
      collapsedGroups: ['changes', 'neverApply'],
      filter: { text: 'src', decision: 'pending' },
      focusedHunk: 3,
    };
    assert.deepEqual(restoreViewState(JSON.parse(JSON.stringify(saved))), saved);
  });

  it('drops malformed fields one by one instead of the whole state', () => {
    const restored = restoreViewState({
      version: 1,
      selectedPath: 42,
      listScrollTop: -5,
      diffScrollTop: 'x',
      collapsedGroups: ['changes', 'bogus', 'changes'],
      filter: { text: 7, decision: 'maybe' },
      focusedHunk: 0,
    });
    assert.deepEqual(restored, {
      version: 1,
      selectedPath: undefined,
      listScrollTop: 0,
      diffScrollTop: 0,
      collapsedGroups: ['changes'],
      filter: { text: '', decision: 'all' },
      focusedHunk: undefined,
    });
  });
});
