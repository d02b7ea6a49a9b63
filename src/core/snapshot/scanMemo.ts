/**
 * What one change scan learned that the next can reuse while nothing moved: whether an upper
 * directory is opaque (the container had to be asked).
 *
 * File contents are never remembered: a write through a shared memory mapping whose page is
 * already writable moves neither size nor times, so no lstat can tell that a sandbox file
 * changed since it was read. A directory's entries and attributes cannot change that way.
 *
 * An answer is kept under the identity of the entries it was about: device, inode, size,
 * modification and change time. The change time moves with every write, chmod, rename or
 * attribute change and no user can set it back, so an entry showing the same identity has
 * not been changed since. Only entries whose change time was at least SETTLED_MS old when
 * they were looked at are remembered: on kernels with coarse timestamps a write within the
 * same clock tick as the look could otherwise leave the change time where it was.
 */
import type * as fs from 'node:fs';

/** How old an entry's change time must be for an answer about it to be kept. */
export const SETTLED_MS = 1000;

type Stamp = Pick<fs.Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;

export class ScanMemo {
  private readonly opaque = new Map<string, { readonly identity: string; readonly opaque: boolean }>();

  /** `settledMs` other than the default is for tests that cannot wait for change times to age. */
  constructor(private readonly settledMs = SETTLED_MS) {}

  /** The identity of an entry as lstat saw it, or undefined when it changed too recently to be remembered. */
  identityOf(st: Stamp, now = Date.now()): string | undefined {
    if (now - st.ctimeMs < this.settledMs) return undefined;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  }

  /**
   * Whether the upper directory at `rawPath` hides the base entries it does not mention.
   * The overlay is mounted with `redirect_dir=off`, so a directory hides all of them
   * (opaque, an attribute the overlay sets when it makes the directory, which the sandbox
   * cannot set through the overlay) or none.
   */
  opaqueDir(rawPath: Buffer, identity: string | undefined): boolean | undefined {
    if (identity === undefined) return undefined;
    const known = this.opaque.get(rawPath.toString('latin1'));
    return known?.identity === identity ? known.opaque : undefined;
  }

  rememberOpaqueDir(rawPath: Buffer, identity: string | undefined, opaque: boolean): void {
    if (identity !== undefined) this.opaque.set(rawPath.toString('latin1'), { identity, opaque });
  }
}
