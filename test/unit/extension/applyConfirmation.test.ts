import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyConfirmation } from '../../../src/extension/review/applyConfirmation';

test('nothing approved: no question, nothing to apply', () => {
  assert.equal(applyConfirmation({ approved: 0, partial: 0, pending: 3, rejected: 1 }), undefined);
});

test('the question counts what will be written and what stays in the sandbox', () => {
  assert.deepEqual(applyConfirmation({ approved: 2, partial: 1, pending: 1, rejected: 1 }), {
    message: 'Apply 3 approved changes to your workspace?',
    detail:
      'Files approved in part are written with their approved hunks only. 2 changes not approved stay in the sandbox. Undo Last Apply takes an apply back.',
  });
  assert.deepEqual(applyConfirmation({ approved: 1, partial: 0, pending: 0, rejected: 0 }), {
    message: 'Apply 1 approved change to your workspace?',
    detail: 'Undo Last Apply takes an apply back.',
  });
  assert.equal(
    applyConfirmation({ approved: 1, partial: 0, pending: 1, rejected: 0 })?.detail,
    '1 change not approved stays in the sandbox. Undo Last Apply takes an apply back.',
  );
});
