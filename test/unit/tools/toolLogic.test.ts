import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import {
  KEY_PLACEHOLDER,
  keyPlaceholders,
  KNOWN_AGENTS,
  missingForAgent,
  networkWithAgentAccess,
} from '../../../src/core/tools/agentLaunch';
import { approvalNeeded } from '../../../src/core/tools/approval';
import { TOOL_DEFINITIONS } from '../../../src/core/tools/definitions';
import { describeFeedback, FeedbackDelivery } from '../../../src/core/tools/feedback';
import { parseToolInput } from '../../../src/core/tools/handlers';
import { describeRun, trimMiddle } from '../../../src/core/tools/results';
import type { RunResult } from '../../../src/core/session/session';

const run = (overrides: Partial<RunResult>): RunResult => ({
  exitCode: 0,
  outcome: 'exited',
  stdout: Buffer.alloc(0),
  stderr: Buffer.alloc(0),
  droppedBytes: 0,
  durationMs: 1234,
  changedFiles: [],
  ...overrides,
});

describe('tool results', () => {
  it('keeps the start and end of long output and counts the rest', () => {
    const bytes = Buffer.from('a'.repeat(1000) + 'b'.repeat(1000));
    const { text, droppedBytes } = trimMiddle(bytes, 100);
    assert.ok(text.startsWith('a'.repeat(50)));
    assert.ok(text.endsWith('b'.repeat(50)));
    assert.equal(droppedBytes, 1900);
    assert.equal(trimMiddle(Buffer.from('short'), 100).droppedBytes, 0);
  });

  it('never splits a UTF-8 character', () => {
    const { text } = trimMiddle(Buffer.from('é'.repeat(100)), 51);
    assert.doesNotMatch(text, /\uFFFD/);
  });

  it('says what happened: exit code, files, output, dropped bytes and the reminder', () => {
    const text = describeRun(
      'make',
      run({ exitCode: 2, stdout: Buffer.from('out\n'), stderr: Buffer.from('boom\n'), droppedBytes: 77, changedFiles: ['a.c', 'b.c'] }),
    );
    assert.match(text, /"make" exited with code 2 after 1\.2 s/);
    assert.match(text, /Files changed in the sandbox copy \(2\): a\.c, b\.c/);
    assert.match(text, /stdout \(truncated: 77 bytes dropped\):\nout/);
    assert.match(text, /stderr:\nboom/);
    assert.match(text, /Nothing has reached the real workspace yet/);
    assert.match(describeRun('sleep 9', run({ exitCode: 124, outcome: 'timeout' })), /timed out and was killed \(exit code 124\)/);
    assert.match(describeRun('true', run({})), /No files changed/);
  });
});

describe('tool inputs', () => {
  it('accepts valid input and names every bad field with the fix', () => {
    const def = TOOL_DEFINITIONS.find((d) => d.name === 'edit_file')!;
    assert.ok(parseToolInput('edit_file', def.input, { path: 'a', oldText: 'x', newText: 'y' }).ok);
    const bad = parseToolInput('edit_file', def.input, { path: 3, newText: 'y', extra: true });
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.match(bad.message, /path:/);
      assert.match(bad.message, /oldText:/);
      assert.match(bad.message, /extra/);
      assert.match(bad.message, /call it again/);
    }
  });

  it('describes every tool and reminds where changes go', () => {
    for (const def of TOOL_DEFINITIONS) {
      assert.ok(def.description.length > 80, def.name);
      assert.match(def.lmName, /^[\w-]+$/);
    }
  });
});

describe('approval', () => {
  it('asks before writing a risky path, not an ordinary one', () => {
    const need = approvalNeeded('write_file', { path: '.github/workflows/ci.yml' }, DEFAULT_POLICY);
    assert.ok(need);
    assert.match(need.reason, /\.github\/workflows\//);
    assert.equal(approvalNeeded('edit_file', { path: 'src/app.ts' }, DEFAULT_POLICY), undefined);
    assert.ok(approvalNeeded('edit_file', { path: 'package.json' }, DEFAULT_POLICY));
  });

  it('asks before commands only when the sandbox has network access', () => {
    assert.equal(approvalNeeded('run_command', { command: 'ls' }, DEFAULT_POLICY), undefined);
    const open = {
      ...DEFAULT_POLICY,
      network: { ...DEFAULT_POLICY.network, mode: 'allowlist' as const, allow: ['registry.npmjs.org'], deny: [] },
    };
    assert.match(approvalNeeded('run_command', { command: 'ls' }, open)!.reason, /registry\.npmjs\.org/);
    assert.equal(approvalNeeded('read_file', { path: 'package.json' }, open), undefined);
  });
});

describe('agent launch checks', () => {
  it('says what claude lacks in a closed sandbox', () => {
    const missing = missingForAgent(['claude'], DEFAULT_POLICY, false);
    assert.deepEqual(
      missing.map((m) => m.what),
      ['program', 'network', 'credentials'],
    );
    assert.match(missing[1]!.message, /api\.anthropic\.com/);
    assert.match(missing[1]!.message, /"anthropic" preset/);
  });

  it('is satisfied when the program, the API host and a key are there', () => {
    const hostEnv = { OPENAI_API_KEY: 'sk-test' };
    const policy = {
      ...DEFAULT_POLICY,
      network: { ...DEFAULT_POLICY.network, mode: 'allowlist' as const, allow: ['*.openai.com'], deny: [] },
      envAllowlist: ['OPENAI_API_KEY'],
    };
    assert.deepEqual(missingForAgent(['/usr/local/bin/codex', '--full-auto'], policy, true, hostEnv), []);
    const denied = { ...policy, network: { ...policy.network, deny: ['api.openai.com'] } };
    assert.deepEqual(
      missingForAgent(['codex'], denied, true, hostEnv).map((m) => m.what),
      ['network'],
    );
    assert.deepEqual(
      missingForAgent(['codex'], policy, true, {}).map((m) => m.what),
      ['credentials'],
      'an allowlisted variable that is not set passes nothing',
    );
    assert.deepEqual(missingForAgent(['aider'], DEFAULT_POLICY, true, {}), [], 'unknown agents are only checked for the program');
  });

  it('counts presets as reachable and a network credential as the key, and says how to install a missing program', () => {
    const claude = KNOWN_AGENTS.claude!;
    const network = networkWithAgentAccess(DEFAULT_POLICY.network, claude);
    assert.equal(network.mode, 'allowlist');
    assert.deepEqual(network.presets, ['anthropic']);
    assert.deepEqual(network.credentials, [{ domain: 'api.anthropic.com', header: 'x-api-key', env: 'ANTHROPIC_API_KEY' }]);
    assert.deepEqual(networkWithAgentAccess(network, claude), network, 'adding it twice changes nothing');
    const policy = { ...DEFAULT_POLICY, network };
    assert.deepEqual(missingForAgent(['claude'], policy, true, { ANTHROPIC_API_KEY: 'sk-ant-x' }), []);
    const unset = missingForAgent(['claude'], policy, true, {});
    assert.deepEqual(
      unset.map((m) => m.what),
      ['credentials'],
    );
    assert.match(unset[0]!.message, /ANTHROPIC_API_KEY is not set/);
    const closed = missingForAgent(['claude'], DEFAULT_POLICY, false, {});
    assert.match(closed[0]!.message, /agent-sandbox tools install claude/);
    assert.match(closed[2]!.message, /"header":"x-api-key"/);
    assert.match(closed[2]!.message, /never enters the sandbox/);
  });

  it('puts a placeholder, never a key, in the variables of agents whose key the proxy adds', () => {
    assert.deepEqual(keyPlaceholders([{ domain: 'api.anthropic.com' }]), { ANTHROPIC_API_KEY: KEY_PLACEHOLDER });
    assert.deepEqual(keyPlaceholders([{ domain: 'registry.npmjs.org' }]), {});
  });
});

describe('review feedback for agents', () => {
  const items = [
    { path: 'src/a.ts', hunk: { index: 2, id: 'h2', text: '@@ -1 +1 @@\n-a\n+b' }, reason: 'keep a', at: '2026-01-01T00:00:00Z' },
    { path: 'dist/out.js', at: '2026-01-01T00:00:01Z' },
  ];

  it('says what was rejected, why, and what was undone', () => {
    const text = describeFeedback(items, {
      revertedFiles: ['dist/out.js'],
      revertedHunks: [{ path: 'src/a.ts', hunks: [2] }],
      failed: [{ path: 'x', reason: 'gone' }],
    });
    assert.match(text, /src\/a\.ts, hunk 2: reason: "keep a"/);
    assert.match(text, /^ {4}\+b$/m);
    assert.match(text, /dist\/out\.js \(the whole change to this file\): no reason given/);
    assert.match(text, /Undone in the sandbox copy just now: dist\/out\.js, src\/a\.ts \(hunk 2\)/);
    assert.match(text, /Could not undo x/);
    assert.match(describeFeedback([]), /nothing has been rejected/);
  });

  it('delivers each item once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-feedback-'));
    try {
      const delivery = FeedbackDelivery.forSessionDir(dir);
      assert.equal(delivery.takeNew(items).length, 2);
      assert.equal(delivery.takeNew(items).length, 0);
      const newer = { ...items[0]!, at: '2026-01-02T00:00:00Z', reason: 'still no' };
      assert.deepEqual(delivery.takeNew([newer, items[1]!]), [newer]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
