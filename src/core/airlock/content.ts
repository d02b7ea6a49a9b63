/**
 * Reading one side of a change: hash, size and whether it can be shown and split as text.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { ContentClass } from './types';

/** Files above this are reported as too large to diff; they apply as a whole. */
export const DIFF_SIZE_CAP = 2 * 1024 * 1024;
/** How much of a file decides whether it is binary. */
export const BINARY_PROBE_BYTES = 8 * 1024;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Binary: a NUL byte or invalid UTF-8 in the first 8 KiB (a sequence cut at 8 KiB is fine). */
export function looksBinary(data: Buffer): boolean {
  const probe = data.subarray(0, BINARY_PROBE_BYTES);
  if (probe.includes(0)) return true;
  try {
    // `stream: true` tolerates a multi-byte character cut by the probe's end.
    new TextDecoder('utf-8', { fatal: true }).decode(probe, { stream: probe.length < data.length });
    return false;
  } catch {
    return true;
  }
}

export function isValidUtf8(data: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

export interface FileContent {
  readonly sha256: string;
  readonly size: number;
  readonly content: ContentClass;
  /** The bytes, kept for files within the diff cap (what apply writes is what was hashed). */
  readonly data?: Buffer;
}

/**
 * Reads a regular file of a snapshot side, opened by `open` (which never follows a symlink
 * and never blocks). Reads at most the size the file had when it was opened, so a file the
 * sandbox keeps growing cannot stretch the read; the bytes are kept within `cap`.
 */
export async function readFileContent(open: () => Promise<fs.promises.FileHandle>, cap = DIFF_SIZE_CAP): Promise<FileContent> {
  const handle = await open();
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size <= cap) {
      const data = await readAtMost(handle, stat.size);
      return { sha256: sha256(data), size: data.length, content: looksBinary(data) ? 'binary' : 'text', data };
    }
    return { sha256: await hashHandle(handle, stat.size), size: stat.size, content: 'tooLarge' };
  } finally {
    await handle.close();
  }
}

async function readAtMost(handle: fs.promises.FileHandle, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(size);
  let pos = 0;
  while (pos < size) {
    const { bytesRead } = await handle.read(data, pos, size - pos, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
  }
  return data.subarray(0, pos);
}

/** The hash of the first `size` bytes of an open file. */
async function hashHandle(handle: fs.promises.FileHandle, size: number): Promise<string> {
  const digest = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  for (let pos = 0; pos < size;) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - pos), pos);
    if (bytesRead === 0) break;
    digest.update(chunk.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return digest.digest('hex');
}

/** Hashes a file of the real tree or the journal (never a snapshot side: see readFileContent). */
export async function hashStream(hostPath: string): Promise<string> {
  const digest = createHash('sha256');
  const handle = await fs.promises.open(hostPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) digest.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return digest.digest('hex');
}
