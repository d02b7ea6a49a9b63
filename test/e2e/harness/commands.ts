// Running commands the way a person does: F1, type the title, pick the row, Enter.
import type { Page } from 'playwright-core';
import { timeouts } from './timeouts';
import { exactly } from './workbench';

const quickInput = '.quick-input-widget';

/**
 * Runs the command titled `title` (as shown in the palette, e.g. "Smoke: Say Hello") from
 * the command palette. A RegExp matches the row's label instead (for titles that differ
 * between VS Code versions); the palette is then filtered by its longest literal part.
 * Fails if no row matches within `timeoutMs` (lower it when the command should be absent).
 */
export async function runCommand(page: Page, title: string | RegExp, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? timeouts.ui;
  const input = await openCommandPalette(page);
  await input.fill(`>${typeof title === 'string' ? title : searchTextOf(title)}`);
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
      `command palette has no command titled ${typeof title === 'string' ? `"${title}"` : String(title)} (is the extension installed, activated and the workspace trusted?); ` +
        `rows shown: ${shown.length ? shown.map((s) => JSON.stringify(s)).join(', ') : '(none)'}`,
    );
  }
  const typed = await input.inputValue();
  await row.click();
  // The palette either closes, or the command opens its own quick pick (which replaces the
  // palette's text): either way the palette with our text is gone.
  const deadline = Date.now() + timeouts.ui;
  while ((await page.locator(quickInput).isVisible()) && (await input.inputValue().catch(() => '')) === typed) {
    if (Date.now() > deadline) throw new Error(`the command palette stayed open after choosing ${String(title)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
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
    await page
      .locator('.monaco-workbench')
      .focus()
      .catch(() => undefined);
    await page.keyboard.press('F1');
    if (
      await input.waitFor({ state: 'visible', timeout: 2_000 }).then(
        () => true,
        () => false,
      )
    )
      return input;
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
    throw new Error(
      `quick pick has no item labelled ${String(label)}; items shown: ${shown.map((s) => JSON.stringify(s)).join(', ') || '(none)'}`,
    );
  }
  await row.click();
}

/** The longest run of literal characters in a simple RegExp, to type into the palette. */
function searchTextOf(pattern: RegExp): string {
  const literals = pattern.source.split(/(?<!\\)[\^$|?*+.()[\]{}]/).map((part) => part.replace(/\\(.)/g, '$1'));
  return literals.reduce((longest, part) => (part.length > longest.length ? part : longest), '').trim();
}
