// Sandbox changes where a VS Code user looks for changes, end to end in a real VS Code
// (code-server) in a real chromium against the real Docker engine: change files from a
// sandbox terminal, find them in the Source Control view in their groups, approve one inline
// and see it move to "Approved", open the native diff of another and reject it from the diff
// editor's title bar, see the gutter mark the lines the sandbox would change and the Explorer
// badge on a pending file, read the status bar's markdown tooltip, and click its pending
// count to land in the review panel. Nothing of this writes the real tree.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  clickStatusBarItem,
  E2E_BASE_IMAGE,
  openSandboxTerminal,
  prepareProductVsix,
  readStatusBarItem,
  removeSandboxesUnder,
  repoRoot,
  REVIEW_PANEL_TITLE,
  runCommand,
  statusBarItem,
  timeouts,
  trustAndStartSandbox,
  typeInTerminal,
  waitForTerminalText,
  webviewFrame,
  withSession,
} from './harness';

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-scm-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-state-'));

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(async () => {
  await removeSandboxesUnder([stateRoot]);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

const GROUP_LABELS = ['Needs a Closer Look', 'Pending', 'Approved', 'Rejected'] as const;
type Groups = Record<string, string[]>;

/** The Source Control view as a person reads it: each group's label and the file names under it. */
async function readScmGroups(page: Page): Promise<Groups> {
  return page.locator('.scm-view .monaco-list-row').evaluateAll((rows) => {
    const groups: Record<string, string[]> = {};
    let current = '';
    for (const row of rows) {
      const group = row.querySelector('.resource-group .name');
      if (group) {
        current = (group.textContent ?? '').trim();
        groups[current] = [];
        continue;
      }
      const name = row.querySelector('.resource .label-name');
      if (name && current) groups[current]!.push((name.textContent ?? '').trim());
    }
    return groups;
  });
}

/** Waits until the view shows `expected` (groups not named there must be absent or empty). */
async function waitForGroups(page: Page, expected: Groups, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen: Groups = {};
  const normal = (g: Groups) =>
    JSON.stringify(Object.fromEntries(GROUP_LABELS.map((l) => [l, [...(g[l] ?? [])].sort()]).filter(([, v]) => v.length)));
  while (Date.now() < deadline) {
    seen = await readScmGroups(page);
    if (normal(seen) === normal(expected)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`the Source Control view did not show ${normal(expected)} within ${timeoutMs} ms; it shows ${JSON.stringify(seen)}`);
}

function scmRow(page: Page, fileName: string): Locator {
  return page
    .locator('.scm-view .monaco-list-row')
    .filter({ has: page.locator('.resource .label-name', { hasText: new RegExp(`^${fileName.replace(/\./g, '\\.')}$`) }) })
    .first();
}

/** What the page's global scope has that Node's types lack. */
interface BrowserGlobals {
  getComputedStyle(element: unknown, pseudo: string): { content: string };
}

/** The text a CSS ::after puts after any element of `row` (the Explorer's decoration badge). */
async function badgeOf(row: Locator): Promise<string> {
  return row.evaluate((element) =>
    [element, ...element.querySelectorAll('*')]
      .map((e) => (globalThis as unknown as BrowserGlobals).getComputedStyle(e, '::after').content)
      .filter((c) => c && c !== 'none' && c !== 'normal' && c !== '""')
      .join(' '),
  );
}

test(
  'sandbox changes show in the Source Control view, the gutter and the Explorer, and are decided there',
  { timeout: 10 * 60_000 },
  () => {
    const workspace = join(scratch, 'scm');
    mkdirSync(workspace, { recursive: true });
    const notesText = Array.from({ length: 40 }, (_, i) => `line ${i + 1}\n`).join('');
    writeFileSync(join(workspace, 'notes.txt'), notesText);
    writeFileSync(join(workspace, 'obsolete.txt'), 'to be deleted by the agent\n');
    writeFileSync(join(workspace, 'README.md'), '# Demo workspace\n');
    return withSession(
      {
        name: 'scm-view',
        vsixPaths: [vsixPath],
        workspaceFolder: workspace,
        userSettings: { 'agentSandbox.healthCheckIntervalSec': 1, 'scm.defaultViewMode': 'list' },
        machineSettings: { 'agentSandbox.baseImage': E2E_BASE_IMAGE },
        env: { AGENT_SANDBOX_STATE_DIR: stateRoot },
      },
      async (session) => {
        const { page } = session;
        await trustAndStartSandbox(page);

        await openSandboxTerminal(page);
        await typeInTerminal(
          page,
          "sed -i -e 's/^line 3$/LINE THREE/' -e 's/^line 30$/LINE THIRTY/' notes.txt && echo created by the agent > created.txt && rm obsolete.txt && printf '#!/bin/sh\\necho deploy\\n' > deploy.sh && chmod +x deploy.sh && echo done-$((6*7))",
        );
        await waitForTerminalText(page, 'done-42');
        await readStatusBarItem(page, '4 pending', 30_000);

        // The Source Control view: each file in one group; the new executable needs a closer look.
        await runCommand(page, 'Source Control: Focus on Changes View');
        await waitForGroups(page, { 'Needs a Closer Look': ['deploy.sh'], Pending: ['created.txt', 'notes.txt', 'obsolete.txt'] });
        // The closer-look group offers no Approve All; the Pending group does.
        const groupRow = (label: string) =>
          page
            .locator('.scm-view .monaco-list-row')
            .filter({ has: page.locator('.resource-group .name', { hasText: new RegExp(`^${label}$`) }) })
            .first();
        await groupRow('Pending').hover();
        await groupRow('Pending').locator('.action-label[aria-label="Approve All in Group"]').waitFor({ timeout: timeouts.ui });
        await groupRow('Needs a Closer Look').hover();
        assert.equal(await groupRow('Needs a Closer Look').locator('.action-label[aria-label="Approve All in Group"]').count(), 0);

        // Approve one file inline: it moves to Approved, and nothing is written to the real tree.
        await scmRow(page, 'created.txt').hover();
        await scmRow(page, 'created.txt').locator('.action-label[aria-label="Approve Change"]').click();
        await waitForGroups(page, {
          'Needs a Closer Look': ['deploy.sh'],
          Pending: ['notes.txt', 'obsolete.txt'],
          Approved: ['created.txt'],
        });
        assert.ok(!existsSync(join(workspace, 'created.txt')), 'approving must not write the real tree');

        // The gutter of the real notes.txt marks the two lines the sandbox would change.
        await runCommand(page, /^(File: )?Focus on Files Explorer$/);
        const notesInExplorer = page
          .locator('.explorer-folders-view .monaco-list-row')
          .filter({ hasText: /^notes\.txt/ })
          .first();
        await notesInExplorer.dblclick();
        await page
          .locator('.tabs-container .tab.active')
          .filter({ hasText: /^notes\.txt$/ })
          .first()
          .waitFor({ timeout: timeouts.ui });
        const gutter = page.locator('.editor-instance .monaco-editor .margin-view-overlays .dirty-diff-glyph');
        await gutter.first().waitFor({ timeout: 30_000 });
        // Line 3 is in view at the top; line 30 after moving to the end (the top mark scrolls away).
        const markTop = async () => (await gutter.first().boundingBox())?.y ?? -1;
        const line3 = page
          .locator('.editor-instance .monaco-editor .view-line')
          .filter({ hasText: /^line\s3$/ })
          .first();
        assert.ok(Math.abs((await markTop()) - ((await line3.boundingBox())?.y ?? 0)) < 4, 'the gutter mark should sit on line 3');
        await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+End');
        const line30 = page
          .locator('.editor-instance .monaco-editor .view-line')
          .filter({ hasText: /^line\s30$/ })
          .first();
        await line30.waitFor({ timeout: timeouts.ui });
        const deadline = Date.now() + timeouts.ui;
        while (Math.abs((await markTop()) - ((await line30.boundingBox())?.y ?? 0)) >= 4) {
          if (Date.now() > deadline) throw new Error('the gutter marks no change on line 30');
          await new Promise((done) => setTimeout(done, 200));
        }
        await page.keyboard.press('Control+Home');
        // The Explorer badge on the pending file, and none on a file the sandbox left alone.
        const badge = await badgeOf(notesInExplorer);
        assert.match(badge, /"S"/, `notes.txt should carry the sandbox badge (saw ${badge || 'nothing'})`);
        const readmeBadge = await badgeOf(
          page
            .locator('.explorer-folders-view .monaco-list-row')
            .filter({ hasText: /^README\.md/ })
            .first(),
        );
        assert.doesNotMatch(readmeBadge, /"S"/);

        // The Source Control view with the gutter beside it, for the README.
        await runCommand(page, 'Source Control: Focus on Changes View');
        await waitForGroups(page, {
          'Needs a Closer Look': ['deploy.sh'],
          Pending: ['notes.txt', 'obsolete.txt'],
          Approved: ['created.txt'],
        });
        await page.mouse.move(900, 500);
        const shot = join(session.artifacts, 'scm-view.png');
        await page.screenshot({ path: shot, timeout: 10_000 });
        mkdirSync(join(repoRoot, 'media', 'screenshots'), { recursive: true });
        copyFileSync(shot, join(repoRoot, 'media', 'screenshots', 'scm-view.png'));

        // Click a file: the native diff (real file ↔ sandbox); reject from its title bar.
        await scmRow(page, 'notes.txt').click();
        const diffTab = page.locator('.tabs-container .tab').filter({ hasText: 'notes.txt (your file ↔ sandbox)' }).first();
        await diffTab.waitFor({ timeout: timeouts.ui });
        await page
          .locator('.monaco-diff-editor .modified .view-lines')
          .filter({ hasText: 'LINE THREE' })
          .first()
          .waitFor({ timeout: timeouts.ui });
        await page.locator('.editor-actions .action-label[aria-label="Reject Change"]').first().click();
        await waitForGroups(page, {
          'Needs a Closer Look': ['deploy.sh'],
          Pending: ['obsolete.txt'],
          Approved: ['created.txt'],
          Rejected: ['notes.txt'],
        });
        assert.equal(readFileSync(join(workspace, 'notes.txt'), 'utf8'), notesText, 'rejecting must not touch the real tree');
        await session.screenshot('rejected-from-diff-title');

        // The status bar's tooltip is markdown with links; its pending count opens review.
        await statusBarItem(page, 'pending').hover();
        const hover = page.locator('.monaco-hover').filter({ hasText: 'Stop Sandbox' }).first();
        await hover.waitFor({ timeout: timeouts.ui });
        for (const label of ['Review Changes', 'Stop Sandbox', 'Show Policy', 'Show Logs'])
          await hover.locator('a', { hasText: label }).first().waitFor({ timeout: timeouts.ui });
        await page.mouse.move(900, 500);
        await clickStatusBarItem(page, 'pending');
        const panel = await webviewFrame(page, REVIEW_PANEL_TITLE, timeouts.extensionReady);
        await panel.locator('.file-row[data-path="notes.txt"]').waitFor({ timeout: timeouts.ui });
        await panel.locator('.file-row[data-path="created.txt"] .decision-approved').waitFor({ timeout: timeouts.ui });
        await readStatusBarItem(page, 'Sandbox: on');
        // The view's badge and the panel's header count the same pending files.
        const header = await panel.locator('.totals').first().textContent();
        assert.match(header ?? '', /4 changed · 1 approved · 1 rejected · 2 pending/);
        const scmBadge = page.locator('.part.activitybar .action-item').filter({ has: page.locator('[aria-label^="Source Control"]') });
        assert.equal((await scmBadge.locator('.badge-content').first().textContent())?.trim(), '2');
        await session.screenshot('review-from-status-bar');
      },
    );
  },
);
