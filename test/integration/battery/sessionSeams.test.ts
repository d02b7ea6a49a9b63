/**
 * The adversarial battery: the paths of src/core/session that a hostile agent or a tampered
 * container can reach. The session owns its container, and everything the host runs there
 * goes through `helper()` with the scripts of scripts.ts; a restart checks the engine still
 * applies the hardening, and attaching to a stopped container is refused. Each test plays
 * the attacker and checks the host refuses, in bounded time, and leaves the real workspace
 * alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { attachSession, startSession } from '../../../src/core/session/lifecycle';
import { STATE_FILE } from '../../../src/core/session/state';
import { FILE_EXIT, READ_FILE_SCRIPT, WRITE_FILE_SCRIPT } from '../../../src/core/session/scripts';
import type { SandboxSession } from '../../../src/core/session/session';
import { tryReadSandboxFile, writeSandboxFile } from '../../../src/core/tools/sandboxFiles';
import { sh, startBatterySession, type BatterySession } from '../support/battery';
import { testUnderPodman, treeListing } from '../support/sandbox';

/** How long a refused read or write may take: it must not wait on what the sandbox planted. */
const BOUND_MS = 20_000;

let battery: BatterySession;
let session: SandboxSession;

before(async () => {
  battery = await startBatterySession({ 'src/app.txt': 'app\n', 'keep.txt': 'keep\n' });
  session = battery.session;
});

after(() => battery?.dispose());

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe('the session helper runs the moved scripts with their inputs as arguments', () => {
  test('a path that is shell syntax is one argument: nothing runs, nothing is written outside the copy', async () => {
    const before = treeListing(battery.workspace);
    const hostile = '$(touch pwned);`touch pwned2`;x"\'';
    const r = await session.helper(WRITE_FILE_SCRIPT, [hostile], Buffer.from('data\n'));
    assert.equal(r.exitCode, 0, r.stderr.toString());
    // The file exists under its literal name in the copy, and the command substitutions never ran.
    const listed = await sh(session, 'cd /workspace && printf "%s\\n" *');
    assert.ok(listed.out.split('\n').includes(hostile), listed.out);
    const ran = await sh(session, "find / /workspace /tmp ~ -xdev -name 'pwned*' 2>/dev/null; true");
    assert.equal(ran.out, '', `the path ran as a command: ${ran.out}`);
    assert.deepEqual(treeListing(battery.workspace), before, 'the real workspace changed');
  });

  test('a read of a FIFO the agent planted is refused at once, not blocked on', async () => {
    assert.equal((await sh(session, 'mkfifo /workspace/pipe')).code, 0);
    const { value, ms } = await timed(() => tryReadSandboxFile(session, 'pipe'));
    assert.equal(value.ok, false);
    assert.equal(!value.ok && value.failure, 'not-regular');
    assert.ok(ms < BOUND_MS, `the read took ${ms} ms`);
  });

  test('a read through a symlinked folder is refused with the link named, not followed', async () => {
    assert.equal(
      (await sh(session, 'mkdir -p /tmp/elsewhere && echo secret > /tmp/elsewhere/s && ln -s /tmp/elsewhere /workspace/link')).code,
      0,
    );
    const r = await session.helper(READ_FILE_SCRIPT, ['link/s', '1000']);
    assert.equal(r.exitCode, FILE_EXIT.symlink);
    assert.equal(r.stderr.toString(), 'link');
    assert.equal(r.stdout.length, 0, 'the linked file was read');
  });

  test('a write through a symlinked folder is refused, and the link target is untouched', async () => {
    await assert.rejects(
      () => writeSandboxFile(session, 'link/s', Buffer.from('overwritten\n')),
      (err: unknown) => err instanceof SandboxError && err.code === 'UNSAFE_PATH' && /symbolic link/.test(err.message),
    );
    const r = await sh(session, 'cat /tmp/elsewhere/s');
    assert.equal(r.out, 'secret\n');
  });

  test('a growing file is read only up to the size checked, in bounded time', async () => {
    // A process in the sandbox appends without end while the host reads.
    assert.equal(
      (
        await sh(
          session,
          'echo start > /workspace/grow; (while :; do echo more; done >> /workspace/grow) >/dev/null 2>&1 & echo $! > /tmp/grow.pid',
        )
      ).code,
      0,
    );
    try {
      const { value, ms } = await timed(() => tryReadSandboxFile(session, 'grow'));
      assert.ok(ms < BOUND_MS, `the read took ${ms} ms`);
      // Either the file was still under the limit (read whole, up to its size then) or over it and refused.
      if (value.ok) assert.ok(value.bytes.length <= 8 * 1024 * 1024);
      else assert.equal(value.failure, 'too-large');
    } finally {
      await sh(session, 'kill "$(cat /tmp/grow.pid)"; rm -f /workspace/grow');
    }
  });
});

describe('start and attach check the container on every path', () => {
  test('attaching to a stopped container is refused with the reason', async () => {
    await session.stop();
    await assert.rejects(
      () => attachSession({ workspaceRoot: battery.workspace, policy: battery.policy }),
      (err: unknown) => err instanceof SandboxError && err.code === 'SESSION_NOT_RUNNING' && /stopped/.test(err.message),
    );
  });

  // Podman 4.3's compatible API has no update, and its own CLI updates only running containers.
  const noUpdate = testUnderPodman() ? 'Podman cannot loosen a stopped container (no update in its compatible API)' : false;
  test('a stopped container whose limits were loosened is refused on restart, not started', { skip: noUpdate }, async () => {
    // Someone loosened the stopped container's pids limit (docker update works on stopped containers).
    const id = session.containerId;
    const updated = spawnSync('docker', ['update', '--pids-limit', '-1', id], { encoding: 'utf8' });
    assert.equal(updated.status, 0, updated.stderr);
    await assert.rejects(
      () => startSession({ workspaceRoot: battery.workspace, policy: battery.policy }),
      (err: unknown) => err instanceof SandboxError && err.code === 'HARDENING_NOT_APPLIED' && /pids limit/.test(err.message),
    );
    const state = spawnSync('docker', ['inspect', '-f', '{{.State.Running}}', id], { encoding: 'utf8' });
    assert.equal(state.stdout.trim(), 'false', 'the loosened container was started');
    // The pending changes of the copy are kept: the refused start did not remove the session.
    assert.ok(fs.existsSync(path.join(session.dir, STATE_FILE)));
  });
});
