// The manifest and the code agree: every policy field is a setting with the core's default
// and description, settings that decide what runs are machine-overridable and restricted in
// untrusted workspaces, and the command ids, the manifest and the registrations agree.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import { CONTRIBUTED_COMMANDS, INTERNAL_COMMANDS } from '../../../src/extension/commandIds';
import { createFakeVscode, fakeExtensionContext, installFakeVscode } from '../support/fakeVscode';
import { POLICY_SETTING_KEYS, userLayerFromSettings } from '../../../src/extension/settingsLayer';
import { resolvedManifest, settingProperties } from '../support/manifestStrings';

const root = join(__dirname, '..', '..', '..');
// Titles and descriptions as VS Code shows them: the %key% placeholders resolved.
const manifest = resolvedManifest;
const properties: Record<string, { default: unknown; scope?: string; markdownDescription?: string }> = settingProperties(manifest);

function policyValue(key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], DEFAULT_POLICY);
}

test('every policy field is a setting, with the core default and a description', () => {
  // Both ways: no policy field without a setting, and no setting that the policy lacks.
  const NOT_POLICY = ['healthCheckIntervalSec', 'prepareInBackground', 'customRuntime'];
  const contributed = Object.keys(properties)
    .map((k) => k.slice('agentSandbox.'.length))
    .filter((k) => !NOT_POLICY.includes(k));
  assert.deepEqual([...POLICY_SETTING_KEYS].sort(), contributed.sort());
  assert.ok(
    POLICY_SETTING_KEYS.includes('network.credentials') && POLICY_SETTING_KEYS.includes('memoryMb'),
    'the keys come from the schema',
  );
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
  for (const key of [
    'image',
    'baseImage',
    'runtime',
    'customRuntime',
    'user',
    'envAllowlist',
    'network.mode',
    'network.allow',
    'network.unlisted',
    'network.presets',
  ]) {
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

test("the command id list is the manifest's commands, both ways, each in the Agent Sandbox category", () => {
  const contributed = manifest.contributes.commands as { command: string; category: string }[];
  for (const { command, category } of contributed) assert.equal(category, 'Agent Sandbox', command);
  assert.deepEqual(contributed.map((c) => c.command).sort(), [...CONTRIBUTED_COMMANDS].sort());
  assert.equal(new Set(CONTRIBUTED_COMMANDS).size, CONTRIBUTED_COMMANDS.length, 'an id is listed twice');
  for (const id of INTERNAL_COMMANDS) assert.ok(!contributed.some((c) => c.command === id), `${id} is internal, yet contributed`);
});

test('menus and keybindings name only contributed commands', () => {
  const known = new Set<string>(CONTRIBUTED_COMMANDS);
  const menus = (manifest.contributes.menus ?? {}) as Record<string, { command?: string }[]>;
  const referenced = [
    ...Object.values(menus).flatMap((items) => items.map((i) => i.command).filter((c): c is string => !!c)),
    ...((manifest.contributes.keybindings ?? []) as { command: string }[]).map((k) => k.command),
  ];
  assert.ok(referenced.length >= 16, 'the palette menu names the commands');
  for (const command of referenced) assert.ok(known.has(command), `${command} is in a menu or keybinding but not contributed`);
});

test('activation registers every contributed command and no other, and every part starts', async () => {
  // The real activation against a recording stand-in for VS Code: removing a registration
  // anywhere in the extension, or a part failing to start, fails this test.
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-sandbox-activation-'));
  const previousStateDir = process.env.AGENT_SANDBOX_STATE_DIR;
  // The agent entry points write the hook launcher into the state folder.
  process.env.AGENT_SANDBOX_STATE_DIR = stateDir;
  const fake = createFakeVscode();
  const restore = installFakeVscode(fake.module);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the stand-in is in place
    const main = require('../../../src/extension/main') as typeof import('../../../src/extension/main');
    const context = fakeExtensionContext(root);
    main.activate(context as unknown as Parameters<typeof main.activate>[0]);
    assert.deepEqual(fake.recorded.notifications, [], fake.recorded.log.join('\n'));
    assert.deepEqual(
      fake.recorded.log.filter((l) => l.startsWith('error:') || l.startsWith('warn:')),
      [],
    );
    assert.deepEqual([...fake.recorded.commands].sort(), [...CONTRIBUTED_COMMANDS, ...INTERNAL_COMMANDS].sort());
    assert.equal(new Set(fake.recorded.commands).size, fake.recorded.commands.length, 'a command is registered twice');
    await main.deactivate();
    for (const d of context.subscriptions) d.dispose();
  } finally {
    restore();
    if (previousStateDir === undefined) delete process.env.AGENT_SANDBOX_STATE_DIR;
    else process.env.AGENT_SANDBOX_STATE_DIR = previousStateDir;
    rmSync(stateDir, { recursive: true, force: true });
  }
  assert.ok(manifest.activationEvents.includes('onWebviewPanel:agentSandbox.review'), 'the review panel must come back after a reload');
});
