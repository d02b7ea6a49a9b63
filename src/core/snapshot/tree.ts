/** lstat-based helpers over a tree addressed by relative posix paths. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entryInfo } from './entries';
import type { EntryInfo } from './types';

export function hostPath(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, ...rel.split('/'));
}

export async function infoAt(root: string, rel: string): Promise<EntryInfo | undefined> {
  const p = hostPath(root, rel);
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  const target = st.isSymbolicLink() ? await fs.promises.readlink(p) : undefined;
  return entryInfo(st, target);
}

/** Rejects relative paths that are empty, absolute or contain `.`/`..` segments. */
export function assertPlainRelative(rel: string): void {
  if (!rel || rel.startsWith('/') || rel.includes('\0') || rel.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`Not a plain relative path: ${JSON.stringify(rel)}`);
  }
}
