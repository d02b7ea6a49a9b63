// The audit log end to end in a real VS Code (code-server) in a real chromium against the real
// Docker engine: a person types commands in a sandbox terminal (one of them a hidden answer to
// `read -s`), rejects a hunk with a reason and applies the rest in the review panel, closes the
// terminal, then opens "Agent Sandbox: Open Audit Log" and reads those entries in a read-only
// document with a proper title. "Show Policy" opens a titled read-only document too.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { COMPONENT_SELECTOR } from '../../webview/src/components/classes';
import {
  E2E_BASE_IMAGE,
  openSandboxTerminal,
  prepareProductVsix,
  readStatusBarItem,
  removeSandboxesUnder,
  repoRoot,
  REVIEW_PANEL_TITLE,
  runCommand,
  timeouts,
  trustAndStartSandbox,
  typeInTerminal,
  waitForTerminalText,
  webviewFrame,
  withSession,
} from './harness';

const SECRET = 'hunter2-not-for-the-log';

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-audit-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-audit-state-'));

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(async () => {
  await removeSandboxesUnder([stateRoot]);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

/** The text of the active editor's visible lines. */
async function editorText(page: Page): Promise<string> {
  const lines = await page.locator('.editor-instance .monaco-editor .view-lines .view-line').evaluateAll((rows) =>
    rows
      .map((r) => ({
        top: parseFloat((r as unknown as { style: { top: string } }).style.top) || 0,
        text: (r.textContent ?? '').replace(/\u00a0/g, ' '),
      }))
      .sort((a, b) => a.top - b.top)
      .map((r) => r.text),
  );
  return lines.join('\n');
}

async function waitForEditorText(page: Page, pattern: RegExp, timeoutMs = timeouts.ui): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await editorText(page);
    if (pattern.test(seen)) return seen;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`the editor did not show ${pattern} within ${timeoutMs} ms; it shows:\n${seen}`);
}

async function activeTabTitle(page: Page, expected: string): Promise<string> {
  const tab = page.locator('.tabs-container .tab.active').first();
  await tab.filter({ hasText: expected }).waitFor({ timeout: timeouts.ui });
  return ((await tab.getAttribute('aria-label')) ?? (await tab.textContent()) ?? '').trim();
}

test('the audit log shows terminal commands, a rejection and an apply in a read-only document', { timeout: 4 * 60_000 }, () => {
  const workspace = join(scratch, 'audit-demo');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'notes.txt'), Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`).join(''));
  return withSession(
    {
      name: 'audit-log',
      vsixPaths: [vsixPath],
      workspaceFolder: workspace,
      userSettings: { 'agentSandbox.healthCheckIntervalSec': 1, 'files.autoSave': 'off' },
      machineSettings: { 'agentSandbox.baseImage': E2E_BASE_IMAGE },
      env: { AGENT_SANDBOX_STATE_DIR: stateRoot },
    },
    async (session) => {
      const { page } = session;
      await trustAndStartSandbox(page);

      await openSandboxTerminal(page);
      await typeInTerminal(
        page,
        "sed -i -e 's/^line 3$/LINE THREE/' -e 's/^line 25$/LINE 25/' notes.txt && echo hello > greeting.txt && echo step-$((6*7))",
      );
      await waitForTerminalText(page, 'step-42');
      // A hidden answer: `read -s` turns the echo off, so the line must not reach the log.
      await typeInTerminal(page, 'read -s answer; echo got-${#answer}');
      await new Promise((done) => setTimeout(done, 500));
      await typeInTerminal(page, SECRET);
      await waitForTerminalText(page, `got-${SECRET.length}`);
      await readStatusBarItem(page, '2 pending', 30_000);

      // Review: reject the first hunk of notes.txt with a reason, approve the rest, apply.
      await runCommand(page, 'Agent Sandbox: Review Changes');
      const panel = await webviewFrame(page, REVIEW_PANEL_TITLE, timeouts.extensionReady);
      const notesRow = panel.locator('.file-row[data-path="notes.txt"]');
      await notesRow.waitFor({ timeout: timeouts.ui });
      await notesRow.click();
      await panel.getByRole('button', { name: 'Reject hunk 1' }).click();
      const reason = panel.locator(`.reason-prompt ${COMPONENT_SELECTOR.textFieldInput}`);
      await reason.waitFor({ timeout: timeouts.ui });
      await reason.fill('keep line 3 as it is');
      await panel.locator('.reason-prompt').getByRole('button', { name: 'Reject' }).click();
      await panel.getByText('keep line 3 as it is').first().waitFor({ timeout: timeouts.ui });
      await panel.getByRole('button', { name: /^Approve all/ }).click();
      await panel.locator('.file-row[data-path="greeting.txt"] .decision-approved').waitFor({ timeout: timeouts.ui });
      await panel.getByRole('button', { name: /^Apply \d+ changes?$/ }).click();
      const deadline = Date.now() + 30_000;
      while (!existsSync(join(workspace, 'greeting.txt'))) {
        if (Date.now() > deadline) throw new Error('apply did not write greeting.txt');
        await new Promise((done) => setTimeout(done, 250));
      }

      // Close the terminal: its end is recorded too.
      await runCommand(page, 'Terminal: Kill the Active Terminal Instance');

      await runCommand(page, 'Agent Sandbox: Open Audit Log');
      const title = await activeTabTitle(page, 'Audit Log — audit-demo');
      assert.doesNotMatch(title, /Untitled/);
      const text = await waitForEditorText(page, /terminal close/, 15_000);
      assert.match(text, /Agent Sandbox audit log of /);
      assert.match(text, /Raw log \(one JSON record per line\): file:\/\//);
      assert.match(text, /Time \(local\)\s+Event\s+Outcome\s+Details/);
      assert.match(text, /terminal input\s+\S+\$ sed -i -e/);
      assert.match(text, /terminal input\s+\S+\$ read -s answer; echo got-\$\{#answer\}/);
      assert.match(text, /terminal input\s+terminal \S+; typed while the terminal did not echo/);
      assert.match(text, /reject\s+rejected\s+notes\.txt, hunk 1; reason: keep line 3 as it is/);
      assert.match(text, /apply\s+applied\s+applied 2 files: /);
      assert.match(text, /terminal open\s+opened/);
      // Newest first: the terminal's close is above the apply, which is above the rejection.
      assert.ok(text.indexOf('terminal close') < text.indexOf('apply '), 'newest first');
      assert.ok(text.indexOf('apply ') < text.indexOf('reject '), 'newest first');
      assert.ok(!text.includes(SECRET), 'the hidden answer must not be shown');

      // The raw log on the host has the same records, and not the secret either.
      const sessions = join(stateRoot, 'sessions');
      const raw = readdirSync(sessions)
        .map((d) => join(sessions, d, 'audit.jsonl'))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, 'utf8'))
        .join('');
      assert.ok(!raw.includes(SECRET), 'the hidden answer must not be in the raw log');
      assert.match(raw, /"event":"apply"/);

      // Read-only: typing changes nothing (VS Code refuses edits in this document).
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.type('zzqq');
      await new Promise((done) => setTimeout(done, 300));
      assert.ok(!(await editorText(page)).includes('zzqq'), 'the audit log view must not be editable');
      // The "Cannot edit in read-only editor" hint goes, so the picture shows every row.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Home');
      await page.mouse.move(900, 500);
      await new Promise((done) => setTimeout(done, 300));
      const shot = join(session.artifacts, 'audit-log.png');
      await page.screenshot({ path: shot, timeout: 10_000 });
      mkdirSync(join(repoRoot, 'media', 'screenshots'), { recursive: true });
      copyFileSync(shot, join(repoRoot, 'media', 'screenshots', 'audit-log.png'));

      await runCommand(page, 'Agent Sandbox: Show Policy');
      const policyTitle = await activeTabTitle(page, 'Agent Sandbox Policy (effective)');
      assert.doesNotMatch(policyTitle, /Untitled/);
      await waitForEditorText(page, /set by/);
      await session.screenshot('policy');
    },
  );
});
