/**
 * The sandbox on Podman's Docker-compatible API (rootful), found through DOCKER_HOST as
 * Podman users point tools at it. Runs in the Podman suite of `npm test`, with the engine
 * tests and part of the battery (see the README's platform table).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectEngine } from '../../../src/core/engine/connection';
import { proveHardeningInside } from '../../../src/core/engine/dialect';
import { SANDBOX_SECCOMP_JSON } from '../../../src/core/engine/seccomp';
import { SandboxError } from '../../../src/core/errors';
import { parseStatus, sh, startBatterySession, type BatterySession } from '../support/battery';
import { TEST_BASE_IMAGE } from '../support/sandbox';

let battery: BatterySession;

before(async () => {
  battery = await startBatterySession({ 'a.txt': 'a\n' });
});

after(() => battery?.dispose());

describe('a sandbox on rootful Podman', () => {
  it('talks to Podman, not to a Docker engine', async () => {
    const { info } = await connectEngine();
    assert.equal(info.kind, 'podman', `DOCKER_HOST=${process.env.DOCKER_HOST} must lead to Podman for this suite`);
    assert.equal(info.rootless, false);
  });

  it('takes the overlay path, which Podman mounts like Docker, and the review sees what a command changed', async () => {
    assert.equal(battery.session.strategy, 'overlay');
    const run = await sh(battery.session, 'echo b > b.txt && rm a.txt');
    assert.equal(run.code, 0, run.err);
    const changes = (await battery.session.airlock().changes()).entries.map((c) => `${c.kind} ${c.path}`).sort();
    assert.deepEqual(changes, ['added b.txt', 'deleted a.txt']);
    assert.ok(fs.existsSync(path.join(battery.workspace, 'a.txt')), 'the real tree is untouched');
  });

  it("is given the sandbox's seccomp profile as a file of this machine's state folder, which the engine names", async () => {
    const { docker } = await connectEngine();
    const inspected = await docker.getContainer(battery.session.containerId).inspect();
    const seccomp = ((inspected.HostConfig as { SecurityOpt?: string[] }).SecurityOpt ?? []).filter((o) => o.startsWith('seccomp='));
    assert.equal(seccomp.length, 1, JSON.stringify(inspected.HostConfig.SecurityOpt));
    const file = seccomp[0]!.slice('seccomp='.length);
    assert.ok(file.startsWith(path.join(battery.stateDir, 'engine') + path.sep), file);
    assert.equal(fs.readFileSync(file, 'utf8'), SANDBOX_SECCOMP_JSON);
  });

  it('runs commands with no capabilities, no new privileges, the seccomp filter and the masked paths', async () => {
    const status = parseStatus((await sh(battery.session, 'cat /proc/self/status')).out);
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.equal(status[set], '0000000000000000', set);
    assert.equal(status.NoNewPrivs, '1');
    assert.equal(status.Seccomp, '2');
    // A call the sandbox's profile refuses and Podman's default allows.
    const uring = await sh(
      battery.session,
      'python3 -c "import ctypes,os; l=ctypes.CDLL(None,use_errno=True); r=l.syscall(425,8,0); print(r, ctypes.get_errno())"',
    );
    assert.equal(uring.out.trim(), '-1 1', `io_uring_setup must fail with EPERM: ${uring.out}${uring.err}`);
    const kcore = await sh(battery.session, 'head -c 16 /proc/kcore | wc -c');
    assert.equal(kcore.out.trim(), '0');
  });

  it('the proof from inside refuses a container without the hardening, and stops it', async () => {
    const { docker } = await connectEngine();
    const plain = await docker.createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sleep', 'infinity'],
      User: '1000:1000',
      // Podman's own defaults for these are more than this machine lets a runtime set.
      HostConfig: {
        NetworkMode: 'none',
        Ulimits: [
          { Name: 'nofile', Soft: 1024, Hard: 1024 },
          { Name: 'nproc', Soft: 1024, Hard: 1024 },
        ],
      },
      Labels: { 'dev.agent-sandbox.test': 'podman-proof' },
    });
    try {
      await plain.start();
      await assert.rejects(proveHardeningInside(docker, plain.id, '1000:1000'), (err: unknown) => {
        assert.ok(err instanceof SandboxError);
        assert.equal(err.code, 'HARDENING_NOT_APPLIED');
        assert.match(err.message, /capability set CapBnd/);
        assert.match(err.message, /no-new-privileges is not set/);
        return true;
      });
      assert.equal((await plain.inspect()).State.Running, false, 'the refused container is stopped');
    } finally {
      await plain.remove({ force: true }).catch(() => undefined);
    }
  });
});
