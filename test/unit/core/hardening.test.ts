import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import {
  GVISOR_THREADS_CEILING,
  GVISOR_THREADS_FLOOR,
  GVISOR_THREADS_PER_PROCESS,
  hardenedCreateOptions,
  LABELS,
  SANDBOX_BASE_MOUNT,
  SANDBOX_TOOLS_BIN,
  SANDBOX_TOOLS_MOUNT,
  SANDBOX_WORKDIR,
  sandboxEnv,
  verifyHardening,
  type HardenedContainerInput,
} from '../../../src/core/engine/hardening';
import {
  buildSandboxSeccompProfile,
  DENIED_SYSCALLS,
  SANDBOX_SECCOMP_JSON,
  SANDBOX_SECCOMP_OPT,
  type SeccompProfile,
  type SeccompRule,
} from '../../../src/core/engine/seccomp';
import { DEFAULT_POLICY } from '../../../src/core/policy';
import engineDefault from '../../../media/seccomp-default.json';

const input: HardenedContainerInput = {
  sessionId: 'proj-abc123',
  workspaceRoot: '/home/me/proj',
  stateDir: '/home/me/.local/state/agent-sandbox/sessions/proj',
  image: 'agent-sandbox:1234',
  user: '1000:1000',
  policy: { ...DEFAULT_POLICY, cpus: 1.5, memoryMb: 1024, pids: 256, fileSizeCapMb: 100, openFiles: 2048 },
  workspace: { kind: 'volume', name: 'agent-sandbox-proj-abc123' },
  baseDir: '/home/me/.local/state/agent-sandbox/sessions/proj/base',
  tools: { volume: 'agent-sandbox-tools-1000-1000', writable: false },
  hostEnv: { LANG: 'C.UTF-8', AWS_SECRET_ACCESS_KEY: 'nope', HOME: '/home/me', PATH: '/home/me/bin:/usr/bin', SSH_AUTH_SOCK: '/run/ssh' },
};

describe('hardened container settings', () => {
  const options = hardenedCreateOptions(input);
  const host = options.HostConfig!;

  it('drops every capability and forbids gaining privileges', () => {
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.CapAdd, []);
    assert.ok(host.SecurityOpt!.includes('no-new-privileges:true'));
    assert.equal(host.Privileged, false);
  });

  it("passes the sandbox's own seccomp profile, as JSON text, and no other seccomp setting", () => {
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges:true', SANDBOX_SECCOMP_OPT]);
    assert.ok(SANDBOX_SECCOMP_OPT.startsWith('seccomp={'));
    const profile = JSON.parse(SANDBOX_SECCOMP_OPT.slice('seccomp='.length)) as SeccompProfile;
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(profile.defaultErrnoRet, 1, 'refused calls answer EPERM');
  });

  it('keeps the same seccomp profile under the gVisor runtime', () => {
    const gvisor = hardenedCreateOptions({ ...input, policy: { ...input.policy, runtime: 'runsc' } });
    assert.deepEqual(gvisor.HostConfig!.SecurityOpt, ['no-new-privileges:true', SANDBOX_SECCOMP_OPT]);
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

  it("under gVisor, puts the process limit on gVisor's kernel and bounds runsc's own threads on the cgroup", () => {
    const gvisor = hardenedCreateOptions({ ...input, gvisor: true }).HostConfig!;
    assert.equal(gvisor.PidsLimit, 256 * GVISOR_THREADS_PER_PROCESS + GVISOR_THREADS_FLOOR);
    assert.deepEqual(
      gvisor.Ulimits?.find((u) => u.Name === 'nproc'),
      { Name: 'nproc', Soft: 256, Hard: 256 },
    );
    assert.ok(!host.Ulimits?.some((u) => u.Name === 'nproc'), 'runc gets no process ulimit from Docker');
    const large = hardenedCreateOptions({ ...input, gvisor: true, policy: { ...input.policy, pids: 8192 } }).HostConfig!;
    assert.equal(large.PidsLimit, GVISOR_THREADS_CEILING, "runsc's threads have a ceiling whatever the policy says");
  });

  it('verification refuses a gVisor container whose process ulimit was lost', () => {
    const wanted = hardenedCreateOptions({ ...input, gvisor: true });
    const inspected = inspectOf(wanted);
    (inspected.HostConfig as { Ulimits?: { Name: string; Soft: number; Hard: number }[] }).Ulimits = host.Ulimits as never;
    assert.ok(verifyHardening(inspected, wanted, []).some((p) => /ulimit nproc/.test(p)));
  });

  it('has no network, an init process, no host namespaces, no devices and capped logs', () => {
    assert.equal(host.NetworkMode, 'none');
    assert.equal(host.Init, true);
    for (const mode of [host.PidMode, host.IpcMode, host.UTSMode, host.UsernsMode, host.CgroupnsMode]) assert.notEqual(mode, 'host');
    assert.deepEqual(host.Devices, []);
    assert.deepEqual(host.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } });
  });

  it('mounts only the sandbox copy, the read-only base and the read-only tools volume: no engine socket, no host paths', () => {
    assert.deepEqual(host.Mounts, [
      { Type: 'volume', Source: 'agent-sandbox-proj-abc123', Target: SANDBOX_WORKDIR, ReadOnly: false },
      { Type: 'bind', Source: input.baseDir, Target: SANDBOX_BASE_MOUNT, ReadOnly: true },
      { Type: 'volume', Source: 'agent-sandbox-tools-1000-1000', Target: SANDBOX_TOOLS_MOUNT, ReadOnly: true },
    ]);
    assert.equal(host.Binds, undefined);
  });

  it('puts the tools volume last on PATH, so nothing installed there shadows a program of the image', () => {
    const pathVar = sandboxEnv(input)
      .find((e) => e.startsWith('PATH='))!
      .slice('PATH='.length)
      .split(':');
    assert.equal(pathVar.at(-1), SANDBOX_TOOLS_BIN);
    assert.equal(pathVar.filter((p) => p.startsWith(SANDBOX_TOOLS_MOUNT)).length, 1);
  });

  it('gives the tools installer the volume writable, and no workspace or base at all', () => {
    const installer = hardenedCreateOptions({ ...input, workspace: undefined, baseDir: undefined, tools: { volume: 'v', writable: true } });
    assert.deepEqual(installer.HostConfig!.Mounts, [{ Type: 'volume', Source: 'v', Target: SANDBOX_TOOLS_MOUNT, ReadOnly: false }]);
    assert.deepEqual(installer.HostConfig!.CapDrop, ['ALL']);
    assert.equal(installer.HostConfig!.ReadonlyRootfs, true);
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
    Mounts: options.HostConfig!.Mounts!.map((m) => ({
      Type: m.Type,
      Source: m.Source,
      Name: m.Type === 'volume' ? m.Source : undefined,
      Destination: m.Target,
      RW: !m.ReadOnly,
    })),
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
    [
      'seccomp unconfined',
      (i) => ((i.HostConfig as { SecurityOpt?: string[] }).SecurityOpt = ['no-new-privileges:true', 'seccomp=unconfined']),
      /seccomp/,
    ],
    ['privileged', (i) => (i.HostConfig.Privileged = true), /privileged/],
    ['writable root', (i) => ((i.HostConfig as { ReadonlyRootfs?: boolean }).ReadonlyRootfs = false), /root file system is writable/],
    ['bridge network', (i) => (i.HostConfig.NetworkMode = 'bridge'), /network mode/],
    ['host pid namespace', (i) => ((i.HostConfig as { PidMode?: string }).PidMode = 'host'), /PidMode/],
    ['memory limit lost', (i) => ((i.HostConfig as { Memory?: number }).Memory = 0), /memory limit/],
    ['swap allowed', (i) => ((i.HostConfig as { MemorySwap?: number }).MemorySwap = -1), /memory\+swap/],
    ['pids unlimited', (i) => ((i.HostConfig as { PidsLimit?: number }).PidsLimit = 0), /pids limit/],
    ['ulimit missing', (i) => ((i.HostConfig as { Ulimits?: unknown[] }).Ulimits = []), /ulimit nofile/],
    [
      'a second, looser entry of a ulimit',
      (i) => {
        const limits = (i.HostConfig as { Ulimits: { Name: string; Soft: number; Hard: number }[] }).Ulimits;
        limits.push({ ...limits.find((u) => u.Name === 'nofile')!, Name: 'RLIMIT_NOFILE', Soft: 1 << 20, Hard: 1 << 20 });
      },
      /ulimit nofile/,
    ],
    ['no init', (i) => ((i.HostConfig as { Init?: boolean }).Init = false), /init/],
    ['kcore visible', (i) => ((i.HostConfig as { MaskedPaths?: string[] }).MaskedPaths = []), /\/proc\/kcore is not masked/],
    ['root user', (i) => (i.Config.User = '0:0'), /runs as root/],
    [
      'docker socket mounted',
      (i) =>
        i.Mounts.push({
          Type: 'bind',
          Source: '/var/run/docker.sock',
          Destination: '/var/run/docker.sock',
        } as Docker.ContainerInspectInfo['Mounts'][number]),
      /docker\.sock/,
    ],
    ['host variable leaked', (i) => i.Config.Env.push('AWS_SECRET_ACCESS_KEY=x'), /AWS_SECRET_ACCESS_KEY/],
    ['label missing', (i) => (i.Config.Labels = {}), /label/],
    [
      'the tools volume writable in a session',
      (i) => (i.Mounts.find((m) => m.Destination === SANDBOX_TOOLS_MOUNT)!.RW = true),
      /\/opt\/agent-tools is writable, expected read-only/,
    ],
    [
      'the base copy writable',
      (i) => (i.Mounts.find((m) => m.Destination === SANDBOX_BASE_MOUNT)!.RW = true),
      /\/run\/agent-sandbox\/base is writable/,
    ],
    [
      'the tools volume missing',
      (i) => (i.Mounts = i.Mounts.filter((m) => m.Destination !== SANDBOX_TOOLS_MOUNT)),
      /the mount at \/opt\/agent-tools is missing/,
    ],
    [
      'another volume at the tools path',
      (i) => (i.Mounts.find((m) => m.Destination === SANDBOX_TOOLS_MOUNT)!.Name = 'someone-elses'),
      /unexpected mount of someone-elses|holds someone-elses/,
    ],
  ];
  for (const [name, change, problem] of tamper) {
    it(`refuses a container with ${name}`, () => {
      const inspected = structuredClone(inspectOf(expected));
      change(inspected);
      const problems = verifyHardening(inspected, expected, ['IMAGE_VAR=1']);
      assert.ok(
        problems.some((p) => problem.test(p)),
        `expected a problem matching ${problem}, got ${JSON.stringify(problems)}`,
      );
    });
  }
});

/** Every (rule without its names, name) pair a profile allows, as comparable strings. */
function allowedPairs(profile: SeccompProfile): Set<string> {
  const pairs = new Set<string>();
  for (const rule of profile.syscalls) {
    if (rule.action !== 'SCMP_ACT_ALLOW') continue;
    const { names, ...condition } = rule;
    for (const name of names) pairs.add(`${name} ${JSON.stringify(condition)}`);
  }
  return pairs;
}

const allowingRules = (profile: SeccompProfile, name: string): SeccompRule[] =>
  profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(name));

describe("the sandbox's seccomp profile", () => {
  const profile = JSON.parse(SANDBOX_SECCOMP_JSON) as SeccompProfile;
  const listed = [
    'io_uring_setup',
    'io_uring_enter',
    'io_uring_register',
    'userfaultfd',
    'bpf',
    'perf_event_open',
    'keyctl',
    'add_key',
    'request_key',
    'open_by_handle_at',
    'name_to_handle_at',
    'kexec_load',
    'kexec_file_load',
    'init_module',
    'finit_module',
    'delete_module',
    'unshare',
    'setns',
    'socketcall',
    'ipc',
  ];

  it('allows none of the high-risk calls, under any capability', () => {
    assert.deepEqual(Object.keys(DENIED_SYSCALLS).sort(), [...listed].sort());
    for (const name of listed) assert.deepEqual(allowingRules(profile, name), [], `${name} is allowed`);
  });

  it('is otherwise the engine default: every other allowed call with the same conditions, the same errno rules', () => {
    const base = engineDefault as SeccompProfile;
    const expected = [...allowedPairs(base)].filter((p) => !(p.split(' ')[0]! in DENIED_SYSCALLS));
    assert.deepEqual([...allowedPairs(profile)].sort(), expected.sort());
    assert.deepEqual(
      profile.archMap.map((a) => a.architecture),
      base.archMap.map((a) => a.architecture),
    );
    const refusals = (p: SeccompProfile) => p.syscalls.filter((r) => r.action !== 'SCMP_ACT_ALLOW');
    assert.deepEqual(refusals(profile), refusals(base));
    // The everyday calls are all there.
    for (const name of ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'clone', 'wait4', 'socket', 'getdents64']) {
      assert.ok(allowingRules(profile, name).length > 0, `${name} is not allowed`);
    }
  });

  it("accepts only the engine's own architecture: no 32-bit or other sub-architecture whose calls would pass the filter", () => {
    // A 64-bit process can still make i386 calls (int 0x80); with no sub-architecture listed,
    // the filter kills such a call instead of judging it by the i386 rules.
    for (const arch of profile.archMap) {
      assert.deepEqual(arch.subArchitectures ?? [], [], `${arch.architecture} keeps ${JSON.stringify(arch.subArchitectures)}`);
    }
    assert.ok(profile.archMap.some((a) => a.architecture === 'SCMP_ARCH_X86_64'));
    assert.ok(profile.archMap.some((a) => a.architecture === 'SCMP_ARCH_AARCH64'));
  });

  it('allows neither socketcall nor ipc, whose arguments sit in memory the filter cannot read', () => {
    for (const name of ['socketcall', 'ipc']) assert.deepEqual(allowingRules(profile, name), [], `${name} is allowed`);
    // The socket rule is the one they would get around: AF_ALG (38) and AF_VSOCK (40) stay refused.
    const socket = allowingRules(profile, 'socket').filter((r) => !r.includes?.caps);
    assert.deepEqual(
      socket.map((r) => r.args),
      [
        [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }],
        [{ index: 0, value: 39, op: 'SCMP_CMP_EQ' }],
        [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }],
      ],
    );
  });

  it('takes the calls out of a default that allows them, also from rules gated by a capability', () => {
    const permissive: SeccompProfile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [],
      syscalls: [
        { names: ['read', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'keyctl'], action: 'SCMP_ACT_ALLOW' },
        { names: ['bpf', 'perf_event_open'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    };
    assert.deepEqual(buildSandboxSeccompProfile(permissive), {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      archMap: [],
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
  });

  it('keeps ptrace as the default has it: only on kernels where it cannot step around the filter', () => {
    const ptrace = allowingRules(profile, 'ptrace').filter((r) => !r.includes?.caps);
    assert.deepEqual(
      ptrace.map((r) => r.includes),
      [{ minKernel: '4.8' }],
    );
  });

  it('keeps the namespace flags of clone refused and clone3 answering ENOSYS, so libc falls back to clone', () => {
    const clone = allowingRules(profile, 'clone').filter((r) => !r.includes?.caps);
    assert.ok(clone.length > 0 && clone.every((r) => r.args?.[0]?.op === 'SCMP_CMP_MASKED_EQ' || r.args?.[1]?.op === 'SCMP_CMP_MASKED_EQ'));
    const clone3 = profile.syscalls.find((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO');
    assert.equal(clone3?.errnoRet, 38);
  });
});

describe('seccomp verification after create', () => {
  const expected = hardenedCreateOptions(input);
  const withSecurityOpt = (securityOpt: string[], runtime?: string) => {
    const inspected = structuredClone(inspectOf(expected));
    (inspected.HostConfig as { SecurityOpt?: string[] }).SecurityOpt = securityOpt;
    if (runtime) (inspected.HostConfig as { Runtime?: string }).Runtime = runtime;
    return inspected;
  };

  it("refuses a container the engine created without the sandbox's profile (its own default would apply)", () => {
    const problems = verifyHardening(withSecurityOpt(['no-new-privileges:true']), expected, ['IMAGE_VAR=1']);
    assert.ok(
      problems.some((p) => /seccomp profile is missing/.test(p)),
      JSON.stringify(problems),
    );
  });

  it('refuses a different profile, naming both fingerprints', () => {
    const other = `seccomp=${JSON.stringify(engineDefault)}`;
    const problems = verifyHardening(withSecurityOpt(['no-new-privileges:true', other]), expected, ['IMAGE_VAR=1']);
    assert.ok(
      problems.some((p) => /seccomp profile is not the sandbox's \(sha256 [0-9a-f]{12}, expected [0-9a-f]{12}\)/.test(p)),
      JSON.stringify(problems),
    );
  });

  it('refuses a second seccomp setting next to ours', () => {
    const problems = verifyHardening(withSecurityOpt(['no-new-privileges:true', SANDBOX_SECCOMP_OPT, 'seccomp=unconfined']), expected, [
      'IMAGE_VAR=1',
    ]);
    assert.ok(
      problems.some((p) => /more than one seccomp setting/.test(p)),
      JSON.stringify(problems),
    );
  });

  it('checks the profile the same way under the gVisor runtime', () => {
    const gvisor = hardenedCreateOptions({ ...input, policy: { ...input.policy, runtime: 'runsc' } });
    const inspected = structuredClone(inspectOf(gvisor));
    assert.deepEqual(verifyHardening(inspected, gvisor, ['IMAGE_VAR=1']), []);
    (inspected.HostConfig as { SecurityOpt?: string[] }).SecurityOpt = ['no-new-privileges:true'];
    assert.ok(verifyHardening(inspected, gvisor, ['IMAGE_VAR=1']).some((p) => /seccomp profile is missing/.test(p)));
  });
});
