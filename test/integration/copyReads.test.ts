/**
 * Copy reads against a real session: what a command in the hardened container put into the
 * copy (a new file, a changed one, a folder, a symlink out of the workspace, a symlinked
 * folder, a FIFO, a file over the size limit) is materialized into a private host file, or
 * answered with a clear kind, in bounded time; no link is followed and the real tree is
 * untouched.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { COPY_READ_TIMEOUT_MS, copyReadsDir, isCopyReadPath, materializeCopyFile, type CopyRead } from '../../src/core/tools/copyReads';
import { READ_LIMIT_BYTES } from '../../src/core/tools/sandboxFiles';
import { disposeStateRoot } from './support/battery';
import { isolateState, makeWorkspace, testPolicy, treeListing } from './support/sandbox';

describe('copy reads over a real session', () => {
  let stateDir: string;
  let workspace: string;
  let session: SandboxSession;
  let realTree: Record<string, string>;

  before(async () => {
    ({ stateDir } = isolateState());
    workspace = makeWorkspace({ 'notes.md': 'original notes\n', 'src/keep.txt': 'keep\n' });
    realTree = treeListing(workspace);
    ({ session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), progress: () => undefined }));
    const script = [
      'printf "hi\\n" > new.txt',
      'printf "changed notes\\n" > notes.md',
      'mkdir -p made/dir',
      'ln -s /etc/passwd escape',
      'ln -s notes.md inside-link',
      'ln -s /etc linked-dir',
      'mkfifo pipe',
      `head -c ${READ_LIMIT_BYTES + 1} /dev/zero > huge.bin`,
    ].join(' && ');
    const r = await session.run(['sh', '-c', script]);
    assert.equal(r.exitCode, 0, r.message);
  });

  after(async () => {
    await session?.stop().catch(() => undefined);
    disposeStateRoot(stateDir);
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  /** Materializes `rel`, asserting it answers within the read's own deadline. */
  async function timed(rel: string): Promise<CopyRead> {
    const started = Date.now();
    const result = await materializeCopyFile(session, rel);
    const ms = Date.now() - started;
    assert.ok(ms < COPY_READ_TIMEOUT_MS, `${rel} took ${ms} ms`);
    return result;
  }

  function assertPrivateFile(result: CopyRead, base: string, content: string): string {
    assert.equal(result.kind, 'file', JSON.stringify(result));
    const hostPath = (result as { hostPath: string }).hostPath;
    assert.equal(path.basename(hostPath), base);
    assert.ok(isCopyReadPath(hostPath), `${hostPath} is not under ${copyReadsDir()}`);
    assert.equal(fs.readFileSync(hostPath, 'utf8'), content);
    const file = fs.lstatSync(hostPath);
    assert.ok(file.isFile());
    assert.equal(file.mode & 0o777, 0o600);
    assert.equal(fs.lstatSync(path.dirname(hostPath)).mode & 0o777, 0o700);
    return hostPath;
  }

  it("gives a new file and a changed file with the copy's content, under their own names", async () => {
    assertPrivateFile(await timed('new.txt'), 'new.txt', 'hi\n');
    const first = assertPrivateFile(await timed('notes.md'), 'notes.md', 'changed notes\n');
    const second = assertPrivateFile(await timed('notes.md'), 'notes.md', 'changed notes\n');
    assert.notEqual(first, second, 'a materialization was reused, so a reader of the first one could see the second');
    assertPrivateFile(await timed('src/keep.txt'), 'keep.txt', 'keep\n');
  });

  it('says missing for a path the copy does not have, and directory for a folder', async () => {
    assert.deepEqual(await timed('nowhere.txt'), { kind: 'missing' });
    assert.deepEqual(await timed('made/nowhere/deeper.txt'), { kind: 'missing' });
    assert.deepEqual(await timed('made/dir'), { kind: 'directory' });
  });

  it('refuses symlinks (out of the workspace and inside it) and symlinked folders, without following them', async () => {
    for (const rel of ['escape', 'inside-link', 'linked-dir/passwd', 'linked-dir/hostname']) {
      const result = await timed(rel);
      assert.equal(result.kind, 'refused', `${rel}: ${JSON.stringify(result)}`);
      assert.match((result as { reason: string }).reason, /symbolic link/);
      assert.doesNotMatch((result as { reason: string }).reason, /root:/, 'the reason shows the target');
    }
  });

  it('refuses a FIFO at once instead of waiting on it', async () => {
    const result = await timed('pipe');
    assert.equal(result.kind, 'refused', JSON.stringify(result));
    assert.match((result as { reason: string }).reason, /not a regular file/);
  });

  it('refuses a file over the size limit with a reason that says what works', async () => {
    const result = await timed('huge.bin');
    assert.equal(result.kind, 'refused', JSON.stringify(result));
    assert.match((result as { reason: string }).reason, new RegExp(`${READ_LIMIT_BYTES + 1} bytes`));
    assert.match((result as { reason: string }).reason, /head|sed/);
  });

  it('materializes into a given folder (as for Gemini CLI), private, cleaning up only its own entries there, and refuses a link in place of that folder', async () => {
    const base = fs.mkdtempSync(path.join(stateDir, 'agent-temp-'));
    const dir = path.join(base, 'reads');
    const theirs = path.join(base, 'theirs');
    fs.mkdirSync(theirs);
    const hostPath = (await materializeCopyFile(session, 'notes.md', { dir })) as { kind: string; hostPath: string };
    assert.equal(hostPath.kind, 'file', JSON.stringify(hostPath));
    assert.equal(path.dirname(path.dirname(hostPath.hostPath)), dir);
    assert.equal(fs.readFileSync(hostPath.hostPath, 'utf8'), 'changed notes\n');
    assert.equal(fs.lstatSync(hostPath.hostPath).mode & 0o777, 0o600);
    assert.equal(fs.lstatSync(dir).mode & 0o777, 0o700);
    // Someone else's entry in that folder is never expired, however old and however many of ours there are.
    fs.mkdirSync(path.join(dir, 'not-ours'));
    fs.utimesSync(path.join(dir, 'not-ours'), 0, 0);
    for (let i = 0; i < 3; i += 1) assert.equal((await materializeCopyFile(session, 'new.txt', { dir, maxKept: 2 })).kind, 'file');
    const left = fs.readdirSync(dir);
    assert.ok(left.includes('not-ours'), left.join(', '));
    assert.equal(left.filter((n) => n !== 'not-ours').length, 2, left.join(', '));
    // A link where the folder should be: refused, nothing written through it.
    const linked = path.join(base, 'linked');
    fs.symlinkSync(theirs, linked);
    await assert.rejects(materializeCopyFile(session, 'notes.md', { dir: linked }), /not a folder/);
    assert.deepEqual(fs.readdirSync(theirs), []);
  });

  it('leaves the real tree as it was', () => {
    assert.deepEqual(treeListing(workspace), realTree);
  });
});
