/**
 * The adversarial battery, part two: resource exhaustion. A fork bomb, a memory bomb, CPU
 * burners that hide from the timeout, an output flood, and a write that tries to fill the
 * host's disk. Each must end with a clear outcome, leave nothing running, and leave the host
 * (and the session) usable.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startSession } from '../../../src/core/session/lifecycle';
import type { SandboxSession } from '../../../src/core/session/session';
import { readState } from '../../../src/core/session/state';
import { sh, startBatterySession, type BatterySession } from '../support/battery';
import { testUnderGvisor } from '../support/sandbox';

const LIMITS = { pids: 64, memoryMb: 160, cpus: 0.5, diskCapMb: 48, outputCapBytes: 64 * 1024, commandTimeoutSec: 20 };

let battery: BatterySession;
let session: SandboxSession;

before(async () => {
  battery = await startBatterySession({ 'src/main.py': 'print("hi")\n' }, LIMITS);
  session = battery.session;
});

after(() => battery?.dispose());

/** The command lines of every process in the container but its init and keep-alive. */
async function leftovers(): Promise<string[]> {
  const r = await session.run([
    '/bin/sh',
    '-c',
    'for p in /proc/[0-9]*; do [ "${p#/proc/}" = "$$" ] && continue; c=$(tr "\\0" " " < $p/cmdline 2>/dev/null); [ -n "$c" ] && echo "$c"; done',
  ]);
  return r.stdout
    .toString()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\/sbin\/docker-init|^\/run\/podman-init|^sleep infinity|^\/dev\/init/.test(l) && !l.includes('for p in /proc'));
}

function hostAnswers(): boolean {
  return (
    spawnSync('true', { timeout: 10_000 }).status === 0 &&
    spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 20_000 }).status === 0
  );
}

describe('resources', () => {
  test('a fork bomb hits the pids limit; the timeout ends it and the host stays responsive', async () => {
    // `exec`: the shell itself needs no process slot to go on waiting. A fork of its own would
    // fail once the bomb holds them all, and the shell would exit 2 long before the timeout.
    const r = await session.run(['/bin/sh', '-c', 'bomb() { bomb | bomb & }; bomb; exec sleep 60'], { timeoutSec: 4 });
    assert.equal(r.outcome, 'timeout', `outcome ${r.outcome}: ${r.message ?? ''}`);
    assert.equal(r.exitCode, 124);
    assert.ok(hostAnswers(), 'the host or its engine stopped answering');
    assert.deepEqual(await leftovers(), [], 'processes of the bomb are still running');
    const after = await session.run(['/bin/sh', '-c', 'echo alive']);
    assert.equal(after.stdout.toString(), 'alive\n');
  });

  test('a fork bomb that retries every failed fork is stopped by restarting the container; the copy survives', async () => {
    // This bomb keeps every pid slot taken, so nothing can be started inside to kill it.
    await sh(session, 'echo kept > /workspace/kept.txt');
    const r = await session.run(
      ['python3', '-c', 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass'],
      { timeoutSec: 3 },
    );
    assert.equal(r.outcome, 'timeout', `outcome ${r.outcome}: ${r.message ?? ''}`);
    assert.match(r.message ?? '', /killed/);
    assert.ok(hostAnswers());
    assert.deepEqual(await leftovers(), []);
    assert.equal((await sh(session, 'cat /workspace/kept.txt')).out, 'kept\n', 'the workspace copy was lost');
  });

  test('the pids limit is what stops process creation', async () => {
    // Python survives a failed fork (a shell would exit), so it can count and clean up.
    const r = await session.run([
      'python3',
      '-c',
      [
        'import subprocess',
        'procs = []',
        'try:',
        '    for _ in range(200):',
        '        procs.append(subprocess.Popen(["sleep", "30"]))',
        'except OSError as e:',
        '    print("refused", e.strerror)',
        'print("started", len(procs))',
        'for p in procs:',
        '    p.kill(); p.wait()',
      ].join('\n'),
    ]);
    assert.match(r.stdout.toString(), /refused Resource temporarily unavailable/);
    const started = Number(/started (\d+)/.exec(r.stdout.toString())?.[1]);
    assert.ok(started < LIMITS.pids, `started ${started} processes with a limit of ${LIMITS.pids}`);
    assert.ok(started > 10, `only ${started} processes could start`);
  });

  test('a memory bomb ends with "out of memory" in the result', async (t) => {
    await sh(session, 'echo kept > /workspace/kept-oom.txt');
    const r = await session.run(['python3', '-c', 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))']);
    t.diagnostic(`${r.outcome} after ${r.durationMs} ms: ${r.message ?? ''}`);
    assert.equal(r.outcome, 'oom', `outcome ${r.outcome}, exit ${r.exitCode}: ${r.message ?? ''}`);
    assert.match(r.message ?? '', /out of memory/);
    if (testUnderGvisor()) {
      // gVisor's kernel holds all of the sandbox's memory: the host's limit ends it, and so the
      // whole container, which is started again at once.
      assert.match(r.message ?? '', /ended the whole sandbox container, which was started again/);
      assert.ok(hostAnswers(), 'the host or its engine stopped answering');
    }
    const after = await session.run(['/bin/sh', '-c', 'echo alive']);
    assert.equal(after.stdout.toString(), 'alive\n', 'the session survives an out-of-memory kill');
    assert.equal((await sh(session, 'cat /workspace/kept-oom.txt; rm /workspace/kept-oom.txt')).out, 'kept\n');
  });

  test("CPU is capped at the policy's share", async () => {
    if (testUnderGvisor()) {
      // gVisor shows no cgroup files inside; the cap is on runsc's own cgroup, read on the host.
      const id = session.containerId;
      const quota = [
        `/sys/fs/cgroup/cpu/docker/${id}/cpu.cfs_quota_us`,
        `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpu.cfs_quota_us`,
        `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.max`,
      ].find((f) => fs.existsSync(f));
      assert.ok(quota, `no cgroup of container ${id} found on the host`);
      const text = fs.readFileSync(quota, 'utf8').trim();
      const [q, period] = quota.endsWith('cpu.max')
        ? (text.split(/\s+/).map(Number) as [number, number])
        : [Number(text), Number(fs.readFileSync(quota.replace('cfs_quota_us', 'cfs_period_us'), 'utf8'))];
      assert.equal(q / period, LIMITS.cpus, `${quota}: ${text}`);
      return;
    }
    const r = await sh(
      session,
      'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
    );
    const [quota, period] = r.out.trim().split(/\s+/).map(Number) as [number, number];
    assert.ok(quota > 0, `no CPU quota: ${r.out}`);
    assert.equal(quota / period, LIMITS.cpus);
  });

  test('CPU burners, including a detached one, are all killed by the timeout', async () => {
    const r = await session.run(
      [
        '/bin/sh',
        '-c',
        [
          'burn() { while :; do :; done; }',
          'burn & burn &',
          // A double-forked burner in its own session, as a daemon would start itself.
          'setsid sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 &',
          'nohup sh -c "sleep 1; while :; do :; done" </dev/null >/dev/null 2>&1 &',
          'wait',
        ].join('\n'),
      ],
      { timeoutSec: 3 },
    );
    assert.equal(r.outcome, 'timeout');
    assert.equal(r.exitCode, 124);
    assert.deepEqual(await leftovers(), []);
  });

  test('a timeout kills a tree that emptied its environment from inside, with no restart', async () => {
    // Neither the main process nor its children carry the command's marker: they are found
    // through the main process's descendants. Then, a main process that is itself such a process.
    for (const script of ['env -i sh -c "sleep 300 & sleep 301 & wait"', 'exec env -i sh -c "sleep 302 & sleep 303 & wait"']) {
      const r = await session.run(['/bin/sh', '-c', script], { timeoutSec: 2 });
      assert.equal(r.outcome, 'timeout', `${script}: outcome ${r.outcome}: ${r.message ?? ''}`);
      assert.doesNotMatch(r.message ?? '', /restarted/, `${script}: the kill from inside did not end it`);
      assert.deepEqual(await leftovers(), [], script);
    }
  });

  test('an output flood is capped and counted', async () => {
    const r = await session.run(['/bin/sh', '-c', 'head -c 5000000 /dev/zero | tr "\\0" x; echo done >&2']);
    assert.equal(r.exitCode, 0);
    const kept = r.stdout.toString().replace(/\n\[\.\.\. \d+ bytes dropped[^\n]*\n/, '').length;
    assert.ok(kept <= LIMITS.outputCapBytes, `kept ${kept} bytes`);
    assert.equal(kept + r.droppedBytes, 5_000_000);
    assert.match(r.stdout.toString(), /bytes dropped by the sandbox's output cap/);
  });

  test('a disk-filling write stops at the cap and the host keeps its free space', async () => {
    const stateFree = () => {
      const st = fs.statfsSync(battery.stateDir);
      return st.bavail * st.bsize;
    };
    const freeBefore = stateFree();
    // Many files of 8 MiB, so that neither the single-file limit nor one failed write ends it.
    const r = await sh(
      session,
      'i=0; while [ $i -lt 40 ]; do dd if=/dev/zero of=/workspace/fill-$i bs=1M count=8 status=none || break; i=$((i+1)); done; echo "files $i"; du -sm /workspace | cut -f1',
    );
    const usedMb = Number(r.out.trim().split('\n').pop());
    const hostUsedMb = (freeBefore - stateFree()) / (1024 * 1024);
    assert.match(r.err, /No space left on device/, `the write was not stopped: ${r.out}`);
    assert.ok(usedMb <= LIMITS.diskCapMb + 24, `the sandbox wrote ${usedMb} MiB with a cap of ${LIMITS.diskCapMb} MiB`);
    assert.ok(hostUsedMb <= LIMITS.diskCapMb + 24, `the host lost ${hostUsedMb.toFixed(1)} MiB with a cap of ${LIMITS.diskCapMb} MiB`);
    assert.match(r.result.message ?? '', /disk cap/);
    await sh(session, 'rm -f /workspace/fill-*');
  });

  test('a sandbox stopped while a command runs stays stopped, after an out-of-memory kill too; the next start checks it and goes on', async () => {
    // The engine's out-of-memory flag stays set until the next start: a stop must not read as
    // the memory limit ending the container, which would start it again.
    const bomb = await session.run(['python3', '-c', 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))']);
    assert.equal(bomb.outcome, 'oom', bomb.message);
    let sawOutput!: () => void;
    const started = new Promise<void>((resolve) => (sawOutput = resolve));
    const running = session.run(['/bin/sh', '-c', 'echo started; sleep 60'], {
      onStdout: (chunk) => (chunk.toString().includes('started') ? sawOutput() : undefined),
    });
    await started;
    await session.stop();
    const r = await running;
    assert.equal(r.outcome, 'interrupted', `outcome ${r.outcome}, exit ${r.exitCode}: ${r.message ?? ''}`);
    assert.equal(await session.isRunning(), false, 'the stopped sandbox was started again');
    assert.equal(readState(session.dir)?.status, 'stopped');

    const again = await startSession({ workspaceRoot: battery.workspace, policy: battery.policy });
    assert.equal(again.outcome, 'restarted');
    session = again.session;
    assert.equal((await sh(session, 'echo alive')).out, 'alive\n');
  });

  // Last: under gVisor this bomb ends the container. gVisor's release in Debian 12 lets an
  // exec'd process make a user namespace, where its kernel skips RLIMIT_NPROC (README, "gVisor").
  test(
    'under gVisor, a fork bomb in a user namespace is bounded by the cgroup; the host answers and the copy is kept',
    {
      skip: testUnderGvisor() ? false : 'runc: the filter refuses user namespaces ("unshare of user and mount namespaces fails")',
    },
    async () => {
      await sh(session, 'echo kept > /workspace/kept-userns.txt');
      const limits = `/sys/fs/cgroup/pids/docker/${session.containerId}/pids.max`;
      const bound = fs.existsSync(limits) ? Number(fs.readFileSync(limits, 'utf8')) : undefined;
      const r = await session.run(
        [
          'unshare',
          '--user',
          '--map-root-user',
          'python3',
          '-c',
          'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
        ],
        { timeoutSec: 5 },
      );
      assert.notEqual(r.outcome, 'exited', `outcome ${r.outcome}: ${r.message ?? ''}`);
      assert.ok(hostAnswers(), 'the host or its engine stopped answering');
      if (bound !== undefined) assert.ok(bound < 16_385, `runsc's threads are bounded at ${bound}`);
      assert.equal(fs.readFileSync(session.snapshot.sandboxPath('kept-userns.txt'), 'utf8'), 'kept\n', 'the workspace copy was lost');
    },
  );
});
