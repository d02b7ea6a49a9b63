// The review panel as a person meets it, end to end in a real VS Code (code-server) in a real
// chromium against the real Docker engine: the agent changes files in a sandbox terminal; the
// panel, the status bar and the Source Control badge count the same pending files, also after
// a file is decided in parts; a whole-file rejection marks its hunks with its reason; decided
// hunks look decided; Apply says what it will do (and is not offered with nothing approved);
// risks have plain names; folders made only as parents are not rows; and "Open in Review
// Panel" from the Source Control view selects the file. Screenshots in Dark+ and Light+.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import {
  clickStatusBarItem,
  prepareProductVsix,
  readStatusBarItem,
  removeSandboxesUnder,
  repoRoot,
  runCommand,
  timeouts,
  trustWorkspace,
  typeInTerminal,
  waitForTerminalText,
  webviewFrame,
  withSession,
} from './harness';

const BASE_IMAGE = 'agent-sandbox-base:bookworm';
const REVIEW_TITLE = 'Review Sandbox Changes';
/** Starting may build the hardened image on first use. */
const START_TIMEOUT_MS = 240_000;

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-review-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-review-state-'));

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(async () => {
  await removeSandboxesUnder([stateRoot]);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

/** What the page's global scope has that Node's types lack. */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { opacity: string; backgroundColor: string };
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('');

/** The number on the Source Control view's activity bar badge. */
async function scmBadge(page: Page): Promise<string> {
  const item = page.locator('.part.activitybar .action-item').filter({ has: page.locator('[aria-label^="Source Control"]') });
  return ((await item.locator('.badge-content').first().textContent()) ?? '').trim();
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = await read();
  while (!ok(seen)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(seen)} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 250));
    seen = await read();
  }
  return seen;
}

/** The status bar, the panel's header and the Source Control badge all say `n` pending. */
async function expectPending(page: Page, panel: FrameLocator, n: number): Promise<void> {
  await readStatusBarItem(page, new RegExp(`\\b${n} pending`), 30_000);
  await waitFor(
    'the panel header',
    async () => (await panel.locator('.totals').first().textContent()) ?? '',
    (t) => t.includes(`· ${n} pending`),
  );
  await waitFor(
    'the Source Control badge',
    () => scmBadge(page),
    (b) => b === String(n),
  );
}

async function screenshotTo(page: Page, artifacts: string, name: string): Promise<void> {
  const shot = join(artifacts, `${name}.png`);
  await page.mouse.move(5, 300);
  await page.screenshot({ path: shot, timeout: 10_000 });
  mkdirSync(join(repoRoot, 'media', 'screenshots'), { recursive: true });
  copyFileSync(shot, join(repoRoot, 'media', 'screenshots', `${name}.png`));
}

test('the review panel counts, marks and explains decisions as a person meets them', { timeout: 4 * 60_000 + START_TIMEOUT_MS }, () => {
  const workspace = join(scratch, 'review');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'notes.txt'), lines(40));
  writeFileSync(join(workspace, 'other.txt'), lines(40));
  writeFileSync(join(workspace, 'package.json'), '{"name":"demo"}\n');
  return withSession(
    {
      name: 'review-panel',
      vsixPaths: [vsixPath],
      workspaceFolder: workspace,
      userSettings: {
        'agentSandbox.healthCheckIntervalSec': 1,
        'scm.defaultViewMode': 'list',
        'workbench.colorTheme': 'Default Dark+',
      },
      machineSettings: { 'agentSandbox.baseImage': BASE_IMAGE },
      env: { AGENT_SANDBOX_STATE_DIR: stateRoot },
    },
    async (session) => {
      const { page } = session;
      await readStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
      await trustWorkspace(page);
      await clickStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
      await readStatusBarItem(page, 'Sandbox: on', START_TIMEOUT_MS);

      await runCommand(page, 'Agent Sandbox: New Sandbox Terminal');
      await waitForTerminalText(page, 'sandbox:/workspace$', 30_000);
      await typeInTerminal(
        page,
        "sed -i -e 's/^line 3$/LINE THREE/' -e 's/^line 30$/LINE THIRTY/' notes.txt && sed -i -e 's/^line 5$/LINE FIVE/' -e 's/^line 35$/LINE THIRTY-FIVE/' other.txt && mkdir -p newdir/sub emptydir && echo made > newdir/sub/file.txt && printf '#!/bin/sh\\necho deploy\\n' > deploy.sh && chmod +x deploy.sh && printf '{\"name\":\"demo\",\"scripts\":{\"postinstall\":\"echo hi\"}}\\n' > package.json && echo done-$((6*7))",
      );
      await waitForTerminalText(page, 'done-42');
      // Six changes: newdir and newdir/sub exist only as parents of newdir/sub/file.txt.
      await readStatusBarItem(page, '6 pending', 30_000);

      await runCommand(page, 'Agent Sandbox: Review Changes');
      const panel = await webviewFrame(page, REVIEW_TITLE, timeouts.extensionReady);
      await panel.locator('.file-row[data-path="notes.txt"]').waitFor({ timeout: timeouts.ui });
      await expectPending(page, panel, 6);
      assert.match((await panel.locator('.totals').textContent()) ?? '', /^6 changed · 0 approved · 0 rejected · 6 pending$/);

      // No 0-byte folder rows: the parents are not listed; the empty new folder is a folder.
      const paths = await panel
        .locator('.file-row')
        .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { path: string } }).dataset.path));
      assert.deepEqual([...paths].sort(), ['deploy.sh', 'emptydir', 'newdir/sub/file.txt', 'notes.txt', 'other.txt', 'package.json']);
      assert.equal(await panel.locator('.file-row[data-path="emptydir"] .file-size').textContent(), 'folder');
      assert.ok(!(await panel.locator('.file-row .file-size').allTextContents()).includes('0 B'));

      // Plain risk badges with a tooltip that explains them.
      const deployBadge = panel.locator('.file-row[data-path="deploy.sh"] .tag-risk', { hasText: 'New executable' });
      assert.match((await deployBadge.getAttribute('title')) ?? '', /can be run as a program/);
      const scriptsBadge = panel.locator('.file-row[data-path="package.json"] .tag-risk', { hasText: 'Changes package scripts' });
      assert.match((await scriptsBadge.getAttribute('title')) ?? '', /run on your machine/);
      const allBadges = await panel.locator('.tag-risk').allTextContents();
      for (const text of allBadges) assert.doesNotMatch(text, /^[a-z]+[A-Z]\w*$/, `a badge shows an internal id: ${text}`);

      // Nothing approved: Apply is neither primary nor enabled, and says why.
      const apply = panel.locator('.toolbar .ui-button', { hasText: /^\s*Apply/ });
      assert.equal(await apply.getAttribute('disabled'), '');
      assert.equal(await apply.getAttribute('appearance'), 'secondary');
      assert.match((await panel.locator('.apply-note').textContent()) ?? '', /^Nothing is approved yet/);

      // notes.txt: approve one hunk, reject the other with a reason. Decided, not pending.
      await panel.locator('.file-row[data-path="notes.txt"]').click();
      await panel.locator('.hunk-row[data-hunk="2"]').waitFor({ timeout: timeouts.ui });
      await panel.locator('.diff-body').focus();
      await page.keyboard.press('a');
      await panel.locator('.hunk-row[data-hunk="1"].hunk-approved').waitFor({ timeout: timeouts.ui });
      await page.keyboard.press('n');
      await page.keyboard.press('r');
      await panel.locator('.reason-prompt:not([hidden])').waitFor({ timeout: timeouts.ui });
      await page.keyboard.type('keep line 30 as it was');
      await page.keyboard.press('Enter');
      await panel.locator('.hunk-row[data-hunk="2"].hunk-rejected').waitFor({ timeout: timeouts.ui });
      assert.equal(await panel.locator('.file-row[data-path="notes.txt"] .decision').textContent(), '± part approved');
      await expectPending(page, panel, 5);

      // Decided hunks look decided: a mark, the words, dimmed lines.
      assert.equal(await panel.locator('.hunk-row[data-hunk="1"] .decision-glyph').textContent(), '✓');
      assert.equal(await panel.locator('.hunk-row[data-hunk="2"] .decision-glyph').textContent(), '✗');
      assert.equal(await panel.locator('.hunk-row[data-hunk="2"] .decision-text').textContent(), '2/2 rejected');
      assert.equal(await panel.locator('.hunk-row[data-hunk="2"] .hunk-reason').textContent(), 'Reason: keep line 30 as it was');
      const opacity = await panel
        .locator('.line-row.decided')
        .first()
        .evaluate((e) => (globalThis as unknown as BrowserGlobals).getComputedStyle(e).opacity);
      assert.ok(Number(opacity) < 1, `decided lines are dimmed (opacity ${opacity})`);

      // other.txt: a whole-file rejection marks every hunk rejected and shows its reason.
      await panel.locator('.file-row[data-path="other.txt"]').click();
      await panel.locator('.diff-title', { hasText: /^other\.txt$/ }).waitFor({ timeout: timeouts.ui });
      await panel.locator('.hunk-row[data-hunk="2"]').waitFor({ timeout: timeouts.ui });
      await panel.locator('.diff-actions .ui-button', { hasText: 'Reject file' }).click();
      await panel.locator('.reason-prompt:not([hidden])').waitFor({ timeout: timeouts.ui });
      await page.keyboard.type('wrong approach');
      await page.keyboard.press('Enter');
      await panel.locator('.note-reason').waitFor({ timeout: timeouts.ui });
      assert.equal(await panel.locator('.note-reason').textContent(), 'Rejected: wrong approach');
      await waitFor(
        'the hunks of other.txt',
        () => panel.locator('.hunk-row .decision-text').allTextContents(),
        (t) => t.length === 2 && t.every((x) => x.endsWith('rejected')),
      );
      assert.deepEqual(await panel.locator('.hunk-row .hunk-reason').allTextContents(), [
        'Reason: wrong approach',
        'Reason: wrong approach',
      ]);
      await expectPending(page, panel, 4);
      assert.match(
        (await panel.locator('.totals').textContent()) ?? '',
        /^6 changed · 0 approved · 1 rejected · 4 pending · 1 decided in parts$/,
      );

      // Apply says what it will do before doing it.
      await waitFor(
        'the apply note',
        async () => (await panel.locator('.apply-note').textContent()) ?? '',
        (t) => t.startsWith('Apply 1 change'),
      );
      assert.match(
        (await panel.locator('.apply-note').textContent()) ?? '',
        /^Apply 1 change to your workspace; 2 rejected changes will be removed from the sandbox\. 4 pending files stay in the sandbox\.$/,
      );
      assert.equal(await apply.getAttribute('disabled'), null);
      assert.equal(await apply.getAttribute('appearance'), 'primary');
      assert.equal(readFileSync(join(workspace, 'notes.txt'), 'utf8'), lines(40), 'deciding must not write the real tree');

      // Screenshots with notes.txt's decided hunks on screen, in Dark+ and Light+.
      await panel.locator('.file-row[data-path="notes.txt"]').click();
      await panel.locator('.hunk-row[data-hunk="2"].hunk-rejected').waitFor({ timeout: timeouts.ui });
      await screenshotTo(page, session.artifacts, 'review-panel-dark');
      await runCommand(page, 'Preferences: Color Theme');
      await page.keyboard.type('Light+');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Light+' }).first().waitFor({ timeout: timeouts.ui });
      await page.keyboard.press('Enter');
      await waitFor(
        'the light theme in the panel',
        () => panel.locator('body').evaluate((b) => (globalThis as unknown as BrowserGlobals).getComputedStyle(b).backgroundColor),
        (c) => c === 'rgb(255, 255, 255)',
      );
      await screenshotTo(page, session.artifacts, 'review-panel-light');

      // "Open in Review Panel" from the Source Control view selects that file.
      await runCommand(page, 'Source Control: Focus on Changes View');
      const row = page
        .locator('.scm-view .monaco-list-row')
        .filter({ has: page.locator('.resource .label-name', { hasText: /^deploy\.sh$/ }) })
        .first();
      await row.waitFor({ timeout: timeouts.ui });
      await row.hover();
      await row.locator('.action-label[aria-label="Open in Review Panel"]').click();
      await panel.locator('.file-row.selected[data-path="deploy.sh"]').waitFor({ timeout: timeouts.ui });
      await panel.locator('.diff-title', { hasText: /^deploy\.sh$/ }).waitFor({ timeout: timeouts.ui });
      assert.ok(!existsSync(join(workspace, 'deploy.sh')), 'nothing reached the real tree');
      await session.screenshot('open-in-review-panel');
    },
  );
});
