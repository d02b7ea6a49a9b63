// The status bar, found by what a person sees (text) or what a screen reader hears
// (aria-label), or by the entry id an extension gave createStatusBarItem.
import type { Locator, Page } from 'playwright-core';
import { timeouts } from './timeouts';

const items = '.monaco-workbench .part.statusbar .statusbar-item';

/**
 * The status bar item whose visible text or aria-label matches `match` (a substring, or a
 * RegExp). Codicons such as `$(beaker)` render as icons and are not part of the text.
 */
export function statusBarItem(page: Page, match: string | RegExp): Locator {
  const byText = page.locator(items).filter({ hasText: match });
  const byLabel = page.locator(items).filter({
    has: page.locator(typeof match === 'string' ? `[aria-label*="${cssString(match)}"]` : '[aria-label]'),
  });
  if (typeof match === 'string') return byText.or(byLabel).first();
  return byText.first();
}

/**
 * The status bar item of an extension's `createStatusBarItem(id, ...)`: VS Code gives the
 * element the id `<publisher>.<name>.<id>`.
 */
export function statusBarItemById(page: Page, entryId: string): Locator {
  return page.locator(`${items}[id="${cssString(entryId)}"]`);
}

/** Waits for a status bar item matching `match` and returns its visible text (trimmed). */
export async function readStatusBarItem(page: Page, match: string | RegExp, timeoutMs = timeouts.ui): Promise<string> {
  const item = statusBarItem(page, match);
  try {
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no status bar item matching ${String(match)} within ${timeoutMs} ms; status bar shows: ${await statusBarTexts(page)}`);
  }
  return (await item.innerText()).trim();
}

/** Waits for a status bar item matching `match` and clicks it. */
export async function clickStatusBarItem(page: Page, match: string | RegExp, timeoutMs = timeouts.ui): Promise<void> {
  await readStatusBarItem(page, match, timeoutMs);
  await statusBarItem(page, match).locator('a, .statusbar-item-label').first().click();
}

/** Waits until no status bar item matches `match` (e.g. "Restricted Mode" after trusting). */
export async function waitForStatusBarItemGone(page: Page, match: string | RegExp, timeoutMs = timeouts.ui): Promise<void> {
  try {
    await page.locator(items).filter({ hasText: match }).first().waitFor({ state: 'hidden', timeout: timeoutMs });
  } catch {
    throw new Error(
      `status bar item matching ${String(match)} still shown after ${timeoutMs} ms; status bar shows: ${await statusBarTexts(page)}`,
    );
  }
}

/** Every status bar item's text and aria-label, for error messages. */
export async function statusBarTexts(page: Page): Promise<string> {
  const described = await page.locator(items).evaluateAll((elements) =>
    elements.map((element) => {
      const text = (element.textContent ?? '').trim();
      const label = element.querySelector('[aria-label]')?.getAttribute('aria-label') ?? '';
      return text && label && label !== text ? `${text} (${label})` : text || label;
    }),
  );
  return (
    described
      .filter(Boolean)
      .map((s) => JSON.stringify(s))
      .join(', ') || '(empty)'
  );
}

function cssString(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
