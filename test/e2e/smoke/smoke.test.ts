// Proves the e2e harness end to end with a throwaway extension: a real code-server in a real
// chromium, the folder trusted through the UI, a command run from the palette, a
// notification, a webview round trip, the status bar, and a terminal that writes to disk.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  clickStatusBarItem,
  isRestricted,
  openTerminal,
  readStatusBarItem,
  runCommand,
  statusBarItemById,
  trustWorkspace,
  typeInTerminal,
  waitForNotification,
  waitForTerminalText,
  waitForTrustDialog,
  webviewFrame,
  withSession,
  timeouts,
} from '../harness';
import { buildSmokeExtensionVsix } from './fixtureExtension';

const statusItemId = 'e2e.e2e-smoke.smoke.status';
let vsixPath = '';
let buildFolder = '';

before(async () => {
  ({ vsixPath, buildFolder } = await buildSmokeExtensionVsix());
});

after(() => {
  if (buildFolder) rmSync(buildFolder, { recursive: true, force: true });
});

test('the harness drives a real VS Code: trust, palette, notification, webview, status bar, terminal', { timeout: 5 * 60_000 }, () =>
  withSession(
    { name: 'smoke', vsixPaths: [vsixPath], userSettings: { 'security.workspace.trust.startupPrompt': 'always' } },
    async (session) => {
      const { page } = session;
      writeFileSync(join(session.workspaceFolder, 'README.txt'), 'smoke workspace\n');

      // A fresh folder opens untrusted, and an extension that needs trust stays off.
      await waitForTrustDialog(page);
      await session.screenshot('trust-dialog');
      assert.equal(await isRestricted(page), true, 'a fresh folder should open in Restricted Mode');
      assert.equal(await statusBarItemById(page, statusItemId).count(), 0, 'the extension must not run before trust');

      await trustWorkspace(page);
      assert.equal(await isRestricted(page), false);
      const ready = await readStatusBarItem(page, 'Smoke: ready', timeouts.extensionReady);
      assert.match(ready, /Smoke: ready/);
      assert.equal(await statusBarItemById(page, statusItemId).count(), 1, `the status bar item should carry the id ${statusItemId}`);
      await session.screenshot('trusted-extension-active');

      await runCommand(page, 'Smoke: Say Hello');
      await waitForNotification(page, 'Hello from the smoke extension');
      assert.match(await readStatusBarItem(page, 'Smoke: greeted'), /Smoke: greeted/);
      await session.screenshot('said-hello');

      // The status bar item's command opens the webview panel.
      await clickStatusBarItem(page, 'Smoke: greeted');
      const panel = await webviewFrame(page, 'Smoke Panel');
      await panel.getByRole('button', { name: 'Send ping' }).click();
      await panel.getByText('pong 1').waitFor({ timeout: timeouts.ui });
      assert.match(await readStatusBarItem(page, 'Smoke: pinged 1'), /Smoke: pinged 1/);
      await session.screenshot('webview-round-trip');

      await openTerminal(page);
      await typeInTerminal(page, 'echo e2e-ok > marker.txt && echo written-$((40+2))');
      // The arithmetic proves the shell ran the line, not just echoed what was typed.
      await waitForTerminalText(page, 'written-42');
      const marker = join(session.workspaceFolder, 'marker.txt');
      assert.ok(existsSync(marker), `the terminal should have written ${marker}`);
      assert.equal(readFileSync(marker, 'utf8'), 'e2e-ok\n');
      await session.screenshot('terminal');

      // An extension's terminal profile (a Pseudoterminal, like the product's sandbox terminal).
      await openTerminal(page, 'Smoke Echo');
      await waitForTerminalText(page, 'smoke echo ready');
      await typeInTerminal(page, 'hello pty');
      await waitForTerminalText(page, 'echo: hello pty');
      await session.screenshot('profile-terminal');
    },
  ),
);

test('a folder left in Restricted Mode can be trusted later through the Workspace Trust editor', { timeout: 5 * 60_000 }, () =>
  withSession({ name: 'smoke-trust-later', vsixPaths: [vsixPath] }, async (session) => {
    const { page } = session;
    // The harness default: no startup dialog, the folder simply opens in Restricted Mode.
    await page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor({ timeout: timeouts.ui });
    assert.equal(await isRestricted(page), true);
    // The extension is disabled, so its command is not in the palette and the harness says so.
    await assert.rejects(runCommand(page, 'Smoke: Say Hello', { timeoutMs: 3_000 }), /no command titled "Smoke: Say Hello"/);
    await session.screenshot('restricted');

    await trustWorkspace(page);
    assert.equal(await page.locator('.workspace-trust-editor').isVisible(), false, 'the trust editor should be closed after trusting');
    assert.match(await readStatusBarItem(page, 'Smoke: ready', timeouts.extensionReady), /Smoke: ready/);
    await runCommand(page, 'Smoke: Say Hello');
    await waitForNotification(page, 'Hello from the smoke extension');
    await session.screenshot('trusted-via-editor');
  }),
);
