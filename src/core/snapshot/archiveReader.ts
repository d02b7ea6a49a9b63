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
  /** The same path as the archive's exact bytes (names need not be UTF-8). */
  readonly rawPath: Buffer;
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
 * Decides, before anything of an entry is written, whether it is written ('write'), only
 * recorded ('skip'), or refuses the archive (a string: the reason).
 */
export type Admit = (rawPath: Buffer, type: ArchiveEntryType) => 'write' | 'skip' | string;

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
  admit?: Admit,
): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  let bytes = 0;
  const headers = new HeaderGuard();
  // Capped before parsing: the archive's size, and the size of each header the parser would
  // buffer whole (pax records, GNU long names), so none can exhaust memory.
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) return done(hostile(`it is larger than ${limits.maxBytes} bytes`));
      const tooLarge = headers.push(chunk);
      if (tooLarge) return done(hostile(tooLarge));
      done(null, chunk);
    },
  });
  const extract = tar.extract({ filenameEncoding: 'latin1' });
  extract.on('entry', (header, stream, next) => {
    unpackEntry(header, stream, root, strip, entries, limits, admit).then(
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
  admit: Admit | undefined,
): Promise<void> {
  if (entries.length >= limits.maxEntries) throw hostile(`it has more than ${limits.maxEntries} entries`);
  const names = namesFor(header.name, strip);
  const type = typeOf(header.type);
  if (names.length === 0) {
    stream.resume();
    return;
  }
  const rel = names.map((n) => n.toString('utf8')).join('/');
  const rawPath = Buffer.from(names.map((n) => n.toString('latin1')).join('/'), 'latin1');
  const verdict = admit?.(rawPath, type) ?? 'write';
  if (verdict !== 'write' && verdict !== 'skip') throw hostile(verdict);
  const materialise = verdict === 'write' && (type === 'file' || type === 'directory' || type === 'symlink');
  const entry: ArchiveEntry = {
    path: rel,
    rawPath,
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

/** The largest header the parser may buffer whole: pax records ('x', 'g') and GNU long names ('L', 'K'). */
export const MAX_META_HEADER_BYTES = 1024 * 1024;

const BLOCK = 512;

/**
 * Follows the archive's 512-byte framing as it streams past and reports a metadata header
 * larger than MAX_META_HEADER_BYTES before the parser starts buffering it. Data blocks are
 * skipped by each header's size; a header whose size cannot be read is refused.
 */
class HeaderGuard {
  #skip = 0;
  #partial: Buffer = Buffer.alloc(0);
  /** The pax header being read (its records may change the next entry's size). */
  #pax: Buffer[] | undefined;
  #paxLeft = 0;
  /** The size a pax record gave the next entry, which overrides its header's field. */
  #nextSize: number | undefined;

  /** A reason to refuse the archive, or undefined. */
  push(chunk: Buffer): string | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - offset);
        if (this.#pax && this.#paxLeft > 0) {
          const keep = chunk.subarray(offset, offset + Math.min(n, this.#paxLeft));
          this.#pax.push(Buffer.from(keep));
          this.#paxLeft -= keep.length;
        }
        this.#skip -= n;
        offset += n;
        if (this.#skip === 0 && this.#pax) {
          const problem = this.#endPax(Buffer.concat(this.#pax));
          this.#pax = undefined;
          if (problem) return problem;
        }
        continue;
      }
      const need = BLOCK - this.#partial.length;
      const take = chunk.subarray(offset, offset + need);
      offset += take.length;
      this.#partial = this.#partial.length ? Buffer.concat([this.#partial, take]) : Buffer.from(take);
      if (this.#partial.length < BLOCK) return undefined;
      const header = this.#partial;
      this.#partial = Buffer.alloc(0);
      const problem = this.#header(header);
      if (problem) return problem;
    }
    return undefined;
  }

  #header(block: Buffer): string | undefined {
    if (block.every((b) => b === 0)) return undefined; // end-of-archive padding
    const type = String.fromCharCode(block[156]!);
    const field = headerSize(block.subarray(124, 136));
    if (field === undefined) return 'an entry has a size that cannot be read';
    const meta = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    if (meta && field > MAX_META_HEADER_BYTES)
      return `a header of ${field} bytes (over ${MAX_META_HEADER_BYTES}) would have to be held whole`;
    let size = field;
    if (!meta && this.#nextSize !== undefined) {
      size = this.#nextSize;
      this.#nextSize = undefined;
    }
    this.#skip = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' && size > 0) {
      this.#pax = [];
      this.#paxLeft = size;
    } else if (type === 'x') {
      this.#nextSize = undefined;
    }
    return undefined;
  }

  /** Reads a pax header's records ("LEN key=value\n") for the size of the entry that follows. */
  #endPax(records: Buffer): string | undefined {
    const text = records.toString('latin1');
    let at = 0;
    while (at < text.length) {
      const space = text.indexOf(' ', at);
      const len = space > at ? Number(text.slice(at, space)) : NaN;
      if (!Number.isInteger(len) || len <= 0 || at + len > text.length) break;
      const record = text.slice(space + 1, at + len - 1);
      const eq = record.indexOf('=');
      if (eq > 0 && record.slice(0, eq) === 'size') {
        const value = record.slice(eq + 1);
        if (!/^[0-9]+$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER) return 'a pax header gives a size that cannot be read';
        this.#nextSize = Number(value);
      }
      at += len;
    }
    return undefined;
  }
}

/** A tar size field: octal digits, or base-256 when the first byte's high bit is set. */
function headerSize(field: Buffer): number | undefined {
  if (field[0]! & 0x80) {
    let value = 0n;
    for (let i = 1; i < field.length; i++) value = (value << 8n) + BigInt(field[i]!);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}
