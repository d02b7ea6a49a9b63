/**
 * The sandbox's own seccomp profile, passed to the engine explicitly instead of trusting
 * whatever default the installed engine has.
 *
 * media/seccomp-default.json is the engine's default profile as data (moby/profiles
 * seccomp v0.2.3, default.json, Apache-2.0), so the sandbox gets the same, current list of
 * ordinary system calls on every engine version. Older engines ship older defaults: Docker
 * 20.10, as packaged by Debian 12, still allows io_uring. From that default this module
 * removes the calls below from every rule that allows them, whatever capability the rule
 * asks for: the default action then refuses them with EPERM. The calls are checked by
 * number before the kernel looks at them, so a kernel that lacks one answers EPERM too.
 *
 * ptrace (with process_vm_readv/writev) stays as the default has it: allowed on kernels
 * 4.8 and later, where a traced process can no longer step around its seccomp filter.
 * Debuggers and tools such as strace and py-spy need it, the agent can only trace its own
 * processes in its own container (same user, no CAP_SYS_PTRACE), and the host's Yama
 * setting still applies.
 *
 * The filter accepts only the engine's own architecture. The default lists sub-architectures
 * (i386 and x32 under x86_64, arm under aarch64, and so on) so that a 64-bit container can run
 * 32-bit programs; but an i386 call, which any 64-bit process can make with `int 0x80`, passes
 * socket's arguments through socketcall, in memory the filter cannot read, so the rule that
 * refuses AF_ALG and AF_VSOCK sockets would not apply. With no sub-architecture listed, a call
 * from another architecture gets the filter's bad-architecture action (the process is killed).
 * arm under aarch64 goes as well: 32-bit compat code is a large, rarely used part of the
 * kernel, and many aarch64 processors cannot run 32-bit code anyway. The same goes for
 * socketcall and ipc, the multiplexed calls: no 64-bit architecture the sandbox supports needs
 * them, and allowing them would undo every argument rule on the calls they carry.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import engineDefault from '../../../media/seccomp-default.json';

/** The profile format the engine reads (moby's `seccomp.Seccomp`), as far as it is used here. */
export interface SeccompProfile {
  readonly defaultAction: string;
  readonly defaultErrnoRet?: number;
  readonly archMap: readonly { readonly architecture: string; readonly subArchitectures: readonly string[] | null }[];
  readonly syscalls: readonly SeccompRule[];
}

export interface SeccompRule {
  readonly names: readonly string[];
  readonly action: string;
  readonly errnoRet?: number;
  readonly args?: readonly { readonly index: number; readonly value: number; readonly op: string; readonly valueTwo?: number }[];
  readonly comment?: string;
  readonly includes?: { readonly caps?: readonly string[]; readonly arches?: readonly string[]; readonly minKernel?: string };
  readonly excludes?: { readonly caps?: readonly string[]; readonly arches?: readonly string[] };
}

const EPERM = 1;

/** Calls no rule of the sandbox's profile allows, with why. */
export const DENIED_SYSCALLS: Readonly<Record<string, string>> = {
  io_uring_setup: 'io_uring: a second system call interface that seccomp cannot see into, and a steady source of kernel bugs',
  io_uring_enter: 'io_uring',
  io_uring_register: 'io_uring',
  userfaultfd: 'stalls kernel page faults at will, the classic way to widen a kernel race',
  bpf: 'loads programs into the kernel',
  perf_event_open: 'kernel and hardware event access, a frequent source of kernel bugs and side channels',
  keyctl: 'the kernel keyring is not namespaced: keys are shared with the host user of the same uid',
  add_key: 'kernel keyring',
  request_key: 'kernel keyring',
  open_by_handle_at: 'opens files by handle, past the mount the container sees (the "shocker" escape)',
  name_to_handle_at: 'makes the handles open_by_handle_at takes',
  kexec_load: 'loads a new kernel',
  kexec_file_load: 'loads a new kernel',
  init_module: 'loads kernel modules',
  finit_module: 'loads kernel modules',
  delete_module: 'unloads kernel modules',
  unshare: 'new namespaces (the default allows it only with CAP_SYS_ADMIN; clone keeps its namespace-flag filter)',
  setns: 'joins other namespaces',
  socketcall: "carries socket calls with their arguments in memory the filter cannot read, around the socket rule's family checks",
  ipc: 'carries the System V IPC calls with their arguments in memory the filter cannot read',
};

/**
 * The engine's default with every denied call taken out of every rule that allows it, and
 * every architecture without its sub-architectures.
 */
export function buildSandboxSeccompProfile(base: SeccompProfile = engineDefault): SeccompProfile {
  const syscalls: SeccompRule[] = [];
  for (const rule of base.syscalls) {
    if (rule.action !== 'SCMP_ACT_ALLOW') {
      syscalls.push(rule);
      continue;
    }
    const names = rule.names.filter((n) => !(n in DENIED_SYSCALLS));
    if (names.length) syscalls.push({ ...rule, names });
  }
  const archMap = base.archMap.map((a) => ({ architecture: a.architecture, subArchitectures: [] }));
  return { ...base, defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, archMap, syscalls };
}

/** The profile as the engine receives and reports it: compact JSON, fixed once per process. */
export const SANDBOX_SECCOMP_JSON = JSON.stringify(buildSandboxSeccompProfile());

/** The HostConfig.SecurityOpt entry that carries the profile (dockerode passes the JSON itself). */
export const SANDBOX_SECCOMP_OPT = `seccomp=${SANDBOX_SECCOMP_JSON}`;

/** A short fingerprint of a profile text, for error messages. */
export function seccompFingerprint(json: string): string {
  return crypto.createHash('sha256').update(json).digest('hex').slice(0, 12);
}

/**
 * What is wrong with the seccomp settings the engine reports, or undefined when exactly the
 * sandbox's profile took. Docker keeps the option as given, so the text must match; an
 * engine that was given a file (`profileFile`, Podman) must name that file, and the file
 * must hold the profile.
 */
export function seccompProblem(securityOpt: readonly string[] | undefined, profileFile?: string): string | undefined {
  const entries = (securityOpt ?? []).filter((o) => /^seccomp[=:]/.test(o));
  if (entries.length === 0) return "the sandbox's seccomp profile is missing (the engine would use its own default)";
  if (entries.length > 1) return `more than one seccomp setting is present (${entries.length})`;
  const value = entries[0]!.slice('seccomp='.length);
  if (value === 'unconfined') return 'seccomp is unconfined';
  if (profileFile !== undefined) {
    if (value !== profileFile) return `the seccomp profile is ${value}, not the sandbox's (${profileFile})`;
    const json = readProfileFile(profileFile);
    if (json !== SANDBOX_SECCOMP_JSON) return `the seccomp profile file ${profileFile} does not hold the sandbox's profile`;
    return undefined;
  }
  if (value !== SANDBOX_SECCOMP_JSON) {
    return `the seccomp profile is not the sandbox's (sha256 ${seccompFingerprint(value)}, expected ${seccompFingerprint(SANDBOX_SECCOMP_JSON)})`;
  }
  return undefined;
}

/**
 * The profile in a file of `folder`, for an engine that reads it from a file (Podman). The
 * name carries the profile's fingerprint, so every process writes the same content there:
 * an existing file that holds it is used as it is; otherwise a new file (never one reached
 * through a symlink) is written whole and renamed into place. Returns the path.
 */
export function writeProfileFile(folder: string): string {
  const file = path.join(folder, `seccomp-${seccompFingerprint(SANDBOX_SECCOMP_JSON)}.json`);
  if (readProfileFile(file) === SANDBOX_SECCOMP_JSON) return file;
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, SANDBOX_SECCOMP_JSON);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  return file;
}

/** The profile text in a file the engine names, read without following a symlink; undefined if unreadable. */
function readProfileFile(file: string): string | undefined {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size > 4 * SANDBOX_SECCOMP_JSON.length) return undefined;
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
