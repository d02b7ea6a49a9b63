/**
 * One test file's review panel set-up: the page server and Chromium start before the file's
 * tests and stop after them; `openPanel` opens the panel in a new page and waits until it is ready.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { launchBrowser, type Browser, type WatchedPage } from './browser';
import { startHarness, type Harness, type PanelOptions } from './harness';

/** Where the webview tests' screenshots go. */
export const WEBVIEW_ARTIFACTS = path.resolve(__dirname, '..', '..', '.test-artifacts', 'webview');

export function usePanelSuite(): (options?: PanelOptions) => Promise<WatchedPage> {
  let harness: Harness;
  let browser: Browser;

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    await mkdir(WEBVIEW_ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  return async (options: PanelOptions = {}) => {
    const watched = await browser.newPage();
    watched.page.setDefaultTimeout(10_000);
    await watched.page.goto(harness.url(options));
    await watched.page.waitForSelector('body[data-ready="true"]');
    return watched;
  };
}
