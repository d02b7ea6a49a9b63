/**
 * Unpacks a tar archive fetched from a remote engine (the Engine API's archive endpoint, with
 * what the sandbox wrote inside) into a local mirror folder. Everything in it is hostile:
 * names are checked one component at a time (no absolute paths, no `..`, no empty or `.`
 * names), every write goes through an open folder without following a symlink in any
 * component, new files are created exclusively with O_NOFOLLOW, symlinks are stored as
 * symlinks and never followed, hard links, devices and FIFOs are recorded but never made,
 * set-id bits are dropped, and entry count, bytes and time are capped.
 */
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { SandboxError } from '../errors';
import { ChangedUnderfoot, type Dir, namesOf, openParent } from '../fs/beneath';
import { removeEntry } from '../fs/beneathTree';

export interface ArchiveLimits {
  /** Entries before the archive is refused. */
  readonly maxEntries: number;
  /** Bytes of the archive itself (headers included) before it is refused. */
  readonly maxBytes: number;
  /** Time for the whole read before it is refused. */
  readonly timeoutMs: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 200_000, maxBytes: 2 * 1024 ** 3, timeoutMs: 300_000 };

export type ArchiveEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

export interface ArchiveEntry {
  /** Relative path below the mirror folder, `/`-separated, as bytes decoded as UTF-8. */
  readonly path: string;
  readonly type: ArchiveEntryType;
  readonly size: number;
  readonly mode: number;
  readonly mtimeMs: number;
  /** For a symlink, its target as stored. */
  readonly target?: string;
  /** Whether it was written into the mirror (hard links, devices, FIFOs never are). */
  readonly materialised: boolean;
}

function hostile(what: string): SandboxError {
  return new SandboxError(
    'UNSAFE_PATH',
    `The archive fetched from the sandbox was refused: ${what}. Nothing after that entry was unpacked.`,
    'The sandbox produced something the host will not unpack; review the sandbox by its shell, or discard the session.',
  );
}

function typeOf(tarType: string): ArchiveEntryType {
  switch (tarType) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
      return 'device';
    case 'fifo':
      return 'fifo';
    default:
      return 'other';
  }
}

/** The checked names of an entry's path; `strip` leading names (the archived folder's own name) are dropped. */
function namesFor(raw: string, strip: number): Buffer[] {
  const bytes = Buffer.from(raw, 'latin1');
  if (bytes.length === 0 || bytes[0] === 0x2f) throw hostile(`the entry ${JSON.stringify(raw)} has an absolute or empty path`);
  let text = bytes;
  while (text.length > 0 && text[text.length - 1] === 0x2f) text = text.subarray(0, -1);
  if (text.length >= 2 && text[0] === 0x2e && text[1] === 0x2f) text = text.subarray(2);
  let names: Buffer[];
  try {
    names = namesOf(text);
  } catch {
    throw hostile(`the entry ${JSON.stringify(raw)} has a path with "..", "." or an empty name in it`);
  }
  return names.slice(strip);
}

/**
 * Unpacks `source` below `root`. `strip` drops that many leading names from each entry (the
 * archive endpoint names entries after the requested folder); the entry for that folder itself
 * is skipped. An existing entry at a path is replaced (never written through).
 */
export async function unpackArchive(
  source: Readable,
  root: Dir,
  strip = 0,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  let bytes = 0;
  // Capped before parsing, so no header the parser buffers (pax, long names) can be larger.
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) return done(hostile(`it is larger than ${limits.maxBytes} bytes`));
      done(null, chunk);
    },
  });
  const extract = tar.extract({ filenameEncoding: 'latin1' });
  extract.on('entry', (header, stream, next) => {
    unpackEntry(header, stream, root, strip, entries, limits).then(
      () => next(),
      (err: Error) => {
        stream.resume();
        next(err);
      },
    );
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    await pipeline(source, cap, extract, { signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) throw hostile(`it took longer than ${limits.timeoutMs / 1000} s to read`);
    if (err instanceof SandboxError) throw err;
    if (err instanceof ChangedUnderfoot) throw hostile(`${err.message} (an entry would be written through a symlink or a file)`);
    throw hostile((err as Error).message);
  } finally {
    clearTimeout(timer);
  }
  return entries;
}

async function unpackEntry(
  header: tar.Headers,
  stream: Readable,
  root: Dir,
  strip: number,
  entries: ArchiveEntry[],
  limits: ArchiveLimits,
): Promise<void> {
  if (entries.length >= limits.maxEntries) throw hostile(`it has more than ${limits.maxEntries} entries`);
  const names = namesFor(header.name, strip);
  const type = typeOf(header.type);
  if (names.length === 0) {
    stream.resume();
    return;
  }
  const rel = names.map((n) => n.toString('utf8')).join('/');
  const materialise = type === 'file' || type === 'directory' || type === 'symlink';
  const entry: ArchiveEntry = {
    path: rel,
    type,
    size: type === 'file' ? header.size : 0,
    mode: header.mode & 0o777,
    mtimeMs: header.mtime.getTime(),
    target: type === 'symlink' ? (header.linkname ?? '') : undefined,
    materialised: materialise,
  };
  entries.push(entry);
  if (!materialise) {
    stream.resume();
    return;
  }
  const parent = await openParent(root, names, { mode: 0o700 });
  if (!parent) throw hostile(`the folder of ${JSON.stringify(rel)} could not be made`);
  const name = names[names.length - 1]!;
  try {
    const existing = await parent.lstat(name);
    if (type === 'directory') {
      stream.resume();
      if (existing?.isDirectory()) return;
      if (existing) await removeEntry(parent, name);
      await parent.mkdir(name, 0o700);
      const made = await parent.openDir(name);
      await made?.chmod(entry.mode | 0o700);
      await made?.close();
      return;
    }
    if (existing) await removeEntry(parent, name);
    if (type === 'symlink') {
      stream.resume();
      await parent.symlink(Buffer.from(header.linkname ?? '', 'latin1'), name);
      return;
    }
    const file = await parent.createFile(name, 0o600);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) await file.write(chunk);
      await file.chmod(entry.mode);
    } finally {
      await file.close();
    }
  } finally {
    if (parent !== root) await parent.close();
  }
}
