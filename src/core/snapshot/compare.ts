/** Whether the sandbox side of an entry really differs from its base side. */
import { ChangedUnderfoot, type Dir } from '../fs/beneath';
import type { EntryInfo } from './types';

/** One entry named in an open directory. */
export interface Located {
  readonly dir: Dir;
  readonly name: Buffer;
}

/**
 * Compares the first `size` bytes of two regular files, each opened without following a
 * symlink and without blocking (a FIFO swapped in is refused, never waited on).
 */
export async function sameContent(a: Located, b: Located, size: number): Promise<boolean> {
  if (size === 0) return true;
  const fa = await a.dir.openFile(a.name);
  const fb = await b.dir.openFile(b.name).catch(async (err: unknown) => {
    await fa?.handle.close();
    throw err;
  });
  try {
    if (!fa || !fb) throw new ChangedUnderfoot((fa ? b : a).name.toString('utf8'), 'vanished while it was compared');
    // Changed since the lstat: certainly not the same as what was listed.
    if (fa.stat.size !== size || fb.stat.size !== size) return false;
    const chunk = Math.min(size, 256 * 1024);
    const ba = Buffer.allocUnsafe(chunk);
    const bb = Buffer.allocUnsafe(chunk);
    for (let pos = 0; pos < size; pos += chunk) {
      const want = Math.min(chunk, size - pos);
      const [ra, rb] = await Promise.all([fa.handle.read(ba, 0, want, pos), fb.handle.read(bb, 0, want, pos)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa?.handle.close(), fb?.handle.close()]);
  }
}

/** True when base and sandbox sides are the same entry (type, mode, target and bytes). */
export async function sameEntry(base: EntryInfo, baseAt: Located, sandbox: EntryInfo, sandboxAt: Located): Promise<boolean> {
  if (base.type !== sandbox.type) return false;
  if (base.type === 'directory') return base.mode === sandbox.mode;
  if (base.mode !== sandbox.mode && base.type !== 'symlink') return false;
  if (base.type === 'symlink') return base.linkTarget === sandbox.linkTarget;
  if (base.type !== 'file') return false;
  if (base.size !== sandbox.size) return false;
  return sameContent(baseAt, sandboxAt, base.size);
}
