// The button an error notification offers is the fix for that error in that window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixActionsFor } from '../../../src/extension/util/fixActions';

const inTrusted = { trusted: true, hasFolder: true } as const;

test('in Restricted Mode a refused start or run offers to trust the folder, and nothing else', () => {
  assert.deepEqual(fixActionsFor({ code: 'WORKSPACE_INVALID', trusted: false, hasFolder: true }), ['trustFolder']);
  assert.deepEqual(fixActionsFor({ code: 'SESSION_NOT_RUNNING', trusted: false, hasFolder: true }), ['trustFolder']);
});

test('with no folder open the fix is opening one, trusted or not', () => {
  assert.deepEqual(fixActionsFor({ code: 'WORKSPACE_INVALID', trusted: true, hasFolder: false }), ['openFolder']);
  assert.deepEqual(fixActionsFor({ code: 'WORKSPACE_INVALID', trusted: false, hasFolder: false }), ['openFolder']);
});

test('an action that needs the sandbox while it is off or stopped offers to start it', () => {
  assert.deepEqual(fixActionsFor({ code: 'SESSION_NOT_RUNNING', ...inTrusted }), ['startSandbox', 'showLogs']);
});

test('the engine, the image and the policy each get their own fix', () => {
  assert.deepEqual(fixActionsFor({ code: 'ENGINE_UNREACHABLE', ...inTrusted }), ['openEngineDocs', 'showLogs']);
  for (const code of ['IMAGE_MISSING', 'IMAGE_BUILD_FAILED', 'HARDENING_NOT_APPLIED', 'POLICY_INVALID'] as const) {
    assert.deepEqual(fixActionsFor({ code, ...inTrusted }), ['openSettings', 'showLogs'], code);
  }
  assert.deepEqual(fixActionsFor({ code: 'DISK_CAP_EXCEEDED', ...inTrusted }), ['reviewChanges', 'showLogs']);
});

test('an error without a known fix still leads to the log; a cancel offers nothing', () => {
  assert.deepEqual(fixActionsFor({ code: undefined, ...inTrusted }), ['showLogs']);
  assert.deepEqual(fixActionsFor({ code: 'INTERNAL', ...inTrusted }), ['showLogs']);
  assert.deepEqual(fixActionsFor({ code: 'CANCELLED', ...inTrusted }), []);
});
