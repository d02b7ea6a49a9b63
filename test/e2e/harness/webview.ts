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
  const tab = page
    .locator('.tabs-container .tab')
    .filter({ has: page.locator('.label-name', { hasText: exactly(title) }) })
    .first();
  try {
    await tab.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const tabs = await page.locator('.tabs-container .tab .label-name').allInnerTexts();
    throw new Error(
      `no editor tab titled "${title}" within ${timeoutMs} ms; tabs: ${tabs.map((s) => JSON.stringify(s)).join(', ') || '(none)'}`,
    );
  }
  if (!(await tab.evaluate((element) => element.classList.contains('active')))) await tab.click();

  // Webview iframes live in an overlay positioned over the editor area, not inside the tab's
  // group; the panel's own iframe is the visible one that lies within the group's bounds.
  const group = tab.locator('xpath=ancestor::div[contains(concat(" ", normalize-space(@class), " "), " editor-group-container ")][1]');
  const hosts = page.locator('iframe.webview.ready');
  const deadline = Date.now() + timeoutMs;
  let index = -1;
  while (index < 0) {
    const bounds = await group.boundingBox();
    const rects = await hosts.evaluateAll((frames) =>
      frames.map((frame) => {
        const rect = frame.getBoundingClientRect();
        const visible = rect.width > 0 && rect.height > 0 && frame.checkVisibility({ visibilityProperty: true });
        return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2, visible };
      }),
    );
    index = rects.findIndex(
      (r) =>
        r.visible && (!bounds || (r.x >= bounds.x && r.x <= bounds.x + bounds.width && r.y >= bounds.y && r.y <= bounds.y + bounds.height)),
    );
    if (index >= 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `the webview of "${title}" did not load within ${timeoutMs} ms (no visible iframe.webview.ready over its editor group)`,
      );
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  const content = hosts.nth(index).contentFrame().locator('#active-frame').contentFrame();
  await content.locator('body').waitFor({ state: 'attached', timeout: timeoutMs });
  return content;
}
