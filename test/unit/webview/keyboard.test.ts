import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffCommandFor, listCommandFor, nextActiveRow, nextHunk } from '../../../webview/src/model/keyboard';

describe('listCommandFor', () => {
  it('maps arrows and vim keys to moves', () => {
    assert.deepEqual(listCommandFor({ key: 'ArrowDown' }), { type: 'move', delta: 1 });
    assert.deepEqual(listCommandFor({ key: 'j' }), { type: 'move', delta: 1 });
    assert.deepEqual(listCommandFor({ key: 'ArrowUp' }), { type: 'move', delta: -1 });
    assert.deepEqual(listCommandFor({ key: 'k' }), { type: 'move', delta: -1 });
  });
  it('maps Enter, a, r and o', () => {
    assert.deepEqual(listCommandFor({ key: 'Enter' }), { type: 'open' });
    assert.deepEqual(listCommandFor({ key: 'a' }), { type: 'approve' });
    assert.deepEqual(listCommandFor({ key: 'r' }), { type: 'reject' });
    assert.deepEqual(listCommandFor({ key: 'o' }), { type: 'nativeDiff' });
  });
  it('leaves chords and unknown keys to VS Code', () => {
    assert.equal(listCommandFor({ key: 'a', ctrlKey: true }), undefined);
    assert.equal(listCommandFor({ key: 'j', metaKey: true }), undefined);
    assert.equal(listCommandFor({ key: 'k', altKey: true }), undefined);
    assert.equal(listCommandFor({ key: 'x' }), undefined);
    assert.equal(listCommandFor({ key: 'A' }), undefined);
  });
});

describe('diffCommandFor', () => {
  it('maps n/p to hunk moves and a/r to decisions', () => {
    assert.deepEqual(diffCommandFor({ key: 'n' }), { type: 'hunk', direction: 1 });
    assert.deepEqual(diffCommandFor({ key: 'p' }), { type: 'hunk', direction: -1 });
    assert.deepEqual(diffCommandFor({ key: 'a' }), { type: 'approve' });
    assert.deepEqual(diffCommandFor({ key: 'r' }), { type: 'reject' });
    assert.deepEqual(diffCommandFor({ key: 'Escape' }), { type: 'back' });
    assert.equal(diffCommandFor({ key: 'n', ctrlKey: true }), undefined);
  });
});

describe('nextActiveRow', () => {
  it('moves and clamps at both ends', () => {
    assert.equal(nextActiveRow(0, 5, { type: 'move', delta: 1 }, 10), 1);
    assert.equal(nextActiveRow(4, 5, { type: 'move', delta: 1 }, 10), 4);
    assert.equal(nextActiveRow(0, 5, { type: 'move', delta: -1 }, 10), 0);
  });
  it('enters the list from nothing at the top going down and at the bottom going up', () => {
    assert.equal(nextActiveRow(-1, 5, { type: 'move', delta: 1 }, 10), 0);
    assert.equal(nextActiveRow(-1, 5, { type: 'move', delta: -1 }, 10), 4);
  });
  it('jumps to first and last, and by a page less one row', () => {
    assert.equal(nextActiveRow(3, 100, { type: 'first' }, 10), 0);
    assert.equal(nextActiveRow(3, 100, { type: 'last' }, 10), 99);
    assert.equal(nextActiveRow(3, 100, { type: 'page', direction: 1 }, 10), 12);
    assert.equal(nextActiveRow(3, 100, { type: 'page', direction: -1 }, 10), 0);
  });
  it('clamps an active row beyond a shrunken list', () => {
    assert.equal(nextActiveRow(50, 10, { type: 'move', delta: 1 }, 10), 9);
  });
  it('returns -1 for an empty list', () => {
    assert.equal(nextActiveRow(0, 0, { type: 'move', delta: 1 }, 10), -1);
  });
});

describe('nextHunk', () => {
  it('steps and stops at the ends without wrapping', () => {
    assert.equal(nextHunk(0, 3, 1), 1);
    assert.equal(nextHunk(2, 3, 1), 2);
    assert.equal(nextHunk(0, 3, -1), 0);
  });
  it('starts from the first or last hunk when none is focused', () => {
    assert.equal(nextHunk(-1, 3, 1), 0);
    assert.equal(nextHunk(-1, 3, -1), 2);
  });
  it('returns -1 without hunks', () => {
    assert.equal(nextHunk(0, 0, 1), -1);
  });
});
