/**
 * Copy reads: one file of the sandbox copy, put into a private host file so that an agent's
 * own read tool (Claude Code's Read, say) can be pointed at it. Without this the agent's
 * shell works on the copy while its read tool reads the real tree, and it does not see its
 * own changes.
 *
 * The bytes come through the container as the sandbox user (tryReadSandboxFile walks the
 * path without following links, refuses anything but a regular file and caps the size), so
 * the host never opens the sandbox's tree by path. They land in a fresh 0700 folder under
 * the state root, in a 0600 file created exclusively and without following links, under the
 * original's base name, so the agent shows the right name and detects the file type (images,
 * notebooks, PDFs) as it would for the original. Each materialization gets its own folder:
 * nothing is ever written over, and a reader of an older one keeps its bytes. Old ones are
 * removed whenever a new one is made, by age and by count.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors';
import { stateRoot } from '../paths';
import type { SandboxSession } from '../session/session';
import { ensurePrivateDir } from '../privateDir';
import { tryReadSandboxFile } from './sandboxFiles';

export type CopyRead =
  /** The file's bytes are at `hostPath`, a private file of this user. */
  | { readonly kind: 'file'; readonly hostPath: string }
  /** Nothing is at that path in the sandbox copy. */
  | { readonly kind: 'missing' }
  /** A folder is at that path in the sandbox copy. */
  | { readonly kind: 'directory' }
  /** It cannot be read this way (a link on the way, not a regular file, too large, a helper held up); `reason` says why and what works. */
  | { readonly kind: 'refused'; readonly reason: string };

export interface CopyReadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: number;
  /** How long the read inside the container may take (an agent's hook has a deadline of its own). */
  readonly timeoutMs?: number;
  /** Materializations kept at most; the oldest go first. */
  readonly maxKept?: number;
  /** Materializations older than this are removed. */
  readonly maxAgeMs?: number;
  /**
   * The folder to materialize into instead of the state root's `copy-reads` (an agent that
   * reads only below folders of its own, such as Gemini CLI's project temp folder, is given
   * a private folder there). It is made 0700 if missing and must be a real folder of this
   * user; clean-up there removes only entries this module made.
   */
  readonly dir?: string;
}

/** Well below the agents' hook watchdog, so a held-up read is refused with its own reason. */
export const COPY_READ_TIMEOUT_MS = 10_000;
/** With files of at most READ_LIMIT_BYTES, the folder holds at most 256 MiB. */
export const COPY_READS_KEPT = 32;
/** An agent reads the file right after the hook answers; an hour leaves room for a slow turn. */
export const COPY_READ_MAX_AGE_MS = 60 * 60 * 1000;

/** Folder names of materializations: `r`, the time in base 36 (sortable enough), random hex. */
const ENTRY = /^r[0-9a-z]+-[0-9a-f]{16}$/;

export function copyReadsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateRoot(env), 'copy-reads');
}

/** True when `file` is a materialization this module made (so that, for instance, a write to it can be recognized). */
export function isCopyReadPath(file: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const dir = copyReadsDir(env);
  const rel = path.relative(dir, path.resolve(file));
  const parts = rel.split(path.sep);
  return parts.length === 2 && ENTRY.test(parts[0]!) && !!parts[1] && parts[1] !== '..';
}

/**
 * The base name for the materialized file: the original's, unless it cannot name a file
 * here (it always can for a path that came out of a relative path; this keeps it so).
 */
export function materializedName(rel: string): string {
  const base = rel.split('/').pop() ?? '';
  return base && base !== '.' && base !== '..' && !base.includes('\0') && Buffer.byteLength(base) <= 255 ? base : 'file';
}

/**
 * Which entries to remove: those older than `maxAgeMs`, then the oldest beyond `maxKept`
 * (leaving room for the one about to be made). Entries whose names this module does not make
 * are left alone.
 */
export function entriesToExpire(
  entries: readonly { name: string; mtimeMs: number }[],
  now: number,
  maxKept: number,
  maxAgeMs: number,
): string[] {
  const ours = entries.filter((e) => ENTRY.test(e.name)).sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : -1));
  const expired: string[] = [];
  let kept = 0;
  for (const e of ours) {
    if (now - e.mtimeMs > maxAgeMs || kept >= Math.max(0, maxKept - 1)) expired.push(e.name);
    else kept += 1;
  }
  return expired;
}

/** Removes old materializations. Best effort: one that is gone already or cannot go is skipped. */
function expireCopyReads(dir: string, now: number, maxKept: number, maxAgeMs: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const entries: { name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    try {
      entries.push({ name, mtimeMs: fs.lstatSync(path.join(dir, name)).mtimeMs });
    } catch {
      // Removed meanwhile.
    }
  }
  for (const name of entriesToExpire(entries, now, maxKept, maxAgeMs)) {
    try {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    } catch {
      // The next materialization tries again.
    }
  }
}

/** Writes `bytes` to a new private file in a new private folder; returns the file's path. */
function writePrivateCopy(dir: string, name: string, bytes: Buffer, now: number): string {
  const folder = path.join(dir, `r${now.toString(36)}-${crypto.randomBytes(8).toString('hex')}`);
  // mkdir fails if anything (a planted link included) is already there.
  fs.mkdirSync(folder, { mode: 0o700 });
  const file = path.join(folder, name);
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/**
 * Materializes the file at `rel` (a plain relative path, as sandboxRelativePath gives it) of
 * the session's sandbox copy into a private host file. What happens in the container (the
 * path, a held-up or failed helper) is an answer, never an exception; it throws only when
 * the private folder on the host cannot be made or written.
 */
export async function materializeCopyFile(session: SandboxSession, rel: string, options: CopyReadOptions = {}): Promise<CopyRead> {
  const env = options.env ?? process.env;
  let outcome;
  try {
    outcome = await tryReadSandboxFile(session, rel, { timeoutMs: options.timeoutMs ?? COPY_READ_TIMEOUT_MS });
  } catch (err) {
    return { kind: 'refused', reason: describeError(err).replace(/\n/g, ' ') };
  }
  if (!outcome.ok) {
    if (outcome.failure === 'missing') return { kind: 'missing' };
    if (outcome.failure === 'directory') return { kind: 'directory' };
    return { kind: 'refused', reason: `${outcome.error.message}${outcome.error.hint ? ` ${outcome.error.hint}` : ''}` };
  }
  const dir = options.dir ?? copyReadsDir(env);
  ensurePrivateDir(dir);
  const now = options.now ?? Date.now();
  expireCopyReads(dir, now, options.maxKept ?? COPY_READS_KEPT, options.maxAgeMs ?? COPY_READ_MAX_AGE_MS);
  return { kind: 'file', hostPath: writePrivateCopy(dir, materializedName(rel), outcome.bytes, now) };
}
