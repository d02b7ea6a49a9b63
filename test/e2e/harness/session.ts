// One e2e session: a code-server with the extensions under test, a chromium showing its
// workbench on a workspace folder, and the artifacts folder for this test. dispose() ends
// both processes whatever happened, and saves a last screenshot when the test failed.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type BrowserSession } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { artifactsDir } from './paths';
import { screenshot } from './screenshots';
import { openWorkbench } from './workbench';

export interface SessionOptions {
  /** Names the artifacts folder `.test-artifacts/e2e/<name>`. */
  name: string;
  /** .vsix files to install (see packageExtension). */
  vsixPaths: readonly string[];
  /**
   * Folder to open. With `copyWorkspaceFrom` instead, a temporary copy of that folder is
   * opened (and removed afterwards) so tests never write into the repository.
   */
  workspaceFolder?: string;
  copyWorkspaceFrom?: string;
  /** Settings merged over the harness defaults (see defaultUserSettings). */
  userSettings?: Record<string, unknown>;
  /** Settings for the profile's Machine/settings.json (scopes machine, machine-overridable). */
  machineSettings?: Record<string, unknown>;
  /** Extra environment for code-server (reaches extension hosts and terminals). */
  env?: NodeJS.ProcessEnv;
}

export interface Session {
  readonly page: Page;
  readonly server: CodeServer;
  readonly browser: BrowserSession;
  /** The folder open in the workbench. */
  readonly workspaceFolder: string;
  /** `.test-artifacts/e2e/<name>`: screenshots and code-server.log. */
  readonly artifacts: string;
  /** Saves a numbered screenshot in the artifacts folder and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Ends chromium and code-server; pass `failed` to keep a last screenshot first. */
  dispose(options?: { failed?: boolean }): Promise<void>;
}

/**
 * Starts code-server with the given extensions, opens the workspace in a fresh chromium
 * and waits for the workbench. The folder starts untrusted (see trustWorkspace).
 */
export async function startSession(options: SessionOptions): Promise<Session> {
  const artifacts = artifactsDir(options.name);
  let temporaryWorkspace: string | undefined;
  let workspaceFolder = options.workspaceFolder;
  if (!workspaceFolder) {
    temporaryWorkspace = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-workspace-'));
    if (options.copyWorkspaceFrom) cpSync(options.copyWorkspaceFrom, temporaryWorkspace, { recursive: true });
    workspaceFolder = temporaryWorkspace;
  }
  const removeTemporaryWorkspace = (): void => {
    if (temporaryWorkspace && !process.env.E2E_KEEP_PROFILE) rmSync(temporaryWorkspace, { recursive: true, force: true });
  };

  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  try {
    server = await startCodeServer({
      vsixPaths: options.vsixPaths,
      userSettings: options.userSettings,
      machineSettings: options.machineSettings,
      logDir: artifacts,
      env: options.env,
    });
    browser = await launchBrowser();
    await openWorkbench(browser.page, server.urlForFolder(workspaceFolder));
  } catch (error) {
    if (browser) await screenshot(browser.page, artifacts, 'startup-failure').catch(() => undefined);
    await browser?.close();
    await server?.stop();
    removeTemporaryWorkspace();
    throw error;
  }

  const page = browser.page;
  let disposed = false;
  const startedServer = server;
  const startedBrowser = browser;
  return {
    page,
    server: startedServer,
    browser: startedBrowser,
    workspaceFolder,
    artifacts,
    screenshot: (name) => screenshot(page, artifacts, name),
    dispose: async ({ failed = false } = {}) => {
      if (disposed) return;
      disposed = true;
      if (failed) await screenshot(page, artifacts, 'failure').catch(() => undefined);
      await startedBrowser.close();
      await startedServer.stop();
      removeTemporaryWorkspace();
    },
  };
}

/**
 * Runs `body` in a fresh session and always disposes it, with a failure screenshot when
 * `body` throws. The usual shape of an e2e test:
 *
 *     test('...', () => withSession({ name: 'my-test', vsixPaths: [vsix] }, async (s) => { ... }));
 */
export async function withSession<T>(options: SessionOptions, body: (session: Session) => Promise<T>): Promise<T> {
  const session = await startSession(options);
  try {
    const result = await body(session);
    await session.dispose();
    return result;
  } catch (error) {
    await session.dispose({ failed: true });
    throw error;
  }
}
