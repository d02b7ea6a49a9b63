import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { reasonForCode, statusBarText, statusBarTooltip } from '../../../src/extension/sandbox/status';

test('the status bar text names the mode with a codicon', () => {
  assert.equal(statusBarText({ mode: 'off' }), '$(circle-slash) Sandbox: off');
  assert.equal(statusBarText({ mode: 'on', pending: 0 }), '$(shield) Sandbox: on');
  assert.equal(statusBarText({ mode: 'starting', reason: 'preparing' }), '$(loading~spin) Sandbox: starting');
});

test('pending changes are counted in the text', () => {
  assert.equal(statusBarText({ mode: 'on', pending: 3 }), '$(shield) Sandbox: on $(diff) 3 pending');
  assert.equal(statusBarText({ mode: 'off', pending: 1 }), '$(circle-slash) Sandbox: off $(diff) 1 pending');
});

test('an unhealthy sandbox says why in words', () => {
  assert.equal(statusBarText({ mode: 'error', reason: 'engine unreachable' }), '$(error) Sandbox: error (engine unreachable)');
  assert.equal(statusBarText({ mode: 'degraded', reason: 'container stopped', pending: 2 }), '$(warning) Sandbox: degraded (container stopped) $(diff) 2 pending');
  assert.equal(reasonForCode('ENGINE_UNREACHABLE'), 'engine unreachable');
  assert.equal(reasonForCode('IMAGE_MISSING'), 'image missing');
  assert.equal(reasonForCode(undefined), 'failed');
});

test('Restricted Mode shows on the off item and in its tooltip', () => {
  assert.equal(statusBarText({ mode: 'off', restricted: true }), '$(circle-slash) Sandbox: off (Restricted Mode)');
  assert.match(statusBarTooltip({ mode: 'off', restricted: true }, undefined), /Restricted Mode: trust it/);
});

test('the tooltip says what the sandbox enforces and that unhealthy means fail closed', () => {
  const tip = statusBarTooltip({ mode: 'error', reason: 'engine unreachable', detail: 'The Docker engine does not answer.' }, DEFAULT_POLICY);
  assert.match(tip, /The Docker engine does not answer\./);
  assert.match(tip, /refuse to run until the sandbox is healthy again \(fail closed\)/);
  assert.match(tip, /Network: no network/);
  assert.match(tip, new RegExp(`${DEFAULT_POLICY.memoryMb} MiB memory`));
  assert.match(tip, /Non-root user/);
});
