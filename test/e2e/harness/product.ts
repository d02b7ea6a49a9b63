// The product as the e2e tests install it: what it needs on this machine (Chromium, a Docker
// engine, the base image, code-server), a fresh build, and the .vsix made from it.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensureCodeServer } from './codeServer';
import { runCommand } from './commands';
import { repoRoot } from './paths';
import { runTool } from './runTool';
import { clickStatusBarItem, readStatusBarItem } from './statusBar';
import { waitForTerminalText } from './terminal';
import { timeouts } from './timeouts';
import { trustWorkspace } from './trust';
import { packageExtension } from './vsix';

/** The base image the sandbox is built from (the one `.ci/ensure-base-image` makes). */
export const E2E_BASE_IMAGE = process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm';
/** The review panel's editor title. */
export const REVIEW_PANEL_TITLE = 'Review Sandbox Changes';
/** How long turning the sandbox on may take: the first start builds the hardened image. */
export const SANDBOX_START_TIMEOUT_MS = 240_000;

/** Makes sure the machine has what the e2e tests drive, builds the extension, and returns its .vsix (written to `outDir`). */
export async function prepareProductVsix(outDir: string): Promise<string> {
  for (const script of ['ensure-browser', 'ensure-docker', 'ensure-base-image']) {
    await runTool([join(repoRoot, '.ci', script)], { timeoutMs: 15 * 60_000, what: `.ci/${script}` });
  }
  await ensureCodeServer();
  await runTool([process.execPath, join(repoRoot, 'build.mjs')], {
    cwd: repoRoot,
    timeoutMs: 180_000,
    what: 'building the extension (npm run build)',
  });
  return packageExtension({ extensionFolder: repoRoot, outDir });
}

/** Turns the sandbox on as a person does: trust the folder, then click the "Sandbox: off" item. */
export async function trustAndStartSandbox(page: Page): Promise<void> {
  await readStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
  await trustWorkspace(page);
  await clickStatusBarItem(page, 'Sandbox: off', timeouts.extensionReady);
  await readStatusBarItem(page, 'Sandbox: on', SANDBOX_START_TIMEOUT_MS);
}

/** Opens a sandbox terminal from the palette and waits for the shell's prompt in the copy. */
export async function openSandboxTerminal(page: Page): Promise<void> {
  await runCommand(page, 'Agent Sandbox: New Sandbox Terminal');
  await waitForTerminalText(page, 'sandbox:/workspace$', 30_000);
}
