/**
 * What differs between the engines the sandbox runs on: Docker, and Podman through its
 * Docker-compatible API. The hardening asked for is the same; how it is passed and how the
 * engine reports it back differ.
 *
 * Podman's compatible API takes the seccomp option as a file to read, not as the profile
 * itself, so the sandbox writes its profile into a file only this machine's user can write
 * and passes that path; the check then reads the file the engine names. Podman reports
 * some settings differently from Docker (capabilities by name, no masked paths, the runtime
 * as "oci"), so what its inspect output cannot show is proven from inside the started
 * container before anything else runs there (proveHardeningInside): no capabilities in any
 * set, no-new-privileges, a seccomp filter, the masked paths. A container that fails any of
 * it is killed and the start refused.
 *
 * Rootless Podman on a cgroup v1 host cannot limit memory, CPU or processes at all (it has
 * no cgroup of its own to write): such an engine is refused, never used without the limits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { stateRoot } from '../paths';
import type { EngineInfo } from './connection';
import { runHelper } from './exec';
import { writeProfileFile } from './seccomp';
import { ensurePrivateDir } from '../privateDir';

/** How to ask a Podman engine for the sandbox's settings; undefined for Docker. */
export interface EngineDialect {
  readonly kind: 'podman';
  /** The file holding the sandbox's seccomp profile, passed as `seccomp=<file>`. */
  readonly seccompFile: string;
  /**
   * The process-count ulimit to ask for. Without one, Podman gives the container its own
   * service's limit, which the runtime may not be allowed to set ("error setting rlimit");
   * the sandbox's real bound on processes is its pids limit.
   */
  readonly nproc: number;
}

/** This process's hard RLIMIT_NPROC from /proc/self/limits (undefined when unlimited or unknown). */
function ownHardNproc(): number | undefined {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max processes'));
    const hard = line?.trim().split(/\s+/)[3];
    return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
  } catch {
    return undefined;
  }
}

/** The process-count ulimit asked of Podman, unless this machine allows less. */
export const PODMAN_NPROC = 32768;

/** Fails closed on an engine that cannot apply the sandbox's limits at all. */
export function assertEngineCanConfine(info: EngineInfo): void {
  if (info.kind === 'podman' && info.rootless && info.cgroupVersion !== '2') {
    throw new SandboxError(
      'HARDENING_NOT_APPLIED',
      `The engine at ${info.endpoint.url} is rootless Podman on a host with cgroup v1, where it cannot limit the sandbox's memory, CPU or processes. The sandbox was not started.`,
      'Use rootful Podman (`sudo systemctl start podman.socket`, then DOCKER_HOST=unix:///run/podman/podman.sock), rootless Podman on a host with cgroup v2, or Docker.',
    );
  }
}

/**
 * The dialect for a local engine: for Podman, the profile is written into `folder` (a
 * folder of this machine's user, which nothing in the sandbox can write).
 */
export function dialectFor(info: EngineInfo, folder: string): EngineDialect | undefined {
  if (info.kind !== 'podman') return undefined;
  if (!info.endpoint.local) {
    // The engine would read the profile from its own disk, where this machine cannot write.
    throw new SandboxError(
      'ENGINE_UNREACHABLE',
      `The engine at ${info.endpoint.url} is a remote Podman, which reads the seccomp profile from a file on its own machine; the sandbox cannot pass it its filter. The sandbox was not started.`,
      'Use a local Podman engine, or a remote Docker engine.',
    );
  }
  // The engine reads the profile from this folder when it creates a container: nobody but
  // this user may be able to swap it between our check and that read.
  ensurePrivateDir(folder);
  return { kind: 'podman', seccompFile: writeProfileFile(folder), nproc: Math.min(PODMAN_NPROC, ownHardNproc() ?? PODMAN_NPROC) };
}

/**
 * What every start on `info`'s engine needs first: refuses an engine that cannot confine the
 * sandbox, and returns the dialect, with Podman's profile file in the state folder.
 */
export function engineDialect(info: EngineInfo, env: NodeJS.ProcessEnv = process.env): EngineDialect | undefined {
  assertEngineCanConfine(info);
  return dialectFor(info, path.join(stateRoot(env), 'engine'));
}

/**
 * Checks, inside the started container, what the engine's inspect output does not show.
 * Prints one line per problem; no output means all held. Runs as the sandbox user, in the
 * same way the agent's commands run (an exec), before any of them.
 */
export const PROVE_INSIDE_SCRIPT = [
  'field() { sed -n "s/^$1:[[:space:]]*//p" /proc/self/status; }',
  'for set in CapInh CapPrm CapEff CapBnd CapAmb; do',
  '  v=$(field "$set")',
  '  [ "$v" = 0000000000000000 ] || echo "the capability set $set is $v, not empty"',
  'done',
  '[ "$(field NoNewPrivs)" = 1 ] || echo "no-new-privileges is not set"',
  '[ "$(field Seccomp)" = 2 ] || echo "no seccomp filter is in force"',
  'for p in /proc/kcore /proc/keys /proc/timer_list; do',
  '  if [ -e "$p" ] && [ ! -c "$p" ]; then echo "$p is not masked"; fi',
  'done',
  'if [ -n "$(ls -A /sys/firmware 2>/dev/null)" ]; then echo "/sys/firmware is not masked"; fi',
  'echo proven',
].join('\n');

/**
 * Runs PROVE_INSIDE_SCRIPT in the container; on any problem (or no clear answer) kills the
 * container and throws HARDENING_NOT_APPLIED.
 */
export async function proveHardeningInside(docker: Docker, containerId: string, user: string): Promise<void> {
  let problems: string[];
  try {
    const result = await runHelper(docker, containerId, user, ['/bin/sh', '-c', PROVE_INSIDE_SCRIPT], undefined, {
      timeoutMs: 20_000,
      outputCapBytes: 64 * 1024,
      purpose: "check the sandbox's hardening",
    });
    const lines = result.stdout.toString('utf8').split('\n').filter(Boolean);
    problems = lines.filter((l) => l !== 'proven');
    if (result.exitCode !== 0 || lines[lines.length - 1] !== 'proven') {
      problems.push(`the check did not finish (exit ${result.exitCode}: ${result.stderr.toString('utf8').trim().slice(0, 200)})`);
    }
  } catch (err) {
    problems = [`the check could not run: ${(err as Error).message}`];
  }
  if (problems.length === 0) return;
  await docker
    .getContainer(containerId)
    .kill()
    .catch(() => undefined);
  throw new SandboxError(
    'HARDENING_NOT_APPLIED',
    `The engine did not apply the sandbox's hardening: ${problems.join('; ')}. The sandbox was stopped before it ran anything.`,
    'Use Docker, or rootful Podman 4 or later with crun or runc, or report this with `podman info`.',
  );
}
