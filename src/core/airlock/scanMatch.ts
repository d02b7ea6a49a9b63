/**
 * Whether two change scans found the same thing: the same paths, in the same order, with the
 * same entry on each side (type, mode, size, modification time, link target). Apply uses it
 * to reuse the change set it (or approve-all, or a review) built moments ago instead of
 * reading and hashing every changed file of both sides again. Reuse stays safe when a side
 * changed without its size or time moving: apply writes the very bytes that were hashed and
 * shown (or copies a file and checks its hash as it lands, refusing a mismatch), and it checks
 * the real tree again path by path when it writes.
 */
import type { EntryInfo, RawChange } from '../snapshot/types';

function sameInfo(a: EntryInfo | undefined, b: EntryInfo | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.mode === b.mode && a.size === b.size && a.mtimeMs === b.mtimeMs && a.linkTarget === b.linkTarget;
}

export function sameScan(a: readonly RawChange[], b: readonly RawChange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.path !== y.path || x.kind !== y.kind || x.validUtf8 !== y.validUtf8 || !x.rawPath.equals(y.rawPath)) return false;
    if (!sameInfo(x.base, y.base) || !sameInfo(x.sandbox, y.sandbox)) return false;
  }
  return true;
}
