// Opening the workbench and waiting for it to be usable.
import type { Page } from 'playwright-core';
import { timeouts } from './timeouts';

/** Navigates to `url` and waits until the workbench shell and its status bar are rendered. */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeouts.workbenchLoad });
  try {
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeouts.workbenchLoad });
    // The explorer shows the folder once the workspace has been resolved.
    await page.locator('.monaco-workbench .part.sidebar, .monaco-workbench .part.editor').first().waitFor({ timeout: timeouts.ui });
  } catch (error) {
    throw new Error(`the VS Code workbench did not render at ${url} within ${timeouts.workbenchLoad} ms: ${(error as Error).message}`);
  }
}

/** Escapes text for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A RegExp that matches `text` exactly (whole string), or the RegExp itself. */
export function exactly(text: string | RegExp): RegExp {
  return typeof text === 'string' ? new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) : text;
}
