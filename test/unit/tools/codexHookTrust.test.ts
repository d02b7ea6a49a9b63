/**
 * The trust record Codex keeps for a hook, as the set-up reproduces it. The expected hash was
 * read from Codex 0.171.0 itself (`codex app-server`, method hooks/list, field currentHash) for
 * a config.toml holding exactly this hook; the agents suite proves the record with the real
 * program (test/agents/codex-trust.test.ts).
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { codexPreToolUseHookHash, codexPreToolUseHookKey } from '../../../src/core/tools/agentSetup/codexHookTrust';

const HOOK = { matcher: '*', command: '/bin/sh /x/bin/agent-sandbox hook claude || exit 2', timeoutSec: 30 };

test('the hash of a PreToolUse command hook is the one Codex computes', () => {
  assert.equal(codexPreToolUseHookHash(HOOK), 'sha256:2ae565ef5fedab4d5bc615198c66301294988377312c5d64e2145630cf349219');
});

test('any change to the command, the matcher or the timeout changes the hash', () => {
  const base = codexPreToolUseHookHash(HOOK);
  for (const changed of [
    { ...HOOK, command: `${HOOK.command} ` },
    { ...HOOK, matcher: 'Bash' },
    { ...HOOK, timeoutSec: 31 },
  ]) {
    assert.notEqual(codexPreToolUseHookHash(changed), base, JSON.stringify(changed));
  }
});

test("the key names the file, the event, the group and the handler, as Codex's does", () => {
  assert.equal(codexPreToolUseHookKey('/home/p/.codex/config.toml', 2), '/home/p/.codex/config.toml:pre_tool_use:2:0');
});
