import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import {
  hardenedCreateOptions,
  LABELS,
  SANDBOX_BASE_MOUNT,
  SANDBOX_WORKDIR,
  sandboxEnv,
  verifyHardening,
  type HardenedContainerInput,
} from '../../../src/core/engine/hardening';
import { DEFAULT_POLICY } from '../../../src/core/policy';

const input: HardenedContainerInput = {
  sessionId: 'proj-abc123',
  workspaceRoot: '/home/me/proj',
  stateDir: '/home/me/.local/state/agent-sandbox/sessions/proj',
  image: 'agent-sandbox:1234',
  user: '1000:1000',
  policy: { ...DEFAULT_POLICY, cpus: 1.5, memoryMb: 1024, pids: 256, fileSizeCapMb: 100, openFiles: 2048 },
  workspace: { kind: 'volume', name: 'agent-sandbox-proj-abc123' },
  baseDir: '/home/me/.local/state/agent-sandbox/sessions/proj/base',
  hostEnv: { LANG: 'C.UTF-8', AWS_SECRET_ACCESS_KEY: 'nope', HOME: '/home/me', PATH: '/home/me/bin:/usr/bin', SSH_AUTH_SOCK: '/run/ssh' },
};

describe('hardened container settings', () => {
  const options = hardenedCreateOptions(input);
  const host = options.HostConfig!;

  it('drops every capability and forbids gaining privileges', () => {
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.CapAdd, []);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(host.Privileged, false);
  });

  it('has a read-only root with size-capped tmpfs for /tmp and the home directory', () => {
    assert.equal(host.ReadonlyRootfs, true);
    assert.match(host.Tmpfs!['/tmp']!, /size=512m/);
    assert.match(host.Tmpfs!['/tmp']!, /nosuid/);
    assert.match(host.Tmpfs!['/home/sandbox']!, /size=256m/);
    assert.match(host.Tmpfs!['/home/sandbox']!, /uid=1000,gid=1000/);
  });

  it('limits memory without swap, CPU, pids, open files and file size', () => {
    assert.equal(host.Memory, 1024 * 1024 * 1024);
    assert.equal(host.MemorySwap, host.Memory);
    assert.equal(host.NanoCpus, 1.5e9);
    assert.equal(host.PidsLimit, 256);
    assert.deepEqual(host.Ulimits, [
      { Name: 'nofile', Soft: 2048, Hard: 2048 },
      { Name: 'fsize', Soft: 100 * 1024 * 1024, Hard: 100 * 1024 * 1024 },
    ]);
  });

  it('has no network, an init process, no host namespaces, no devices and capped logs', () => {
    assert.equal(host.NetworkMode, 'none');
    assert.equal(host.Init, true);
    for (const mode of [host.PidMode, host.IpcMode, host.UTSMode, host.UsernsMode, host.CgroupnsMode]) assert.notEqual(mode, 'host');
    assert.deepEqual(host.Devices, []);
    assert.deepEqual(host.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } });
  });

  it('mounts only the sandbox copy and the read-only base: no engine socket, no host paths', () => {
    assert.deepEqual(host.Mounts, [
      { Type: 'volume', Source: 'agent-sandbox-proj-abc123', Target: SANDBOX_WORKDIR, ReadOnly: false },
      { Type: 'bind', Source: input.baseDir, Target: SANDBOX_BASE_MOUNT, ReadOnly: true },
    ]);
    assert.equal(host.Binds, undefined);
  });

  it('runs as the non-root user in the workspace, labelled with its session', () => {
    assert.equal(options.User, '1000:1000');
    assert.equal(options.WorkingDir, SANDBOX_WORKDIR);
    assert.equal(options.Labels![LABELS.session], 'proj-abc123');
    assert.equal(options.Labels![LABELS.managed], '1');
    assert.equal(options.Labels![LABELS.workspace], '/home/me/proj');
  });

  it('passes only allowlisted host variables, never HOME, PATH or secrets of the host', () => {
    const env = sandboxEnv(input);
    assert.ok(env.includes('LANG=C.UTF-8'));
    assert.ok(env.includes('HOME=/home/sandbox'));
    assert.ok(!env.some((e) => e.startsWith('AWS_SECRET_ACCESS_KEY=')));
    assert.ok(!env.some((e) => e.startsWith('SSH_AUTH_SOCK=')));
    assert.ok(!env.includes('PATH=/home/me/bin:/usr/bin'));
    assert.deepEqual(options.Env, env);
  });

  it('sets the configured runtime only when one is configured', () => {
    assert.equal(host.Runtime, undefined);
    const gvisor = hardenedCreateOptions({ ...input, policy: { ...input.policy, runtime: 'runsc' } });
    assert.equal(gvisor.HostConfig!.Runtime, 'runsc');
  });
});

/** What a Docker engine reports for a container created with `options`, as it would if everything took. */
function inspectOf(options: ReturnType<typeof hardenedCreateOptions>): Docker.ContainerInspectInfo {
  return {
    Config: { User: options.User, Env: [...options.Env!, 'IMAGE_VAR=1'], Labels: options.Labels },
    HostConfig: {
      ...options.HostConfig,
      MaskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
    },
    Mounts: options.HostConfig!.Mounts!.map((m) => ({ Type: m.Type, Source: m.Source, Name: m.Type === 'volume' ? m.Source : undefined, Destination: m.Target })),
  } as unknown as Docker.ContainerInspectInfo;
}

describe('hardening verification after create', () => {
  const expected = hardenedCreateOptions(input);

  it('accepts a container whose settings all took', () => {
    assert.deepEqual(verifyHardening(inspectOf(expected), expected, ['IMAGE_VAR=1']), []);
  });

  const tamper: [string, (i: Docker.ContainerInspectInfo) => void, RegExp][] = [
    ['capabilities kept', (i) => ((i.HostConfig as { CapDrop?: string[] }).CapDrop = []), /capabilities are not all dropped/],
    ['a capability added', (i) => ((i.HostConfig as { CapAdd?: string[] }).CapAdd = ['SYS_ADMIN']), /capabilities were added: SYS_ADMIN/],
    ['no-new-privileges missing', (i) => ((i.HostConfig as { SecurityOpt?: string[] }).SecurityOpt = []), /no-new-privileges/],
    ['seccomp unconfined', (i) => ((i.HostConfig as { SecurityOpt?: string[] }).SecurityOpt = ['no-new-privileges:true', 'seccomp=unconfined']), /seccomp/],
    ['privileged', (i) => (i.HostConfig.Privileged = true), /privileged/],
    ['writable root', (i) => ((i.HostConfig as { ReadonlyRootfs?: boolean }).ReadonlyRootfs = false), /root file system is writable/],
    ['bridge network', (i) => (i.HostConfig.NetworkMode = 'bridge'), /network mode/],
    ['host pid namespace', (i) => ((i.HostConfig as { PidMode?: string }).PidMode = 'host'), /PidMode/],
    ['memory limit lost', (i) => ((i.HostConfig as { Memory?: number }).Memory = 0), /memory limit/],
    ['swap allowed', (i) => ((i.HostConfig as { MemorySwap?: number }).MemorySwap = -1), /memory\+swap/],
    ['pids unlimited', (i) => ((i.HostConfig as { PidsLimit?: number }).PidsLimit = 0), /pids limit/],
    ['ulimit missing', (i) => ((i.HostConfig as { Ulimits?: unknown[] }).Ulimits = []), /ulimit nofile/],
    ['no init', (i) => ((i.HostConfig as { Init?: boolean }).Init = false), /init/],
    ['kcore visible', (i) => ((i.HostConfig as { MaskedPaths?: string[] }).MaskedPaths = []), /\/proc\/kcore is not masked/],
    ['root user', (i) => (i.Config.User = '0:0'), /runs as root/],
    ['docker socket mounted', (i) => i.Mounts.push({ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock' } as Docker.ContainerInspectInfo['Mounts'][number]), /docker\.sock/],
    ['host variable leaked', (i) => i.Config.Env.push('AWS_SECRET_ACCESS_KEY=x'), /AWS_SECRET_ACCESS_KEY/],
    ['label missing', (i) => (i.Config.Labels = {}), /label/],
  ];
  for (const [name, change, problem] of tamper) {
    it(`refuses a container with ${name}`, () => {
      const inspected = structuredClone(inspectOf(expected));
      change(inspected);
      const problems = verifyHardening(inspected, expected, ['IMAGE_VAR=1']);
      assert.ok(problems.some((p) => problem.test(p)), `expected a problem matching ${problem}, got ${JSON.stringify(problems)}`);
    });
  }
});
