/**
 * The review panel's keyboard help, focus cycle, conflict choices and the contrast of its
 * text, in a real browser against the fake host (see review.test.ts for the setup).
 *
 * Run: npx tsx --test test/webview/panelKeys.test.ts   (needs .ci/ensure-browser)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RequestMessage } from '../../src/protocol/review';
import type { WatchedPage } from './browser';
import { usePanelSuite, WEBVIEW_ARTIFACTS } from './panelSuite';

const ARTIFACTS = WEBVIEW_ARTIFACTS;
const openPanel = usePanelSuite();

interface ProbeView {
  __reviewProbe: { host: { received: RequestMessage[] } };
}

async function waitForRequest(page: Page, method: string): Promise<RequestMessage> {
  await page.waitForFunction(
    (wanted) => (globalThis as unknown as ProbeView).__reviewProbe.host.received.some((m) => m.method === wanted),
    method,
  );
  const all = (await page.evaluate('window.__reviewProbe.host.received')) as RequestMessage[];
  return all.filter((m) => m.method === method).at(-1) as RequestMessage;
}

async function assertClean({ page, errors }: WatchedPage): Promise<void> {
  assert.deepEqual(await page.evaluate('window.__reviewProbe.violations'), [], 'CSP violations');
  assert.deepEqual(errors, [], 'console errors');
  await page.close();
}

/** The page globals the functions below read (this file compiles without the DOM library). */
interface DomElement {
  tagName: string;
  textContent: string | null;
  contains(other: DomElement): boolean;
}
interface DomView {
  document: {
    activeElement: DomElement | null;
    body: DomElement;
    getElementById(id: string): DomElement | null;
    querySelectorAll(selector: string): ArrayLike<DomElement>;
    querySelector(selector: string): DomElement | null;
  };
}

/** A description of the focused element that tells tab stops apart. */
function focusedKey(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as DomView;
    const active = document.activeElement;
    if (active === null || active === document.body) return 'body';
    const root = document.getElementById('review-root');
    const inside = root?.contains(active) === true;
    const all = Array.from(document.querySelectorAll('*'));
    return `${inside ? 'in' : 'OUT'}:${active.tagName.toLowerCase()}#${all.indexOf(active)}:${(active.textContent ?? '').trim().slice(0, 30)}`;
  });
}

describe('review panel keys, dialogs and contrast in Chromium', () => {
  it('shows the keys: a line always, and the full list with ? (Escape closes it and focus returns)', async () => {
    const watched = await openPanel({ files: 30 });
    const { page } = watched;
    const line = page.locator('.keys-help-summary');
    assert.equal(await line.isVisible(), true);
    assert.match((await line.textContent()) ?? '', /j\/k .*a approve, r reject.*\? all keys/);
    assert.equal(await page.locator('.keys-help-list').isVisible(), false);

    await page.locator('.list-row[tabindex="0"]').focus();
    const before = await focusedKey(page);
    await page.keyboard.press('?');
    const list = page.locator('.keys-help-list');
    await list.waitFor({ state: 'visible' });
    const text = (await list.textContent()) ?? '';
    for (const expected of ['approve the file', 'next / previous hunk', 'back to the file list', 'wraps around the panel'])
      assert.ok(text.includes(expected), `the key list names "${expected}"`);
    assert.ok((await list.locator('kbd').allTextContents()).includes('j / ↓'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-keys-help.png') });
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
    assert.equal(await focusedKey(page), before, 'focus goes back where it was');

    // The button opens it too, and says whether it is open.
    const toggle = page.locator('.keys-help-line .ui-button');
    await toggle.click();
    await list.waitFor({ state: 'visible' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await assertClean(watched);
  });

  it('Tab cycles through the panel: from the last control to the first, Shift+Tab back', async () => {
    const watched = await openPanel({ files: 30 });
    const { page } = watched;
    await page.locator('.list-row[tabindex="0"]').focus();
    const start = await focusedKey(page);
    const seen = [start];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const key = await focusedKey(page);
      assert.ok(key.startsWith('in:'), `Tab left the panel after ${seen.join(' → ')} (at ${key})`);
      if (key === start) break;
      seen.push(key);
    }
    assert.equal(await focusedKey(page), start, `Tab came back around within 60 presses: ${seen.join(' → ')}`);
    assert.ok(seen.length >= 4, `several stops (${seen.length})`);
    // Find the first stop by going backwards from the start until the wrap, then check both directions.
    const order = seen;
    const firstIndex = order.findIndex((k) => k.includes('ui-button') || k.includes('vscode-button'));
    assert.ok(firstIndex >= 0, 'the toolbar buttons are tab stops');
    // Shift+Tab reverses the cycle exactly.
    const backwards = [start];
    for (let i = 0; i < order.length; i++) {
      await page.keyboard.press('Shift+Tab');
      backwards.push(await focusedKey(page));
    }
    assert.deepEqual(backwards, [start, ...order.slice(1).reverse(), start]);
    await assertClean(watched);
  });

  it('offers a conflict in the person words; merge and take-sandbox go to the host, discard asks the host at once', async () => {
    const watched = await openPanel({ files: 30 });
    const { page } = watched;
    await page.locator('.group-row[aria-label^="Conflicts"]').waitFor();
    const conflictRow = page.locator('.file-row', { has: page.locator('.tag-conflict') }).first();
    const conflictPath = await conflictRow.getAttribute('data-path');
    await conflictRow.click();
    const panel = page.locator('.conflict-panel');
    await panel.waitFor({ state: 'visible' });
    assert.deepEqual(await panel.locator('.ui-button').allTextContents(), ['Keep my version', "Take the sandbox's", 'Merge in the editor']);
    assert.match(
      (await panel.locator('.conflict-detail').textContent()) ?? '',
      /You changed this file since the sandbox started, and so did the sandbox/,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-conflict-choices.png') });

    await panel.locator('.ui-button', { hasText: 'Merge in the editor' }).click();
    assert.deepEqual((await waitForRequest(page, 'mergeInEditor')).params, { path: conflictPath });
    await page.waitForFunction(() =>
      /merge editor is open/.test((globalThis as unknown as DomView).document.querySelector('.status')?.textContent ?? ''),
    );

    // Discard: one click asks the host, which asks the person in VS Code's own dialog.
    await page.locator('.toolbar .ui-button', { hasText: 'Discard' }).click();
    await waitForRequest(page, 'discard');
    await assertClean(watched);
  });
});

/** What the contrast check found for one piece of text. */
interface ContrastSample {
  readonly text: string;
  readonly where: string;
  readonly color: string;
  readonly background: string;
  readonly ratio: number;
}

/**
 * Every piece of text shown in the page (outside the toolkit's own components, which theme
 * themselves) with its rendered colour against the background it is drawn on, as WCAG's
 * contrast ratio. Backgrounds with alpha are composited over what lies under them.
 */
async function measureContrast(page: Page): Promise<ContrastSample[]> {
  // The test runner's compiler names inner functions with a `__name` helper the page lacks.
  await page.evaluate('window.__name = (f) => f');
  return page.evaluate(() => {
    interface Styled {
      tagName: string;
      className: unknown;
      parentElement: Styled | null;
      childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
      closest(selector: string): Styled | null;
      getClientRects(): ArrayLike<unknown>;
    }
    interface Win {
      document: { querySelectorAll(selector: string): ArrayLike<Styled>; documentElement: Styled };
      getComputedStyle(element: Styled): { color: string; backgroundColor: string; visibility: string; opacity: string };
    }
    const win = globalThis as unknown as Win;
    const parse = (css: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(css);
      if (!m) return [0, 0, 0, 0];
      const parts = m[1]
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const over = (top: number[], under: number[]): number[] => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
    };
    const luminance = (rgb: number[]) => {
      const lin = rgb.slice(0, 3).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    };
    const backgroundOf = (element: Styled): number[] => {
      const layers: number[][] = [];
      for (let e: Styled | null = element; e !== null; e = e.parentElement) {
        const bg = parse(win.getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let result = [255, 255, 255, 1];
      for (const layer of layers.reverse()) result = over(layer, result);
      return result;
    };
    const samples: ContrastSample[] = [];
    for (const element of Array.from(win.document.querySelectorAll('#review-root *'))) {
      const own = Array.from(element.childNodes)
        .filter((n) => n.nodeType === 3)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (own === '' || element.getClientRects().length === 0) continue;
      if (element.closest('[hidden], vscode-button, vscode-checkbox, vscode-text-field, vscode-progress-ring') !== null) continue;
      const style = win.getComputedStyle(element);
      if (style.visibility === 'hidden') continue;
      const background = backgroundOf(element);
      const color = over(parse(style.color), background);
      const [l1, l2] = [luminance(color), luminance(background)].sort((a, b) => b - a);
      samples.push({
        text: own.slice(0, 40),
        where: `${element.tagName.toLowerCase()}.${String(element.className).split(' ').join('.')}`,
        color: style.color,
        background: `rgb(${background.slice(0, 3).map(Math.round).join(', ')})`,
        ratio: Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100,
      });
    }
    return samples;
  });
}

describe('review panel text contrast (WCAG AA, 4.5:1)', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`every text in the ${theme} default theme meets 4.5:1, approved and conflict included`, async () => {
      const watched = await openPanel({ files: 40, theme });
      const { page } = watched;
      // Decisions of every kind on screen: approve all, reject one, and open the conflict.
      await page.locator('.toolbar .ui-button', { hasText: 'Approve all' }).click();
      await page.waitForSelector('.file-row .decision-approved');
      const conflictRow = page.locator('.file-row', { has: page.locator('.tag-conflict') }).first();
      await conflictRow.click();
      await page.locator('.conflict-panel').waitFor({ state: 'visible' });
      const samples = await measureContrast(page);
      const approved = samples.filter((s) => s.where.includes('decision-approved'));
      assert.ok(approved.length > 0, 'approved files are on screen');
      assert.ok(samples.length > 30, `text was measured (${samples.length} pieces)`);
      const failing = samples.filter((s) => s.ratio < 4.5);
      assert.deepEqual(
        failing.map((s) => `${s.where} "${s.text}": ${s.color} on ${s.background} = ${s.ratio}:1`),
        [],
        `${theme}: text below 4.5:1`,
      );
      await assertClean(watched);
    });
  }
});
