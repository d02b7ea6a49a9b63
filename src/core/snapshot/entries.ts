/** Reading directory entries as the snapshot sees them: lstat only, symlinks never followed. */
import type * as fs from 'node:fs';
import type { EntryInfo, EntryType } from './types';

export function entryType(st: fs.Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'other';
}

export function entryInfo(st: fs.Stats, linkTarget?: string): EntryInfo {
  const info: EntryInfo = {
    type: entryType(st),
    mode: st.mode & 0o7777,
    size: st.isFile() || st.isSymbolicLink() ? st.size : 0,
    mtimeMs: st.mtimeMs,
  };
  return linkTarget === undefined ? info : { ...info, linkTarget };
}

/** An overlayfs whiteout: a character device with device number 0:0. */
export function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a file name; invalid UTF-8 is decoded lossily and flagged. */
export function decodeName(raw: Buffer): { name: string; valid: boolean } {
  try {
    return { name: decoder.decode(raw), valid: true };
  } catch {
    return { name: raw.toString('utf8'), valid: false };
  }
}

/** A small counting semaphore to bound concurrent file system work. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
