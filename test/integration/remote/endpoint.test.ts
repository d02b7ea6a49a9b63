/**
 * A remote engine, reached over ssh and over TCP with TLS (this machine's engine behind sshd
 * and a TLS front, set up by the CI scripts; the product treats both as another machine):
 * the connection works and is reused, an untrusted host or a client without a certificate is
 * refused, files reach a volume and come back through the archive endpoints only (no bind
 * mount of any host path), what the sandbox wrote is read by the hostile-archive reader with
 * symlinks kept as symlinks, and a session that needs paths of this machine in the container
 * (the allowlist network's proxy socket, extra mounts, a local strategy) is refused on a
 * remote engine rather than given empty folders of the engine's machine.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { dockerFor, resolveEndpoint } from '../../../src/core/engine/connection';
import { LABELS } from '../../../src/core/engine/hardening';
import { SandboxError } from '../../../src/core/errors';
import { Dir } from '../../../src/core/fs/beneath';
import { unpackArchive } from '../../../src/core/snapshot/archiveReader';
import { startSession } from '../../../src/core/session/lifecycle';
import { disposeStateRoot } from '../support/battery';
import { isolateState, makeWorkspace, TEST_BASE_IMAGE, testPolicy } from '../support/sandbox';

const { stateDir } = isolateState();
const made: string[] = [];
after(() => {
  disposeStateRoot(stateDir);
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function required(name: string): string {
  const value = process.env[name];
  // Missing set-up is a failure, never a skip: run-all.sh sets these from .ci/ensure-remote-engine.
  if (!value) throw new Error(`${name} is not set; run .ci/ensure-remote-engine and export what it prints`);
  return value;
}

const REMOTES: { name: string; env: () => NodeJS.ProcessEnv }[] = [
  { name: 'ssh', env: () => ({ DOCKER_HOST: required('REMOTE_SSH_HOST') }) },
  {
    name: 'TLS',
    env: () => ({ DOCKER_HOST: required('REMOTE_TLS_HOST'), DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: required('REMOTE_TLS_CERT_PATH') }),
  },
];

/** Runs `argv` in the container and returns its output (stdout and stderr together) and exit code. */
async function exec(container: Docker.Container, argv: string[]): Promise<{ code: number; output: string }> {
  const e = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await e.inspect();
  // Strip the 8-byte frame headers of the multiplexed stream.
  const raw = Buffer.concat(chunks);
  const out: Buffer[] = [];
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    out.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { code: ExitCode ?? -1, output: Buffer.concat(out).toString('utf8') };
}

function tarOf(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, data] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, data);
  pack.finalize();
  return pack;
}

for (const remote of REMOTES) {
  describe(`a remote engine over ${remote.name}`, () => {
    it('connects, is not treated as local, and answers more requests on the same connection', async () => {
      const endpoint = resolveEndpoint(remote.env());
      assert.equal(endpoint.local, false);
      const docker = dockerFor(endpoint, remote.env());
      const agent = (docker.modem as unknown as { agent?: { client?: unknown } }).agent;
      await docker.ping();
      const first = agent?.client;
      for (let i = 0; i < 4; i++) await docker.ping();
      const info = (await docker.info()) as { OSType: string };
      assert.equal(info.OSType, 'linux');
      // Over ssh, one connection carries every request (a new one costs a key exchange each).
      if (remote.name === 'ssh') assert.ok(first !== undefined && agent?.client === first, 'the ssh connection is reused');
      (docker.modem as unknown as { agent?: { destroy(): void } }).agent?.destroy();
    });

    it('ships files into a volume and fetches what the container wrote, with no host path mounted', async () => {
      const env = remote.env();
      const docker = dockerFor(resolveEndpoint(env), env);
      const volume = await docker.createVolume({ Name: `agent-sandbox-remote-it-${remote.name.toLowerCase()}-${process.pid}` });
      const container = await docker.createContainer({
        Image: TEST_BASE_IMAGE,
        Cmd: ['sleep', 'infinity'],
        WorkingDir: '/workspace',
        NetworkDisabled: true,
        HostConfig: { Mounts: [{ Type: 'volume', Source: volume.name, Target: '/workspace' }], AutoRemove: false },
      });
      try {
        await container.putArchive(tarOf({ 'keep.txt': 'a\n', 'old.txt': 'old\n', 'dir/inner.txt': 'in\n' }), { path: '/workspace' });
        await container.start();
        const ran = await exec(container, [
          'sh',
          '-c',
          'echo b >> keep.txt && rm old.txt && echo new > new.txt && ln -s /etc/passwd link && mkfifo pipe',
        ]);
        assert.equal(ran.code, 0, ran.output);

        const inspected = await container.inspect();
        assert.deepEqual(
          inspected.Mounts.map((m) => m.Type),
          ['volume'],
          'only the volume is mounted; nothing of this machine is bind-mounted',
        );

        const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-mirror-'));
        made.push(mirror);
        const root = await Dir.openRoot(mirror);
        let entries;
        try {
          const archive = (await container.getArchive({ path: '/workspace' })) as unknown as Readable;
          entries = await unpackArchive(archive, root, 1);
        } finally {
          await root.close();
        }
        const byPath = new Map(entries.map((e) => [e.path, e]));
        assert.equal(fs.readFileSync(path.join(mirror, 'keep.txt'), 'utf8'), 'a\nb\n');
        assert.equal(fs.readFileSync(path.join(mirror, 'new.txt'), 'utf8'), 'new\n');
        assert.equal(fs.readFileSync(path.join(mirror, 'dir', 'inner.txt'), 'utf8'), 'in\n');
        assert.ok(!fs.existsSync(path.join(mirror, 'old.txt')));
        assert.equal(fs.readlinkSync(path.join(mirror, 'link')), '/etc/passwd', 'the symlink is kept as a symlink');
        assert.equal(byPath.get('pipe')?.type, 'fifo');
        assert.equal(byPath.get('pipe')?.materialised, false, 'the FIFO is recorded, never made');
        assert.ok(!fs.existsSync(path.join(mirror, 'pipe')));
      } finally {
        await container.remove({ force: true }).catch(() => undefined);
        await volume.remove().catch(() => undefined);
        (docker.modem as unknown as { agent?: { destroy(): void } }).agent?.destroy();
      }
    });

    it("refuses, and says why, a session that needs this machine's paths in the container, and leaves nothing on the engine", async () => {
      const ws = makeWorkspace({ 'a.txt': 'a\n' });
      made.push(ws);
      const saved = { ...process.env };
      Object.assign(process.env, remote.env());
      const env = remote.env();
      const docker = dockerFor(resolveEndpoint(env), env);
      const sessions = async () =>
        (await docker.listContainers({ all: true, filters: { label: [LABELS.managed] } })).map((c) => c.Id).sort();
      try {
        const before = await sessions();
        const allowlist = testPolicy();
        allowlist.network.mode = 'allowlist';
        await assert.rejects(
          startSession({ workspaceRoot: ws, policy: allowlist }),
          (err: unknown) => err instanceof SandboxError && /is remote; the allowlist network needs its proxy's socket/.test(err.message),
        );
        await assert.rejects(
          startSession({ workspaceRoot: ws, policy: testPolicy(), extraMounts: [{ hostPath: ws, target: '/mnt/ws' }] }),
          (err: unknown) => err instanceof SandboxError && /is remote; it cannot mount this machine's folders/.test(err.message),
        );
        await assert.rejects(
          startSession({ workspaceRoot: ws, policy: testPolicy(), strategy: 'copy' }),
          (err: unknown) => err instanceof SandboxError && /is remote; it cannot mount .*the copy strategy/.test(err.message),
        );
        assert.deepEqual(await sessions(), before, 'no container was made for a refused start');
      } finally {
        (docker.modem as unknown as { agent?: { destroy(): void } }).agent?.destroy();
        for (const key of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    });
  });
}

describe('a remote engine that cannot be trusted', () => {
  it('over ssh, refuses a host whose key is not already known', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-home-'));
    made.push(home);
    fs.mkdirSync(path.join(home, '.ssh'));
    fs.copyFileSync(path.join(os.homedir(), '.ssh', 'id_ed25519'), path.join(home, '.ssh', 'id_ed25519'));
    const env = { DOCKER_HOST: required('REMOTE_SSH_HOST') };
    assert.throws(() => dockerFor(resolveEndpoint(env, home), env, home), /not in .*known_hosts/);
    // A known_hosts entry with another key for that address: the handshake is refused.
    const port = new URL(env.DOCKER_HOST).port;
    const otherKey = Buffer.from('not the host key').toString('base64');
    fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ssh-ed25519 ${otherKey}\n`);
    const docker = dockerFor(resolveEndpoint(env, home), env, home);
    await assert.rejects(docker.ping());
    (docker.modem as unknown as { agent?: { destroy(): void } }).agent?.destroy();
  });

  it('over TLS, the engine front refuses a client without a certificate from its CA', async () => {
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-certs-'));
    made.push(certs);
    const real = required('REMOTE_TLS_CERT_PATH');
    fs.copyFileSync(path.join(real, 'ca.pem'), path.join(certs, 'ca.pem'));
    // A self-made client certificate: right shape, wrong issuer.
    const { execFileSync } = await import('node:child_process');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=stranger',
        '-keyout',
        path.join(certs, 'key.pem'),
        '-out',
        path.join(certs, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const env = { DOCKER_HOST: required('REMOTE_TLS_HOST'), DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const stranger = dockerFor(resolveEndpoint(env), env);
    await assert.rejects(stranger.ping());
    // The same endpoint with the real client certificate answers (so the refusal above is the certificate's).
    const good = { ...env, DOCKER_CERT_PATH: real };
    await dockerFor(resolveEndpoint(good), good).ping();
  });
});
