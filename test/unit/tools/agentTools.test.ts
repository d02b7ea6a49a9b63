// The pure parts of `agent-sandbox tools install`: which packages it takes, the registry and
// CA trust it reads from the person's npm configuration, and the installer's allow rules.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { addressRules, installerAllowRules } from '../../../src/core/agentTools/install';
import { toolPackageOf } from '../../../src/core/agentTools/packages';
import { DEFAULT_NPM_REGISTRY, hostNpmCaBundle, hostNpmRegistry, npmrcValue, validRegistry } from '../../../src/core/agentTools/registry';
import { toolsVolumeName } from '../../../src/core/agentTools/volume';
import { SandboxError } from '../../../src/core/errors';

describe('tool packages', () => {
  it("maps the agents' short names to their npm packages and programs", () => {
    assert.deepEqual(toolPackageOf('claude'), { spec: '@anthropic-ai/claude-code', name: '@anthropic-ai/claude-code', bin: 'claude' });
    assert.deepEqual(toolPackageOf('claude@2.1.332'), {
      spec: '@anthropic-ai/claude-code@2.1.332',
      name: '@anthropic-ai/claude-code',
      bin: 'claude',
      exactVersion: '2.1.332',
    });
    assert.deepEqual(toolPackageOf('codex@latest'), { spec: '@openai/codex@latest', name: '@openai/codex', bin: 'codex' });
    assert.deepEqual(toolPackageOf('@openai/codex@0.171.0'), {
      spec: '@openai/codex@0.171.0',
      name: '@openai/codex',
      bin: 'codex',
      exactVersion: '0.171.0',
    });
    assert.deepEqual(toolPackageOf('aider-chat@^1.2'), { spec: 'aider-chat@^1.2', name: 'aider-chat' });
  });

  it('refuses paths, URLs, git specs, options and odd characters with the fix', () => {
    for (const bad of [
      './tool',
      '/opt/x',
      'file:../x',
      'git+https://github.com/a/b',
      'https://x.test/a.tgz',
      '--foo',
      '-g',
      'a b',
      'claude@1;rm',
      'claude@$(id)',
      'Upper',
      '',
    ]) {
      assert.throws(
        () => toolPackageOf(bad),
        (err: unknown) =>
          err instanceof SandboxError && /npm registry/.test(err.message) && /paths, URLs and git specs/.test(err.hint ?? ''),
        bad,
      );
    }
  });
});

describe("the person's npm configuration", () => {
  it('reads registry= and cafile= as npm does (the last line wins, quotes dropped)', () => {
    const rc = 'fund=false\nregistry = "https://first.test/"\n; a comment\nregistry=https://npm.mirror.test/repo\ncafile=/etc/ca.pem\n';
    assert.equal(npmrcValue(rc, 'registry'), 'https://npm.mirror.test/repo');
    assert.equal(npmrcValue(rc, 'cafile'), '/etc/ca.pem');
    assert.equal(npmrcValue(rc, '@scope:registry'), undefined);
  });

  it('takes the variable first, then the user npmrc, then the default; refuses a registry with credentials', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-npmrc-'));
    try {
      const rc = path.join(dir, 'npmrc');
      fs.writeFileSync(rc, 'registry=http://mirror.test:4873\n');
      const none = path.join(dir, 'none');
      assert.equal(hostNpmRegistry({ npm_config_userconfig: rc, npm_config_globalconfig: none }), 'http://mirror.test:4873/');
      assert.equal(hostNpmRegistry({ npm_config_registry: 'https://env.test/', npm_config_userconfig: rc }), 'https://env.test/');
      assert.equal(hostNpmRegistry({ npm_config_userconfig: none, npm_config_globalconfig: none }), DEFAULT_NPM_REGISTRY);
      const fix = (re: RegExp) => (err: unknown) =>
        err instanceof SandboxError && /not a plain http/.test(err.message) && re.test(err.hint ?? '');
      assert.throws(() => validRegistry('https://user:pw@r.test/', '--registry'), fix(/network\.credentials/));
      assert.throws(() => validRegistry('ftp://r.test/', '--registry'), fix(/without credentials/));
      const ca = path.join(dir, 'ca.pem');
      fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      assert.match(hostNpmCaBundle({ npm_config_cafile: ca }) ?? '', /BEGIN CERTIFICATE/);
      assert.match(
        hostNpmCaBundle({ npm_config_userconfig: none, npm_config_globalconfig: none, NODE_EXTRA_CA_CERTS: ca }) ?? '',
        /BEGIN CERTIFICATE/,
      );
      assert.equal(hostNpmCaBundle({ npm_config_userconfig: none, npm_config_globalconfig: none }), undefined);
      assert.throws(() => hostNpmCaBundle({ npm_config_cafile: rc }), /holds no PEM certificate/);
      assert.throws(() => hostNpmCaBundle({ npm_config_cafile: none }), /cannot be read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the installer's network and volume", () => {
  it("opens the npm preset, the configured registry's host, and only the person's address rules", () => {
    assert.deepEqual(installerAllowRules('https://registry.npmjs.org/'), []);
    assert.deepEqual(installerAllowRules('https://npm.mirror.test/repo/'), ['npm.mirror.test']);
    assert.deepEqual(installerAllowRules('http://mirror.test:4873/'), ['mirror.test:4873']);
    assert.deepEqual(addressRules(['github.com', '*.corp.test', '10.0.0.0/8', '203.0.113.80', '[fd00::/8]:443']), [
      '10.0.0.0/8',
      '203.0.113.80',
      '[fd00::/8]:443',
    ]);
  });

  it('names one volume per sandbox user, or the one a test names', () => {
    assert.equal(toolsVolumeName('1000:1000', {}), 'agent-sandbox-tools-1000-1000');
    assert.equal(toolsVolumeName('1000:1000', { AGENT_SANDBOX_TOOLS_VOLUME: 'tests-tools' }), 'tests-tools');
    assert.throws(() => toolsVolumeName('1000:1000', { AGENT_SANDBOX_TOOLS_VOLUME: '../x' }), /not a volume name/);
  });
});
