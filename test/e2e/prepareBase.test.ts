// The workspace copy prepared in the background, in a real VS Code (code-server): in a
// trusted workspace that used the sandbox before (a kept copy exists) and has no session,
// the extension refreshes the kept copy at activation, and again when a file changes on
// disk, as VS Code's file watcher reports it; no container is started for that.
//
// Guard: before anything else this file makes sure its tools exist, through the harness
// (code-server, chromium) and the product's build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { prepareProductVsix, readStatusBarItem, repoRoot, timeouts, trustWorkspace, withSession } from './harness';
import { sessionDirFor } from '../../src/core/session/workspace';
import { baseCacheDirFor } from '../../src/core/snapshot/baseCache';

let vsixPath = '';
const scratch = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-prepare-'));
const stateRoot = mkdtempSync(join(tmpdir(), 'agent-sandbox-e2e-state-'));

before(async () => {
  vsixPath = await prepareProductVsix(join(scratch, 'vsix'));
});

after(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test(
  'a kept copy is refreshed in the background at activation and after a change on disk, without a session',
  { timeout: 6 * 60_000 },
  async () => {
    const workspace = join(scratch, 'ws');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    writeFileSync(join(workspace, 'src', 'a.ts'), 'export const a = 1;\n');
    const env = { AGENT_SANDBOX_STATE_DIR: stateRoot };
    // An earlier use of the sandbox left a kept copy (here: made by the CLI).
    const prepared = spawnSync(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [join(repoRoot, 'src', 'cli', 'main.ts'), '--workspace', workspace, 'prepare'],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      },
    );
    assert.equal(prepared.status, 0, prepared.stderr);
    const cache = baseCacheDirFor(sessionDirFor(workspace, env));
    const manifest = join(cache, 'base-manifest.json');
    const madeByCli = statSync(manifest).mtimeMs;

    await withSession({ name: 'prepare-base', vsixPaths: [vsixPath], workspaceFolder: workspace, env }, async (s) => {
      await readStatusBarItem(s.page, 'Sandbox: off (Restricted Mode)', timeouts.extensionReady);
      await trustWorkspace(s.page);
      // The first refresh after the watcher settled: the kept copy's manifest is written anew.
      await until(() => statSync(manifest).mtimeMs > madeByCli, 'the kept copy was not refreshed after the workspace was trusted');
      const firstRefresh = statSync(manifest).mtimeMs;
      writeFileSync(join(workspace, 'src', 'a.ts'), 'export const a = 2;\n');
      writeFileSync(join(workspace, 'src', 'new.ts'), 'export const b = 3;\n');
      await until(
        () =>
          readFileSync(join(cache, 'base', 'src', 'a.ts'), 'utf8') === 'export const a = 2;\n' && statSync(manifest).mtimeMs > firstRefresh,
        'the change on disk did not reach the kept copy',
      );
      assert.equal(readFileSync(join(cache, 'base', 'src', 'new.ts'), 'utf8'), 'export const b = 3;\n');
      await s.screenshot('after-background-refresh');
      await readStatusBarItem(s.page, 'Sandbox: off', timeouts.ui);
    });
    assert.ok(!statSync(sessionDirFor(workspace, env), { throwIfNoEntry: false }), 'no session was made for the background copy');
  },
);
