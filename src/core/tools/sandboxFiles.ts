/**
 * Reading and writing files of the sandbox copy for the file tools. Everything goes through
 * the container as the sandbox user, so a write can only ever land in the copy the container
 * sees (and the host tree is never opened for writing). Writes also refuse to follow a
 * symlink anywhere on the way, so a planted link cannot redirect them inside the container.
 */
import type { HelperOptions } from '../engine/exec';
import { SandboxError } from '../errors';
import { EXISTS_SCRIPT, FILE_EXIT, READ_FILE_SCRIPT, WRITE_FILE_SCRIPT } from '../session/scripts';
import type { SandboxSession } from '../session/session';

/** Largest file the tools read whole (for reading and editing). */
export const READ_LIMIT_BYTES = 8 * 1024 * 1024;

function failure(rel: string, exitCode: number, stderr: string, verb: 'read' | 'write'): SandboxError {
  switch (exitCode) {
    case FILE_EXIT.missing:
      return new SandboxError(
        'UNSAFE_PATH',
        `${rel} does not exist in the sandbox copy.`,
        'Check the path; list files with a command such as `ls` or `git ls-files`.',
      );
    case FILE_EXIT.symlink:
      return new SandboxError(
        'UNSAFE_PATH',
        `Cannot ${verb} ${rel}: ${stderr || 'a segment'} is a symbolic link, and file tools do not follow links.`,
        'Use the path the link points to, inside the workspace.',
      );
    case FILE_EXIT.notDirectory:
      return new SandboxError('UNSAFE_PATH', `Cannot ${verb} ${rel}: ${stderr} is a file, not a folder.`, 'Check the path.');
    case FILE_EXIT.isDirectory:
      return new SandboxError('UNSAFE_PATH', `${rel} is a folder, not a file.`, 'Name a file; list a folder with a command such as `ls`.');
    case FILE_EXIT.notRegular:
      return new SandboxError(
        'UNSAFE_PATH',
        `${rel} is not a regular file (a FIFO, socket or device), and file tools only ${verb} regular files.`,
        'Name a regular file.',
      );
    case FILE_EXIT.tooLarge:
      return new SandboxError(
        'UNSAFE_PATH',
        `${rel} is ${stderr} bytes, more than the ${READ_LIMIT_BYTES} bytes file tools handle.`,
        'Read parts of it with a command such as `head`, `tail` or `sed -n`.',
      );
    default:
      return new SandboxError('INTERNAL', `Could not ${verb} ${rel} in the sandbox (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/** Why a file of the sandbox copy could not be read, for callers that answer each case differently. */
export type SandboxReadFailure = 'missing' | 'symlink' | 'not-directory' | 'directory' | 'not-regular' | 'too-large' | 'other';

const FAILURE_OF_EXIT: Record<number, SandboxReadFailure> = {
  [FILE_EXIT.missing]: 'missing',
  [FILE_EXIT.symlink]: 'symlink',
  [FILE_EXIT.notDirectory]: 'not-directory',
  [FILE_EXIT.isDirectory]: 'directory',
  [FILE_EXIT.notRegular]: 'not-regular',
  [FILE_EXIT.tooLarge]: 'too-large',
};

export type SandboxReadOutcome =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly failure: SandboxReadFailure; readonly error: SandboxError };

/**
 * Reads a file of the sandbox copy and says why not when it cannot. A helper that does not
 * finish within `timeoutMs` (a process in the sandbox holding it up) still throws.
 */
export async function tryReadSandboxFile(
  session: SandboxSession,
  rel: string,
  options: Pick<HelperOptions, 'timeoutMs'> = {},
): Promise<SandboxReadOutcome> {
  const r = await session.helper(READ_FILE_SCRIPT, [rel, String(READ_LIMIT_BYTES)], undefined, {
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
  const r = await session.helper(WRITE_FILE_SCRIPT, [rel], content);
  if (r.exitCode !== 0) throw failure(rel, r.exitCode, r.stderr.toString(), 'write');
}

/** True when the sandbox copy has something (a file, folder or link) at `rel`. */
export async function existsInSandbox(session: SandboxSession, rel: string): Promise<boolean> {
  const r = await session.helper(EXISTS_SCRIPT, [rel]);
  return r.exitCode === 0;
}
