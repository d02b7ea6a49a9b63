import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runtimeEntriesOf } from '../../../src/core/engine/connection';
import {
  GVISOR_ENTRIES,
  gvisorShortfalls,
  resolveRuntime,
  runscFlags,
  withResolvedRuntime,
  type RuntimeEntry,
} from '../../../src/core/engine/runtimes';
import { SandboxError } from '../../../src/core/errors';
import { DEFAULT_POLICY } from '../../../src/core/policy';

const runc: RuntimeEntry = { name: 'runc', path: 'runc', args: [] };
const plain: RuntimeEntry = { name: 'runsc', path: '/usr/bin/runsc', args: [] };
const [gv, gvUds] = GVISOR_ENTRIES as [RuntimeEntry, RuntimeEntry];
const noSockets = { hostSockets: false };
const sockets = { hostSockets: true };

function refusal(fn: () => unknown): SandboxError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SandboxError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

test('runsc flags are read only where their meaning is certain', () => {
  const flags = runscFlags(['-network=none', '--oci-seccomp', '--platform=ptrace']);
  assert.equal(flags.get('network'), 'none');
  assert.equal(flags.get('oci-seccomp'), 'true');
  assert.equal(flags.get('platform'), 'ptrace');
  assert.deepEqual(flags.unreadable, []);
  // runsc gives `--debug-log` the next argument as its value, swallowing --oci-seccomp.
  assert.deepEqual(runscFlags(['--debug-log', '--oci-seccomp', '--host-uds', 'open']).unreadable, ['--debug-log', '--host-uds', 'open']);
});

test('an entry whose arguments are unreadable or weaken the sandbox is never picked', () => {
  const swallowed: RuntimeEntry = { name: 'runsc', path: '/usr/bin/runsc', args: ['--debug-log', '--oci-seccomp', '--network=none'] };
  assert.match(refusal(() => resolveRuntime('gvisor', [runc, swallowed], 'runc', noSockets)).message, /cannot be sure how runsc reads/);
  for (const flag of ['--ignore-cgroups', '--allow-flag-override']) {
    const weak: RuntimeEntry = { name: 'runsc', path: '/usr/bin/runsc', args: [...gv.args, flag] };
    assert.match(refusal(() => resolveRuntime('gvisor', [runc, weak], 'runc', noSockets)).message, /weaken the sandbox/, flag);
  }
  // The deprecated spelling of host sockets counts as allowing more than a plain entry.
  const oldUds: RuntimeEntry = { name: 'a-runsc', path: '/usr/bin/runsc', args: [...gv.args, '--fsgofer-host-uds'] };
  assert.equal(resolveRuntime('gvisor', [runc, oldUds, gv], 'runc', noSockets).name, 'runsc');
});

test('gVisor picks the registered runsc entry with the fewest extras that fits the session', () => {
  assert.equal(resolveRuntime('gvisor', [runc, gvUds, gv], 'runc', noSockets).name, 'runsc');
  assert.equal(resolveRuntime('gvisor', [runc, gvUds, gv], 'runc', sockets).name, 'runsc-host-sockets');
  assert.equal(resolveRuntime('gvisor', [runc, gv], 'runc', noSockets).label, 'gVisor (runsc)');
});

test('gVisor without a fitting entry is refused, naming what is missing and the daemon.json entry', () => {
  const none = refusal(() => resolveRuntime('gvisor', [runc], 'runc', noSockets));
  assert.match(none.message, /no runtime that runs runsc \(it has: runc\)/);
  assert.match(none.hint ?? '', /agent-sandbox runtime setup gvisor/);
  assert.match(none.hint ?? '', /"runsc":\{"path":"\/usr\/bin\/runsc","runtimeArgs":\["--network=none","--oci-seccomp"\]\}/);
  const bare = refusal(() => resolveRuntime('gvisor', [runc, plain], 'runc', noSockets));
  assert.match(bare.message, /"runsc" lacks --network=none .*--oci-seccomp/);
  const noUds = refusal(() => resolveRuntime('gvisor', [runc, gv], 'runc', sockets));
  assert.match(noUds.message, /--host-uds=open/);
  assert.match(noUds.hint ?? '', /runsc-host-sockets/);
});

test('a runtime named directly is used as registered; a runsc one must still fit', () => {
  assert.deepEqual(resolveRuntime('runc', [runc], 'runc', noSockets), { name: 'runc', label: 'runc', kind: 'runc' });
  assert.equal(resolveRuntime('kata', [runc, { name: 'kata', path: 'kata-runtime', args: [] }], 'runc', noSockets).label, 'kata (custom)');
  assert.equal(resolveRuntime('runsc', [runc, gv], 'runc', noSockets).kind, 'gvisor');
  assert.match(refusal(() => resolveRuntime('runsc', [runc, plain], 'runc', noSockets)).message, /registered without --network=none/);
  assert.match(refusal(() => resolveRuntime('kata', [runc], 'runc', noSockets)).message, /"kata" .* not registered .*it has: runc/);
  assert.match(refusal(() => resolveRuntime('custom', [runc], 'runc', noSockets)).hint ?? '', /agentSandbox\.customRuntime/);
});

test("the engine's default runtime is used as is, unless it is a runsc that cannot run the sandbox", () => {
  assert.equal(resolveRuntime('', [runc], 'runc', noSockets).name, undefined);
  assert.equal(resolveRuntime('', [runc], 'runc', noSockets).kind, 'default');
  // A runsc default is gVisor, with gVisor's way of limiting processes.
  assert.deepEqual(resolveRuntime('', [runc, gv], 'runsc', noSockets), {
    name: undefined,
    label: "gVisor (runsc, the engine's default)",
    kind: 'gvisor',
  });
  refusal(() => resolveRuntime('', [runc, plain], 'runsc', noSockets));
});

test('the policy leaves with the registered name; the allowlist network asks for host sockets', () => {
  const allowlist = { ...DEFAULT_POLICY, runtime: 'gvisor', network: { ...DEFAULT_POLICY.network, mode: 'allowlist' as const } };
  assert.equal(withResolvedRuntime(allowlist, [runc, gv, gvUds], 'runc').policy.runtime, 'runsc-host-sockets');
  assert.equal(withResolvedRuntime({ ...DEFAULT_POLICY, runtime: 'gvisor' }, [runc, gv, gvUds], 'runc').policy.runtime, 'runsc');
  assert.equal(withResolvedRuntime(DEFAULT_POLICY, [runc], 'runc').policy.runtime, '');
});

test("docker info's Runtimes become entries with their arguments", () => {
  assert.deepEqual(runtimeEntriesOf({ runc: { path: 'runc' }, runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--network=none', 3] } }), [
    { name: 'runc', path: 'runc', args: [] },
    { name: 'runsc', path: '/usr/bin/runsc', args: ['--network=none'] },
  ]);
  assert.deepEqual(runtimeEntriesOf(undefined), []);
  assert.equal(gvisorShortfalls(gv, noSockets).length, 0);
});
