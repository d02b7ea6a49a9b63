// Webviews are two nested iframes: the workbench's `iframe.webview` (its host page) and,
// inside it, `#active-frame` with the extension's HTML. This finds the one that belongs to
// a panel with a given title and returns a FrameLocator for the extension's content.
import type { FrameLocator, Page } from 'playwright-core';
import { timeouts } from './timeouts';
import { exactly } from './workbench';

/**
 * The content frame of the visible webview panel titled `title` (its editor tab label).
 * Waits until that tab is active and its content frame has loaded a body.
 */
export async function webviewFrame(page: Page, title: string, timeoutMs = timeouts.ui): Promise<FrameLocator> {
  const tab = page.locator('.tabs-container .tab').filter({ has: page.locator('.label-name', { hasText: exactly(title) }) }).first();
  try {
    await tab.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const tabs = await page.locator('.tabs-container .tab .label-name').allInnerTexts();
    throw new Error(`no editor tab titled "${title}" within ${timeoutMs} ms; tabs: ${tabs.map((s) => JSON.stringify(s)).join(', ') || '(none)'}`);
  }
  if (!(await tab.evaluate((element) => element.classList.contains('active')))) await tab.click();

  // Webview iframes live in an overlay outside the editor; the visible one is the active panel's.
  const host = page.locator('iframe.webview.ready:visible').first();
  try {
    await host.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`the webview of "${title}" did not load within ${timeoutMs} ms (no visible iframe.webview.ready)`);
  }
  const content = host.contentFrame().locator('#active-frame').contentFrame();
  await content.locator('body').waitFor({ state: 'attached', timeout: timeoutMs });
  return content;
}
