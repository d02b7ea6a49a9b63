/**
 * Preparing the base copy ahead of a start, against the real engine: a first prepare makes
 * the kept copy the next start takes; an edit after a prepare is in the sandbox all the same;
 * a start that comes while another process prepares waits for it and sees a whole copy; the
 * changed paths of a watcher reach the start's refresh only when the copy is not older than
 * the watcher's list; `agent-sandbox prepare --watch` keeps the kept copy current and stops
 * (rather than make it again) once the sandbox was removed.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { readAudit } from '../../src/core/audit';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { sessionDirFor } from '../../src/core/session/workspace';
import { baseCacheDirFor } from '../../src/core/snapshot/baseCache';
import { prepareBase } from '../../src/core/snapshot/prepareBase';
import { preparingMarkOf } from '../../src/core/snapshot/prepareMark';
import { disposeStateRoot } from './support/battery';
import { cli, isolateState, makeWorkspace, startCli, testPolicy } from './support/sandbox';

const { stateDir } = isolateState();
const cleanUp: string[] = [];
const policy = testPolicy();

after(() => {
  disposeStateRoot(stateDir);
  for (const p of cleanUp) fs.rmSync(p, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const ws = makeWorkspace(files);
  cleanUp.push(ws);
  return ws;
}

/** Files written within two seconds before a copy are copied again by the next refresh (same clock tick); wait that out. */
const settle = () => new Promise((r) => setTimeout(r, 2100));

function startDetail(session: SandboxSession): string {
  const starts = readAudit(session.auditFile).filter((r) => r.event === 'start');
  return String(starts[starts.length - 1]?.detail ?? '');
}

async function inSandbox(session: SandboxSession, script: string): Promise<string> {
  const r = await session.run(['sh', '-c', script]);
  assert.equal(r.exitCode, 0, r.stderr.toString());
  return r.stdout.toString();
}

describe('preparing the base copy', () => {
  it('makes a kept copy that the next start takes, without the secrets, and does nothing while a session exists', async () => {
    const ws = workspace({ 'a.txt': 'alpha\n', 'src/b.ts': 'export {};\n', '.env': 'SECRET=1\n' });
    await settle();
    const prepared = await prepareBase({ workspaceRoot: ws, policy });
    assert.equal(prepared.outcome, 'prepared');
    assert.ok(prepared.outcome === 'prepared' && prepared.refresh === 'fresh', JSON.stringify(prepared));
    const cache = baseCacheDirFor(sessionDirFor(fs.realpathSync(ws)));
    assert.equal(fs.readFileSync(path.join(cache, 'base', 'a.txt'), 'utf8'), 'alpha\n');
    assert.ok(!fs.existsSync(path.join(cache, 'base', '.env')), 'the secret is left out, as a start leaves it out');
    assert.ok(!fs.existsSync(sessionDirFor(fs.realpathSync(ws))), 'a prepare leaves no session folder behind');

    const again = await prepareBase({ workspaceRoot: ws, policy });
    assert.ok(again.outcome === 'prepared' && again.refresh === 'full' && again.copied === 0, JSON.stringify(again));

    const { session } = await startSession({ workspaceRoot: ws, policy });
    try {
      assert.match(startDetail(session), /kept base refreshed, every entry looked at, 0 entries copied/);
      assert.ok(!fs.existsSync(cache), 'the start took the kept copy');
      assert.equal(await inSandbox(session, 'cat a.txt src/b.ts; test ! -e .env && echo no-env'), 'alpha\nexport {};\nno-env\n');
      const during = await prepareBase({ workspaceRoot: ws, policy });
      assert.equal(during.outcome, 'skipped');
      assert.ok(!fs.existsSync(cache), 'nothing is prepared next to a session');
    } finally {
      await session.destroy();
    }
    assert.ok(fs.existsSync(path.join(cache, 'base', 'a.txt')), 'the ended session left its copy for the next start');
  });

  it('a start after a prepare and an edit sees the edit', async () => {
    const ws = workspace({ 'same.txt': 'alpha\n', 'gone.txt': 'x\n', 'dir/keep.txt': 'k\n' });
    await settle();
    assert.equal((await prepareBase({ workspaceRoot: ws, policy })).outcome, 'prepared');
    fs.writeFileSync(path.join(ws, 'same.txt'), 'omega\n'); // same size, within the same second
    fs.rmSync(path.join(ws, 'gone.txt'));
    fs.writeFileSync(path.join(ws, 'dir', 'new.txt'), 'new\n');
    const { session } = await startSession({ workspaceRoot: ws, policy });
    try {
      assert.equal(await inSandbox(session, 'cat same.txt dir/new.txt; ls'), 'omega\nnew\ndir\nsame.txt\n');
    } finally {
      await session.destroy();
    }
  });

  it('a start while another process prepares waits for it and sees the whole workspace', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6000; i++) files[`d${i % 60}/f${i}.txt`] = `file ${i}\n`;
    const ws = workspace(files);
    const root = fs.realpathSync(ws);
    const mark = preparingMarkOf(sessionDirFor(root));
    const preparing = startCli(['--workspace', ws, 'prepare']);
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(mark)) {
      assert.ok(Date.now() < deadline, `the prepare never began: ${preparing.stderr()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const progress: string[] = [];
    const { session } = await startSession({ workspaceRoot: ws, policy, progress: (m) => progress.push(m) });
    try {
      assert.equal(await preparing.exited, 0, preparing.stderr());
      assert.match(preparing.stderr(), /Workspace copy made anew: 6060 entries, 6000 copied/);
      assert.ok(
        progress.some((m) => /Waiting for the workspace copy being prepared/.test(m)),
        progress.join('\n'),
      );
      assert.match(startDetail(session), /kept base refreshed/, 'the start took the copy the prepare made');
      const expected = crypto.createHash('sha256');
      for (const rel of Object.keys(files).sort((x, y) => Buffer.compare(Buffer.from(`./${x}`), Buffer.from(`./${y}`))))
        expected.update(files[rel]!);
      const listed = await inSandbox(
        session,
        'find . -type f | wc -l; find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum',
      );
      assert.equal(listed, `6000\n${expected.digest('hex')}  -\n`);
    } finally {
      await session.destroy();
    }
  });

  it("hands a watcher's changed paths to the start's refresh only when the kept copy is not older than the list", async () => {
    const ws = workspace({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    await settle();
    const watchingSince = Date.now();
    assert.equal((await prepareBase({ workspaceRoot: ws, policy })).outcome, 'prepared');
    fs.writeFileSync(path.join(ws, 'a.txt'), 'ALPHA\n');
    const first = await startSession({ workspaceRoot: ws, policy, baseChanges: { since: watchingSince, paths: ['a.txt'] } });
    try {
      assert.match(startDetail(first.session), /kept base refreshed at 1 changed paths/);
      assert.equal(await inSandbox(first.session, 'cat a.txt b.txt'), 'ALPHA\nbeta\n');
    } finally {
      await first.session.destroy();
    }
    // A watcher that started (or lost events) after the kept copy was made: every entry is looked at.
    const second = await startSession({ workspaceRoot: ws, policy, baseChanges: { since: Date.now(), paths: [] } });
    try {
      assert.match(startDetail(second.session), /kept base refreshed, every entry looked at/);
    } finally {
      await second.session.destroy();
    }
  });

  it('`prepare --watch` refreshes the kept copy at the changed paths after each burst of changes, and stops once the sandbox is removed', async () => {
    const ws = workspace({ 'a.txt': 'alpha\n', 'src/b.ts': 'b\n' });
    const cache = baseCacheDirFor(sessionDirFor(fs.realpathSync(ws)));
    const watching = startCli(['--workspace', ws, 'prepare', '--watch']);
    const { waitFor } = watching;
    try {
      await waitFor(/Workspace copy made anew/, 'no first copy');
      fs.writeFileSync(path.join(ws, 'a.txt'), 'ALPHA\n');
      await waitFor(/refreshed at 1 changed paths/, 'no refresh at the changed file');
      assert.equal(fs.readFileSync(path.join(cache, 'base', 'a.txt'), 'utf8'), 'ALPHA\n');
      // A folder made with content at once: the folder stands for its subtree.
      fs.mkdirSync(path.join(ws, 'new', 'deep'), { recursive: true });
      fs.writeFileSync(path.join(ws, 'new', 'deep', 'z.txt'), 'z\n');
      await waitFor(/refreshed at 1 changed paths[^]*refreshed at \d+ changed paths/, 'no refresh at the new folder');
      assert.equal(fs.readFileSync(path.join(cache, 'base', 'new', 'deep', 'z.txt'), 'utf8'), 'z\n');
      fs.writeFileSync(path.join(ws, 'new', 'deep', 'z.txt'), 'zz\n');
      await waitFor(/(refreshed at \d+ changed paths[^]*){3}/, 'no refresh at a file in the new folder (its watch was not set)');
      assert.equal(fs.readFileSync(path.join(cache, 'base', 'new', 'deep', 'z.txt'), 'utf8'), 'zz\n');
      // Removed: the next change stops the watcher instead of making the copy again.
      const removed = await cli(['--workspace', ws, 'remove']);
      assert.equal(removed.code, 0, removed.stderr);
      assert.ok(!fs.existsSync(cache), 'remove dropped the kept copy');
      fs.writeFileSync(path.join(ws, 'a.txt'), 'after removal\n');
      await waitFor(/Stopped watching \(the sandbox and its kept copy were removed\)/, 'the watcher did not stop after the removal');
      assert.equal(await watching.exited, 0, watching.stderr());
      assert.ok(!fs.existsSync(cache), 'the copy was not made again');
    } finally {
      watching.child.kill('SIGINT');
    }
  });

  it('`prepare --watch` stops when interrupted', async () => {
    const ws = workspace({ 'a.txt': 'alpha\n' });
    const watching = startCli(['--workspace', ws, 'prepare', '--watch']);
    await watching.waitFor(/Workspace copy made anew/, 'no first copy');
    watching.child.kill('SIGINT');
    assert.equal(await watching.exited, 0, watching.stderr());
    assert.match(watching.stderr(), /Stopped watching \(interrupted\)\./);
  });
});
