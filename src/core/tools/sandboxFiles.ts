/**
 * Reading and writing files of the sandbox copy for the file tools. Everything goes through
 * the container as the sandbox user, so a write can only ever land in the copy the container
 * sees (and the host tree is never opened for writing). Writes also refuse to follow a
 * symlink anywhere on the way, so a planted link cannot redirect them inside the container.
 */
import { runHelper, type HelperOptions } from '../engine/exec';
import { SANDBOX_WORKDIR } from '../engine/hardening';
import { SandboxError } from '../errors';
import type { SandboxSession } from '../session';

/** Largest file the tools read whole (for reading and editing). */
export const READ_LIMIT_BYTES = 8 * 1024 * 1024;

const EXIT_MISSING = 2;
const EXIT_SYMLINK = 3;
const EXIT_NOT_DIRECTORY = 4;
const EXIT_IS_DIRECTORY = 5;
const EXIT_TOO_LARGE = 6;
const EXIT_NOT_REGULAR = 7;

/**
 * Walks the path one segment at a time from the workspace root and stops at the first
 * symlink or non-directory on the way. The path comes in as "$1"; nothing is spliced.
 */
const WALK = [
  `p=${SANDBOX_WORKDIR}; rest=$1`,
  'while [ -n "$rest" ]; do',
  '  case $rest in */*) c=${rest%%/*}; rest=${rest#*/};; *) c=$rest; rest=;; esac',
  '  p=$p/$c',
  `  if [ -L "$p" ]; then printf '%s' "\${p#${SANDBOX_WORKDIR}/}" >&2; exit ${EXIT_SYMLINK}; fi`,
  `  if [ -n "$rest" ] && [ -e "$p" ] && [ ! -d "$p" ]; then printf '%s' "\${p#${SANDBOX_WORKDIR}/}" >&2; exit ${EXIT_NOT_DIRECTORY}; fi`,
  'done',
].join('\n');

const READ_SCRIPT = [
  WALK,
  `[ -e "$p" ] || exit ${EXIT_MISSING}`,
  `[ -d "$p" ] && exit ${EXIT_IS_DIRECTORY}`,
  // A FIFO, socket or device would block the read or never end; only regular files are read.
  `[ -f "$p" ] || exit ${EXIT_NOT_REGULAR}`,
  'size=$(wc -c < "$p") || exit 1',
  `[ "$size" -gt "$2" ] && { printf '%s' "$size" >&2; exit ${EXIT_TOO_LARGE}; }`,
  // At most the size just checked: a file that grows meanwhile is cut there, not read on.
  'exec head -c "$size" -- "$p"',
].join('\n');

const WRITE_SCRIPT = [
  WALK,
  `[ -d "$p" ] && exit ${EXIT_IS_DIRECTORY}`,
  'mkdir -p -- "$(dirname -- "$p")" || exit 1',
  // Writing into the existing file keeps its mode; a new file gets the umask's.
  'exec cat > "$p"',
].join('\n');

function failure(rel: string, exitCode: number, stderr: string, verb: 'read' | 'write'): SandboxError {
  switch (exitCode) {
    case EXIT_MISSING:
      return new SandboxError('UNSAFE_PATH', `${rel} does not exist in the sandbox copy.`, 'Check the path; list files with a command such as `ls` or `git ls-files`.');
    case EXIT_SYMLINK:
      return new SandboxError('UNSAFE_PATH', `Cannot ${verb} ${rel}: ${stderr || 'a segment'} is a symbolic link, and file tools do not follow links.`, 'Use the path the link points to, inside the workspace.');
    case EXIT_NOT_DIRECTORY:
      return new SandboxError('UNSAFE_PATH', `Cannot ${verb} ${rel}: ${stderr} is a file, not a folder.`, 'Check the path.');
    case EXIT_IS_DIRECTORY:
      return new SandboxError('UNSAFE_PATH', `${rel} is a folder, not a file.`, 'Name a file; list a folder with a command such as `ls`.');
    case EXIT_NOT_REGULAR:
      return new SandboxError('UNSAFE_PATH', `${rel} is not a regular file (a FIFO, socket or device), and file tools only ${verb} regular files.`, 'Name a regular file.');
    case EXIT_TOO_LARGE:
      return new SandboxError('UNSAFE_PATH', `${rel} is ${stderr} bytes, more than the ${READ_LIMIT_BYTES} bytes file tools handle.`, 'Read parts of it with a command such as `head`, `tail` or `sed -n`.');
    default:
      return new SandboxError('INTERNAL', `Could not ${verb} ${rel} in the sandbox (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/** Why a file of the sandbox copy could not be read, for callers that answer each case differently. */
export type SandboxReadFailure = 'missing' | 'symlink' | 'not-directory' | 'directory' | 'not-regular' | 'too-large' | 'other';

const FAILURE_OF_EXIT: Record<number, SandboxReadFailure> = {
  [EXIT_MISSING]: 'missing',
  [EXIT_SYMLINK]: 'symlink',
  [EXIT_NOT_DIRECTORY]: 'not-directory',
  [EXIT_IS_DIRECTORY]: 'directory',
  [EXIT_NOT_REGULAR]: 'not-regular',
  [EXIT_TOO_LARGE]: 'too-large',
};

export type SandboxReadOutcome = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly failure: SandboxReadFailure; readonly error: SandboxError };

/**
 * Reads a file of the sandbox copy and says why not when it cannot. A helper that does not
 * finish within `timeoutMs` (a process in the sandbox holding it up) still throws.
 */
export async function tryReadSandboxFile(session: SandboxSession, rel: string, options: Pick<HelperOptions, 'timeoutMs'> = {}): Promise<SandboxReadOutcome> {
  const r = await runHelper(session.docker, session.containerId, session.user, ['/bin/sh', '-c', READ_SCRIPT, 'agent-sandbox-read', rel, String(READ_LIMIT_BYTES)], undefined, {
    ...options,
    purpose: `read ${rel}`,
  });
  if (r.exitCode === 0) return { ok: true, bytes: r.stdout };
  return { ok: false, failure: FAILURE_OF_EXIT[r.exitCode] ?? 'other', error: failure(rel, r.exitCode, r.stderr.toString(), 'read') };
}

/** The bytes of a file in the sandbox copy. */
export async function readSandboxFile(session: SandboxSession, rel: string): Promise<Buffer> {
  const outcome = await tryReadSandboxFile(session, rel);
  if (!outcome.ok) throw outcome.error;
  return outcome.bytes;
}

/** Creates or replaces a file of the sandbox copy, creating its folders. */
export async function writeSandboxFile(session: SandboxSession, rel: string, content: Buffer): Promise<void> {
  const r = await runHelper(session.docker, session.containerId, session.user, ['/bin/sh', '-c', WRITE_SCRIPT, 'agent-sandbox-write', rel], content);
  if (r.exitCode !== 0) throw failure(rel, r.exitCode, r.stderr.toString(), 'write');
}

/** True when the sandbox copy has something (a file, folder or link) at `rel`. */
export async function existsInSandbox(session: SandboxSession, rel: string): Promise<boolean> {
  const r = await runHelper(session.docker, session.containerId, session.user, ['/bin/sh', '-c', `[ -e "${SANDBOX_WORKDIR}/$1" ] || [ -L "${SANDBOX_WORKDIR}/$1" ]`, 'agent-sandbox-exists', rel]);
  return r.exitCode === 0;
}
