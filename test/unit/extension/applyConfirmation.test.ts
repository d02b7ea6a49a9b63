import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyConfirmation } from '../../../src/extension/review/applyConfirmation';

test('nothing approved: no question, nothing to apply', () => {
  assert.equal(applyConfirmation({ approved: 0, toApply: 0, toUndo: 1, pending: 3 }), undefined);
});

test('the question counts what will be written, what leaves the sandbox and what stays pending', () => {
  assert.deepEqual(applyConfirmation({ approved: 2, toApply: 3, toUndo: 2, pending: 1 }), {
    message: 'Apply 3 approved changes to your workspace?',
    detail:
      'Files approved in part are written with their approved hunks only. 2 rejected changes will be removed from the sandbox. 1 pending change stays in the sandbox. Undo Last Apply takes an apply back.',
  });
  assert.deepEqual(applyConfirmation({ approved: 1, toApply: 1, toUndo: 0, pending: 0 }), {
    message: 'Apply 1 approved change to your workspace?',
    detail: 'Undo Last Apply takes an apply back.',
  });
  assert.equal(
    applyConfirmation({ approved: 1, toApply: 1, toUndo: 1, pending: 2 })?.detail,
    '1 rejected change will be removed from the sandbox. 2 pending changes stay in the sandbox. Undo Last Apply takes an apply back.',
  );
});
