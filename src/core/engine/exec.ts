/**
 * Runs an argv in a session's container through the Engine API. Streams stdout and stderr,
 * keeps a bounded amount of each (the rest is counted and dropped), returns the exit code,
 * and kills the whole process tree on timeout or cancellation.
 */
import * as crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { sleep, withTimeout } from '../async';
import { SandboxError } from '../errors';
import { CappedOutput } from './cappedOutput';

/** Where the wrapper records the pid of each command, inside the container. */
const PID_DIR = '/tmp/.agent-sandbox';

/**
 * The wrapper records its pid, then runs the command in a new session so that the command
 * and everything it starts can be found again. Arguments are passed as positional
 * parameters: nothing is ever spliced into the script. The folder is tested with the
 * shell's builtin `[` first, so the usual command pays no extra process for `mkdir`.
 */
const WRAPPER = '[ -d "$1" ] || mkdir -p "$1" 2>/dev/null; echo $$ > "$1/$2.pid"; shift 2; exec "$@"';

/**
 * Kills a command's process tree: anything carrying the command's marker in its environment
 * (a double-forked daemon included) and, when asked ("$3" is "root": the command's main
 * process still runs, so its recorded pid is not a reused one), the recorded pid and its
 * descendants (found by the parent each process names in /proc/PID/stat). A fork bomb forks
 * between any look and any signal, so the tree is frozen first: everything found is stopped,
 * and the look is repeated until it finds nothing that was not already stopped; then all of
 * it is killed. Prints how many processes still carry the marker afterwards ("left N").
 *
 * It prints no count unless it knows: its grep must first find the script's own marker
 * (AGENT_SANDBOX_KILL, not the first variable of its environment), and the freeze must have
 * caught up with the tree. A fork bomb may leave no process slot free: the only process the
 * script starts is grep, straight from the script's own shell (a failed fork there ends the
 * script; one in a nested subshell would only cut its output short), and a grep that was
 * killed ends it too. Everything else is the shell's builtins, one pid per kill (a shell's
 * kill may stop at the first argument it does not take). The count is still the sandbox's
 * word, since it runs as the sandbox user: the caller also asks the engine whether the
 * command ended.
 */
const KILL_TREE = [
  'dir=$1; id=$2; root=""',
  'grep -qzxF "AGENT_SANDBOX_KILL=$id" /proc/$$/environ 2>/dev/null || exit 4',
  // Only a pid above init's, as the kernel writes it: the pid file is the sandbox's to write.
  'ispid() { case $1 in "" | 0* | 1 | *[!0-9]* | ????????*) return 1 ;; esac; }',
  '[ "$3" = root ] && { read -r root < "$dir/$id.pid"; } 2>/dev/null',
  'ispid "$root" || root=""',
  'marked() {',
  '  found=$(grep -lzxF "AGENT_SANDBOX_EXEC=$id" /proc/[0-9]*/environ 2>/dev/null)',
  '  [ $? -lt 128 ] || exit 3',
  '  mpids=""',
  '  for e in $found; do p=${e#/proc/}; p=${p%/environ}; ! ispid "$p" || mpids="$mpids $p"; done',
  '}',
  'look() {',
  '  marked; pids=$mpids',
  '  [ -n "$root" ] || return 0',
  // The descendants by each process's parent in /proc/PID/stat (gVisor has no children files).
  '  tree=" $root "; grew=1; depth=0',
  '  while [ $grew = 1 ] && [ $depth -lt 100 ]; do',
  '    grew=0',
  '    for s in /proc/[0-9]*/stat; do',
  '      p=${s#/proc/}; p=${p%/stat}',
  '      case $tree in *" $p "*) continue ;; esac',
  '      line=""; { read -r line < "$s"; } 2>/dev/null',
  '      [ -n "$line" ] || continue',
  '      set -- ${line##*) }',
  '      case $tree in *" $2 "*) tree="$tree$p "; grew=1 ;; esac',
  '    done',
  '    depth=$((depth + 1))',
  '  done',
  '  pids="$pids$tree"',
  '}',
  'signal() { s=$1; shift; for p; do kill -s "$s" "$p" 2>/dev/null; done; }',
  'seen=""; round=0; frozen=0',
  'while [ $round -lt 50 ]; do',
  '  look',
  '  [ -n "$pids" ] || { frozen=1; break; }',
  '  signal STOP $pids',
  '  [ "$pids" = "$seen" ] && { frozen=1; break; }',
  '  seen=$pids; round=$((round + 1))',
  'done',
  'signal KILL $pids',
  '[ $frozen = 1 ] || exit 5',
  // A killed process may still be there for a moment: look again a few times.
  'try=0',
  'while :; do',
  '  marked; set -- $mpids',
  '  [ $# -gt 0 ] && [ $try -lt 10 ] || break',
  '  signal KILL "$@"',
  '  try=$((try + 1))',
  'done',
  'echo "left $#"',
].join('\n');

export type ExecOutcome = 'exited' | 'timeout' | 'cancelled' | 'oom' | 'interrupted';

export interface ExecResult {
  /** The command's exit code; 124 on timeout, 130 when cancelled, 137 when killed. */
  readonly exitCode: number;
  readonly outcome: ExecOutcome;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Bytes of output that were counted and dropped because of the output cap. */
  readonly droppedBytes: number;
  readonly durationMs: number;
  /** A sentence for people and models when the outcome is not a plain exit. */
  readonly message?: string;
}

export interface ExecOptions {
  readonly user: string;
  readonly workdir: string;
  readonly env?: readonly string[];
  readonly timeoutMs: number;
  readonly outputCapBytes: number;
  readonly signal?: AbortSignal;
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onStderr?: (chunk: Buffer) => void;
  /** Tells whether the container ran out of memory since the last call (137 exits only). */
  readonly checkOom?: () => Promise<boolean>;
  /**
   * Whether the host's out-of-memory killer ends a container of this runtime as a whole
   * (gVisor: its kernel holds all of the sandbox's memory). After a command of such a
   * container that died without a signal, the engine is given a moment to see the end.
   */
  readonly oomEndsContainer?: (runtime: string) => boolean;
  /** What the session does around a restart of the container made to end the command. */
  readonly restart?: RestartHooks;
}

export interface RestartHooks {
  /** Whether the container may be started again after the host's memory limit ended it (not after a stop someone asked for). */
  readonly allowed: () => boolean;
  /** Before the restart: the session stops calling the container ready. */
  readonly before: () => void;
  /**
   * After a restart that was seen to happen, before the result returns: checks what a start
   * checks (Podman's proof inside) and calls the container ready again. Throwing fails the run.
   */
  readonly after: () => Promise<void>;
}

export async function runInContainer(
  docker: Docker,
  containerId: string,
  argv: readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  if (argv.length === 0) throw new SandboxError('INTERNAL', 'No command to run: the argv is empty.');
  const execId = crypto.randomBytes(8).toString('hex');
  const container = docker.getContainer(containerId);
  const started = performance.now();
  const startedWallMs = Date.now();

  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', WRAPPER, 'agent-sandbox-exec', PID_DIR, execId, ...argv],
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    User: options.user,
    WorkingDir: options.workdir,
    Env: [...(options.env ?? []), `AGENT_SANDBOX_EXEC=${execId}`],
  });

  const stdout = new CappedOutput(options.outputCapBytes);
  const stderr = new CappedOutput(options.outputCapBytes);
  let killedFor: 'timeout' | 'cancelled' | undefined;
  let restartedToKill = false;
  let markEnded: () => void = () => undefined;
  const endedPromise = new Promise<void>((resolve) => (markEnded = resolve));

  // Settles once the container was restarted to stop the command: its processes are gone
  // then, whether or not the engine ends the command's stream (gVisor's runsc does not).
  let markRestarted: () => void = () => undefined;
  const restarted = new Promise<void>((resolve) => (markRestarted = resolve));
  let killing: Promise<void> | undefined;
  // Settles once the kill is over, whatever it achieved: the command is then over within a grace.
  let markKillOver: () => void = () => undefined;
  const killOver = new Promise<void>((resolve) => (markKillOver = resolve));
  // Set when neither the kill from inside nor a restart could confirm the tree ended.
  let killUnconfirmed = false;
  const kill = (reason: 'timeout' | 'cancelled') => {
    if (killedFor) return;
    killedFor = reason;
    killing = killUntilEnded().finally(markKillOver);
    // Awaited once the command is over; a failed proof after a restart is thrown then.
    killing.catch(() => undefined);
  };
  const killUntilEnded = async () => {
    // The kill helper needs a free process slot; a fork bomb can take them all, so it is
    // retried, and when the tree still lives the container itself is restarted (the engine
    // kills every process of its cgroup). The copy is on disk and survives a restart. The
    // command's main process having ended says nothing of the rest of its tree.
    for (let attempt = 0; attempt < KILL_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(KILL_RETRY_MS);
      // The recorded pid is walked only while the main process runs (never a reused pid).
      const mainRuns = (await execState(exec, 0)) === 'running';
      try {
        const left = await withTimeout(killTree(docker, containerId, options.user, execId, mainRuns), KILL_HELPER_TIMEOUT_MS);
        // The count is the sandbox's word; that the command ended is the engine's.
        if (left === 0 && (await execState(exec, KILL_CONFIRM_MS)) === 'ended') return;
      } catch {
        // No slot, or the container is gone.
      }
      // A container that is not running has no process left to run a kill in. Under gVisor
      // a fork bomb can end it: unless someone stopped it, it is started again below.
      if (!(await containerRunning(container, true))) break;
    }
    if (options.restart?.allowed() === false) {
      // Someone stopped the sandbox meanwhile: it stays stopped, and with it the command.
      if (await containerRunning(container, false)) killUnconfirmed = true;
      else markRestarted();
      return;
    }
    restartedToKill = true;
    options.restart?.before();
    const { stopped, startedAnew } = await restartContainer(container);
    // Only a container that really stopped (or started anew) took the command's processes with it.
    if (stopped || startedAnew) markRestarted();
    else killUnconfirmed = true;
    if (startedAnew) await options.restart?.after();
  };

  const timer = setTimeout(() => kill('timeout'), options.timeoutMs);
  const onAbort = () => kill('cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let streamError: Error | undefined;
  try {
    if (options.signal?.aborted) throw new SandboxError('CANCELLED', 'The command was cancelled before it started.');
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
    });
    err.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onStderr?.(chunk);
    });
    docker.modem.demuxStream(stream, out, err);
    const streamEnded = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', (e: Error) => {
        streamError = e;
        resolve();
      });
    });
    // A detached process can keep the output open after the command itself exited; the
    // command is over when its main process is, and the output is not waited for past a grace.
    const over = [
      streamEnded.then(() => true),
      mainProcessExited(
        exec,
        container,
        endedPromise,
        (state) => !state.Running && (state.OOMKilled || options.restart?.allowed() === false),
      ).then(() => false),
      restarted.then(() => false),
      // Bounded whatever the engine does: a kill that could not end the tree ends the wait.
      killOver.then(() => Promise.race([endedPromise, sleep(EXITED_OUTPUT_GRACE_MS)])).then(() => false),
    ];
    const streamFirst = await Promise.race(over);
    // A command that ended is not killed for its timeout while its output drains.
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!streamFirst) {
      await Promise.race([streamEnded, sleep(EXITED_OUTPUT_GRACE_MS)]);
      (stream as unknown as { destroy(): void }).destroy();
    }
  } finally {
    markEnded();
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    // A restart to stop the tree must be over before the next command runs.
    await killing;
  }

  const durationMs = Math.round(performance.now() - started);
  const base = {
    stdout: stdout.toBuffer(),
    stderr: stderr.toBuffer(),
    droppedBytes: stdout.dropped + stderr.dropped,
    durationMs,
  };

  let exitCode: number | null = null;
  let running = false;
  try {
    // Bounded, as every call to the engine after the command: a dead sandbox's exec may get no answer.
    const info = await withTimeout(exec.inspect(), ENGINE_ANSWER_MS);
    exitCode = info.ExitCode;
    running = info.Running;
  } catch (e) {
    streamError ??= e as Error;
  }

  const killed = killUnconfirmed
    ? 'the command and what it started were sent a kill, but the sandbox did not confirm that they ended (its container could not be restarted): stop the sandbox to end them.'
    : 'the command and everything it started were killed.';
  const restartNote = killUnconfirmed
    ? ''
    : restartedToKill
      ? ' It could not be stopped from inside (no process could be started there to kill it, or the container had stopped), so the sandbox container was restarted; /tmp and the home directory were cleared, the workspace copy is kept.'
      : '';
  if (killedFor === 'timeout') {
    return {
      ...base,
      exitCode: 124,
      outcome: 'timeout',
      message: `Timed out after ${Math.round(options.timeoutMs / 1000)} s; ${killed}${restartNote}`,
    };
  }
  if (killedFor === 'cancelled') {
    return {
      ...base,
      exitCode: 130,
      outcome: 'cancelled',
      message: `Cancelled; ${killed}${restartNote}`,
    };
  }
  if (exitCode === null || exitCode >= 128 || streamError) {
    // The host's memory limit can end the whole container rather than one process: under
    // gVisor the host kills the sandbox's kernel, which holds all of the sandbox's memory.
    // That is the command's doing, so the sandbox is started again and the result says so.
    const noSignal = exitCode === 128 || exitCode === null || streamError !== undefined;
    const ended =
      options.oomEndsContainer &&
      (await containerEndedOutOfMemory(container, options.oomEndsContainer, noSignal)) &&
      options.restart?.allowed() !== false;
    if (ended) {
      options.restart?.before();
      const back = (await restartContainer(container)).startedAnew;
      if (back) await options.restart?.after();
      return {
        ...base,
        exitCode: 137,
        outcome: 'oom',
        message: `Killed: out of memory. The sandbox's memory limit was reached and the host ended the whole sandbox container, ${
          back
            ? 'which was started again; /tmp and the home directory were cleared, the workspace copy is kept.'
            : 'which could not be started again: start the sandbox again; the workspace copy and its pending changes are kept.'
        }`,
      };
    }
  }
  if (exitCode === null || running || streamError) {
    // The engine or the container went away under the command: never report success.
    return {
      ...base,
      exitCode: 125,
      outcome: 'interrupted',
      message: `Interrupted: the sandbox stopped answering while the command ran${streamError ? ` (${streamError.message})` : ''}. Its result is unknown; nothing was applied.`,
    };
  }
  if (exitCode === 126 && base.stdout.subarray(0, 64).toString().startsWith('OCI runtime exec failed')) {
    return {
      ...base,
      exitCode,
      outcome: 'exited',
      message:
        'The sandbox could not start the command (see the output). If background processes used up its process limit, stop and start the sandbox to clear them.',
    };
  }
  if (exitCode === 137 && options.checkOom && (await options.checkOom().catch(() => false))) {
    return { ...base, exitCode, outcome: 'oom', message: "Killed: out of memory (the sandbox's memory limit was reached)." };
  }
  // Killed by SIGKILL or SIGTERM when the engine stopped the container under it: the engine may
  // report the command's end before the container's, so the state is asked for a moment.
  const stopWait = exitCode === 137 || exitCode === 143 ? SIGNAL_STOP_WAIT_MS : 0;
  if (exitCode >= 128 && (await containerStoppedSince(container, startedWallMs, stopWait))) {
    // Not the command's own exit: the engine restarted or was stopped.
    return {
      ...base,
      exitCode: 125,
      outcome: 'interrupted',
      message: `Interrupted: the sandbox container stopped while the command ran (it was killed with exit ${exitCode}). Its result is unknown; nothing was applied.`,
    };
  }
  return { ...base, exitCode, outcome: 'exited' };
}

/** How long a helper may run before the sandbox is taken to be interfering with it. */
export const HELPER_TIMEOUT_MS = 30_000;
/** The most output a helper may print; more is not an answer the host can trust. */
export const HELPER_OUTPUT_CAP_BYTES = 16 * 1024 * 1024;

export interface HelperOptions {
  /** Written to the helper's standard input, which is then closed. */
  readonly stdin?: Buffer;
  readonly timeoutMs?: number;
  readonly outputCapBytes?: number;
  /** What the helper does, in a few words, for the error message ("list the sandbox's folders"). */
  readonly purpose?: string;
}

export interface HelperResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/**
 * Runs a short helper command as the sandbox user and returns its output (for internal use).
 * The helper shares the sandbox user with the agent, so a process the agent left behind can
 * stop it (SIGSTOP, ptrace) or make it print without end: it gets a deadline and an output
 * cap, and past either its processes are killed (found by a marker of their own) and the
 * call fails with HELPER_BLOCKED. It never returns a partial answer.
 */
export async function runHelper(
  docker: Docker,
  containerId: string,
  user: string,
  argv: readonly string[],
  stdinData?: Buffer,
  options: HelperOptions = {},
): Promise<HelperResult> {
  const marker = `helper-${crypto.randomBytes(8).toString('hex')}`;
  const timeoutMs = options.timeoutMs ?? HELPER_TIMEOUT_MS;
  const outcome = await execHelper(docker, containerId, user, argv, {
    ...options,
    ...(stdinData !== undefined ? { stdin: stdinData } : {}),
    timeoutMs,
    env: [`AGENT_SANDBOX_EXEC=${marker}`],
  });
  if (outcome.kind === 'done') return outcome.result;
  // Stopped or traced processes still die of SIGKILL; the kill itself is bounded too, and
  // whatever it achieves, the answer is refused.
  await withTimeout(killTree(docker, containerId, user, marker, false), KILL_HELPER_TIMEOUT_MS).catch(() => undefined);
  const what = options.purpose ?? 'run its helper';
  const why =
    outcome.kind === 'timeout'
      ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
      : `printed more than ${Math.round((options.outputCapBytes ?? HELPER_OUTPUT_CAP_BYTES) / 1024 / 1024)} MiB`;
  throw new SandboxError(
    'HELPER_BLOCKED',
    `Agent Sandbox could not ${what} inside the sandbox: its helper ${why}. A process in the sandbox is most likely interfering with Agent Sandbox's own helper (stopping or tracing it); nothing was changed and no result is shown rather than a wrong one.`,
    'Stop the process that interferes (or stop and start the sandbox, which ends every process in it: "Agent Sandbox: Stop Sandbox" or `agent-sandbox stop`), or throw the copy away with "Reset Sandbox" (`agent-sandbox reset`); then try again.',
  );
}

type HelperOutcome = { kind: 'done'; result: HelperResult } | { kind: 'timeout' } | { kind: 'overflow' };

/** One exec with a deadline and an output cap; the stream is dropped when either is passed. */
async function execHelper(
  docker: Docker,
  containerId: string,
  user: string,
  argv: readonly string[],
  options: HelperOptions & { timeoutMs: number; env: readonly string[] },
): Promise<HelperOutcome> {
  const cap = options.outputCapBytes ?? HELPER_OUTPUT_CAP_BYTES;
  const exec = await docker.getContainer(containerId).exec({
    Cmd: [...argv],
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    User: user,
    Env: [...options.env],
  });
  const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  let settle: (kind: 'ended' | 'timeout' | 'overflow', error?: Error) => void = () => undefined;
  const settled = new Promise<{ kind: 'ended' | 'timeout' | 'overflow'; error?: Error }>((resolve) => {
    settle = (kind, error) => resolve(error ? { kind, error } : { kind });
  });
  const collect = (into: Buffer[]) => (c: Buffer) => {
    size += c.length;
    if (size > cap) settle('overflow');
    else into.push(c);
  };
  const outStream = new PassThrough();
  const errStream = new PassThrough();
  outStream.on('data', collect(out));
  errStream.on('data', collect(err));
  docker.modem.demuxStream(stream, outStream, errStream);
  stream.on('end', () => settle('ended'));
  stream.on('close', () => settle('ended'));
  stream.on('error', (e: Error) => settle('ended', e));
  const timer = setTimeout(() => settle('timeout'), options.timeoutMs);
  if (options.stdin !== undefined) {
    stream.write(options.stdin);
    (stream as unknown as { end(): void }).end();
  }
  const ended = await settled;
  clearTimeout(timer);
  if (ended.kind !== 'ended') {
    (stream as unknown as { destroy(): void }).destroy();
    return { kind: ended.kind };
  }
  if (ended.error) throw ended.error;
  const info = await exec.inspect();
  return { kind: 'done', result: { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) } };
}

/**
 * Settles once the exec's main process has exited, or its container ended in a way that
 * `containerEnded` says ends the command (asked every few seconds: runsc may never end an
 * exec whose sandbox died); never settles when `until` comes first. Its timer is cleared
 * then, so it keeps no process alive. A container that died otherwise is left to the
 * timeout, whose restart brings the sandbox back.
 */
function mainProcessExited(
  exec: Docker.Exec,
  container: Docker.Container,
  until: Promise<void>,
  containerEnded: (state: Docker.ContainerInspectInfo['State']) => boolean,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    void until.then(() => {
      over = true;
      clearTimeout(timer);
    });
    // Each answer on its own, and bounded: the engine may not answer about the exec of a
    // dead sandbox. An answer that does not come counts as "still running".
    const exited = () =>
      withTimeout(exec.inspect(), EXIT_POLL_MS).then(
        (info) => !info.Running && info.ExitCode !== null,
        () => false,
      );
    const stopped = () =>
      withTimeout(container.inspect(), EXIT_POLL_MS).then(
        (c) => containerEnded(c.State),
        () => false,
      );
    const poll = () => {
      timer = setTimeout(() => {
        void Promise.all([exited(), stopped()]).then(([done, gone]) => {
          if (over) return;
          if (done || gone) resolve();
          else poll();
        });
      }, EXIT_POLL_MS);
    };
    poll();
  });
}

/**
 * Asks the engine about the container every 100 ms until `decide` answers (true or false) or
 * `waitMs` has passed (then false). An engine that does not answer in time gives `unanswered`.
 */
async function askContainer(
  container: Docker.Container,
  waitMs: number,
  decide: (info: Docker.ContainerInspectInfo) => boolean | undefined,
  unanswered: boolean,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let answer: boolean | undefined;
    try {
      answer = decide(await inspectBounded(container));
    } catch {
      return unanswered;
    }
    if (answer !== undefined) return answer;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/**
 * Whether the container stopped, or stopped and started again, since `sinceMs` (or cannot be
 * asked), asked again for up to `waitMs` while the answer is no.
 */
function containerStoppedSince(container: Docker.Container, sinceMs: number, waitMs: number): Promise<boolean> {
  return askContainer(container, waitMs, ({ State }) => (!State.Running || Date.parse(State.StartedAt) > sinceMs ? true : undefined), true);
}

/**
 * Whether the host's out-of-memory killer ended the container, for a runtime where it ends
 * the whole container (`endsWhole`: gVisor). Elsewhere it ends one process, and a container
 * that stopped with the flag set was stopped for another reason (the flag stays from any
 * earlier kill until the next start). A command that died with its container may be reported
 * before the engine has seen the container stop, so after an exit that names no signal
 * (`wait`) the state is asked again for a short while; an exit code of 128 of a program's
 * own (git's fatal errors) pays that wait only on such a runtime.
 */
function containerEndedOutOfMemory(container: Docker.Container, endsWhole: (runtime: string) => boolean, wait: boolean): Promise<boolean> {
  return askContainer(
    container,
    wait ? OOM_END_WAIT_MS : 0,
    ({ State, HostConfig }) => (!endsWhole(HostConfig.Runtime ?? '') ? false : State.Running ? undefined : State.OOMKilled === true),
    false,
  );
}

/** Kills the container and waits, within `waitMs`, until the engine says it stopped; whether it did. */
export async function killAndWait(container: Docker.Container, waitMs: number): Promise<boolean> {
  await withTimeout(container.kill(), ENGINE_ANSWER_MS).catch(() => undefined);
  await withTimeout(container.wait(), waitMs).catch(() => undefined);
  return !(await containerRunning(container, true));
}

/** The container's inspect, failing when the engine does not answer in time. */
function inspectBounded(container: Docker.Container): Promise<Docker.ContainerInspectInfo> {
  return withTimeout(container.inspect(), ENGINE_ANSWER_MS);
}

/** Whether the engine says the container runs; `unanswered` when it does not answer in time. */
function containerRunning(container: Docker.Container, unanswered: boolean): Promise<boolean> {
  return inspectBounded(container).then(
    (c) => c.State.Running,
    () => unanswered,
  );
}

/**
 * Kills every process of the container through the engine and starts it again. The old
 * processes leave the pids cgroup asynchronously; a start that comes too early sees the limit
 * still used up and its init dies at once, so the start is retried until the container stays up.
 */
async function restartContainer(container: Docker.Container): Promise<{ stopped: boolean; startedAnew: boolean }> {
  // Told apart by the engine's own start time, not by this machine's clock (a remote engine's may differ).
  const startedAt = await inspectBounded(container).then(
    (c) => c.State.StartedAt,
    () => undefined,
  );
  // Already stopped, or the engine gone, is no failure here: the stream's end reports "interrupted".
  await killAndWait(container, RESTART_WAIT_MS);
  // Retried until a deadline rather than a count: on a busy machine the old processes may take
  // seconds to leave the pids cgroup, and each start that comes too early dies at once.
  const deadline = Date.now() + RESTART_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      await withTimeout(container.start(), RESTART_WAIT_MS);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) {
        await sleep(300);
        continue;
      }
    }
    await sleep(300);
    try {
      const { State } = await inspectBounded(container);
      const anew = State.StartedAt !== startedAt;
      if (State.Running && anew) return { stopped: true, startedAnew: true };
      // The kill has not taken (the start found it still running): kill again, within the deadline.
      if (State.Running) await killAndWait(container, RESTART_WAIT_MS);
    } catch {
      // The engine is gone: so are the container's processes, or the command's stream says so.
      return { stopped: true, startedAnew: false };
    }
  }
  // It did not start again; whether its processes are gone is what the engine says now.
  const now = await inspectBounded(container).catch(() => undefined);
  return { stopped: !now || !now.State.Running || now.State.StartedAt !== startedAt, startedAnew: false };
}

/** How often a running command is asked whether its main process has exited. */
const EXIT_POLL_MS = 2000;
/** How long output is still taken after the main process exited (a detached process may hold it). */
const EXITED_OUTPUT_GRACE_MS = 3000;
/** How long one answer of the engine may take once a command is over. */
const ENGINE_ANSWER_MS = 10_000;
/** How long a container may take to stop, or to start, when it is restarted to end a command. */
const RESTART_WAIT_MS = 30_000;
/** How long a command that died without a signal waits for the engine to see its container stop (gVisor). */
const OOM_END_WAIT_MS = 2000;
/** How long a command killed by SIGKILL or SIGTERM waits for the engine to show its container stopped. */
const SIGNAL_STOP_WAIT_MS = 1500;
const KILL_ATTEMPTS = 2;
/** How long the second kill waits after the first could not run or left processes behind. */
const KILL_RETRY_MS = 500;
/** How long the engine may take to show a killed command's main process ended. */
const KILL_CONFIRM_MS = 1000;
const KILL_HELPER_TIMEOUT_MS = 3000;

/**
 * Kills a command's process tree (see KILL_TREE), its recorded pid's descendants too when
 * `withRoot`; how many of its processes are left, as the helper counts them.
 */
async function killTree(docker: Docker, containerId: string, user: string, execId: string, withRoot: boolean): Promise<number> {
  // As the sandbox user, never root: the tree belongs to that user. The kill can be stopped
  // like any helper, so it has a deadline of its own (and no kill of the kill).
  const outcome = await execHelper(
    docker,
    containerId,
    user,
    ['/bin/sh', '-c', KILL_TREE, 'agent-sandbox-kill', PID_DIR, execId, withRoot ? 'root' : ''],
    { timeoutMs: KILL_HELPER_TIMEOUT_MS, env: [`AGENT_SANDBOX_KILL=${execId}`] },
  );
  if (outcome.kind !== 'done')
    throw new Error(`the kill helper ${outcome.kind === 'timeout' ? 'did not finish in time' : 'printed too much'}`);
  // Anything but a clean end with exactly one count (no process slot for its grep, a grep
  // killed, another process writing into its output) is no answer.
  const left = /^left (\d+)\n$/.exec(outcome.result.stdout.toString());
  if (outcome.result.exitCode !== 0 || !left)
    throw new Error(`the kill helper gave no answer (exit ${outcome.result.exitCode}): ${outcome.result.stdout.toString().slice(0, 200)}`);
  return Number(left[1]);
}

/**
 * Whether the exec's main process runs ('running') or has ended with an exit code ('ended'),
 * asked again every 100 ms for up to `waitMs` until it has ended; undefined when the engine
 * does not answer, or the exec has not started yet (not running, and no exit code).
 */
async function execState(exec: Docker.Exec, waitMs: number): Promise<'running' | 'ended' | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let state: 'running' | 'ended' | undefined;
    try {
      const info = await withTimeout(exec.inspect(), ENGINE_ANSWER_MS);
      state = info.Running ? 'running' : info.ExitCode !== null ? 'ended' : undefined;
    } catch {
      return undefined;
    }
    if (state === 'ended' || Date.now() >= deadline) return state;
    await sleep(100);
  }
}
