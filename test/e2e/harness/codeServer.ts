// Starts a real VS Code (code-server) for one test: its own port on 127.0.0.1, no auth, a
// fresh user-data-dir and extensions-dir, the extensions under test installed from .vsix
// files, and user settings seeded so the run is quiet and deterministic. Workspace trust is
// left at its defaults on purpose: tests trust the folder through the UI, as a person would.
import { type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endGroup, spawnGroup } from './processGroup';
import { repoRoot } from './paths';
import { runTool } from './runTool';
import { timeouts } from './timeouts';

/** Settings written to the fresh profile's User/settings.json before code-server starts. */
export const defaultUserSettings: Readonly<Record<string, unknown>> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.restoreWindows': 'none',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  // The DOM renderer keeps terminal text in the page, where readTerminalText can see it.
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.enablePersistentSessions': false,
  'terminal.integrated.showExitAlert': false,
  'terminal.integrated.shellIntegration.enabled': false,
  'terminal.integrated.defaultProfile.linux': 'bash',
  // Each test starts from an untrusted folder in Restricted Mode. The startup trust dialog
  // is off: it is modal and comes at an unpredictable moment after load, so a test that
  // wants it asks for it (startupPrompt 'always') and waits for it; see trust.ts.
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
};

export interface CodeServerOptions {
  /** .vsix files to install before the server starts. */
  vsixPaths: readonly string[];
  /** Settings merged over {@link defaultUserSettings}. */
  userSettings?: Record<string, unknown>;
  /**
   * Settings written to the profile's Machine/settings.json. code-server is a remote
   * window, so settings of scope `machine` and `machine-overridable` are read from there,
   * not from the user settings.
   */
  machineSettings?: Record<string, unknown>;
  /** Folder for code-server.log (kept after the run). */
  logDir: string;
  /** Extra environment for code-server and therefore for terminals and extension hosts. */
  env?: NodeJS.ProcessEnv;
}

export interface CodeServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  /** URL that opens `folder` in the workbench. */
  urlForFolder(folder: string): string;
  /** Ends code-server and everything it started, and removes its profile folders. */
  stop(): Promise<void>;
}

let cachedLauncher: string | undefined;

/**
 * Path of the code-server launcher, installing it on first use through
 * `.ci/ensure-code-server` (about 2 minutes cold, instant when cached).
 * Set E2E_CODE_SERVER to use a code-server of your own.
 */
export async function ensureCodeServer(): Promise<string> {
  if (process.env.E2E_CODE_SERVER) return process.env.E2E_CODE_SERVER;
  if (cachedLauncher) return cachedLauncher;
  const { stdout } = await runTool([join(repoRoot, '.ci', 'ensure-code-server')], {
    timeoutMs: 15 * 60_000,
    what: 'installing code-server (.ci/ensure-code-server)',
  });
  const launcher = stdout.trim().split('\n').pop() ?? '';
  if (!launcher) throw new Error('.ci/ensure-code-server printed no launcher path');
  cachedLauncher = launcher;
  return launcher;
}

/** Installs the extensions, then starts code-server and waits until it answers. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const launcher = await ensureCodeServer();
  const profileRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-profile-'));
  const userDataDir = join(profileRoot, 'user-data');
  const extensionsDir = join(profileRoot, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...defaultUserSettings, ...options.userSettings }, null, 2));
  if (options.machineSettings) {
    mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
    writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(options.machineSettings, null, 2));
  }
  const env = { ...process.env, ...options.env };
  // An empty config file of our own keeps code-server away from the user's ~/.config.
  const configFile = join(profileRoot, 'config.yaml');
  writeFileSync(configFile, '');
  const profileArgs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  try {
    for (const vsix of options.vsixPaths) {
      await runTool([launcher, ...profileArgs, '--install-extension', vsix, '--force'], {
        env,
        timeoutMs: timeouts.installExtension,
        what: `installing ${vsix} into code-server`,
      });
    }
  } catch (error) {
    rmSync(profileRoot, { recursive: true, force: true });
    throw error;
  }

  const port = await freePort();
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, 'code-server.log');
  const log = createWriteStream(logFile);
  const child = spawnGroup(
    [
      launcher,
      ...profileArgs,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await endGroup(child);
    log.end();
    if (!process.env.E2E_KEEP_PROFILE) rmSync(profileRoot, { recursive: true, force: true });
  };

  try {
    await waitUntilHealthy(baseUrl, child, logFile);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    baseUrl,
    userDataDir,
    extensionsDir,
    logFile,
    urlForFolder: (folder) => `${baseUrl}/?folder=${encodeURIComponent(folder)}`,
    stop,
  };
}

async function waitUntilHealthy(baseUrl: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + timeouts.serverStart;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering; log ${logFile}:\n${logTail(logFile)}`);
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(
    `code-server did not answer on ${baseUrl}/healthz within ${timeouts.serverStart} ms; log ${logFile}:\n${logTail(logFile)}`,
  );
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A port that was free a moment ago; code-server binds it right after. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not get a free port'));
      });
    });
  });
}
