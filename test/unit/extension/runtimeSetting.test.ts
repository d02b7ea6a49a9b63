import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeChoiceLabel } from '../../../src/core/engine/runtimes';
import { enforcementSummary } from '../../../src/extension/sandbox/status';
import { runtimeFromSettings } from '../../../src/extension/settingsLayer';
import { DEFAULT_POLICY } from '../../../src/core/policy';

test('the runtime choice "custom" takes its name from agentSandbox.customRuntime', () => {
  assert.equal(runtimeFromSettings('custom', ' kata '), 'kata');
  // Without a name it stays "custom", which the start refuses with a message saying so.
  assert.equal(runtimeFromSettings('custom', ''), 'custom');
  assert.equal(runtimeFromSettings('custom', undefined), 'custom');
  assert.equal(runtimeFromSettings('gvisor', 'kata'), 'gvisor');
  assert.equal(runtimeFromSettings('', 'kata'), '');
});

test('the status tooltip names the runtime the sandbox runs under', () => {
  assert.ok(enforcementSummary({ ...DEFAULT_POLICY, runtime: 'gvisor' }).includes('Runtime: gVisor (runsc).'));
  assert.ok(enforcementSummary(DEFAULT_POLICY).includes("Runtime: the engine's default."));
  assert.equal(runtimeChoiceLabel('kata'), 'kata (custom)');
  assert.equal(runtimeChoiceLabel('runc'), 'runc');
});
