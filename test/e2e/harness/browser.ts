// Launches the system chromium through playwright-core. Playwright never downloads a browser
// here: .ci/ensure-browser installs Debian's chromium and we point executablePath at it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Flags that keep chromium quiet and offline in CI containers (no sandbox as root, no GPU). */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * Starts chromium (headless unless E2E_HEADED=1) with a fresh profile and one page.
 * E2E_CHROMIUM overrides the executable (default /usr/bin/chromium).
 */
/** The chromium executable: E2E_CHROMIUM, or Debian's. */
export const chromiumPath: string = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<BrowserSession> {
  const executablePath = chromiumPath;
  if (!existsSync(executablePath)) {
    throw new Error(`launchBrowser: ${executablePath} is missing; run .ci/ensure-browser (installs Debian's chromium)`);
  }
  const browser = await chromium.launch({
    executablePath,
    headless: process.env.E2E_HEADED !== '1',
    args: [...chromiumArgs],
  });
  try {
    // A launch without a persistent profile already gets a fresh temporary user-data-dir.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    return {
      browser,
      context,
      page,
      close: async () => {
        await browser.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await browser.close().catch(() => undefined);
    throw error;
  }
}
