/**
 * The hardened container settings, built as plain data by a pure function so that unit tests
 * can assert every flag without a daemon, and the check that they really took after create.
 */
import type Docker from 'dockerode';
import type { Policy } from '../policy';
import type { EngineDialect } from './dialect';
import { SANDBOX_SECCOMP_OPT, seccompProblem } from './seccomp';

export const LABEL_PREFIX = 'dev.agent-sandbox';
export const LABELS = {
  managed: `${LABEL_PREFIX}.managed`,
  session: `${LABEL_PREFIX}.session`,
  workspace: `${LABEL_PREFIX}.workspace`,
  stateDir: `${LABEL_PREFIX}.state-dir`,
  /**
   * On a remote session's container and volume: the machine that made them. An engine other
   * machines use too (and its own host) holds their sessions, under the same state folder
   * names; garbage collection and removal touch only this machine's (see madeHere).
   */
  origin: `${LABEL_PREFIX}.origin`,
  /** On the tools volume and its installer containers: the sandbox user they belong to. */
  toolsUser: `${LABEL_PREFIX}.tools-user`,
  /** On an installer container: the tools volume it writes. */
  toolsVolume: `${LABEL_PREFIX}.tools-volume`,
  /** On an installer container: the host process that runs the install. */
  ownerPid: `${LABEL_PREFIX}.owner-pid`,
} as const;

export const SANDBOX_WORKDIR = '/workspace';
export const SANDBOX_HOME = '/home/sandbox';
/** Read-only view of the base copy, used to revert rejected changes inside the sandbox. */
export const SANDBOX_BASE_MOUNT = '/run/agent-sandbox/base';
/**
 * The person's persistent tools volume (agent CLIs installed with `agent-sandbox tools
 * install`). Its bin folder comes last on PATH: the volume is written by installs that run
 * package scripts, so nothing in it may shadow a program of the image (sh, git, node).
 */
export const SANDBOX_TOOLS_MOUNT = '/opt/agent-tools';
export const SANDBOX_TOOLS_BIN = `${SANDBOX_TOOLS_MOUNT}/bin`;
export const SANDBOX_PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${SANDBOX_TOOLS_BIN}`;

const MiB = 1024 * 1024;

/** The engine's host config, with the fields the type package does not know yet. */
export type HostConfig = Omit<Docker.HostConfig, 'CapAdd' | 'CapDrop' | 'SecurityOpt'> & {
  CapAdd?: string[];
  CapDrop?: string[];
  SecurityOpt?: string[];
  CgroupnsMode?: 'private' | 'host';
  MaskedPaths?: string[];
};
export type ContainerCreateOptions = Docker.ContainerCreateOptions & { HostConfig?: HostConfig };

export type WorkspaceMount = { readonly kind: 'volume'; readonly name: string } | { readonly kind: 'bind'; readonly hostPath: string };

export interface ExtraMount {
  readonly hostPath: string;
  readonly target: string;
}

/** The tools volume: read-only in sessions, writable only in the short-lived installer. */
export interface ToolsMount {
  readonly volume: string;
  readonly writable: boolean;
}

export interface HardenedContainerInput {
  readonly sessionId: string;
  readonly workspaceRoot: string;
  readonly stateDir: string;
  readonly image: string;
  /** Numeric `UID:GID`, never root. */
  readonly user: string;
  readonly policy: Policy;
  /** The sandbox copy; absent only for the tools installer, which sees no workspace. */
  readonly workspace?: WorkspaceMount;
  /** Host directory holding the base copy, mounted read-only (absent with the workspace). */
  readonly baseDir?: string;
  /** The person's tools volume at SANDBOX_TOOLS_MOUNT. */
  readonly tools?: ToolsMount;
  /** Further read-only mounts (for example the network forwarder). */
  readonly extraMounts?: readonly ExtraMount[];
  /** Fixed variables added by the product itself (never copied from the host). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** The host environment, of which only `policy.envAllowlist` passes. */
  readonly hostEnv: NodeJS.ProcessEnv;
  /** The machine that makes a session on a remote engine (LABELS.origin). */
  readonly origin?: string;
  /** How a Podman engine is asked for the same settings; absent for Docker. */
  readonly dialect?: EngineDialect;
  /** The runtime is gVisor's runsc (see processLimits). */
  readonly gvisor?: boolean;
}

/** Host threads of runsc per sandbox process, a floor for its own, and a ceiling (see processLimits). */
export const GVISOR_THREADS_PER_PROCESS = 6;
export const GVISOR_THREADS_FLOOR = 512;
export const GVISOR_THREADS_CEILING = 16384;

/**
 * Where the policy's process limit is enforced. Under runc every sandbox process is a host
 * process, so the cgroup's pids limit is the limit. Under gVisor the sandbox's processes are
 * tasks of gVisor's own kernel, which counts them against RLIMIT_NPROC (all run as the
 * sandbox user), while the cgroup counts runsc's host threads, which grow to about five per
 * busy task (measured: 2,783 threads for a fork bomb held at 512 tasks, 426 at 64). With the
 * policy's number on the cgroup alone, a fork bomb took the whole container down instead of
 * failing its forks. So under gVisor the policy's number is RLIMIT_NPROC, and the cgroup keeps
 * a bound on runsc's threads that the sandbox's ordinary processes do not reach.
 *
 * That bound is also the host's only one: gVisor's release in Debian 12 does not filter
 * exec'd processes, so a command can make a user namespace, in which gVisor's kernel counts it
 * privileged and skips RLIMIT_NPROC. Such a bomb ends the container (the copy is kept); the
 * cgroup, with a ceiling whatever the policy says, is what the host relies on.
 */
export function processLimits(pids: number, gvisor: boolean, podmanNproc?: number): { pidsLimit: number; nproc?: number } {
  if (gvisor) {
    const threads = Math.min(pids * GVISOR_THREADS_PER_PROCESS + GVISOR_THREADS_FLOOR, Math.max(GVISOR_THREADS_CEILING, pids));
    return { pidsLimit: threads, nproc: pids };
  }
  return podmanNproc === undefined ? { pidsLimit: pids } : { pidsLimit: pids, nproc: podmanNproc };
}

/** The environment the sandbox sees: fixed values plus the allowlisted host variables. */
export function sandboxEnv(input: Pick<HardenedContainerInput, 'policy' | 'hostEnv' | 'extraEnv'>): string[] {
  const env: Record<string, string> = {
    HOME: SANDBOX_HOME,
    PATH: SANDBOX_PATH,
    AGENT_SANDBOX: '1',
  };
  for (const name of input.policy.envAllowlist) {
    const value = input.hostEnv[name];
    if (value !== undefined && !(name in env)) env[name] = value;
  }
  Object.assign(env, input.extraEnv ?? {});
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function hardenedHostConfig(input: HardenedContainerInput): HostConfig {
  const { policy } = input;
  const [uid, gid] = input.user.split(':');
  const memory = policy.memoryMb * MiB;
  const fsize = policy.fileSizeCapMb * MiB;
  const processes = processLimits(policy.pids, input.gvisor === true, input.dialect?.nproc);
  const mounts: Docker.MountConfig = [
    ...(input.workspace === undefined
      ? []
      : input.workspace.kind === 'volume'
        ? [{ Type: 'volume' as const, Source: input.workspace.name, Target: SANDBOX_WORKDIR, ReadOnly: false }]
        : [{ Type: 'bind' as const, Source: input.workspace.hostPath, Target: SANDBOX_WORKDIR, ReadOnly: false }]),
    ...(input.baseDir === undefined ? [] : [{ Type: 'bind' as const, Source: input.baseDir, Target: SANDBOX_BASE_MOUNT, ReadOnly: true }]),
    // The engine copies the image's (empty, sticky, world-writable) SANDBOX_TOOLS_MOUNT into
    // a new volume, which is what lets a non-root installer of any UID write its first files.
    ...(input.tools === undefined
      ? []
      : [{ Type: 'volume' as const, Source: input.tools.volume, Target: SANDBOX_TOOLS_MOUNT, ReadOnly: !input.tools.writable }]),
    ...(input.extraMounts ?? []).map((m) => ({ Type: 'bind' as const, Source: m.hostPath, Target: m.target, ReadOnly: true })),
  ];
  const config: HostConfig = {
    CapDrop: ['ALL'],
    CapAdd: [],
    // The sandbox's own syscall filter, under every runtime: runc enforces it; gVisor's runsc
    // accepts it and serves the calls from its own kernel, which is the surface there.
    SecurityOpt: ['no-new-privileges:true', input.dialect ? `seccomp=${input.dialect.seccompFile}` : SANDBOX_SECCOMP_OPT],
    Privileged: false,
    ReadonlyRootfs: true,
    Tmpfs: {
      '/tmp': `rw,nosuid,nodev,size=${policy.tmpMb}m,mode=1777`,
      // Podman knows no uid= or gid= for a tmpfs; its U option gives it to the container's user.
      [SANDBOX_HOME]: input.dialect
        ? `rw,nosuid,nodev,size=${policy.homeMb}m,mode=0700,U`
        : `rw,nosuid,nodev,size=${policy.homeMb}m,uid=${uid},gid=${gid},mode=0700`,
    },
    Memory: memory,
    MemorySwap: memory,
    NanoCpus: Math.round(policy.cpus * 1e9),
    PidsLimit: processes.pidsLimit,
    Ulimits: [
      { Name: 'nofile', Soft: policy.openFiles, Hard: policy.openFiles },
      { Name: 'fsize', Soft: fsize, Hard: fsize },
      ...(processes.nproc === undefined ? [] : [{ Name: 'nproc', Soft: processes.nproc, Hard: processes.nproc }]),
    ],
    // Network mode none: loopback only. The allowlist mode keeps it and adds a proxy socket.
    NetworkMode: 'none',
    Init: true,
    IpcMode: 'private',
    PidMode: '',
    UTSMode: '',
    UsernsMode: '',
    CgroupnsMode: 'private',
    Devices: [],
    Mounts: mounts,
    LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
    RestartPolicy: { Name: 'no' },
    AutoRemove: false,
    OomKillDisable: false,
  };
  if (policy.runtime) config.Runtime = policy.runtime;
  return config;
}

export function sandboxLabels(
  input: Pick<HardenedContainerInput, 'sessionId' | 'workspaceRoot' | 'stateDir' | 'origin'>,
): Record<string, string> {
  return {
    [LABELS.managed]: '1',
    [LABELS.session]: input.sessionId,
    [LABELS.workspace]: input.workspaceRoot,
    [LABELS.stateDir]: input.stateDir,
    ...(input.origin ? { [LABELS.origin]: input.origin } : {}),
  };
}

/** The labels of a session's workspace volume (an overlay's, or a remote engine's own). */
export function sandboxVolumeLabels(sessionId: string, stateDir: string, origin?: string): Record<string, string> {
  return {
    [LABELS.managed]: '1',
    [LABELS.session]: sessionId,
    [LABELS.stateDir]: stateDir,
    ...(origin ? { [LABELS.origin]: origin } : {}),
  };
}

export function hardenedCreateOptions(input: HardenedContainerInput): ContainerCreateOptions {
  return {
    name: `agent-sandbox-${input.sessionId}`,
    Image: input.image,
    User: input.user,
    WorkingDir: SANDBOX_WORKDIR,
    Env: sandboxEnv(input),
    // The init process reaps orphans; sleep keeps the long-lived container up for execs.
    Cmd: ['sleep', 'infinity'],
    Entrypoint: [],
    Hostname: 'sandbox',
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    NetworkDisabled: false,
    StopSignal: 'SIGKILL',
    Labels: sandboxLabels(input),
    HostConfig: hardenedHostConfig(input),
  };
}

/** Paths the engine must mask or make read-only in every sandbox (its defaults do). */
export const REQUIRED_MASKED_PATHS = ['/proc/kcore', '/proc/keys', '/sys/firmware'] as const;

const HOST_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock', '/var/run/containerd/containerd.sock'];

/**
 * Compares what the engine reports with what was asked for. Returns every setting that did
 * not take; an empty list means the container may start. The caller refuses to start a
 * container with any problem (fail closed).
 */
export function verifyHardening(
  inspected: Docker.ContainerInspectInfo,
  expected: ContainerCreateOptions,
  imageEnv: readonly string[] = [],
  dialect?: EngineDialect,
): string[] {
  const problems: string[] = [];
  const host = inspected.HostConfig as HostConfig;
  const want = expected.HostConfig!;
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };

  const podman = dialect?.kind === 'podman';
  const capDrop = (host.CapDrop ?? []).map((c) => c.toUpperCase());
  // Podman names each capability it dropped instead of ALL; that every set is empty is
  // proven inside the container (proveHardeningInside).
  check(capDrop.includes('ALL') || capDrop.includes('CAP_ALL') || podman, 'capabilities are not all dropped');
  check(!host.CapAdd || host.CapAdd.length === 0, `capabilities were added: ${(host.CapAdd ?? []).join(', ')}`);
  check(
    (host.SecurityOpt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)),
    'no-new-privileges is not set',
  );
  const seccomp = seccompProblem(host.SecurityOpt, dialect?.seccompFile);
  check(seccomp === undefined, seccomp ?? '');
  check(host.Privileged === false, 'the container is privileged');
  check(host.ReadonlyRootfs === true, 'the root file system is writable');
  check(host.NetworkMode === 'none', `network mode is "${host.NetworkMode}", not "none"`);
  for (const mode of ['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode'] as const) {
    check(host[mode] !== 'host', `${mode} shares the host's namespace`);
  }
  check(host.Memory === want.Memory, `memory limit is ${host.Memory}, expected ${want.Memory}`);
  check(host.MemorySwap === want.MemorySwap, `memory+swap limit is ${host.MemorySwap}, expected ${want.MemorySwap}`);
  check(host.NanoCpus === want.NanoCpus, `CPU limit is ${host.NanoCpus}, expected ${want.NanoCpus}`);
  check(host.PidsLimit === want.PidsLimit, `pids limit is ${host.PidsLimit}, expected ${want.PidsLimit}`);
  for (const wanted of want.Ulimits ?? []) {
    // Every entry of that name must match: the runtime may apply any one of two.
    const got = (host.Ulimits ?? []).filter((u) => ulimitName(u.Name) === wanted.Name);
    check(
      got.length > 0 && got.every((u) => u.Soft === wanted.Soft && u.Hard === wanted.Hard),
      `ulimit ${wanted.Name} is not ${wanted.Hard}`,
    );
  }
  check(host.Init === true, 'the init process is not enabled');
  check(!host.Devices || host.Devices.length === 0, 'host devices are mapped in');
  for (const target of Object.keys(want.Tmpfs ?? {})) {
    check(!!host.Tmpfs && target in host.Tmpfs, `tmpfs ${target} is missing`);
  }
  // Podman reports its runtime as "oci" whichever it runs; a custom runtime is refused there.
  if (want.Runtime) check(host.Runtime === want.Runtime, `runtime is "${host.Runtime}", expected "${want.Runtime}"`);

  // Podman does not report masked paths; they are proven inside the container.
  if (!(podman && (host.MaskedPaths ?? []).length === 0)) {
    const masked = new Set<string>(host.MaskedPaths ?? []);
    for (const p of REQUIRED_MASKED_PATHS) check(masked.has(p), `${p} is not masked`);
  }

  const user = inspected.Config.User ?? '';
  check(user === expected.User, `user is "${user}", expected "${expected.User}"`);
  check(!/^(0|root)(:|$)/.test(user), 'the container runs as root');

  const allowedSources = new Set<string>((want.Mounts ?? []).map((m) => m.Source));
  for (const m of inspected.Mounts ?? []) {
    const source = m.Type === 'volume' ? (m.Name ?? m.Source) : m.Source;
    check(allowedSources.has(source ?? ''), `unexpected mount of ${source} at ${m.Destination}`);
    check(!HOST_SOCKETS.some((s) => m.Source === s || m.Destination === s), `a host engine socket is mounted at ${m.Destination}`);
  }
  // Podman lists each mount in Binds as well (volumes too); each must be one asked for, read-only as asked.
  const unexpectedBinds = (host.Binds ?? []).filter((b) => !(podman && bindWasAskedFor(b, want.Mounts ?? [])));
  check(unexpectedBinds.length === 0, `unexpected binds: ${unexpectedBinds.join(', ')}`);
  // Every mount asked for is there, at its place, and read-only when it was asked to be: a
  // tools volume or base copy that came up writable would let a session change what later
  // sessions run or what reverts restore.
  for (const wanted of want.Mounts ?? []) {
    const got = (inspected.Mounts ?? []).find((m) => m.Destination === wanted.Target);
    if (!got) {
      problems.push(`the mount at ${wanted.Target} is missing`);
      continue;
    }
    const source = got.Type === 'volume' ? (got.Name ?? got.Source) : got.Source;
    check(source === wanted.Source, `${wanted.Target} holds ${source}, expected ${wanted.Source}`);
    check(
      got.RW === !wanted.ReadOnly,
      `${wanted.Target} is ${got.RW ? 'writable' : 'read-only'}, expected ${wanted.ReadOnly ? 'read-only' : 'writable'}`,
    );
  }

  // Podman adds `container=podman` and the container's host name, as it does for every container.
  const engineEnv = podman ? ['container=podman', `HOSTNAME=${inspected.Config.Hostname}`] : [];
  const allowedEnv = new Set([...(expected.Env ?? []), ...imageEnv, ...engineEnv]);
  const extraEnv = (inspected.Config.Env ?? []).filter((e) => !allowedEnv.has(e));
  check(extraEnv.length === 0, `unexpected environment variables: ${extraEnv.map((e) => e.split('=')[0]).join(', ')}`);

  const labels = inspected.Config.Labels ?? {};
  for (const [k, v] of Object.entries(expected.Labels ?? {})) check(labels[k] === v, `label ${k} is missing`);
  return problems;
}

/** A ulimit's name as Docker writes it ("nofile"), also when an engine reports "RLIMIT_NOFILE". */
function ulimitName(name: string | undefined): string {
  return (name ?? '').toLowerCase().replace(/^rlimit_/, '');
}

/** Whether a `source:target[:options]` entry of Binds is one of the mounts asked for, with the same access. */
function bindWasAskedFor(bind: string, mounts: Docker.MountConfig): boolean {
  const [source, target, opts = ''] = bind.split(':');
  const readOnly = opts.split(',').includes('ro');
  return mounts.some((m) => m.Source === source && m.Target === target && Boolean(m.ReadOnly) === readOnly);
}
