import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { DEFAULT_POLICY, resolvePolicy, WORKSPACE_POLICY_FILE } from '../../../src/core/policy';

function workspaceWith(policy: unknown | string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
  fs.mkdirSync(path.join(root, '.vscode'));
  fs.writeFileSync(path.join(root, WORKSPACE_POLICY_FILE), typeof policy === 'string' ? policy : JSON.stringify(policy));
  return root;
}

function policyError(fn: () => unknown): SandboxError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SandboxError, `expected a SandboxError, got ${String(err)}`);
    assert.equal(err.code, 'POLICY_INVALID');
    return err;
  }
  assert.fail('expected the policy to be refused');
}

describe('policy', () => {
  it('defaults exclude secrets, close the network and pass no host environment beyond locale and terminal', () => {
    const { policy } = resolvePolicy({});
    assert.equal(policy.network.mode, 'none');
    for (const secret of [
      '.env*',
      '*.pem',
      '*.key',
      'id_rsa*',
      'id_ed25519*',
      '.npmrc',
      '.pypirc',
      '.netrc',
      '.git-credentials',
      '.aws/',
      '.ssh/',
      '*.tfstate',
    ]) {
      assert.ok(policy.exclude.includes(secret), `${secret} is excluded by default`);
    }
    assert.deepEqual(policy.envAllowlist, ['LANG', 'LC_ALL', 'TZ', 'TERM']);
    assert.equal(policy.user, 'auto');
  });

  it('user settings may loosen limits and replace lists', () => {
    const { policy, setBy } = resolvePolicy({
      user: { raw: { memoryMb: 8192, envAllowlist: ['LANG', 'GOFLAGS'] }, origin: 'user settings' },
    });
    assert.equal(policy.memoryMb, 8192);
    assert.deepEqual(policy.envAllowlist, ['LANG', 'GOFLAGS']);
    assert.equal(setBy.memoryMb.kind, 'user');
    assert.equal(setBy.cpus.kind, 'defaults');
  });

  it('the workspace file may tighten limits and add exclusions', () => {
    const root = workspaceWith({ memoryMb: 512, pids: 64, exclude: ['secrets/'], envAllowlist: ['LANG'] });
    const { policy, setBy } = resolvePolicy({ workspaceRoot: root });
    assert.equal(policy.memoryMb, 512);
    assert.equal(policy.pids, 64);
    assert.ok(policy.exclude.includes('secrets/'));
    assert.ok(policy.exclude.includes('.env*'), 'the defaults stay excluded');
    assert.deepEqual(policy.envAllowlist, ['LANG']);
    assert.equal(setBy.memoryMb.origin, path.join(root, WORKSPACE_POLICY_FILE));
  });

  it('the workspace file cannot raise a limit above the user setting', () => {
    const root = workspaceWith({ memoryMb: 4096 });
    const err = policyError(() => resolvePolicy({ workspaceRoot: root, user: { raw: { memoryMb: 1024 }, origin: 'user settings' } }));
    assert.match(err.message, /agent-sandbox\.json/);
    assert.match(err.message, /memoryMb/);
    assert.match(err.message, /above the current limit of 1024/);
  });

  it('the workspace file cannot open the network, pass host variables, or change the image or user', () => {
    for (const [layer, field] of [
      [{ network: { mode: 'allowlist' } }, 'network.mode'],
      [{ envAllowlist: ['LANG', 'AWS_SECRET_ACCESS_KEY'] }, 'envAllowlist'],
      [{ image: 'evil:latest' }, 'image'],
      [{ baseImage: 'evil:latest' }, 'baseImage'],
      [{ user: '1000:1000' }, 'user'],
      [{ runtime: 'runc' }, 'runtime'],
    ] as const) {
      const err = policyError(() => resolvePolicy({ workspaceRoot: workspaceWith(layer) }));
      assert.match(err.message, new RegExp(field.replace('.', '\\.')), `${field} is named`);
    }
  });

  it('the workspace file cannot remove default exclusions or risky patterns: its lists only add', () => {
    const { policy } = resolvePolicy({ workspaceRoot: workspaceWith({ exclude: [], risky: [] }) });
    assert.deepEqual(policy.exclude, DEFAULT_POLICY.exclude);
    assert.deepEqual(policy.risky, DEFAULT_POLICY.risky);
  });

  it('the workspace file cannot take a path back out of the exclusions or risky patterns with "!"', () => {
    for (const key of ['exclude', 'risky'] as const) {
      const err = policyError(() => resolvePolicy({ workspaceRoot: workspaceWith({ [key]: ['extra/', '!.env'] }) }));
      assert.match(err.message, new RegExp(`${key}: !\\.env would take paths back out`));
      assert.match(err.hint ?? '', /only tighten/);
    }
    // The person's own settings replace the list and may say what they like.
    const { policy } = resolvePolicy({ user: { raw: { exclude: ['.env*', '!.env.local'] }, origin: 'user settings' } });
    assert.deepEqual(policy.exclude, ['.env*', '!.env.local']);
  });

  it('a malformed policy file is an error that names the file and the reason', () => {
    const root = workspaceWith('{ "memoryMb": 12, ');
    const err = policyError(() => resolvePolicy({ workspaceRoot: root }));
    assert.match(err.message, /not valid JSON/);
    assert.match(err.message, new RegExp(path.join(root, WORKSPACE_POLICY_FILE).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  it('an invalid field is an error that names the field and the reason, never a fallback', () => {
    const err = policyError(() =>
      resolvePolicy({ user: { raw: { memoryMb: 'lots', pids: -1, surprise: true }, origin: 'user settings' } }),
    );
    assert.match(err.message, /user settings/);
    assert.match(err.message, /memoryMb/);
    assert.match(err.message, /pids/);
    assert.match(err.message, /surprise|Unrecognized/);
  });

  it('root is refused as the sandbox user', () => {
    const err = policyError(() => resolvePolicy({ user: { raw: { user: '0:0' }, origin: 'user settings' } }));
    assert.match(err.message, /root/);
  });

  it('the workspace file may only narrow the network: no ask, no presets, no credentials of its own', () => {
    const user = {
      raw: { network: { mode: 'allowlist', allow: ['registry.npmjs.org'], presets: ['npm', 'github'], unlisted: 'deny' } },
      origin: 'user settings',
    };
    const narrowed = resolvePolicy({ user, workspaceRoot: workspaceWith({ network: { presets: ['npm'], deny: ['evil.test'] } }) }).policy;
    assert.deepEqual(narrowed.network.presets, ['npm']);
    assert.deepEqual(narrowed.network.deny, ['evil.test']);
    for (const [layer, field] of [
      [{ network: { unlisted: 'ask' } }, 'network.unlisted'],
      [{ network: { presets: ['npm', 'pypi'] } }, 'network.presets'],
      [{ network: { credentials: [{ domain: 'attacker.test', header: 'Authorization', env: 'GITHUB_TOKEN' }] } }, 'network.credentials'],
      [{ network: { allow: ['registry.npmjs.org', 'attacker.test'] } }, 'network.allow'],
    ] as const) {
      const err = policyError(() => resolvePolicy({ user, workspaceRoot: workspaceWith(layer) }));
      assert.match(err.message, new RegExp(field.replace('.', '\\.')), `${field} is named`);
    }
  });

  it('a malformed domain rule is an error when the policy loads', () => {
    const err = policyError(() =>
      resolvePolicy({ user: { raw: { network: { mode: 'allowlist', allow: ['exa mple.com'] } }, origin: 'user settings' } }),
    );
    assert.match(err.message, /user settings: network/);
  });

  it("the workspace's editor settings come with the repository too: they may only tighten", () => {
    const workspaceSettings = (raw: unknown) => ({ raw, origin: "this workspace's VS Code settings" });
    const tightened = resolvePolicy({ workspaceSettings: workspaceSettings({ memoryMb: 512, exclude: ['private/'] }) }).policy;
    assert.equal(tightened.memoryMb, 512);
    assert.ok(tightened.exclude.includes('private/') && tightened.exclude.includes('.env*'));
    for (const raw of [
      { network: { mode: 'allowlist' } },
      { memoryMb: 65536 },
      { baseImage: 'other:latest' },
      { envAllowlist: ['LANG', 'GITHUB_TOKEN'] },
    ]) {
      const err = policyError(() => resolvePolicy({ workspaceSettings: workspaceSettings(raw) }));
      assert.match(err.message, /this workspace's VS Code settings/);
      assert.match(err.hint ?? '', /may only tighten/);
    }
  });
});
