/**
 * gVisor as a runtime choice, against the real engine with runsc registered by
 * `agent-sandbox runtime setup gvisor` (.ci/ensure-runsc). Run with
 * AGENT_SANDBOX_TEST_RUNTIME=gvisor beside the battery's runtime, network and engine cases.
 *
 * What these prove: the choice runs the container under runsc; the sandbox's system calls
 * are served by gVisor's kernel; the seccomp filter reaches the container (runsc loads it
 * only with --oci-seccomp); and what a command writes through gVisor reaches the review, as
 * under runc (no overlay of gVisor's own hides it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectEngine } from '../../../src/core/engine/connection';
import { isGvisor, runscFlags } from '../../../src/core/engine/runtimes';
import { startBatterySession, type BatterySession } from '../support/battery';
import { testRuntime } from '../support/sandbox';

let battery: BatterySession;

before(async () => {
  assert.equal(testRuntime(), 'gvisor', 'run this file with AGENT_SANDBOX_TEST_RUNTIME=gvisor');
  battery = await startBatterySession({ 'keep.txt': 'keep\n', 'edit.txt': 'old\n', 'gone.txt': 'bye\n', 'src/': '' });
});

after(() => battery?.dispose());

async function inSandbox(script: string): Promise<string> {
  const r = await battery.session.run(['sh', '-c', script]);
  assert.equal(r.exitCode, 0, `${script}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

describe('gVisor (runsc)', () => {
  test('the choice runs the container under a registered runsc with the arguments the sandbox needs', async () => {
    const { docker, info } = await connectEngine();
    const inspected = await docker.getContainer(battery.session.containerId).inspect();
    const entry = info.runtimeEntries.find((r) => r.name === inspected.HostConfig.Runtime);
    assert.ok(entry && isGvisor(entry), `runtime ${inspected.HostConfig.Runtime} is not runsc`);
    const flags = runscFlags(entry.args);
    assert.equal(flags.get('network'), 'none');
    assert.equal(flags.get('oci-seccomp'), 'true');
    // No network proxy in this session: the entry that allows host sockets is not used.
    assert.equal(flags.get('host-uds') ?? 'none', 'none');
  });

  test("the sandbox's system calls are served by gVisor's kernel, not the host's", async () => {
    const kernelLog = await inSandbox('dmesg 2>&1 | head -n 3');
    assert.match(kernelLog, /gVisor/, `dmesg in the sandbox: ${kernelLog}`);
    const hostRelease = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    const sandboxRelease = (await inSandbox('uname -r')).trim();
    assert.notEqual(sandboxRelease, hostRelease, "the sandbox reports the host's kernel release");
  });

  test("the container's first process runs under the sandbox's seccomp filter", async () => {
    const status = await inSandbox('grep -E "^Seccomp:" /proc/1/status');
    assert.match(status, /Seccomp:\s+2/, status);
  });

  test('what a command writes under gVisor reaches the review: edit, add, delete, symlink', async () => {
    const r = await battery.session.run([
      'sh',
      '-c',
      'echo new > edit.txt && echo add > src/added.txt && rm gone.txt && ln -s keep.txt link',
    ]);
    assert.equal(r.exitCode, 0, r.stderr.toString());
    const changes = await battery.session.airlock().changes();
    const kinds = Object.fromEntries(changes.entries.map((e) => [e.path, e.kind]));
    assert.equal(kinds['edit.txt'], 'modified');
    assert.equal(kinds['src/added.txt'], 'added');
    assert.equal(kinds['gone.txt'], 'deleted');
    assert.equal(kinds.link, 'added');
    assert.equal(kinds['keep.txt'], undefined);
    // The real workspace is untouched until an apply.
    assert.equal(fs.readFileSync(path.join(battery.workspace, 'edit.txt'), 'utf8'), 'old\n');
    assert.ok(fs.existsSync(path.join(battery.workspace, 'gone.txt')));
  });
});
