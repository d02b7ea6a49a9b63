// "Remove Sandbox…" and the set-up offer of "Run Agent in Sandbox" in a real VS Code
// (code-server) in a real chromium against the real Docker engine, as a person meets them.
// One started sandbox serves both: first "Run Agent in Sandbox" with claude missing from the
// sandbox asks in a modal that names what is missing and offers to install it and to set up
// its network and key, and Cancel changes nothing. Then, with a pending change to a file,
// "Remove Sandbox…" asks in a modal that names the change it would lose; Cancel keeps the
// sandbox and the change; Remove takes the container and its volumes away, the status bar
// goes to off, and the real file is byte for byte what it was.
//
// Guard: before anything else this file makes sure its tools exist, through the .ci scripts
// (chromium, Docker engine, the local base image) and the harness (code-server).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import type { Page } from 'playwright-core';
import {
  clearNotifications,
  clickStatusBarItem,
  closeQuickInput,
  E2E_BASE_IMAGE,
  pickQuickPickItem,
  prepareProductVsix,
  readStatusBarItem,
  repoRoot,
  runCommand,
  SANDBOX_START_TIMEOUT_MS,
  timeouts,
  trustWorkspace,
  waitForNotification,
  waitForStatusBarItemGone,
  withSession,
} from './harness';
import { runTool } from './harness/runTool';
import { SANDBOX_TOOLS_BIN } from '../../src/core/engine/hardening';
import { unmountCappedFs } from '../../src/core/snapshot/diskCap';

const STATE_LABEL = 'dev.agent-sandbox.state-dir';

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-remove-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-state-'));
/** A tools volume of this test's own, so no CLI installed by another run is found in it. */
const toolsVolume = `agent-sandbox-e2e-tools-${process.pid}`;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(async () => {
  // Whatever a failed run left behind: containers, volumes, capped file systems.
  for (const c of await containersOfThisTest())
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  for (const v of await volumesOfThisTest())
    await docker
      .getVolume(v.Name)
      .remove({ force: true })
      .catch(() => undefined);
  await docker
    .getVolume(toolsVolume)
    .remove({ force: true })
    .catch(() => undefined);
  const sessions = join(stateRoot, 'sessions');
  for (const name of existsSync(sessions) ? readdirSync(sessions) : []) await unmountCappedFs(join(sessions, name)).catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

async function containersOfThisTest(): Promise<Docker.ContainerInfo[]> {
  return (await docker.listContainers({ all: true })).filter((c) => c.Labels?.[STATE_LABEL]?.startsWith(stateRoot));
}

async function volumesOfThisTest(): Promise<Docker.VolumeInspectInfo[]> {
  return ((await docker.listVolumes()).Volumes ?? []).filter((v) => v.Labels?.[STATE_LABEL]?.startsWith(stateRoot));
}

/** The text of the modal dialog once it shows (its message and its detail). */
async function readModal(page: Page): Promise<string> {
  const box = page.locator('.monaco-dialog-box');
  await box.waitFor({ state: 'visible', timeout: timeouts.ui });
  return (await box.innerText()).replace(/\s+/g, ' ');
}

async function answerModal(page: Page, button: string): Promise<void> {
  const box = page.locator('.monaco-dialog-box');
  await box.getByRole('button', { name: button, exact: true }).click({ timeout: timeouts.ui });
  await box.waitFor({ state: 'hidden', timeout: timeouts.ui });
}

async function modalButtons(page: Page): Promise<string[]> {
  return (await page.locator('.monaco-dialog-box .dialog-buttons a, .monaco-dialog-box .dialog-buttons button').allInnerTexts()).map((t) =>
    t.trim(),
  );
}

const README = "# Demo workspace\n\nThe person's own text.\n";

test(
  'Run Agent in Sandbox names what claude lacks and Cancel changes nothing; Remove Sandbox… names the change it would lose, Cancel keeps it, Remove takes the sandbox away',
  { timeout: 8 * 60_000 },
  async (t) => {
    const workspace = join(scratch, 'ws');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'README.md'), README);
    const env = { AGENT_SANDBOX_STATE_DIR: stateRoot, AGENT_SANDBOX_TOOLS_VOLUME: toolsVolume, ANTHROPIC_API_KEY: '' };
    await withSession(
      {
        name: 'remove-sandbox',
        vsixPaths: [vsixPath],
        workspaceFolder: workspace,
        userSettings: { 'agentSandbox.healthCheckIntervalSec': 1 },
        // No registry is reachable in CI: build the sandbox image on the local base image.
        machineSettings: { 'agentSandbox.baseImage': E2E_BASE_IMAGE },
        env,
      },
      async (s) => {
        const { page } = s;
        await readStatusBarItem(page, 'Sandbox: off (Restricted Mode)', timeouts.extensionReady);
        await trustWorkspace(page);
        await clickStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
        await readStatusBarItem(page, 'Sandbox: on', SANDBOX_START_TIMEOUT_MS);
        const started = await containersOfThisTest();
        assert.equal(
          started.filter((c) => c.State === 'running').length,
          1,
          `one running sandbox container; the engine shows ${JSON.stringify(started.map((c) => [c.Names, c.State]))}`,
        );

        await t.test('Run Agent in Sandbox with claude missing: the modal names what is missing; Cancel changes nothing', async () => {
          const filesBefore = readdirSync(workspace).sort();
          await runCommand(page, 'Agent Sandbox: Run Agent in Sandbox');
          await pickQuickPickItem(page, 'claude');
          const text = await readModal(page);
          await s.screenshot('run-agent-missing');
          assert.match(text, /claude is not ready to run in the sandbox/, text);
          assert.match(text, /"claude" is not installed in the sandbox/, `the modal names the missing program: ${text}`);
          assert.match(text, /claude needs to reach [^ ]*anthropic/, `the modal names the API it cannot reach: ${text}`);
          const buttons = await modalButtons(page);
          for (const b of ['Install claude', 'Set Up Network and Key', 'Cancel'])
            assert.ok(buttons.includes(b), `button ${b}; shown: ${JSON.stringify(buttons)}`);
          assert.ok(!buttons.includes('Open Anyway'), `no Open Anyway while the program is missing; shown: ${JSON.stringify(buttons)}`);
          await answerModal(page, 'Cancel');
          // No agent terminal, no install, no settings written, the sandbox still on.
          await new Promise((done) => setTimeout(done, 2000));
          assert.equal(
            await page.locator('.terminal-tabs-entry, .single-terminal-tab', { hasText: 'Agent Sandbox: claude' }).count(),
            0,
            'an agent terminal opened after Cancel',
          );
          assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'another modal followed Cancel');
          assert.deepEqual(readdirSync(workspace).sort(), filesBefore, 'the workspace gained files (settings?) after Cancel');
          // Still not installed: neither the tools volume nor the sandbox's PATH has claude.
          const which = await runTool(
            [
              'docker',
              'exec',
              started[0]!.Id,
              '/bin/sh',
              '-c',
              'if [ -e "$1/claude" ] || command -v claude >/dev/null; then echo found; else echo none; fi',
              'sh',
              SANDBOX_TOOLS_BIN,
            ],
            { timeoutMs: 30_000, what: 'looking for claude in the sandbox' },
          );
          assert.equal(which.stdout.trim(), 'none', 'claude was installed after Cancel');
          await readStatusBarItem(page, 'Sandbox: on', timeouts.ui);
        });

        await t.test(
          'Remove Sandbox… with a pending change: Cancel keeps everything, Remove takes the sandbox away and leaves the file as it was',
          async () => {
            await runCommand(page, 'Agent Sandbox: Run Command in Sandbox…');
            await page.locator('.quick-input-widget .quick-input-box input').fill('echo an unapplied line >> README.md');
            await page.keyboard.press('Enter');
            await readStatusBarItem(page, '1 pending', 30_000);
            await clearNotifications(page);

            await runCommand(page, 'Agent Sandbox: Remove Sandbox…');
            const asked = await readModal(page);
            await s.screenshot('remove-asks');
            assert.match(asked, /Remove the sandbox and lose 1 pending change\?/, asked);
            assert.match(asked, /with 1 pending change that was not applied and will be lost/, asked);
            assert.match(asked, /Your workspace is not changed/, asked);
            await answerModal(page, 'Cancel');
            await new Promise((done) => setTimeout(done, 2000));
            await readStatusBarItem(page, 'Sandbox: on', timeouts.ui);
            await readStatusBarItem(page, '1 pending', timeouts.ui);
            const kept = await containersOfThisTest();
            assert.deepEqual(
              kept.map((c) => [c.Id, c.State]),
              started.map((c) => [c.Id, 'running']),
              'Cancel changed the sandbox container',
            );
            assert.equal(readFileSync(join(workspace, 'README.md'), 'utf8'), README);

            await runCommand(page, 'Agent Sandbox: Remove Sandbox…');
            await readModal(page);
            await answerModal(page, 'Remove');
            await waitForNotification(page, 'the sandbox was removed. Your workspace was not changed.');
            await readStatusBarItem(page, 'Sandbox: off', timeouts.ui);
            await waitForStatusBarItemGone(page, '1 pending');
            await s.screenshot('removed');
            // With no session left the palette no longer offers to remove one.
            await assert.rejects(
              runCommand(page, 'Agent Sandbox: Remove Sandbox…', { timeoutMs: 3000 }),
              /no command titled/,
              'Remove Sandbox… still offered with no sandbox',
            );
            await closeQuickInput(page).catch(() => undefined);
            const left = await containersOfThisTest();
            assert.deepEqual(
              left.map((c) => c.Names),
              [],
              'containers of the removed sandbox are left',
            );
            const volumes = await volumesOfThisTest();
            assert.deepEqual(
              volumes.map((v) => v.Name),
              [],
              'volumes of the removed sandbox are left',
            );
            assert.equal(readFileSync(join(workspace, 'README.md'), 'utf8'), README, 'the real file changed');
            assert.deepEqual(readdirSync(workspace), ['README.md'], 'the real workspace gained or lost files');
            // The CLI, reading the same state folder, finds no session either.
            const status = await runTool(
              [process.execPath, join(repoRoot, 'dist', 'cli.js'), '--workspace', workspace, 'status', '--json'],
              { timeoutMs: 60_000, what: 'agent-sandbox status', env: { ...process.env, ...env } },
            );
            const report = JSON.parse(status.stdout) as { state: string; session: string | null };
            assert.deepEqual({ state: report.state, session: report.session }, { state: 'none', session: null }, status.stdout);
          },
        );
      },
    );
  },
);
