/** Whether the sandbox side of an entry really differs from its base side. */
import * as fs from 'node:fs';
import type { EntryInfo } from './types';

export async function sameContent(a: string, b: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const [fa, fb] = await Promise.all([fs.promises.open(a, 'r'), fs.promises.open(b, 'r')]);
  try {
    const chunk = 256 * 1024;
    const ba = Buffer.allocUnsafe(chunk);
    const bb = Buffer.allocUnsafe(chunk);
    for (let pos = 0; pos < size; pos += chunk) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, chunk, pos), fb.read(bb, 0, chunk, pos)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** True when base and sandbox sides are the same entry (type, mode, target and bytes). */
export async function sameEntry(base: EntryInfo, basePath: string, sandbox: EntryInfo, sandboxPath: string): Promise<boolean> {
  if (base.type !== sandbox.type) return false;
  if (base.type === 'directory') return base.mode === sandbox.mode;
  if (base.mode !== sandbox.mode && base.type !== 'symlink') return false;
  if (base.type === 'symlink') return base.linkTarget === sandbox.linkTarget;
  if (base.type !== 'file') return false;
  if (base.size !== sandbox.size) return false;
  return sameContent(basePath, sandboxPath, base.size);
}
