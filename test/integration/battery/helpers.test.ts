/**
 * The adversarial battery: the sandbox's own helpers. The host runs short scripts inside the
 * container (the overlay scan's listing of the merged view, the revert of a discarded path).
 * They run as the agent's user, so a process the agent leaves behind can stop them. Scan,
 * discard and apply must then end within a bound with an error that names the cause and the
 * fix, never hang and never report a wrong set of changes; once the process is gone,
 * everything works again. A command whose main process ended returns even when a detached
 * process it started still holds its output.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Airlock } from '../../../src/core/airlock';
import { SandboxError } from '../../../src/core/errors';
import type { SandboxSession } from '../../../src/core/session/session';
import { sh, startBatterySession, type BatterySession } from '../support/battery';

/**
 * A daemon that leaves its command: double fork, new session, no standard streams, and an
 * empty environment (so it carries no marker of the command that started it). It then stops
 * every process whose command line looks like one of the sandbox's helpers.
 */
const STOPPER = [
  'import os, signal, time',
  'if os.fork(): os._exit(0)',
  'os.setsid()',
  'if os.fork(): os._exit(0)',
  'for fd in (0, 1, 2): os.close(fd)',
  'me = os.getpid()',
  'while True:',
  '    for p in os.listdir("/proc"):',
  '        if not p.isdigit() or int(p) == me: continue',
  '        try:',
  '            cmd = open("/proc/%s/cmdline" % p, "rb").read()',
  '        except OSError:',
  '            continue',
  '        if b"-printf" in cmd or b"agent-sandbox-revert" in cmd or b"agent-sandbox-helper" in cmd or b"agent-sandbox-kill" in cmd:',
  '            try: os.kill(int(p), signal.SIGSTOP)',
  '            except OSError: pass',
  '    time.sleep(0.002)',
].join('\n');

/** How long a blocked scan, discard or apply may take before it must have failed. */
const BOUND_MS = 60_000;

let battery: BatterySession;
let session: SandboxSession;
let airlock: Airlock;

before(async () => {
  battery = await startBatterySession({ 'docs/a.txt': 'a\n', 'docs/b.txt': 'b\n', 'keep.txt': 'keep\n' }, { commandTimeoutSec: 60 });
  session = battery.session;
  airlock = new Airlock({ view: session.snapshot, policy: battery.policy, stateDir: session.airlockDir });
});

after(() => battery?.dispose());

/** Runs `work` and fails the test if it has not settled within `ms`. */
async function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    const value = await Promise.race([work(), deadline]);
    return { value, ms: Date.now() - started };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(`${what} did not finish`)) throw error;
    return { error, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function assertInterferenceError(error: unknown, what: string): void {
  assert.ok(error instanceof SandboxError, `${what}: expected a SandboxError, got ${String(error)}`);
  assert.equal(error.code, 'HELPER_BLOCKED', `${what}: ${error.message}`);
  assert.match(error.message, /process in the sandbox/i, `${what}: the message does not name the cause: ${error.message}`);
  assert.match(error.hint ?? '', /reset|stop/i, `${what}: the hint does not name the fix: ${error.hint ?? ''}`);
}

/**
 * Finds the daemon by the tag it carries in its argv; the probe's own command line must not
 * hold the tag (nor anything the daemon stops), so it is put together by the shell.
 */
const FIND_STOPPER =
  'for p in /proc/[0-9]*; do tr "\\0\\n" "  " < $p/cmdline 2>/dev/null | grep -q "^/usr/bin/python3 -c .* $1-$2 $" && echo ${p#/proc/}; done; true';
const TAG = ['stopper', 'daemon'] as const;

async function stopperPids(): Promise<string[]> {
  const r = await sh(session, FIND_STOPPER, { args: TAG });
  return r.out.split('\n').filter((l) => l.trim());
}

describe('helpers stopped by a process of the agent', () => {
  test('a detached daemon that closed its output does not keep its command running', async () => {
    const r = await within(BOUND_MS, 'starting the daemon', () =>
      session.run(['env', '-i', '/usr/bin/python3', '-c', STOPPER, TAG.join('-')]),
    );
    assert.ok(r.value, `the command failed: ${String(r.error)}`);
    assert.equal(r.value.outcome, 'exited', r.value.message);
    assert.equal(r.value.exitCode, 0);
    assert.ok(r.ms < 20_000, `the command took ${r.ms} ms though its main process exited at once`);
    assert.equal((await stopperPids()).length, 1, 'the daemon is not running (the test would prove nothing)');
  });

  test('a detached process that keeps its output open does not keep its command running', async () => {
    const holder = 'import os, time\nif os.fork(): os._exit(0)\nos.setsid()\nif os.fork(): os._exit(0)\ntime.sleep(120)';
    const r = await within(BOUND_MS, 'a command with a detached holder', () =>
      session.run(['env', '-i', '/usr/bin/python3', '-c', holder]),
    );
    assert.ok(r.value, `the command failed: ${String(r.error)}`);
    assert.equal(r.value.exitCode, 0, r.value.message);
    assert.equal(r.value.outcome, 'exited', r.value.message);
    assert.ok(r.ms < 20_000, `the command took ${r.ms} ms though its main process exited at once`);
  });

  test('with a stopped listing helper, the scan fails in time with the cause and the fix', async () => {
    // A changed file in a folder with other files: the scan must ask the merged view about it.
    assert.equal((await sh(session, 'echo more >> docs/a.txt')).code, 0);
    const r = await within(BOUND_MS, 'the scan', () => airlock.changes());
    assert.equal(r.value, undefined, 'the scan returned a result though its helper was stopped');
    assertInterferenceError(r.error, 'scan');
  });

  test('with a stopped revert helper, discard fails in time with the cause and the fix', async () => {
    const r = await within(BOUND_MS, 'discard', () => session.snapshot.revertInSandbox('docs/a.txt'));
    assertInterferenceError(r.error, 'discard');
  });

  test('with a stopped listing helper, apply fails in time and writes nothing', async () => {
    const r = await within(BOUND_MS, 'apply', () => airlock.apply({ paths: ['docs/a.txt'] }));
    assertInterferenceError(r.error, 'apply');
    assert.equal(fs.readFileSync(path.join(battery.workspace, 'docs', 'a.txt'), 'utf8'), 'a\n', 'the real workspace was written');
  });

  test('once the daemon is killed, scan, discard and apply work again', async () => {
    assert.equal((await sh(session, 'kill -KILL "$@"', { args: await stopperPids() })).code, 0);
    assert.deepEqual(await stopperPids(), [], 'the daemon could not be killed');
    const changes = await airlock.changes();
    // The revert helper was frozen somewhere in its work (before removing the file, between
    // removing and copying it back, or after), so the copy holds the agent's edit, no file, or
    // the workspace's version again: the scan must report exactly what the copy holds.
    const seen = changes.entries.map((e) => `${e.kind} ${e.path}`);
    const inCopy = await sh(session, 'cat docs/a.txt');
    const expected = inCopy.code !== 0 ? ['deleted docs/a.txt'] : inCopy.out === 'a\n' ? [] : ['modified docs/a.txt'];
    assert.deepEqual(seen, expected, `the scan does not match what the copy holds (${JSON.stringify(inCopy.out)})`);
    if (expected.length) {
      await airlock.decide('docs/a.txt', 'approved', { reason: 'battery' });
      const report = await airlock.apply({ paths: ['docs/a.txt'] });
      assert.deepEqual(
        report.applied.map((a) => a.path),
        ['docs/a.txt'],
      );
      const real = path.join(battery.workspace, 'docs', 'a.txt');
      if (inCopy.code !== 0) assert.equal(fs.existsSync(real), false, 'the approved deletion did not reach the workspace');
      else assert.equal(fs.readFileSync(real, 'utf8'), inCopy.out, 'the approved edit did not reach the workspace');
    }
    assert.equal((await sh(session, 'echo again >> docs/b.txt')).code, 0);
    const discarded = await airlock.discard(['docs/b.txt']);
    assert.deepEqual(discarded.failed, []);
    assert.deepEqual((await airlock.changes()).entries, []);
  });
});
