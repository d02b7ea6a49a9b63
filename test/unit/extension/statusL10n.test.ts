import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Translate } from '../../../src/core/auditFormat';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import {
  describePreparing,
  reasonForCode,
  statusBarText,
  statusBarTooltip,
  type SandboxMode,
  type SandboxStatus,
} from '../../../src/extension/sandbox/status';

/** A "translation" that turns every message into «…» with its letters upper-cased, arguments filled in. */
const shout: Translate = (message, ...args) =>
  `«${message.toUpperCase().replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole))}»`;

/** Lowercase words left over once the translated parts, icons and filled-in values are removed: untranslated English. */
function leftover(text: string): string[] {
  return text
    .replace(/«[^»]*»/g, '')
    .replace(/\$\([^)]*\)/g, '')
    .split(/\s+/)
    .filter((word) => /[a-z]{2,}/.test(word));
}

const MODES: readonly SandboxMode[] = ['off', 'starting', 'on', 'degraded', 'error'];

test('every word of the status bar text and tooltip goes through the translate function', () => {
  for (const mode of MODES) {
    for (const extra of [{}, { pending: 1 }, { pending: 3 }, { pending: 0, unapplied: 2 }, { restricted: true }] as const) {
      const status: SandboxStatus = { mode, ...extra };
      assert.deepEqual(leftover(statusBarText(status, shout)), [], `text of ${JSON.stringify(status)}`);
      assert.deepEqual(leftover(statusBarTooltip(status, DEFAULT_POLICY, shout)), [], `tooltip of ${JSON.stringify(status)}`);
    }
  }
  assert.match(statusBarText({ mode: 'on', pending: 4 }, shout), /«SANDBOX: ON» \$\(diff\) «4 PENDING»/);
});

test('error reasons and the background copy are translated too', () => {
  assert.equal(reasonForCode('ENGINE_UNREACHABLE', shout), '«ENGINE UNREACHABLE»');
  assert.equal(reasonForCode(undefined, shout), '«FAILED»');
  for (const activity of [{ kind: 'preparing', entries: 1200 }, { kind: 'preparing', entries: 0 }, { kind: 'cancelled' }] as const) {
    const line = describePreparing(activity, shout);
    assert.deepEqual([...leftover(line.text), ...leftover(line.tooltip)], [], activity.kind);
  }
});

test('without a translate function the English is unchanged', () => {
  assert.equal(statusBarText({ mode: 'on', pending: 2 }), '$(shield) Sandbox: on $(diff) 2 pending');
  assert.match(statusBarTooltip({ mode: 'on', pending: 1 }, undefined), /^Agent Sandbox is on\. .*\n1 pending change to review\.$/);
});
