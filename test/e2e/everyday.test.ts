// Everyday things as a person meets them, in one code-server session against the real
// engine: a keybinding (Ctrl+Alt+S M, Toggle Sandbox Mode) in Restricted Mode gives an error
// whose "Trust Folder…" button leads to trusting the folder; the getting-started walkthrough
// opens with its five steps; a setting reads with its human title in the Settings UI;
// and a sandbox terminal ends with "Sandbox stopped", not an exit-code error, when the
// sandbox is stopped.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  clearNotifications,
  clickNotificationButton,
  clickStatusBarItem,
  isRestricted,
  prepareProductVsix,
  readStatusBarItem,
  readTerminalText,
  removeSandboxesUnder,
  repoRoot,
  runCommand,
  timeouts,
  waitForNotification,
  waitForStatusBarItemGone,
  waitForTerminalText,
  withSession,
} from './harness';

const BASE_IMAGE = 'agent-sandbox-base:bookworm';
/** Starting may build the hardened image on first use. */
const START_TIMEOUT_MS = 240_000;

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-everyday-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-state-'));

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(async () => {
  await removeSandboxesUnder([stateRoot]);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

test('keybinding, fix button, walkthrough, settings title and a terminal that ends with "Sandbox stopped"', { timeout: 8 * 60_000 }, () => {
  const workspace = join(scratch, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'README.md'), '# Everyday\n');
  return withSession(
    {
      name: 'everyday',
      vsixPaths: [vsixPath],
      workspaceFolder: workspace,
      userSettings: { 'agentSandbox.healthCheckIntervalSec': 1 },
      machineSettings: { 'agentSandbox.baseImage': BASE_IMAGE },
      env: { AGENT_SANDBOX_STATE_DIR: stateRoot },
    },
    async (session) => {
      const { page } = session;
      assert.match(await readStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady), /Restricted Mode/);

      // A contributed chord, pressed in the workbench: Ctrl+Alt+S, then M (Toggle Sandbox Mode).
      await page.locator('.part.sidebar').first().click();
      await page.keyboard.press('Control+Alt+S');
      await page.keyboard.press('M');
      // In Restricted Mode the sandbox refuses, and the error carries the fix as a button.
      const refusal = await waitForNotification(page, /does not start in Restricted Mode/);
      assert.match(await refusal.innerText(), /Trust Folder…/);
      await session.screenshot('restricted-mode-error');
      await clickNotificationButton(page, /does not start in Restricted Mode/, 'Trust Folder…');
      const trustButton = page.locator('.workspace-trust-editor').getByRole('button', { name: /^Trust( Folder)?$/ });
      await trustButton.first().click({ timeout: timeouts.ui });
      await waitForStatusBarItemGone(page, 'Restricted Mode', timeouts.extensionReady);
      assert.equal(await isRestricted(page), false);
      await runCommand(page, 'View: Close All Editors'); // the Workspace Trust editor
      await clearNotifications(page);

      // The walkthrough, from the palette, its first step with its Trust Folder… button.
      await runCommand(page, 'Welcome: Open Walkthrough...');
      await page.keyboard.type('Get Started with Agent Sandbox');
      await page
        .locator('.quick-input-widget .monaco-list-row')
        .filter({ hasText: 'Get Started with Agent Sandbox' })
        .first()
        .waitFor({ timeout: timeouts.ui });
      await page.keyboard.press('Enter');
      const walkthrough = page.locator('.gettingStartedContainer');
      await walkthrough.getByText('Get Started with Agent Sandbox').first().waitFor({ timeout: timeouts.ui });
      for (const step of [
        'Trust the folder',
        'Start the sandbox',
        'Open a sandbox terminal',
        'Run an agent or make a change',
        'Review and apply',
      ]) {
        await walkthrough.getByText(step, { exact: true }).first().waitFor({ timeout: timeouts.ui });
      }
      await walkthrough.getByRole('button', { name: 'Trust Folder…' }).first().waitFor({ timeout: timeouts.ui });
      await page.mouse.move(5, 300);
      const shot = join(session.artifacts, 'walkthrough.png');
      await page.locator('.part.editor').first().screenshot({ path: shot, timeout: 10_000 });
      mkdirSync(join(repoRoot, 'media', 'screenshots'), { recursive: true });
      copyFileSync(shot, join(repoRoot, 'media', 'screenshots', 'walkthrough.png'));
      await runCommand(page, 'View: Close All Editors');

      // A setting in the Settings UI: its section title and its human title.
      await runCommand(page, 'Preferences: Open Settings (UI)');
      // The search box has the focus when the editor opens.
      await page.locator('.settings-editor .suggest-input-container').first().waitFor({ timeout: timeouts.ui });
      await page.locator('.settings-editor .suggest-input-container').first().click();
      await page.keyboard.type('agentSandbox.memoryMb');
      const row = page.locator('.settings-editor .setting-item-contents').filter({ hasText: 'Memory (MiB).' }).first();
      await row.waitFor({ timeout: timeouts.ui });
      assert.match(await row.innerText(), /Memory limit of the container, in MiB/);
      await page
        .locator('.settings-editor .settings-toc-container')
        .getByText('Agent Sandbox (extension): Limits')
        .first()
        .waitFor({ timeout: timeouts.ui });
      await session.screenshot('setting-title');
      await page.keyboard.press('Escape');
      await page.locator('.part.sidebar').first().click({ force: true }); // out of the search box, which keeps F1

      // A sandbox terminal; stopping the sandbox ends it with "Sandbox stopped" and no exit-code error.
      await clickStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
      await readStatusBarItem(page, 'Sandbox: on', START_TIMEOUT_MS);
      await clearNotifications(page);
      await page.locator('.part.sidebar').first().click();
      await page.keyboard.press('Control+Alt+S');
      await page.keyboard.press('T');
      await waitForTerminalText(page, 'sandbox:/workspace$', 30_000);
      await runCommand(page, 'Agent Sandbox: Stop Sandbox');
      await readStatusBarItem(page, 'Sandbox: off', 60_000);
      const text = await waitForTerminalText(page, 'Sandbox stopped', 30_000);
      await session.screenshot('terminal-sandbox-stopped');
      assert.doesNotMatch(text, /exit code/i, text);
      // Give VS Code time to show an exit-code notice, if it were to, then look for it.
      await new Promise((done) => setTimeout(done, 1500));
      const toasts = await page
        .locator('.notifications-toasts')
        .innerText()
        .catch(() => '');
      assert.doesNotMatch(toasts, /exit code/i, toasts);
      assert.doesNotMatch(await readTerminalText(page), /terminated with exit code/i);
      // The terminal stays with the message until a key closes it.
      await page.locator('.terminal-tab, .single-terminal-tab, .terminal-tabs-entry').first().waitFor({ timeout: timeouts.ui });
    },
  );
});
