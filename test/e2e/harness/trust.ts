// Workspace trust, granted through the UI the way a person grants it. code-server opens a
// fresh folder in Restricted Mode: extensions that do not support untrusted workspaces stay
// disabled until the folder is trusted.
import type { Page } from 'playwright-core';
import { runCommand } from './commands';
import { statusBarTexts, waitForStatusBarItemGone } from './statusBar';
import { timeouts } from './timeouts';

const restrictedModeItem = 'Restricted Mode';

/** True while the status bar shows the Restricted Mode indicator. */
export async function isRestricted(page: Page): Promise<boolean> {
  return page.locator('.part.statusbar .statusbar-item').filter({ hasText: restrictedModeItem }).first().isVisible();
}

/**
 * Trusts the open folder through the UI: answers the startup trust dialog ("Yes, I trust
 * the authors") if it is showing; otherwise opens "Workspaces: Manage Workspace Trust" and
 * presses "Trust". Resolves once the Restricted Mode indicator is gone.
 */
export async function trustWorkspace(page: Page): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  const trustInDialog = dialog.getByRole('button', { name: /Yes, I trust the authors/ });
  if (await trustInDialog.isVisible().catch(() => false)) {
    await trustInDialog.click();
  } else if (await isRestricted(page)) {
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trustButton = page.locator('.workspace-trust-editor').getByRole('button', { name: /^Trust( Folder)?$/ });
    try {
      await trustButton.first().click({ timeout: timeouts.ui });
    } catch {
      throw new Error(`the Workspace Trust editor showed no "Trust" button within ${timeouts.ui} ms`);
    }
  } else {
    throw new Error(`trustWorkspace: found neither the trust dialog nor the Restricted Mode indicator; status bar shows: ${await statusBarTexts(page)}`);
  }
  await waitForStatusBarItemGone(page, restrictedModeItem, timeouts.extensionReady);
  await closeTrustEditor(page);
}

/** The trust editor stays open (as a modal editor) after trusting; close it so it hides nothing. */
async function closeTrustEditor(page: Page): Promise<void> {
  const editor = page.locator('.workspace-trust-editor');
  if (!(await editor.isVisible())) return;
  await page.keyboard.press('Escape');
  if (await editor.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false)) return;
  await runCommand(page, 'View: Close Editor');
  try {
    await editor.waitFor({ state: 'hidden', timeout: timeouts.ui });
  } catch {
    throw new Error(`the Workspace Trust editor did not close after trusting (Escape and "View: Close Editor" tried)`);
  }
}

/**
 * Waits for the startup trust dialog and dismisses it with "No, I don't trust the authors",
 * leaving the folder in Restricted Mode (for tests of the untrusted behaviour).
 */
export async function declineTrust(page: Page): Promise<void> {
  const decline = page.locator('.monaco-dialog-box').getByRole('button', { name: /No, I don.t trust the authors/ });
  await decline.click({ timeout: timeouts.ui });
}

/** Waits for the startup trust dialog to show (code-server asks when a folder opens). */
export async function waitForTrustDialog(page: Page, timeoutMs = timeouts.workbenchLoad): Promise<void> {
  try {
    await page.locator('.monaco-dialog-box').getByRole('button', { name: /trust the authors/ }).first().waitFor({ timeout: timeoutMs });
  } catch {
    throw new Error(`the workspace trust dialog did not show within ${timeoutMs} ms; status bar shows: ${await statusBarTexts(page)}`);
  }
}
