// Running commands the way a person does: F1, type the title, pick the row, Enter.
import type { Page } from 'playwright-core';
import { timeouts } from './timeouts';
import { exactly } from './workbench';

const quickInput = '.quick-input-widget';

/**
 * Runs the command titled `title` (as shown in the palette, e.g. "Smoke: Say Hello") from
 * the command palette. Fails if no row with exactly that title shows up within `timeoutMs`
 * (lower it when the test expects the command to be absent).
 */
export async function runCommand(page: Page, title: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? timeouts.ui;
  const input = await openCommandPalette(page);
  await input.fill(`>${title}`);
  const row = page
    .locator(`${quickInput} .monaco-list-row`)
    .filter({ has: page.locator('.label-name', { hasText: exactly(title) }) })
    .first();
  try {
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await page.locator(`${quickInput} .monaco-list-row .label-name`).allTextContents();
    await closeQuickInput(page);
    throw new Error(
      `command palette has no command titled "${title}" (is the extension installed, activated and the workspace trusted?); ` +
        `rows shown: ${shown.length ? shown.map((s) => JSON.stringify(s)).join(', ') : '(none)'}`,
    );
  }
  await row.click();
  await page.locator(quickInput).waitFor({ state: 'hidden', timeout: timeouts.ui });
}

/** Opens the command palette with F1 and returns its text input. */
export async function openCommandPalette(page: Page) {
  const widget = page.locator(quickInput);
  const input = widget.locator('.quick-input-box input');
  // A quick input from an earlier step may still be open or fading out (visible but inert):
  // close it first, or F1 and typing would land in a widget that is going away.
  if (await widget.isVisible()) await closeQuickInput(page);
  // Right after load the workbench may not take keys yet: focus it and retry F1.
  const deadline = Date.now() + timeouts.ui;
  for (;;) {
    await page.locator('.monaco-workbench').focus().catch(() => undefined);
    await page.keyboard.press('F1');
    if (await input.waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false)) return input;
    if (Date.now() > deadline) throw new Error(`command palette did not open on F1 within ${timeouts.ui} ms`);
  }
}

/** Presses Escape until no quick input (palette, quick pick) is showing. */
export async function closeQuickInput(page: Page): Promise<void> {
  const widget = page.locator(quickInput);
  for (let attempt = 0; attempt < 3 && (await widget.isVisible()); attempt++) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
  }
  if (await widget.isVisible()) throw new Error('the quick input did not close on Escape');
}

/**
 * Picks the row labelled `label` in an open quick pick (e.g. after a command that asks the
 * user to choose), typing it first to filter the list.
 */
export async function pickQuickPickItem(page: Page, label: string | RegExp): Promise<void> {
  const input = page.locator(`${quickInput} .quick-input-box input`);
  await input.waitFor({ state: 'visible', timeout: timeouts.ui });
  if (typeof label === 'string') await input.fill(label);
  const row = page
    .locator(`${quickInput} .monaco-list-row`)
    .filter({ has: page.locator('.label-name', { hasText: exactly(label) }) })
    .first();
  try {
    await row.waitFor({ state: 'visible', timeout: timeouts.ui });
  } catch {
    const shown = await page.locator(`${quickInput} .monaco-list-row .label-name`).allTextContents();
    await closeQuickInput(page);
    throw new Error(`quick pick has no item labelled ${String(label)}; items shown: ${shown.map((s) => JSON.stringify(s)).join(', ') || '(none)'}`);
  }
  await row.click();
}
