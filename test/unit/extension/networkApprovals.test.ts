// The network approvals' pure part: the prompt's buttons and their answers, the domains
// approved "always for this workspace" kept in the workspace state, and the policy they
// widen (only in allowlist mode; they never open a network that is off).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy';
import { answerForChoice, ASK_CHOICES, withApproval, withApprovedDomains } from '../../../src/extension/sandbox/approvedDomains';
import { StoredState } from '../../../src/extension/sandbox/storedState';

/** An in-memory workspace state: the extension's view of VS Code's Memento. */
function memento(): vscode.Memento {
  const values = new Map<string, unknown>();
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => void values.set(key, value),
  } as vscode.Memento;
}

const allowlist: Policy = { ...DEFAULT_POLICY, network: { ...DEFAULT_POLICY.network, mode: 'allowlist', allow: ['registry.npmjs.org'] } };

test('each button answers as it says, and a dismissed prompt denies', () => {
  assert.deepEqual(ASK_CHOICES.map(answerForChoice), ['allow-once', 'allow-session', 'allow-workspace', 'deny']);
  assert.equal(answerForChoice(undefined), 'deny');
});

test('approved domains join the allowlist once each; with no network they open nothing', () => {
  assert.equal(withApprovedDomains(allowlist, []), allowlist);
  assert.deepEqual(withApprovedDomains(allowlist, ['example.com:8443', 'registry.npmjs.org']).network.allow, [
    'registry.npmjs.org',
    'example.com:8443',
  ]);
  assert.equal(DEFAULT_POLICY.network.mode, 'none');
  assert.equal(withApprovedDomains(DEFAULT_POLICY, ['example.com']), DEFAULT_POLICY);
  assert.deepEqual(withApproval(['a.example'], 'a.example'), ['a.example']);
  assert.deepEqual(withApproval(['a.example'], 'b.example:444'), ['a.example', 'b.example:444']);
});

test('the stored state starts off with no approvals and keeps what was set', async () => {
  const stored = new StoredState(memento());
  assert.equal(stored.enabled, false);
  assert.deepEqual(stored.networkApprovals, []);
  await stored.setEnabled(true);
  await stored.setNetworkApprovals(withApproval(stored.networkApprovals, 'example.com'));
  assert.equal(stored.enabled, true);
  assert.deepEqual(stored.networkApprovals, ['example.com']);
  await stored.setEnabled(false);
  assert.equal(stored.enabled, false);
});
