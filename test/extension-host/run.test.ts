// Extension-host tests: the extension loaded into a desktop VS Code by @vscode/test-electron,
// with a mocha suite (suite/*.suite.ts) that drives its commands and providers through the
// real `vscode` API. They need a desktop VS Code: VSCODE_EXECUTABLE, or a build that
// @vscode/test-electron downloaded before into .vscode-test/ (set VSCODE_TEST_DOWNLOAD=1 to
// let it download one). Without one they are skipped, and the skip says why.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import * as esbuild from 'esbuild';
import { unmountCappedFs } from '../../src/core/snapshot/diskCap';

const repoRoot = join(__dirname, '..', '..');

/** A desktop VS Code executable, or why there is none. */
function findVsCode(): { executable?: string; download?: boolean; why?: string } {
  const fromEnv = process.env.VSCODE_EXECUTABLE;
  if (fromEnv) return existsSync(fromEnv) ? { executable: fromEnv } : { why: `VSCODE_EXECUTABLE=${fromEnv} does not exist` };
  const cache = join(repoRoot, '.vscode-test');
  if (existsSync(cache)) {
    for (const dir of readdirSync(cache)) {
      for (const candidate of [
        join(cache, dir, 'code'),
        join(cache, dir, 'VSCode-linux-x64', 'code'),
        join(cache, dir, 'Visual Studio Code.app', 'Contents', 'MacOS', 'Electron'),
      ]) {
        if (existsSync(candidate) && statSync(candidate).isFile()) return { executable: candidate };
      }
    }
  }
  if (process.env.VSCODE_TEST_DOWNLOAD === '1') return { download: true };
  return {
    why: 'no desktop VS Code here: set VSCODE_EXECUTABLE to a VS Code executable, or VSCODE_TEST_DOWNLOAD=1 to let @vscode/test-electron download one into .vscode-test/ (the end-to-end suite covers the same flows in code-server)',
  };
}

const found = findVsCode();

test(
  "the extension's commands and providers work in a desktop VS Code extension host",
  { skip: found.why ?? false, timeout: 10 * 60_000 },
  async () => {
    const { runTests } = await import('@vscode/test-electron');
    const out = join(repoRoot, '.test-artifacts', 'extension-host');
    mkdirSync(out, { recursive: true });
    // The suite runs inside VS Code's extension host, which loads JavaScript: bundle it, with
    // mocha resolved from the repository's node_modules at run time.
    await esbuild.build({
      entryPoints: [join(__dirname, 'suite', 'index.ts')],
      outfile: join(out, 'suite.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'mocha', 'cpu-features', '*.node'],
      sourcemap: true,
      logLevel: 'warning',
    });
    const workspace = mkdtempSync(join(tmpdir(), 'agent-sandbox-exthost-ws-'));
    const state = mkdtempSync(join(tmpdir(), 'agent-sandbox-exthost-state-'));
    const userData = mkdtempSync(join(tmpdir(), 'agent-sandbox-exthost-profile-'));
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'agentSandbox.baseImage': process.env.AGENT_SANDBOX_BASE_IMAGE ?? 'agent-sandbox-base:bookworm' }),
    );
    writeFileSync(join(workspace, 'hello.txt'), 'hello\n');
    try {
      await runTests({
        ...(found.executable ? { vscodeExecutablePath: found.executable } : {}),
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: join(out, 'suite.js'),
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-workspace-trust',
          '--user-data-dir',
          userData,
          '--skip-welcome',
          '--skip-release-notes',
        ],
        extensionTestsEnv: { AGENT_SANDBOX_STATE_DIR: state, AGENT_SANDBOX_EXTHOST_WORKSPACE: workspace },
      });
    } finally {
      await removeSandboxesUnder(state);
      rmSync(state, { recursive: true, force: true });
      rmSync(userData, { recursive: true, force: true });
      rmSync(workspace, { recursive: true, force: true });
    }
  },
);

/** Removes what the suite's sandbox left: containers, volumes and capped file systems under `stateRoot`. */
async function removeSandboxesUnder(stateRoot: string): Promise<void> {
  const label = 'dev.agent-sandbox.state-dir';
  try {
    const docker = new Docker();
    for (const c of await docker.listContainers({ all: true })) {
      if (c.Labels?.[label]?.startsWith(stateRoot))
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined);
    }
    for (const v of (await docker.listVolumes()).Volumes ?? []) {
      if (v.Labels?.[label]?.startsWith(stateRoot))
        await docker
          .getVolume(v.Name)
          .remove({ force: true })
          .catch(() => undefined);
    }
  } catch {
    // No engine: the suite cannot have started a sandbox.
  }
  const sessions = join(stateRoot, 'sessions');
  if (existsSync(sessions)) for (const name of readdirSync(sessions)) await unmountCappedFs(join(sessions, name)).catch(() => undefined);
}
