/**
 * Reading and writing files of the sandbox copy for the file tools. Everything goes through
 * the container as the sandbox user, so a write can only ever land in the copy the container
 * sees (and the host tree is never opened for writing). Writes also refuse to follow a
 * symlink anywhere on the way, so a planted link cannot redirect them inside the container.
 */
import { runHelper } from '../engine/exec';
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
  'size=$(wc -c < "$p") || exit 1',
  `[ "$size" -gt "$2" ] && { printf '%s' "$size" >&2; exit ${EXIT_TOO_LARGE}; }`,
  'exec cat -- "$p"',
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
    case EXIT_TOO_LARGE:
      return new SandboxError('UNSAFE_PATH', `${rel} is ${stderr} bytes, more than the ${READ_LIMIT_BYTES} bytes file tools handle.`, 'Read parts of it with a command such as `head`, `tail` or `sed -n`.');
    default:
      return new SandboxError('INTERNAL', `Could not ${verb} ${rel} in the sandbox (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/** The bytes of a file in the sandbox copy. */
export async function readSandboxFile(session: SandboxSession, rel: string): Promise<Buffer> {
  const r = await runHelper(session.docker, session.containerId, session.user, ['/bin/sh', '-c', READ_SCRIPT, 'agent-sandbox-read', rel, String(READ_LIMIT_BYTES)]);
  if (r.exitCode !== 0) throw failure(rel, r.exitCode, r.stderr.toString(), 'read');
  return r.stdout;
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
