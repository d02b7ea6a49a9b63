/**
 * A whole session on a remote engine, over ssh and over TLS, through the product's own start:
 * the workspace copy goes into a volume (secrets left out), nothing of this machine is mounted,
 * a command's edit, addition, deletion, new folder and symlink reach the review exactly, apply
 * writes the approved ones into the real tree, a rejected one is put back inside the
 * container, a file tool's writes (made in the container) reach the review and a rejected hunk
 * the tools take back leaves the container and the review agreeing, a FIFO in place of a
 * workspace file is never offered as its deletion, and a folder the agent swaps for a symlink
 * between the listing and the fetch brings nothing the sandbox user could not read into the review.
 * Run by the test command with this machine's engine socket hidden (.ci/without-local-engine).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { Airlock } from '../../../src/core/airlock';
import { connectEngine } from '../../../src/core/engine/connection';
import { runHelper } from '../../../src/core/engine/exec';
import { SANDBOX_WORKDIR } from '../../../src/core/engine/hardening';
import { startSession } from '../../../src/core/session/lifecycle';
import type { SandboxSession } from '../../../src/core/session/session';
import { reconcileRejections } from '../../../src/core/tools/feedback';
import { writeSandboxFile } from '../../../src/core/tools/sandboxFiles';
import { keyOf, listRemote, refreshMirror, type RemoteSideOptions } from '../../../src/core/snapshot/remoteSide';
import { isolateState, makeWorkspace, testPolicy } from '../support/sandbox';

const TRANSPORTS = [
  { name: 'ssh', env: { DOCKER_HOST: process.env.REMOTE_SSH_HOST } },
  {
    name: 'TLS',
    env: { DOCKER_HOST: process.env.REMOTE_TLS_HOST, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: process.env.REMOTE_TLS_CERT_PATH },
  },
];

/** The sandbox side of `rel` as the review reads it (the mirror on this machine). */
async function readSide(session: SandboxSession, rel: string): Promise<string> {
  const file = await session.snapshot.openFile('sandbox', rel);
  try {
    return (await file.readFile()).toString('utf8');
  } finally {
    await file.close();
  }
}

for (const transport of TRANSPORTS) {
  describe(`a session on a remote engine over ${transport.name}`, () => {
    const saved = { ...process.env };
    let stateDir: string;
    let workspace: string;
    let session: SandboxSession;
    let docker: Docker;

    /** Runs a shell line in the container as the sandbox user (the test's own look inside). */
    const inside = async (line: string) => {
      const r = await runHelper(docker, session.containerId, session.user, ['sh', '-c', line]);
      return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
    };

    before(async () => {
      assert.ok(transport.env.DOCKER_HOST, 'REMOTE_SSH_HOST / REMOTE_TLS_HOST come from .ci/ensure-remote-engine');
      Object.assign(process.env, transport.env);
      ({ stateDir } = isolateState());
      workspace = makeWorkspace({
        'keep.txt': 'keep\n',
        'edit.txt': 'one\ntwo\n',
        'gone.txt': 'bye\n',
        'reject.txt': 'as the person wrote it\n',
        '.env': 'TOKEN=secret\n',
        'src/lib.ts': 'export const a = 1;\n',
        'lines.txt': '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n',
      });
      ({ session } = await startSession({ workspaceRoot: workspace, policy: testPolicy(), progress: () => undefined }));
      docker = (await connectEngine()).docker;
    });

    after(async () => {
      await session?.destroy().catch(() => undefined);
      fs.rmSync(path.dirname(stateDir), { recursive: true, force: true });
      fs.rmSync(workspace, { recursive: true, force: true });
      for (const key of Object.keys(transport.env)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    it('runs on the remote strategy: a volume of the engine, no bind mount, no secrets shipped', async () => {
      assert.equal(session.engine.endpoint.local, false);
      assert.equal(session.strategy, 'remote');
      const inspected = await docker.getContainer(session.containerId).inspect();
      assert.deepEqual(
        inspected.Mounts.filter((m) => m.Type !== 'volume'),
        [],
        'nothing of this machine is mounted',
      );
      assert.equal(inspected.HostConfig.Binds ?? null, null);
      assert.ok(inspected.Mounts.some((m) => m.Type === 'volume' && m.Destination === SANDBOX_WORKDIR));
      const listed = await inside('ls -A; test ! -e .env && echo no-env');
      assert.deepEqual(listed.out.trim().split('\n').sort(), [
        'edit.txt',
        'gone.txt',
        'keep.txt',
        'lines.txt',
        'no-env',
        'reject.txt',
        'src',
      ]);
    });

    it("shows exactly a command's changes for review, applies the approved ones, and puts a rejected one back in the container", async () => {
      const result = await session.run([
        'sh',
        '-c',
        'echo three >> edit.txt; rm gone.txt; echo new > added.txt; mkdir -p pkg/sub; echo deep > pkg/sub/x.txt; ln -s keep.txt link; echo agent > reject.txt',
      ]);
      assert.equal(result.exitCode, 0, result.message);
      assert.deepEqual([...result.changedFiles].sort(), [
        'added.txt',
        'edit.txt',
        'gone.txt',
        'link',
        'pkg',
        'pkg/sub',
        'pkg/sub/x.txt',
        'reject.txt',
      ]);
      const airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
      await airlock.recover();
      const set = await airlock.changes();
      assert.deepEqual(Object.fromEntries(set.entries.map((e) => [e.path, e.kind])), {
        'added.txt': 'added',
        'edit.txt': 'modified',
        'gone.txt': 'deleted',
        link: 'added',
        pkg: 'added',
        'pkg/sub': 'added',
        'pkg/sub/x.txt': 'added',
        'reject.txt': 'modified',
      });
      for (const e of set.entries) if (e.path !== 'reject.txt') await airlock.decide(e.path, 'approved');
      await airlock.decide('reject.txt', 'rejected', { reason: 'keep mine' });
      const report = await airlock.apply();
      assert.deepEqual(report.conflicts, []);

      assert.equal(fs.readFileSync(path.join(workspace, 'edit.txt'), 'utf8'), 'one\ntwo\nthree\n');
      assert.equal(fs.existsSync(path.join(workspace, 'gone.txt')), false);
      assert.equal(fs.readFileSync(path.join(workspace, 'added.txt'), 'utf8'), 'new\n');
      assert.equal(fs.readFileSync(path.join(workspace, 'pkg/sub/x.txt'), 'utf8'), 'deep\n');
      assert.equal(fs.readlinkSync(path.join(workspace, 'link')), 'keep.txt');
      assert.equal(fs.readFileSync(path.join(workspace, 'reject.txt'), 'utf8'), 'as the person wrote it\n');
      assert.equal(fs.readFileSync(path.join(workspace, '.env'), 'utf8'), 'TOKEN=secret\n');

      // The rejected change is removed from the sandbox, as the review panel does after an apply:
      // gone from the container itself, not only from the review.
      assert.deepEqual(await airlock.discard(['reject.txt']), { discarded: ['reject.txt'], failed: [] });
      assert.equal((await inside('cat reject.txt')).out, 'as the person wrote it\n');
      assert.deepEqual((await airlock.changes()).entries, []);
    });

    it("shows a file tool's writes for review, and a rejected hunk the tools take back leaves the container with the approved one only", async () => {
      // The file tools write in the container, never on this machine: the review sees their
      // writes because the mirror is refreshed before each scan.
      await writeSandboxFile(session, 'tool.txt', Buffer.from('from the tool\n'));
      await writeSandboxFile(session, 'lines.txt', Buffer.from('ONE\n2\n3\n4\n5\n6\n7\n8\n9\nTEN\n'));
      const airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
      await airlock.recover();
      const set = await airlock.changes();
      assert.deepEqual(Object.fromEntries(set.entries.map((e) => [e.path, e.kind])), { 'lines.txt': 'modified', 'tool.txt': 'added' });
      await airlock.decide('lines.txt', 'rejected', { hunks: [2], reason: 'keep ten' });
      await airlock.decide('tool.txt', 'rejected', { reason: 'not wanted' });
      const report = await reconcileRejections(airlock, (rel, content) => writeSandboxFile(session, rel, content));
      assert.deepEqual(report.failed, []);
      assert.deepEqual(report.revertedFiles, ['tool.txt']);
      assert.equal((await inside('cat lines.txt')).out, 'ONE\n2\n3\n4\n5\n6\n7\n8\n9\n10\n', 'the rejected hunk is gone in the container');
      assert.notEqual((await inside('test -e tool.txt')).code, 0, 'the rejected file is gone in the container');
      const after = await airlock.changes();
      assert.deepEqual(
        after.entries.map((e) => e.path),
        ['lines.txt'],
      );
      const bytes = await readSide(session, 'lines.txt');
      assert.equal(bytes, 'ONE\n2\n3\n4\n5\n6\n7\n8\n9\n10\n', 'the mirror the review reads agrees with the container');
    });

    it("shows no deletion where the agent put a FIFO in place of a workspace file, says so in the command's note, and shows the file again once it is one", async () => {
      const fifo = await session.run(['sh', '-c', 'rm keep.txt && mkfifo keep.txt']);
      assert.equal(fifo.exitCode, 0, fifo.message);
      assert.match(fifo.message ?? '', /Not shown for review[^:]*: keep\.txt \(a FIFO\)/);
      const airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
      await airlock.recover();
      assert.deepEqual(
        (await airlock.changes()).entries.filter((e) => e.path === 'keep.txt'),
        [],
        'the workspace file is not offered for deletion',
      );
      const file = await session.run(['sh', '-c', 'rm keep.txt && echo agent > keep.txt']);
      assert.equal(file.exitCode, 0, file.message);
      assert.deepEqual(
        (await airlock.changes()).entries.filter((e) => e.path === 'keep.txt').map((e) => e.kind),
        ['modified'],
      );
      assert.equal(await readSide(session, 'keep.txt'), 'agent\n');
      assert.deepEqual(await airlock.discard(['keep.txt']), { discarded: ['keep.txt'], failed: [] });
      assert.equal((await inside('cat keep.txt')).out, 'keep\n');
    });

    it('brings nothing the sandbox user cannot read into the review when a folder becomes a symlink after the listing', async () => {
      // /etc/shadow is in the image and unreadable to the sandbox user. The listing saw
      // swap/shadow as a file; by the fetch, swap is a symlink to /etc.
      assert.equal((await inside('mkdir swap && echo mine > swap/shadow && cat /etc/shadow')).code === 0, false);
      const side: RemoteSideOptions = {
        docker,
        containerId: session.containerId,
        user: session.user,
        workspacePath: SANDBOX_WORKDIR,
        mirrorDir: session.snapshot.layout.sandbox,
      };
      const listed = await listRemote(side);
      assert.ok(listed.get(keyOf(Buffer.from('swap/shadow'))));
      assert.equal((await inside('rm -r swap && ln -s /etc swap')).code, 0);
      const previous = new Map(listed);
      previous.delete(keyOf(Buffer.from('swap/shadow')));
      const update = await refreshMirror(side, previous, listed);
      assert.ok(update.notMirrored.includes('swap/shadow (changed while it was fetched)'), JSON.stringify(update));
      assert.equal(fs.existsSync(path.join(side.mirrorDir, 'swap', 'shadow')), false);
    });

    it('never fetches a file the sandbox user cannot read while the agent swaps a folder and a symlink in a loop', async () => {
      // The swapping goes on until the test has looked three times (a scan over ssh takes
      // seconds, more on a busy machine), or at most 25 s (helpers stop at 30).
      const loop = inside(
        'rm -f /tmp/race-stop; end=$(( $(date +%s) + 25 )); while [ ! -e /tmp/race-stop ] && [ $(date +%s) -lt $end ]; do rm -rf race; mkdir race; echo mine > race/shadow; rm -rf race; ln -s /etc race; done; rm -rf race',
      );
      const airlock = new Airlock({ view: session.snapshot, policy: session.policy, stateDir: session.airlockDir });
      let looks = 0;
      const until = Date.now() + 22_000;
      while (looks < 3 && Date.now() < until) {
        await session.snapshot.scan().catch((err: Error) => assert.doesNotMatch(err.message, /root:/));
        // Looked at by name: the mirror's race may be the agent's symlink, which the test must not follow either.
        const folder = path.join(session.snapshot.layout.sandbox, 'race');
        if (fs.lstatSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
          const mirrored = path.join(folder, 'shadow');
          if (fs.lstatSync(mirrored, { throwIfNoEntry: false })?.isFile()) assert.equal(fs.readFileSync(mirrored, 'utf8'), 'mine\n');
        }
        looks++;
      }
      assert.equal((await inside('touch /tmp/race-stop')).code, 0);
      assert.equal((await loop).code, 0);
      assert.ok(looks >= 3, `the mirror was refreshed ${looks} times during the race`);
      await airlock.recover();
    });
  });
}
