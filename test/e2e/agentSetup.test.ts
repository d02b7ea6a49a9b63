// "Set Up Agent…" and "Remove Agent Setup…" in a real VS Code (code-server) in a real
// chromium, as a person uses them: not offered in Restricted Mode; once the folder is trusted,
// pick Claude Code, see the set-up in the diff editor, confirm in the modal, and find the files
// on disk, merged with the person's own settings; then remove it and find the person's file
// byte for byte and the server file gone. No sandbox needs to run for any of it.
//
// Guard: before anything else this file makes sure chromium and code-server exist.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  closeQuickInput,
  ensureCodeServer,
  packageExtension,
  pickQuickPickItem,
  readStatusBarItem,
  repoRoot,
  runCommand,
  timeouts,
  trustWorkspace,
  waitForNotification,
  withSession,
} from './harness';
import { runTool } from './harness/runTool';

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-setup-'));

before(async () => {
  await runTool([join(repoRoot, '.ci', 'ensure-browser')], { timeoutMs: 15 * 60_000, what: '.ci/ensure-browser' });
  await ensureCodeServer();
  await runTool([process.execPath, join(repoRoot, 'build.mjs')], {
    cwd: repoRoot,
    timeoutMs: 180_000,
    what: 'building the extension (npm run build)',
  });
  vsixPath = await packageExtension({ extensionFolder: repoRoot, outDir: join(scratch, 'vsix') });
});

after(() => rmSync(scratch, { recursive: true, force: true }));

async function confirmModal(page: Page, button: string): Promise<void> {
  const target = page.locator('.monaco-dialog-box').getByRole('button', { name: button, exact: true });
  await target.waitFor({ state: 'visible', timeout: timeouts.ui });
  await target.click();
}

test('Set Up Agent… shows the diff, writes only after Write, and Remove Agent Setup… gives the files back', { timeout: 6 * 60_000 }, () => {
  const workspace = join(scratch, 'ws');
  const settingsFile = join(workspace, '.claude', 'settings.local.json');
  const mcpFile = join(workspace, '.mcp.json');
  const own = `${JSON.stringify({ permissions: { allow: ['Bash(ls:*)'] } }, null, 2)}\n`;
  mkdirSync(join(workspace, '.claude'), { recursive: true });
  writeFileSync(settingsFile, own);
  writeFileSync(join(workspace, 'README.md'), '# Demo\n');
  const env = { AGENT_SANDBOX_STATE_DIR: join(scratch, 'state'), CODEX_HOME: join(scratch, 'codex-home') };
  return withSession({ name: 'agent-setup', vsixPaths: [vsixPath], workspaceFolder: workspace, env }, async (s) => {
    // The extension is there in Restricted Mode (its status item, its log command); the set-up is not.
    await readStatusBarItem(s.page, 'Sandbox: off', timeouts.extensionReady);
    await runCommand(s.page, 'Agent Sandbox: Show Logs');
    await assert.rejects(runCommand(s.page, 'Agent Sandbox: Set Up Agent…'), /no command titled/, 'offered in Restricted Mode');
    await closeQuickInput(s.page).catch(() => undefined);
    await trustWorkspace(s.page);

    await runCommand(s.page, 'Agent Sandbox: Set Up Agent…', { timeoutMs: timeouts.extensionReady });
    await pickQuickPickItem(s.page, 'Claude Code');
    await s.page.locator('.tab', { hasText: 'settings.local.json (Claude Code: set-up)' }).first().waitFor({ timeout: timeouts.ui });
    await s.page.locator('.tab', { hasText: '.mcp.json (Claude Code: set-up)' }).first().waitFor({ timeout: timeouts.ui });
    // The diff shows what will be written: the server entry on the new side.
    await s.page.locator('.monaco-diff-editor', { hasText: '"agent-sandbox"' }).first().waitFor({ timeout: timeouts.ui });
    await s.screenshot('setup-diff');
    assert.equal(readFileSync(settingsFile, 'utf8'), own, 'written before the person confirmed');
    assert.equal(existsSync(mcpFile), false, 'written before the person confirmed');
    await confirmModal(s.page, 'Write');
    await waitForNotification(s.page, 'Claude Code is set up');

    const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    assert.deepEqual(settings.permissions, { allow: ['Bash(ls:*)'] }, "the person's setting is kept");
    const hookLine: string = settings.hooks.PreToolUse[0].hooks[0].command;
    assert.equal(hookLine, `/bin/sh ${join(env.AGENT_SANDBOX_STATE_DIR, 'bin', 'agent-sandbox')} hook claude || exit 2`);
    assert.ok(existsSync(join(env.AGENT_SANDBOX_STATE_DIR, 'bin', 'agent-sandbox')), 'the launcher the hook names exists');
    const mcp = JSON.parse(readFileSync(mcpFile, 'utf8'));
    assert.deepEqual(mcp.mcpServers['agent-sandbox'].args.slice(-1), ['mcp']);

    await runCommand(s.page, 'Agent Sandbox: Remove Agent Setup…');
    await pickQuickPickItem(s.page, 'Claude Code');
    await confirmModal(s.page, 'Remove');
    await waitForNotification(s.page, 'removed the set-up of Claude Code');
    assert.equal(readFileSync(settingsFile, 'utf8'), own, "the person's settings are back byte for byte");
    assert.equal(existsSync(mcpFile), false, 'the .mcp.json the set-up created is gone');
  });
});
