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
 * Trusts the open folder through the UI. If the startup trust dialog is showing, answers
 * "Yes, I trust the authors"; otherwise opens "Workspaces: Manage Workspace Trust" and
 * presses "Trust". Right after the workbench loads the Restricted Mode indicator may not be
 * there yet, so it first waits for it (or the dialog). Resolves once the indicator is gone.
 *
 * The harness's default settings turn the startup dialog off (it comes at an unpredictable
 * moment and is modal), so by default this takes the Workspace Trust editor route. A test
 * that wants the dialog sets `security.workspace.trust.startupPrompt: 'always'` and calls
 * {@link waitForTrustDialog} first.
 */
export async function trustWorkspace(page: Page): Promise<void> {
  const trustInDialog = page.locator('.monaco-dialog-box').getByRole('button', { name: /Yes, I trust the authors/ });
  const restricted = page.locator('.part.statusbar .statusbar-item').filter({ hasText: restrictedModeItem }).first();
  try {
    await trustInDialog.or(restricted).first().waitFor({ state: 'visible', timeout: timeouts.workbenchLoad });
  } catch {
    throw new Error(
      `trustWorkspace: neither the trust dialog nor the Restricted Mode indicator showed within ${timeouts.workbenchLoad} ms ` +
        `(is the folder already trusted?); status bar shows: ${await statusBarTexts(page)}`,
    );
  }
  if (await trustInDialog.isVisible()) {
    await trustInDialog.click();
  } else {
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trustButton = page.locator('.workspace-trust-editor').getByRole('button', { name: /^Trust( Folder)?$/ });
    try {
      await trustButton.first().click({ timeout: timeouts.ui });
    } catch {
      throw new Error(`the Workspace Trust editor showed no "Trust" button within ${timeouts.ui} ms`);
    }
  }
  await waitForStatusBarItemGone(page, restrictedModeItem, timeouts.extensionReady);
  await closeTrustEditor(page);
}

/** The trust editor stays open (as a modal editor) after trusting; close it so it hides nothing. */
async function closeTrustEditor(page: Page): Promise<void> {
  const editor = page.locator('.workspace-trust-editor');
  if (!(await editor.isVisible())) return;
  await page.keyboard.press('Escape');
  if (
    await editor.waitFor({ state: 'hidden', timeout: 3_000 }).then(
      () => true,
      () => false,
    )
  )
    return;
  await runCommand(page, 'View: Close Editor');
  try {
    await editor.waitFor({ state: 'hidden', timeout: timeouts.ui });
  } catch {
    throw new Error(`the Workspace Trust editor did not close after trusting (Escape and "View: Close Editor" tried)`);
  }
}

/**
 * Dismisses the startup trust dialog with "No, I don't trust the authors", leaving the
 * folder in Restricted Mode (needs startupPrompt 'always'; see {@link waitForTrustDialog}).
 */
export async function declineTrust(page: Page): Promise<void> {
  const decline = page.locator('.monaco-dialog-box').getByRole('button', { name: /No, I don.t trust the authors/ });
  await decline.click({ timeout: timeouts.ui });
}

/**
 * Waits for the startup trust dialog. It shows only when the session's settings set
 * `security.workspace.trust.startupPrompt` to 'always' (the harness default is 'never').
 */
export async function waitForTrustDialog(page: Page, timeoutMs = timeouts.workbenchLoad): Promise<void> {
  try {
    await page
      .locator('.monaco-dialog-box')
      .getByRole('button', { name: /trust the authors/ })
      .first()
      .waitFor({ timeout: timeoutMs });
  } catch {
    throw new Error(`the workspace trust dialog did not show within ${timeoutMs} ms; status bar shows: ${await statusBarTexts(page)}`);
  }
}
