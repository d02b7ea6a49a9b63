// Child processes that start their own children (code-server starts a server, an extension
// host and a pty host). Each is spawned as the leader of a new process group so the whole
// tree can be ended with one signal, and a process exit hook ends any group still running
// when the test process dies on an uncaught error.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const liveGroups = new Set<number>();

function killAllGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
}

process.once('exit', killAllGroups);
// 'exit' does not run when a signal ends the process (Ctrl+C, a CI job cancelled), so the
// groups are ended on those signals too, and the process then exits as the signal asked.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    killAllGroups();
    process.exit(code);
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Spawns `argv` as the leader of a new process group. */
export function spawnGroup(argv: readonly string[], options: SpawnOptions): ChildProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('spawnGroup: empty argv');
  const child = spawn(file, args, { ...options, detached: true });
  if (child.pid !== undefined) {
    const pgid = child.pid;
    liveGroups.add(pgid);
    child.once('exit', () => {
      // The leader is gone, but its children may live on in the group: end them too.
      signalGroup(pgid, 'SIGKILL');
      liveGroups.delete(pgid);
    });
  }
  return child;
}

/** Ends the whole group of `child`: SIGTERM, then SIGKILL after `graceMs`. */
export async function endGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(pgid, 'SIGKILL');
    liveGroups.delete(pgid);
    return;
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  signalGroup(pgid, 'SIGTERM');
  const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), graceMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signalGroup(pgid, 'SIGKILL');
    await exited;
  }
  signalGroup(pgid, 'SIGKILL');
  liveGroups.delete(pgid);
}
