/**
 * The sandbox side on a remote engine, over ssh and over TLS: the base copy (secrets left
 * out) is shipped into a volume with no bind mount, a command's changes are listed in the
 * container and fetched into the host's mirror, the change scan of the mirror sees exactly
 * those changes, and a write back (a rejected change put back) reaches the container.
 * Run by the test command with this machine's engine socket hidden from the test process
 * (.ci/without-local-engine), so nothing here can have used it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { connectEngine, resolveEndpoint } from '../../../src/core/engine/connection';
import { runHelper } from '../../../src/core/engine/exec';
import { baseCopySpec } from '../../../src/core/snapshot/baseCopySpec';
import { copyTree } from '../../../src/core/snapshot/copy';
import {
  listRemote,
  packBaseEntry,
  packFolder,
  putBack,
  refreshMirror,
  shipBase,
  type RemoteSideOptions,
} from '../../../src/core/snapshot/remoteSide';
import { scanFull } from '../../../src/core/snapshot/scan';
import { makeWorkspace, TEST_BASE_IMAGE, testPolicy } from '../support/sandbox';

const TRANSPORTS = [
  { name: 'ssh', env: { DOCKER_HOST: process.env.REMOTE_SSH_HOST } },
  {
    name: 'TLS',
    env: { DOCKER_HOST: process.env.REMOTE_TLS_HOST, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: process.env.REMOTE_TLS_CERT_PATH },
  },
];
const WORKSPACE = '/workspace';

function localSocketReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect('/var/run/docker.sock');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the sandbox side on a remote engine', () => {
  it('runs with the local engine socket out of reach when asked to prove it', async (t) => {
    if (process.env.AGENT_SANDBOX_LOCAL_ENGINE_HIDDEN !== '1') return t.skip('run through .ci/without-local-engine');
    assert.equal(await localSocketReachable(), false);
  });

  for (const transport of TRANSPORTS) {
    describe(`over ${transport.name}`, () => {
      let docker: Docker;
      let side: RemoteSideOptions;
      let ws: string;
      let base: string;
      const volume = `agent-sandbox-remote-test-${process.pid}-${transport.name.toLowerCase()}`;
      let containerId = '';
      const saved = { ...process.env };

      before(async () => {
        assert.ok(transport.env.DOCKER_HOST, 'REMOTE_SSH_HOST / REMOTE_TLS_HOST come from .ci/ensure-remote-engine');
        Object.assign(process.env, transport.env);
        const connected = await connectEngine(resolveEndpoint(), 20_000);
        assert.equal(connected.info.endpoint.local, false);
        docker = connected.docker;
        ws = makeWorkspace({
          'keep.txt': 'keep\n',
          'old.txt': 'old\n',
          'mod.txt': 'one\ntwo\n',
          '.env': 'TOKEN=secret\n',
          'dir/a.txt': 'a\n',
        });
        const top = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-side-'));
        base = path.join(top, 'base');
        const mirror = path.join(top, 'mirror');
        await copyTree(ws, base, { isExcluded: baseCopySpec(testPolicy(), undefined).isExcluded });
        fs.cpSync(base, mirror, { recursive: true, verbatimSymlinks: true });
        await docker.createVolume({ Name: volume });
        const container = await docker.createContainer({
          Image: TEST_BASE_IMAGE,
          Cmd: ['sleep', 'infinity'],
          WorkingDir: WORKSPACE,
          HostConfig: {
            Mounts: [{ Type: 'volume', Source: volume, Target: WORKSPACE }],
            ReadonlyRootfs: true,
            NetworkMode: 'none',
            CapDrop: ['ALL'],
            SecurityOpt: ['no-new-privileges'],
          },
        });
        containerId = container.id;
        await shipBase(docker, containerId, WORKSPACE, packFolder(base));
        await container.start();
        side = { docker, containerId, user: 'root', workspacePath: WORKSPACE, mirrorDir: mirror, baseDir: base };
      });

      after(async () => {
        await docker
          ?.getContainer(containerId)
          .remove({ force: true })
          .catch(() => undefined);
        await docker
          ?.getVolume(volume)
          .remove()
          .catch(() => undefined);
        for (const key of Object.keys(transport.env)) delete process.env[key];
        Object.assign(process.env, saved);
      });

      it('ships the copy into a volume, without the secrets and without any bind mount', async () => {
        const shown = await runHelper(docker, containerId, 'root', ['sh', '-c', 'ls -A /workspace; test ! -e /workspace/.env']);
        assert.equal(shown.exitCode, 0, 'the .env file is not in the container');
        assert.deepEqual(shown.stdout.toString().trim().split('\n').sort(), ['dir', 'keep.txt', 'mod.txt', 'old.txt']);
        const mounts = (await docker.getContainer(containerId).inspect()).Mounts;
        assert.deepEqual(
          mounts.map((m) => [m.Type, m.Destination]),
          [['volume', WORKSPACE]],
        );
      });

      it("fetches exactly a command's changes into the mirror, which the change scan reads like a copy", async () => {
        const before = await listRemote(side);
        const run = await runHelper(docker, containerId, 'root', [
          'sh',
          '-c',
          'echo new > added.txt; echo three >> mod.txt; rm old.txt; ln -s keep.txt link; mkfifo pipe; mkdir -p dir/sub; echo b > dir/sub/b.txt',
        ]);
        assert.equal(run.exitCode, 0, run.stderr.toString());
        const update = await refreshMirror(side, before, await listRemote(side));
        assert.deepEqual(update.notMirrored, ['pipe (a FIFO)']);
        const changes = await scanFull(base, side.mirrorDir);
        assert.deepEqual(changes.map((c) => [c.path, c.kind]).sort(), [
          ['added.txt', 'added'],
          ['dir/sub', 'added'],
          ['dir/sub/b.txt', 'added'],
          ['link', 'added'],
          ['mod.txt', 'modified'],
          ['old.txt', 'deleted'],
        ]);
        assert.equal(fs.readFileSync(path.join(side.mirrorDir, 'mod.txt'), 'utf8'), 'one\ntwo\nthree\n');
        assert.equal(fs.readlinkSync(path.join(side.mirrorDir, 'link')), 'keep.txt');
        assert.equal(fs.existsSync(path.join(side.mirrorDir, 'pipe')), false);
      });

      it('puts a rejected change back in the container, and the next listing agrees', async () => {
        const before = await listRemote(side);
        await putBack(side, 'mod.txt', await packBaseEntry(base, 'mod.txt'));
        await putBack(side, 'added.txt', undefined);
        const shown = await runHelper(docker, containerId, 'root', ['sh', '-c', 'cat mod.txt; test ! -e added.txt']);
        assert.equal(shown.exitCode, 0);
        assert.equal(shown.stdout.toString(), 'one\ntwo\n');
        await refreshMirror(side, before, await listRemote(side));
        const changes = await scanFull(base, side.mirrorDir);
        assert.deepEqual(changes.map((c) => c.path).sort(), ['dir/sub', 'dir/sub/b.txt', 'link', 'old.txt']);
      });

      it("holds the base's entry where the container has what the mirror cannot hold, and the container's file once it is one", async () => {
        const held = await listRemote(side);
        assert.equal((await runHelper(docker, containerId, 'root', ['sh', '-c', 'rm keep.txt && mkfifo keep.txt'])).exitCode, 0);
        const update = await refreshMirror(side, held, await listRemote(side));
        assert.deepEqual(update.notMirrored, ['keep.txt (a FIFO)']);
        assert.equal(fs.readFileSync(path.join(side.mirrorDir, 'keep.txt'), 'utf8'), 'keep\n');
        assert.equal(
          (await scanFull(base, side.mirrorDir)).some((c) => c.path === 'keep.txt'),
          false,
          'no deletion is shown',
        );
        // Looked at again, it stays as it is; once a file again, the container's file is fetched.
        assert.deepEqual((await refreshMirror(side, held, await listRemote(side))).notMirrored, ['keep.txt (a FIFO)']);
        assert.equal((await runHelper(docker, containerId, 'root', ['sh', '-c', 'rm keep.txt && echo agent > keep.txt'])).exitCode, 0);
        const back = await refreshMirror(side, held, await listRemote(side));
        assert.deepEqual(back.notMirrored, []);
        assert.equal(fs.readFileSync(path.join(side.mirrorDir, 'keep.txt'), 'utf8'), 'agent\n');
        await putBack(side, 'keep.txt', await packBaseEntry(base, 'keep.txt'));
        await refreshMirror(side, held, await listRemote(side));
        assert.equal(fs.readFileSync(path.join(side.mirrorDir, 'keep.txt'), 'utf8'), 'keep\n');
      });

      it('keeps what the mirror holds when a refresh fails half way, so a file fetched before the failure and deleted after it leaves the mirror', async () => {
        const held = await listRemote(side);
        // Two batches: a small file, then one over the batch size, alone in the second.
        const made = await runHelper(docker, containerId, 'root', [
          'sh',
          '-c',
          'echo early > early.txt; mkdir later; head -c 65m /dev/zero > later/big.bin',
        ]);
        assert.equal(made.exitCode, 0, made.stderr.toString());
        const current = await listRemote(side);
        // The big file grows after the listing: its archive is over what the listing allows, and the second batch fails.
        assert.equal((await runHelper(docker, containerId, 'root', ['sh', '-c', 'head -c 2m /dev/zero >> later/big.bin'])).exitCode, 0);
        await assert.rejects(refreshMirror(side, held, current));
        assert.equal(fs.readFileSync(path.join(side.mirrorDir, 'early.txt'), 'utf8'), 'early\n', 'the first batch was written');
        const removed = await runHelper(docker, containerId, 'root', ['sh', '-c', 'rm -r early.txt later']);
        assert.equal(removed.exitCode, 0, removed.stderr.toString());
        await refreshMirror(side, held, await listRemote(side));
        assert.equal(fs.existsSync(path.join(side.mirrorDir, 'early.txt')), false, 'no file the container no longer has');
        assert.equal(fs.existsSync(path.join(side.mirrorDir, 'later')), false);
        const changes = await scanFull(base, side.mirrorDir);
        assert.deepEqual(changes.map((c) => c.path).sort(), ['dir/sub', 'dir/sub/b.txt', 'link', 'old.txt']);
      });
    });
  }
});
