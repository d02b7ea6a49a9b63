/**
 * `agent-sandbox remove` and the collection of stale sessions against the real engine: a
 * session with a pending change is refused without --force and, with it, leaves no
 * container, volume, mount, state folder or kept copy behind while the real tree stays
 * byte-identical; symlinks the sandbox planted in its copy are not followed on the way out;
 * removing twice and removing what a crash half removed end clean; sessions of deleted
 * workspaces and removals cut short are collected by `gc` and by the next start, and a
 * stale session that a live process uses is left alone.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { LABELS } from '../../src/core/engine/hardening';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { readState } from '../../src/core/session/state';
import { REMOVING_MARK } from '../../src/core/session/teardown';
import { baseCacheDirFor } from '../../src/core/snapshot/baseCache';
import { disposeStateRoot, mountsUnder } from './support/battery';
import { cli, containersOf, isolateState, makeWorkspace, testPolicy, treeListing } from './support/sandbox';

const { stateDir } = isolateState();
const cleanUp: string[] = [];

after(() => {
  disposeStateRoot(stateDir);
  for (const p of cleanUp) fs.rmSync(p, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const ws = makeWorkspace(files);
  cleanUp.push(ws);
  return ws;
}

/** Containers and volumes the engine holds for one session folder (by the label the session put on them). */
function engineObjects(dir: string): { containers: string[]; volumes: string[] } {
  const list = (args: string[]) => spawnSync('docker', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return {
    containers: list(['ps', '-aq', '--filter', `label=${LABELS.stateDir}=${dir}`]),
    volumes: list(['volume', 'ls', '-q', '--filter', `label=${LABELS.stateDir}=${dir}`]),
  };
}

/** Every mount of this machine whose mount point is in `dir` or whose source names it (/proc/self/mountinfo). */
function mountsMentioning(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(dir));
}

function assertNothingLeft(dir: string): void {
  assert.deepEqual(engineObjects(dir), { containers: [], volumes: [] }, 'a container or volume of the session is left');
  assert.deepEqual(mountsUnder(dir), [], 'a mount under the session folder is left');
  assert.deepEqual(mountsMentioning(dir), [], 'a mount naming the session folder is left');
  assert.ok(!fs.existsSync(dir), `the state folder ${dir} is left`);
  assert.ok(!fs.existsSync(baseCacheDirFor(dir)), 'the kept base copy is left');
}

async function startWithCli(ws: string): Promise<string> {
  const started = await cli(['--workspace', ws, 'start']);
  assert.equal(started.code, 0, started.stderr);
  return SandboxSession.find(ws).dir;
}

describe('agent-sandbox remove', () => {
  it('refuses while a change is pending, then with --force leaves nothing behind and the real tree byte-identical', async () => {
    const ws = workspace({ 'a.txt': 'a\n', 'src/b.txt': 'b\n', '.env': 'TOKEN=secret\n' });
    fs.symlinkSync('a.txt', path.join(ws, 'link-to-a'));
    const realBefore = treeListing(ws);
    // A host folder the sandbox names through a symlink in its copy: the removal must not go in.
    const canary = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-canary-'));
    cleanUp.push(canary);
    fs.writeFileSync(path.join(canary, 'keep.txt'), 'canary\n');
    const dir = await startWithCli(ws);
    const run = await cli([
      '--workspace',
      ws,
      'run',
      '--',
      'sh',
      '-c',
      'echo changed > a.txt; echo new > new.txt; ln -s "$1" host-link; mkdir ro; echo x > ro/f; chmod 555 ro',
      'sh',
      canary,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(engineObjects(dir).containers.length === 1, 'the session has its container');

    const listed = await cli(['--workspace', ws, 'changes', '--json']);
    const pending = (JSON.parse(listed.stdout) as unknown[]).length;
    assert.ok(pending >= 4, listed.stdout);

    const refused = await cli(['--workspace', ws, 'remove']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`holds ${pending} pending changes not yet applied to your workspace`));
    assert.match(refused.stderr, /--force/);
    assert.equal(engineObjects(dir).containers.length, 1, 'a refused remove removed the container');
    assert.ok(fs.existsSync(path.join(dir, 'session.json')), 'a refused remove removed the state');
    const changes = await cli(['--workspace', ws, 'changes', '--json']);
    assert.equal(JSON.parse(changes.stdout).length, pending, 'the pending changes are still there after the refusal');

    const removed = await cli(['--workspace', ws, 'remove', '--force']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stderr, new RegExp(`is removed, and with it ${pending} pending changes never applied`));
    assert.match(removed.stderr, /Your workspace was not changed/);
    assertNothingLeft(dir);
    assert.deepEqual(treeListing(ws), realBefore, 'the real tree changed');
    assert.equal(fs.readFileSync(path.join(canary, 'keep.txt'), 'utf8'), 'canary\n', 'the removal went through the symlink');

    const status = await cli(['--workspace', ws, 'status', '--json']);
    assert.equal(JSON.parse(status.stdout).state, 'none');
    const again = await cli(['--workspace', ws, 'remove']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /There is no sandbox to remove/);
  });

  it('counts the changes of a stopped session, and removes it with its capped file system and volume', async () => {
    const ws = workspace({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const realBefore = treeListing(ws);
    const dir = await startWithCli(ws);
    assert.equal((await cli(['--workspace', ws, 'run', '--', 'sh', '-c', 'echo changed > a.txt'])).code, 0);
    const stopped = await cli(['--workspace', ws, 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    const state = readState(dir)!;
    if (state.diskCap === 'hard') assert.ok(mountsUnder(dir).length > 0, 'the capped file system is mounted while stopped');
    const refused = await cli(['--workspace', ws, 'remove']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /holds 1 pending change not yet applied to your workspace; removing the sandbox would throw it away/);
    assert.equal(engineObjects(dir).containers.length, 1, 'a refused remove removed the stopped container');
    const removed = await cli(['--workspace', ws, 'remove', '--force']);
    assert.equal(removed.code, 0, removed.stderr);
    assertNothingLeft(dir);
    assert.deepEqual(treeListing(ws), realBefore, 'the real tree changed');
  });

  it('finishes a half-removed session: container gone and state left, or state gone and container left', async () => {
    const ws1 = workspace({ 'a.txt': 'a\n' });
    const dir1 = await startWithCli(ws1);
    spawnSync('docker', ['rm', '-f', readState(dir1)!.containerId!]);
    const r1 = await cli(['--workspace', ws1, 'remove', '--force']);
    assert.equal(r1.code, 0, r1.stderr);
    assertNothingLeft(dir1);

    const ws2 = workspace({ 'b.txt': 'b\n' });
    const dir2 = await startWithCli(ws2);
    fs.rmSync(path.join(dir2, 'session.json'));
    const r2 = await cli(['--workspace', ws2, 'remove']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /Removed container /);
    assertNothingLeft(dir2);
  });

  it('prints its usage with --help and rejects unknown options', async () => {
    const help = await cli(['remove', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /remove \[--force\]/);
    assert.match(help.stdout, /not touched/);
    const bad = await cli(['remove', '--all']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --all/);
  });
});

describe('stale sessions are collected', () => {
  it('gc keeps the session of a workspace folder that is gone (moved back, it is there again), removes it with --orphans, and collects a removal cut short', async () => {
    const gone = workspace({ 'a.txt': 'a\n' });
    const goneDir = await startWithCli(gone);
    assert.equal((await cli(['--workspace', gone, 'run', '--', 'sh', '-c', 'echo x > x.txt'])).code, 0);
    // A removal that died after the container went: the mark is there, the rest is not removed.
    const cut = workspace({ 'c.txt': 'c\n' });
    const cutDir = await startWithCli(cut);
    spawnSync('docker', ['rm', '-f', readState(cutDir)!.containerId!]);
    fs.writeFileSync(path.join(cutDir, REMOVING_MARK), '4194305\n');
    // Moved away rather than deleted, after the last start: its unreviewed change must survive a gc.
    const moved = `${gone}-moved`;
    fs.renameSync(gone, moved);
    const gc = await cli(['gc']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(
      gc.stderr,
      new RegExp(`Kept ${goneDir} \\(its workspace folder no longer exists; kept: its pending changes were never reviewed`),
    );
    assert.match(gc.stderr, new RegExp(`Collected copy ${cutDir} \\(a removal of it was cut short\\)`));
    assertNothingLeft(cutDir);
    fs.renameSync(moved, gone);
    const changes = await cli(['--workspace', gone, 'changes', '--json']);
    assert.equal(changes.code, 0, changes.stderr);
    assert.match(changes.stdout, /"x\.txt"/, 'the moved-back workspace lost its pending change');
    // Deleted for good: the person asks for orphans.
    fs.rmSync(gone, { recursive: true, force: true });
    const orphans = await cli(['gc', '--orphans']);
    assert.equal(orphans.code, 0, orphans.stderr);
    assert.match(orphans.stderr, new RegExp(`Collected copy ${goneDir} \\(its workspace folder no longer exists\\)`));
    assertNothingLeft(goneDir);
    const again = await cli(['gc', '--orphans']);
    assert.match(again.stderr, /Nothing to collect/);
  });

  it('the start of any session leaves the session of a workspace folder that is gone for the person to decide', async () => {
    const gone = workspace({ 'a.txt': 'a\n' });
    const goneDir = await startWithCli(gone);
    fs.rmSync(gone, { recursive: true, force: true });
    const other = workspace({ 'b.txt': 'b\n' });
    const { session, collected } = await startSession({ workspaceRoot: other, policy: testPolicy() });
    try {
      assert.ok(!collected.some((c) => c.includes(goneDir)), collected.join('\n'));
      assert.ok(fs.existsSync(path.join(goneDir, 'session.json')), 'the session of the gone workspace lost its record');
    } finally {
      await session.destroy();
    }
    const orphans = await cli(['gc', '--orphans']);
    assert.equal(orphans.code, 0, orphans.stderr);
    assertNothingLeft(goneDir);
  });

  it('leaves a stale session alone while a live process uses it (its lock, or a command running in it)', async () => {
    const locked = workspace({ 'a.txt': 'a\n' });
    const lockedDir = await startWithCli(locked);
    const busy = workspace({ 'b.txt': 'b\n' });
    const busyDir = await startWithCli(busy);
    // A live process holds the first session's lock (a start, stop or remove under way).
    const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(lockedDir, 'lock'), String(holder.pid));
    // A command runs in the second one.
    const running = spawn(
      path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx'),
      [path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), '--workspace', busy, 'run', '--', 'sleep', '15'],
      {
        stdio: 'ignore',
        env: process.env,
      },
    );
    try {
      await waitFor(() => spawnSync('docker', ['top', readState(busyDir)!.containerId!], { encoding: 'utf8' }).stdout.includes('sleep 15'));
      fs.rmSync(locked, { recursive: true, force: true });
      fs.rmSync(busy, { recursive: true, force: true });

      const gc = await cli(['gc']);
      assert.equal(gc.code, 0, gc.stderr);
      assert.match(
        gc.stderr,
        new RegExp(
          `Left in use: ${lockedDir} \\(its workspace folder no longer exists; left alone: process ${holder.pid} holds its lock\\)`,
        ),
      );
      assert.match(
        gc.stderr,
        new RegExp(`Left in use: ${busyDir} \\(its workspace folder no longer exists; left alone: a command is running in it\\)`),
      );
      for (const dir of [lockedDir, busyDir]) {
        assert.ok(fs.existsSync(path.join(dir, 'session.json')), `${dir} lost its record`);
        assert.equal(engineObjects(dir).containers.length, 1, `${dir} lost its container`);
      }
    } finally {
      holder.kill('SIGKILL');
      running.kill('SIGKILL');
    }
    // Once nobody uses them they go.
    fs.rmSync(path.join(lockedDir, 'lock'), { force: true });
    // The command ends by itself.
    await waitFor(() => !spawnSync('docker', ['top', readState(busyDir)!.containerId!], { encoding: 'utf8' }).stdout.includes('sleep 15'));
    const later = await cli(['gc', '--orphans']);
    assert.equal(later.code, 0, later.stderr);
    assertNothingLeft(lockedDir);
    assertNothingLeft(busyDir);
    assert.deepEqual(containersOf(stateDir), []);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}
