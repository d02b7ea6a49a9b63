import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { describePreparing, reasonForCode, statusBarText, statusBarTooltip } from '../../../src/extension/sandbox/status';

test('the status bar text names the mode with a codicon', () => {
  assert.equal(statusBarText({ mode: 'off' }), '$(circle-slash) Sandbox: off');
  assert.equal(statusBarText({ mode: 'on', pending: 0 }), '$(shield) Sandbox: on');
  assert.equal(statusBarText({ mode: 'starting', reason: 'preparing' }), '$(loading~spin) Sandbox: starting');
});

test('pending changes are counted in the text', () => {
  assert.equal(statusBarText({ mode: 'on', pending: 3 }), '$(shield) Sandbox: on $(diff) 3 pending');
  assert.equal(statusBarText({ mode: 'off', pending: 1 }), '$(circle-slash) Sandbox: off $(diff) 1 pending');
});

test('with nothing pending, decided changes waiting for apply are counted instead', () => {
  assert.equal(statusBarText({ mode: 'on', pending: 0, unapplied: 2 }), '$(shield) Sandbox: on $(check-all) 2 to apply');
  assert.equal(statusBarText({ mode: 'on', pending: 1, unapplied: 3 }), '$(shield) Sandbox: on $(diff) 1 pending', 'pending comes first');
  assert.equal(statusBarText({ mode: 'on', pending: 0, unapplied: 0 }), '$(shield) Sandbox: on');
});

test('an unhealthy sandbox says why in words', () => {
  assert.equal(statusBarText({ mode: 'error', reason: 'engine unreachable' }), '$(error) Sandbox: error (engine unreachable)');
  assert.equal(
    statusBarText({ mode: 'degraded', reason: 'container stopped', pending: 2 }),
    '$(warning) Sandbox: degraded (container stopped) $(diff) 2 pending',
  );
  assert.equal(reasonForCode('ENGINE_UNREACHABLE'), 'engine unreachable');
  assert.equal(reasonForCode('IMAGE_MISSING'), 'image missing');
  assert.equal(reasonForCode(undefined), 'failed');
});

test('Restricted Mode shows on the off item and in its tooltip', () => {
  assert.equal(statusBarText({ mode: 'off', restricted: true }), '$(circle-slash) Sandbox: off (Restricted Mode)');
  assert.match(statusBarTooltip({ mode: 'off', restricted: true }, undefined), /Restricted Mode: trust it/);
});

test('the tooltip says what the sandbox enforces and that unhealthy means fail closed', () => {
  const tip = statusBarTooltip(
    { mode: 'error', reason: 'engine unreachable', detail: 'The Docker engine does not answer.' },
    DEFAULT_POLICY,
  );
  assert.match(tip, /The Docker engine does not answer\./);
  assert.match(tip, /refuse to run until the sandbox is healthy again \(fail closed\)/);
  assert.match(tip, /Network: no network/);
  assert.match(tip, new RegExp(`${DEFAULT_POLICY.memoryMb} MiB memory`));
  assert.match(tip, /Non-root user/);
});

test('the background copy shows its progress, says a click cancels it, and words its outcome', () => {
  const busy = describePreparing({ kind: 'preparing', entries: 12345 });
  assert.equal(busy.text, '$(sync~spin) Sandbox copy: 12,345');
  assert.match(busy.tooltip, /12,345 entries so far.*Click to cancel/);
  assert.equal(describePreparing({ kind: 'preparing', entries: 0 }).text, '$(sync~spin) Sandbox copy');
  const done = describePreparing({
    kind: 'done',
    result: { outcome: 'prepared', cacheDir: '/s', refresh: 'changed', changedPaths: 3, entries: 10, copied: 2, ms: 1500 },
  });
  assert.equal(done.tooltip, 'Workspace copy refreshed at 3 changed paths: 10 entries, 2 copied, in 1.5 s.');
  assert.equal(
    describePreparing({ kind: 'done', result: { outcome: 'skipped', reason: 'the workspace has a sandbox session' } }).tooltip,
    'Nothing prepared: the workspace has a sandbox session.',
  );
  assert.match(describePreparing({ kind: 'failed', message: 'EACCES' }).tooltip, /failed: EACCES.*still starts/);
});
