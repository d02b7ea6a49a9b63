// Integrated terminals: open one (default shell or a named profile), type into it, read
// what it shows. Reading relies on the DOM renderer (terminal.integrated.gpuAcceleration
// "off", seeded by startCodeServer), which keeps the visible rows as text in the page.
import type { Locator, Page } from 'playwright-core';
import { pickQuickPickItem, runCommand } from './commands';
import { timeouts } from './timeouts';

const activeTerminal = '.terminal-wrapper.active';

/**
 * Opens a new terminal. Without `profile` it uses the default shell ("Terminal: Create New
 * Terminal"); with `profile` it picks that entry in "Terminal: Create New Terminal (With
 * Profile)", e.g. an extension's contributed terminal profile. Resolves when the new
 * terminal is active and shows some output (a prompt), so typing does not race the shell's
 * start; pass `waitForOutput: false` for terminals that print nothing until spoken to.
 */
export async function openTerminal(page: Page, profile?: string, options: { waitForOutput?: boolean } = {}): Promise<Locator> {
  const before = await page.locator('.terminal-wrapper').count();
  if (profile === undefined) {
    await runCommand(page, 'Terminal: Create New Terminal');
  } else {
    // code-server 4.139 lists this command without its "Terminal:" category.
    await runCommand(page, /^(Terminal: )?Create New Terminal \(With Profile\)$/);
    await pickQuickPickItem(page, profile);
  }
  const created = page.locator('.terminal-wrapper').nth(before);
  try {
    await created.waitFor({ state: 'attached', timeout: timeouts.ui });
  } catch {
    throw new Error(`no new terminal${profile ? ` of profile "${profile}"` : ''} appeared within ${timeouts.ui} ms`);
  }
  // A terminal from an extension's profile is created in the background (its tab appears but
  // the previous terminal stays in view): show it by clicking its tab, as a person would.
  const isActive = () => created.evaluate((element) => element.classList.contains('active'));
  if (!(await isActive())) {
    const tab = page.locator('.terminal-tabs-entry').nth(before);
    try {
      await tab.click({ timeout: timeouts.ui });
      await expectSoon(isActive, timeouts.ui);
    } catch {
      throw new Error(`the new terminal${profile ? ` of profile "${profile}"` : ''} did not come into view after clicking its tab`);
    }
  }
  const terminal = page.locator(activeTerminal).first();
  await terminal.locator('.xterm-rows').waitFor({ state: 'visible', timeout: timeouts.ui });
  if (options.waitForOutput !== false) await waitForTerminalText(page, /\S/);
  return terminal;
}

/** Focuses the active terminal and types `text`, then Enter unless `pressEnter` is false. */
export async function typeInTerminal(page: Page, text: string, options: { pressEnter?: boolean } = {}): Promise<void> {
  const terminal = page.locator(activeTerminal).first();
  await terminal.locator('.xterm').click();
  await terminal.locator('textarea.xterm-helper-textarea').waitFor({ state: 'attached', timeout: timeouts.ui });
  await page.keyboard.type(text, { delay: 5 });
  if (options.pressEnter !== false) await page.keyboard.press('Enter');
}

/**
 * The text of the rows the active terminal currently shows, one line per row, trailing
 * blanks trimmed. Only the viewport: scrolled-off lines are not included.
 */
export async function readTerminalText(page: Page): Promise<string> {
  const rows = page.locator(`${activeTerminal} .xterm-rows > div`);
  const lines = await rows.evaluateAll((elements) => elements.map((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
  return lines.join('\n').trimEnd();
}

/** Waits until the active terminal shows text matching `expected`; returns the whole text. */
export async function waitForTerminalText(page: Page, expected: string | RegExp, timeoutMs = timeouts.ui): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await readTerminalText(page);
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`the terminal did not show ${String(expected)} within ${timeoutMs} ms; it shows:\n${text || '(nothing)'}`);
}

async function expectSoon(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 100));
  }
}
