/**
 * The review panel in a real browser (Debian's Chromium via playwright-core), under the
 * same strict nonce CSP as the VS Code webview, against the fake host of `page/`. Every
 * test ends by checking that the page reported no CSP violation and no console error.
 *
 * Run: npx tsx --test test/webview/review.test.ts   (needs .ci/ensure-browser)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { FileItem, RequestMessage } from '../../src/protocol/review';
import { COMPONENT_SELECTOR } from '../../webview/src/components/classes';
import type { WatchedPage } from './browser';
import { usePanelSuite, WEBVIEW_ARTIFACTS } from './panelSuite';
import { HOSTILE_NAME } from './page/fakeReviewHost';
import { THEMES } from './themes';

const ARTIFACTS = WEBVIEW_ARTIFACTS;
const openPanel = usePanelSuite();

/** Requests the fake host received, in order. */
function received(page: Page): Promise<RequestMessage[]> {
  return page.evaluate('window.__reviewProbe.host.received') as Promise<RequestMessage[]>;
}

/**
 * The page globals the predicates below read. Predicates are functions, not strings: the
 * page's CSP forbids eval, and Playwright evaluates string predicates with it.
 */
interface PageView {
  __reviewProbe: { host: { received: RequestMessage[] } };
  document: { querySelector(selector: string): { textContent: string | null } | null };
  sessionStorage: { getItem(key: string): string | null };
}

async function waitForRequest(page: Page, method: string): Promise<RequestMessage> {
  await page.waitForFunction(
    (wanted) => (globalThis as unknown as PageView).__reviewProbe.host.received.some((m) => m.method === wanted),
    method,
  );
  const all = await received(page);
  return all.filter((m) => m.method === method).at(-1) as RequestMessage;
}

function hostFiles(page: Page): Promise<FileItem[]> {
  return page.evaluate('window.__reviewProbe.host.state().files') as Promise<FileItem[]>;
}

/** The page must not have tripped the CSP or logged an error at any point. */
async function assertClean({ page, errors }: WatchedPage): Promise<void> {
  const violations = await page.evaluate('window.__reviewProbe.violations');
  assert.deepEqual(violations, [], 'CSP violations');
  assert.deepEqual(errors, [], 'console errors');
  await page.close();
}

function activeIndex(page: Page): Promise<string | null> {
  return page.evaluate('document.activeElement?.dataset?.index ?? null') as Promise<string | null>;
}

describe('review panel in Chromium', () => {
  it('lists changed files virtualised, grouped, with kind, size and risk badges', async () => {
    const watched = await openPanel({ files: 2000, lines: 100_000 });
    const { page } = watched;
    assert.match((await page.locator('.totals').textContent()) ?? '', /^2000 changed/);
    const rendered = await page.locator('.file-row').count();
    assert.ok(rendered > 10 && rendered < 120, `only the visible rows are in the DOM (got ${rendered})`);
    const groups = await page.locator('.group-row .group-label').allTextContents();
    assert.deepEqual(groups.slice(0, 2), ['Conflicts', 'Needs a closer look']);
    // Collapsing the long risky group brings the ordinary changes into view.
    await page.locator('.group-row[aria-label^="Needs a closer look"]').click();
    await page.waitForSelector('.group-row[aria-label^="Changes"]');
    await page.locator('.group-row[aria-label^="Needs a closer look"]').click();

    const risky = page.locator('.file-row', { has: page.locator('.tag-risk') }).first();
    assert.match((await risky.getAttribute('aria-label')) ?? '', /needs a closer look: /);
    assert.match((await risky.locator('.kind').textContent()) ?? '', /^[AMDTP]$/);
    assert.match((await risky.locator('.file-size').textContent()) ?? '', /\d+(\.\d)? (B|KiB|MiB)$/);

    // The hostile file name is shown as text; no element was created from it.
    const hostile = page.locator(`.file-row[data-path="${HOSTILE_NAME.replace(/"/g, '\\"')}"]`);
    assert.equal(await hostile.locator('.file-name').textContent(), '<img src=x onerror=alert(1)>.md');
    assert.equal(await page.locator('img').count(), 0);

    // Never-apply files sit in their own group with their reason.
    await page.locator('.filter-field').click();
    await page.keyboard.type('.env');
    await page.waitForSelector('.group-row[aria-label^="Never applied"]');
    const never = page.locator('.file-row', { has: page.locator('.tag-never') }).first();
    assert.equal(await never.locator('.tag-never').getAttribute('title'), 'matches never-apply pattern **/.env*');
    assert.equal((await page.locator('.file-row').count()) > 0, true);
    await assertClean(watched);
  });

  it('is keyboard-navigable: j/k/arrows, groups, Enter, n/p, a, Escape', async () => {
    const watched = await openPanel({ files: 60 });
    const { page } = watched;
    await page.locator('.list-row[tabindex="0"]').focus();
    assert.equal(await activeIndex(page), '0');
    await page.keyboard.press('j');
    assert.equal(await activeIndex(page), '1');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await activeIndex(page), '3');
    await page.keyboard.press('k');
    assert.equal(await activeIndex(page), '2', 'k moves up');
    assert.equal(await page.locator('.list-row[tabindex="0"]').count(), 1, 'exactly one tab stop (roving tabindex)');

    // Left on a file goes to its group; Enter on a group collapses it, Right expands it.
    await page.keyboard.press('j');
    assert.equal(await page.locator('.file-row:focus').count(), 1);
    await page.keyboard.press('ArrowLeft');
    const group = page.locator('.group-row:focus');
    assert.equal(await group.getAttribute('aria-label'), 'Needs a closer look, 9 files');
    await page.keyboard.press('Enter');
    assert.equal(await group.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('.group-row:focus').getAttribute('aria-expanded'), 'true');

    // Down to the first ordinary file and open it with Enter: the diff takes focus.
    await page.keyboard.press('End');
    // 60 files and 4 groups (conflicts, risky, changes, never applied): the last row is 63.
    assert.equal(await activeIndex(page), '63');
    await page.keyboard.press('Home');
    assert.equal(await activeIndex(page), '0');
    // Rows: conflicts group, 1 conflict, risky group, 9 risky files, changes group, component-0, component-4.
    for (let i = 0; i < 14; i++) await page.keyboard.press('j');
    const path = await page.locator('.file-row:focus').getAttribute('data-path');
    assert.equal(path, 'src/module-4/component-4.ts');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.hunk-row');
    assert.equal(await page.locator('.diff-title').textContent(), path);
    assert.equal(await page.evaluate('document.activeElement?.classList.contains("diff-body")'), true);
    assert.deepEqual((await waitForRequest(page, 'requestDiff')).params, { path });

    await page.keyboard.press('n');
    await page.keyboard.press('n');
    await page.keyboard.press('p');
    assert.equal(await page.locator('.hunk-row.focused').getAttribute('data-hunk'), '2');
    assert.match((await page.locator('.status').textContent()) ?? '', /^Hunk 2 of 5, pending/);
    await page.keyboard.press('a');
    const approve = await waitForRequest(page, 'setHunkDecision');
    assert.deepEqual(approve.params, { path, hunk: 2, decision: 'approved' });
    await page.waitForSelector('.hunk-row.focused .decision-approved');

    // Escape returns to the list; a approves the focused file.
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.file-row:focus').getAttribute('data-path'), path);
    await page.keyboard.press('a');
    const approveFile = await waitForRequest(page, 'setFileDecision');
    assert.deepEqual(approveFile.params, { path, decision: 'approved' });
    await page.waitForSelector(`.file-row[data-path="${path}"] .decision-approved`);
    await assertClean(watched);
  });

  it('rejects a hunk with a reason typed into the prompt', async () => {
    const watched = await openPanel({ files: 60 });
    const { page } = watched;
    const path = 'src/module-5/component-5.ts';
    await page.locator(`.file-row[data-path="${path}"]`).click();
    await page.waitForSelector('.hunk-row');
    await page.locator('.diff-body').focus();
    await page.keyboard.press('n');
    await page.keyboard.press('r');
    await page.waitForSelector('.reason-prompt:not([hidden])');
    assert.equal(await page.locator('.reason-heading').textContent(), `Reject hunk 2 of ${path}`);
    const reason = 'drops the error handling <script>alert(1)</script>';
    await page.keyboard.type(reason);
    await page.keyboard.press('Enter');
    const request = await waitForRequest(page, 'setHunkDecision');
    assert.deepEqual(request.params, { path, hunk: 2, decision: 'rejected', reason });
    await page.waitForSelector('.hunk-row[data-hunk="2"] .decision-rejected');
    assert.equal(await page.locator('.hunk-row[data-hunk="2"] .hunk-reason').textContent(), `Reason: ${reason}`);
    assert.equal(await page.locator('script:not([src])').count(), 0, 'the reason stayed text');
    assert.equal(await page.locator(`.file-row[data-path="${path}"] .decision`).textContent(), '• pending 1/5');
    assert.equal(await page.locator('.reason-prompt').isHidden(), true);

    // The Reject button on a hunk row goes through the same prompt; Escape cancels it.
    await page.locator(`.hunk-row[data-hunk="1"] ${COMPONENT_SELECTOR.button}`, { hasText: 'Reject' }).click();
    await page.waitForSelector('.reason-prompt:not([hidden])');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.reason-prompt').isHidden(), true);
    assert.equal((await received(page)).filter((m) => m.method === 'setHunkDecision').length, 1, 'a cancelled prompt sends nothing');
    await assertClean(watched);
  });

  it('counts a file decided in parts as decided, dims decided hunks, and shows a whole-file rejection with its reason', async () => {
    const watched = await openPanel({ files: 60 });
    const { page } = watched;
    const header = () => page.locator('.totals').textContent();
    const pendingOf = (text: string | null) => Number(/· (\d+) pending/.exec(text ?? '')?.[1]);
    const before = pendingOf(await header());
    assert.ok(before > 10, `the header counts pending files (saw "${await header()}")`);

    // Nothing approved: Apply is a disabled, non-primary button that says why.
    const apply = page.locator(COMPONENT_SELECTOR.button, { hasText: /^Apply/ });
    assert.equal(await apply.getAttribute('disabled'), '');
    assert.equal(await apply.getAttribute('appearance'), 'secondary');
    assert.match((await page.locator('.apply-note').textContent()) ?? '', /^Nothing is approved yet/);

    // Decide every hunk of one file, some approved, some rejected.
    const path = 'src/module-6/component-6.ts';
    await page.locator(`.file-row[data-path="${path}"]`).click();
    await page.waitForSelector('.hunk-row');
    await page.locator('.diff-body').focus();
    for (let h = 1; h <= 5; h++) {
      if (h > 1) await page.keyboard.press('n');
      if (h === 3) {
        await page.keyboard.press('r');
        await page.waitForSelector('.reason-prompt:not([hidden])');
        await page.keyboard.type('not this one');
        await page.keyboard.press('Enter');
        await page.waitForSelector('.hunk-row[data-hunk="3"].hunk-rejected');
        await page.locator('.diff-body').focus();
      } else {
        await page.keyboard.press('a');
        await page.waitForSelector(`.hunk-row[data-hunk="${h}"].hunk-approved`);
      }
    }
    const row = page.locator(`.file-row[data-path="${path}"]`);
    assert.equal(await row.locator('.decision').textContent(), '± part approved');
    assert.match((await row.getAttribute('aria-label')) ?? '', /decided: part approved, part rejected/);
    assert.equal(pendingOf(await header()), before - 1, 'the file left the pending count');
    assert.match((await header()) ?? '', /1 decided in parts/);
    // The header and the list's "Undecided only" filter count the same files.
    const files = await hostFiles(page);
    assert.equal(
      files.filter((f) => f.decision === 'pending' || (f.decision === 'partial' && f.hunkTally!.pending > 0)).length,
      before - 1,
    );

    // Decided hunks look decided: a mark, words for screen readers, dimmed lines.
    const approvedHunk = page.locator('.hunk-row[data-hunk="1"]');
    assert.equal(await approvedHunk.locator('.decision-glyph').textContent(), '✓');
    assert.equal(await approvedHunk.locator('.decision-glyph').getAttribute('aria-hidden'), 'true');
    assert.equal(await approvedHunk.locator('.decision-text').textContent(), '1/5 approved');
    assert.equal(await page.locator('.hunk-row[data-hunk="3"] .decision-glyph').textContent(), '✗');
    const opacity = await page.evaluate('getComputedStyle(document.querySelector(".line-row.decided")).opacity');
    assert.ok(Number(opacity) < 1, `decided lines are dimmed (opacity ${String(opacity)})`);

    // Apply now says what it will do before doing it.
    await page.waitForFunction(
      () => (globalThis as unknown as PageView).document.querySelector('.apply-note')?.textContent?.startsWith('Apply 1 change') === true,
    );
    assert.equal(await apply.getAttribute('disabled'), null);
    assert.equal(await apply.getAttribute('appearance'), 'primary');
    assert.equal((await apply.textContent())?.trim(), 'Apply 1 change');
    assert.match((await page.locator('.apply-note').textContent()) ?? '', /1 rejected change will be removed from the sandbox/);

    // A whole-file rejection marks every hunk rejected and shows its reason.
    const other = 'src/module-8/component-8.ts';
    await page.locator(`.file-row[data-path="${other}"]`).click();
    await page.waitForSelector(`.diff-title:text-is("${other}")`);
    await page.waitForSelector('.hunk-row');
    await page.locator(COMPONENT_SELECTOR.button, { hasText: 'Reject file…' }).click();
    await page.waitForSelector('.reason-prompt:not([hidden])');
    await page.keyboard.type('wrong approach');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.note-reason');
    assert.equal(await page.locator('.note-reason').textContent(), 'Rejected: wrong approach');
    const hunkStates = await page.locator('.hunk-row .decision-text').allTextContents();
    assert.ok(
      hunkStates.length > 0 && hunkStates.every((t) => t.endsWith('rejected')),
      `every hunk is rejected (${hunkStates.join(', ')})`,
    );
    const reasons = await page.locator('.hunk-row .hunk-reason').allTextContents();
    assert.ok(reasons.every((t) => t === 'Reason: wrong approach'));
    assert.match((await page.locator(`.file-row[data-path="${other}"]`).getAttribute('aria-label')) ?? '', /reason: wrong approach/);
    await assertClean(watched);
  });

  it('names risks in plain words with an explaining tooltip, shows an empty folder as a folder, and reveals a file on request', async () => {
    const watched = await openPanel({ files: 60 });
    const { page } = watched;
    const badges = await page.locator('.tag-risk').allTextContents();
    assert.ok(badges.length > 0);
    for (const text of badges) assert.doesNotMatch(text, /policyPattern|newExecutable|packageScripts|executableBitChanged/);
    assert.ok(badges.includes('Matches your policy'), `badges: ${[...new Set(badges)].join(', ')}`);
    const title = (await page.locator('.tag-risk', { hasText: 'Matches your policy' }).first().getAttribute('title')) ?? '';
    assert.match(title, /pattern your sandbox policy marks/);
    assert.match(title, /Here: matches the risky pattern/);

    const folder = page.locator('.file-row[data-path="src/module-20/new-folder"]');
    assert.equal(await folder.locator('.file-size').textContent(), 'folder');
    const sizes = await page.locator('.file-row .file-size').allTextContents();
    assert.ok(!sizes.includes('0 B'), 'no row reads "0 B"');

    // "Open in Review Panel": the host asks to show a file; it is selected and its diff opens.
    const wanted = 'src/module-9/component-9.ts';
    await page.evaluate(
      `window.__reviewProbe.notify({ kind: 'notification', method: 'reveal', params: { path: ${JSON.stringify(wanted)} } })`,
    );
    await page.waitForSelector(`.file-row.selected[data-path="${wanted}"]`);
    await page.waitForSelector(`.diff-title:text-is("${wanted}")`);
    await page.waitForSelector('.hunk-row');
    await assertClean(watched);
  });

  it('keeps status and summary text whole in a narrow panel', async () => {
    const watched = await openPanel({ files: 60 });
    const { page } = watched;
    await page.setViewportSize({ width: 360, height: 700 });
    for (const selector of ['.totals', '.apply-note', '.approve-all-note', '.status']) {
      const cut = await page.evaluate(
        `(() => { const e = document.querySelector(${JSON.stringify(selector)}); return e === null ? 'missing' : e.scrollWidth > e.clientWidth + 1 ? 'cut' : getComputedStyle(e).textOverflow; })()`,
      );
      assert.ok(cut !== 'cut' && cut !== 'missing' && cut !== 'ellipsis', `${selector} is ${String(cut)}`);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-narrow.png') });
    await assertClean(watched);
  });

  it('approve all leaves risky and never-apply files alone, and says so', async () => {
    const watched = await openPanel({ files: 200 });
    const { page } = watched;
    const note = (await page.locator('.approve-all-note').textContent()) ?? '';
    assert.match(note, /^Approve all skips \d+ that need a closer look and \d+ that policy never applies/);
    await page.locator(COMPONENT_SELECTOR.button, { hasText: 'Approve all safe' }).click();
    await waitForRequest(page, 'approveAll');
    await page.waitForFunction(
      () => (globalThis as unknown as PageView).document.querySelector('.status')?.textContent?.startsWith('Approved ') === true,
    );
    const files = await hostFiles(page);
    const risky = files.filter((f) => f.risks.length > 0 || f.neverApply !== undefined);
    const ordinary = files.filter((f) => f.risks.length === 0 && f.neverApply === undefined);
    assert.ok(risky.length > 5);
    assert.ok(
      risky.every((f) => f.decision === 'pending'),
      'no risky or never-apply file was approved',
    );
    assert.ok(ordinary.every((f) => f.decision === 'approved'));
    const riskyRowDecisions = await page
      .locator('.file-row', { has: page.locator('.tag-risk') })
      .locator('.decision')
      .allTextContents();
    assert.ok(riskyRowDecisions.length > 0 && riskyRowDecisions.every((d) => d === '• pending'));
    assert.match(
      (await page.locator('.status').textContent()) ?? '',
      /skipped \d+ that need a closer look and \d+ that policy never applies/,
    );

    // Applying shows what happened and offers the three choices for a conflict.
    await page.locator(COMPONENT_SELECTOR.button, { hasText: /Apply \d+ changes/ }).click();
    await page.waitForSelector('.apply-result:not([hidden]) .conflict-list');
    assert.match(
      (await page.locator('.apply-result h2').textContent()) ?? '',
      /^Applied \d+, merged \d+, [1-9]\d* in conflict, 0 refused$/,
    );
    const choices = page.locator('.conflict-list li').first().locator(COMPONENT_SELECTOR.button);
    assert.deepEqual(await choices.allTextContents(), ['Keep my version', "Take the sandbox's", 'Merge in the editor']);
    const conflictPath = await page.locator('.conflict-list li .result-path').first().textContent();
    await choices.nth(1).click();
    const resolve = await waitForRequest(page, 'resolveConflict');
    assert.deepEqual(resolve.params, { path: conflictPath, choice: 'take-sandbox' });
    await assertClean(watched);
  });

  it('shows binary and oversized files as sizes and hashes, without a diff body', async () => {
    const watched = await openPanel({ files: 60 });
    const { page } = watched;
    await page.locator('.file-row[data-path="assets/image-11.png"]').click();
    await page.waitForSelector('.info-panel:not([hidden]) .info-what');
    assert.equal(await page.locator('.info-what').textContent(), 'Binary file: no text diff.');
    const facts = await page.locator('.info-facts dd').allTextContents();
    assert.ok(
      facts.some((f) => /^sha256:[0-9a-f]{64}$/.test(f)),
      facts.join(', '),
    );
    assert.ok(facts.some((f) => / bytes\)$/.test(f)));
    assert.equal(await page.locator('.line-row').count(), 0);
    await page.locator(`.diff-actions ${COMPONENT_SELECTOR.button}`, { hasText: 'Open diff editor' }).click();
    assert.deepEqual((await waitForRequest(page, 'openNativeDiff')).params, { path: 'assets/image-11.png' });

    await page.locator('.file-row[data-path="src/module-13/component-13.ts"]').click();
    await page.waitForFunction(
      () => (globalThis as unknown as PageView).document.querySelector('.info-what')?.textContent === 'Too large to show as a diff.',
    );
    await assertClean(watched);
  });

  it('restores selection, scroll, collapsed groups and filter after a reload; data comes from the host', async () => {
    const watched = await openPanel({ files: 2000, lines: 100_000, hugeDiffLines: 5000 });
    const { page } = watched;
    await page.locator('.group-row[aria-label^="Needs a closer look"]').click();
    const path = 'src/module-4/component-4.ts';
    await page.locator(`.file-row[data-path="${path}"]`).click();
    await page.waitForSelector('.hunk-row');
    await page.locator(`.hunk-row[data-hunk="1"] ${COMPONENT_SELECTOR.button}`, { hasText: 'Approve' }).click();
    await waitForRequest(page, 'setHunkDecision');
    await page.evaluate('document.querySelector(".diff-body").scrollTop = 30000');
    await page.evaluate('document.querySelector(".file-tree").scrollTop = 2400');
    await page.locator('.filter-field').click();
    await page.keyboard.type('src/');
    // Scroll positions are saved a moment after scrolling stops.
    await page.waitForFunction(
      () => JSON.parse((globalThis as unknown as PageView).sessionStorage.getItem('webview-state') ?? '{}').filter?.text === 'src/',
    );
    await page.waitForTimeout(400);
    const saved = JSON.parse((await page.evaluate('sessionStorage.getItem("webview-state")')) as string);
    assert.equal(saved.selectedPath, path);
    assert.deepEqual(saved.collapsedGroups, ['risky']);

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('.hunk-row, .line-row');
    assert.equal(await page.locator('.diff-title').textContent(), path);
    assert.equal(await page.evaluate('document.querySelector(".diff-body").scrollTop'), saved.diffScrollTop);
    assert.ok(saved.diffScrollTop > 20000);
    assert.equal(await page.evaluate('document.querySelector(".file-tree").scrollTop'), saved.listScrollTop);
    assert.equal(await page.locator('.filter-field input').inputValue(), 'src/');
    const riskyGroup = page.locator('.group-row[aria-label^="Needs a closer look"]');
    if ((await riskyGroup.count()) > 0) assert.equal(await riskyGroup.getAttribute('aria-expanded'), 'false');
    assert.ok(
      (await received(page)).some((m) => m.method === 'ready'),
      'data was refetched with ready',
    );
    // The decision made before the reload comes back from the host, not from webview state.
    await page.evaluate('document.querySelector(".diff-body").scrollTop = 0');
    await page.waitForSelector('.hunk-row[data-hunk="1"] .decision-approved');
    await assertClean(watched);
  });

  for (const theme of THEMES) {
    it(`renders with the ${theme} theme's colours (screenshot)`, async () => {
      const watched = await openPanel({ files: 60, theme });
      const { page } = watched;
      const path = 'src/module-5/component-5.ts';
      await page.locator(`.file-row[data-path="${path}"]`).click();
      await page.waitForSelector('.hunk-row');
      await page.locator(`.hunk-row[data-hunk="1"] ${COMPONENT_SELECTOR.button}`, { hasText: 'Approve' }).click();
      await page.waitForSelector('.hunk-row[data-hunk="1"] .decision-approved');
      await page.locator('.diff-body').focus();
      await page.keyboard.press('n');
      await page.keyboard.press('r');
      await page.keyboard.type('keeps a debug print');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.hunk-row[data-hunk="2"] .decision-rejected');
      await page.locator(`.file-row[data-path="${path}"]`).focus();
      const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
      const expected = { light: 'rgb(255, 255, 255)', dark: 'rgb(30, 30, 30)', 'high-contrast': 'rgb(0, 0, 0)' }[theme];
      assert.equal(background, expected);
      const added = await page.evaluate('getComputedStyle(document.querySelector(".line-add")).backgroundColor');
      if (theme === 'high-contrast') {
        assert.equal(await page.evaluate('getComputedStyle(document.querySelector(".line-add .line-text")).outlineStyle'), 'dashed');
      } else {
        assert.notEqual(added, 'rgba(0, 0, 0, 0)', 'added lines are tinted');
      }
      await page.screenshot({ path: path_(theme) });
      await assertClean(watched);
    });
  }
});

function path_(theme: string): string {
  return path.join(ARTIFACTS, `review-${theme}.png`);
}
