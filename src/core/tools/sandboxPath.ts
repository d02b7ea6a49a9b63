/**
 * Paths that tools accept from a model. A path names a place in the sandbox copy of the
 * workspace: relative to its root, or absolute under the sandbox's mount point or the real
 * workspace root (models often echo the paths they see). Anything else, `..` included, is
 * refused with a message that says what to pass instead.
 */
import * as path from 'node:path';
import { SandboxError } from '../errors';
import { SANDBOX_WORKDIR } from '../engine/hardening';

function refuse(input: string, why: string): SandboxError {
  return new SandboxError(
    'UNSAFE_PATH',
    `The path ${JSON.stringify(input)} ${why}.`,
    `Pass a path relative to the workspace root, for example "src/index.ts".`,
  );
}

/**
 * The plain relative form (`a/b/c`, no `.`, `..` or empty segments) of a path inside the
 * sandbox copy, or a SandboxError. `allowRoot` accepts the root itself as "".
 */
export function sandboxRelativePath(input: string, workspaceRoot: string, options: { allowRoot?: boolean } = {}): string {
  if (typeof input !== 'string' || input.trim() === '') throw refuse(String(input), 'is empty');
  if (input.includes('\0')) throw refuse(input, 'contains a NUL byte');
  let rel = input.replace(/\\/g, '/');
  if (rel.startsWith('/')) {
    const under = [SANDBOX_WORKDIR, workspaceRoot.replace(/\\/g, '/')].find((root) => rel === root || rel.startsWith(`${root}/`));
    if (!under) throw refuse(input, `is outside the workspace (absolute paths must start with ${SANDBOX_WORKDIR}/)`);
    rel = rel.slice(under.length);
  }
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse(input, 'climbs out with ".."');
  const plain = segments.join('/');
  if (!plain && !options.allowRoot) throw refuse(input, 'names the workspace root, not a file');
  return plain;
}

/** Where a plain relative path lives inside the container. */
export function containerPath(rel: string): string {
  return rel ? path.posix.join(SANDBOX_WORKDIR, rel) : SANDBOX_WORKDIR;
}
