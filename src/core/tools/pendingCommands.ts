/**
 * Pending commands: how a rewritten shell call carries the original command out of band.
 *
 * An agent's shell tool types the line the hook hands back into a shell we do not choose
 * (VS Code's run_in_terminal uses the person's own shell: bash, zsh, fish, PowerShell...),
 * and no quoting means the same in all of them. So the command, its workspace and its
 * folder are stored in a file under the state folder, named by a random id, and the line is
 * `<launcher> run-pending <id>`: only characters no shell treats specially.
 *
 * Files are 0600 in a 0700 folder and taken once: `run-pending` renames the file away before
 * reading it, so two runs of one line cannot both get it. Entries older than PENDING_TTL_MS
 * are removed when new ones are stored.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFileSync } from '../fsx';
import { stateRoot } from '../paths';
import { ensurePrivateDir } from '../privateDir';
import { assertInertLauncher, INERT_PATH } from './launcher';

/**
 * `p` and 128 random bits in lowercase hex. The letter in front keeps PowerShell from
 * reading an id of digits (or digits, `e` and digits) as a number and reformatting it.
 */
export const PENDING_ID = /^p[0-9a-f]{32}$/;
/**
 * How long a handed-out line stays runnable. Long, because an agent may wait for a person's
 * approval before it runs the line; expiry only tidies up, since a pending command can only
 * ever run inside the sandbox.
 */
export const PENDING_TTL_MS = 24 * 60 * 60 * 1000;
/** Far above any command line an agent sends; the container's own limit per argument is 128 KiB. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

export interface PendingCommand {
  /** The workspace root whose sandbox runs the command. */
  readonly root: string;
  /** Folder below the root to start in, '/'-separated; '' for the root. */
  readonly subdir: string;
  /** The original shell command line, run with `sh -c`. */
  readonly command: string;
}

export class PendingCommandError extends Error {}

export function pendingDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateRoot(env), 'pending');
}

/** The line handed back to the agent. Throws UnsafeStatePathError for a launcher path with special characters. */
export function pendingCommandLine(launcher: string, id: string): string {
  if (!PENDING_ID.test(id)) throw new PendingCommandError(`"${id}" is not a pending command id.`);
  return `${assertInertLauncher(launcher)} run-pending ${id}`;
}

/**
 * True only when the whole line is exactly a line this hook hands back: our launcher,
 * `run-pending`, one well-formed id, nothing before, after or in between. Such a line can
 * only run a stored command inside the sandbox, so it may pass unchanged.
 */
export function isPendingCommandLine(launcher: string, line: string): boolean {
  const prefix = `${launcher} run-pending `;
  return INERT_PATH.test(launcher) && line.startsWith(prefix) && PENDING_ID.test(line.slice(prefix.length));
}

function validate(entry: PendingCommand): void {
  if (!path.isAbsolute(entry.root)) throw new PendingCommandError('A pending command needs an absolute workspace root.');
  if (entry.subdir.split('/').some((part) => part === '..') || entry.subdir.startsWith('/'))
    throw new PendingCommandError(`"${entry.subdir}" is not a folder below the workspace root.`);
  for (const [name, value] of Object.entries(entry)) {
    if (value.includes('\0')) throw new PendingCommandError(`The ${name} contains a NUL byte, which no command line can carry.`);
  }
}

/** Stores a command and returns its id. */
export function storePendingCommand(entry: PendingCommand, env: NodeJS.ProcessEnv = process.env, now = Date.now()): string {
  validate(entry);
  const dir = pendingDir(env);
  ensurePrivateDir(dir);
  expireNowAndThen(dir, now);
  const id = `p${crypto.randomBytes(16).toString('hex')}`;
  const body = JSON.stringify({ version: 1, created: now, root: entry.root, subdir: entry.subdir, command: entry.command });
  if (Buffer.byteLength(body) > MAX_ENTRY_BYTES) throw new PendingCommandError('The command is too long to run (over 4 MiB).');
  const file = path.join(dir, `${id}.json`);
  replaceFileSync(file, body, 0o600, path.join(dir, `${id}.writing`));
  return id;
}

/** Takes a stored command (once: it is gone afterwards). Throws PendingCommandError when there is none. */
export function takePendingCommand(id: string, env: NodeJS.ProcessEnv = process.env, now = Date.now()): PendingCommand {
  if (!PENDING_ID.test(id))
    throw new PendingCommandError(`"${id}" is not a pending command id (p and 32 hexadecimal characters); nothing was run.`);
  const dir = pendingDir(env);
  const file = path.join(dir, `${id}.json`);
  const claimed = path.join(dir, `${id}.taken-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.renameSync(file, claimed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PendingCommandError(
        `There is no pending command ${id}: it already ran, expired, or was never handed out by the Agent Sandbox hook. Nothing was run; run the original command again so the hook hands out a new line.`,
      );
    }
    throw err;
  }
  let text: string;
  try {
    // The file was written by this user's hook; still, open it without following links and
    // check what it is before trusting it.
    let fd: number;
    try {
      fd = fs.openSync(claimed, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch {
      throw new PendingCommandError(`The pending command ${id} is not a private file of this user; nothing was run.`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (
        !st.isFile() ||
        (typeof process.getuid === 'function' && st.uid !== process.getuid()) ||
        (st.mode & 0o077) !== 0 ||
        st.size > MAX_ENTRY_BYTES
      ) {
        throw new PendingCommandError(`The pending command ${id} is not a private file of this user; nothing was run.`);
      }
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.unlinkSync(claimed);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new PendingCommandError(`The pending command ${id} is damaged; nothing was run.`);
  }
  if (
    raw.version !== 1 ||
    typeof raw.created !== 'number' ||
    typeof raw.root !== 'string' ||
    typeof raw.subdir !== 'string' ||
    typeof raw.command !== 'string'
  ) {
    throw new PendingCommandError(`The pending command ${id} is damaged; nothing was run.`);
  }
  if (now - raw.created > PENDING_TTL_MS)
    throw new PendingCommandError(`The pending command ${id} expired; nothing was run. Run the original command again.`);
  const entry = { root: raw.root, subdir: raw.subdir, command: raw.command };
  validate(entry);
  return entry;
}

/** How often storing a command also sweeps the folder: a sweep reads every entry. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Sweeps when the last sweep (the mtime of a marker file) is older than SWEEP_INTERVAL_MS. */
function expireNowAndThen(dir: string, now: number): void {
  const marker = path.join(dir, 'last-sweep');
  try {
    if (now - fs.statSync(marker).mtimeMs < SWEEP_INTERVAL_MS) return;
  } catch {
    // No sweep yet.
  }
  expirePendingCommands(dir, now);
  try {
    fs.writeFileSync(marker, '', { mode: 0o600 });
    fs.utimesSync(marker, new Date(now), new Date(now));
  } catch {
    // Best effort: the next store sweeps again.
  }
}

/** Removes expired entries and leftovers of interrupted writes and takes. Best effort. */
export function expirePendingCommands(dir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === 'last-sweep') continue;
    const p = path.join(dir, name);
    try {
      const age = now - fs.lstatSync(p).mtimeMs;
      const limit = name.endsWith('.json') ? PENDING_TTL_MS : 60 * 60 * 1000;
      if (age > limit) fs.rmSync(p, { force: true });
    } catch {
      // Taken or removed meanwhile.
    }
  }
}
