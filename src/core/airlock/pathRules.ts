/**
 * Rules about names and link targets that no decision can override.
 */
import * as path from 'node:path';

/** Problems with a workspace-relative path itself, or undefined when it is a plain relative path. */
export function unsafePathReason(rel: string): string | undefined {
  if (rel === '') return 'empty path';
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) return 'absolute path';
  if (rel.includes('\0')) return 'path contains a NUL byte';
  const parts = rel.split('/');
  if (parts.some((p) => p === '..')) return 'path has a ".." segment';
  if (parts.some((p) => p === '' || p === '.')) return 'path has an empty or "." segment';
  return undefined;
}

/** Comparison key for a name on a case-insensitive, Unicode-normalising file system (macOS, Windows). */
export function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

/** True when some segment is `.git` as a case-insensitive file system would see it. */
export function isUnderGit(rel: string): boolean {
  return rel.split('/').some((p) => foldName(p) === '.git');
}

/**
 * Where a symlink at `rel` with `target` would point, relative to the root, resolved lexically
 * (never followed); undefined when it leaves the workspace.
 */
export function resolveLinkInside(rel: string, target: string): string | undefined {
  if (target === '' || path.posix.isAbsolute(target) || target.includes('\0')) return undefined;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
  if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined)) return undefined;
  return joined === '.' ? '' : joined;
}
