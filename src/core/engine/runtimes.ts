/**
 * The container runtime a sandbox runs under. The policy names a choice ("" for the
 * engine's default, "runc", "gvisor", or the name of a runtime registered with the engine);
 * this module turns it into the name of a registered runtime that can run this sandbox, or
 * refuses with the daemon.json entry that would make it possible.
 *
 * gVisor's runsc needs arguments of its own for a sandbox to start and to be what the policy
 * asks for: `--network=none` (without it runsc refuses a container that has no network),
 * `--oci-seccomp` (without it runsc ignores the sandbox's seccomp filter) and, only when the
 * allowlist network is on, `--host-uds=open` (the proxy is a host socket the sandbox
 * connects to; runsc refuses host sockets by default). The engine passes runtime arguments
 * from its own configuration only, so the product picks a registered entry that has them.
 */
import * as path from 'node:path';
import { SandboxError } from '../errors';
import type { Policy } from '../policy';

/** A runtime as the engine registered it (`docker info`'s Runtimes). */
export interface RuntimeEntry {
  readonly name: string;
  readonly path: string;
  readonly args: readonly string[];
}

/** The policy's runtime choices besides a registered runtime's own name. */
export const GVISOR_CHOICE = 'gvisor';

/** What the sandbox about to start needs from its runtime. */
export interface RuntimeNeeds {
  /** The sandbox connects to a socket on the host (the allowlist network's proxy). */
  readonly hostSockets: boolean;
}

export interface ResolvedRuntime {
  /** The registered name to create the container with; undefined: the engine's default. */
  readonly name: string | undefined;
  /** For people: "gVisor (runsc)", "runc", "kata (custom)". */
  readonly label: string;
  readonly kind: 'default' | 'runc' | 'gvisor' | 'custom';
}

/** The names under which `agent-sandbox runtime setup gvisor` registers gVisor. */
export const GVISOR_ENTRIES: readonly RuntimeEntry[] = [
  { name: 'runsc', path: '/usr/bin/runsc', args: ['--network=none', '--oci-seccomp'] },
  { name: 'runsc-host-sockets', path: '/usr/bin/runsc', args: ['--network=none', '--oci-seccomp', '--host-uds=open'] },
];

/** Whether an engine runtime is gVisor's runsc (by the program it runs). */
export function isGvisor(entry: Pick<RuntimeEntry, 'path'>): boolean {
  return path.basename(entry.path) === 'runsc';
}

/**
 * runsc's flags as a map, read the way the sandbox can be sure of: `--name=value`, or a bare
 * `--name` of a known boolean flag. runsc's own parser gives a value flag written without
 * `=` the next argument, even one that starts with a dash, so `--debug-log --oci-seccomp`
 * would swallow the seccomp flag; such arguments are listed in `unreadable` and the entry
 * is not trusted.
 */
export function runscFlags(args: readonly string[]): Map<string, string> & { unreadable: string[] } {
  const flags = Object.assign(new Map<string, string>(), { unreadable: [] as string[] });
  for (const arg of args) {
    const match = /^--?([A-Za-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      flags.unreadable.push(arg);
      continue;
    }
    const name = match[1]!;
    const value = match[2];
    if (value === undefined && !BOOLEAN_FLAGS.has(name)) {
      flags.unreadable.push(arg);
      continue;
    }
    flags.set(name, value ?? 'true');
  }
  return flags;
}

const BOOLEAN_FLAGS = new Set(['oci-seccomp', 'debug', 'strace', 'ignore-cgroups', 'rootless', 'allow-flag-override', 'fsgofer-host-uds']);

/** runsc flags that weaken what the sandbox relies on; an entry with one is never used. */
const WEAKENING_FLAGS = new Set([
  'ignore-cgroups',
  'allow-flag-override',
  'rootless',
  'net-raw',
  'TESTONLY-unsafe-nonroot',
  'host-settings',
]);

/** What a runsc entry lacks for this sandbox, in words; empty when it fits. */
export function gvisorShortfalls(entry: RuntimeEntry, needs: RuntimeNeeds): string[] {
  const flags = runscFlags(entry.args);
  const missing: string[] = [];
  if (flags.unreadable.length)
    missing.push(`arguments it cannot be sure how runsc reads (${flags.unreadable.join(' ')}; write them as --name=value)`);
  const weakening = [...flags.keys()].filter((name) => WEAKENING_FLAGS.has(name) && flags.get(name) !== 'false');
  if (weakening.length) missing.push(`none of ${weakening.map((n) => `--${n}`).join(', ')} (they weaken the sandbox)`);
  if (flags.get('network') !== 'none') missing.push('--network=none (runsc refuses a container without a network otherwise)');
  if (flags.get('oci-seccomp') !== 'true') missing.push("--oci-seccomp (runsc ignores the sandbox's seccomp filter otherwise)");
  const uds = hostUds(flags);
  if (needs.hostSockets && uds !== 'open' && uds !== 'all') {
    missing.push("--host-uds=open (the allowlist network's proxy is a host socket)");
  }
  return missing;
}

/** runsc's host socket permission, with the deprecated spelling counted. */
function hostUds(flags: Map<string, string>): string {
  return flags.get('host-uds') ?? (flags.get('fsgofer-host-uds') === 'true' ? 'all' : 'none');
}

/** How much an entry allows beyond what is needed: fewer is better. */
function excess(entry: RuntimeEntry): number {
  const uds = hostUds(runscFlags(entry.args));
  return uds === 'none' ? 0 : uds === 'open' ? 1 : 2;
}

/**
 * Picks the registered runtime for the policy's choice, or throws a SandboxError that says
 * what to register. Never falls back to another runtime than the one chosen.
 */
export function resolveRuntime(
  choice: string,
  registered: readonly RuntimeEntry[],
  defaultRuntime: string,
  needs: RuntimeNeeds,
): ResolvedRuntime {
  const names = registered.map((r) => r.name).join(', ') || 'none listed';
  if (choice === '') {
    const entry = registered.find((r) => r.name === defaultRuntime);
    if (entry && isGvisor(entry)) {
      // gVisor as the engine's default takes the process limit as gVisor does (processLimits).
      assertFits(entry, needs);
      return { name: undefined, label: `gVisor (${defaultRuntime}, the engine's default)`, kind: 'gvisor' };
    }
    return { name: undefined, label: `${defaultRuntime} (the engine's default)`, kind: 'default' };
  }
  if (choice === GVISOR_CHOICE) {
    const candidates = registered.filter(isGvisor);
    const fitting = candidates.filter((r) => gvisorShortfalls(r, needs).length === 0).sort((a, b) => excess(a) - excess(b));
    if (fitting[0]) return { name: fitting[0].name, label: 'gVisor (runsc)', kind: 'gvisor' };
    const detail = candidates.length
      ? candidates.map((r) => `"${r.name}" lacks ${gvisorShortfalls(r, needs).join(', ')}`).join('; ')
      : `the engine has no runtime that runs runsc (it has: ${names})`;
    throw new SandboxError(
      'POLICY_INVALID',
      `The sandbox policy asks for gVisor, but ${detail}. The sandbox was not started.`,
      gvisorSetupHint(needs),
    );
  }
  if (choice === 'custom') {
    throw new SandboxError(
      'POLICY_INVALID',
      'The sandbox runtime is set to "custom" without a runtime name. The sandbox was not started.',
      'Set agentSandbox.customRuntime to the name of a runtime registered in the engine\'s daemon.json "runtimes", or choose runc or gVisor.',
    );
  }
  const entry = registered.find((r) => r.name === choice);
  if (!entry) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The container runtime "${choice}" set in the sandbox policy is not registered with the Docker engine (it has: ${names}). The sandbox was not started.`,
      "Install the runtime and register it in the engine's daemon.json \"runtimes\" (for gVisor, run `agent-sandbox runtime setup gvisor` and choose gVisor), or clear the policy's runtime to use the engine's default.",
    );
  }
  if (isGvisor(entry)) {
    assertFits(entry, needs);
    return { name: entry.name, label: `gVisor (${entry.name})`, kind: 'gvisor' };
  }
  if (choice === 'runc') return { name: 'runc', label: 'runc', kind: 'runc' };
  return { name: entry.name, label: `${entry.name} (custom)`, kind: 'custom' };
}

function assertFits(entry: RuntimeEntry, needs: RuntimeNeeds): void {
  const missing = gvisorShortfalls(entry, needs);
  if (!missing.length) return;
  throw new SandboxError(
    'POLICY_INVALID',
    `The gVisor runtime "${entry.name}" is registered without ${missing.join(', ')}. The sandbox was not started.`,
    gvisorSetupHint(needs),
  );
}

function gvisorSetupHint(needs: RuntimeNeeds): string {
  const wanted = needs.hostSockets ? GVISOR_ENTRIES : GVISOR_ENTRIES.slice(0, 1);
  return `Run \`sudo agent-sandbox runtime setup gvisor\` (it installs nothing; it registers runsc with the engine), or add to /etc/docker/daemon.json: ${daemonRuntimesJson(wanted)} and reload the engine (SIGHUP to dockerd).`;
}

/** An entry as daemon.json's "runtimes" holds it under its name. */
export function daemonEntry(entry: RuntimeEntry): { path: string; runtimeArgs: string[] } {
  return { path: entry.path, runtimeArgs: [...entry.args] };
}

/** The daemon.json "runtimes" entries, as one line of JSON. */
export function daemonRuntimesJson(entries: readonly RuntimeEntry[]): string {
  return JSON.stringify({ runtimes: Object.fromEntries(entries.map((e) => [e.name, daemonEntry(e)])) });
}

/** The policy with its runtime choice replaced by the registered name that runs it. */
export function withResolvedRuntime(
  policy: Policy,
  registered: readonly RuntimeEntry[],
  defaultRuntime: string,
): { policy: Policy; runtime: ResolvedRuntime } {
  const runtime = resolveRuntime(policy.runtime, registered, defaultRuntime, { hostSockets: policy.network.mode === 'allowlist' });
  return { policy: { ...policy, runtime: runtime.name ?? '' }, runtime };
}

/** The label a person reads for a policy's runtime choice, before any engine is asked. */
export function runtimeChoiceLabel(choice: string): string {
  if (choice === '') return "the engine's default";
  if (choice === GVISOR_CHOICE) return 'gVisor (runsc)';
  if (choice === 'runc') return 'runc';
  return `${choice} (custom)`;
}
