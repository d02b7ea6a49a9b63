/**
 * The sandbox side of a session on a remote engine. The engine cannot mount folders of this
 * machine, so the base copy (made here, secrets left out, as for a local engine) is shipped
 * into a volume through the Engine API's archive endpoint, and the host keeps a mirror of the
 * sandbox side: after each command a listing helper in the container reports every entry's
 * type, size, change time, inode and mode; what differs from the listing the mirror matches is
 * fetched back as archives made in the container by the sandbox user (read by the
 * hostile-archive reader) and what is gone is removed. The mirror is then read like the
 * throwaway copy of a 'copy' session. A rejected change is put back by the sandbox user too.
 *
 * Why the sandbox user makes the archives, not the engine's archive endpoint: the engine reads
 * as root and resolves the path inside the container, following a folder the agent swapped for
 * a symlink between the listing and the fetch, so it could bring files the sandbox user cannot
 * read into the review. What the sandbox user's own tar reads, the agent could have copied into
 * the workspace anyway. One archive per batch also costs one exec, not one request per file.
 *
 * Paths are kept as their exact bytes (listing keys are the bytes as latin1), so two names that
 * differ only in bytes that are not UTF-8 never share an entry.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { runHelper } from '../engine/exec';
import { SandboxError } from '../errors';
import { Dir, namesOf, openParent } from '../fs/beneath';
import { copyEntry, removeEntry } from '../fs/beneathTree';
import { unpackArchive, type ArchiveEntryType } from './archiveReader';

/** One entry of a listing: everything that moves when the sandbox writes it (change time cannot be set). */
export interface RemoteEntry {
  readonly type: string;
  readonly size: number;
  readonly ctime: string;
  readonly ino: string;
  readonly mode: number;
}

/** Keyed by the path's exact bytes read as latin1 (see keyOf). */
export type RemoteListing = Map<string, RemoteEntry>;

/** A path's listing key: its bytes, one character per byte. */
export function keyOf(raw: Buffer): string {
  return raw.toString('latin1');
}

/** The bytes of a listing key. */
export function rawOf(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

/** A listing key as the rest of the product names paths (UTF-8, lossy for names that are not). */
export function pathOf(key: string): string {
  return rawOf(key).toString('utf8');
}

/** The listing helper's argv: find prints type, size, change time, inode, mode and path, NUL-terminated. */
export function listingArgv(workspacePath: string): string[] {
  return ['find', workspacePath, '-mindepth', '1', '-printf', '%y\\t%s\\t%C@\\t%i\\t%m\\t%P\\0'];
}

/** The most entries a listing may hold: as many as a local session's change tracker follows. */
export const MAX_LISTING_ENTRIES = 500_000;

/** How long one refresh may fetch; what it fetched is kept, and the next refresh goes on from there. */
export const REFRESH_DEADLINE_MS = 10 * 60_000;

/** Parses the helper's output; a record it cannot read is refused, never skipped. */
export function parseListing(out: Buffer, maxEntries = MAX_LISTING_ENTRIES): RemoteListing {
  const listing: RemoteListing = new Map();
  let start = 0;
  while (start < out.length) {
    if (listing.size >= maxEntries) {
      throw new SandboxError(
        'SNAPSHOT_FAILED',
        `The remote sandbox holds more than ${maxEntries} files and folders, more than this machine mirrors for review. No change set is shown rather than a partial one.`,
        "Delete what needs no review in the sandbox (dependencies, build output), or add it to the policy's excluded paths and reset the sandbox.",
      );
    }
    const end = out.indexOf(0, start);
    if (end < 0) throw badListing('a record is not terminated');
    const record = out.subarray(start, end);
    start = end + 1;
    const fields: Buffer[] = [];
    let at = 0;
    for (let i = 0; i < 5; i++) {
      const tab = record.indexOf(0x09, at);
      if (tab < 0) throw badListing('a record has too few fields');
      fields.push(record.subarray(at, tab));
      at = tab + 1;
    }
    const rel = keyOf(record.subarray(at));
    const [type, size, ctime, ino, mode] = fields.map((f) => f.toString('latin1'));
    if (!rel || !/^[fdlpscD]$/.test(type!) || !/^\d+$/.test(size!) || !/^\d+$/.test(ino!) || !/^[0-7]+$/.test(mode!))
      throw badListing('a record is malformed');
    listing.set(rel, { type: type!, size: Number(size), ctime: ctime!, ino: ino!, mode: parseInt(mode!, 8) });
  }
  return listing;
}

function badListing(why: string): SandboxError {
  return new SandboxError(
    'SNAPSHOT_FAILED',
    `The listing of the remote sandbox could not be read: ${why}. No change set is shown rather than a wrong one.`,
    'Stop and start the sandbox, or reset it, and try again.',
  );
}

export interface RemoteSideOptions {
  readonly docker: Docker;
  readonly containerId: string;
  /** The sandbox user the helpers run as. */
  readonly user: string;
  /** Where the volume is mounted in the container. */
  readonly workspacePath: string;
  /** The host's mirror of the sandbox side (starts as a copy of the base). */
  readonly mirrorDir: string;
  /**
   * The base copy. A name the mirror cannot hold as the container has it gets the base's
   * entry there instead, so the review shows no change at that name (nothing of it can be
   * applied) rather than a deletion of the workspace's file.
   */
  readonly baseDir?: string;
}

export interface MirrorUpdate {
  /** Paths fetched or made (UTF-8, `/`-separated). */
  readonly fetched: string[];
  readonly removed: string[];
  /**
   * Entries the mirror does not hold, with the reason: devices, FIFOs and sockets as the
   * listing saw them, files too large to fetch, and files that changed type or went away
   * while they were fetched (the next refresh looks at those again). The mirror holds the
   * base's entry at those names, or nothing where the base has none.
   */
  readonly notMirrored: string[];
}

/** The most bytes one archive of changed files may carry (files are fetched in batches of about this much). */
export const FETCH_BATCH_BYTES = 64 * 1024 * 1024;
/** A file larger than this stays in the sandbox unreviewed (named in notMirrored). */
export const MAX_FETCH_FILE_BYTES = 512 * 1024 * 1024;
/** The most bytes one refresh fetches; more is refused with the reason. */
export const MAX_REFRESH_BYTES = 2 * 1024 ** 3;
/** Time one batch's archive may take to make and read. */
const FETCH_TIMEOUT_MS = 120_000;

/**
 * The base copy as one tar stream, made by GNU tar (never follows a symlink, numeric owners).
 * The base copy is the host's own folder, not something the sandbox can write.
 */
export function packFolder(dir: string, names?: Buffer): Readable {
  const args = ['-C', dir, '-c', '--numeric-owner', '-f', '-'];
  const child = spawn('tar', names ? [...args, '--verbatim-files-from', '--null', '-T', '-'] : [...args, '--', '.'], {
    stdio: [names ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (names) child.stdin!.end(names);
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d));
  child.on('close', (code) => {
    if (code !== 0)
      child.stdout!.destroy(new Error(`tar of the base copy failed (${code}): ${Buffer.concat(stderr).toString('utf8').slice(0, 300)}`));
  });
  return child.stdout!;
}

/** Ships the base copy into the container's volume as one streamed archive (never whole in memory). */
export async function shipBase(docker: Docker, containerId: string, workspacePath: string, archive: Readable): Promise<void> {
  await docker.getContainer(containerId).putArchive(archive, { path: workspacePath });
}

export async function listRemote(options: RemoteSideOptions): Promise<RemoteListing> {
  const result = await runHelper(options.docker, options.containerId, options.user, listingArgv(options.workspacePath), undefined, {
    purpose: 'list the remote sandbox',
    outputCapBytes: 256 * 1024 * 1024,
    timeoutMs: FETCH_TIMEOUT_MS,
  });
  // find reports unreadable folders on stderr with a non-zero status: the listing is then incomplete.
  if (result.exitCode !== 0) throw badListing(`the helper exited with ${result.exitCode}: ${result.stderr.toString('utf8').slice(0, 500)}`);
  return parseListing(result.stdout);
}

function sameEntry(a: RemoteEntry, b: RemoteEntry): boolean {
  return a.type === b.type && a.size === b.size && a.ctime === b.ctime && a.ino === b.ino && a.mode === b.mode;
}

/** A listing entry for a name whose state in the mirror is unknown: it never matches a real one. */
function unsure(entry: RemoteEntry): RemoteEntry {
  return { ...entry, ctime: 'unsure' };
}

/**
 * Brings the mirror up to date with the sandbox side. `held` is the listing the mirror
 * matches; it is updated in place as the mirror changes, so that when the refresh fails
 * half way it still says what the mirror holds: a name being written or removed when it
 * failed is held as unsure, which the next refresh fetches again or removes (a file fetched
 * into the mirror and deleted in the container before the next refresh is not left behind).
 * The caller keeps `held` whether this returns or throws.
 */
export async function refreshMirror(
  options: RemoteSideOptions,
  held: RemoteListing,
  current: RemoteListing,
  deadline = Date.now() + REFRESH_DEADLINE_MS,
): Promise<MirrorUpdate> {
  const previous: RemoteListing = new Map(held);
  const fetched: string[] = [];
  const removed: string[] = [];
  const notMirrored: string[] = [];
  // Deepest first, so a folder is empty when it goes.
  const gone = [...previous.keys()].filter((rel) => {
    const now = current.get(rel);
    return !now || now.type !== previous.get(rel)!.type;
  });
  gone.sort((a, b) => b.length - a.length);
  // Shallowest first, so a folder is there before what is in it.
  const changed = [...current.entries()].filter(([rel, entry]) => {
    const before = previous.get(rel);
    return !before || !sameEntry(before, entry);
  });
  changed.sort((a, b) => depthOf(a[0]) - depthOf(b[0]));
  const wanted = changed.filter(([, e]) => (e.type === 'f' && e.size <= MAX_FETCH_FILE_BYTES) || e.type === 'l');
  const total = wanted.reduce((sum, [, e]) => sum + e.size, 0);
  if (total > MAX_REFRESH_BYTES) {
    throw new SandboxError(
      'SNAPSHOT_FAILED',
      `The sandbox changed ${Math.round(total / 1024 / 1024)} MiB of files since the host last looked, more than the ${MAX_REFRESH_BYTES / 1024 ** 3} GiB it fetches at once for review. The review shows the sandbox as it was before.`,
      'Delete large files in the sandbox that need no review (for example build output), or reset the sandbox.',
    );
  }
  const root = await Dir.openRoot(options.mirrorDir);
  const base = options.baseDir === undefined ? undefined : await Dir.openRoot(options.baseDir);
  /**
   * Puts the base's entry at a name the mirror does not hold as the container has it, and
   * records what the mirror holds there: the listing's entry when the next refresh may keep
   * it (the same kind), else an unsure one of the base's kind, looked at again next time.
   */
  const keepBase = async (rel: string, entry: RemoteEntry | undefined): Promise<void> => {
    await removeIn(root, rel);
    const kind = base ? await copyFromBase(base, root, rel) : undefined;
    if (kind === undefined) held.delete(rel);
    else held.set(rel, entry && entry.type === kind ? entry : unsure({ type: kind, size: 0, ctime: '', ino: '', mode: 0 }));
  };
  try {
    for (const rel of gone) {
      held.set(rel, unsure(previous.get(rel)!));
      await removeIn(root, rel);
      held.delete(rel);
      removed.push(pathOf(rel));
    }
    for (const [rel, entry] of changed) {
      if (entry.type === 'd') {
        held.set(rel, unsure(entry));
        await makeFolderIn(root, rel, entry.mode);
        held.set(rel, entry);
        fetched.push(pathOf(rel));
      } else if (entry.type !== 'f' && entry.type !== 'l') {
        held.set(rel, unsure(entry));
        await keepBase(rel, entry);
        notMirrored.push(`${pathOf(rel)} (${kindName(entry.type)})`);
      } else if (entry.size > MAX_FETCH_FILE_BYTES) {
        held.set(rel, unsure(entry));
        await keepBase(rel, entry);
        notMirrored.push(`${pathOf(rel)} (larger than ${MAX_FETCH_FILE_BYTES / 1024 / 1024} MiB)`);
      }
    }
    for (const batch of batches(wanted)) {
      if (Date.now() > deadline) {
        throw new SandboxError(
          'SNAPSHOT_FAILED',
          `Fetching the sandbox's changes took longer than ${REFRESH_DEADLINE_MS / 60_000} minutes; ${fetched.length} of ${changed.length} changed entries are mirrored so far. The review is incomplete until the next refresh, which goes on from there.`,
          'Open the review again in a moment, or delete large files in the sandbox that need no review.',
        );
      }
      // Any file of the batch may be written, or half written, when the fetch fails.
      for (const [rel, entry] of batch) held.set(rel, unsure(entry));
      const written = await fetchBatch(options, root, new Map(batch));
      for (const [rel, entry] of batch) {
        if (written.has(rel)) {
          held.set(rel, entry);
          fetched.push(pathOf(rel));
        } else {
          // It went away or changed type while it was fetched: the mirror holds the base's
          // entry there for now, and the next listing decides again.
          await keepBase(rel, undefined);
          notMirrored.push(`${pathOf(rel)} (changed while it was fetched)`);
        }
      }
    }
  } finally {
    await root.close();
    await base?.close();
  }
  return { fetched, removed, notMirrored };
}

function depthOf(key: string): number {
  return key.split('/').length;
}

function kindName(type: string): string {
  return type === 'p' ? 'a FIFO' : type === 's' ? 'a socket' : type === 'c' || type === 'b' ? 'a device' : 'not a file';
}

/** Splits files into batches of about FETCH_BATCH_BYTES (a larger file alone). */
function batches(entries: readonly [string, RemoteEntry][]): [string, RemoteEntry][][] {
  const out: [string, RemoteEntry][][] = [];
  let current: [string, RemoteEntry][] = [];
  let bytes = 0;
  for (const item of entries) {
    if (current.length > 0 && (bytes + item[1].size > FETCH_BATCH_BYTES || current.length >= 5000)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item[1].size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The archive maker's argv: exactly the names on stdin, no recursion, hard links as plain files. */
const FETCH_ARGV = (workspacePath: string) => [
  'tar',
  '-c',
  '-f',
  '-',
  '--format=gnu',
  '--numeric-owner',
  '--no-recursion',
  '--hard-dereference',
  '-C',
  workspacePath,
  '--verbatim-files-from',
  '--null',
  '-T',
  '-',
];

const TAR_TYPE: Record<string, ArchiveEntryType> = { f: 'file', l: 'symlink' };

/**
 * Fetches one batch of files and symlinks as one archive made in the container by the sandbox
 * user. Every entry is checked before anything of it is written: a name that was not asked
 * for (or asked once and sent twice) refuses the archive; a type other than the listing's is
 * left out (it changed in between). Returns the keys written.
 */
async function fetchBatch(options: RemoteSideOptions, root: Dir, batch: Map<string, RemoteEntry>): Promise<Set<string>> {
  const names = Buffer.concat([...batch.keys()].flatMap((k) => [rawOf(k), Buffer.from([0])]));
  const listed = [...batch.values()].reduce((sum, e) => sum + e.size, 0);
  // Each entry takes a header, a GNU long-name header with its name, and padding.
  const cap = listed + batch.size * 4 * 512 + names.length + 64 * 1024;
  const result = await runHelper(options.docker, options.containerId, options.user, FETCH_ARGV(options.workspacePath), names, {
    purpose: 'fetch the changed files from the remote sandbox',
    outputCapBytes: cap,
    timeoutMs: FETCH_TIMEOUT_MS,
  });
  // 1: a file changed while it was read; 2: one could not be read or went away. The archive
  // still holds the rest, and what is missing is looked at again next time.
  if (result.exitCode > 2)
    throw badListing(`the archive helper exited with ${result.exitCode}: ${result.stderr.toString('utf8').slice(0, 300)}`);
  const seen = new Set<string>();
  const written = new Set<string>();
  const entries = await unpackArchive(
    Readable.from([result.stdout]),
    root,
    0,
    { maxEntries: batch.size, maxBytes: cap, timeoutMs: FETCH_TIMEOUT_MS },
    (raw, type) => {
      const key = keyOf(raw);
      const want = batch.get(key);
      if (!want) return `it holds ${JSON.stringify(pathOf(key))}, which was not asked for`;
      if (seen.has(key)) return `it holds ${JSON.stringify(pathOf(key))} twice`;
      seen.add(key);
      return TAR_TYPE[want.type] === type ? 'write' : 'skip';
    },
  );
  for (const e of entries) if (e.materialised) written.add(keyOf(e.rawPath));
  return written;
}

async function removeIn(root: Dir, rel: string): Promise<void> {
  const names = namesOf(rawOf(rel));
  const parent = await openParent(root, names);
  if (!parent) return;
  try {
    if (await parent.lstat(names[names.length - 1]!)) await removeEntry(parent, names[names.length - 1]!);
  } finally {
    if (parent !== root) await parent.close();
  }
}

/** Copies the base's entry at `rel` into the mirror; returns its kind, or undefined where the base has none. */
async function copyFromBase(base: Dir, root: Dir, rel: string): Promise<'f' | 'l' | 'd' | undefined> {
  const names = namesOf(rawOf(rel));
  const name = names[names.length - 1]!;
  const source = await openParent(base, names);
  if (!source) return undefined;
  try {
    const st = await source.lstat(name);
    if (!st || !(st.isFile() || st.isSymbolicLink() || st.isDirectory())) return undefined;
    // The mirror's folders above it are the container's, as the listing has them.
    const target = await openParent(root, names);
    if (!target) return undefined;
    try {
      await copyEntry(source, name, target, name, { preserveTimestamps: true });
    } finally {
      if (target !== root) await target.close();
    }
    return st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f';
  } finally {
    if (source !== base) await source.close();
  }
}

async function makeFolderIn(root: Dir, rel: string, mode: number): Promise<void> {
  const names = namesOf(rawOf(rel));
  const parent = await openParent(root, names, { mode: 0o700 });
  if (!parent) throw badListing(`the folder of ${pathOf(rel)} is missing in the mirror`);
  const name = names[names.length - 1]!;
  try {
    const existing = await parent.lstat(name);
    if (existing && !existing.isDirectory()) await removeEntry(parent, name);
    if (!existing?.isDirectory()) await parent.mkdir(name, 0o700);
    const made = await parent.openDir(name);
    await made?.chmod((mode & 0o777) | 0o700);
    await made?.close();
  } finally {
    if (parent !== root) await parent.close();
  }
}

/**
 * Removes `rel` on the sandbox side and, when `archive` is given, unpacks it there (the base's
 * entry at `rel`, named relative to the workspace): a rejected change put back. The sandbox
 * user does it, so it can reach nothing in the container the agent could not; nothing on this
 * machine is written.
 */
export async function putBack(options: RemoteSideOptions, rel: string, archive: Buffer | undefined): Promise<void> {
  const result = await runHelper(
    options.docker,
    options.containerId,
    options.user,
    ['/bin/sh', '-c', PUT_BACK_SCRIPT, 'agent-sandbox-put-back', options.workspacePath, rel, archive ? 'unpack' : 'remove'],
    archive ?? Buffer.alloc(0),
    { purpose: `put ${rel} back in the remote sandbox`, timeoutMs: FETCH_TIMEOUT_MS },
  );
  if (result.exitCode !== 0) {
    throw new SandboxError(
      'INTERNAL',
      `Could not put ${rel} back in the remote sandbox: ${result.stderr.toString('utf8').trim().slice(0, 300)}`,
      'Look at the path in the sandbox terminal, or reset the sandbox.',
    );
  }
}

/** $1 the workspace, $2 the path below it, $3 'unpack' (an archive on stdin) or 'remove'. */
const PUT_BACK_SCRIPT = `set -e
cd -- "$1"
rm -rf -- "./$2"
if [ "$3" = unpack ]; then tar -x -p -f - --no-same-owner; fi`;

/** The base's entry at `rel` (a folder with what is in it) as an archive in memory, at most `cap` bytes. */
export async function packBaseEntry(baseDir: string, rel: string, cap = MAX_FETCH_FILE_BYTES): Promise<Buffer> {
  const stream = packFolder(baseDir, Buffer.concat([Buffer.from(rel, 'utf8'), Buffer.from([0])]));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) {
      stream.destroy();
      throw new SandboxError(
        'INTERNAL',
        `${rel} is larger than ${cap / 1024 / 1024} MiB in the workspace's copy, too large to put back in the remote sandbox at once.`,
        'Reset the sandbox to start again from the workspace.',
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The listing the mirror matches, kept in the session folder between processes. */
export function loadListing(file: string): RemoteListing {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    version: number;
    entries: [string, string, number, string, string, number][];
  };
  if (parsed.version !== 1) throw badListing(`the kept listing ${file} has an unknown version`);
  return new Map(parsed.entries.map(([k, type, size, ctime, ino, mode]) => [k, { type, size, ctime, ino, mode }]));
}

export function saveListing(file: string, listing: RemoteListing): void {
  const entries = [...listing].map(([k, e]) => [k, e.type, e.size, e.ctime, e.ino, e.mode]);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ version: 1, entries }), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** What a refresh of the mirror found, with the bytes of the files the sandbox side holds. */
export interface Refreshed extends MirrorUpdate {
  readonly bytes: number;
}

/**
 * The host's side of one remote session: the mirror and the listing it matches (kept in
 * `listingFile`). Refreshes in one process run one at a time.
 */
export class RemoteMirror {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly side: RemoteSideOptions,
    private readonly listingFile: string,
  ) {}

  /** Records the listing right after the base was shipped: the mirror (a copy of the base) matches it. */
  async begin(): Promise<void> {
    saveListing(this.listingFile, await listRemote(this.side));
  }

  /** Brings the mirror up to date with the container. */
  refresh(): Promise<Refreshed> {
    const run = this.#queue
      .catch(() => undefined)
      .then(async () => {
        const held = loadListing(this.listingFile);
        const current = await listRemote(this.side);
        let update: MirrorUpdate;
        try {
          update = await refreshMirror(this.side, held, current);
        } finally {
          // What the mirror holds now, a failed refresh's unsure names included.
          saveListing(this.listingFile, held);
        }
        let bytes = 0;
        for (const e of current.values()) if (e.type === 'f') bytes += e.size;
        return { ...update, bytes };
      });
    this.#queue = run;
    return run;
  }

  /** Puts the base's entry at `rel` (or its absence) back on the sandbox side. */
  async putBack(baseDir: string, rel: string, inBase: boolean): Promise<void> {
    await putBack(this.side, rel, inBase ? await packBaseEntry(baseDir, rel) : undefined);
  }
}
