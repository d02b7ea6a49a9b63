// A conflict as a person meets it, end to end in a real VS Code (code-server) in a real
// chromium against the real Docker engine: the sandbox changes a file, the person edits the
// same line, apply finds the conflict and the review panel offers "Keep my version", "Take
// the sandbox's" and "Merge in the editor". Taking the sandbox's asks in VS Code's own modal
// dialog (declined here, nothing written); merging opens VS Code's merge editor, the person
// takes the sandbox's side and completes the merge, which writes their file; "Keep my
// version" then settles the conflict without the extension writing anything. Along the way:
// the keys line and list are shown, Tab cycles inside the panel, and Discard asks first.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
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
  SANDBOX_START_TIMEOUT_MS,
  timeouts,
  trustWorkspace,
  typeInTerminal,
  waitForTerminalText,
  webviewFrame,
  withSession,
} from './harness';

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-conflict-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-state-'));

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(async () => {
  await removeSandboxesUnder([stateRoot]);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

/** The modal dialog VS Code shows for showWarningMessage({ modal: true }). */
function modalDialog(page: Page) {
  return page.locator('.monaco-dialog-box').first();
}

/** What has focus inside the panel's document, told apart by position ("body" when nothing). */
function focusedInPanel(panel: FrameLocator): Promise<string> {
  return panel.locator('body').evaluate((body) => {
    const doc = body.ownerDocument;
    const active = doc.activeElement;
    if (active === null || active === body) return 'body';
    return `${active.tagName.toLowerCase()}#${Array.from(doc.querySelectorAll('*')).indexOf(active)}`;
  });
}

test(
  'a conflict in the review panel: the choices in your words, a confirming dialog, the merge editor, keys and Tab',
  { timeout: 8 * 60_000 },
  () => {
    const workspace = join(scratch, 'conflict');
    mkdirSync(workspace, { recursive: true });
    const original = Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join('');
    writeFileSync(join(workspace, 'notes.txt'), original);
    return withSession(
      {
        name: 'review-conflicts',
        vsixPaths: [vsixPath],
        workspaceFolder: workspace,
        userSettings: { 'agentSandbox.healthCheckIntervalSec': 1 },
        machineSettings: { 'agentSandbox.baseImage': E2E_BASE_IMAGE },
        env: { AGENT_SANDBOX_STATE_DIR: stateRoot },
      },
      async (session) => {
        const { page } = session;
        // The machine may be busy: the extension host can take a while to come up.
        await readStatusBarItem(page, 'Sandbox: off', 150_000);
        await trustWorkspace(page);
        await clickStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
        await readStatusBarItem(page, 'Sandbox: on', SANDBOX_START_TIMEOUT_MS);

        // The sandbox changes line 3; then the person changes the same line in their file.
        await openSandboxTerminal(page);
        await typeInTerminal(page, "sed -i 's/^line 3$/SANDBOX THREE/' notes.txt && echo done-$((6*7))");
        await waitForTerminalText(page, 'done-42');
        await readStatusBarItem(page, '1 pending', 30_000);
        const mine = original.replace('line 3\n', 'MY THREE\n');
        writeFileSync(join(workspace, 'notes.txt'), mine);

        await runCommand(page, 'Agent Sandbox: Review Changes');
        const panel = await webviewFrame(page, REVIEW_PANEL_TITLE, timeouts.extensionReady);
        const row = panel.locator('.file-row[data-path="notes.txt"]');
        await row.waitFor({ timeout: timeouts.ui });

        // The keys are on screen, and ? lists them all.
        const keysLine = panel.locator('.keys-help-summary');
        await keysLine.waitFor({ timeout: timeouts.ui });
        assert.match((await keysLine.textContent()) ?? '', /a approve, r reject.*\? all keys/);
        await row.click();
        await page.keyboard.press('?');
        await panel.locator('.keys-help-list').waitFor({ state: 'visible', timeout: timeouts.ui });
        assert.match((await panel.locator('.keys-help-list').textContent()) ?? '', /approve the file/);
        await session.screenshot('keys-help');
        await page.keyboard.press('Escape');
        await panel.locator('.keys-help-list').waitFor({ state: 'hidden', timeout: timeouts.ui });

        // Tab goes round the panel's controls and comes back to where it started.
        await row.focus();
        const start = await focusedInPanel(panel);
        const stops = [start];
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          const now = await focusedInPanel(panel);
          assert.notEqual(now, 'body', `Tab left the panel after ${stops.length} stops`);
          if (now === start) break;
          stops.push(now);
        }
        assert.equal(await focusedInPanel(panel), start, `Tab came back to the start (${stops.join(' → ')})`);
        assert.ok(stops.length >= 4, `Tab went through the panel's controls (${stops.length})`);
        await page.keyboard.press('Shift+Tab');
        assert.equal(await focusedInPanel(panel), stops.at(-1), 'Shift+Tab from the first goes to the last');

        // Approve and apply: the real file changed under the sandbox, so apply finds a conflict.
        await row.click();
        await panel.locator('.diff-actions .ui-button', { hasText: 'Approve file' }).click();
        await panel.locator('.file-row[data-path="notes.txt"] .decision-approved').waitFor({ timeout: timeouts.ui });
        await panel.getByRole('button', { name: /^Apply \d+ changes?$/ }).click();
        const conflictPanel = panel.locator('.conflict-panel');
        await conflictPanel.waitFor({ state: 'visible', timeout: 30_000 });
        assert.deepEqual(await conflictPanel.locator('.ui-button').allTextContents(), [
          'Keep my version',
          "Take the sandbox's",
          'Merge in the editor',
        ]);
        assert.match((await conflictPanel.textContent()) ?? '', /You changed this file since the sandbox started, and so did the sandbox/);
        assert.equal(readFileSync(join(workspace, 'notes.txt'), 'utf8'), mine, 'a conflict writes nothing');
        const shot = await session.screenshot('conflict');
        mkdirSync(join(repoRoot, 'media', 'screenshots'), { recursive: true });
        copyFileSync(shot, join(repoRoot, 'media', 'screenshots', 'review-conflict.png'));

        // "Take the sandbox's" overwrites the person's edit: VS Code's modal dialog asks first.
        await conflictPanel.locator('.ui-button', { hasText: "Take the sandbox's" }).click();
        const dialog = modalDialog(page);
        await dialog.waitFor({ timeout: timeouts.ui });
        assert.match((await dialog.textContent()) ?? '', /Replace your version of notes\.txt with the sandbox's\?/);
        await session.screenshot('take-sandbox-dialog');
        await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
        await dialog.waitFor({ state: 'hidden', timeout: timeouts.ui });
        await panel.locator('.status', { hasText: 'Nothing changed' }).waitFor({ timeout: timeouts.ui });
        assert.equal(readFileSync(join(workspace, 'notes.txt'), 'utf8'), mine, 'declining writes nothing');

        // "Merge in the editor": VS Code's merge editor with your version, the sandbox's and the result.
        await conflictPanel.locator('.ui-button', { hasText: 'Merge in the editor' }).click();
        const mergeEditor = page.locator('.merge-editor').first();
        await mergeEditor.waitFor({ state: 'visible', timeout: 30_000 });
        await mergeEditor.locator('.view-lines', { hasText: 'SANDBOX THREE' }).first().waitFor({ timeout: timeouts.ui });
        await mergeEditor.locator('.view-lines', { hasText: 'MY THREE' }).first().waitFor({ timeout: timeouts.ui });
        await session.screenshot('merge-editor');
        // The person takes the sandbox's side too and saves the result: their own edit of their file.
        await mergeEditor.getByText("Accept The sandbox's version").first().click();
        await mergeEditor.locator('.view-lines', { hasText: 'SANDBOX THREE' }).last().click();
        await page.keyboard.press('Control+s');
        const deadline = Date.now() + 20_000;
        while (!readFileSync(join(workspace, 'notes.txt'), 'utf8').includes('SANDBOX THREE') && Date.now() < deadline)
          await new Promise((done) => setTimeout(done, 250));
        const merged = readFileSync(join(workspace, 'notes.txt'), 'utf8');
        assert.match(merged, /^line 1\nline 2\n(MY THREE\n)?SANDBOX THREE\nline 4\n/, 'saving the merge wrote the file');
        await session.screenshot('merged');

        // The merged file is the person's own edit: "Keep my version" settles the conflict.
        const back = await webviewFrame(page, REVIEW_PANEL_TITLE, timeouts.extensionReady);
        await runCommand(page, 'Agent Sandbox: Review Changes');
        await back
          .locator('.conflict-panel .ui-button, .conflict-list .ui-button', { hasText: 'Keep my version' })
          .first()
          .click({ timeout: timeouts.ui });
        await back.locator('.file-row[data-path="notes.txt"]').waitFor({ state: 'detached', timeout: 30_000 });
        assert.equal(readFileSync(join(workspace, 'notes.txt'), 'utf8'), merged, 'the merge stays as the person saved it');
        await readStatusBarItem(page, 'Sandbox: on', 30_000);
        await session.screenshot('resolved');

        // Discard asks in a modal dialog too (declined).
        await back.locator('.toolbar .ui-button', { hasText: 'Discard' }).click();
        const discardDialog = modalDialog(page);
        await discardDialog.waitFor({ timeout: timeouts.ui });
        assert.match((await discardDialog.textContent()) ?? '', /Discard/);
        await discardDialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
        await back.locator('.status', { hasText: 'Nothing was discarded' }).waitFor({ timeout: timeouts.ui });
      },
    );
  },
);
