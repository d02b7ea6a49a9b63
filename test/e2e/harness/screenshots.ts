// Screenshots land in .test-artifacts/e2e/<test>/NN-<name>.png, numbered in the order they
// were taken so a folder listing reads like the story of the test.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { safeFileName } from './paths';

const counters = new Map<string, number>();

/** Saves a screenshot of the whole page into `dir` and returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const count = (counters.get(dir) ?? 0) + 1;
  counters.set(dir, count);
  const file = join(dir, `${String(count).padStart(2, '0')}-${safeFileName(name)}.png`);
  await page.screenshot({ path: file, timeout: 10_000 });
  return file;
}
