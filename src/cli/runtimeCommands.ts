/**
 * `agent-sandbox runtime setup gvisor`: registers gVisor's runsc with the local Docker
 * engine under the entries the sandbox needs (see GVISOR_ENTRIES), reloads the engine's
 * configuration (SIGHUP keeps running containers) and waits until the engine lists them.
 * Installs nothing: runsc comes from the system's packages.
 */
import * as fs from 'node:fs';
import { connectEngine } from '../core/engine/connection';
import { DAEMON_JSON, mergeRuntimes, writeDaemonJson } from '../core/engine/daemonConfig';
import { daemonEntry, GVISOR_ENTRIES } from '../core/engine/runtimes';
import { SandboxError } from '../core/errors';
import { UsageError } from './args';
import type { CommandContext } from './context';

export const RUNTIME_USAGE = `Usage: agent-sandbox runtime setup gvisor [--daemon-json FILE] [--no-reload]

Registers gVisor's runsc with the local Docker engine so that the sandbox can run under it
(setting "agentSandbox.runtime": "gvisor", or "runtime": "gvisor" in a policy file). Adds to
daemon.json (default ${DAEMON_JSON}), keeping everything else in it:
${GVISOR_ENTRIES.map((e) => `  ${e.name}: ${e.path} ${e.args.join(' ')}`).join('\n')}
then reloads the engine (SIGHUP to dockerd) and waits until it lists them. Needs root, and
runsc installed (Debian and Ubuntu: apt-get install runsc). Running it again changes nothing.
`;

const DOCKERD_PID = '/var/run/docker.pid';

export async function runtimeCommand({ args, io }: CommandContext): Promise<number> {
  if (args.includes('--help') || args.includes('-h') || args.length === 0) {
    io.out(RUNTIME_USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const [verb, which, ...rest] = args;
  if (verb !== 'setup' || which !== 'gvisor') throw new UsageError(`unknown runtime command: ${args.join(' ')}`);
  let file = DAEMON_JSON;
  let reload = true;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--daemon-json' && rest[i + 1]) file = rest[++i]!;
    else if (rest[i] === '--no-reload') reload = false;
    else throw new UsageError(`unknown option: ${rest[i]}`);
  }
  for (const entry of GVISOR_ENTRIES) {
    if (!fs.existsSync(entry.path)) {
      throw new SandboxError(
        'ENGINE_UNREACHABLE',
        `gVisor's runsc is not installed at ${entry.path}; nothing was changed.`,
        'Install it (Debian and Ubuntu: sudo apt-get install runsc), then run this again.',
      );
    }
  }
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const merged = mergeRuntimes(text, GVISOR_ENTRIES, file);
  const names = GVISOR_ENTRIES.map((e) => e.name).join(' and ');
  if (merged.changed) {
    writeDaemonJson(merged.text, file);
    io.out(`Registered ${names} in ${file}${merged.replaced.length ? ` (replaced ${merged.replaced.join(', ')})` : ''}.\n`);
  } else {
    io.out(`${file} already registers ${names}.\n`);
  }
  if (!reload) return 0;
  if (merged.changed) signalEngine();
  await waitForEntries();
  io.out('The engine lists them; choose gVisor for the sandbox ("agentSandbox.runtime": "gvisor").\n');
  return 0;
}

function signalEngine(): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(DOCKERD_PID, 'utf8').trim());
  } catch {
    throw new SandboxError(
      'ENGINE_UNREACHABLE',
      `No dockerd pid file at ${DOCKERD_PID}; the configuration was written but the engine was not told.`,
      'Reload the engine yourself (sudo systemctl reload docker, or restart Docker Desktop).',
    );
  }
  // Signalled as root: only a real process id, and only dockerd's (a stale or tampered pid
  // file must not send SIGHUP to this process group, to every process, or to a stranger).
  let command = '';
  try {
    command = Number.isInteger(pid) && pid > 1 ? fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() : '';
  } catch {
    // No such process.
  }
  if (command !== 'dockerd') {
    throw new SandboxError(
      'ENGINE_UNREACHABLE',
      `${DOCKERD_PID} does not name a running dockerd; the configuration was written but the engine was not told.`,
      'Reload the engine yourself (sudo systemctl reload docker), then run this again to check.',
    );
  }
  process.kill(pid, 'SIGHUP');
}

async function waitForEntries(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { info } = await connectEngine();
    // Listed exactly as registered: the engine has read the new daemon.json.
    const ready = GVISOR_ENTRIES.every((want) => {
      const have = info.runtimeEntries.find((r) => r.name === want.name);
      return have !== undefined && JSON.stringify(daemonEntry(have)) === JSON.stringify(daemonEntry(want));
    });
    if (ready) return;
    if (Date.now() > deadline) {
      throw new SandboxError(
        'ENGINE_UNREACHABLE',
        'The engine does not list the gVisor runtimes after reloading its configuration.',
        'Check the engine log for an error about daemon.json, or restart the engine.',
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
