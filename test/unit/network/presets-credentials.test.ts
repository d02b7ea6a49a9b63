import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { credentialsFor, resolveCredentials, validateCredential } from '../../../src/core/network/credentials';
import { expandPresets, NETWORK_PRESET_NAMES, NETWORK_PRESETS } from '../../../src/core/network/presets';
import { compileRules, decide } from '../../../src/core/network/rules';

test('every preset is a list of valid allow rules', () => {
  assert.deepEqual([...NETWORK_PRESET_NAMES].sort(), ['anthropic', 'github', 'npm', 'openai', 'pypi']);
  for (const name of NETWORK_PRESET_NAMES) {
    const rules = compileRules({ allow: expandPresets([name]), deny: [] });
    assert.ok(rules.allow.length > 0, name);
    assert.equal(decide(rules, NETWORK_PRESETS[name][0], 443).verdict, 'allow', name);
  }
});

test('presets expand without duplicates, and an unknown name says which ones exist', () => {
  assert.deepEqual(expandPresets(['npm', 'npm']), ['registry.npmjs.org', 'registry.yarnpkg.com']);
  assert.throws(
    () => expandPresets(['nmp']),
    (err: unknown) => err instanceof SandboxError && /nmp/.test(err.message) && /npm, pypi, github/.test(err.hint ?? ''),
  );
});

test('credentials are read from the host environment and belong to one host', () => {
  const creds = resolveCredentials([{ domain: 'Registry.Example', header: 'Authorization', env: 'REG_TOKEN', prefix: 'Bearer ' }], {
    REG_TOKEN: 'abc',
  });
  assert.deepEqual(creds, [{ domain: 'registry.example', header: 'Authorization', value: 'Bearer abc' }]);
  assert.equal(credentialsFor(creds, 'registry.example', 'tls').length, 1);
  assert.equal(credentialsFor(creds, 'evil.registry.example', 'tls').length, 0);
  // Over plain HTTP only when the rule says so.
  assert.equal(credentialsFor(creds, 'registry.example', 'plain-http').length, 0);
  const plain = resolveCredentials([{ domain: 'registry.example', header: 'Authorization', env: 'REG_TOKEN', allowPlainHttp: true }], {
    REG_TOKEN: 'abc',
  });
  assert.equal(credentialsFor(plain, 'registry.example', 'plain-http').length, 1);
});

test('unusable credentials are clear errors', () => {
  assert.throws(() => resolveCredentials([{ domain: 'a.example', header: 'Authorization', env: 'MISSING_VAR' }], {}), /MISSING_VAR/);
  assert.throws(() => validateCredential({ domain: '*.example.com', header: 'Authorization', value: 'x' }), /single domain/);
  assert.throws(() => validateCredential({ domain: 'a.example', header: 'Host', value: 'x' }), /cannot carry/);
  assert.throws(() => validateCredential({ domain: 'a.example', header: 'Authorization', value: 'x\r\nEvil: 1' }), /line break/);
});
