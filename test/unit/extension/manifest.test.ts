// The manifest and the code agree: every policy field is a setting with the core's default
// and description, settings that decide what runs are machine-overridable and restricted in
// untrusted workspaces, and every palette command is registered by the extension.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { POLICY_SETTING_KEYS, userLayerFromSettings } from '../../../src/extension/settingsLayer';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown; scope?: string; markdownDescription?: string }> = manifest.contributes.configuration.properties;

function policyValue(key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], DEFAULT_POLICY);
}

test('every policy field is a setting, with the core default and a description', () => {
  // Both ways: no policy field without a setting, and no setting that the policy lacks.
  const NOT_POLICY = ['healthCheckIntervalSec', 'prepareInBackground'];
  const contributed = Object.keys(properties)
    .map((k) => k.slice('agentSandbox.'.length))
    .filter((k) => !NOT_POLICY.includes(k));
  assert.deepEqual([...POLICY_SETTING_KEYS].sort(), contributed.sort());
  assert.ok(POLICY_SETTING_KEYS.includes('network.credentials') && POLICY_SETTING_KEYS.includes('memoryMb'), 'the keys come from the schema');
  for (const key of POLICY_SETTING_KEYS) {
    const prop = properties[`agentSandbox.${key}`];
    assert.ok(prop, `agentSandbox.${key} is not contributed`);
    assert.deepEqual(prop.default, policyValue(key), `default of agentSandbox.${key}`);
    assert.ok((prop.markdownDescription ?? '').length > 10, `agentSandbox.${key} needs a description`);
  }
});

test('settings that decide what runs are machine-overridable and restricted in untrusted workspaces', () => {
  const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  for (const key of ['image', 'baseImage', 'runtime', 'user', 'envAllowlist', 'network.mode', 'network.allow', 'network.unlisted', 'network.presets']) {
    assert.equal(properties[`agentSandbox.${key}`]!.scope, 'machine-overridable', key);
    assert.ok(restricted.includes(`agentSandbox.${key}`), `${key} must be restricted`);
  }
});

test('the user layer nests network settings and leaves out what was not set', () => {
  assert.equal(userLayerFromSettings([]), undefined);
  assert.deepEqual(
    userLayerFromSettings([
      { key: 'baseImage', value: 'local:tag' },
      { key: 'network.mode', value: 'allowlist' },
      { key: 'network.allow', value: ['registry.npmjs.org'] },
      { key: 'cpus', value: undefined },
    ]),
    { baseImage: 'local:tag', network: { mode: 'allowlist', allow: ['registry.npmjs.org'] } },
  );
});

test('every palette command is in the Agent Sandbox category and registered by the extension', () => {
  // Every source file of the extension layer: a command may be registered by any contribution.
  const sources = readdirSync(join(root, 'src', 'extension'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, 'src', 'extension', f), 'utf8'))
    .join('\n');
  for (const { command, category } of manifest.contributes.commands as { command: string; category: string }[]) {
    assert.equal(category, 'Agent Sandbox', command);
    assert.ok(sources.includes(`'${command}'`), `${command} is contributed but never registered`);
  }
  assert.ok(manifest.activationEvents.includes('onWebviewPanel:agentSandbox.review'), 'the review panel must come back after a reload');
});
